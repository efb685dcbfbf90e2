/* SPDX-License-Identifier: MIT */
/*
 * <linux/uaccess.h>: copying to and from user memory. Each returns the
 * bytes it could not copy (0 on success); a pointer outside the caller's
 * buffer copies nothing. get_user/put_user give 0 or -EFAULT.
 */
#ifndef _LINUX_UACCESS_H
#define _LINUX_UACCESS_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/errno.h>

extern unsigned long _copy_to_user(void __user *to, const void *from, unsigned long n);
extern unsigned long _copy_from_user(void *to, const void __user *from, unsigned long n);
extern unsigned long clear_user(void __user *to, unsigned long n);

static __always_inline unsigned long __must_check
copy_to_user(void __user *to, const void *from, unsigned long n)
{
	return _copy_to_user(to, from, n);
}

static __always_inline unsigned long __must_check
copy_from_user(void *to, const void __user *from, unsigned long n)
{
	return _copy_from_user(to, from, n);
}

#define get_user(x, ptr)						\
({									\
	unsigned char __gu_buf[sizeof(*(ptr))] __attribute__((aligned(8))); \
	int __gu_err = _copy_from_user(__gu_buf, (ptr), sizeof(*(ptr))) ? -EFAULT : 0; \
	(x) = *(__typeof__(*(ptr)) *)__gu_buf;				\
	__gu_err;							\
})

#define put_user(x, ptr)						\
({									\
	__typeof__(*(ptr)) __pu_val = (x);				\
	_copy_to_user((ptr), &__pu_val, sizeof(__pu_val)) ? -EFAULT : 0; \
})

#endif /* _LINUX_UACCESS_H */
