/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The command line of rte_eal_init(), parsed into one plain structure.
 * Parsing is pure: it touches no file, socket or global state, so it is
 * tested on its own, and nothing is created on disk when the command line
 * is refused.
 */

#ifndef MEMPLANE_EAL_OPTIONS_H
#define MEMPLANE_EAL_OPTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_eal.h>

#define EAL_MAX_NUMA_NODES 8       /* DPDK's RTE_MAX_NUMA_NODES */
#define EAL_MAX_VDEVS 16
#define EAL_VDEV_LEN 128
#define EAL_PREFIX_LEN 64
#define EAL_DEFAULT_PREFIX "rte"   /* DPDK's default --file-prefix */

struct eal_options {
	enum rte_proc_type_t proc_type;   /* default RTE_PROC_PRIMARY */
	char file_prefix[EAL_PREFIX_LEN];
	uint64_t memory;                  /* -m, bytes; 0 when not given */
	uint64_t socket_mem[EAL_MAX_NUMA_NODES];   /* bytes per node */
	bool force_sockets;               /* --socket-mem given */
	uint64_t socket_limit[EAL_MAX_NUMA_NODES]; /* bytes; 0 = no limit */
	bool force_socket_limits;         /* --socket-limit given */
	bool no_huge;
	bool in_memory;
	bool legacy_mem;
	bool single_file_segments;
	bool huge_unlink;
	bool match_allocations;
	bool no_shconf;
	char huge_dir[PATH_MAX];          /* "" = discover */
	uint64_t base_virtaddr;           /* 0 = default */
	enum rte_iova_mode iova_mode;     /* RTE_IOVA_DC = decide at start */
	uint32_t log_level;               /* 0 = leave as it is */
	char lcores[256];                 /* -l/--lcores text; "" = default */
	bool lcores_is_map;               /* given as --lcores (DPDK's map form) */
	unsigned int n_vdevs;
	char vdevs[EAL_MAX_VDEVS][EAL_VDEV_LEN]; /* --vdev arguments as given */
};

/* Fill o with the defaults (what an empty command line means). */
void eal_options_defaults(struct eal_options *o);

/*
 * Parse argv[1..] up to "--" or the first argument that is not an option,
 * into o (which the caller has set to defaults), and check that the
 * options go together. Returns how many arguments were consumed (counting
 * "--"), ready for rte_eal_init() to return; or -EINVAL after logging one
 * line at ERR level that names the offending option and says why.
 * DPDK's everyday options that mean nothing here are accepted and ignored
 * with a DEBUG line. argv is not modified.
 */
int eal_options_parse(int argc, char **argv, struct eal_options *o);

#endif /* MEMPLANE_EAL_OPTIONS_H */
