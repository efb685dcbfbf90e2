// SPDX-License-Identifier: GPL-2.0
/*
 * lockkey: a static, empty `struct lock_class_key` whose address is taken,
 * the pattern every mutex_init()/spin_lock_init() expands to. Without
 * lockdep the key has no bytes, so it lives in an empty .bss; the kernel
 * must still give it a real, non-NULL address.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/errno.h>
#include <linux/lockdep_types.h>
#include <linux/module.h>

static struct lock_class_key lockkey_key;

static int __init lockkey_init(void)
{
	unsigned long addr = (unsigned long)&lockkey_key;

	/* Keep the compiler from assuming the address is non-NULL. */
	__asm__ volatile("" : "+r"(addr));
	if (!addr)
		return -EFAULT;
	pr_info("key at %lx\n", addr);
	return 0;
}

static void __exit lockkey_exit(void)
{
	pr_info("bye\n");
}

module_init(lockkey_init);
module_exit(lockkey_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("An empty static lock_class_key, as mutex_init makes one");
