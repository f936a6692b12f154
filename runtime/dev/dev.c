/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The device layer's generic half: the list of buses, the rte_dev_* and
 * rte_bus_* calls, DMA map dispatch, and probing at rte_eal_init() and
 * removal at rte_eal_cleanup(). The buses do the rest (vdev.c).
 *
 * Everything here is this process's alone: devices are probed by each
 * process for itself, as in DPDK, and nothing lives in shared memory.
 * Device lists change under one recursive mutex (dev_lock); DMA mapping
 * takes no lock here (see dev_private.h for why), so a device must stay
 * probed while it is mapped through, which is the caller's contract as in
 * DPDK.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_common.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_memory.h>

#include "runtime/dev/dev_private.h"
#include "runtime/eal/eal_private.h"

static TAILQ_HEAD(, rte_bus) buses = TAILQ_HEAD_INITIALIZER(buses);
static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

void
dev_lock(void)
{
	pthread_mutex_lock(&lock);
}

void
dev_unlock(void)
{
	pthread_mutex_unlock(&lock);
}

void
dev_bus_register(struct rte_bus *bus)
{
	dev_lock();
	TAILQ_INSERT_TAIL(&buses, bus, next);
	dev_unlock();
}

bool
dev_eal_ready(void)
{
	return eal_mcfg() != NULL;
}

int
dev_api_ret(int ret)
{
	if (ret < 0) {
		rte_errno = -ret;
		return -1;
	}
	return 0;
}

int
dev_split(const char *s, char name[RTE_DEV_NAME_MAX_LEN], const char **args)
{
	size_t len = strcspn(s, ",");

	if (len == 0 || len >= RTE_DEV_NAME_MAX_LEN)
		return -EINVAL;
	memcpy(name, s, len);
	name[len] = '\0';
	*args = s[len] == ',' ? s + len + 1 : s + len;
	return 0;
}

/* ---- buses ---- */

static struct rte_bus *
find_bus(const char *name, size_t len)
{
	struct rte_bus *bus;

	TAILQ_FOREACH(bus, &buses, next) {
		if (strlen(bus->name) == len && strncmp(bus->name, name, len) == 0)
			return bus;
	}
	return NULL;
}

