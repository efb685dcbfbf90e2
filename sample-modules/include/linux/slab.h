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

#endif /* _LINUX_SLAB_H */
