/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Tests of the device model (rte_dev.h, rte_bus.h, rte_bus_vdev.h), DMA
 * mapping (rte_dev_dma_map, rte_vfio.h) and the simulated DMA device
 * (rte_dma_sim.h).
 *
 * This binary adds a bus and vdev drivers of its own through the runtime's
 * private header: "testbus" with one device no driver ever probes and no
 * DMA or hot-plug operation, and vdev drivers without DMA mapping
 * ("test_nodma", "test_nodma_ext" for longest-prefix matching), one whose
 * probe fails and one whose remove fails until told otherwise.
 *
 * Suites:
 *   dev_noinit    everything before rte_eal_init(), and VFIO (absent here)
 *   dev_cmdline   --vdev on the command line: probed at init, removed at
 *                 cleanup, and each way a --vdev makes init fail
 *   dev_va        an in-process primary, --no-huge --iova-mode=va --vdev
 *                 dma_sim0: the API, errors, and the seeds' mode 1 (runtime
 *                 memory mapped at probe and by memory events), explicit
 *                 mappings, the copy engine
 *   dev_pa        the same mode-1 tests with physical IOVAs (root only;
 *                 4 KiB pages, so every page is its own IOVA run)
 *   dev_mp        a secondary probes its own dma_sim, which maps the
 *                 group's memory and copies a block of the primary's
 *
 * Modes 2 and 3 (external memory) use the helpers sim_device(),
 * check_copy(), check_copy_refused(), sim_follows_memory() and
 * sim_explicit_bytes() below.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_bus.h>
#include <rte_bus_vdev.h>
#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dma_sim.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "runtime/dev/dev_private.h"
#include "test/lib/test_assert.h"
#include "test/lib/test_main.h"
#include "test/lib/test_util.h"
#include "test/mp/harness.h"

#define VFIO_PATH "/dev/vfio/vfio"
#define SMALL_SZ 3000           /* a block within one page, in PA mode too */
#define MULTI_SZ (64U << 10)    /* a block over many 4 KiB pages */
#define GROW_SZ (8U << 20)      /* a block that makes the heap grow */
#define ALIAS ((rte_iova_t)1 << 60) /* IOVAs no page of the group has */
#define N_CYCLES 50             /* probe/remove rounds of the leak test */
#define EXT_SZ (1U << 20)       /* an external area of 4 KiB pages */
#define EXT_IOVA (ALIAS + ((rte_iova_t)1 << 40)) /* its IOVAs, given */
#define START_S 60              /* valgrind needs seconds to run a member */

/* ==== this binary's bus and drivers ==== */

static struct rte_device *test_bus_find(const struct rte_device *start,
		rte_dev_cmp_t cmp, const void *data);

/* No scan, probe, plug, unplug or DMA: one device, never probed. */
static struct rte_bus test_bus = {
	.name = "testbus",
	.find_device = test_bus_find,
};

DEV_BUS_REGISTER(test_bus)

static struct rte_device unprobed = {
	.name = "test_unprobed0",
	.bus = &test_bus,
	.numa_node = 3,
};

static struct rte_device *
test_bus_find(const struct rte_device *start, rte_dev_cmp_t cmp,
		const void *data)
{
	if (start == NULL && cmp(&unprobed, data) == 0)
		return &unprobed;
	return NULL;
}

static int
take_any(struct rte_device *dev __rte_unused)
{
	return 0;
}

static int
refuse_probe(struct rte_device *dev __rte_unused)
{
	return -EIO;
}

static bool stuck = true; /* test_stuck's remove fails while set */

static int
remove_unless_stuck(struct rte_device *dev __rte_unused)
{
	return stuck ? -EBUSY : 0;
}

static struct vdev_driver nodma_driver = {
	.probe = take_any,
	.remove = take_any,
};

static struct vdev_driver nodma_ext_driver = {
	.probe = take_any,
	.remove = take_any,
};

static struct vdev_driver failprobe_driver = {
	.probe = refuse_probe,
	.remove = take_any,
};

static struct vdev_driver stuck_driver = {
	.probe = take_any,
	.remove = remove_unless_stuck,
};

VDEV_DRIVER_REGISTER(test_nodma, nodma_driver)
VDEV_DRIVER_REGISTER(test_nodma_ext, nodma_ext_driver)
VDEV_DRIVER_REGISTER(test_failprobe, failprobe_driver)
VDEV_DRIVER_REGISTER(test_stuck, stuck_driver)

/* ==== helpers (also for the tests of modes 2 and 3) ==== */

/* What the running suite started. */
static struct {
	char dir[PATH_MAX];
	char prefix[64];
	bool inited;
	bool va;                    /* IOVA == VA */
} fx;

/* Fill n bytes at p with the pattern of seed, or (fill false) tell whether
 * they hold it. */
static bool
pattern(void *p, size_t n, unsigned int seed, bool fill)
{
	uint8_t *c = p, b;
	size_t i;

	for (i = 0; i < n; i++) {
		b = (uint8_t)(((i + seed) * 2654435761U) >> 13);
		if (fill)
			c[i] = b;
		else if (c[i] != b)
			return false;
	}
	return true;
}

/* The probed device name, or NULL (a failed assertion). */
static struct rte_device *
sim_device(const char *name)
{
	struct rte_device *dev = rte_dev_find_by_name(name);

	CU_ASSERT_PTR_NOT_NULL(dev);
	CU_ASSERT(dev != NULL && rte_dev_is_probed(dev) == 1);
	return dev;
}

/* The IOVA of any byte of a used page of the group. */
static rte_iova_t
iova_of(const void *p)
{
	const struct rte_memseg *ms = rte_mem_virt2memseg(p, NULL);

	if (ms == NULL || ms->iova == RTE_BAD_IOVA)
		return RTE_BAD_IOVA;
	return ms->iova + RTE_PTR_DIFF(p, ms->addr);
}

static struct rte_dma_sim_stats
sim_stats(const struct rte_device *dev)
{
	struct rte_dma_sim_stats st;

	memset(&st, 0, sizeof(st));
	CU_ASSERT_EQUAL(rte_dma_sim_stats_get(dev, &st), 0);
	return st;
}

/* Bytes dev has mapped through rte_dev_dma_map(). */
static uint64_t
sim_explicit_bytes(const struct rte_device *dev)
{
	struct rte_dma_sim_stats st = sim_stats(dev);

	return st.bytes_mapped - st.event_bytes;
}

/*
 * Fill src (at src_iova for the device) with a pattern and dst with zeros,
 * have dev copy len bytes, and check dst got the pattern and the device
 * counted the copy.
 */
static void
check_copy(struct rte_device *dev, void *dst, rte_iova_t dst_iova,
		void *src, rte_iova_t src_iova, size_t len)
{
	uint64_t copies = sim_stats(dev).copies;

	pattern(src, len, 7, true);
	memset(dst, 0, len);
	CU_ASSERT_EQUAL(rte_dma_sim_copy(dev, dst_iova, src_iova, len), 0);
	CU_ASSERT(pattern(dst, len, 7, false));
	CU_ASSERT_EQUAL(sim_stats(dev).copies, copies + 1);
}

/*
 * dev must refuse to copy len bytes from src_iova to dst_iova with EFAULT
 * and count the refusal; dst (dst_iova's bytes in this process, or NULL
 * when they are not mapped here) must not change.
 */
static void
check_copy_refused(struct rte_device *dev, void *dst, rte_iova_t dst_iova,
		rte_iova_t src_iova, size_t len)
{
	uint64_t refused = sim_stats(dev).copies_refused;

	if (dst != NULL)
		pattern(dst, len, 0xa5, true);
	CHECK_ERR(rte_dma_sim_copy(dev, dst_iova, src_iova, len) == -1, EFAULT);
	if (dst != NULL)
		CU_ASSERT(pattern(dst, len, 0xa5, false));
	CU_ASSERT_EQUAL(sim_stats(dev).copies_refused, refused + 1);
}

