/* SPDX-License-Identifier: MIT */
/* <linux/stddef.h>: NULL, true/false, offsetof and friends. */
#ifndef _LINUX_STDDEF_H
#define _LINUX_STDDEF_H

#include <linux/compiler_types.h>

#undef NULL
#define NULL ((void *)0)

enum {
	false	= 0,
	true	= 1
};

#undef offsetof
#define offsetof(TYPE, MEMBER)	__builtin_offsetof(TYPE, MEMBER)

/* The size of a member of a structure. */
#define sizeof_field(TYPE, MEMBER)	sizeof((((TYPE *)0)->MEMBER))

/* The offset just past a member of a structure. */
#define offsetofend(TYPE, MEMBER)					\
	(offsetof(TYPE, MEMBER) + sizeof_field(TYPE, MEMBER))

#endif /* _LINUX_STDDEF_H */
