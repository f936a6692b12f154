/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The small set of macros and inline helpers that memplane's public headers
 * and DPDK-style programs rely on: alignment, pointer arithmetic, min/max,
 * attribute spellings and bit scans. Names and meanings follow DPDK's
 * rte_common.h so that code written for DPDK compiles unchanged.
 */

#ifndef _RTE_COMMON_H_
#define _RTE_COMMON_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_CACHE_LINE_SIZE 64

#define __rte_unused __attribute__((__unused__))
#define __rte_always_inline inline __attribute__((__always_inline__))
#define __rte_noinline __attribute__((__noinline__))
#define __rte_packed __attribute__((__packed__))
#define __rte_aligned(a) __attribute__((__aligned__(a)))
#define __rte_cache_aligned __rte_aligned(RTE_CACHE_LINE_SIZE)
#define __rte_format_printf(fmt_pos, args_pos) \
	__attribute__((__format__(__printf__, fmt_pos, args_pos)))
#define __rte_experimental
#define __rte_internal

#define RTE_SET_USED(x) (void)(x)

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#define RTE_STR_(x) #x
#define RTE_STR(x) RTE_STR_(x)

#define RTE_DIM(a) (sizeof(a) / sizeof((a)[0]))

#define RTE_MIN(a, b) __extension__({ \
	__typeof__(a) _a = (a); __typeof__(b) _b = (b); _a < _b ? _a : _b; })
#define RTE_MAX(a, b) __extension__({ \
	__typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })

#define RTE_BUILD_BUG_ON(cond) ((void)sizeof(char[1 - 2 * !!(cond)]))

#define RTE_PTR_ADD(ptr, x) ((void *)((uintptr_t)(ptr) + (x)))
#define RTE_PTR_SUB(ptr, x) ((void *)((uintptr_t)(ptr) - (x)))
#define RTE_PTR_DIFF(ptr1, ptr2) ((uintptr_t)(ptr1) - (uintptr_t)(ptr2))

/* Alignment helpers; align must be a power of two. */
#define RTE_ALIGN_FLOOR(val, align) \
	(__typeof__(val))((val) & (~((__typeof__(val))((align) - 1))))
#define RTE_ALIGN_CEIL(val, align) \
	RTE_ALIGN_FLOOR(((val) + ((__typeof__(val))(align) - 1)), align)
#define RTE_ALIGN(val, align) RTE_ALIGN_CEIL(val, align)
#define RTE_PTR_ALIGN_FLOOR(ptr, align) \
	((__typeof__(ptr))RTE_ALIGN_FLOOR((uintptr_t)(ptr), align))
#define RTE_PTR_ALIGN_CEIL(ptr, align) \
	RTE_PTR_ALIGN_FLOOR((__typeof__(ptr))RTE_PTR_ADD(ptr, (align) - 1), align)
#define RTE_PTR_ALIGN(ptr, align) RTE_PTR_ALIGN_CEIL(ptr, align)
#define RTE_IS_POWER_OF_2(n) ((n) && !(((n) - 1) & (n)))

static inline int
rte_is_power_of_2(uint32_t n)
{
	return n && !(n & (n - 1));
}

static inline int
rte_is_aligned(const void *ptr, unsigned int align)
{
	return RTE_PTR_ALIGN_FLOOR(ptr, align) == ptr;
}

/* Smallest power of two >= v (v > 0 and no larger than 2^63). */
static inline uint64_t
rte_align64pow2(uint64_t v)
{
	return v <= 1 ? 1 : 1ULL << (64 - __builtin_clzll(v - 1));
}

/* Bit scans; the argument must not be zero. */
static inline unsigned int
rte_ctz64(uint64_t v)
{
	return (unsigned int)__builtin_ctzll(v);
}

static inline unsigned int
rte_clz64(uint64_t v)
{
	return (unsigned int)__builtin_clzll(v);
}

static inline unsigned int
rte_popcount64(uint64_t v)
{
	return (unsigned int)__builtin_popcountll(v);
}

#define RTE_KB 1024ULL
#define RTE_MB (1024ULL * RTE_KB)
#define RTE_GB (1024ULL * RTE_MB)

#ifdef __cplusplus
}
#endif

#endif /* _RTE_COMMON_H_ */
