/* SPDX-License-Identifier: MIT */
/*
 * <linux/module.h>: what every module includes: module_init/module_exit,
 * MODULE_LICENSE and the other .modinfo tags, references on modules, and
 * (through its includes, as on Linux) types, printk, errno, parameters and
 * EXPORT_SYMBOL.
 *
 * struct module's layout is the kernel's ABI with its modules (the layout
 * kmod-loader's kbindings use); only the fields a module's build fills in
 * are named, and the asserts pin their offsets.
 */
#ifndef _LINUX_MODULE_H
#define _LINUX_MODULE_H

#include <linux/stat.h>
#include <linux/compiler.h>
#include <linux/init.h>
#include <linux/stringify.h>
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/moduleparam.h>
#include <linux/export.h>

#define MODULE_NAME_LEN (64 - sizeof(unsigned long))

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
_Static_assert(offsetof(struct module, name) == 24, "module.name");
_Static_assert(offsetof(struct module, init) == 312, "module.init");
_Static_assert(offsetof(struct module, exit) == 1088, "module.exit");

/* Generic info of the form tag = "info" (.modinfo, read by modinfo). */
#define MODULE_INFO(tag, info) __MODULE_INFO(tag, tag, info)

#define MODULE_ALIAS(_alias)		MODULE_INFO(alias, _alias)
#define MODULE_SOFTDEP(_softdep)	MODULE_INFO(softdep, _softdep)
#define MODULE_FIRMWARE(_firmware)	MODULE_INFO(firmware, _firmware)
#define MODULE_LICENSE(_license)	MODULE_INFO(license, _license)
#define MODULE_AUTHOR(_author)		MODULE_INFO(author, _author)
#define MODULE_DESCRIPTION(_description) MODULE_INFO(description, _description)
#define MODULE_VERSION(_version)	MODULE_INFO(version, _version)
#define MODULE_IMPORT_NS(ns)		MODULE_INFO(import_ns, __stringify(ns))

/* The module's entry points, under the names the build's struct module uses. */
extern int init_module(void);
extern void cleanup_module(void);

/* Checks the function's type, then names it init_module. */
#define module_init(initfn)						\
	static inline initcall_t __maybe_unused __inittest(void)	\
	{ return initfn; }						\
	int init_module(void) __copy(initfn) __attribute__((alias(#initfn)));

/* Checks the function's type, then names it cleanup_module. */
#define module_exit(exitfn)						\
	static inline exitcall_t __maybe_unused __exittest(void)	\
	{ return exitfn; }						\
	void cleanup_module(void) __copy(exitfn) __attribute__((alias(#exitfn)));

/* References on a module: THIS_MODULE or another's struct module. */
bool try_module_get(struct module *module);
void module_put(struct module *module);
int module_refcount(struct module *mod);

#define __module_get(m)		((void)try_module_get(m))

#endif /* _LINUX_MODULE_H */
