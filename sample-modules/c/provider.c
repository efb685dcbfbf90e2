// SPDX-License-Identifier: GPL-2.0
/*
 * provider: exports a function to every module (EXPORT_SYMBOL) and one to
 * GPL-compatible modules only (EXPORT_SYMBOL_GPL). Counts the calls it
 * serves and reports them at exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/export.h>

static int calls;

int provider_add(int a, int b)
{
	calls++;
	return a + b;
}
EXPORT_SYMBOL(provider_add);

const char *provider_secret(void)
{
	calls++;
	return "the GPL-only secret";
}
EXPORT_SYMBOL_GPL(provider_secret);

static int __init provider_init(void)
{
	pr_info("ready\n");
	return 0;
}

static void __exit provider_exit(void)
{
	pr_info("served %d call(s)\n", calls);
}

module_init(provider_init);
module_exit(provider_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("starry-kmod developers");
MODULE_DESCRIPTION("Exports a plain and a GPL-only function");
MODULE_VERSION("1.0");
