/* SPDX-License-Identifier: MIT */
/*
 * The variadic part of src/kapi/sysfs.rs: the kobject calls that take a
 * printf-style name (formatted here, then handed to the kernel with the
 * caller's return address, which names the calling module), and
 * sysfs_emit/sysfs_emit_at.
 */
#include <stdarg.h>
#include <stddef.h>

int starry_kmod_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int starry_kmod_printk(const char *fmt, ...);

/* Rust: the named add/init, the name setter and the plain creators. */
int starry_kmod_kobject_add_named(void *kobj, const void *ktype, void *parent,
				  const char *name, long len, void *caller);
int starry_kmod_kobject_set_name(void *kobj, const char *name, long len);
void *starry_kmod_kobject_create(const char *name, void *parent, void *caller);
void *starry_kmod_kset_create(const char *name, const void *uevent_ops,
			      void *parent, void *caller);

#define NAME_MAX_LEN 1024
#define PAGE_SIZE 4096UL

static long format_name(char *out, const char *fmt, va_list ap)
{
	int n;

	if (fmt == NULL)
		return -1;
	n = starry_kmod_vsnprintf(out, NAME_MAX_LEN, fmt, ap);
	if (n < 0 || n >= NAME_MAX_LEN)
		return -1;
	return n;
}

static int named(void *kobj, const void *ktype, void *parent, void *caller,
		 const char *fmt, va_list ap)
{
	char name[NAME_MAX_LEN];
	long len = format_name(name, fmt, ap);

	return starry_kmod_kobject_add_named(kobj, ktype, parent,
					     len < 0 ? NULL : name, len, caller);
}

int starry_kmod_kobject_init_and_add(void *kobj, const void *ktype, void *parent,
				     const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = named(kobj, ktype, parent, __builtin_return_address(0), fmt, ap);
	va_end(ap);
	return r;
}

int starry_kmod_kobject_add(void *kobj, void *parent, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = named(kobj, NULL, parent, __builtin_return_address(0), fmt, ap);
	va_end(ap);
	return r;
}

int starry_kmod_kobject_set_name_vargs(void *kobj, const char *fmt, va_list ap)
{
	char name[NAME_MAX_LEN];
	long len = format_name(name, fmt, ap);

	return starry_kmod_kobject_set_name(kobj, len < 0 ? NULL : name, len);
}

int starry_kmod_kobject_set_name_fmt(void *kobj, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = starry_kmod_kobject_set_name_vargs(kobj, fmt, ap);
	va_end(ap);
	return r;
}

void *starry_kmod_kobject_create_and_add(const char *name, void *parent)
{
	return starry_kmod_kobject_create(name, parent, __builtin_return_address(0));
}

void *starry_kmod_kset_create_and_add(const char *name, const void *uevent_ops,
				      void *parent)
{
	return starry_kmod_kset_create(name, uevent_ops, parent,
				       __builtin_return_address(0));
}

/* vscnprintf: what was written, never more than size - 1. */
int starry_kmod_vscnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n;

	if (size == 0)
		return 0;
	n = starry_kmod_vsnprintf(buf, size, fmt, ap);
	if (n < 0)
		return 0;
	return (size_t)n < size ? n : (int)(size - 1);
}

int starry_kmod_scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = starry_kmod_vscnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* sysfs_emit: buf must be the page a show callback was given. */
int starry_kmod_sysfs_emit(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (buf == NULL || ((unsigned long)buf & (PAGE_SIZE - 1)) != 0) {
		starry_kmod_printk("\0014invalid sysfs_emit: buf:%p\n", buf);
		return 0;
	}
	va_start(ap, fmt);
	n = starry_kmod_vscnprintf(buf, PAGE_SIZE, fmt, ap);
	va_end(ap);
	return n;
}

int starry_kmod_sysfs_emit_at(char *buf, int at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (buf == NULL || ((unsigned long)buf & (PAGE_SIZE - 1)) != 0 || at < 0 ||
	    (unsigned long)at >= PAGE_SIZE) {
		starry_kmod_printk("\0014invalid sysfs_emit_at: buf:%p at:%d\n", buf, at);
		return 0;
	}
	va_start(ap, fmt);
	n = starry_kmod_vscnprintf(buf + at, PAGE_SIZE - at, fmt, ap);
	va_end(ap);
	return n;
}
