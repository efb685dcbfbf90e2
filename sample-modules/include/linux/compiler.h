/* SPDX-License-Identifier: MIT */
/*
 * <linux/compiler.h>: branch hints, barriers, READ_ONCE/WRITE_ONCE.
 */
#ifndef __LINUX_COMPILER_H
#define __LINUX_COMPILER_H

#include <linux/compiler_types.h>

#ifndef __ASSEMBLY__

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/* A compiler barrier: no memory access moves across it. */
#define barrier()	__asm__ __volatile__("" : : : "memory")

#define unreachable()	__builtin_unreachable()

/* One access of the exact size, neither merged, split nor elided. */
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)						\
	do {								\
		*(volatile __typeof__(x) *)&(x) = (val);		\
	} while (0)

/* Zero when e is a constant false (0), a compile error when it is true. */
#define BUILD_BUG_ON_ZERO(e)	((int)(sizeof(struct { int:(-!!(e)); })))

/* &a[0] degrades to a pointer; an array and its address differ in type. */
#define __must_be_array(a)	BUILD_BUG_ON_ZERO(__same_type((a), &(a)[0]))

#endif /* __ASSEMBLY__ */

#endif /* __LINUX_COMPILER_H */
