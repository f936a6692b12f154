/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The virtual bus (DPDK's vdev): devices that exist because the program
 * asked for them, by --vdev NAME[,ARGS] or rte_vdev_init()/rte_dev_probe().
 *
 * A device's driver is the registered vdev driver whose name is the
 * longest prefix of the device's name ("dma_sim0" -> "dma_sim"; DPDK takes
 * the first match, which is the same whenever no driver's name is a prefix
 * of another's). The bus reads one argument itself, vfio=0|1, memplane's
 * test hook marking a device as bound to VFIO; it refuses any other, since
 * no driver takes arguments yet.
 *
 * A device is on the list from its creation to its deletion; only probed
 * devices (driver set) are left there outside of rte_eal_init(), where
 * --vdev devices are created first and probed after. Devices and drivers
 * are this process's; the list changes under dev_lock().
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>

#include <rte_bus_vdev.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "runtime/dev/dev_private.h"

#define VFIO_ARG "vfio="

static TAILQ_HEAD(, rte_device) vdevs = TAILQ_HEAD_INITIALIZER(vdevs);
static TAILQ_HEAD(, vdev_driver) drivers = TAILQ_HEAD_INITIALIZER(drivers);

/*
 * The built-in drivers register from constructors, and a program linked
 * with libmemplane.a gets an object of the archive only when something
 * names it. Naming them here brings them along with this bus, which
 * dev.c names, which rte_eal_init() needs.
 */
static const struct vdev_driver *const builtin_drivers[]
	__attribute__((used)) = { &dma_sim_driver };

void
vdev_driver_register(struct vdev_driver *drv)
{
	dev_lock();
	TAILQ_INSERT_TAIL(&drivers, drv, next);
	dev_unlock();
}

static struct vdev_driver *
driver_for(const char *dev_name)
{
	struct vdev_driver *drv, *best = NULL;
	size_t len, best_len = 0;

	TAILQ_FOREACH(drv, &drivers, next) {
		len = strlen(drv->driver.name);
		if (len > best_len && strncmp(dev_name, drv->driver.name, len) == 0) {
			best = drv;
			best_len = len;
		}
	}
	return best;
}

/* The vdev driver dev is bound to, or NULL. */
static const struct vdev_driver *
bound_driver(const struct rte_device *dev)
{
	if (dev->driver == NULL)
		return NULL;
	return (const struct vdev_driver *)((const char *)dev->driver -
			offsetof(struct vdev_driver, driver));
}

/* "" or comma-separated vfio=0|1 (the last one counts). 0 or -EINVAL. */
static int
parse_args(const char *name, const char *args, enum dev_kdrv *kdrv)
{
	const size_t key_len = strlen(VFIO_ARG);
	size_t len;

	*kdrv = DEV_KDRV_NONE;
	for (; *args != '\0'; args += len + (args[len] == ',')) {
		len = strcspn(args, ",");
		if (len != key_len + 1 || strncmp(args, VFIO_ARG, key_len) != 0 ||
				(args[key_len] != '0' && args[key_len] != '1')) {
			RTE_LOG(ERR, EAL, "vdev %s: unknown argument '%.*s': the virtual bus takes only vfio=0 or vfio=1\n",
				name, (int)len, args);
			return -EINVAL;
		}
		*kdrv = args[key_len] == '1' ? DEV_KDRV_VFIO : DEV_KDRV_NONE;
	}
	return 0;
}

static struct rte_device *
find_locked(const char *name)
{
	struct rte_device *dev;

	TAILQ_FOREACH(dev, &vdevs, next) {
		if (strcmp(dev->name, name) == 0)
			return dev;
	}
	return NULL;
}

/* Create the device, unprobed. 0 or -errno. pre: dev lock. */
static int
add_locked(const char *name, const char *args, struct rte_device **out)
{
	struct rte_device *dev;
	enum dev_kdrv kdrv;
	int ret = parse_args(name, args, &kdrv);

	if (ret < 0)
		return ret;
	if (find_locked(name) != NULL)
		return -EEXIST;
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL)
		return -ENOMEM;
	dev->args = strdup(args);
	if (dev->args == NULL) {
		free(dev);
		return -ENOMEM;
	}
	strlcpy(dev->name, name, sizeof(dev->name));
	dev->bus = &vdev_bus;
	dev->numa_node = SOCKET_ID_ANY;
	dev->kdrv = kdrv;
	TAILQ_INSERT_TAIL(&vdevs, dev, next);
	*out = dev;
	return 0;
}

static void
delete_locked(struct rte_device *dev)
{
	TAILQ_REMOVE(&vdevs, dev, next);
	free(dev->args);
	free(dev);
}

static int
probe_locked(struct rte_device *dev)
{
	struct vdev_driver *drv = driver_for(dev->name);
	int ret;

	if (drv == NULL) {
		RTE_LOG(ERR, EAL, "vdev %s: no driver's name is a prefix of the device's name\n",
			dev->name);
		return -ENOENT;
	}
	ret = drv->probe(dev);
	if (ret < 0) {
		RTE_LOG(ERR, EAL, "vdev %s: driver %s cannot take it: %s\n",
			dev->name, drv->driver.name, strerror(-ret));
		return ret;
	}
	dev->driver = &drv->driver;
	RTE_LOG(DEBUG, EAL, "vdev %s: probed by %s (args '%s')\n", dev->name,
		drv->driver.name, dev->args);
	return 0;
}

