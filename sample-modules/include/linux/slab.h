/* SPDX-License-Identifier: MIT */
/*
 * <linux/slab.h>: kmalloc, kzalloc, kfree. Blocks are 16-byte aligned;
 * kmalloc(0) returns ZERO_SIZE_PTR, which kfree (like NULL) ignores.
 */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/types.h>
#include <linux/gfp.h>

#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

void *kmalloc(size_t size, gfp_t flags) __malloc;
void *__kmalloc(size_t size, gfp_t flags) __malloc;
void *kzalloc(size_t size, gfp_t flags) __malloc;
void kfree(const void *objp);

/*
 * Slab caches: objects of one size, each built by the cache's constructor
 * when allocated. Destroying a cache with objects left is reported; a
 * cache its module leaves at unload is destroyed with a warning.
 */
struct kmem_cache;

#define SLAB_HWCACHE_ALIGN	0x00002000U
#define SLAB_PANIC		0x00040000U
#define SLAB_RECLAIM_ACCOUNT	0x00020000U
#define SLAB_ACCOUNT		0x04000000U
#define SLAB_POISON		0x00000800U
#define SLAB_RED_ZONE		0x00000400U

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				     unsigned int flags, void (*ctor)(void *));
void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags) __malloc;
void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t flags) __malloc;
void kmem_cache_free(struct kmem_cache *s, void *objp);
void kmem_cache_destroy(struct kmem_cache *s);
unsigned int kmem_cache_size(struct kmem_cache *s);

#define KMEM_CACHE(__struct, __flags)					\
	kmem_cache_create(#__struct, sizeof(struct __struct),		\
			  __alignof__(struct __struct), (__flags), NULL)

static inline void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	if (size != 0 && n > (size_t)-1 / size)
		return NULL;
	return kzalloc(n * size, flags);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	if (size != 0 && n > (size_t)-1 / size)
		return NULL;
	return kmalloc(n * size, flags);
}

#endif /* _LINUX_SLAB_H */
