/* SPDX-License-Identifier: MIT */
/*
 * <linux/compiler_types.h>: address-space and checker annotations (empty
 * outside sparse), inline, the attribute short names, __UNIQUE_ID. Every
 * module object gets it first (-include, as Kbuild does).
 */
#ifndef __LINUX_COMPILER_TYPES_H
#define __LINUX_COMPILER_TYPES_H

#ifndef __ASSEMBLY__

/* sparse annotations: no meaning to the compiler. */
#define __user
#define __kernel
#define __iomem
#define __percpu
#define __rcu
#define __force
#define __nocast
#define __safe
#define __private
#define __bitwise
#define __must_hold(x)
#define __acquires(x)
#define __releases(x)
#define __acquire(x)	(void)0
#define __release(x)	(void)0
#define __cond_lock(x, c)	(c)

#include <linux/compiler_attributes.h>

#define ___PASTE(a, b)	a##b
#define __PASTE(a, b)	___PASTE(a, b)
/* A name no other expansion in this file produces. */
#define __UNIQUE_ID(prefix)	__PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

#define inline		inline __attribute__((__gnu_inline__)) __attribute__((__unused__))
#define __inline	inline
#define __inline__	inline
#define noinline_for_stack	noinline
#define notrace		__attribute__((__no_instrument_function__))
#define __visible	__attribute__((__externally_visible__))
#define __latent_entropy
#define __randomize_layout
#define __no_randomize_layout
#define randomized_struct_fields_start	struct {
#define randomized_struct_fields_end	};

/* Whether two expressions have the same type. */
#define __same_type(a, b)	__builtin_types_compatible_p(__typeof__(a), __typeof__(b))

#endif /* __ASSEMBLY__ */

#endif /* __LINUX_COMPILER_TYPES_H */
