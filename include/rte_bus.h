/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/**
 * @file
 * Buses, as DPDK 22.11 shows them to applications: an opaque struct
 * rte_bus found by name, and searches over the devices of every bus.
 * Buses register themselves when the library is loaded and stay; their
 * devices are this process's (rte_dev.h).
 */

#ifndef _RTE_BUS_H_
#define _RTE_BUS_H_

#include <rte_dev.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @return
 *   The bus named busname ("vdev"), or NULL with rte_errno: EINVAL
 *   (busname NULL), ENOENT (no such bus).
 */
struct rte_bus *rte_bus_find_by_name(const char *busname);

/**
 * @return
 *   The bus's name, or NULL with rte_errno EINVAL when bus is NULL.
 */
const char *rte_bus_name(const struct rte_bus *bus);

/**
 * The first device, bus after bus, for which cmp(dev, data) is 0.
 *
 * @param start
 *   NULL to search from the first device of the first bus; else a device
 *   to search after (for iterating over every match).
 * @param cmp
 *   Called with the device layer's lock held: it must not probe or remove
 *   devices.
 * @return
 *   The device, or NULL with rte_errno: EINVAL (cmp NULL), ENOENT (no
 *   device matches).
 */
struct rte_device *rte_bus_find_device(const struct rte_device *start,
		rte_dev_cmp_t cmp, const void *data);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_BUS_H_ */
