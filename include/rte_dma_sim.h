/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/**
 * @file
 * memplane only (DPDK has no such device): "dma_sim", a simulated DMA
 * device on the virtual bus, for testing DMA mapping without hardware.
 * Create one with --vdev dma_sim0 or rte_vdev_init("dma_sim0", NULL).
 *
 * The device keeps a table of IOVA ranges mapped to it (IOVA -> virtual
 * address) and a copy engine that moves bytes between IOVAs through that
 * table, refusing any byte that is not mapped, as an IOMMU would. Its
 * table is filled in three ways (docs/DEVICES.md):
 *  - when probed, it maps every page of the group's memory that has an
 *    IOVA (runtime memory and named heaps' memory, not memory registered
 *    with rte_extmem_register() alone);
 *  - it follows memory events: pages arriving with an IOVA are mapped,
 *    pages leaving are unmapped;
 *  - rte_dev_dma_map()/rte_dev_dma_unmap() add and remove mappings
 *    explicitly. Memory events never remove those.
 * No two mappings of a device overlap in IOVA space.
 */

#ifndef _RTE_DMA_SIM_H_
#define _RTE_DMA_SIM_H_

#include <stddef.h>
#include <stdint.h>

#include <rte_dev.h>
#include <rte_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What a dma_sim device has mapped and done. */
struct rte_dma_sim_stats {
	uint64_t mappings;        /**< IOVA ranges mapped now. */
	uint64_t bytes_mapped;    /**< Their total length. */
	uint64_t event_bytes;     /**< The part mapped from the group's page
				   *   tables (at probe and by memory events);
				   *   the rest came from rte_dev_dma_map(). */
	uint64_t copies;          /**< Copies done. */
	uint64_t bytes_copied;    /**< Bytes they moved. */
	uint64_t copies_refused;  /**< Copies refused for an unmapped IOVA. */
};

/**
 * Copy len bytes from IOVA src to IOVA dst, as the device would by DMA.
 * Each range may span several adjacent mappings. Either everything is
 * copied or nothing is. When source and destination overlap in memory,
 * the result is memmove()'s if each range lies in one mapping; across
 * several mappings, chunks are copied in ascending order.
 *
 * @return
 *   0, or -1 with rte_errno: EINVAL (dev NULL, len 0, a range past the end
 *   of the IOVA space), ENOTSUP (dev is not a dma_sim device), EFAULT
 *   (some byte of either range is not mapped to the device; an ERR log
 *   line names the device and the range).
 */
int rte_dma_sim_copy(struct rte_device *dev, rte_iova_t dst, rte_iova_t src,
		size_t len);

/**
 * @return
 *   1 when every byte of [iova, iova + len) is mapped to the device, 0
 *   when some is not, -1 with rte_errno: EINVAL (dev NULL, len 0, the
 *   range past the end of the IOVA space), ENOTSUP (not a dma_sim device).
 */
int rte_dma_sim_mapped(const struct rte_device *dev, rte_iova_t iova,
		size_t len);

/**
 * Fill st with the device's counts.
 *
 * @return
 *   0, or -1 with rte_errno: EINVAL (dev or st NULL), ENOTSUP (not a
 *   dma_sim device).
 */
int rte_dma_sim_stats_get(const struct rte_device *dev,
		struct rte_dma_sim_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_DMA_SIM_H_ */
