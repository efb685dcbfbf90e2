/* SPDX-License-Identifier: MIT */
/* <linux/sched.h>: tasks (nothing a module can call yet beyond the types). */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <linux/types.h>
#include <linux/kernel.h>

#endif /* _LINUX_SCHED_H */
