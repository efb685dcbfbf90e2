// SPDX-License-Identifier: GPL-2.0
/* initfail: a module whose init fails; loading it must leave nothing behind. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>

static int err = -ENODEV;
module_param(err, int, 0444);
MODULE_PARM_DESC(err, "The value init returns");

static int __init initfail_init(void)
{
	pr_warn("init returns %d\n", err);
	return err;
}

static void __exit initfail_exit(void)
{
	pr_info("exit\n");
}

module_init(initfail_init);
module_exit(initfail_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A module whose init fails");
