/* SPDX-License-Identifier: MIT */
/*
 * BUG() and WARN(), as Linux's <linux/bug.h> / <asm-generic/bug.h>:
 * BUG() reports `kernel BUG at file:line!` and stops the caller with an
 * invalid instruction (the kernel turns it into an Oops); WARN_ON() reports
 * and carries on, returning its condition.
 */
#ifndef _LINUX_BUG_H
#define _LINUX_BUG_H

#include <linux/compiler.h>
#include <linux/build_bug.h>
#include <linux/printk.h>

#define BUG() do {							\
	printk(KERN_CRIT "kernel BUG at %s:%d!\n", __FILE__, __LINE__);	\
	__builtin_trap();						\
} while (0)

#define BUG_ON(condition) do { if (unlikely(condition)) BUG(); } while (0)

#define __WARN_printf(fmt, ...) \
	printk(KERN_WARNING "WARNING: at %s:%d %s\n" fmt, __FILE__, __LINE__, __func__, ##__VA_ARGS__)

#define WARN(condition, fmt...) ({					\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__WARN_printf(fmt);					\
	unlikely(__ret_warn_on);					\
})

#define WARN_ON(condition) WARN(condition, "")

#define WARN_ON_ONCE(condition) ({					\
	static int __warned;						\
	int __ret_warn_once = !!(condition);				\
	if (unlikely(__ret_warn_once && !__warned)) {			\
		__warned = 1;						\
		__WARN_printf("");					\
	}								\
	unlikely(__ret_warn_once);					\
})

#define WARN_ONCE(condition, fmt...) ({					\
	static int __warned_once;					\
	int __ret_warn_once = !!(condition);				\
	if (unlikely(__ret_warn_once && !__warned_once)) {		\
		__warned_once = 1;					\
		__WARN_printf(fmt);					\
	}								\
	unlikely(__ret_warn_once);					\
})

#endif
