/* SPDX-License-Identifier: MIT */
/*
 * <linux/seq_file.h>: files generated record by record. The layout of
 * struct seq_file is this kernel's (src/kapi/seq_file.rs), asserted.
 */
#ifndef _LINUX_SEQ_FILE_H
#define _LINUX_SEQ_FILE_H

#include <linux/types.h>
#include <linux/string.h>
#include <linux/fs.h>
#include <linux/stdarg.h>

struct seq_operations;

struct seq_file {
	char *buf;
	size_t size;
	size_t from;
	size_t count;
	size_t pad_until;
	loff_t index;
	loff_t read_pos;
	const struct seq_operations *op;
	int poll_event;
	const struct file *file;
	void *private;
	void *__starry_owner;	/* the kernel's */
};

struct seq_operations {
	void *(*start)(struct seq_file *m, loff_t *pos);
	void (*stop)(struct seq_file *m, void *v);
	void *(*next)(struct seq_file *m, void *v, loff_t *pos);
	int (*show)(struct seq_file *m, void *v);
};

_Static_assert(sizeof(struct seq_file) == 96, "struct seq_file size");
_Static_assert(offsetof(struct seq_file, op) == 56, "seq_file.op");
_Static_assert(offsetof(struct seq_file, private) == 80, "seq_file.private");

#define SEQ_SKIP 1

/* Whether the buffer overflowed (the record is redone in a bigger one). */
static inline bool seq_has_overflowed(struct seq_file *m)
{
	return m->count == m->size;
}

extern int seq_open(struct file *file, const struct seq_operations *op);
extern ssize_t seq_read(struct file *file, char __user *buf, size_t size, loff_t *ppos);
extern loff_t seq_lseek(struct file *file, loff_t offset, int whence);
extern int seq_release(struct inode *inode, struct file *file);
extern int single_open(struct file *file, int (*show)(struct seq_file *, void *), void *data);
extern int single_open_size(struct file *file, int (*show)(struct seq_file *, void *),
			    void *data, size_t size);
extern int single_release(struct inode *inode, struct file *file);
extern int seq_write(struct seq_file *m, const void *data, size_t len);
extern void seq_puts(struct seq_file *m, const char *s);
extern void seq_putc(struct seq_file *m, char c);
extern __printf(2, 3) void seq_printf(struct seq_file *m, const char *fmt, ...);
extern __printf(2, 0) void seq_vprintf(struct seq_file *m, const char *fmt, va_list args);

#endif /* _LINUX_SEQ_FILE_H */
