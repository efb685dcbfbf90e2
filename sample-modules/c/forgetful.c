// SPDX-License-Identifier: GPL-2.0
/*
 * forgetful: creates /proc/forgetful/{note} and never removes it; the
 * kernel removes it at unload with a warning. With fail=1 its init fails
 * after creating them: nothing may be left either.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

static bool fail;
module_param(fail, bool, 0);

static int note_show(struct seq_file *m, void *v)
{
	seq_puts(m, "remember me\n");
	return 0;
}

static int note_open(struct inode *inode, struct file *file)
{
	return single_open(file, note_show, NULL);
}

static const struct proc_ops note_ops = {
	.proc_open = note_open,
	.proc_read = seq_read,
	.proc_release = single_release,
};

static int __init forgetful_init(void)
{
	struct proc_dir_entry *dir = proc_mkdir("forgetful", NULL);

	if (!dir || !proc_create("note", 0444, dir, &note_ops))
		return -ENOMEM;
	return fail ? -EAGAIN : 0;
}

static void __exit forgetful_exit(void)
{
	pr_info("leaving my files behind\n");
}

module_init(forgetful_init);
module_exit(forgetful_exit);
MODULE_LICENSE("GPL");
