// SPDX-License-Identifier: GPL-2.0
/* A single-file module that exports a function (user.ko uses it). */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/version.h>

static int greetings;

int greet(const char *who)
{
	pr_info("%s, %s\n", GREETING, who);
	return ++greetings;
}
EXPORT_SYMBOL(greet);

static int __init greet_init(void)
{
	pr_info("greet: init (%s, version code %d)\n", KBUILD_MODNAME,
		LINUX_VERSION_CODE);
	return 0;
}

static void __exit greet_exit(void)
{
	pr_info("greet: exit after %d greetings\n", greetings);
}

module_init(greet_init);
module_exit(greet_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION("1.0");
