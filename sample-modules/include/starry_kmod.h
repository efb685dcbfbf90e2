/* SPDX-License-Identifier: MIT */
/*
 * starry_kmod.h - the kernel interface starry-kmod offers to C modules.
 *
 * Modules include <linux/module.h> (or any of the usual <linux/...> headers,
 * which all lead here) and are written exactly as for Linux: module_init,
 * module_exit, MODULE_LICENSE, module_param, pr_info, EXPORT_SYMBOL...
 *
 * The structure layouts below are the kernel's ABI with its modules (the
 * kbindings layout kmod-loader uses); the _Static_asserts pin them.
 */
#ifndef _STARRY_KMOD_H
#define _STARRY_KMOD_H

#include <stdarg.h>
#include <stddef.h>
typedef _Bool bool;
enum { false = 0, true = 1 };

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef long ssize_t;
typedef unsigned int gfp_t;
typedef unsigned short umode_t;

#define __used            __attribute__((__used__))
#define __maybe_unused    __attribute__((__unused__))
#define __section(s)      __attribute__((__section__(s)))
#define __aligned(x)      __attribute__((__aligned__(x)))
#define __printf(a, b)    __attribute__((format(printf, a, b)))
#define __init            __section(".init.text")
#define __exit            __section(".exit.text")
#define __initdata        __section(".init.data")
#define __stringify_1(x)  #x
#define __stringify(x)    __stringify_1(x)
#define ___PASTE(a, b)    a##b
#define __PASTE(a, b)     ___PASTE(a, b)
#define __UNIQUE_ID(p)    __PASTE(__PASTE(__UNIQUE_ID_, p), __COUNTER__)

#ifndef KBUILD_MODNAME
#error "KBUILD_MODNAME must be defined by the module build"
#endif

/* ---- struct module / kernel_param: the kernel's ABI with modules ------- */
#define MODULE_NAME_LEN 56
struct module {
	char __pad0[24];
	char name[MODULE_NAME_LEN];
	char __pad1[232];
	int (*init)(void);
	char __pad2[768];
	void (*exit)(void);
	char __pad3[56];
} __aligned(64);
_Static_assert(sizeof(struct module) == 1152, "struct module size");
_Static_assert(__builtin_offsetof(struct module, name) == 24, "module.name");
_Static_assert(__builtin_offsetof(struct module, init) == 312, "module.init");
_Static_assert(__builtin_offsetof(struct module, exit) == 1088, "module.exit");

struct kernel_param;
struct kernel_param_ops {
	unsigned int flags;
	int (*set)(const char *val, const struct kernel_param *kp);
	int (*get)(char *buffer, const struct kernel_param *kp);
	void (*free)(void *arg);
};
#define KERNEL_PARAM_OPS_FL_NOARG 1

struct kernel_param {
	const char *name;
	struct module *mod;
	const struct kernel_param_ops *ops;
	const u16 perm;
	s8 level;
	u8 flags;
	union {
		void *arg;
		const void *str;
		const void *arr;
	};
};
_Static_assert(sizeof(struct kernel_param) == 40, "kernel_param size");
_Static_assert(__builtin_offsetof(struct kernel_param, perm) == 24, "kernel_param.perm");
_Static_assert(__builtin_offsetof(struct kernel_param, arg) == 32, "kernel_param.arg");
_Static_assert(sizeof(struct kernel_param_ops) == 32, "kernel_param_ops size");

extern struct module __this_module;
#define THIS_MODULE (&__this_module)

/* References on a module (THIS_MODULE or another's). */
bool try_module_get(struct module *mod);
void module_put(struct module *mod);
int module_refcount(struct module *mod);

/* ---- module metadata (.modinfo) ----------------------------------------- */
#define MODULE_INFO(tag, info)                                                 \
	static const char __UNIQUE_ID(tag)[] __used __section(".modinfo")     \
		__aligned(1) = __stringify(tag) "=" info
#define MODULE_LICENSE(x)        MODULE_INFO(license, x)
#define MODULE_AUTHOR(x)         MODULE_INFO(author, x)
#define MODULE_DESCRIPTION(x)    MODULE_INFO(description, x)
#define MODULE_VERSION(x)        MODULE_INFO(version, x)
#define MODULE_ALIAS(x)          MODULE_INFO(alias, x)
#define MODULE_SOFTDEP(x)        MODULE_INFO(softdep, x)
#define MODULE_IMPORT_NS(ns)     MODULE_INFO(import_ns, #ns)
#define MODULE_PARM_DESC(_parm, desc) MODULE_INFO(parm, #_parm ":" desc)

