// SPDX-License-Identifier: GPL-2.0
/*
 * params: module parameters of several types. Prints the values it sees at
 * init and again at exit (so a change made after load, through sysfs, shows),
 * and keeps a kmalloc'd buffer alive while loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

static int count = 1;
module_param(count, int, 0644);
MODULE_PARM_DESC(count, "How many times to say hello");

static bool verbose;
module_param(verbose, bool, 0444);
MODULE_PARM_DESC(verbose, "Print more");

static char *whom = "world";
module_param(whom, charp, 0644);
MODULE_PARM_DESC(whom, "Whom to greet");

static unsigned long limit = 4096;
module_param_named(max_bytes, limit, ulong, 0600);
MODULE_PARM_DESC(max_bytes, "Size of the scratch buffer");

static short level = -3;
module_param(level, short, 0);
MODULE_PARM_DESC(level, "A parameter with no sysfs file");

static char *scratch;

static void report(const char *when)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "count=%d verbose=%c whom=%s max_bytes=%lu level=%d",
			 count, verbose ? 'Y' : 'N', whom ? whom : "(null)", limit, level);
	pr_info("%s: %s (%d chars)\n", when, line, n);
}

static int __init params_init(void)
{
	int i;

	if (limit == 0 || limit > (1ul << 20)) {
		pr_err("max_bytes=%lu out of range\n", limit);
		return -EINVAL;
	}
	scratch = kzalloc(limit, GFP_KERNEL);
	if (!scratch)
		return -ENOMEM;
	report("init");
	for (i = 0; i < count && i < 3; i++)
		pr_info("hello #%d, %s\n", i + 1, whom);
	if (verbose)
		pr_info("scratch buffer at %p is %s\n", scratch, scratch[limit - 1] ? "dirty" : "clean");
	return 0;
}

static void __exit params_exit(void)
{
	report("exit");
	kfree(scratch);
}

module_init(params_init);
module_exit(params_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("starry-kmod developers");
MODULE_DESCRIPTION("Module parameters sample");
MODULE_VERSION("2.1");
