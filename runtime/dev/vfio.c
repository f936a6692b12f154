/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * DMA mapping through VFIO's default container, the fallback of the vdev
 * bus for a device bound to VFIO whose driver maps nothing itself.
 *
 * The container (/dev/vfio/vfio) is opened on first use, its API version
 * checked, and kept open until dev_cleanup(): a container's mappings live
 * as long as its descriptor. Nothing here attaches a VFIO group or chooses
 * an IOMMU type (a driver's work, which memplane has no driver doing), so
 * the kernel refuses mappings on a machine that has VFIO; where VFIO is
 * absent the answer is ENODEV. Process-local, under one mutex, held across
 * the ioctl so that dev_cleanup() cannot close the descriptor under it.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/vfio.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_vfio.h>

#include "common/os_prim.h"
#include "runtime/dev/dev_private.h"

#define VFIO_CONTAINER_PATH "/dev/vfio/vfio"

static pthread_mutex_t vfio_lock = PTHREAD_MUTEX_INITIALIZER;
static int default_fd = -1; /* the default container, -1 until opened */

/* The default container's descriptor, or -errno. pre: vfio_lock held. */
static int
default_container_locked(void)
{
	int fd, version;

	if (default_fd >= 0)
		return default_fd;
	fd = os_prim.open(VFIO_CONTAINER_PATH, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		return errno == ENOENT || errno == ENXIO ? -ENODEV : -errno;
	version = ioctl(fd, VFIO_GET_API_VERSION);
	if (version != VFIO_API_VERSION) {
		RTE_LOG(ERR, EAL, "%s speaks VFIO API version %d, memplane only %d\n",
			VFIO_CONTAINER_PATH, version, VFIO_API_VERSION);
		os_prim.close(fd);
		return -ENOTSUP;
	}
	default_fd = fd;
	return fd;
}

static int
map_dma(int fd, uint64_t vaddr, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = vaddr,
		.iova = iova,
		.size = len,
	};

	return ioctl(fd, VFIO_IOMMU_MAP_DMA, &m) == 0 ? 0 : -errno;
}

static int
unmap_dma(int fd, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = iova,
		.size = len,
	};

	if (ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &u) != 0)
		return -errno;
	/* The kernel writes back how much it unmapped. */
	return u.size == 0 ? -ENOENT : 0;
}

int
vfio_dma(int container, uint64_t vaddr, uint64_t iova, uint64_t len, bool map)
{
	int fd, ret;

	if (container != RTE_VFIO_DEFAULT_CONTAINER_FD || len == 0)
		return -EINVAL;
	pthread_mutex_lock(&vfio_lock);
	fd = default_container_locked();
	ret = fd < 0 ? fd : map ? map_dma(fd, vaddr, iova, len) :
		unmap_dma(fd, iova, len);
	pthread_mutex_unlock(&vfio_lock);
	if (ret < 0)
		RTE_LOG(DEBUG, EAL, "VFIO %s of IOVA 0x%" PRIx64 " (%" PRIu64 " bytes): %s\n",
			map ? "map" : "unmap", iova, len, strerror(-ret));
	return ret;
}

void
vfio_close(void)
{
	pthread_mutex_lock(&vfio_lock);
	if (default_fd >= 0)
		os_prim.close(default_fd);
	default_fd = -1;
	pthread_mutex_unlock(&vfio_lock);
}

int
rte_vfio_container_dma_map(int container_fd, uint64_t vaddr, uint64_t iova,
		uint64_t len)
{
	return dev_api_ret(vfio_dma(container_fd, vaddr, iova, len, true));
}

int
rte_vfio_container_dma_unmap(int container_fd, uint64_t vaddr, uint64_t iova,
		uint64_t len)
{
	return dev_api_ret(vfio_dma(container_fd, vaddr, iova, len, false));
}
