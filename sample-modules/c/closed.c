/*
 * closed: a proprietary module (taints P) that uses provider's plain
 * export, and can pin itself: writing 1 to its `pin` parameter takes a
 * reference on THIS_MODULE with try_module_get, writing 0 drops it with
 * module_put. While pinned it cannot be unloaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/moduleparam.h>

int provider_add(int a, int b);

static bool pinned;

static int pin_set(const char *val, const struct kernel_param *kp)
{
	bool want = val[0] == '1' || val[0] == 'y' || val[0] == 'Y';

	if (val[0] != '0' && val[0] != 'n' && val[0] != 'N' && !want)
		return -EINVAL;
	if (want && !pinned) {
		if (!try_module_get(THIS_MODULE))
			return -EBUSY;
		pinned = true;
	} else if (!want && pinned) {
		module_put(THIS_MODULE);
		pinned = false;
	}
	pr_info("pinned=%d refcount=%d\n", pinned, module_refcount(THIS_MODULE));
	return 0;
}

static int pin_get(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%d\n", pinned);
}

static const struct kernel_param_ops pin_ops = {
	.set = pin_set,
	.get = pin_get,
};
module_param_cb(pin, &pin_ops, &pinned, 0644);
MODULE_PARM_DESC(pin, "1: hold a reference on this module, 0: drop it");

static int __init closed_init(void)
{
	pr_info("1 + 1 = %d\n", provider_add(1, 1));
	return 0;
}

static void __exit closed_exit(void)
{
	pr_info("bye\n");
}

module_init(closed_init);
module_exit(closed_exit);

MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("A proprietary module that can pin itself");
