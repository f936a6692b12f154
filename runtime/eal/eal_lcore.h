/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The lcore threads of this process, started and stopped by rte_eal_init()
 * and rte_eal_cleanup(). The public side is rte_lcore.h and rte_launch.h.
 */

#ifndef MEMPLANE_EAL_LCORE_H
#define MEMPLANE_EAL_LCORE_H

#include <stdbool.h>

#ifdef _GNU_SOURCE  /* cpu_set_t; rte_eal_init() does not need this part */
#include <pthread.h>
#include <sched.h>
#include <stddef.h>

/*
 * The thread calls this module makes, behind a table so that tests can
 * make the Nth one fail (as os_prim does for files). Each entry has the
 * pthread contract: 0 or a positive errno.
 */
struct lcore_prim {
	int (*create)(pthread_t *tid, const pthread_attr_t *attr,
			void *(*fn)(void *), void *arg);
	int (*setaffinity)(pthread_t tid, size_t sz, const cpu_set_t *cpus);
};

extern struct lcore_prim lcore_prim;
extern const struct lcore_prim lcore_prim_default;
#endif

/*
 * Parse lcores (DPDK's -l list when !is_map, its --lcores map when is_map;
 * "" = every CPU of the caller's affinity mask, lcore id = CPU id), then
 * start one pinned thread per worker lcore and pin the caller, which
 * becomes the main lcore (the lowest id). Returns 0; -EINVAL (one ERR log
 * line naming the bad item: syntax, an id >= RTE_MAX_LCORE, a CPU outside
 * the affinity mask); -EALREADY; or -errno of thread creation or pinning,
 * in which case nothing is left running and the caller's affinity is back.
 * pre: called by the thread that will run as the main lcore.
 */
int eal_lcores_start(const char *lcores, bool is_map);

/*
 * Ask every worker to exit once its current function (if any) returns,
 * join them, forget the lcores and give the main thread back the affinity
 * it had before eal_lcores_start(). Does nothing when not started.
 * pre: called by the main lcore, not from a launched function.
 */
void eal_lcores_stop(void);

#endif /* MEMPLANE_EAL_LCORE_H */
