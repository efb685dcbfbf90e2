// SPDX-License-Identifier: GPL-2.0
/* A second single-file module, in a subdirectory, with a parameter. */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>

static int start = 1;
module_param(start, int, 0644);
MODULE_PARM_DESC(start, "Where to start counting");

static int __init counter_init(void)
{
	pr_info("counter: start=%d\n", start);
	return 0;
}

static void __exit counter_exit(void)
{
	pr_info("counter: exit at %d\n", start);
}

module_init(counter_init);
module_exit(counter_exit);
MODULE_LICENSE("Dual MIT/GPL");