struct follow {
	const struct rte_device *dev;
	uint64_t bytes;             /* of pages with an IOVA */
	unsigned int missing;       /* of those, pages the device lacks */
};

static int
count_page(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	struct follow *f = arg;

	if (ms->iova == RTE_BAD_IOVA || (msl->external && !msl->heap))
		return 0;
	f->bytes += ms->len;
	if (rte_dma_sim_mapped(f->dev, ms->iova, ms->len) != 1)
		f->missing++;
	return 0;
}

/*
 * 0 when dev's event mappings are exactly the group's pages with an IOVA
 * (registered-only memory aside): all mapped, and no byte more. Else a
 * line number (for a secondary's report).
 */
static int
sim_follows_memory(const struct rte_device *dev)
{
	struct follow f = { .dev = dev };
	struct rte_dma_sim_stats st;

	if (rte_memseg_walk(count_page, &f) != 0)
		return __LINE__;
	if (f.missing != 0)
		return __LINE__;
	if (rte_dma_sim_stats_get(dev, &st) != 0 || st.event_bytes != f.bytes)
		return __LINE__;
	return 0;
}

/* ==== EAL start and stop ==== */

static int
eal_start(const char *ptype, const char *const opts[])
{
	char *argv[16];
	int argc = 0;

	argv[argc++] = "test_dev";
	argv[argc++] = "--file-prefix";
	argv[argc++] = fx.prefix;
	argv[argc++] = "-l";
	argv[argc++] = "0";
	argv[argc++] = (char *)ptype;
	while (opts != NULL && *opts != NULL && argc < 15)
		argv[argc++] = (char *)*opts++;
	argv[argc] = NULL;
	return rte_eal_init(argc, argv) < 0 ? -1 : 0;
}

/* A runtime directory and prefix for the suite named name. */
static int
fixture_begin(const char *name)
{
	memset(&fx, 0, sizeof(fx));
	snprintf(fx.prefix, sizeof(fx.prefix), "dev%d%s", (int)getpid(), name);
	if (test_dir_create(fx.dir, sizeof(fx.dir)) < 0)
		return -1;
	return setenv("RUNTIME_DIRECTORY", fx.dir, 1);
}

static int
fixture_end(void)
{
	int ret = fx.inited ? rte_eal_cleanup() : 0;

	fx.inited = false;
	test_dir_remove(fx.dir);
	unsetenv("RUNTIME_DIRECTORY");
	return ret;
}

static int
suite_start(const char *name, const char *iova_opt)
{
	const char *opts[] = { "--no-huge", iova_opt, "--vdev", "dma_sim0",
		NULL };

	if (fixture_begin(name) < 0)
		return -1;
	if (eal_start("--proc-type=primary", opts) < 0) {
		fprintf(stderr, "test_dev: rte_eal_init (%s): %s\n", name,
				rte_strerror(rte_errno));
		fixture_end();
		return -1;
	}
	fx.inited = true;
	fx.va = rte_eal_iova_mode() == RTE_IOVA_VA;
	return 0;
}

static int
init_va(void)
{
	return suite_start("va", "--iova-mode=va");
}

static int
init_pa(void)
{
	return suite_start("pa", "--iova-mode=pa");
}

static int
init_cmdline(void)
{
	return fixture_begin("cmd");
}

/* ==== dev_noinit ==== */

static void
test_noinit_probe_enotsup(void)
{
	CHECK_ERR(rte_vdev_init("dma_sim0", NULL) == -ENOTSUP, ENOTSUP);
	CHECK_ERR(rte_dev_probe("dma_sim0") == -ENOTSUP, ENOTSUP);
	CHECK_ERR(rte_dev_probe("vdev:dma_sim0") == -ENOTSUP, ENOTSUP);
	CHECK_ERR(rte_dev_find_by_name("dma_sim0") == NULL, ENOENT);
	CHECK_ERR(rte_vdev_uninit("dma_sim0") == -ENOENT, ENOENT);
}

static void
test_noinit_buses(void)
{
	struct rte_bus *vdev = rte_bus_find_by_name("vdev");

	CU_ASSERT_PTR_NOT_NULL_FATAL(vdev);
	CU_ASSERT_STRING_EQUAL(rte_bus_name(vdev), "vdev");
	CU_ASSERT_STRING_EQUAL(rte_bus_name(rte_bus_find_by_name("testbus")),
			"testbus");
	CHECK_ERR(rte_bus_find_by_name("pci") == NULL, ENOENT);
	CHECK_ERR(rte_bus_find_by_name("") == NULL, ENOENT);
	CU_ASSERT_PTR_EQUAL(rte_dev_find_by_name("test_unprobed0"), &unprobed);
}

/* Every accessor and call with NULL or empty arguments. */
static void
test_dev_invalid(void)
{
	char long_name[RTE_DEV_NAME_MAX_LEN + 1];
	int x = 0;

	memset(long_name, 'a', RTE_DEV_NAME_MAX_LEN);
	long_name[RTE_DEV_NAME_MAX_LEN] = '\0';
	CHECK_ERR(rte_dev_name(NULL) == NULL, EINVAL);
	CHECK_ERR(rte_dev_bus(NULL) == NULL, EINVAL);
	CHECK_ERR(rte_dev_driver(NULL) == NULL, EINVAL);
	CHECK_ERR(rte_dev_numa_node(NULL) == -1, EINVAL);
	CHECK_ERR(rte_driver_name(NULL) == NULL, EINVAL);
	CHECK_ERR(rte_dev_is_probed(NULL) == 0, EINVAL);
	CHECK_ERR(rte_dev_probe(NULL) == -EINVAL, EINVAL);
	CHECK_ERR(rte_dev_remove(NULL) == -EINVAL, EINVAL);
	CHECK_ERR(rte_dev_find_by_name(NULL) == NULL, EINVAL);
	CHECK_ERR(rte_bus_find_by_name(NULL) == NULL, EINVAL);
	CHECK_ERR(rte_bus_name(NULL) == NULL, EINVAL);
	CHECK_ERR(rte_bus_find_device(NULL, NULL, "x") == NULL, EINVAL);
	CHECK_ERR(rte_vdev_init(NULL, NULL) == -EINVAL, EINVAL);
	CHECK_ERR(rte_vdev_init("", NULL) == -EINVAL, EINVAL);
	CHECK_ERR(rte_vdev_init(long_name, NULL) == -EINVAL, EINVAL);
	CHECK_ERR(rte_vdev_init("dma_sim0,vfio=1", NULL) == -EINVAL, EINVAL);
	CHECK_ERR(rte_vdev_uninit(NULL) == -EINVAL, EINVAL);
	CHECK_ERR(rte_vdev_uninit("") == -EINVAL, EINVAL);
	CHECK_ERR(rte_vdev_uninit(long_name) == -EINVAL, EINVAL);
	CHECK_ERR(rte_dev_dma_map(NULL, &x, 0, 1) == -1, EINVAL);
	CHECK_ERR(rte_dev_dma_unmap(NULL, &x, 0, 1) == -1, EINVAL);
	CHECK_ERR(rte_dma_sim_copy(NULL, 0, 0, 1) == -1, EINVAL);
	CHECK_ERR(rte_dma_sim_mapped(NULL, 0, 1) == -1, EINVAL);
	CHECK_ERR(rte_dma_sim_stats_get(NULL, NULL) == -1, EINVAL);
}

