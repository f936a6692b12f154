/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The memzone table's life, driven by heap_init_* and heap_cleanup:
 * created by the primary in the group's address space (so every process
 * maps it at the same address), attached by secondaries.
 */

#ifndef MEMPLANE_MEMZONE_PRIVATE_H
#define MEMPLANE_MEMZONE_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/eal/eal_memcfg.h"

/*
 * Primary: create the table with rte_memzone_max_get() entries at
 * cfg->va_end, and move cfg->va_end past it. 0 or -errno (logged).
 */
int memzone_table_create(struct eal_memcfg *cfg);

/* Secondary: map the primary's table. 0 or -errno (logged). */
int memzone_table_attach(struct eal_memcfg *cfg);

/* Unmap the table; destroy also removes its file. */
void memzone_table_release(struct eal_memcfg *cfg, bool destroy);

#endif /* MEMPLANE_MEMZONE_PRIVATE_H */
