/* SPDX-License-Identifier: MIT */
/*
 * <linux/compiler_attributes.h>: short names for the GCC/Clang attributes
 * kernel code uses. Included by <linux/compiler_types.h>.
 */
#ifndef _LINUX_COMPILER_ATTRIBUTES_H
#define _LINUX_COMPILER_ATTRIBUTES_H

#define __alias(symbol)		__attribute__((__alias__(#symbol)))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __aligned_largest	__attribute__((__aligned__))
#define __always_inline		inline __attribute__((__always_inline__))
#define __cold			__attribute__((__cold__))
#define __attribute_const__	__attribute__((__const__))
/* GCC 9+ only: Clang has no __copy__ (Linux guards it the same way). */
#if __has_attribute(__copy__)
#define __copy(symbol)		__attribute__((__copy__(symbol)))
#else
#define __copy(symbol)
#endif
#define __deprecated
#define __flatten		__attribute__((flatten))
#define __gnu_inline		__attribute__((__gnu_inline__))
#define __malloc		__attribute__((__malloc__))
#define __maybe_unused		__attribute__((__unused__))
#define __always_unused		__attribute__((__unused__))
#define __mode(x)		__attribute__((__mode__(x)))
#define __must_check		__attribute__((__warn_unused_result__))
#define __noreturn		__attribute__((__noreturn__))
#define __packed		__attribute__((__packed__))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
#define __scanf(a, b)		__attribute__((__format__(scanf, a, b)))
#define __pure			__attribute__((__pure__))
#define __section(section)	__attribute__((__section__(section)))
#define __used			__attribute__((__used__))
#define __weak			__attribute__((__weak__))
#define noinline		__attribute__((__noinline__))
#define __noinline		__attribute__((__noinline__))
#define __no_stack_protector	__attribute__((__optimize__("-fno-stack-protector")))
#define fallthrough		__attribute__((__fallthrough__))
#define __nonstring		__attribute__((__nonstring__))

#endif /* _LINUX_COMPILER_ATTRIBUTES_H */