/* The test bus's device: no driver, no DMA, no hot-plug. */
static void
test_unprobed_device(void)
{
	struct rte_dma_sim_stats st;
	int x = 0;

	CU_ASSERT_STRING_EQUAL(rte_dev_name(&unprobed), "test_unprobed0");
	CU_ASSERT_PTR_EQUAL(rte_dev_bus(&unprobed),
			rte_bus_find_by_name("testbus"));
	CU_ASSERT_EQUAL(rte_dev_numa_node(&unprobed), 3);
	CU_ASSERT_PTR_NULL(rte_dev_driver(&unprobed));
	CU_ASSERT_EQUAL(rte_dev_is_probed(&unprobed), 0);
	CHECK_ERR(rte_dev_remove(&unprobed) == -ENOENT, ENOENT);
	CHECK_ERR(rte_dev_dma_map(&unprobed, &x, 0, sizeof(x)) == -1, ENOTSUP);
	CHECK_ERR(rte_dev_dma_unmap(&unprobed, &x, 0, sizeof(x)) == -1, ENOTSUP);
	CHECK_ERR(rte_dma_sim_copy(&unprobed, 0, 0, 1) == -1, ENOTSUP);
	CHECK_ERR(rte_dma_sim_mapped(&unprobed, 0, 1) == -1, ENOTSUP);
	CHECK_ERR(rte_dma_sim_stats_get(&unprobed, &st) == -1, ENOTSUP);
}

/* What rte_vfio_container_dma_map() answers on this machine. */
static int
vfio_errno(void)
{
	return access(VFIO_PATH, F_OK) != 0 ? ENODEV : EINVAL;
}

/*
 * There is no /dev/vfio here: ENODEV. Where there is one, no group is
 * attached to the container, and the kernel answers EINVAL (or opening it
 * fails with EACCES for an unprivileged user).
 */
static void
test_vfio_container(void)
{
	int x = 0, want = vfio_errno();
	uint64_t va = (uintptr_t)&x;

	CHECK_ERR(rte_vfio_container_dma_map(5, va, va, 4096) == -1, EINVAL);
	CHECK_ERR(rte_vfio_container_dma_unmap(5, va, va, 4096) == -1, EINVAL);
	CHECK_ERR(rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
			va, va, 0) == -1, EINVAL);
	rte_errno = 0;
	CU_ASSERT_EQUAL(rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
			va, va, 4096), -1);
	CU_ASSERT(rte_errno == want || (want == EINVAL && rte_errno == EACCES));
	rte_errno = 0;
	CU_ASSERT_EQUAL(rte_vfio_container_dma_unmap(
			RTE_VFIO_DEFAULT_CONTAINER_FD, va, va, 4096), -1);
	CU_ASSERT(rte_errno == want || (want == EINVAL && rte_errno == EACCES));
}

/* ==== dev_cmdline ==== */

/* rte_eal_init with opts must fail with err and leave no device. */
static void
expect_init_fails(const char *const opts[], int err)
{
	int fds = test_count_fds();

	rte_errno = 0;
	CU_ASSERT_EQUAL(eal_start("--proc-type=primary", opts), -1);
	CU_ASSERT_EQUAL(rte_errno, err);
	CHECK_ERR(rte_dev_find_by_name("dma_sim0") == NULL, ENOENT);
	CHECK_ERR(rte_dev_find_by_name("dma_sim1") == NULL, ENOENT);
	CU_ASSERT_EQUAL(test_count_fds(), fds);
}

static void
test_cmdline_bad_vdevs(void)
{
	char long_name[RTE_DEV_NAME_MAX_LEN + 1];
	const char *no_driver[] = { "--no-huge", "--vdev", "dma_sim0",
		"--vdev", "nosuch0", NULL };
	const char *twice[] = { "--no-huge", "--vdev", "dma_sim0", "--vdev",
		"dma_sim0,vfio=1", NULL };
	const char *bad_arg[] = { "--no-huge", "--vdev", "dma_sim0,size=4",
		NULL };
	const char *bad_vfio[] = { "--no-huge", "--vdev", "dma_sim0,vfio=2",
		NULL };
	const char *too_long[] = { "--no-huge", "--vdev", long_name, NULL };
	const char *failing[] = { "--no-huge", "--vdev", "dma_sim1",
		"--vdev", "test_failprobe0", NULL };

	memset(long_name, 'd', RTE_DEV_NAME_MAX_LEN);
	long_name[RTE_DEV_NAME_MAX_LEN] = '\0';
	expect_init_fails(no_driver, ENOENT);
	expect_init_fails(twice, EEXIST);
	expect_init_fails(bad_arg, EINVAL);
	expect_init_fails(bad_vfio, EINVAL);
	expect_init_fails(too_long, EINVAL);
	expect_init_fails(failing, EIO);
}

/* --vdev devices are probed at init and gone after cleanup. */
static void
test_cmdline_probe_and_cleanup(void)
{
	const char *opts[] = { "--no-huge", "--iova-mode=va", "--vdev",
		"dma_sim0", "--vdev", "test_nodma0,vfio=1", "--vdev",
		"dma_sim1,vfio=0", NULL };
	struct rte_device *dev;

	CU_ASSERT_EQUAL_FATAL(eal_start("--proc-type=primary", opts), 0);
	fx.inited = true;
	dev = sim_device("dma_sim0");
	CU_ASSERT_STRING_EQUAL(rte_driver_name(rte_dev_driver(dev)), "dma_sim");
	CU_ASSERT_STRING_EQUAL(rte_bus_name(rte_dev_bus(dev)), "vdev");
	CU_ASSERT_EQUAL(sim_follows_memory(dev), 0);
	dev = sim_device("test_nodma0");
	CU_ASSERT_STRING_EQUAL(rte_driver_name(rte_dev_driver(dev)),
			"test_nodma");
	sim_device("dma_sim1");
	CU_ASSERT_EQUAL(rte_eal_cleanup(), 0);
	fx.inited = false;
	CHECK_ERR(rte_dev_find_by_name("dma_sim0") == NULL, ENOENT);
	CHECK_ERR(rte_dev_find_by_name("test_nodma0") == NULL, ENOENT);
	CHECK_ERR(rte_dev_find_by_name("dma_sim1") == NULL, ENOENT);
	CU_ASSERT_PTR_EQUAL(rte_dev_find_by_name("test_unprobed0"), &unprobed);
}

/* ==== dev_va and dev_pa: the API ==== */

static void
test_cmdline_device(void)
{
	struct rte_device *dev = sim_device("dma_sim0");

	CU_ASSERT_STRING_EQUAL(rte_dev_name(dev), "dma_sim0");
	CU_ASSERT_STRING_EQUAL(rte_driver_name(rte_dev_driver(dev)), "dma_sim");
	CU_ASSERT_PTR_EQUAL(rte_dev_bus(dev), rte_bus_find_by_name("vdev"));
	CU_ASSERT_EQUAL(rte_dev_numa_node(dev), SOCKET_ID_ANY);
	CU_ASSERT_EQUAL(sim_follows_memory(dev), 0);
	CU_ASSERT_EQUAL(sim_explicit_bytes(dev), 0);
}

