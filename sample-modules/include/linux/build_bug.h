/* SPDX-License-Identifier: MIT */
/* <linux/build_bug.h>: compile-time assertions. */
#ifndef _LINUX_BUILD_BUG_H
#define _LINUX_BUILD_BUG_H

#include <linux/compiler.h>

/* A compile error when cond is true (a constant expression). */
#define BUILD_BUG_ON(cond)	((void)BUILD_BUG_ON_ZERO(cond))
#define BUILD_BUG_ON_MSG(cond, msg)	_Static_assert(!(cond), msg)
#define BUILD_BUG()		BUILD_BUG_ON(1)

/* static_assert(expr) or static_assert(expr, "message"). */
#define static_assert(expr, ...)	__static_assert(expr, ##__VA_ARGS__, #expr)
#define __static_assert(expr, msg, ...)	_Static_assert(expr, msg)

#endif /* _LINUX_BUILD_BUG_H */
