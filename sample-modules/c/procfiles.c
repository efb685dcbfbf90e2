// SPDX-License-Identifier: GPL-2.0
/*
 * procfiles: a module's own /proc files.
 *   /proc/procfiles/buffer   0644  a 1 KiB buffer: write replaces it, read
 *                                  returns it (simple_read_from_buffer)
 *   /proc/procfiles/records  0444  seq_file of `records` lines
 *                                  "record N: square N*N"
 *   /proc/procfiles/summary  0444  single_open: buffer length and reads
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

static unsigned long records = 100000;
module_param(records, ulong, 0444);
/* With owner=<uid>, buffer belongs to that user and group (proc_set_user). */
static int owner = -1;
module_param(owner, int, 0444);
MODULE_PARM_DESC(records, "Lines of /proc/procfiles/records");

static struct proc_dir_entry *dir;
static char buffer[1024];
static size_t buffer_len;
static unsigned long reads;

static ssize_t buffer_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	reads++;
	return simple_read_from_buffer(ubuf, len, ppos, buffer, buffer_len);
}

static ssize_t buffer_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	if (len > sizeof(buffer))
		return -ENOSPC;
	if (copy_from_user(buffer, ubuf, len))
		return -EFAULT;
	buffer_len = len;
	*ppos += len;
	pr_info("buffer now %zu bytes\n", len);
	return len;
}

static const struct proc_ops buffer_ops = {
	.proc_read = buffer_read,
	.proc_write = buffer_write,
	.proc_lseek = default_llseek,
};

static void *records_start(struct seq_file *m, loff_t *pos)
{
	return *pos < records ? pos : NULL;
}

static void *records_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return *pos < records ? pos : NULL;
}

static void records_stop(struct seq_file *m, void *v)
{
}

static int records_show(struct seq_file *m, void *v)
{
	unsigned long n = *(loff_t *)v;

	seq_printf(m, "record %lu: square %lu\n", n, n * n);
	return 0;
}

static const struct seq_operations records_seq = {
	.start = records_start,
	.next = records_next,
	.stop = records_stop,
	.show = records_show,
};

static int records_open(struct inode *inode, struct file *file)
{
	return seq_open(file, &records_seq);
}

static const struct proc_ops records_ops = {
	.proc_open = records_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = seq_release,
};

static int summary_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s: %zu bytes, %lu reads\n", (const char *)m->private,
		   buffer_len, reads);
	return 0;
}

static int summary_open(struct inode *inode, struct file *file)
{
	return single_open(file, summary_show, pde_data(inode));
}

static const struct proc_ops summary_ops = {
	.proc_open = summary_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static char summary_name[] = "buffer";

static int __init procfiles_init(void)
{
	struct proc_dir_entry *buffer;

	dir = proc_mkdir("procfiles", NULL);
	if (!dir)
		return -ENOMEM;
	buffer = proc_create("buffer", 0644, dir, &buffer_ops);
	if (!buffer ||
	    !proc_create("records", 0444, dir, &records_ops) ||
	    !proc_create_data("summary", 0, dir, &summary_ops, summary_name)) {
		proc_remove(dir);
		return -ENOMEM;
	}
	if (owner >= 0)
		proc_set_user(buffer, KUIDT_INIT(owner), KGIDT_INIT(owner));
	pr_info("/proc/procfiles created\n");
	return 0;
}

static void __exit procfiles_exit(void)
{
	proc_remove(dir);
	pr_info("/proc/procfiles removed\n");
}

module_init(procfiles_init);
module_exit(procfiles_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A module's own /proc files: a buffer, a seq_file, a single_open file");
