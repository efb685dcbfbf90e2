// SPDX-License-Identifier: GPL-2.0
/*
 * strtools: the kernel's string helpers as a driver uses them.
 *
 *   /sys/kernel/strtools/parse   0644  write "<kind> <text>": kind is
 *        int, uint, u8, s8, ll, ull, bool (kstrto* base 0) or words
 *        (strsep/strim); read: what the last write gave
 *   /sys/kernel/strtools/whoami  0444  current_uid/euid/gid and capable()
 *
 * Its init also logs a few copies (strscpy, strncpy, kstrdup, strstr,
 * strrchr, sscanf) whose results the tests compare with Linux's rules.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/kstrtox.h>
#include <linux/cred.h>

static struct kobject *dir;
static char result[256] = "nothing yet\n";

static ssize_t parse_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%s", result);
}

static int parse_number(const char *kind, const char *text)
{
	int err = -EINVAL;

	if (!strcmp(kind, "int")) {
		int v;

		err = kstrtoint(text, 0, &v);
		if (!err)
			scnprintf(result, sizeof(result), "int %d\n", v);
	} else if (!strcmp(kind, "uint")) {
		unsigned int v;

		err = kstrtouint(text, 0, &v);
		if (!err)
			scnprintf(result, sizeof(result), "uint %u\n", v);
	} else if (!strcmp(kind, "u8")) {
		u8 v;

		err = kstrtou8(text, 0, &v);
		if (!err)
			scnprintf(result, sizeof(result), "u8 %u\n", v);
	} else if (!strcmp(kind, "s8")) {
		s8 v;

		err = kstrtos8(text, 0, &v);
		if (!err)
			scnprintf(result, sizeof(result), "s8 %d\n", v);
	} else if (!strcmp(kind, "ll")) {
		long long v;

		err = kstrtoll(text, 0, &v);
		if (!err)
			scnprintf(result, sizeof(result), "ll %lld\n", v);
	} else if (!strcmp(kind, "ull")) {
		unsigned long long v;

		err = kstrtoull(text, 0, &v);
		if (!err)
			scnprintf(result, sizeof(result), "ull %llu\n", v);
	} else if (!strcmp(kind, "bool")) {
		bool v;

		err = kstrtobool(text, &v);
		if (!err)
			scnprintf(result, sizeof(result), "bool %s\n", v ? "true" : "false");
	}
	if (err)
		scnprintf(result, sizeof(result), "%s error %d\n", kind, err);
	return err;
}

static void split_words(char *text)
{
	char *word, *rest = strim(text);
	size_t len = 0;

	result[0] = '\0';
	while ((word = strsep(&rest, ",")) != NULL) {
		word = strim(word);
		len += scnprintf(result + len, sizeof(result) - len, "[%s]", word);
	}
	scnprintf(result + len, sizeof(result) - len, "\n");
}

static ssize_t parse_store(struct kobject *k, struct kobj_attribute *a,
			   const char *buf, size_t count)
{
	char *copy = kstrndup(buf, count, GFP_KERNEL);
	char *space, *text;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	space = strchr(copy, ' ');
	if (!space) {
		kfree(copy);
		return -EINVAL;
	}
	*space = '\0';
	text = space + 1;
	if (!strcmp(copy, "words"))
		split_words(text);
	else
		err = parse_number(copy, text);
	kfree(copy);
	return err ? err : count;
}

static ssize_t whoami_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	const struct cred *cred = get_current_cred();
	int n = sysfs_emit(buf, "uid %u euid %u gid %u admin %d\n",
			   from_kuid(&init_user_ns, current_uid()),
			   __kuid_val(cred->euid), __kgid_val(current_gid()),
			   capable(CAP_SYS_ADMIN));

	put_cred(cred);
	return n;
}

static struct kobj_attribute parse_attr = __ATTR_RW(parse);
static struct kobj_attribute whoami_attr = __ATTR_RO(whoami);

static struct attribute *strtools_attrs[] = {
	&parse_attr.attr,
	&whoami_attr.attr,
	NULL,
};

static const struct attribute_group strtools_group = {
	.attrs = strtools_attrs,
};

static void log_copies(void)
{
	char small[8];
	char padded[8];
	char *dup;
	const char *path = "/lib/modules/extra/strtools.ko";
	int a = 0, b = 0, n;
	char word[16];

	pr_info("strscpy fits: %zd '%s'\n", strscpy(small, "seven", sizeof(small)), small);
	pr_info("strscpy too long: %zd '%s'\n",
		strscpy(small, "much too long", sizeof(small)), small);
	memset(padded, 'x', sizeof(padded));
	strncpy(padded, "abc", sizeof(padded));
	pr_info("strncpy pads: %d %d\n", padded[3], padded[7]);
	dup = kstrdup(path, GFP_KERNEL);
	pr_info("kstrdup: %s (%s)\n", dup, dup != path ? "a copy" : "same");
	pr_info("strrchr: %s\n", strrchr(dup, '/') + 1);
	pr_info("strstr: %s\n", strstr(dup, "extra"));
	pr_info("strnlen: %zu %zu\n", strnlen(dup, 4), strnlen(dup, 100));
	pr_info("strcasecmp: %d\n", strcasecmp("HeLLo", "hello"));
	kfree(dup);
	n = sscanf("12 0x1f tail", "%d %x %15s", &a, &b, word);
	pr_info("sscanf: %d fields: %d %d %s\n", n, a, b, word);
	pr_info("skip_spaces: '%s'\n", skip_spaces("   left"));
}

static int __init strtools_init(void)
{
	int err;

	log_copies();
	dir = kobject_create_and_add("strtools", kernel_kobj);
	if (!dir)
		return -ENOMEM;
	err = sysfs_create_group(dir, &strtools_group);
	if (err)
		kobject_put(dir);
	return err;
}

static void __exit strtools_exit(void)
{
	kobject_put(dir);
}

module_init(strtools_init);
module_exit(strtools_exit);
MODULE_LICENSE("GPL");
