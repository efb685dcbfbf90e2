/* SPDX-License-Identifier: MIT */
/*
 * <linux/moduleparam.h>: module parameters. Each module_param() is a
 * struct kernel_param in the __param section; the kernel applies load-time
 * arguments and sysfs writes through its ops (the standard param_ops_<type>
 * this kernel exports, or the module's own for module_param_cb).
 *
 * struct kernel_param and struct kernel_param_ops are the kernel's ABI with
 * its modules (the layout kmod-loader's kbindings use); the asserts pin it.
 */
#ifndef _LINUX_MODULE_PARAMS_H
#define _LINUX_MODULE_PARAMS_H

#include <linux/init.h>
#include <linux/stringify.h>
#include <linux/kernel.h>

/* Parameters of a module have no prefix (built-in code: "modname."). */
#define MODULE_PARAM_PREFIX /* empty */

#define __MODULE_INFO(tag, name, info)					\
	static const char __UNIQUE_ID(name)[] __used			\
		__section(".modinfo") __aligned(1) = __stringify(tag) "=" info

#define __MODULE_PARM_TYPE(name, _type)					\
	__MODULE_INFO(parmtype, name##type, #name ":" _type)

/* One line of `modinfo` describing the parameter. */
#define MODULE_PARM_DESC(_parm, desc)					\
	__MODULE_INFO(parm, _parm, #_parm ":" desc)

struct kernel_param;
struct kparam_string;
struct kparam_array;

/* The parameter may be given without "=value" (bool, invbool). */
#define KERNEL_PARAM_OPS_FL_NOARG	(1 << 0)

struct kernel_param_ops {
	/* KERNEL_PARAM_OPS_FL_* */
	unsigned int flags;
	/* Parses val into the parameter; 0 or -errno. */
	int (*set)(const char *val, const struct kernel_param *kp);
	/* Writes the value as text into a PAGE_SIZE buffer; its length. */
	int (*get)(char *buffer, const struct kernel_param *kp);
	/* Frees what set allocated (at unload). */
	void (*free)(void *arg);
};

/* kernel_param.flags */
#define KERNEL_PARAM_FL_UNSAFE	(1 << 0)
#define KERNEL_PARAM_FL_HWPARAM	(1 << 1)

struct kernel_param {
	const char *name;
	struct module *mod;
	const struct kernel_param_ops *ops;
	const u16 perm;
	s8 level;
	u8 flags;
	union {
		void *arg;
		const struct kparam_string *str;
		const struct kparam_array *arr;
	};
};
_Static_assert(sizeof(struct kernel_param) == 40, "kernel_param size");
_Static_assert(offsetof(struct kernel_param, ops) == 16, "kernel_param.ops");
_Static_assert(offsetof(struct kernel_param, perm) == 24, "kernel_param.perm");
_Static_assert(offsetof(struct kernel_param, arg) == 32, "kernel_param.arg");
_Static_assert(sizeof(struct kernel_param_ops) == 32, "kernel_param_ops size");

/* The standard ops, one per type name module_param() accepts. */
extern const struct kernel_param_ops param_ops_byte;
extern const struct kernel_param_ops param_ops_short;
extern const struct kernel_param_ops param_ops_ushort;
extern const struct kernel_param_ops param_ops_int;
extern const struct kernel_param_ops param_ops_uint;
extern const struct kernel_param_ops param_ops_long;
extern const struct kernel_param_ops param_ops_ulong;
extern const struct kernel_param_ops param_ops_ullong;
extern const struct kernel_param_ops param_ops_hexint;
extern const struct kernel_param_ops param_ops_charp;
extern const struct kernel_param_ops param_ops_bool;
extern const struct kernel_param_ops param_ops_invbool;

/* The standard ops' functions, for a module's own kernel_param_ops. */
#define __param_fns(type)						\
	int param_set_##type(const char *val, const struct kernel_param *kp); \
	int param_get_##type(char *buffer, const struct kernel_param *kp)
__param_fns(byte);
__param_fns(short);
__param_fns(ushort);
__param_fns(int);
__param_fns(uint);
__param_fns(long);
__param_fns(ulong);
__param_fns(ullong);
__param_fns(hexint);
__param_fns(charp);
__param_fns(bool);
__param_fns(invbool);
#undef __param_fns
void param_free_charp(void *arg);

/* module_param_string: a fixed buffer of maxlen bytes, NUL included. */
struct kparam_string {
	unsigned int maxlen;
	char *string;
};
extern const struct kernel_param_ops param_ops_string;
int param_set_copystring(const char *val, const struct kernel_param *kp);
int param_get_string(char *buffer, const struct kernel_param *kp);

/* module_param_array: up to max elements of one standard type. */
struct kparam_array {
	unsigned int max;
	unsigned int elemsize;
	unsigned int *num;
	const struct kernel_param_ops *ops;
	void *elem;
};
extern const struct kernel_param_ops param_array_ops;
_Static_assert(sizeof(struct kparam_array) == 32, "kparam_array size");
_Static_assert(sizeof(struct kparam_string) == 16, "kparam_string size");

/* The C type each standard ops expects its arg to point at. */
#define param_check_byte(name, p)	__param_check(name, p, unsigned char)
#define param_check_short(name, p)	__param_check(name, p, short)
#define param_check_ushort(name, p)	__param_check(name, p, unsigned short)
#define param_check_int(name, p)	__param_check(name, p, int)
#define param_check_uint(name, p)	__param_check(name, p, unsigned int)
#define param_check_long(name, p)	__param_check(name, p, long)
#define param_check_ulong(name, p)	__param_check(name, p, unsigned long)
#define param_check_ullong(name, p)	__param_check(name, p, unsigned long long)
#define param_check_hexint(name, p)	__param_check(name, p, unsigned int)
#define param_check_charp(name, p)	__param_check(name, p, char *)
#define param_check_bool(name, p)	__param_check(name, p, bool)
#define param_check_invbool(name, p)	__param_check(name, p, bool)

/* A compile error when p does not point at a `type`; no code. */
#define __param_check(name, p, type)					\
	static inline type __always_unused *__check_##name(void) { return (p); }

#define __module_param_call(prefix, name, ops, arg, perm, level, flags)	\
	static const char __param_str_##name[] = prefix #name;		\
	static const struct kernel_param __param_##name __used		\
		__section("__param") __aligned(sizeof(void *)) = {	\
			__param_str_##name, THIS_MODULE, ops,		\
			VERIFY_OCTAL_PERMISSIONS(perm), level, flags, { arg } }

/* Permission bits as Linux checks them: octal, no world-writable file. */
#define VERIFY_OCTAL_PERMISSIONS(perm)					\
	(BUILD_BUG_ON_ZERO((perm) < 0) +				\
	 BUILD_BUG_ON_ZERO((perm) > 0777) +				\
	 BUILD_BUG_ON_ZERO(((perm) >> 6) < (((perm) >> 3) & 7)) +	\
	 BUILD_BUG_ON_ZERO((((perm) >> 3) & 7) < ((perm) & 7)) +	\
	 BUILD_BUG_ON_ZERO((perm) & 2) +				\
	 (perm))

#define module_param_cb(name, ops, arg, perm)				\
	__module_param_call(MODULE_PARAM_PREFIX, name, ops, arg, perm, -1, 0)

#define module_param_cb_unsafe(name, ops, arg, perm)			\
	__module_param_call(MODULE_PARAM_PREFIX, name, ops, arg, perm, -1, \
			    KERNEL_PARAM_FL_UNSAFE)

/* A parameter called `name` for the variable `value` of a standard type. */
#define module_param_named(name, value, type, perm)			\
	__MODULE_PARM_TYPE(name, #type);				\
	param_check_##type(name, &(value));				\
	module_param_cb(name, &param_ops_##type, &value, perm)

#define module_param_named_unsafe(name, value, type, perm)		\
	__MODULE_PARM_TYPE(name, #type);				\
	param_check_##type(name, &(value));				\
	module_param_cb_unsafe(name, &param_ops_##type, &value, perm)

#define module_param(name, type, perm)					\
	module_param_named(name, name, type, perm)

#define module_param_unsafe(name, type, perm)				\
	module_param_named_unsafe(name, name, type, perm)

/*
 * A string parameter copied into `string` (len bytes, NUL included); a
 * longer value is refused with ENOSPC.
 */
#define module_param_string(name, string, len, perm)			\
	static const struct kparam_string __param_string_##name		\
		= { len, string };					\
	__module_param_call(MODULE_PARAM_PREFIX, name,			\
			    &param_ops_string,				\
			    .str = &__param_string_##name, perm, -1, 0);\
	__MODULE_PARM_TYPE(name, "string")

/*
 * A comma-separated list into `array` (at most ARRAY_SIZE(array)
 * elements); *nump (if not NULL) receives the number given.
 */
#define module_param_array_named(name, array, type, nump, perm)		\
	param_check_##type(name, &(array)[0]);				\
	static const struct kparam_array __param_arr_##name		\
	= { .max = ARRAY_SIZE(array), .num = nump,			\
	    .ops = &param_ops_##type,					\
	    .elemsize = sizeof(array[0]), .elem = array };		\
	__module_param_call(MODULE_PARAM_PREFIX, name,			\
			    &param_array_ops,				\
			    .arr = &__param_arr_##name,			\
			    perm, -1, 0);				\
	__MODULE_PARM_TYPE(name, "array of " #type)

#define module_param_array(name, type, nump, perm)			\
	module_param_array_named(name, name, type, nump, perm)

#endif /* _LINUX_MODULE_PARAMS_H */