static void
test_probe_remove(void)
{
	struct rte_device *dev;

	CU_ASSERT_EQUAL(rte_vdev_init("dma_sim1", NULL), 0);
	CHECK_ERR(rte_vdev_init("dma_sim1", "") == -EEXIST, EEXIST);
	CHECK_ERR(rte_dev_probe("dma_sim1") == -EEXIST, EEXIST);
	CHECK_ERR(rte_dev_probe("vdev:dma_sim1,vfio=1") == -EEXIST, EEXIST);
	CU_ASSERT_EQUAL(rte_vdev_uninit("dma_sim1"), 0);
	CHECK_ERR(rte_vdev_uninit("dma_sim1") == -ENOENT, ENOENT);
	CHECK_ERR(rte_dev_find_by_name("dma_sim1") == NULL, ENOENT);

	CU_ASSERT_EQUAL(rte_dev_probe("vdev:dma_sim2,vfio=0"), 0);
	CU_ASSERT_EQUAL(rte_dev_probe("dma_sim3"), 0);
	dev = sim_device("dma_sim2");
	CU_ASSERT_EQUAL(rte_dev_remove(dev), 0);
	CHECK_ERR(rte_dev_remove(dev) == -ENOENT, ENOENT);
	CU_ASSERT_EQUAL(rte_dev_remove(sim_device("dma_sim3")), 0);
	CU_ASSERT_EQUAL(rte_vdev_init("test_nodma_ext1", "vfio=1,vfio=0"), 0);
	CU_ASSERT_STRING_EQUAL(rte_driver_name(rte_dev_driver(
			sim_device("test_nodma_ext1"))), "test_nodma_ext");
	CU_ASSERT_EQUAL(rte_vdev_uninit("test_nodma_ext1"), 0);
}

static void
test_probe_errors(void)
{
	CHECK_ERR(rte_vdev_init("nosuch0", NULL) == -ENOENT, ENOENT);
	CHECK_ERR(rte_dev_probe("nosuch0,vfio=1") == -ENOENT, ENOENT);
	CHECK_ERR(rte_dev_probe("nobus:dma_sim1") == -ENOENT, ENOENT);
	CHECK_ERR(rte_vdev_init("dma_sim1", "size=4") == -EINVAL, EINVAL);
	CHECK_ERR(rte_vdev_init("dma_sim1", "vfio=") == -EINVAL, EINVAL);
	CHECK_ERR(rte_vdev_init("dma_sim1", "vfio=1,,") == -EINVAL, EINVAL);
	CHECK_ERR(rte_dev_probe("") == -EINVAL, EINVAL);
	CHECK_ERR(rte_dev_probe(",vfio=1") == -EINVAL, EINVAL);
	CHECK_ERR(rte_dev_probe("vdev:") == -EINVAL, EINVAL);
	CHECK_ERR(rte_dev_probe("testbus:test_unprobed1") == -ENOTSUP, ENOTSUP);
	CHECK_ERR(rte_vdev_init("test_failprobe0", NULL) == -EIO, EIO);
	CHECK_ERR(rte_dev_find_by_name("test_failprobe0") == NULL, ENOENT);
	CHECK_ERR(rte_dev_find_by_name("dma_sim1") == NULL, ENOENT);
}

/* A driver that will not let go keeps its device. */
static void
test_remove_refused(void)
{
	CU_ASSERT_EQUAL_FATAL(rte_vdev_init("test_stuck0", NULL), 0);
	stuck = true;
	CHECK_ERR(rte_vdev_uninit("test_stuck0") == -EBUSY, EBUSY);
	CHECK_ERR(rte_dev_remove(sim_device("test_stuck0")) == -EBUSY, EBUSY);
	stuck = false;
	CU_ASSERT_EQUAL(rte_vdev_uninit("test_stuck0"), 0);
}

static int
name_starts(const struct rte_device *dev, const void *prefix)
{
	return strncmp(rte_dev_name(dev), prefix, strlen(prefix));
}

/* Every device cmp matches, by iterating with rte_bus_find_device(). */
static unsigned int
count_matches(rte_dev_cmp_t cmp, const void *data, bool *saw_unprobed)
{
	struct rte_device *dev = NULL;
	unsigned int n = 0;

	while ((dev = rte_bus_find_device(dev, cmp, data)) != NULL) {
		n++;
		*saw_unprobed |= dev == &unprobed;
	}
	CU_ASSERT_EQUAL(rte_errno, ENOENT);
	return n;
}

/* rte_bus_find_device() from the start and after a device, across buses. */
static void
test_find_device(void)
{
	const char *names[] = { "dma_sim5", "test_nodma5", "dma_sim6" };
	bool saw_unprobed = false;
	unsigned int i;

	for (i = 0; i < RTE_DIM(names); i++)
		CU_ASSERT_EQUAL(rte_dev_probe(names[i]), 0);
	CU_ASSERT_EQUAL(count_matches(name_starts, "dma_sim", &saw_unprobed),
			3); /* with dma_sim0 */
	CU_ASSERT(!saw_unprobed);
	/* test_nodma5 on the vdev bus, test_unprobed0 on the test bus. */
	CU_ASSERT_EQUAL(count_matches(name_starts, "test_", &saw_unprobed), 2);
	CU_ASSERT(saw_unprobed);
	CHECK_ERR(rte_bus_find_device(NULL, name_starts, "zz") == NULL, ENOENT);
	for (i = 0; i < RTE_DIM(names); i++)
		CU_ASSERT_EQUAL(rte_vdev_uninit(names[i]), 0);
}

/* ---- DMA mapping: dispatch and its errors ---- */

static void
test_dma_map_invalid(void)
{
	struct rte_device *dev = sim_device("dma_sim0");
	void *blk = rte_malloc(NULL, SMALL_SZ, 0);
	char *plain = malloc(SMALL_SZ);
	const struct rte_memseg_list *msl;
	void *list_end;

	CU_ASSERT_FATAL(blk != NULL && plain != NULL);
	msl = rte_mem_virt2memseg_list(blk);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msl);
	list_end = RTE_PTR_ADD(msl->base_va, msl->len - 4096);
	CHECK_ERR(rte_dev_dma_map(dev, NULL, ALIAS, 1) == -1, EINVAL);
	CHECK_ERR(rte_dev_dma_map(dev, blk, ALIAS, 0) == -1, EINVAL);
	CHECK_ERR(rte_dev_dma_map(dev, blk, UINT64_MAX, 2) == -1, EINVAL);
	CHECK_ERR(rte_dev_dma_map(dev, blk, ALIAS, SIZE_MAX) == -1, EINVAL);
	/* Not memory of the group: a plain malloc block. */
	CHECK_ERR(rte_dev_dma_map(dev, plain, ALIAS, SMALL_SZ) == -1, EINVAL);
	CHECK_ERR(rte_dev_dma_unmap(dev, plain, ALIAS, SMALL_SZ) == -1, EINVAL);
	/* Starts in a list, ends past it. */
	CHECK_ERR(rte_dev_dma_map(dev, list_end, ALIAS, 8192) == -1, EINVAL);
	CU_ASSERT_EQUAL(sim_explicit_bytes(dev), 0);
	free(plain);
	rte_free(blk);
}

/* A driver without DMA mapping: ENOTSUP, or VFIO when bound to it. */
static void
test_dma_map_fallback(void)
{
	void *blk = rte_malloc(NULL, SMALL_SZ, 0);
	struct rte_device *plain_dev, *vfio_dev;
	rte_iova_t iova;

	CU_ASSERT_FATAL(blk != NULL);
	iova = iova_of(blk);
	CU_ASSERT_EQUAL_FATAL(rte_vdev_init("test_nodma1", NULL), 0);
	CU_ASSERT_EQUAL_FATAL(rte_vdev_init("test_nodma2", "vfio=1"), 0);
	plain_dev = sim_device("test_nodma1");
	vfio_dev = sim_device("test_nodma2");
	CHECK_ERR(rte_dev_dma_map(plain_dev, blk, iova, SMALL_SZ) == -1, ENOTSUP);
	CHECK_ERR(rte_dev_dma_unmap(plain_dev, blk, iova, SMALL_SZ) == -1,
			ENOTSUP);
	/* Reaches the default VFIO container, which this machine lacks. */
	rte_errno = 0;
	CU_ASSERT_EQUAL(rte_dev_dma_map(vfio_dev, blk, iova, SMALL_SZ), -1);
	CU_ASSERT(rte_errno == vfio_errno() ||
			(vfio_errno() == EINVAL && rte_errno == EACCES));
	rte_errno = 0;
	CU_ASSERT_EQUAL(rte_dev_dma_unmap(vfio_dev, blk, iova, SMALL_SZ), -1);
	CU_ASSERT(rte_errno == vfio_errno() ||
			(vfio_errno() == EINVAL && rte_errno == EACCES));
	CHECK_ERR(rte_dma_sim_copy(vfio_dev, iova, iova, 1) == -1, ENOTSUP);
	CU_ASSERT_EQUAL(rte_vdev_uninit("test_nodma1"), 0);
	CU_ASSERT_EQUAL(rte_vdev_uninit("test_nodma2"), 0);
	rte_free(blk);
}

