// SPDX-License-Identifier: GPL-2.0
/* The other half: the module's exit lives in another unit. */
#include <linux/module.h>
#include <linux/printk.h>

void cleanup_module(void)
{
	pr_info("startstop: stop (%s in %s)\n", KBUILD_BASENAME, KBUILD_MODNAME);
}
