/* SPDX-License-Identifier: MIT */
/*
 * <linux/printk.h>: printk, its log levels and the pr_* helpers. A module
 * may define pr_fmt(fmt) before including this to prefix its messages.
 */
#ifndef __KERNEL_PRINTK__
#define __KERNEL_PRINTK__

#include <linux/stdarg.h>
#include <linux/init.h>
#include <linux/kern_levels.h>

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

int vprintk(const char *fmt, va_list args);
__printf(1, 2) __cold int _printk(const char *fmt, ...);
__printf(1, 2) __cold int printk(const char *fmt, ...);

/* Nothing printed, but the format is checked against the arguments. */
#define no_printk(fmt, ...)						\
	({								\
		if (0)							\
			printk(fmt, ##__VA_ARGS__);			\
		0;							\
	})

#define pr_emerg(fmt, ...)	printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...)	printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...)	printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)	printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warning		pr_warn
#define pr_notice(fmt, ...)	printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...)	printk(KERN_CONT fmt, ##__VA_ARGS__)
#define pr_default(fmt, ...)	printk(KERN_DEFAULT pr_fmt(fmt), ##__VA_ARGS__)

/* pr_debug and pr_devel print only when the module defines DEBUG. */
#ifdef DEBUG
#define pr_devel(fmt, ...)	printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)	printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#else
#define pr_devel(fmt, ...)	no_printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)	no_printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#endif

#endif /* __KERNEL_PRINTK__ */
