/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * What the machine offers before any memory is reserved: the hugepage
 * sizes, the hugetlbfs mount of each, the free pages per NUMA node, and the
 * NUMA nodes themselves; plus a pair that steers this thread's page faults
 * to one node. Discovery only reads (sysfs, /proc/mounts, /proc/meminfo,
 * libnuma) and changes nothing; mem_numa_prefer/restore change the calling
 * thread's memory policy only, never another thread's or process's.
 */

#ifndef MEMPLANE_MEM_DISCOVER_H
#define MEMPLANE_MEM_DISCOVER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime/eal/eal_options.h"

#define MEM_MAX_PAGE_SIZES 3   /* DPDK's MAX_HUGEPAGE_SIZES */

struct mem_page_type {
	uint64_t page_sz;                        /* bytes */
	/* hugetlbfs mount point for this size as /proc/mounts spells it
	 * (canonical); "" = none, memfd with MFD_HUGETLB will be used. */
	char mount[PATH_MAX];
	/* Free pages on node i (sysfs nodeN/.../free_hugepages); when no node
	 * has per-node counts, n_free[0] holds the global free count. */
	unsigned int n_free[EAL_MAX_NUMA_NODES];
	/* The global free count (kernel/mm/hugepages/.../free_hugepages). */
	unsigned int n_free_total;
};

/* Where discovery reads; tests point these at a fake tree. */
struct mem_discover_paths {
	const char *sysfs;    /* "/sys" */
	const char *mounts;   /* "/proc/mounts" */
	const char *meminfo;  /* "/proc/meminfo", for the default page size */
};

extern const struct mem_discover_paths mem_discover_default_paths;

/*
 * Fill types[0..] with the hugepage sizes of <sysfs>/kernel/mm/hugepages/
 * (hugepages-<N>kB), ascending, each with its free counts and mount. A size
 * with no free page is listed all the same: the caller decides. Returns how
 * many were filled: at most max, the smallest sizes first (a WARNING says
 * how many were left out); 0 when the kernel has no hugepage support (the
 * directory is missing).
 *
 * Mounts: the first hugetlbfs line of <mounts> whose pagesize= option (or,
 * without it, "Hugepagesize:" of <meminfo>) matches the size. When huge_dir
 * is given ("" or NULL = not given), that mount wins for its size; the other
 * sizes keep their own mounts, so a caller that wants DPDK's "--huge-dir
 * only" keeps the type whose mount equals realpath(huge_dir).
 *
 * Malformed input: a sysfs counter that is not a decimal unsigned int fails
 * the call (-EINVAL, ERR log naming the file); directory entries, mount
 * lines and meminfo lines we do not understand are skipped (DEBUG log),
 * since those files legitimately hold other things.
 *
 * Returns -EINVAL: bad arguments, a malformed counter, or huge_dir is not a
 *         hugetlbfs mount point of a listed size (ERR log naming it);
 *         -ENOENT: huge_dir does not exist (ERR log naming it);
 *         -errno: any other failure to read sysfs, <mounts> or <meminfo>
 *         (a missing <meminfo> only means "no default size").
 */
int mem_discover_page_types(const struct mem_discover_paths *p,
		const char *huge_dir, struct mem_page_type *types, int max);

/*
 * The NUMA nodes that have memory or CPUs, ascending, into ids[0..max-1];
 * nodes numbered EAL_MAX_NUMA_NODES or more are left out with a WARNING.
 * Without libnuma support (numa_available() < 0): one node, id 0.
 * Returns the count, >= 1; -EINVAL if ids is NULL or max < 1.
 */
int mem_discover_sockets(int *ids, int max);

/*
 * The node that holds the page at addr (faulting it in if it is not yet
 * there, as a read would). Returns the node id, or -errno from
 * get_mempolicy (-EFAULT: addr is not mapped).
 */
int mem_discover_socket_of_addr(const void *addr);

/* The calling thread's memory policy, saved by mem_numa_prefer(). */
#define MEM_NUMA_MASK_BITS 1024    /* the kernel's MAX_NUMNODES at most */
struct mem_numa_saved {
	bool active;                  /* false: nothing to restore */
	int mode;                     /* MPOL_* with its MPOL_F_* flags */
	unsigned long mask[MEM_NUMA_MASK_BITS / (8 * sizeof(unsigned long))];
};

/*
 * Save the calling thread's memory policy into saved, then prefer node
 * socket (MPOL_PREFERRED) for its allocations, so the hugepages it faults
 * in come from there while that node has free ones; the caller checks
 * where they landed with mem_discover_socket_of_addr(). A no-op (returns 0,
 * saved->active = false) when NUMA is unavailable or there is one node.
 * Returns 0, -EINVAL (socket is not a node of this machine), or -errno of
 * get/set_mempolicy (nothing changed then).
 */
int mem_numa_prefer(int socket, struct mem_numa_saved *saved);

/*
 * mem_numa_prefer() without the one-node shortcut: does the save and switch
 * whenever NUMA is available. mem_numa_prefer() is built on it; tests call
 * it to exercise the round trip on one-node machines.
 */
int mem_numa_prefer_always(int socket, struct mem_numa_saved *saved);

/*
 * Put back the policy saved by a successful mem_numa_prefer*(); nothing when
 * saved->active is false. A failure is logged (WARNING); errno is kept.
 */
void mem_numa_restore(const struct mem_numa_saved *saved);

#endif /* MEMPLANE_MEM_DISCOVER_H */
