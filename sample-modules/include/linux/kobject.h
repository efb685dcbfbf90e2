/* SPDX-License-Identifier: MIT */
/*
 * <linux/kobject.h>: kobjects, their types and ksets, as directories of
 * /sys. The kernel keeps a kobject's reference count and sysfs directory
 * in its own record (src/kobject.rs); the fields below are Linux's names
 * for what modules read (name, parent, kset, ktype).
 */
#ifndef _KOBJECT_H_
#define _KOBJECT_H_

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/sysfs.h>
#include <linux/container_of.h>
#include <linux/stddef.h>
#include <linux/uidgid.h>
#include <linux/stdarg.h>

struct kobject;
struct kset;
struct kset_uevent_ops;

struct kobj_type {
	void (*release)(struct kobject *kobj);
	const struct sysfs_ops *sysfs_ops;
	const struct attribute_group **default_groups;
	const void *(*child_ns_type)(const struct kobject *kobj);
	const void *(*namespace)(const struct kobject *kobj);
	void (*get_ownership)(const struct kobject *kobj, kuid_t *uid, kgid_t *gid);
};

struct kobject {
	const char *name;
	struct list_head entry;
	struct kobject *parent;
	struct kset *kset;
	const struct kobj_type *ktype;
	void *sd;			/* the kernel's record */
	unsigned int state_initialized:1;
	unsigned int state_in_sysfs:1;
	unsigned int state_add_uevent_sent:1;
	unsigned int state_remove_uevent_sent:1;
	unsigned int uevent_suppress:1;
};

struct kset {
	struct list_head list;
	unsigned long __starry_list_lock;	/* the kernel's */
	struct kobject kobj;
	const struct kset_uevent_ops *uevent_ops;
};

struct kobj_attribute {
	struct attribute attr;
	ssize_t (*show)(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf);
	ssize_t (*store)(struct kobject *kobj, struct kobj_attribute *attr,
			 const char *buf, size_t count);
};

_Static_assert(offsetof(struct kobject, parent) == 24, "kobject.parent");
_Static_assert(offsetof(struct kobject, kset) == 32, "kobject.kset");
_Static_assert(offsetof(struct kobject, ktype) == 40, "kobject.ktype");
_Static_assert(offsetof(struct kobject, sd) == 48, "kobject.sd");
_Static_assert(sizeof(struct kobject) == 64, "struct kobject");
_Static_assert(offsetof(struct kset, kobj) == 24, "kset.kobj");
_Static_assert(offsetof(struct kobj_type, default_groups) == 16, "kobj_type.default_groups");
_Static_assert(offsetof(struct kobj_attribute, show) == 16, "kobj_attribute.show");
_Static_assert(offsetof(struct kobj_attribute, store) == 24, "kobj_attribute.store");

/* The kernel's directories of /sys: /sys/kernel, /sys/fs, ... */
extern struct kobject *kernel_kobj;
extern struct kobject *mm_kobj;
extern struct kobject *hypervisor_kobj;
extern struct kobject *power_kobj;
extern struct kobject *firmware_kobj;
extern struct kobject *fs_kobj;

extern const struct sysfs_ops kobj_sysfs_ops;

__printf(2, 3) int kobject_set_name(struct kobject *kobj, const char *name, ...);
int kobject_set_name_vargs(struct kobject *kobj, const char *fmt, va_list vargs);

static inline const char *kobject_name(const struct kobject *kobj)
{
	return kobj->name;
}

void kobject_init(struct kobject *kobj, const struct kobj_type *ktype);
__printf(3, 4) __must_check int kobject_add(struct kobject *kobj,
					     struct kobject *parent,
					     const char *fmt, ...);
__printf(4, 5) __must_check int kobject_init_and_add(struct kobject *kobj,
						      const struct kobj_type *ktype,
						      struct kobject *parent,
						      const char *fmt, ...);
void kobject_del(struct kobject *kobj);
struct kobject * __must_check kobject_create_and_add(const char *name,
						     struct kobject *parent);
struct kobject *kobject_get(struct kobject *kobj);
struct kobject * __must_check kobject_get_unless_zero(struct kobject *kobj);
void kobject_put(struct kobject *kobj);
char *kobject_get_path(const struct kobject *kobj, gfp_t flag);

struct kset * __must_check kset_create_and_add(const char *name,
					       const struct kset_uevent_ops *u,
					       struct kobject *parent_kobj);
void kset_unregister(struct kset *kset);

static inline struct kset *to_kset(struct kobject *kobj)
{
	return kobj ? container_of(kobj, struct kset, kobj) : NULL;
}

static inline struct kset *kset_get(struct kset *k)
{
	return k ? to_kset(kobject_get(&k->kobj)) : NULL;
}

static inline void kset_put(struct kset *k)
{
	kobject_put(&k->kobj);
}

static inline const struct kobj_type *get_ktype(const struct kobject *kobj)
{
	return kobj->ktype;
}

#endif /* _KOBJECT_H_ */
