/* SPDX-License-Identifier: MIT */
/* <linux/sched/signal.h>: signal_pending and friends (in <linux/sched.h>). */
#include <linux/sched.h>
