// SPDX-License-Identifier: GPL-2.0
/* One half of a multi-file module (startstop-objs := start.o stop.o). */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

int init_module(void)
{
	pr_info("startstop: start (%s in %s)\n", KBUILD_BASENAME, KBUILD_MODNAME);
	return 0;
}

MODULE_LICENSE("GPL");
