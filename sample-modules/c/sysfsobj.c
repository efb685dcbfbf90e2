// SPDX-License-Identifier: GPL-2.0
/*
 * sysfsobj: kobjects as a driver publishes them.
 *
 *   /sys/kernel/sysfsobj/value          0644  an int (store: sscanf)
 *   /sys/kernel/sysfsobj/label          0644  a short string
 *   /sys/kernel/sysfsobj/poke           0200  write-only: logs what it got
 *   /sys/kernel/sysfsobj/stats/stores   0444  a named group: count of stores
 *   /sys/kernel/sysfsobj/stats/twice    0444  value * 2 (sysfs_emit_at)
 *   /sys/kernel/sysfsobj/stats/hidden   never: is_visible hides it
 *   /sys/kernel/sysfsobj/item<N>/id     0444  kobject_init_and_add with its
 *                                             own ktype (release frees it)
 *   /sys/kernel/sysfsobj_set/member/x   a kset and a kobject in it
 *
 * With forget=1 its exit removes nothing; the kernel does, with warnings.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/slab.h>
#include <linux/string.h>

static bool forget;
module_param(forget, bool, 0);
static int items = 2;
module_param(items, int, 0444);

static struct kobject *top;
static struct kset *set;
static int value = 7;
static char label[16] = "none";
static unsigned int stores;

static ssize_t value_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", value);
}

static ssize_t value_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	int v;

	if (sscanf(buf, "%d", &v) != 1)
		return -EINVAL;
	value = v;
	stores++;
	return count;
}

static ssize_t label_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", label);
}

static ssize_t label_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	size_t n = count;

	if (n && buf[n - 1] == '\n')
		n--;
	if (n >= sizeof(label))
		return -ENAMETOOLONG;
	memcpy(label, buf, n);
	label[n] = '\0';
	stores++;
	return count;
}

static ssize_t poke_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	pr_info("poked with %zu bytes\n", count);
	return count;
}

static struct kobj_attribute value_attr = __ATTR_RW(value);
static struct kobj_attribute label_attr = __ATTR(label, 0644, label_show, label_store);
static struct kobj_attribute poke_attr = __ATTR_WO(poke);

static ssize_t stores_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", stores);
}

static ssize_t twice_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	int n = sysfs_emit_at(buf, 0, "%d", value);

	return n + sysfs_emit_at(buf, n, " x 2 = %d\n", value * 2);
}

static ssize_t hidden_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "you should not see this\n");
}

static struct kobj_attribute stores_attr = __ATTR_RO(stores);
static struct kobj_attribute twice_attr = __ATTR_RO(twice);
static struct kobj_attribute hidden_attr = __ATTR_RO(hidden);

static struct attribute *stats_attrs[] = {
	&stores_attr.attr,
	&twice_attr.attr,
	&hidden_attr.attr,
	NULL,
};

static umode_t stats_visible(struct kobject *kobj, struct attribute *attr, int n)
{
	return attr == &hidden_attr.attr ? 0 : attr->mode;
}

static const struct attribute_group stats_group = {
	.name = "stats",
	.attrs = stats_attrs,
	.is_visible = stats_visible,
};

/* Items: kobjects embedded in the module's own kmalloc'ed structs. */
struct item {
	struct kobject kobj;
	int id;
};

struct item_attribute {
	struct attribute attr;
	ssize_t (*show)(struct item *item, char *buf);
};

static ssize_t item_attr_show(struct kobject *kobj, struct attribute *attr, char *buf)
{
	struct item_attribute *ia = container_of(attr, struct item_attribute, attr);

	if (!ia->show)
		return -EIO;
	return ia->show(container_of(kobj, struct item, kobj), buf);
}

static const struct sysfs_ops item_sysfs_ops = {
	.show = item_attr_show,
};

static ssize_t id_show(struct item *item, char *buf)
{
	return sysfs_emit(buf, "%d %s\n", item->id, kobject_name(&item->kobj));
}

static struct item_attribute id_attr = __ATTR_RO(id);

static struct attribute *item_attrs[] = {
	&id_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(item);

static void item_release(struct kobject *kobj)
{
	struct item *item = container_of(kobj, struct item, kobj);

	pr_info("item%d released\n", item->id);
	kfree(item);
}

static const struct kobj_type item_ktype = {
	.release = item_release,
	.sysfs_ops = &item_sysfs_ops,
	.default_groups = item_groups,
};

static struct item *made[8];
static struct kobject member;

static ssize_t x_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "in %s\n", kobject_name(kobj->parent));
}

static struct kobj_attribute x_attr = __ATTR_RO(x);

static void member_release(struct kobject *kobj)
{
	pr_info("member released\n");
}

static const struct kobj_type member_ktype = {
	.release = member_release,
	.sysfs_ops = &kobj_sysfs_ops,
};

static int __init sysfsobj_init(void)
{
	char *path;
	int i, err;

	top = kobject_create_and_add("sysfsobj", kernel_kobj);
	if (!top)
		return -ENOMEM;
	err = sysfs_create_file(top, &value_attr.attr);
	if (!err)
		err = sysfs_create_file(top, &label_attr.attr);
	if (!err)
		err = sysfs_create_file(top, &poke_attr.attr);
	if (!err)
		err = sysfs_create_group(top, &stats_group);
	if (err)
		goto out;
	for (i = 0; i < items && i < 8; i++) {
		struct item *it = kzalloc(sizeof(*it), GFP_KERNEL);

		if (!it) {
			err = -ENOMEM;
			goto out;
		}
		it->id = i;
		err = kobject_init_and_add(&it->kobj, &item_ktype, top, "item%d", i);
		if (err) {
			kobject_put(&it->kobj);
			goto out;
		}
		made[i] = it;
	}
	set = kset_create_and_add("sysfsobj_set", NULL, kernel_kobj);
	if (!set) {
		err = -ENOMEM;
		goto out;
	}
	member.kset = set;
	err = kobject_init_and_add(&member, &member_ktype, NULL, "member");
	if (!err)
		err = sysfs_create_file(&member, &x_attr.attr);
	if (err)
		goto out;
	path = kobject_get_path(top, GFP_KERNEL);
	pr_info("/sys%s ready\n", path ? path : "?");
	kfree(path);
	return 0;
out:
	pr_err("init failed: %d\n", err);
	return err;
}

static void __exit sysfsobj_exit(void)
{
	int i;

	if (forget) {
		pr_info("leaving my kobjects behind\n");
		return;
	}
	kobject_put(&member);
	kset_unregister(set);
	for (i = 0; i < 8; i++)
		if (made[i])
			kobject_put(&made[i]->kobj);
	sysfs_remove_group(top, &stats_group);
	kobject_put(top);
	pr_info("all removed\n");
}

module_init(sysfsobj_init);
module_exit(sysfsobj_exit);
MODULE_LICENSE("GPL");
