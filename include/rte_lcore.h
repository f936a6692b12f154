/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Logical cores (lcores), with DPDK's names. rte_eal_init() turns its
 * -l/--lcores option into a set of lcore ids: one thread per lcore, each
 * pinned to its CPU set; the thread that called rte_eal_init() is the main
 * lcore (the lowest id, DPDK's default --main-lcore) and the others are
 * workers that run what rte_launch.h hands them. Without the option every
 * CPU of the process's affinity mask becomes an lcore whose id is the CPU
 * id. All of this is per process.
 *
 * The lcore table is fixed between rte_eal_init() and rte_eal_cleanup(),
 * so the queries below take no lock. Before init (and after cleanup) there
 * are no lcores: rte_lcore_count() is 0, rte_lcore_id() is LCORE_ID_ANY,
 * rte_get_main_lcore() is LCORE_ID_ANY and the iterators visit nothing.
 * Nothing here sets rte_errno.
 */

#ifndef _RTE_LCORE_H_
#define _RTE_LCORE_H_

#include <stdint.h>

#include <rte_common.h>
#include <rte_launch.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef RTE_MAX_LCORE
#define RTE_MAX_LCORE 128 /**< Lcore ids are below this (DPDK's default). */
#endif

#define LCORE_ID_ANY UINT32_MAX /**< Any lcore; also "not an lcore thread". */

/* The storage behind rte_lcore_id(); use the function, not this name. */
extern __thread unsigned int per_lcore__lcore_id;

/**
 * The lcore id of the calling thread.
 *
 * @return
 *   Its lcore id on the main lcore and the workers, LCORE_ID_ANY in any
 *   other thread.
 */
static inline unsigned
rte_lcore_id(void)
{
	return per_lcore__lcore_id;
}

/** @return the id of the main lcore, or LCORE_ID_ANY when no lcores are started. */
unsigned int rte_get_main_lcore(void);

/** @return how many lcores are enabled (main included); 0 when none are started. */
unsigned int rte_lcore_count(void);

/**
 * The index of an lcore: 0 .. rte_lcore_count() - 1, in the order the
 * lcores were given on the command line (CPU order by default).
 *
 * @param lcore_id
 *   An lcore id; a negative value means the calling thread's lcore.
 * @return
 *   The index, or -1 when lcore_id is not an enabled lcore (or is negative
 *   and the caller is not an lcore thread).
 */
int rte_lcore_index(int lcore_id);

/** @return 1 when lcore_id is an enabled lcore, else 0 (also for ids >= RTE_MAX_LCORE). */
int rte_lcore_is_enabled(unsigned int lcore_id);

/**
 * The NUMA node of an lcore: the node of the first CPU of its set, from
 * libnuma, or 0 when the system has no NUMA support.
 *
 * @return
 *   The socket id, or (unsigned int)SOCKET_ID_ANY (that is, -1) when
 *   lcore_id is not an enabled lcore.
 */
unsigned int rte_lcore_to_socket_id(unsigned int lcore_id);

/**
 * The NUMA node of the calling thread: its lcore's socket on an lcore
 * thread; otherwise the node of the CPU it is running on right now
 * (sched_getcpu()), or 0 without NUMA support.
 */
unsigned int rte_socket_id(void);

/**
 * The next enabled lcore after i.
 *
 * @param i
 *   The lcore to start after; (unsigned int)-1 starts before lcore 0.
 * @param skip_main
 *   Non-zero to pass over the main lcore.
 * @param wrap
 *   Non-zero to continue from lcore 0 after the last one.
 * @return
 *   The next enabled lcore id (skipping the main one if asked), or
 *   RTE_MAX_LCORE when there is none. With wrap, the search goes round
 *   once and ends at i itself, so i is returned when it is the only
 *   candidate; unlike DPDK it never loops forever when there is none.
 */
unsigned int rte_get_next_lcore(unsigned int i, int skip_main, int wrap);

/** Visit every enabled lcore in increasing id order. */
#define RTE_LCORE_FOREACH(i) \
	for ((i) = rte_get_next_lcore(-1, 0, 0); \
	     (i) < RTE_MAX_LCORE; \
	     (i) = rte_get_next_lcore((i), 0, 0))

/** Visit every enabled lcore except the main one, in increasing id order. */
#define RTE_LCORE_FOREACH_WORKER(i) \
	for ((i) = rte_get_next_lcore(-1, 1, 0); \
	     (i) < RTE_MAX_LCORE; \
	     (i) = rte_get_next_lcore((i), 1, 0))

/**
 * @return
 *   How many NUMA sockets the group found at start; 0 before rte_eal_init.
 *   (Declared here, as in DPDK.)
 */
unsigned int rte_socket_count(void);

/**
 * @return
 *   The id of the idx-th socket (0 <= idx < rte_socket_count()), or -1
 *   with rte_errno EINVAL when idx is out of range (always before init).
 */
int rte_socket_id_by_idx(unsigned int idx);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_LCORE_H_ */
