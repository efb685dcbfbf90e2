// SPDX-License-Identifier: GPL-2.0
/* hello: the smallest useful module; greets at load and at unload. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

static int greetings __initdata = 1;
static const char *const planets[] = { "mercury", "venus", "earth" };

static int __init hello_init(void)
{
	pr_info("Hello, world! (%d greeting from %s)\n", greetings, planets[2]);
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("Goodbye, world!\n");
}

module_init(hello_init);
module_exit(hello_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("starry-kmod developers");
MODULE_DESCRIPTION("Hello world sample module");
MODULE_VERSION("1.0");
MODULE_ALIAS("starry-greeter");
