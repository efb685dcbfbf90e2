// SPDX-License-Identifier: GPL-2.0
/* gpl_consumer: a GPL module using provider's GPL-only export. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>

const char *provider_secret(void);

static int __init gpl_consumer_init(void)
{
	pr_info("told %s\n", provider_secret());
	return 0;
}

static void __exit gpl_consumer_exit(void)
{
	pr_info("bye\n");
}

module_init(gpl_consumer_init);
module_exit(gpl_consumer_exit);

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("Uses provider_secret (EXPORT_SYMBOL_GPL)");
