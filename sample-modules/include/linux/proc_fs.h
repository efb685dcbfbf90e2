/* SPDX-License-Identifier: MIT */
/*
 * <linux/proc_fs.h>: /proc entries for modules. struct proc_ops is
 * Linux's (since 5.6; this kernel claims 6.6); the kernel reads its
 * callbacks at the offsets asserted below (src/pde.rs).
 */
#ifndef _LINUX_PROC_FS_H
#define _LINUX_PROC_FS_H

#include <linux/types.h>
#include <linux/fs.h>

struct proc_dir_entry;
struct seq_file;

#define PROC_ENTRY_PERMANENT	1U

struct proc_ops {
	unsigned int proc_flags;
	int (*proc_open)(struct inode *, struct file *);
	ssize_t (*proc_read)(struct file *, char __user *, size_t, loff_t *);
	ssize_t (*proc_read_iter)(struct kiocb *, struct iov_iter *);
	ssize_t (*proc_write)(struct file *, const char __user *, size_t, loff_t *);
	loff_t (*proc_lseek)(struct file *, loff_t, int);
	int (*proc_release)(struct inode *, struct file *);
	__poll_t (*proc_poll)(struct file *, struct poll_table_struct *);
	long (*proc_ioctl)(struct file *, unsigned int, unsigned long);
	long (*proc_compat_ioctl)(struct file *, unsigned int, unsigned long);
	int (*proc_mmap)(struct file *, struct vm_area_struct *);
	unsigned long (*proc_get_unmapped_area)(struct file *, unsigned long,
						unsigned long, unsigned long,
						unsigned long);
};

_Static_assert(offsetof(struct proc_ops, proc_open) == 8, "proc_ops.proc_open");
_Static_assert(offsetof(struct proc_ops, proc_read) == 16, "proc_ops.proc_read");
_Static_assert(offsetof(struct proc_ops, proc_write) == 32, "proc_ops.proc_write");
_Static_assert(offsetof(struct proc_ops, proc_lseek) == 40, "proc_ops.proc_lseek");
_Static_assert(offsetof(struct proc_ops, proc_release) == 48, "proc_ops.proc_release");

extern struct proc_dir_entry *proc_create(const char *name, umode_t mode,
					  struct proc_dir_entry *parent,
					  const struct proc_ops *proc_ops);
extern struct proc_dir_entry *proc_create_data(const char *name, umode_t mode,
					       struct proc_dir_entry *parent,
					       const struct proc_ops *proc_ops,
					       void *data);
extern struct proc_dir_entry *proc_mkdir(const char *name,
					 struct proc_dir_entry *parent);
extern struct proc_dir_entry *proc_mkdir_mode(const char *name, umode_t mode,
					      struct proc_dir_entry *parent);
extern struct proc_dir_entry *proc_mkdir_data(const char *name, umode_t mode,
					      struct proc_dir_entry *parent,
					      void *data);
extern void proc_remove(struct proc_dir_entry *de);
extern void remove_proc_entry(const char *name, struct proc_dir_entry *parent);
extern int remove_proc_subtree(const char *name, struct proc_dir_entry *parent);
extern void proc_set_size(struct proc_dir_entry *de, loff_t size);
extern void proc_set_user(struct proc_dir_entry *de, kuid_t uid, kgid_t gid);

/* The data given to proc_create_data (or proc_mkdir_data). */
static inline void *pde_data(const struct inode *inode)
{
	return inode->i_private;
}

#endif /* _LINUX_PROC_FS_H */
