/* SPDX-License-Identifier: MIT */
/* <linux/vmalloc.h>: large allocations (from the kernel heap here). */
#ifndef _LINUX_VMALLOC_H
#define _LINUX_VMALLOC_H

#include <linux/types.h>
#include <linux/gfp.h>

void *vmalloc(unsigned long size) __malloc;
void *vzalloc(unsigned long size) __malloc;
void vfree(const void *addr);
void *kvmalloc_node(size_t size, gfp_t flags, int node) __malloc;
void kvfree(const void *addr);

#define kvmalloc(size, flags)	kvmalloc_node(size, flags, -1)
#define kvzalloc(size, flags)	kvmalloc_node(size, (flags) | __GFP_ZERO, -1)

#endif /* _LINUX_VMALLOC_H */
