/* SPDX-License-Identifier: MIT */
/*
 * <linux/types.h>: the kernel's fixed-size and POSIX-like types (LP64:
 * x86_64 and riscv64), gfp_t, and the list and atomic types.
 */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

#include <linux/stddef.h>

#ifndef __ASSEMBLY__

typedef signed char		__s8;
typedef unsigned char		__u8;
typedef signed short		__s16;
typedef unsigned short		__u16;
typedef signed int		__s32;
typedef unsigned int		__u32;
typedef signed long long	__s64;
typedef unsigned long long	__u64;

typedef __s8	s8;
typedef __u8	u8;
typedef __s16	s16;
typedef __u16	u16;
typedef __s32	s32;
typedef __u32	u32;
typedef __s64	s64;
typedef __u64	u64;

typedef __u16 __bitwise	__le16;
typedef __u16 __bitwise	__be16;
typedef __u32 __bitwise	__le32;
typedef __u32 __bitwise	__be32;
typedef __u64 __bitwise	__le64;
typedef __u64 __bitwise	__be64;

typedef long			__kernel_long_t;
typedef unsigned long		__kernel_ulong_t;
typedef __kernel_ulong_t	__kernel_size_t;
typedef __kernel_long_t		__kernel_ssize_t;
typedef __kernel_long_t		__kernel_ptrdiff_t;
typedef long long		__kernel_loff_t;
typedef __kernel_long_t		__kernel_off_t;
typedef int			__kernel_pid_t;
typedef unsigned int		__kernel_uid32_t;
typedef unsigned int		__kernel_gid32_t;
typedef __kernel_long_t		__kernel_time_t;
typedef long long		__kernel_time64_t;
typedef int			__kernel_clockid_t;
typedef unsigned int		__kernel_mode_t;
typedef __u32			__kernel_dev_t;

typedef _Bool			bool;
typedef __kernel_size_t		size_t;
typedef __kernel_ssize_t	ssize_t;
typedef __kernel_ptrdiff_t	ptrdiff_t;
typedef __kernel_off_t		off_t;
typedef __kernel_loff_t		loff_t;
typedef __kernel_pid_t		pid_t;
typedef __kernel_uid32_t	uid_t;
typedef __kernel_gid32_t	gid_t;
typedef __kernel_clockid_t	clockid_t;
typedef __kernel_mode_t		mode_t;
typedef __kernel_dev_t		dev_t;
typedef __kernel_time64_t	time64_t;
typedef unsigned short		umode_t;
typedef unsigned long		uintptr_t;
typedef long			intptr_t;
typedef __u64			sector_t;
typedef u64			phys_addr_t;
typedef u64			dma_addr_t;
typedef phys_addr_t		resource_size_t;

typedef unsigned char		u_char;
typedef unsigned short		u_short;
typedef unsigned int		u_int;
typedef unsigned long		u_long;
typedef unsigned char		unchar;
typedef unsigned short		ushort;
typedef unsigned int		uint;
typedef unsigned long		ulong;

typedef u8			uint8_t;
typedef u16			uint16_t;
typedef u32			uint32_t;
typedef u64			uint64_t;
typedef s8			int8_t;
typedef s16			int16_t;
typedef s32			int32_t;
typedef s64			int64_t;

/* Allocation flags (<linux/gfp_types.h>). */
typedef unsigned int __bitwise	gfp_t;

typedef struct {
	int counter;
} atomic_t;

typedef struct {
	s64 counter;
} atomic64_t;

/* Doubly linked list links (<linux/list.h> has the operations). */
struct list_head {
	struct list_head *next, *prev;
};

struct hlist_head {
	struct hlist_node *first;
};

struct hlist_node {
	struct hlist_node *next, **pprev;
};

#endif /* __ASSEMBLY__ */

#endif /* _LINUX_TYPES_H */
