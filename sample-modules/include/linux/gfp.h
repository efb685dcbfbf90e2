/* SPDX-License-Identifier: MIT */
/* <linux/gfp.h>: allocation flags (through <linux/gfp_types.h>). */
#ifndef __LINUX_GFP_H
#define __LINUX_GFP_H

#include <linux/gfp_types.h>

#endif /* __LINUX_GFP_H */
