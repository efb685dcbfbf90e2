/* SPDX-License-Identifier: MIT */
/*
 * <linux/minmax.h>: min, max, clamp (each argument evaluated once, both of
 * the same type), the _t forms that convert to a given type, swap.
 */
#ifndef _LINUX_MINMAX_H
#define _LINUX_MINMAX_H

#include <linux/compiler_types.h>

#define __minmax_pick(x, y, op)						\
	({								\
		__typeof__(x) __mm_x = (x);				\
		__typeof__(y) __mm_y = (y);				\
		(void)(&__mm_x == &__mm_y); /* warns on mixed types */	\
		__mm_x op __mm_y ? __mm_x : __mm_y;			\
	})

#define min(x, y)	__minmax_pick(x, y, <)
#define max(x, y)	__minmax_pick(x, y, >)
#define min3(x, y, z)	min((__typeof__(x))min(x, y), z)
#define max3(x, y, z)	max((__typeof__(x))max(x, y), z)
#define min_t(type, x, y)	__minmax_pick((type)(x), (type)(y), <)
#define max_t(type, x, y)	__minmax_pick((type)(x), (type)(y), >)
#define clamp(val, lo, hi)	min((__typeof__(val))max(val, lo), hi)
#define clamp_t(type, val, lo, hi)	min_t(type, max_t(type, val, lo), hi)
#define clamp_val(val, lo, hi)	clamp_t(__typeof__(val), val, lo, hi)

#define swap(a, b)							\
	do {								\
		__typeof__(a) __swap_tmp = (a);				\
		(a) = (b);						\
		(b) = __swap_tmp;					\
	} while (0)

#endif /* _LINUX_MINMAX_H */
