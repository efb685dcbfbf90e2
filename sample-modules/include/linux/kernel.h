/* SPDX-License-Identifier: MIT */
#include "../starry_kmod.h"