/* ---- init / exit -------------------------------------------------------- */
typedef int (*initcall_t)(void);
typedef void (*exitcall_t)(void);
#define module_init(initfn)                                                    \
	static inline initcall_t __maybe_unused __inittest(void)              \
	{ return initfn; }                                                     \
	int init_module(void) __attribute__((alias(#initfn)));
#define module_exit(exitfn)                                                    \
	static inline exitcall_t __maybe_unused __exittest(void)              \
	{ return exitfn; }                                                     \
	void cleanup_module(void) __attribute__((alias(#exitfn)));

/* ---- parameters (section __param, as Linux's moduleparam.h) ------------- */
#define S_IRUSR 00400
#define S_IWUSR 00200
#define S_IXUSR 00100
#define S_IRGRP 00040
#define S_IWGRP 00020
#define S_IROTH 00004
#define S_IWOTH 00002
#define S_IRUGO (S_IRUSR | S_IRGRP | S_IROTH)
#define S_IWUGO (S_IWUSR | S_IWGRP | S_IWOTH)

extern const struct kernel_param_ops param_ops_byte, param_ops_short,
	param_ops_ushort, param_ops_int, param_ops_uint, param_ops_long,
	param_ops_ulong, param_ops_ullong, param_ops_hexint, param_ops_charp,
	param_ops_bool, param_ops_invbool;

#define __module_param_call(name, ops, arg, perm, level, flags)               \
	static const char __param_str_##name[] = #name;                        \
	static const struct kernel_param __param_##name __used                 \
		__section("__param") __aligned(sizeof(void *)) = {             \
			__param_str_##name, THIS_MODULE, ops, (perm), level,   \
			flags, { arg } }
#define module_param_cb(name, ops, arg, perm)                                  \
	__module_param_call(name, ops, arg, perm, -1, 0)
#define module_param_named(name, value, type, perm)                            \
	MODULE_INFO(parmtype, #name ":" #type);                                \
	__module_param_call(name, &param_ops_##type, &value, perm, -1, 0)
#define module_param(name, type, perm) module_param_named(name, name, type, perm)

/* ---- printk ------------------------------------------------------------- */
#define KERN_SOH     "\001"
#define KERN_EMERG   KERN_SOH "0"
#define KERN_ALERT   KERN_SOH "1"
#define KERN_CRIT    KERN_SOH "2"
#define KERN_ERR     KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE  KERN_SOH "5"
#define KERN_INFO    KERN_SOH "6"
#define KERN_DEBUG   KERN_SOH "7"
#define KERN_CONT    KERN_SOH "c"
__printf(1, 2) int _printk(const char *fmt, ...);
__printf(1, 2) int printk(const char *fmt, ...);
__printf(3, 4) int snprintf(char *buf, size_t size, const char *fmt, ...);
__printf(2, 3) int sprintf(char *buf, const char *fmt, ...);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list args);
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define pr_emerg(fmt, ...)   printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...)   printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...)    printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)     printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)    printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...)  printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)    printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)   printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...)    printk(KERN_CONT fmt, ##__VA_ARGS__)

/* ---- memory and strings ------------------------------------------------- */
#define GFP_KERNEL 0xcc0u
#define GFP_ATOMIC 0x820u
#define __GFP_ZERO 0x100u
void *kmalloc(size_t size, gfp_t flags);
void *kzalloc(size_t size, gfp_t flags);
void kfree(const void *ptr);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* ---- errno values ------------------------------------------------------- */
#define EPERM 1
#define ENOENT 2
#define EIO 5
#define ENOMEM 12
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34

/* ---- exported symbols (__ksymtab*, as Linux without PREL32) ------------- */
struct kernel_symbol {
	unsigned long value;
	const char *name;
	const char *namespace;
};
#define ___EXPORT_SYMBOL(sym, sec)                                             \
	extern __typeof__(sym) sym;                                            \
	static const char __kstrtab_##sym[] __used                             \
		__section("__ksymtab_strings") __aligned(1) = #sym;            \
	static const char __kstrtabns_##sym[] __used                           \
		__section("__ksymtab_strings") __aligned(1) = "";              \
	static const struct kernel_symbol __ksymtab_##sym __used               \
		__section("___ksymtab" sec "+" #sym) __aligned(8) = {          \
			(unsigned long)&sym, __kstrtab_##sym,                  \
			__kstrtabns_##sym }
#define EXPORT_SYMBOL(sym)     ___EXPORT_SYMBOL(sym, "")
#define EXPORT_SYMBOL_GPL(sym) ___EXPORT_SYMBOL(sym, "_gpl")

#endif /* _STARRY_KMOD_H */
