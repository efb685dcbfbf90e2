/* SPDX-License-Identifier: MIT */
/*
 * <linux/cred.h>: the calling task's credentials. current_cred() is the
 * kernel's starry_current_cred() (Linux reads current->cred); every id of
 * it is the task's effective one here.
 */
#ifndef _LINUX_CRED_H
#define _LINUX_CRED_H

#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/capability.h>

typedef struct {
	u64 val;
} kernel_cap_t;

struct cred {
	long usage;
	kuid_t uid;
	kgid_t gid;
	kuid_t suid;
	kgid_t sgid;
	kuid_t euid;
	kgid_t egid;
	kuid_t fsuid;
	kgid_t fsgid;
	unsigned securebits;
	kernel_cap_t cap_inheritable;
	kernel_cap_t cap_permitted;
	kernel_cap_t cap_effective;
	kernel_cap_t cap_bset;
	kernel_cap_t cap_ambient;
};

_Static_assert(__builtin_offsetof(struct cred, uid) == 8, "cred.uid");
_Static_assert(__builtin_offsetof(struct cred, cap_effective) == 64, "cred.cap_effective");

const struct cred *starry_current_cred(void);

#define current_cred()		(starry_current_cred())
#define current_real_cred()	(starry_current_cred())
#define current_uid()		(current_cred()->uid)
#define current_gid()		(current_cred()->gid)
#define current_euid()		(current_cred()->euid)
#define current_egid()		(current_cred()->egid)
#define current_suid()		(current_cred()->suid)
#define current_sgid()		(current_cred()->sgid)
#define current_fsuid()		(current_cred()->fsuid)
#define current_fsgid()		(current_cred()->fsgid)
#define current_cap()		(current_cred()->cap_effective)
#define current_user_ns()	(&init_user_ns)

#define current_uid_gid(_uid, _gid)		\
do {						\
	const struct cred *__cred = current_cred();	\
	*(_uid) = __cred->uid;			\
	*(_gid) = __cred->gid;			\
} while (0)

#define current_euid_egid(_euid, _egid)		\
do {						\
	const struct cred *__cred = current_cred();	\
	*(_euid) = __cred->euid;		\
	*(_egid) = __cred->egid;		\
} while (0)

/* Credentials live as long as the kernel here: references are free. */
static inline const struct cred *get_cred(const struct cred *cred)
{
	return cred;
}

static inline void put_cred(const struct cred *cred)
{
}

#define get_current_cred()	(get_cred(current_cred()))

#endif /* _LINUX_CRED_H */
