/* SPDX-License-Identifier: MIT */
/*
 * <linux/vermagic.h>: VERMAGIC_STRING, the version magic a module's build
 * writes into its .modinfo (the generated <name>.mod.c) and the kernel
 * compares with its own: the release (UTS_RELEASE, generated from the
 * kernel's src/version.rs), then a word for each configuration option that
 * changes the module ABI (CONFIG_*, generated/autoconf.h).
 *
 * The same composition as Linux's, except that each word carries its space
 * in front instead of behind it: this kernel's version magic has no
 * trailing space (src/version.rs: "6.6.0-starry SMP mod_unload").
 */
#ifndef _LINUX_VERMAGIC_H
#define _LINUX_VERMAGIC_H

#ifndef INCLUDE_VERMAGIC
#error "only the generated <name>.mod.c includes <linux/vermagic.h>"
#endif

#include <generated/utsrelease.h>

#ifdef CONFIG_SMP
#define MODULE_VERMAGIC_SMP " SMP"
#else
#define MODULE_VERMAGIC_SMP ""
#endif
#ifdef CONFIG_PREEMPT
#define MODULE_VERMAGIC_PREEMPT " preempt"
#elif defined(CONFIG_PREEMPT_RT)
#define MODULE_VERMAGIC_PREEMPT " preempt_rt"
#else
#define MODULE_VERMAGIC_PREEMPT ""
#endif
#ifdef CONFIG_MODULE_UNLOAD
#define MODULE_VERMAGIC_MODULE_UNLOAD " mod_unload"
#else
#define MODULE_VERMAGIC_MODULE_UNLOAD ""
#endif
#ifdef CONFIG_MODVERSIONS
#define MODULE_VERMAGIC_MODVERSIONS " modversions"
#else
#define MODULE_VERMAGIC_MODVERSIONS ""
#endif
#ifndef MODULE_ARCH_VERMAGIC
#define MODULE_ARCH_VERMAGIC ""
#endif

#define VERMAGIC_STRING							\
	UTS_RELEASE							\
	MODULE_VERMAGIC_SMP MODULE_VERMAGIC_PREEMPT			\
	MODULE_VERMAGIC_MODULE_UNLOAD MODULE_VERMAGIC_MODVERSIONS	\
	MODULE_ARCH_VERMAGIC

#endif /* _LINUX_VERMAGIC_H */
