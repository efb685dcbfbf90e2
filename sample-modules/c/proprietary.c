/*
 * proprietary: a non-GPL module that tries provider's GPL-only export.
 * The kernel must refuse it ("Unknown symbol provider_secret").
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>

const char *provider_secret(void);

static int __init proprietary_init(void)
{
	pr_info("got %s\n", provider_secret());
	return 0;
}

static void __exit proprietary_exit(void)
{
}

module_init(proprietary_init);
module_exit(proprietary_exit);

MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("Tries to use a GPL-only symbol");