static void
test_dma_sim_invalid(void)
{
	struct rte_device *dev = sim_device("dma_sim0");

	CHECK_ERR(rte_dma_sim_copy(dev, ALIAS, ALIAS + 4096, 0) == -1, EINVAL);
	CHECK_ERR(rte_dma_sim_copy(dev, UINT64_MAX, ALIAS, 2) == -1, EINVAL);
	CHECK_ERR(rte_dma_sim_copy(dev, ALIAS, UINT64_MAX - 1, 3) == -1, EINVAL);
	CHECK_ERR(rte_dma_sim_mapped(dev, ALIAS, 0) == -1, EINVAL);
	CHECK_ERR(rte_dma_sim_mapped(dev, UINT64_MAX, 2) == -1, EINVAL);
	CHECK_ERR(rte_dma_sim_stats_get(dev, NULL) == -1, EINVAL);
	CU_ASSERT_EQUAL(rte_dma_sim_mapped(dev, RTE_BAD_IOVA, 1), 0);
}

/* ---- mode 1: runtime memory ---- */

/* A device probed after memory exists maps it (the walk at probe). */
static void
test_probe_maps_existing(void)
{
	void *blk = rte_malloc(NULL, SMALL_SZ, 0);
	struct rte_device *dev;

	CU_ASSERT_FATAL(blk != NULL);
	CU_ASSERT_EQUAL_FATAL(rte_vdev_init("dma_sim1", NULL), 0);
	dev = sim_device("dma_sim1");
	CU_ASSERT_EQUAL(rte_dma_sim_mapped(dev, rte_malloc_virt2iova(blk),
			SMALL_SZ), 1);
	CU_ASSERT_EQUAL(sim_follows_memory(dev), 0);
	CU_ASSERT_EQUAL(sim_stats(dev).bytes_mapped,
			sim_stats(sim_device("dma_sim0")).bytes_mapped);
	CU_ASSERT_EQUAL(rte_vdev_uninit("dma_sim1"), 0);
	rte_free(blk);
}

static void
test_copy_blocks(void)
{
	struct rte_device *dev = sim_device("dma_sim0");
	void *a = rte_malloc(NULL, SMALL_SZ, 0), *b = rte_malloc(NULL, SMALL_SZ, 0);

	CU_ASSERT_FATAL(a != NULL && b != NULL);
	check_copy(dev, b, rte_malloc_virt2iova(b), a, rte_malloc_virt2iova(a),
			SMALL_SZ);
	/* Overlapping, within one block: memmove's result. */
	pattern(a, SMALL_SZ, 9, true);
	CU_ASSERT_EQUAL(rte_dma_sim_copy(dev, rte_malloc_virt2iova(a) + 1,
			rte_malloc_virt2iova(a), SMALL_SZ - 1), 0);
	CU_ASSERT(pattern((char *)a + 1, SMALL_SZ - 1, 9, false));
	rte_free(a);
	rte_free(b);
}

/* IOVA == VA: one mapping covers a block of many pages. */
static void
test_copy_multi_page(void)
{
	struct rte_device *dev = sim_device("dma_sim0");
	void *a = rte_malloc(NULL, MULTI_SZ, 0), *b = rte_malloc(NULL, MULTI_SZ, 0);

	CU_ASSERT_FATAL(a != NULL && b != NULL);
	CU_ASSERT_EQUAL(rte_malloc_virt2iova(a), (uintptr_t)a);
	check_copy(dev, b, (uintptr_t)b, a, (uintptr_t)a, MULTI_SZ);
	rte_free(a);
	rte_free(b);
}

/* Growth maps the new pages (ALLOC event); shrink unmaps them (FREE). */
static void
test_grow_and_shrink(void)
{
	struct rte_device *dev = sim_device("dma_sim0");
	void *src = rte_malloc(NULL, SMALL_SZ, 0);
	uint64_t before = sim_stats(dev).event_bytes;
	char *big = rte_malloc(NULL, GROW_SZ, 0);
	char *mid = RTE_PTR_ALIGN_CEIL(big + GROW_SZ / 2, 4096);
	rte_iova_t mid_iova;

	CU_ASSERT_FATAL(src != NULL && big != NULL);
	mid_iova = iova_of(mid);
	CU_ASSERT(sim_stats(dev).event_bytes >= before + GROW_SZ);
	CU_ASSERT_EQUAL(rte_dma_sim_mapped(dev, mid_iova, SMALL_SZ), 1);
	CU_ASSERT_EQUAL(sim_follows_memory(dev), 0);
	check_copy(dev, mid, mid_iova, src, rte_malloc_virt2iova(src), SMALL_SZ);
	rte_free(big);
	/* The heap gave the pages back... */
	CHECK_ERR(rte_mem_virt2memseg(mid, NULL) == NULL, ENOENT);
	/* ...and the device no longer reaches them. */
	CU_ASSERT_EQUAL(rte_dma_sim_mapped(dev, mid_iova, SMALL_SZ), 0);
	CU_ASSERT_EQUAL(sim_follows_memory(dev), 0);
	check_copy_refused(dev, NULL, mid_iova, rte_malloc_virt2iova(src),
			SMALL_SZ);
	CU_ASSERT(sim_stats(dev).event_bytes <= before + GROW_SZ / 2);
	rte_free(src);
}

/* Unmapped IOVAs: refused, logged, nothing written. */
static void
test_copy_refused(void)
{
	struct rte_device *dev = sim_device("dma_sim0");
	void *blk = rte_malloc(NULL, SMALL_SZ, 0);
	char *plain = malloc(SMALL_SZ);
	rte_iova_t blk_iova;

	CU_ASSERT_FATAL(blk != NULL && plain != NULL);
	blk_iova = rte_malloc_virt2iova(blk);
	/* To an IOVA the device does not have (a plain malloc block's address
	 * is one in VA mode: the device must not write there). */
	pattern(blk, SMALL_SZ, 3, true);
	check_copy_refused(dev, fx.va ? plain : NULL, (uintptr_t)plain,
			blk_iova, SMALL_SZ);
	/* From one: the destination keeps its bytes. */
	check_copy_refused(dev, blk, blk_iova, ALIAS, SMALL_SZ);
	/* Partly mapped: the alias covers only the first page. */
	CU_ASSERT_EQUAL(rte_dev_dma_map(dev, blk, ALIAS, 1024), 0);
	check_copy_refused(dev, blk, blk_iova, ALIAS, 2048);
	pattern(blk, SMALL_SZ, 0xa5, true);
	CHECK_ERR(rte_dma_sim_copy(dev, ALIAS, blk_iova + 1024, 2048) == -1,
			EFAULT);
	CU_ASSERT(pattern(blk, SMALL_SZ, 0xa5, false));
	CU_ASSERT_EQUAL(rte_dev_dma_unmap(dev, blk, ALIAS, 1024), 0);
	free(plain);
	rte_free(blk);
}

