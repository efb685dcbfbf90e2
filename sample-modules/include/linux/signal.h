/* SPDX-License-Identifier: MIT */
/* <linux/signal.h>: the signal numbers and sets. */
#include <linux/signal_types.h>
