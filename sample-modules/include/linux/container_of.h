/* SPDX-License-Identifier: MIT */
/* <linux/container_of.h>: the structure a member pointer is inside of. */
#ifndef _LINUX_CONTAINER_OF_H
#define _LINUX_CONTAINER_OF_H

#include <linux/build_bug.h>
#include <linux/stddef.h>

#define container_of(ptr, type, member)					\
	({								\
		void *__mptr = (void *)(ptr);				\
		static_assert(__same_type(*(ptr), ((type *)0)->member) || \
			      __same_type(*(ptr), void),		\
			      "pointer type mismatch in container_of()"); \
		((type *)(__mptr - offsetof(type, member)));		\
	})

#endif /* _LINUX_CONTAINER_OF_H */
