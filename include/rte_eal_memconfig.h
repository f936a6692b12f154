/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The group's shared locks, by DPDK's names. Each lives in the shared
 * config and is held across every process of the group.
 *
 * Differences from DPDK: DPDK's memory, tailq and mempool locks are
 * reader-writer locks and its timer lock a spinlock. Here each is one
 * robust, recursive, process-shared mutex:
 *   - readers exclude each other (a read lock is the write lock);
 *   - a thread that holds a lock may take it again, read or write, and
 *     must unlock it as many times;
 *   - when a holder dies, the next locker recovers the lock instead of
 *     waiting forever.
 * Before rte_eal_init() and after rte_eal_cleanup() there is nothing to
 * lock: every lock and unlock is a no-op.
 */

#ifndef _RTE_EAL_MEMCONFIG_H_
#define _RTE_EAL_MEMCONFIG_H_

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The memory lock: while held, no page is mapped or unmapped in any
 * process of the group. Memory event callbacks run with it held.
 */
void rte_mcfg_mem_read_lock(void);
void rte_mcfg_mem_read_unlock(void);
void rte_mcfg_mem_write_lock(void);
void rte_mcfg_mem_write_unlock(void);

/** The lock of the group's shared tailq lists. */
void rte_mcfg_tailq_read_lock(void);
void rte_mcfg_tailq_read_unlock(void);
void rte_mcfg_tailq_write_lock(void);
void rte_mcfg_tailq_write_unlock(void);

/** The lock of the group's mempool list. */
void rte_mcfg_mempool_read_lock(void);
void rte_mcfg_mempool_read_unlock(void);
void rte_mcfg_mempool_write_lock(void);
void rte_mcfg_mempool_write_unlock(void);

/** The lock of the group's timers. */
void rte_mcfg_timer_lock(void);
void rte_mcfg_timer_unlock(void);

/** @return Whether the group runs with --single-file-segments; false before init. */
bool rte_mcfg_get_single_file_segments(void);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_EAL_MEMCONFIG_H_ */