/* ---- explicit mappings ---- */

static void
test_explicit_map(void)
{
	struct rte_device *dev = sim_device("dma_sim0");
	void *a = rte_malloc(NULL, SMALL_SZ, 0), *b = rte_malloc(NULL, SMALL_SZ, 0);
	rte_iova_t a_iova, b_iova;

	CU_ASSERT_FATAL(a != NULL && b != NULL);
	a_iova = rte_malloc_virt2iova(a);
	b_iova = rte_malloc_virt2iova(b);
	CU_ASSERT_EQUAL(rte_dma_sim_mapped(dev, ALIAS, SMALL_SZ), 0);
	CU_ASSERT_EQUAL(rte_dev_dma_map(dev, a, ALIAS, SMALL_SZ), 0);
	CU_ASSERT_EQUAL(rte_dma_sim_mapped(dev, ALIAS, SMALL_SZ), 1);
	CU_ASSERT_EQUAL(sim_explicit_bytes(dev), SMALL_SZ);
	/* The same memory at two IOVAs: through the alias into b. */
	check_copy(dev, b, b_iova, a, ALIAS, SMALL_SZ);
	/* IOVAs mapped already, by the API or by the page tables. */
	CHECK_ERR(rte_dev_dma_map(dev, a, ALIAS, SMALL_SZ) == -1, EEXIST);
	CHECK_ERR(rte_dev_dma_map(dev, b, ALIAS + SMALL_SZ - 1, 16) == -1, EEXIST);
	CHECK_ERR(rte_dev_dma_map(dev, b, b_iova, SMALL_SZ) == -1, EEXIST);
	/* Unmap: exactly what was mapped, and only the API's mappings. */
	CHECK_ERR(rte_dev_dma_unmap(dev, a, ALIAS, SMALL_SZ - 1) == -1, ENOENT);
	CHECK_ERR(rte_dev_dma_unmap(dev, b, ALIAS, SMALL_SZ) == -1, ENOENT);
	CHECK_ERR(rte_dev_dma_unmap(dev, a, ALIAS + 64, 64) == -1, ENOENT);
	CHECK_ERR(rte_dev_dma_unmap(dev, a, a_iova, SMALL_SZ) == -1, ENOENT);
	CU_ASSERT_EQUAL(rte_dev_dma_unmap(dev, a, ALIAS, SMALL_SZ), 0);
	CHECK_ERR(rte_dev_dma_unmap(dev, a, ALIAS, SMALL_SZ) == -1, ENOENT);
	CU_ASSERT_EQUAL(sim_explicit_bytes(dev), 0);
	check_copy_refused(dev, b, b_iova, ALIAS, SMALL_SZ);
	CU_ASSERT_EQUAL(sim_follows_memory(dev), 0);
	rte_free(a);
	rte_free(b);
}

/* A copy gathers from, and scatters to, adjacent mappings of scattered
 * memory. */
static void
test_copy_across_mappings(void)
{
	struct rte_device *dev = sim_device("dma_sim0");
	char *a = rte_malloc(NULL, SMALL_SZ, 0), *b = rte_malloc(NULL, SMALL_SZ, 0);
	char *c = rte_malloc(NULL, 2 * SMALL_SZ, 0);
	char *d = rte_malloc(NULL, SMALL_SZ, 0);
	rte_iova_t d_iova;

	CU_ASSERT_FATAL(a != NULL && b != NULL && c != NULL && d != NULL);
	d_iova = rte_malloc_virt2iova(d);
	CU_ASSERT_EQUAL(rte_dev_dma_map(dev, b, ALIAS + SMALL_SZ, SMALL_SZ), 0);
	CU_ASSERT_EQUAL(rte_dev_dma_map(dev, a, ALIAS, SMALL_SZ), 0);
	CU_ASSERT_EQUAL(rte_dma_sim_mapped(dev, ALIAS, 2 * SMALL_SZ), 1);
	CU_ASSERT_EQUAL(rte_dma_sim_mapped(dev, ALIAS, 2 * SMALL_SZ + 1), 0);
	/* Gather: c <- a | b (c is IOVA-contiguous only when IOVA == VA). */
	pattern(a, SMALL_SZ, 1, true);
	pattern(b, SMALL_SZ, 2, true);
	memset(c, 0, 2 * SMALL_SZ);
	if (fx.va) {
		CU_ASSERT_EQUAL(rte_dma_sim_copy(dev, rte_malloc_virt2iova(c),
				ALIAS, 2 * SMALL_SZ), 0);
		CU_ASSERT(pattern(c, SMALL_SZ, 1, false));
		CU_ASSERT(pattern(c + SMALL_SZ, SMALL_SZ, 2, false));
	}
	/* Scatter: a | b <- d, from the middle of a over the seam. */
	pattern(d, SMALL_SZ, 4, true);
	CU_ASSERT_EQUAL(rte_dma_sim_copy(dev, ALIAS + SMALL_SZ / 2, d_iova,
			SMALL_SZ), 0);
	CU_ASSERT(pattern(a, SMALL_SZ / 2, 1, false));
	CU_ASSERT(memcmp(a + SMALL_SZ / 2, d, SMALL_SZ - SMALL_SZ / 2) == 0);
	CU_ASSERT(memcmp(b, d + SMALL_SZ - SMALL_SZ / 2, SMALL_SZ / 2) == 0);
	CU_ASSERT_EQUAL(rte_dev_dma_unmap(dev, a, ALIAS, SMALL_SZ), 0);
	CU_ASSERT_EQUAL(rte_dev_dma_unmap(dev, b, ALIAS + SMALL_SZ, SMALL_SZ), 0);
	rte_free(a);
	rte_free(b);
	rte_free(c);
	rte_free(d);
}

/*
 * A FREE event takes out only the device's own mappings of the pages: a
 * mapping the application made stays until the application unmaps it
 * (here after the memory is gone, which an application must not do; the
 * test only looks at the table).
 */
static void
test_explicit_survives_free_event(void)
{
	struct rte_device *dev = sim_device("dma_sim0");
	char *big = rte_malloc(NULL, GROW_SZ, 0);
	char *mid = big + GROW_SZ / 2;

	CU_ASSERT_FATAL(big != NULL);
	CU_ASSERT_EQUAL(rte_dev_dma_map(dev, mid, ALIAS, 8192), 0);
	rte_free(big);
	CHECK_ERR(rte_mem_virt2memseg(mid, NULL) == NULL, ENOENT);
	CU_ASSERT_EQUAL(rte_dma_sim_mapped(dev, ALIAS, 8192), 1);
	CU_ASSERT_EQUAL(sim_explicit_bytes(dev), 8192);
	CU_ASSERT_EQUAL(sim_follows_memory(dev), 0);
	CU_ASSERT_EQUAL(rte_dev_dma_unmap(dev, mid, ALIAS, 8192), 0);
	CU_ASSERT_EQUAL(sim_explicit_bytes(dev), 0);
}

/* ==== modes 2 and 3: external memory ==== */

/* EXT_SZ of 4 KiB pages the test maps itself, as a user would. */
struct ext_area {
	int fd;
	char *va;
	rte_iova_t iova[EXT_SZ / 4096];
};

static int
ext_map(struct ext_area *x)
{
	unsigned int i;

	x->fd = memfd_create("test_dev_ext", MFD_CLOEXEC);
	if (x->fd < 0 || ftruncate(x->fd, EXT_SZ) < 0)
		return -1;
	x->va = mmap(NULL, EXT_SZ, PROT_READ | PROT_WRITE, MAP_SHARED, x->fd,
			0);
	if (x->va == MAP_FAILED)
		return -1;
	for (i = 0; i < EXT_SZ / 4096; i++)
		x->iova[i] = EXT_IOVA + (rte_iova_t)i * 4096;
	return 0;
}

