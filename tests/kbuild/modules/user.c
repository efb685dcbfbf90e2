// SPDX-License-Identifier: GPL-2.0
/* Uses greet.ko's export: modpost computes depends=greet. */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

int greet(const char *who);

static int __init user_init(void)
{
	pr_info("user: greet returned %d\n", greet("user"));
	return 0;
}

static void __exit user_exit(void)
{
	pr_info("user: exit\n");
}

module_init(user_init);
module_exit(user_exit);
MODULE_LICENSE("GPL");
