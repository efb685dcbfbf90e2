/* SPDX-License-Identifier: MIT */
/* <asm/errno.h>: the errno numbers (asm-generic's). */
#include <asm-generic/errno.h>
