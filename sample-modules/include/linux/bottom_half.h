/* SPDX-License-Identifier: MIT */
/* <linux/bottom_half.h>: softirqs run on their own thread here. */
#ifndef _LINUX_BH_H
#define _LINUX_BH_H

#include <linux/compiler.h>

#define local_bh_disable()	barrier()
#define local_bh_enable()	barrier()

#endif /* _LINUX_BH_H */
