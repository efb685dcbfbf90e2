// SPDX-License-Identifier: GPL-2.0
/*
 * fifo: kfifos behind /proc files.
 *   /proc/fifo/bytes    a 4 KiB byte fifo (kfifo_alloc): a write puts the
 *                       bytes in (as many as fit), a read takes them out
 *   /proc/fifo/records  a record fifo (STRUCT_KFIFO_REC_1, 256 bytes):
 *                       each write is one record, each read returns one
 * Init checks kfifo_put/get/peek and the sizes, and logs the result.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/kfifo.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/random.h>

static struct kfifo bytes;
static STRUCT_KFIFO_REC_1(256) records;
static DEFINE_MUTEX(lock);
static struct proc_dir_entry *dir;

static ssize_t bytes_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	unsigned int copied;
	int ret;

	mutex_lock(&lock);
	ret = kfifo_to_user(&bytes, buf, len, &copied);
	mutex_unlock(&lock);
	return ret ? ret : copied;
}

static ssize_t bytes_write(struct file *file, const char __user *buf, size_t len, loff_t *ppos)
{
	unsigned int copied;
	int ret;

	mutex_lock(&lock);
	ret = kfifo_from_user(&bytes, buf, len, &copied);
	mutex_unlock(&lock);
	if (ret)
		return ret;
	return copied ? copied : -ENOSPC;
}

static ssize_t records_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	unsigned int copied;
	int ret;

	mutex_lock(&lock);
	ret = kfifo_to_user(&records, buf, len, &copied);
	mutex_unlock(&lock);
	return ret ? ret : copied;
}

static ssize_t records_write(struct file *file, const char __user *buf, size_t len,
			     loff_t *ppos)
{
	unsigned int copied;
	int ret;

	mutex_lock(&lock);
	ret = kfifo_from_user(&records, buf, len, &copied);
	mutex_unlock(&lock);
	if (ret)
		return ret;
	return copied ? len : -ENOSPC;
}

static const struct proc_ops bytes_ops = {
	.proc_read = bytes_read,
	.proc_write = bytes_write,
	.proc_lseek = noop_llseek,
};

static const struct proc_ops records_ops = {
	.proc_read = records_read,
	.proc_write = records_write,
	.proc_lseek = noop_llseek,
};

static int __init fifo_init(void)
{
	DECLARE_KFIFO(ints, int, 8);
	int i, v, sum = 0, ok;
	u32 r = get_random_u32_below(10);

	INIT_KFIFO(ints);
	for (i = 0; i < 10; i++)
		kfifo_put(&ints, i + 1);	/* the last two do not fit */
	ok = kfifo_len(&ints) == 8 && kfifo_is_full(&ints);
	kfifo_peek(&ints, &v);
	ok = ok && v == 1;
	while (kfifo_get(&ints, &v))
		sum += v;
	ok = ok && sum == 36 && kfifo_is_empty(&ints) && r < 10;
	if (kfifo_alloc(&bytes, 4000, GFP_KERNEL))
		return -ENOMEM;
	INIT_KFIFO(records);
	pr_info("int fifo %s, byte fifo of %u, record fifo of %u\n", ok ? "right" : "WRONG",
		kfifo_size(&bytes), kfifo_size(&records));
	dir = proc_mkdir("fifo", NULL);
	if (!dir || !proc_create("bytes", 0666, dir, &bytes_ops) ||
	    !proc_create("records", 0666, dir, &records_ops)) {
		proc_remove(dir);
		kfifo_free(&bytes);
		return -ENOMEM;
	}
	return 0;
}

static void __exit fifo_exit(void)
{
	proc_remove(dir);
	kfifo_free(&bytes);
}

module_init(fifo_init);
module_exit(fifo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kfifos (bytes and records) behind /proc files");
