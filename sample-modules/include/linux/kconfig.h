/* SPDX-License-Identifier: MIT */
/*
 * <linux/kconfig.h>: the kernel's configuration (generated/autoconf.h,
 * written by the module build) and the IS_ENABLED() family. Every module
 * object gets it first (-include, as Kbuild does).
 */
#ifndef __LINUX_KCONFIG_H
#define __LINUX_KCONFIG_H

#include <generated/autoconf.h>

/*
 * IS_BUILTIN(CONFIG_X) is 1 when CONFIG_X is defined as 1, else 0, usable
 * in #if and in C: an option defined as 1 pastes into __KCONFIG_ARG_1,
 * which expands to an extra leading argument that shifts the 1 into the
 * picked position; anything else leaves the 0 there.
 */
#define __KCONFIG_ARG_1			0,
#define __kconfig_second(ignored, val, ...)	val
#define __kconfig_pick(arg_or_junk)	__kconfig_second(arg_or_junk 1, 0)
#define __kconfig_paste(val)		__kconfig_pick(__KCONFIG_ARG_##val)
#define __is_defined(x)			__kconfig_paste(x)
#define __or(x, y)			__kconfig_or(x, y)
#define __kconfig_or(x, y)		__kconfig_or_##x(y)
#define __kconfig_or_1(y)		1
#define __kconfig_or_0(y)		y
#define __and(x, y)			__kconfig_and(x, y)
#define __kconfig_and(x, y)		__kconfig_and_##x(y)
#define __kconfig_and_1(y)		y
#define __kconfig_and_0(y)		0

#define IS_BUILTIN(option)	__is_defined(option)
#define IS_MODULE(option)	__is_defined(option##_MODULE)
#define IS_ENABLED(option)	__or(IS_BUILTIN(option), IS_MODULE(option))
#define IS_REACHABLE(option)						\
	__or(IS_BUILTIN(option), __and(IS_MODULE(option), __is_defined(MODULE)))

#endif /* __LINUX_KCONFIG_H */
