// SPDX-License-Identifier: GPL-2.0
/*
 * paramarray: array and string parameters, and custom ops built on the
 * kernel's param_set_int/param_get_int. Prints what it holds at init and
 * at exit (so writes through sysfs show).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/moduleparam.h>

static int values[4] = { 1, 2, 3, 4 };
static unsigned int nvalues;
module_param_array(values, int, &nvalues, 0644);
MODULE_PARM_DESC(values, "Up to four integers");

static char *names[3];
module_param_array(names, charp, NULL, 0444);
MODULE_PARM_DESC(names, "Up to three names (no count kept)");

static bool switches[2];
module_param_array_named(switch, switches, bool, NULL, 0600);

static char label[8] = "none";
module_param_string(label, label, sizeof(label), 0644);
MODULE_PARM_DESC(label, "At most seven characters");

static int watched = 42;

static int watched_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_int(val, kp);

	if (ret)
		return ret;
	pr_info("watched updated to %d\n", watched);
	return 0;
}

static const struct kernel_param_ops watched_ops = {
	.set = watched_set,
	.get = param_get_int,
};
module_param_cb(watched, &watched_ops, &watched, 0644);

static void report(const char *when)
{
	pr_info("%s: values=%d,%d,%d,%d nvalues=%u names=%s,%s,%s switch=%d,%d label=%s watched=%d\n",
		when, values[0], values[1], values[2], values[3], nvalues,
		names[0] ? names[0] : "-", names[1] ? names[1] : "-",
		names[2] ? names[2] : "-", switches[0], switches[1], label, watched);
}

static int __init paramarray_init(void)
{
	report("init");
	return 0;
}

static void __exit paramarray_exit(void)
{
	report("exit");
}

module_init(paramarray_init);
module_exit(paramarray_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Array, string and custom-op parameters");
