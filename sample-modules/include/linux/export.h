/* SPDX-License-Identifier: MIT */
/*
 * <linux/export.h>: EXPORT_SYMBOL and EXPORT_SYMBOL_GPL. Each export is a
 * struct kernel_symbol in __ksymtab (or __ksymtab_gpl), its name and
 * namespace in __ksymtab_strings (absolute pointers: no PREL32).
 */
#ifndef _LINUX_EXPORT_H
#define _LINUX_EXPORT_H

#include <linux/compiler.h>
#include <linux/stringify.h>

#ifndef __ASSEMBLY__

struct kernel_symbol {
	unsigned long value;
	const char *name;
	const char *namespace;
};

#define ___EXPORT_SYMBOL(sym, sec, ns)					\
	extern __typeof__(sym) sym;					\
	static const char __kstrtab_##sym[] __used			\
		__section("__ksymtab_strings") __aligned(1) = #sym;	\
	static const char __kstrtabns_##sym[] __used			\
		__section("__ksymtab_strings") __aligned(1) = ns;	\
	static const struct kernel_symbol __ksymtab_##sym __used	\
		__section("___ksymtab" sec "+" #sym) __aligned(8) = {	\
			(unsigned long)&sym, __kstrtab_##sym,		\
			__kstrtabns_##sym }

#define EXPORT_SYMBOL(sym)		___EXPORT_SYMBOL(sym, "", "")
#define EXPORT_SYMBOL_GPL(sym)		___EXPORT_SYMBOL(sym, "_gpl", "")
#define EXPORT_SYMBOL_NS(sym, ns)	___EXPORT_SYMBOL(sym, "", __stringify(ns))
#define EXPORT_SYMBOL_NS_GPL(sym, ns)	___EXPORT_SYMBOL(sym, "_gpl", __stringify(ns))

#endif /* __ASSEMBLY__ */

#endif /* _LINUX_EXPORT_H */
