/* SPDX-License-Identifier: MIT */
/*
 * <linux/fs.h>: files as a module's callbacks see them. struct file (one
 * per open), struct inode and struct dentry carry the fields modules use;
 * their layout is this kernel's (src/kapi/fs.rs), pinned by the asserts.
 */
#ifndef _LINUX_FS_H
#define _LINUX_FS_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/stat.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/uidgid.h>
#include <linux/stddef.h>
#include <linux/fcntl.h>

struct module;
struct vfsmount;
struct kiocb;
struct iov_iter;
struct poll_table_struct;
struct vm_area_struct;
struct file_operations;

typedef unsigned int fmode_t;
typedef unsigned int __poll_t;

struct qstr {
	u32 hash;
	u32 len;
	const unsigned char *name;
};

struct inode {
	umode_t i_mode;
	kuid_t i_uid;
	kgid_t i_gid;
	loff_t i_size;
	void *i_private;
};

struct dentry {
	struct qstr d_name;
	struct inode *d_inode;
	struct dentry *d_parent;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct file {
	struct path f_path;
	struct inode *f_inode;
	const struct file_operations *f_op;
	unsigned int f_flags;
	fmode_t f_mode;
	loff_t f_pos;
	void *private_data;
	void *__starry_owner;	/* the kernel's */
};

_Static_assert(sizeof(struct file) == 64, "struct file size");
_Static_assert(offsetof(struct file, f_inode) == 16, "file.f_inode");
_Static_assert(offsetof(struct file, f_pos) == 40, "file.f_pos");
_Static_assert(offsetof(struct file, private_data) == 48, "file.private_data");
_Static_assert(sizeof(struct inode) == 32, "struct inode size");
_Static_assert(offsetof(struct inode, i_private) == 24, "inode.i_private");
_Static_assert(sizeof(struct dentry) == 32, "struct dentry size");

struct file_operations {
	struct module *owner;
	loff_t (*llseek)(struct file *, loff_t, int);
	ssize_t (*read)(struct file *, char __user *, size_t, loff_t *);
	ssize_t (*write)(struct file *, const char __user *, size_t, loff_t *);
	ssize_t (*read_iter)(struct kiocb *, struct iov_iter *);
	ssize_t (*write_iter)(struct kiocb *, struct iov_iter *);
	__poll_t (*poll)(struct file *, struct poll_table_struct *);
	long (*unlocked_ioctl)(struct file *, unsigned int, unsigned long);
	long (*compat_ioctl)(struct file *, unsigned int, unsigned long);
	int (*mmap)(struct file *, struct vm_area_struct *);
	int (*open)(struct inode *, struct file *);
	int (*flush)(struct file *, void *);
	int (*release)(struct inode *, struct file *);
	int (*fsync)(struct file *, loff_t, loff_t, int);
};

#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2

static inline struct inode *file_inode(const struct file *f)
{
	return f->f_inode;
}

extern ssize_t simple_read_from_buffer(void __user *to, size_t count, loff_t *ppos,
				       const void *from, size_t available);
extern ssize_t simple_write_to_buffer(void *to, size_t available, loff_t *ppos,
				      const void __user *from, size_t count);
extern loff_t default_llseek(struct file *file, loff_t offset, int whence);
extern loff_t noop_llseek(struct file *file, loff_t offset, int whence);
extern loff_t no_llseek(struct file *file, loff_t offset, int whence);
extern int nonseekable_open(struct inode *inode, struct file *filp);

#endif /* _LINUX_FS_H */
