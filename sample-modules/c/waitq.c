// SPDX-License-Identifier: GPL-2.0
/*
 * waitq: /proc/waitq, a mailbox. A read sleeps (wait_event_interruptible)
 * until a write has left a message, then takes it; a signal ends the
 * sleep with -ERESTARTSYS (the reader sees EINTR, or dies of its SIGINT).
 * With O_NONBLOCK an empty mailbox reads -EAGAIN. `sleepers` counts the
 * reads asleep now, `woken` the wake-ups given.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(mailbox_wait);
static DEFINE_MUTEX(lock);
static char message[256];
static size_t message_len;
static int sleepers, woken;
module_param(sleepers, int, 0444);
module_param(woken, int, 0444);

static ssize_t waitq_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	ssize_t n;
	int ret;

	if (*ppos > 0)
		return 0;	/* one message per open, then end of file */
	mutex_lock(&lock);
	while (message_len == 0) {
		mutex_unlock(&lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		sleepers++;
		ret = wait_event_interruptible(mailbox_wait, READ_ONCE(message_len) != 0);
		sleepers--;
		if (ret) {
			pr_info("%s (pid %d) interrupted while waiting\n", current->comm,
				current->pid);
			return ret;
		}
		mutex_lock(&lock);
	}
	n = min(len, message_len);
	if (copy_to_user(buf, message, n)) {
		mutex_unlock(&lock);
		return -EFAULT;
	}
	message_len = 0;
	mutex_unlock(&lock);
	*ppos += n;
	return n;
}

static ssize_t waitq_write(struct file *file, const char __user *buf, size_t len,
			   loff_t *ppos)
{
	size_t n = min(len, sizeof(message));

	mutex_lock(&lock);
	if (copy_from_user(message, buf, n)) {
		mutex_unlock(&lock);
		return -EFAULT;
	}
	message_len = n;
	mutex_unlock(&lock);
	woken++;
	wake_up_interruptible(&mailbox_wait);
	return len;
}

static const struct proc_ops waitq_ops = {
	.proc_read = waitq_read,
	.proc_write = waitq_write,
	.proc_lseek = noop_llseek,
};

static int __init waitq_init(void)
{
	if (!proc_create("waitq", 0666, NULL, &waitq_ops))
		return -ENOMEM;
	return 0;
}

static void __exit waitq_exit(void)
{
	remove_proc_entry("waitq", NULL);
}

module_init(waitq_init);
module_exit(waitq_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A /proc mailbox whose read sleeps until a write");