static void
ext_unmap(struct ext_area *x)
{
	munmap(x->va, EXT_SZ);
	close(x->fd);
}

/*
 * Mode 2: memory added to a named heap with IOVAs is mapped to the device
 * by the ALLOC event of the add, blocks from it copy to and from runtime
 * memory, and the remove's FREE event unmaps it again.
 */
static void
test_mode2_heap_memory_mapped_on_add(void)
{
	struct rte_device *dev = sim_device("dma_sim0");
	char *r = rte_malloc(NULL, SMALL_SZ, 0), *e;
	struct ext_area x;
	int socket;

	CU_ASSERT_FATAL(r != NULL && ext_map(&x) == 0);
	CU_ASSERT_FATAL(rte_malloc_heap_create("dev_mode2") == 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_add("dev_mode2", x.va, EXT_SZ,
			x.iova, EXT_SZ / 4096, 4096), 0);
	CU_ASSERT_EQUAL(rte_dma_sim_mapped(dev, EXT_IOVA, EXT_SZ), 1);
	CU_ASSERT_EQUAL(sim_follows_memory(dev), 0);
	CU_ASSERT_EQUAL(sim_explicit_bytes(dev), 0);
	socket = rte_malloc_heap_get_socket("dev_mode2");
	e = rte_malloc_socket(NULL, SMALL_SZ, 0, socket);
	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT_EQUAL(rte_malloc_virt2iova(e),
			EXT_IOVA + (rte_iova_t)(e - x.va));
	check_copy(dev, e, rte_malloc_virt2iova(e), r,
			rte_malloc_virt2iova(r), SMALL_SZ);
	check_copy(dev, r, rte_malloc_virt2iova(r), e,
			rte_malloc_virt2iova(e), SMALL_SZ);
	rte_free(e);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_remove("dev_mode2", x.va,
			EXT_SZ), 0);
	CU_ASSERT_EQUAL(rte_dma_sim_mapped(dev, EXT_IOVA, 4096), 0);
	check_copy_refused(dev, x.va, EXT_IOVA, rte_malloc_virt2iova(r), 64);
	CU_ASSERT_EQUAL(sim_follows_memory(dev), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy("dev_mode2"), 0);
	ext_unmap(&x);
	rte_free(r);
}

/* Mode 2 without IOVAs: the pages have none, so no device can reach them. */
static void
test_mode2_without_iovas_not_mapped(void)
{
	struct rte_device *dev = sim_device("dma_sim0");
	uint64_t before = sim_stats(dev).event_bytes;
	struct ext_area x;
	char *e;

	CU_ASSERT_FATAL(ext_map(&x) == 0);
	CU_ASSERT_FATAL(rte_malloc_heap_create("dev_mode2_bad") == 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_add("dev_mode2_bad", x.va,
			EXT_SZ, NULL, 0, 4096), 0);
	CU_ASSERT_EQUAL(sim_stats(dev).event_bytes, before);
	e = rte_malloc_socket(NULL, 64, 0,
			rte_malloc_heap_get_socket("dev_mode2_bad"));
	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT_EQUAL(rte_malloc_virt2iova(e), RTE_BAD_IOVA);
	rte_free(e);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_remove("dev_mode2_bad", x.va,
			EXT_SZ), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy("dev_mode2_bad"), 0);
	CU_ASSERT_EQUAL(sim_follows_memory(dev), 0);
	ext_unmap(&x);
}

/*
 * Mode 3: registered memory is refused until registered, mapped only when
 * the application says so, copies both ways, and is refused again once
 * unmapped.
 */
static void
test_mode3_extmem_mapped_explicitly(void)
{
	struct rte_device *dev = sim_device("dma_sim0");
	char *r = rte_malloc(NULL, SMALL_SZ, 0);
	rte_iova_t r_iova;
	struct ext_area x;

	CU_ASSERT_FATAL(r != NULL && ext_map(&x) == 0);
	r_iova = rte_malloc_virt2iova(r);
	CHECK_ERR(rte_dev_dma_map(dev, x.va, EXT_IOVA, EXT_SZ) == -1, EINVAL);
	CU_ASSERT_FATAL(rte_extmem_register(x.va, EXT_SZ, x.iova,
			EXT_SZ / 4096, 4096) == 0);
	CU_ASSERT_EQUAL(rte_dma_sim_mapped(dev, EXT_IOVA, 4096), 0);
	check_copy_refused(dev, x.va, EXT_IOVA, r_iova, SMALL_SZ);
	CU_ASSERT_EQUAL(rte_dev_dma_map(dev, x.va, EXT_IOVA, EXT_SZ), 0);
	CU_ASSERT_EQUAL(sim_explicit_bytes(dev), EXT_SZ);
	check_copy(dev, x.va + 8192, EXT_IOVA + 8192, r, r_iova, SMALL_SZ);
	check_copy(dev, r, r_iova, x.va + 4000, EXT_IOVA + 4000, SMALL_SZ);
	check_copy_refused(dev, NULL, EXT_IOVA + EXT_SZ - 8, r_iova, 16);
	CU_ASSERT_EQUAL(rte_dev_dma_unmap(dev, x.va, EXT_IOVA, EXT_SZ), 0);
	check_copy_refused(dev, x.va, EXT_IOVA, r_iova, SMALL_SZ);
	CU_ASSERT_EQUAL(rte_extmem_unregister(x.va, EXT_SZ), 0);
	CHECK_ERR(rte_dev_dma_map(dev, x.va, EXT_IOVA, EXT_SZ) == -1, EINVAL);
	CU_ASSERT_EQUAL(sim_follows_memory(dev), 0);
	ext_unmap(&x);
	rte_free(r);
}

/* A probe after the memory was added maps it too (the walk at probe). */
static void
test_mode2_probe_after_add(void)
{
	struct rte_device *dev;
	struct ext_area x;

	CU_ASSERT_FATAL(ext_map(&x) == 0);
	CU_ASSERT_FATAL(rte_malloc_heap_create("dev_mode2_late") == 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_add("dev_mode2_late", x.va,
			EXT_SZ, x.iova, EXT_SZ / 4096, 4096), 0);
	CU_ASSERT_EQUAL_FATAL(rte_vdev_init("dma_sim_late", NULL), 0);
	dev = sim_device("dma_sim_late");
	CU_ASSERT_EQUAL(rte_dma_sim_mapped(dev, EXT_IOVA, EXT_SZ), 1);
	CU_ASSERT_EQUAL(sim_follows_memory(dev), 0);
	CU_ASSERT_EQUAL(rte_vdev_uninit("dma_sim_late"), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_remove("dev_mode2_late", x.va,
			EXT_SZ), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy("dev_mode2_late"), 0);
	ext_unmap(&x);
}

/* Devices come and go without leaking descriptors, mappings or memory. */
static void
test_no_leaks(void)
{
	void *blk = rte_malloc(NULL, SMALL_SZ, 0);
	int fds = test_count_fds(), maps = test_count_maps();
	unsigned int i, n = (unsigned int)test_scale(N_CYCLES, 5);
	struct rte_device *dev;

	CU_ASSERT_FATAL(blk != NULL);
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL_FATAL(rte_vdev_init("dma_sim9", NULL), 0);
		dev = sim_device("dma_sim9");
		CU_ASSERT_EQUAL(rte_dev_dma_map(dev, blk, ALIAS, SMALL_SZ), 0);
		CU_ASSERT_EQUAL(rte_dev_remove(dev), 0);
		CU_ASSERT_EQUAL(rte_vdev_init("test_nodma9", "vfio=1"), 0);
		CU_ASSERT_EQUAL(rte_vdev_uninit("test_nodma9"), 0);
	}
	CU_ASSERT_EQUAL(test_count_fds(), fds);
	CU_ASSERT_EQUAL(test_count_maps(), maps);
	rte_free(blk);
}

