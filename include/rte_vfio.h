/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/**
 * @file
 * DMA mapping through a VFIO container: the fallback of rte_dev_dma_map()
 * for a device bound to VFIO whose driver has no mapping of its own.
 *
 * Only the default container exists in memplane (there is no
 * rte_vfio_container_create()). It is /dev/vfio/vfio, opened on first use
 * and kept open until rte_eal_cleanup(), since closing a container drops
 * its mappings. memplane attaches no VFIO group to it: that is the job of
 * a device driver (DPDK's rte_vfio_setup_device()), which memplane does
 * not have, so on a machine with VFIO the kernel refuses the mapping
 * until something has set the container up.
 */

#ifndef _RTE_VFIO_H_
#define _RTE_VFIO_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The default container's "file descriptor" in the calls below. */
#define RTE_VFIO_DEFAULT_CONTAINER_FD (-1)

/**
 * Map [vaddr, vaddr + len) of this process at iova in the container's
 * IOMMU, readable and writable by devices (VFIO_IOMMU_MAP_DMA).
 *
 * @param container_fd
 *   RTE_VFIO_DEFAULT_CONTAINER_FD.
 * @return
 *   0, or -1 with rte_errno: EINVAL (another container_fd, len 0),
 *   ENODEV (no /dev/vfio/vfio: VFIO is not loaded), ENOTSUP (the kernel
 *   speaks another VFIO API version), or the errno of opening the
 *   container or of the ioctl (EINVAL while no group is attached, EEXIST
 *   when iova is mapped already, EPERM, ENOMEM).
 */
int rte_vfio_container_dma_map(int container_fd, uint64_t vaddr,
		uint64_t iova, uint64_t len);

/**
 * Undo rte_vfio_container_dma_map() (VFIO_IOMMU_UNMAP_DMA).
 *
 * @return
 *   0, or -1 with rte_errno as rte_vfio_container_dma_map(), and ENOENT
 *   when nothing was mapped at [iova, iova + len).
 */
int rte_vfio_container_dma_unmap(int container_fd, uint64_t vaddr,
		uint64_t iova, uint64_t len);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_VFIO_H_ */
