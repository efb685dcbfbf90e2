// SPDX-License-Identifier: GPL-2.0
/* consumer: uses provider's plain export, at init and at exit. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>

int provider_add(int a, int b);

static int __init consumer_init(void)
{
	pr_info("2 + 3 = %d\n", provider_add(2, 3));
	return 0;
}

static void __exit consumer_exit(void)
{
	pr_info("40 + 2 = %d, bye\n", provider_add(40, 2));
}

module_init(consumer_init);
module_exit(consumer_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Uses provider_add");