/* ---- bus operations ---- */

static int
vdev_scan(const struct eal_options *o)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	struct rte_device *dev;
	const char *args;
	unsigned int i;
	int ret;

	for (i = 0; i < o->n_vdevs; i++) {
		ret = dev_split(o->vdevs[i], name, &args);
		if (ret < 0) {
			RTE_LOG(ERR, EAL, "--vdev %s: a device name has 1 to %d characters\n",
				o->vdevs[i], RTE_DEV_NAME_MAX_LEN - 1);
			return ret;
		}
		ret = add_locked(name, args, &dev);
		if (ret == -EEXIST)
			RTE_LOG(ERR, EAL, "--vdev %s: device %s is given twice\n",
				o->vdevs[i], name);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
vdev_probe(void)
{
	struct rte_device *dev;
	int ret;

	TAILQ_FOREACH(dev, &vdevs, next) {
		if (dev->driver != NULL)
			continue;
		ret = probe_locked(dev);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static struct rte_device *
vdev_find_device(const struct rte_device *start, rte_dev_cmp_t cmp,
		const void *data)
{
	struct rte_device *dev;

	dev = start != NULL ? TAILQ_NEXT(start, next) : TAILQ_FIRST(&vdevs);
	for (; dev != NULL; dev = TAILQ_NEXT(dev, next)) {
		if (cmp(dev, data) == 0)
			return dev;
	}
	return NULL;
}

static int
vdev_plug(const char *name, const char *args)
{
	struct rte_device *dev;
	int ret = add_locked(name, args, &dev);

	if (ret < 0)
		return ret;
	ret = probe_locked(dev);
	if (ret < 0)
		delete_locked(dev);
	return ret;
}

static int
vdev_unplug(struct rte_device *dev)
{
	const struct vdev_driver *drv = bound_driver(dev);
	int ret = drv != NULL ? drv->remove(dev) : 0;

	if (ret < 0) {
		RTE_LOG(ERR, EAL, "vdev %s: driver %s cannot let it go: %s\n",
			dev->name, drv->driver.name, strerror(-ret));
		return ret;
	}
	delete_locked(dev);
	return 0;
}

static void
vdev_cleanup(void)
{
	struct rte_device *dev;

	while ((dev = TAILQ_FIRST(&vdevs)) != NULL) {
		/* Leaving: the device goes even if its driver complains. */
		if (vdev_unplug(dev) < 0)
			delete_locked(dev);
	}
}

static int
vdev_dma(struct rte_device *dev, void *addr, uint64_t iova, size_t len,
		bool map)
{
	const struct vdev_driver *drv = bound_driver(dev);
	dev_dma_t op = drv == NULL ? NULL : map ? drv->dma_map : drv->dma_unmap;

	if (op != NULL)
		return op(dev, addr, iova, len);
	if (dev->kdrv == DEV_KDRV_VFIO)
		return vfio_dma(RTE_VFIO_DEFAULT_CONTAINER_FD, (uintptr_t)addr,
				iova, len, map);
	return -ENOTSUP;
}

static int
vdev_dma_map(struct rte_device *dev, void *addr, uint64_t iova, size_t len)
{
	return vdev_dma(dev, addr, iova, len, true);
}

static int
vdev_dma_unmap(struct rte_device *dev, void *addr, uint64_t iova, size_t len)
{
	return vdev_dma(dev, addr, iova, len, false);
}

struct rte_bus vdev_bus = {
	.name = "vdev",
	.scan = vdev_scan,
	.probe = vdev_probe,
	.find_device = vdev_find_device,
	.plug = vdev_plug,
	.unplug = vdev_unplug,
	.cleanup = vdev_cleanup,
	.dma_map = vdev_dma_map,
	.dma_unmap = vdev_dma_unmap,
};

DEV_BUS_REGISTER(vdev_bus)

/* ---- the API ---- */

/* 1 to RTE_DEV_NAME_MAX_LEN - 1 characters, no ','. 0 or -EINVAL. */
static int
check_name(const char *name)
{
	size_t len = name != NULL ? strnlen(name, RTE_DEV_NAME_MAX_LEN) : 0;

	if (len == 0 || len == RTE_DEV_NAME_MAX_LEN || strchr(name, ',') != NULL)
		return -EINVAL;
	return 0;
}

int
rte_vdev_init(const char *name, const char *args)
{
	int ret = check_name(name);

	if (ret == 0 && !dev_eal_ready())
		ret = -ENOTSUP;
	if (ret == 0) {
		dev_lock();
		ret = vdev_plug(name, args != NULL ? args : "");
		dev_unlock();
	}
	if (ret < 0)
		rte_errno = -ret;
	return ret;
}

int
rte_vdev_uninit(const char *name)
{
	struct rte_device *dev;
	int ret = check_name(name);

	if (ret == 0) {
		dev_lock();
		dev = find_locked(name);
		ret = dev != NULL ? vdev_unplug(dev) : -ENOENT;
		dev_unlock();
	}
	if (ret < 0)
		rte_errno = -ret;
	return ret;
}
