/* SPDX-License-Identifier: MIT */
/*
 * <linux/bitops.h>: bit operations on arrays of unsigned long. The atomic
 * ones (set_bit, test_and_set_bit...) on the compiler's atomic builtins
 * (test_and_* fully ordered, the rest relaxed, as Linux's); the __ ones
 * plain; ffs/fls/hweight on the compiler's builtins.
 */
#ifndef _LINUX_BITOPS_H
#define _LINUX_BITOPS_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/compiler.h>

#define __bit_word(nr, addr)	((volatile unsigned long *)(addr) + BIT_WORD(nr))

static __always_inline void set_bit(long nr, volatile unsigned long *addr)
{ __atomic_fetch_or(__bit_word(nr, addr), BIT_MASK(nr), __ATOMIC_RELAXED); }
static __always_inline void clear_bit(long nr, volatile unsigned long *addr)
{ __atomic_fetch_and(__bit_word(nr, addr), ~BIT_MASK(nr), __ATOMIC_RELAXED); }
static __always_inline void change_bit(long nr, volatile unsigned long *addr)
{ __atomic_fetch_xor(__bit_word(nr, addr), BIT_MASK(nr), __ATOMIC_RELAXED); }
static __always_inline bool test_and_set_bit(long nr, volatile unsigned long *addr)
{ return __atomic_fetch_or(__bit_word(nr, addr), BIT_MASK(nr), __ATOMIC_SEQ_CST) & BIT_MASK(nr); }
static __always_inline bool test_and_clear_bit(long nr, volatile unsigned long *addr)
{ return __atomic_fetch_and(__bit_word(nr, addr), ~BIT_MASK(nr), __ATOMIC_SEQ_CST) & BIT_MASK(nr); }
static __always_inline bool test_and_change_bit(long nr, volatile unsigned long *addr)
{ return __atomic_fetch_xor(__bit_word(nr, addr), BIT_MASK(nr), __ATOMIC_SEQ_CST) & BIT_MASK(nr); }
static __always_inline void clear_bit_unlock(long nr, volatile unsigned long *addr)
{ __atomic_fetch_and(__bit_word(nr, addr), ~BIT_MASK(nr), __ATOMIC_RELEASE); }
static __always_inline bool test_and_set_bit_lock(long nr, volatile unsigned long *addr)
{ return __atomic_fetch_or(__bit_word(nr, addr), BIT_MASK(nr), __ATOMIC_ACQUIRE) & BIT_MASK(nr); }

static __always_inline void __set_bit(long nr, volatile unsigned long *addr)
{ *__bit_word(nr, addr) |= BIT_MASK(nr); }
static __always_inline void __clear_bit(long nr, volatile unsigned long *addr)
{ *__bit_word(nr, addr) &= ~BIT_MASK(nr); }
static __always_inline void __change_bit(long nr, volatile unsigned long *addr)
{ *__bit_word(nr, addr) ^= BIT_MASK(nr); }
static __always_inline bool __test_and_set_bit(long nr, volatile unsigned long *addr)
{ bool old = *__bit_word(nr, addr) & BIT_MASK(nr); __set_bit(nr, addr); return old; }
static __always_inline bool __test_and_clear_bit(long nr, volatile unsigned long *addr)
{ bool old = *__bit_word(nr, addr) & BIT_MASK(nr); __clear_bit(nr, addr); return old; }

static __always_inline bool test_bit(long nr, const volatile unsigned long *addr)
{ return 1UL & (__atomic_load_n((const volatile unsigned long *)addr + BIT_WORD(nr), __ATOMIC_RELAXED) >> (nr & (BITS_PER_LONG - 1))); }

/* Find first set bit (1-based; 0 when none), last set bit, and friends. */
static __always_inline int ffs(int x) { return __builtin_ffs(x); }
static __always_inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
static __always_inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
static __always_inline unsigned long __ffs(unsigned long w) { return __builtin_ctzl(w); }
static __always_inline unsigned long __fls(unsigned long w) { return 63 - __builtin_clzl(w); }
static __always_inline unsigned long ffz(unsigned long w) { return __builtin_ctzl(~w); }
static __always_inline unsigned int hweight32(unsigned int w) { return __builtin_popcount(w); }
static __always_inline unsigned long hweight64(u64 w) { return __builtin_popcountll(w); }
static __always_inline unsigned long hweight_long(unsigned long w) { return __builtin_popcountl(w); }
static __always_inline unsigned int hweight8(unsigned int w) { return __builtin_popcount(w & 0xff); }
static __always_inline unsigned int hweight16(unsigned int w) { return __builtin_popcount(w & 0xffff); }

static inline unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
					  unsigned long offset)
{
	for (; offset < size; offset++)
		if (test_bit(offset, addr))
			return offset;
	return size;
}

static inline unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
					       unsigned long offset)
{
	for (; offset < size; offset++)
		if (!test_bit(offset, addr))
			return offset;
	return size;
}

#define find_first_bit(addr, size)	find_next_bit((addr), (size), 0)
#define find_first_zero_bit(addr, size)	find_next_zero_bit((addr), (size), 0)
#define for_each_set_bit(bit, addr, size)				\
	for ((bit) = find_first_bit((addr), (size)); (bit) < (size);	\
	     (bit) = find_next_bit((addr), (size), (bit) + 1))
#define for_each_clear_bit(bit, addr, size)				\
	for ((bit) = find_first_zero_bit((addr), (size)); (bit) < (size); \
	     (bit) = find_next_zero_bit((addr), (size), (bit) + 1))

#endif /* _LINUX_BITOPS_H */
