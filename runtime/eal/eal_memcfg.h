/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The group's shared configuration: one file, <runtime dir>/config, that
 * the primary creates and every process maps at the same address (its
 * first field says which). Pointers inside it are therefore valid in every
 * process; that is the invariant the whole runtime rests on.
 *
 * It holds what every process must agree on: the memory mode, the page
 * types and sockets found at start, the memseg lists (whose page tables
 * are fbarrays in the runtime directory), the group's locks (robust, so a
 * dead holder never leaves the group stuck) and the process table.
 *
 * The primary holds an exclusive OFD lock on the file for its whole life:
 * that is how anyone tells whether the group's primary is alive.
 */

#ifndef MEMPLANE_EAL_MEMCFG_H
#define MEMPLANE_EAL_MEMCFG_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_memory.h>

#include "runtime/eal/eal_options.h"
#include "runtime/heap/heap_shared.h"

#define EAL_MEMCFG_MAGIC 0x6d706c616e656366ULL /* "mplanecf" */
#define EAL_MEMCFG_VERSION 3
#define EAL_MAX_PROCS 64
#define EAL_MAX_PAGE_TYPES 3
/* Where the config goes when --base-virtaddr does not say (DPDK's too). */
#define EAL_DEFAULT_BASE 0x100000000ULL

/* Memory mode flags, fixed by the primary; secondaries must agree. */
#define EAL_MEMF_LEGACY       (1U << 0)
#define EAL_MEMF_SINGLE_FILE  (1U << 1)
#define EAL_MEMF_IN_MEMORY    (1U << 2)
#define EAL_MEMF_NO_HUGE      (1U << 3)
#define EAL_MEMF_HUGE_UNLINK  (1U << 4)
#define EAL_MEMF_MATCH_ALLOC  (1U << 5)

struct eal_page_type {
	uint64_t page_sz;
	char mount[PATH_MAX]; /* "" when pages come from memfds */
};

struct eal_proc {
	int32_t pid;          /* 0 = free slot */
	uint32_t primary;
	uint64_t start_time;  /* /proc/<pid>/stat field 22: pid reuse guard */
};

struct eal_memcfg {
	uint64_t magic;
	uint32_t version;
	uint32_t size;                /* sizeof(struct eal_memcfg) */
	uint64_t self_addr;           /* where every process maps it */
	uint32_t ready;               /* set last by the primary's init */
	uint32_t mem_flags;           /* EAL_MEMF_* */
	uint32_t iova_mode;           /* enum rte_iova_mode */
	uint32_t n_sockets;
	int32_t socket_ids[EAL_MAX_NUMA_NODES];
	uint64_t socket_limit[EAL_MAX_NUMA_NODES]; /* bytes, 0 = none */
	uint32_t n_page_types;
	struct eal_page_type page_types[EAL_MAX_PAGE_TYPES];
	char prefix[EAL_PREFIX_LEN];
	pthread_mutex_t mem_lock;     /* rte_mcfg_mem_*: robust, recursive */
	pthread_mutex_t proc_lock;    /* the process table */
	pthread_mutex_t tailq_lock;   /* rte_mcfg_tailq_*: robust, recursive */
	pthread_mutex_t mempool_lock; /* rte_mcfg_mempool_*: robust, recursive */
	pthread_mutex_t timer_lock;   /* rte_mcfg_timer_*: robust, recursive */
	uint64_t va_end;              /* end of the space memseg lists use */
	uint64_t ext_va;              /* window for external lists' tables */
	uint64_t ext_len;
	struct rte_memseg_list memsegs[RTE_MAX_MEMSEG_LISTS];
	struct eal_proc procs[EAL_MAX_PROCS];
	struct heap_shared heap;      /* heaps, caches, memzone table */
};

#endif /* MEMPLANE_EAL_MEMCFG_H */
