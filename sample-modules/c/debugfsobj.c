// SPDX-License-Identifier: GPL-2.0
/*
 * debugfsobj: values and files in /sys/kernel/debug/debugfsobj/.
 *
 *   flag    bool  0644      count  u32  0644     mask   x32  0644
 *   small   u8    0444      big    u64  0600     blob   blob 0444
 *   sub/echo  a file of its own file_operations (a 64-byte buffer)
 *
 * init looks its own directory up again (debugfs_lookup); exit removes
 * it recursively, unless forget=1.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/uaccess.h>

static bool forget;
module_param(forget, bool, 0);

static struct dentry *dir;
static bool flag = true;
static u32 count = 42;
static u32 mask = 0xbeef;
static u8 small = 200;
static u64 big = 1ULL << 40;
static char blob_text[] = "binary\0blob\n";
static struct debugfs_blob_wrapper blob = {
	.data = blob_text,
	.size = sizeof(blob_text) - 1,
};
static char echo_buf[64];
static size_t echo_len;

static ssize_t echo_read(struct file *file, char __user *to, size_t len, loff_t *ppos)
{
	return simple_read_from_buffer(to, len, ppos, echo_buf, echo_len);
}

static ssize_t echo_write(struct file *file, const char __user *from, size_t len,
			  loff_t *ppos)
{
	ssize_t n;

	if (*ppos == 0)
		echo_len = 0;
	n = simple_write_to_buffer(echo_buf, sizeof(echo_buf), ppos, from, len);
	if (n > 0 && (size_t)*ppos > echo_len)
		echo_len = *ppos;
	return n;
}

static const struct file_operations echo_fops = {
	.owner = THIS_MODULE,
	.read = echo_read,
	.write = echo_write,
	.llseek = default_llseek,
};

static int __init debugfsobj_init(void)
{
	struct dentry *sub, *again;

	dir = debugfs_create_dir("debugfsobj", NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	debugfs_create_bool("flag", 0644, dir, &flag);
	debugfs_create_u32("count", 0644, dir, &count);
	debugfs_create_x32("mask", 0644, dir, &mask);
	debugfs_create_u8("small", 0444, dir, &small);
	debugfs_create_u64("big", 0600, dir, &big);
	debugfs_create_blob("blob", 0444, dir, &blob);
	sub = debugfs_create_dir("sub", dir);
	debugfs_create_file("echo", 0600, sub, NULL, &echo_fops);
	if (!IS_ERR(debugfs_create_dir("sub", dir)))
		pr_err("a second sub was created\n");
	again = debugfs_lookup("debugfsobj", NULL);
	pr_info("lookup %s\n", again == dir ? "found it" : "failed");
	dput(again);
	return 0;
}

static void __exit debugfsobj_exit(void)
{
	if (forget) {
		pr_info("leaving my debugfs files behind\n");
		return;
	}
	debugfs_remove_recursive(dir);
	pr_info("count was %u at exit\n", count);
}

module_init(debugfsobj_init);
module_exit(debugfsobj_exit);
MODULE_LICENSE("GPL");