/* ==== dev_mp: a secondary's own device ==== */

/* In the secondary: cond must hold, else exit with code (and say why). */
#define SEC_CHECK(cond, code) do { \
	if (!(cond)) { \
		fprintf(stderr, "dev_sec: %s fails (rte_errno %d)\n", #cond, \
				rte_errno); \
		return code; \
	} \
} while (0)

static int
sec_check_and_copy(char *blk, size_t sz)
{
	struct rte_device *dev = rte_dev_find_by_name("dma_sim7");
	rte_iova_t iova = rte_malloc_virt2iova(blk);
	size_t half = sz / 2;

	SEC_CHECK(dev != NULL && rte_dev_is_probed(dev) == 1, 3);
	SEC_CHECK(rte_dev_find_by_name("dma_sim0") == NULL, 4);
	SEC_CHECK(rte_dma_sim_mapped(dev, iova, sz) == 1, 5);
	SEC_CHECK(sim_follows_memory(dev) == 0, 6);
	SEC_CHECK(pattern(blk, half, 5, false), 7);
	SEC_CHECK(rte_dma_sim_copy(dev, iova + half, iova, half) == 0, 8);
	return 0;
}

/*
 * The role "dev_sec", args: the group's prefix, the primary's block (hex
 * address), its size, and a --vdev argument naming dma_sim7. Joins with
 * it, checks that the device is its own and maps the group's memory,
 * copies the block's first half over its second half through it, and
 * leaves. Exit status 0, or the code of the check that failed.
 */
static int
role_sec(int argc, char **argv)
{
	const char *opts[] = { "--no-huge", "--iova-mode=va", "--vdev",
		argc == 5 ? argv[4] : "", NULL };
	int ret;

	SEC_CHECK(argc == 5, 1);
	snprintf(fx.prefix, sizeof(fx.prefix), "%s", argv[1]);
	SEC_CHECK(eal_start("--proc-type=secondary", opts) == 0, 2);
	ret = sec_check_and_copy((char *)(uintptr_t)strtoull(argv[2], NULL, 16),
			strtoul(argv[3], NULL, 10));
	SEC_CHECK(rte_eal_cleanup() == 0, 9);
	return ret;
}

const struct test_role test_roles[] = {
	{ "dev_sec", role_sec },
	{ NULL, NULL },
};

static int
init_mp(void)
{
	return suite_start("mp", "--iova-mode=va");
}

/* Run the role "dev_sec" with --vdev vdev; its exit status. */
static int
run_secondary(const char *vdev, const void *blk, size_t sz)
{
	char addr[32], size[32];
	const char *args[] = { fx.prefix, addr, size, vdev, NULL };
	pid_t pid;

	snprintf(addr, sizeof(addr), "%" PRIxPTR, (uintptr_t)blk);
	snprintf(size, sizeof(size), "%zu", sz);
	if (mp_spawn("dev_sec", args, &pid) != 0)
		return -1;
	return mp_wait(pid, START_S);
}

static void
test_mp_secondary_device(void)
{
	size_t half = MULTI_SZ / 2;
	char *blk = rte_malloc(NULL, MULTI_SZ, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(blk);
	pattern(blk, half, 5, true);
	CU_ASSERT_EQUAL(run_secondary("dma_sim7", blk, MULTI_SZ), 0);
	CU_ASSERT(pattern(blk + half, half, 5, false));
	CHECK_ERR(rte_dev_find_by_name("dma_sim7") == NULL, ENOENT);
	CU_ASSERT_EQUAL(sim_follows_memory(sim_device("dma_sim0")), 0);
	/* A secondary whose --vdev is refused does not start. */
	CU_ASSERT_EQUAL(run_secondary("dma_sim7,size=1", blk, MULTI_SZ), 2);
	rte_free(blk);
}

/* ==== registration ==== */

static const struct test_def noinit_tests[] = {
	TEST_DEF(test_noinit_probe_enotsup),
	TEST_DEF(test_noinit_buses),
	TEST_DEF(test_dev_invalid),
	TEST_DEF(test_unprobed_device),
	TEST_DEF(test_vfio_container),
	{ NULL, NULL },
};

static const struct test_def cmdline_tests[] = {
	TEST_DEF(test_cmdline_bad_vdevs),
	TEST_DEF(test_cmdline_probe_and_cleanup),
	{ NULL, NULL },
};

static const struct test_def va_tests[] = {
	TEST_DEF(test_cmdline_device),
	TEST_DEF(test_dev_invalid),
	TEST_DEF(test_unprobed_device),
	TEST_DEF(test_probe_remove),
	TEST_DEF(test_probe_errors),
	TEST_DEF(test_remove_refused),
	TEST_DEF(test_find_device),
	TEST_DEF(test_dma_map_invalid),
	TEST_DEF(test_dma_map_fallback),
	TEST_DEF(test_dma_sim_invalid),
	TEST_DEF(test_probe_maps_existing),
	TEST_DEF(test_copy_blocks),
	TEST_DEF(test_copy_multi_page),
	TEST_DEF(test_grow_and_shrink),
	TEST_DEF(test_copy_refused),
	TEST_DEF(test_explicit_map),
	TEST_DEF(test_copy_across_mappings),
	TEST_DEF(test_explicit_survives_free_event),
	TEST_DEF(test_mode2_heap_memory_mapped_on_add),
	TEST_DEF(test_mode2_without_iovas_not_mapped),
	TEST_DEF(test_mode2_probe_after_add),
	TEST_DEF(test_mode3_extmem_mapped_explicitly),
	TEST_DEF(test_no_leaks),
	{ NULL, NULL },
};

/* Physical IOVAs: blocks of one page; no test that needs IOVA == VA. */
static const struct test_def pa_tests[] = {
	TEST_DEF(test_cmdline_device),
	TEST_DEF(test_probe_maps_existing),
	TEST_DEF(test_copy_blocks),
	TEST_DEF(test_grow_and_shrink),
	TEST_DEF(test_copy_refused),
	TEST_DEF(test_explicit_map),
	TEST_DEF(test_copy_across_mappings),
	TEST_DEF(test_mode2_heap_memory_mapped_on_add),
	TEST_DEF(test_mode3_extmem_mapped_explicitly),
	{ NULL, NULL },
};

static const struct test_def mp_tests[] = {
	TEST_DEF(test_mp_secondary_device),
	{ NULL, NULL },
};

void
test_register(void)
{
	CU_pSuite pa;

	test_add_suite("dev_noinit", noinit_tests, &(struct test_hooks){
			NULL, NULL, NULL, NULL });
	test_add_suite("dev_cmdline", cmdline_tests, &(struct test_hooks){
			init_cmdline, fixture_end, NULL, NULL });
	test_add_suite("dev_va", va_tests, &(struct test_hooks){
			init_va, fixture_end, NULL, NULL });
	pa = test_add_suite("dev_pa", pa_tests, &(struct test_hooks){
			init_pa, fixture_end, NULL, NULL });
	test_add_suite("dev_mp", mp_tests, &(struct test_hooks){
			init_mp, fixture_end, NULL, NULL });
	if (geteuid() != 0 && pa != NULL) {
		printf("test_dev: not root: dev_pa skipped (physical addresses need root)\n");
		CU_set_suite_active(pa, CU_FALSE);
	}
}
