/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/**
 * @file
 * The virtual bus "vdev": devices that exist because the program asks for
 * them, with --vdev NAME[,ARGS] on the rte_eal_init() command line or with
 * the calls below. A device's driver is the one whose name is the longest
 * prefix of the device's name ("dma_sim0" gets the driver "dma_sim").
 *
 * The bus itself knows one argument, memplane's test hook vfio=0|1: vfio=1
 * marks the device as bound to VFIO, so that DMA mapping falls back to the
 * VFIO container when its driver has no mapping of its own (as a PCI
 * device bound to vfio-pci would in DPDK). Any other argument is refused.
 */

#ifndef _RTE_BUS_VDEV_H_
#define _RTE_BUS_VDEV_H_

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Create the virtual device name and probe it, in this process.
 *
 * @param name
 *   The device's name: 1 to RTE_DEV_NAME_MAX_LEN - 1 characters, no ','.
 * @param args
 *   Its arguments ("vfio=1"), or NULL or "" for none.
 * @return
 *   0, or a negative errno, also set in rte_errno: -EINVAL (bad name or
 *   arguments), -ENOTSUP (before rte_eal_init()), -EEXIST (a device of
 *   that name exists), -ENOENT (no driver's name is a prefix of name),
 *   -ENOMEM, or the driver's probe error. On failure nothing is left.
 */
int rte_vdev_init(const char *name, const char *args);

/**
 * Remove the virtual device name: its driver lets it go and it is deleted.
 *
 * @return
 *   0, or a negative errno, also set in rte_errno: -EINVAL (bad name),
 *   -ENOENT (no such device), or the driver's remove error (the device
 *   then stays).
 */
int rte_vdev_uninit(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_BUS_VDEV_H_ */
