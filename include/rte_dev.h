/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/**
 * @file
 * Devices, as DPDK 22.11 shows them to applications: an opaque struct
 * rte_device read through accessors, hot-plug by devargs string, and DMA
 * mapping of memory for a device.
 *
 * Devices belong to the process that probed them (as in DPDK, every
 * process of a group probes its own): a device probed in the primary does
 * not exist in a secondary until the secondary probes it too. memplane has
 * one bus with devices, the virtual bus "vdev" (rte_bus_vdev.h), and one
 * driver on it, the simulated DMA device "dma_sim" (rte_dma_sim.h); see
 * docs/DEVICES.md.
 *
 * A struct rte_device pointer stays valid until the device is removed
 * (rte_dev_remove(), rte_vdev_uninit(), rte_eal_cleanup()); using it after
 * that is undefined, as in DPDK.
 */

#ifndef _RTE_DEV_H_
#define _RTE_DEV_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_bus;
struct rte_device;
struct rte_driver;

/** Longest device name, its NUL included. */
#define RTE_DEV_NAME_MAX_LEN 64

/**
 * A device comparison for searches: 0 when dev matches data, anything
 * else when it does not.
 */
typedef int (*rte_dev_cmp_t)(const struct rte_device *dev, const void *data);

/**
 * @return
 *   The device's name ("dma_sim0"), or NULL with rte_errno EINVAL when dev
 *   is NULL.
 */
const char *rte_dev_name(const struct rte_device *dev);

/**
 * @return
 *   The bus the device is on, or NULL with rte_errno EINVAL when dev is
 *   NULL.
 */
const struct rte_bus *rte_dev_bus(const struct rte_device *dev);

/**
 * @return
 *   The driver the device is bound to, NULL when it has none (not probed),
 *   or NULL with rte_errno EINVAL when dev is NULL.
 */
const struct rte_driver *rte_dev_driver(const struct rte_device *dev);

/**
 * @return
 *   The device's NUMA node, SOCKET_ID_ANY (-1) when it has none (every
 *   virtual device), or -1 with rte_errno EINVAL when dev is NULL.
 */
int rte_dev_numa_node(const struct rte_device *dev);

/**
 * @return
 *   The driver's name ("dma_sim"), or NULL with rte_errno EINVAL when
 *   driver is NULL.
 */
const char *rte_driver_name(const struct rte_driver *driver);

/**
 * @return
 *   1 when a driver has probed the device, 0 when not, and 0 with
 *   rte_errno EINVAL when dev is NULL.
 */
int rte_dev_is_probed(const struct rte_device *dev);

/**
 * Create a device and probe it, in this process only.
 *
 * @param devargs
 *   "BUS:NAME[,ARGS]" where BUS is a bus's name ("vdev:dma_sim1"), or,
 *   as in DPDK, "NAME[,ARGS]" for a virtual device ("dma_sim1,vfio=1").
 *   NAME has fewer than RTE_DEV_NAME_MAX_LEN characters.
 * @return
 *   0, or a negative errno, also set in rte_errno: -EINVAL (devargs NULL,
 *   empty name or too long, arguments the bus refuses), -ENOTSUP (before
 *   rte_eal_init(), or the bus cannot hot-plug), -EEXIST (a device of
 *   that name exists), -ENOENT (no driver for the name), -ENOMEM, or the
 *   driver's probe error.
 */
int rte_dev_probe(const char *devargs);

/**
 * Unbind the device from its driver and delete it; dev is invalid after.
 *
 * @return
 *   0, or a negative errno, also set in rte_errno: -EINVAL (dev NULL),
 *   -ENOENT (dev is not a probed device of this process), -ENOTSUP (its
 *   bus cannot hot-unplug), or the driver's remove error (the device then
 *   stays).
 */
int rte_dev_remove(struct rte_device *dev);

/**
 * Let the device reach [addr, addr + len) at the device address iova
 * (DMA mapping). The bus passes the request to the device's driver, or,
 * when the driver has no mapping of its own and the device is bound to
 * VFIO, to the default VFIO container (rte_vfio.h). Takes no lock of the
 * device layer: it may be called from a memory event callback.
 *
 * @param addr
 *   Start of memory the group knows: runtime memory, memory added to a
 *   named heap, or memory registered with rte_extmem_register(). The
 *   whole range must lie in one memseg list.
 * @return
 *   0, or -1 with rte_errno: EINVAL (dev or addr NULL, len 0, addr + len
 *   or iova + len past the end of the address space, the range not in one
 *   memseg list), ENOTSUP (the bus, driver and kernel driver offer no DMA
 *   mapping), ENODEV (VFIO fallback: no /dev/vfio/vfio), or the driver's
 *   error (dma_sim: EEXIST when the IOVA range overlaps a mapping the
 *   device has, ENOMEM).
 */
int rte_dev_dma_map(struct rte_device *dev, void *addr, uint64_t iova,
		size_t len);

/**
 * Undo rte_dev_dma_map() with the same addr, iova and len.
 *
 * @return
 *   0, or -1 with rte_errno as rte_dev_dma_map(), and ENOENT when the
 *   device has no mapping of exactly that range made by rte_dev_dma_map()
 *   (dma_sim; VFIO: nothing was mapped at iova).
 */
int rte_dev_dma_unmap(struct rte_device *dev, void *addr, uint64_t iova,
		size_t len);

/**
 * memplane only (DPDK has no such call): the device of this process named
 * name, on any bus. The same as rte_bus_find_device() with a comparison
 * of names.
 *
 * @return
 *   The device, or NULL with rte_errno: EINVAL (name NULL), ENOENT (no
 *   such device).
 */
struct rte_device *rte_dev_find_by_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_DEV_H_ */
