// SPDX-License-Identifier: GPL-2.0
/*
 * slabs: `count` objects from a kmem_cache with a constructor (each
 * object's magic is set by it), linked in a list; init checks them and
 * the cache's object size; exit frees them and destroys the cache.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/slab.h>

struct thing {
	struct thing *next;
	unsigned long magic;
	char name[48];
};

static int count = 100;
module_param(count, int, 0444);
static int constructed;
module_param(constructed, int, 0444);

static struct kmem_cache *cache;
static struct thing *things;

static void thing_ctor(void *p)
{
	struct thing *t = p;

	t->magic = 0x5ca1ab1e;
	constructed++;
}

static int __init slabs_init(void)
{
	int i, good = 0;
	struct thing *t;

	cache = kmem_cache_create("slabs_thing", sizeof(struct thing), 0,
				  SLAB_HWCACHE_ALIGN, thing_ctor);
	if (!cache)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		t = kmem_cache_alloc(cache, GFP_KERNEL);
		if (!t)
			break;
		snprintf(t->name, sizeof(t->name), "thing %d", i);
		t->next = things;
		things = t;
	}
	for (t = things; t; t = t->next)
		good += t->magic == 0x5ca1ab1e && ((unsigned long)t & 63) == 0;
	pr_info("%d objects of %u bytes, %d constructed and aligned\n", i,
		kmem_cache_size(cache), good);
	return 0;
}

static void __exit slabs_exit(void)
{
	struct thing *t;

	while ((t = things)) {
		things = t->next;
		kmem_cache_free(cache, t);
	}
	kmem_cache_destroy(cache);
	pr_info("freed\n");
}

module_init(slabs_init);
module_exit(slabs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmem_cache objects with a constructor");
