/* SPDX-License-Identifier: MIT */
/*
 * <linux/atomic.h>: atomic_t, atomic64_t and atomic_long_t operations,
 * and cmpxchg/xchg, as static inlines on the compiler's atomic builtins
 * (Linux's generic versions): the operations that return a value are
 * fully ordered, the others relaxed, as Linux's atomic_t.txt says.
 */
#ifndef _LINUX_ATOMIC_H
#define _LINUX_ATOMIC_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <asm/barrier.h>

#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }
#define ATOMIC_LONG_INIT(i)	{ (i) }

typedef struct {
	long counter;
} atomic_long_t;

#define __ATOMIC_OPS(pfx, atype, ctype)					\
static __always_inline ctype pfx##_read(const atype *v)			\
{ return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); }		\
static __always_inline ctype pfx##_read_acquire(const atype *v)		\
{ return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE); }		\
static __always_inline void pfx##_set(atype *v, ctype i)		\
{ __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_set_release(atype *v, ctype i)	\
{ __atomic_store_n(&v->counter, i, __ATOMIC_RELEASE); }		\
static __always_inline void pfx##_add(ctype i, atype *v)		\
{ __atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_sub(ctype i, atype *v)		\
{ __atomic_fetch_sub(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_inc(atype *v) { pfx##_add(1, v); }	\
static __always_inline void pfx##_dec(atype *v) { pfx##_sub(1, v); }	\
static __always_inline void pfx##_and(ctype i, atype *v)		\
{ __atomic_fetch_and(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_or(ctype i, atype *v)		\
{ __atomic_fetch_or(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_xor(ctype i, atype *v)		\
{ __atomic_fetch_xor(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_andnot(ctype i, atype *v)		\
{ __atomic_fetch_and(&v->counter, ~i, __ATOMIC_RELAXED); }		\
static __always_inline ctype pfx##_add_return(ctype i, atype *v)	\
{ return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_sub_return(ctype i, atype *v)	\
{ return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_inc_return(atype *v)		\
{ return pfx##_add_return(1, v); }					\
static __always_inline ctype pfx##_dec_return(atype *v)		\
{ return pfx##_sub_return(1, v); }					\
static __always_inline ctype pfx##_fetch_add(ctype i, atype *v)	\
{ return __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_fetch_sub(ctype i, atype *v)	\
{ return __atomic_fetch_sub(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_fetch_inc(atype *v)			\
{ return pfx##_fetch_add(1, v); }					\
static __always_inline ctype pfx##_fetch_dec(atype *v)			\
{ return pfx##_fetch_sub(1, v); }					\
static __always_inline ctype pfx##_fetch_and(ctype i, atype *v)	\
{ return __atomic_fetch_and(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_fetch_or(ctype i, atype *v)		\
{ return __atomic_fetch_or(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_fetch_xor(ctype i, atype *v)	\
{ return __atomic_fetch_xor(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_fetch_andnot(ctype i, atype *v)	\
{ return __atomic_fetch_and(&v->counter, ~i, __ATOMIC_SEQ_CST); }	\
static __always_inline bool pfx##_sub_and_test(ctype i, atype *v)	\
{ return pfx##_sub_return(i, v) == 0; }				\
static __always_inline bool pfx##_dec_and_test(atype *v)		\
{ return pfx##_dec_return(v) == 0; }					\
static __always_inline bool pfx##_inc_and_test(atype *v)		\
{ return pfx##_inc_return(v) == 0; }					\
static __always_inline bool pfx##_add_negative(ctype i, atype *v)	\
{ return pfx##_add_return(i, v) < 0; }					\
static __always_inline ctype pfx##_xchg(atype *v, ctype n)		\
{ return __atomic_exchange_n(&v->counter, n, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_cmpxchg(atype *v, ctype o, ctype n)	\
{									\
	__atomic_compare_exchange_n(&v->counter, &o, n, false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
	return o;							\
}									\
static __always_inline bool pfx##_try_cmpxchg(atype *v, ctype *o, ctype n) \
{									\
	return __atomic_compare_exchange_n(&v->counter, o, n, false,	\
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
}									\
static __always_inline ctype pfx##_fetch_add_unless(atype *v, ctype a, ctype u) \
{									\
	ctype c = pfx##_read(v);					\
	do {								\
		if (unlikely(c == u))					\
			break;						\
	} while (!pfx##_try_cmpxchg(v, &c, c + a));			\
	return c;							\
}									\
static __always_inline bool pfx##_add_unless(atype *v, ctype a, ctype u) \
{ return pfx##_fetch_add_unless(v, a, u) != u; }			\
static __always_inline bool pfx##_inc_not_zero(atype *v)		\
{ return pfx##_add_unless(v, 1, 0); }					\
static __always_inline ctype pfx##_dec_if_positive(atype *v)		\
{									\
	ctype c = pfx##_read(v);					\
	do {								\
		if (unlikely(c - 1 < 0))				\
			return c - 1;					\
	} while (!pfx##_try_cmpxchg(v, &c, c - 1));			\
	return c - 1;							\
}

__ATOMIC_OPS(atomic, atomic_t, int)
__ATOMIC_OPS(atomic64, atomic64_t, s64)
__ATOMIC_OPS(atomic_long, atomic_long_t, long)

#undef __ATOMIC_OPS

/* cmpxchg/xchg on plain variables of 1, 2, 4 or 8 bytes. */
#define cmpxchg(ptr, o, n)						\
({									\
	__typeof__(*(ptr)) __o = (o);					\
	__atomic_compare_exchange_n((ptr), &__o, (n), false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
	__o;								\
})
#define cmpxchg_relaxed(ptr, o, n)	cmpxchg(ptr, o, n)
#define cmpxchg_acquire(ptr, o, n)	cmpxchg(ptr, o, n)
#define cmpxchg_release(ptr, o, n)	cmpxchg(ptr, o, n)
#define cmpxchg64(ptr, o, n)		cmpxchg(ptr, o, n)
#define try_cmpxchg(ptr, po, n)						\
	__atomic_compare_exchange_n((ptr), (po), (n), false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define xchg(ptr, v)	__atomic_exchange_n((ptr), (v), __ATOMIC_SEQ_CST)
#define xchg_relaxed(ptr, v)	xchg(ptr, v)

#endif /* _LINUX_ATOMIC_H */
