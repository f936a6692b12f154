/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The device model inside the runtime: what struct rte_bus, rte_driver and
 * rte_device hold (opaque to applications, as in DPDK 22.11), how buses and
 * vdev drivers register, and what the EAL calls at init and cleanup.
 *
 * Everything here is process-local. Buses and drivers register from
 * constructors, before main(), and are never removed, so their lists are
 * read without a lock. Devices are created and deleted under dev_lock()
 * (recursive); the bus operations below marked "pre: dev lock" are called
 * with it held. DMA operations take no lock of this layer: they may run
 * inside memory event callbacks, which hold the memory lock, and a probe
 * takes the memory lock inside dev_lock().
 *
 * Errors: internal functions and operations return 0 or -errno and never
 * touch rte_errno; the public calls convert.
 */

#ifndef MEMPLANE_DEV_PRIVATE_H
#define MEMPLANE_DEV_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bsd/sys/queue.h>

#include <rte_bus.h>
#include <rte_dev.h>

#include "runtime/eal/eal_options.h"

/* The kernel driver a device is bound to (DPDK's enum rte_kernel_driver). */
enum dev_kdrv {
	DEV_KDRV_NONE,
	DEV_KDRV_VFIO,
};

struct rte_driver {
	const char *name;
};

struct rte_device {
	TAILQ_ENTRY(rte_device) next;    /* in its bus's list */
	char name[RTE_DEV_NAME_MAX_LEN];
	char *args;                      /* after "NAME,"; "" when none */
	struct rte_bus *bus;
	const struct rte_driver *driver; /* NULL until probed */
	int numa_node;                   /* SOCKET_ID_ANY when none */
	enum dev_kdrv kdrv;
	void *priv;                      /* the driver's */
};

/* Map (or unmap) [addr, addr + len) at iova for dev. 0 or -errno.
 * pre: the range is valid and in one memseg list (rte_dev_dma_map checked). */
typedef int (*dev_dma_t)(struct rte_device *dev, void *addr, uint64_t iova,
		size_t len);

/*
 * A bus. find_device is required, every other operation optional.
 * Differs from DPDK's in one way: plug creates the device from its name
 * and arguments (DPDK inserts devargs in a global list, scans, then plugs
 * the device found), as memplane keeps no devargs list.
 */
struct rte_bus {
	TAILQ_ENTRY(rte_bus) next;
	const char *name;
	/* Create, unprobed, the devices this process was started with.
	 * pre: dev lock. */
	int (*scan)(const struct eal_options *o);
	/* Probe every device of the bus that has no driver. pre: dev lock. */
	int (*probe)(void);
	/* The first device after start (NULL: the first) that cmp matches.
	 * pre: dev lock. */
	struct rte_device *(*find_device)(const struct rte_device *start,
			rte_dev_cmp_t cmp, const void *data);
	/* Create the device name with args ("" for none) and probe it; on
	 * failure nothing is left. pre: dev lock. */
	int (*plug)(const char *name, const char *args);
	/* Let the driver go and delete the probed device dev. pre: dev lock. */
	int (*unplug)(struct rte_device *dev);
	/* Delete every device, at rte_eal_cleanup(). pre: dev lock. */
	void (*cleanup)(void);
	dev_dma_t dma_map;
	dev_dma_t dma_unmap;
};

/* A driver of the virtual bus (DPDK's struct rte_vdev_driver). */
struct vdev_driver {
	TAILQ_ENTRY(vdev_driver) next;
	struct rte_driver driver;
	/* Take dev (set dev->priv). 0 or -errno. pre: dev lock. */
	int (*probe)(struct rte_device *dev);
	/* Let dev go (free dev->priv). 0 or -errno. pre: dev lock. */
	int (*remove)(struct rte_device *dev);
	/* NULL: the bus maps through VFIO when the device is bound to it,
	 * and refuses (-ENOTSUP) otherwise. */
	dev_dma_t dma_map;
	dev_dma_t dma_unmap;
};

/* The virtual bus; the default bus of rte_dev_probe(). */
extern struct rte_bus vdev_bus;
/* The built-in vdev driver (dma_sim.c). */
extern struct vdev_driver dma_sim_driver;

/* Add bus / drv to the list. Called from the constructors below. */
void dev_bus_register(struct rte_bus *bus);
void vdev_driver_register(struct vdev_driver *drv);

/* Register the struct rte_bus bus when the library is loaded. */
#define DEV_BUS_REGISTER(bus) \
	static void __attribute__((constructor)) \
	dev_bus_register_ ## bus(void) \
	{ \
		dev_bus_register(&(bus)); \
	}

/* Register the struct vdev_driver drv under the name nm when the library
 * is loaded (DPDK's RTE_PMD_REGISTER_VDEV). */
#define VDEV_DRIVER_REGISTER(nm, drv) \
	static void __attribute__((constructor)) \
	vdev_driver_register_ ## nm(void) \
	{ \
		(drv).driver.name = #nm; \
		vdev_driver_register(&(drv)); \
	}

/* The process-local lock of the device lists (recursive). */
void dev_lock(void);
void dev_unlock(void);

/*
 * Split "NAME[,ARGS]" into name and *args (pointing into s, "" when there
 * are none). 0, or -EINVAL when NAME is empty or RTE_DEV_NAME_MAX_LEN
 * characters or more.
 */
int dev_split(const char *s, char name[RTE_DEV_NAME_MAX_LEN],
		const char **args);

/* The edge of a public call answering 0/-1: 0, or -1 with rte_errno -ret. */
int dev_api_ret(int ret);

/* Whether rte_eal_init() has set up memory, so devices may be probed. */
bool dev_eal_ready(void);

/*
 * rte_eal_init(): every bus scans (the vdev bus creates a device for each
 * --vdev), then probes what it found. 0, or the first -errno (logged); the
 * devices made so far stay for dev_cleanup().
 */
int dev_init(const struct eal_options *o);

/* rte_eal_cleanup(): remove every device and close the VFIO container. */
void dev_cleanup(void);

/* vfio.c */

/*
 * rte_vfio_container_dma_map()/unmap() (map selects which) without the
 * rte_errno: 0 or -errno.
 */
int vfio_dma(int container_fd, uint64_t vaddr, uint64_t iova, uint64_t len,
		bool map);

/* Close the default container if it is open (its mappings go with it). */
void vfio_close(void);

#endif /* MEMPLANE_DEV_PRIVATE_H */