struct rte_bus *
rte_bus_find_by_name(const char *busname)
{
	struct rte_bus *bus;

	if (busname == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	bus = find_bus(busname, strlen(busname));
	if (bus == NULL)
		rte_errno = ENOENT;
	return bus;
}

const char *
rte_bus_name(const struct rte_bus *bus)
{
	if (bus == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	return bus->name;
}

/* Search start's bus after start, then every later bus from its first
 * device. pre: dev lock. */
static struct rte_device *
find_device_locked(const struct rte_device *start, rte_dev_cmp_t cmp,
		const void *data)
{
	struct rte_bus *bus = start != NULL ? start->bus : TAILQ_FIRST(&buses);
	struct rte_device *dev;

	for (; bus != NULL; bus = TAILQ_NEXT(bus, next), start = NULL) {
		dev = bus->find_device(start, cmp, data);
		if (dev != NULL)
			return dev;
	}
	return NULL;
}

struct rte_device *
rte_bus_find_device(const struct rte_device *start, rte_dev_cmp_t cmp,
		const void *data)
{
	struct rte_device *dev;

	if (cmp == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	dev_lock();
	dev = find_device_locked(start, cmp, data);
	dev_unlock();
	if (dev == NULL)
		rte_errno = ENOENT;
	return dev;
}

static int
cmp_name(const struct rte_device *dev, const void *name)
{
	return strcmp(dev->name, name);
}

struct rte_device *
rte_dev_find_by_name(const char *name)
{
	if (name == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	return rte_bus_find_device(NULL, cmp_name, name);
}

/* ---- accessors ---- */

const char *
rte_dev_name(const struct rte_device *dev)
{
	if (dev == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	return dev->name;
}

const struct rte_bus *
rte_dev_bus(const struct rte_device *dev)
{
	if (dev == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	return dev->bus;
}

const struct rte_driver *
rte_dev_driver(const struct rte_device *dev)
{
	if (dev == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	return dev->driver;
}

int
rte_dev_numa_node(const struct rte_device *dev)
{
	if (dev == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	return dev->numa_node;
}

const char *
rte_driver_name(const struct rte_driver *driver)
{
	if (driver == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	return driver->name;
}

int
rte_dev_is_probed(const struct rte_device *dev)
{
	if (dev == NULL) {
		rte_errno = EINVAL;
		return 0;
	}
	return dev->driver != NULL;
}

/* ---- hot-plug ---- */

/*
 * The bus that devargs names ("BUS:NAME[,ARGS]"), with *devargs moved past
 * "BUS:"; the vdev bus when the text before ':' names no bus, or there is
 * no ':' before the first ',' (DPDK takes a bare name for a vdev's).
 */
static struct rte_bus *
bus_of(const char **devargs)
{
	const char *s = *devargs;
	size_t name_len = strcspn(s, ",");
	const char *colon = memchr(s, ':', name_len);
	struct rte_bus *bus;

	if (colon == NULL)
		return &vdev_bus;
	bus = find_bus(s, (size_t)(colon - s));
	if (bus == NULL)
		return &vdev_bus;
	*devargs = colon + 1;
	return bus;
}

static int
probe(const char *devargs)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	struct rte_bus *bus;
	const char *args;
	int ret;

	if (devargs == NULL)
		return -EINVAL;
	if (!dev_eal_ready())
		return -ENOTSUP;
	bus = bus_of(&devargs);
	ret = dev_split(devargs, name, &args);
	if (ret < 0)
		return ret;
	if (bus->plug == NULL)
		return -ENOTSUP;
	dev_lock();
	ret = bus->plug(name, args);
	dev_unlock();
	return ret;
}

int
rte_dev_probe(const char *devargs)
{
	int ret = probe(devargs);

	if (ret < 0)
		rte_errno = -ret;
	return ret;
}

static int
same_device(const struct rte_device *dev, const void *data)
{
	return dev != data;
}

/* pre: dev lock. */
static int
remove_locked(struct rte_device *dev)
{
	/* Look dev up before reading it: it may have been removed. */
	if (find_device_locked(NULL, same_device, dev) == NULL ||
			dev->driver == NULL)
		return -ENOENT;
	if (dev->bus->unplug == NULL)
		return -ENOTSUP;
	return dev->bus->unplug(dev);
}

int
rte_dev_remove(struct rte_device *dev)
{
	int ret = -EINVAL;

	if (dev != NULL) {
		dev_lock();
		ret = remove_locked(dev);
		dev_unlock();
	}
	if (ret < 0)
		rte_errno = -ret;
	return ret;
}

/* ---- DMA mapping ---- */

/* Whether [addr, addr + len) lies in one memseg list the group knows. */
static bool
registered(const void *addr, size_t len)
{
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(addr);

	return msl != NULL &&
		rte_mem_virt2memseg_list(RTE_PTR_ADD(addr, len - 1)) == msl;
}

static int
dma(struct rte_device *dev, void *addr, uint64_t iova, size_t len, bool map)
{
	dev_dma_t op;

	if (dev == NULL || addr == NULL || len == 0 ||
			(uintptr_t)addr + (len - 1) < (uintptr_t)addr ||
			iova + (len - 1) < iova)
		return -EINVAL;
	op = map ? dev->bus->dma_map : dev->bus->dma_unmap;
	if (op == NULL)
		return -ENOTSUP;
	if (!registered(addr, len))
		return -EINVAL;
	return op(dev, addr, iova, len);
}

int
rte_dev_dma_map(struct rte_device *dev, void *addr, uint64_t iova, size_t len)
{
	return dev_api_ret(dma(dev, addr, iova, len, true));
}

int
rte_dev_dma_unmap(struct rte_device *dev, void *addr, uint64_t iova,
		size_t len)
{
	return dev_api_ret(dma(dev, addr, iova, len, false));
}

/* ---- the EAL's hooks ---- */

/* Run scan (or else probe) of every bus that has it. pre: dev lock. */
static int
each_bus_locked(const struct eal_options *o, bool scan)
{
	struct rte_bus *bus;
	int ret = 0;

	TAILQ_FOREACH(bus, &buses, next) {
		if (scan && bus->scan != NULL)
			ret = bus->scan(o);
		else if (!scan && bus->probe != NULL)
			ret = bus->probe();
		if (ret < 0)
			return ret;
	}
	return 0;
}

int
dev_init(const struct eal_options *o)
{
	int ret;

	dev_lock();
	ret = each_bus_locked(o, true);
	if (ret == 0)
		ret = each_bus_locked(o, false);
	dev_unlock();
	return ret;
}

void
dev_cleanup(void)
{
	struct rte_bus *bus;

	dev_lock();
	TAILQ_FOREACH(bus, &buses, next) {
		if (bus->cleanup != NULL)
			bus->cleanup();
	}
	dev_unlock();
	vfio_close();
}
