/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * External memory, step by step. Memory this program maps itself joins a
 * memplane group in a primary and a secondary process, and a DMA device
 * (memplane's simulated one, dma_sim) reaches it in the three ways the
 * DPDK DMA-mapping work describes:
 *
 *   mode 1  runtime memory (rte_malloc): the driver maps it by itself, at
 *           probe and through memory events;
 *   mode 2  memory added to a named heap with IOVAs: mapped when added,
 *           through the same events;
 *   mode 3  memory registered with rte_extmem_register: the application
 *           maps it with rte_dev_dma_map.
 *
 * Run it:   build/examples/extmem
 * The primary starts the secondary itself (the same program, run again
 * with --secondary). Each step prints one line; the program exits 0 when
 * every check passed, and 1 with the failing step otherwise.
 *
 * What happens:
 *   primary    starts a group (--no-huge: the group's own memory is 4 KiB
 *              pages; the external memory is what matters here) with one
 *              dma_sim device, then
 *              - maps a 4 MiB memfd, makes heap "example_ext" and adds the
 *                memfd to it with IOVAs: the device maps it (mode 2);
 *              - allocates a message in runtime memory (mode 1) and has the
 *                device copy it into a block of the external heap;
 *              - maps a second area (2 MiB hugepages when the machine has
 *                one free, else 4 KiB pages), registers it and maps it to
 *                the device by hand (mode 3), and copies the message there;
 *              - starts the secondary, handing it both memfds.
 *   secondary  maps both areas at the primary's addresses, joins the group
 *              with its own dma_sim device, is refused the heap until it
 *              attaches, attaches, reads the message, allocates its reply
 *              from the external heap, copies it by DMA into the registered
 *              area, and detaches.
 *   primary    is refused the removal while the secondary is attached,
 *              reads the reply, frees the secondary's block, and takes
 *              everything apart: nothing is left behind.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_dma_sim.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#define HEAP "example_ext"
#define HEAP_SZ (4U << 20)
#define REG_SZ (2U << 20)
#define MSG_SZ 64
/* Device addresses this program gives its external memory, as if it had
 * programmed an IOMMU: anything the group's own memory does not use. */
#define HEAP_IOVA ((rte_iova_t)1 << 60)
#define REG_IOVA (HEAP_IOVA + ((rte_iova_t)1 << 40))

/* What the primary hands the secondary (on its command line). */
struct shared_view {
	int heap_fd, reg_fd;      /* the memfds, inherited */
	char *heap_va, *reg_va;   /* where they are mapped in the primary */
	size_t reg_page_sz;
	char *msg;                /* the message block, in the heap memory */
	int to_child, from_child; /* pipes */
	char prefix[64];
};

static const char *role = "primary";

#define STEP(...) do { printf("%-9s ", role); printf(__VA_ARGS__); \
		printf("\n"); fflush(stdout); } while (0)

static void
fail(const char *what)
{
	fprintf(stderr, "%s: %s failed: %s\n", role, what,
		rte_strerror(rte_errno));
	exit(1);
}

static void
on_event(enum rte_mem_event ev, const void *addr, size_t len, void *arg)
{
	(void)arg;
	STEP("  memory event %s: %p, %zu KiB", ev == RTE_MEM_EVENT_ALLOC ?
		"ALLOC" : "FREE", addr, len >> 10);
}

/* Join the group; argv is ours, the EAL consumes its part. */
static struct rte_device *
start_eal(const char *proc_type, const char *prefix)
{
	char *argv[] = { "extmem", (char *)proc_type, "--no-huge",
		"--iova-mode=va", "--file-prefix", (char *)prefix, "--vdev",
		"dma_sim0", "--log-level", "warning", NULL };
	struct rte_device *dev;

	if (rte_eal_init(10, argv) < 0)
		fail("rte_eal_init");
	rte_mem_event_callback_register("extmem-example", on_event, NULL);
	dev = rte_dev_find_by_name("dma_sim0");
	if (dev == NULL)
		fail("finding device dma_sim0");
	return dev;
}

/* A memfd of len bytes of page_sz pages, mapped at addr (NULL: anywhere). */
static char *
map_area(int *fd, size_t len, size_t page_sz, void *addr)
{
	unsigned int flags = page_sz > 4096 ? MFD_HUGETLB : 0;
	char *va;

	if (*fd < 0) {
		*fd = memfd_create("extmem-example", flags);
		if (*fd < 0 || ftruncate(*fd, (off_t)len) < 0)
			return NULL;
	}
	va = mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED |
			(addr != NULL ? MAP_FIXED_NOREPLACE : 0), *fd, 0);
	return va == MAP_FAILED || (addr != NULL && va != addr) ? NULL : va;
}

/* One IOVA per page, from base up. */
static rte_iova_t *
iovas(rte_iova_t base, size_t len, size_t page_sz)
{
	rte_iova_t *v = calloc(len / page_sz, sizeof(*v));
	size_t i;

	for (i = 0; v != NULL && i < len / page_sz; i++)
		v[i] = base + i * page_sz;
	return v;
}

/* Have the device copy len bytes from src to dst (both mapped to it). */
static void
dma_copy(struct rte_device *dev, void *dst, rte_iova_t dst_iova,
		const void *src, rte_iova_t src_iova, size_t len)
{
	if (rte_dma_sim_copy(dev, dst_iova, src_iova, len) < 0)
		fail("the device's copy");
	if (memcmp(dst, src, len) != 0) {
		fprintf(stderr, "%s: the copy did not arrive\n", role);
		exit(1);
	}
}

static void
send_word(int fd, uint64_t w)
{
	if (write(fd, &w, sizeof(w)) != (ssize_t)sizeof(w))
		fail("writing to the pipe");
}

static uint64_t
recv_word(int fd)
{
	uint64_t w;

	if (read(fd, &w, sizeof(w)) != (ssize_t)sizeof(w)) {
		fprintf(stderr, "%s: the other process is gone\n", role);
		exit(1);
	}
	return w;
}

/* ---- the primary ---- */

/* Mode 2: a heap of our memory, mapped to the device as it is added. */
static void
make_heap(struct shared_view *v, struct rte_device *dev)
{
	rte_iova_t *iova = iovas(HEAP_IOVA, HEAP_SZ, 4096);

	v->heap_fd = -1;
	v->heap_va = map_area(&v->heap_fd, HEAP_SZ, 4096, NULL);
	if (v->heap_va == NULL || iova == NULL)
		fail("mapping the heap's memfd");
	if (rte_malloc_heap_create(HEAP) < 0)
		fail("rte_malloc_heap_create");
	STEP("heap %s created, socket id %d; adding %u MiB of 4 KiB pages with IOVAs",
		HEAP, rte_malloc_heap_get_socket(HEAP), HEAP_SZ >> 20);
	if (rte_malloc_heap_memory_add(HEAP, v->heap_va, HEAP_SZ, iova,
			HEAP_SZ / 4096, 4096) < 0)
		fail("rte_malloc_heap_memory_add");
	free(iova);
	if (rte_dma_sim_mapped(dev, HEAP_IOVA, HEAP_SZ) != 1)
		fail("mode 2: the device mapping the heap's memory");
	STEP("mode 2: the device mapped the heap's memory when it was added");
}

/* Mode 1 into mode 2: runtime memory to a block of the external heap. */
static void
first_message(struct shared_view *v, struct rte_device *dev)
{
	char *rt = rte_zmalloc(NULL, MSG_SZ, 0);

	v->msg = rte_zmalloc_socket(NULL, MSG_SZ, 0,
			rte_malloc_heap_get_socket(HEAP));
	if (rt == NULL || v->msg == NULL)
		fail("rte_zmalloc");
	snprintf(rt, MSG_SZ, "hello from the primary");
	dma_copy(dev, v->msg, rte_malloc_virt2iova(v->msg), rt,
		rte_malloc_virt2iova(rt), MSG_SZ);
	STEP("mode 1: runtime block %p -> heap block %p by DMA: \"%s\"", rt,
		v->msg, v->msg);
	rte_free(rt);
}

/* Mode 3: registered memory, mapped to the device by hand. */
static void
register_area(struct shared_view *v, struct rte_device *dev)
{
	rte_iova_t *iova;

	v->reg_fd = -1;
	v->reg_page_sz = 2U << 20;
	v->reg_va = map_area(&v->reg_fd, REG_SZ, v->reg_page_sz, NULL);
	if (v->reg_va == NULL) {
		v->reg_page_sz = 4096;
		v->reg_va = map_area(&v->reg_fd, REG_SZ, 4096, NULL);
	}
	iova = iovas(REG_IOVA, REG_SZ, v->reg_page_sz);
	if (v->reg_va == NULL || iova == NULL)
		fail("mapping the area to register");
	if (rte_extmem_register(v->reg_va, REG_SZ, iova,
			REG_SZ / v->reg_page_sz, v->reg_page_sz) < 0)
		fail("rte_extmem_register");
	free(iova);
	if (rte_dev_dma_map(dev, v->reg_va, REG_IOVA, REG_SZ) < 0)
		fail("rte_dev_dma_map");
	STEP("mode 3: registered %u MiB of %zu KiB pages and mapped it to the device",
		REG_SZ >> 20, v->reg_page_sz >> 10);
	dma_copy(dev, v->reg_va, REG_IOVA, v->msg,
		rte_malloc_virt2iova(v->msg), MSG_SZ);
	STEP("mode 3: heap block -> registered area by DMA: \"%s\"", v->reg_va);
}

static pid_t
start_secondary(struct shared_view *v)
{
	int down[2], up[2];
	char args[512];
	pid_t pid;

	if (pipe(down) < 0 || pipe(up) < 0)
		fail("pipe");
	v->to_child = down[1];
	v->from_child = up[0];
	snprintf(args, sizeof(args), "%d %d %p %p %zu %p %d %d %s",
		v->heap_fd, v->reg_fd, v->heap_va, v->reg_va, v->reg_page_sz,
		v->msg, down[0], up[1], v->prefix);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "extmem", "--secondary", args,
			(char *)NULL);
		_exit(127);
	}
	close(down[0]);
	close(up[1]);
	return pid;
}

/* Calls that cannot be right are refused, and change nothing. */
static void
wrong_calls_refused(void)
{
	if (rte_malloc_heap_memory_remove(HEAP, (void *)1, HEAP_SZ) == 0 ||
			rte_errno != ENOENT)
		fail("remove of memory nobody added (expected ENOENT)");
	if (rte_extmem_unregister(NULL, 0) == 0 || rte_errno != EINVAL)
		fail("unregister with no address (expected EINVAL)");
	STEP("wrong calls are refused: ENOENT (nothing at that address), EINVAL");
}

static void
take_apart(struct shared_view *v, struct rte_device *dev, char *reply)
{
	rte_free(reply);
	rte_free(v->msg);
	if (rte_dev_dma_unmap(dev, v->reg_va, REG_IOVA, REG_SZ) < 0 ||
			rte_extmem_unregister(v->reg_va, REG_SZ) < 0)
		fail("unmapping and unregistering the area");
	if (rte_malloc_heap_memory_remove(HEAP, v->heap_va, HEAP_SZ) < 0)
		fail("rte_malloc_heap_memory_remove");
	if (rte_dma_sim_mapped(dev, HEAP_IOVA, 4096) != 0)
		fail("mode 2: the device unmapping the removed memory");
	if (rte_malloc_heap_destroy(HEAP) < 0)
		fail("rte_malloc_heap_destroy");
	STEP("blocks freed, area unregistered, heap memory removed (the device unmapped it), heap destroyed");
	munmap(v->heap_va, HEAP_SZ);
	munmap(v->reg_va, REG_SZ);
	close(v->heap_fd);
	close(v->reg_fd);
}

static void
talk_to_secondary(struct shared_view *v, struct rte_device *dev)
{
	char *reply;
	int status;
	pid_t pid = start_secondary(v);

	reply = (char *)(uintptr_t)recv_word(v->from_child);
	if (rte_malloc_heap_memory_remove(HEAP, v->heap_va, HEAP_SZ) == 0 ||
			rte_errno != EBUSY)
		fail("remove while the secondary is attached (expected EBUSY)");
	STEP("remove while the secondary is attached and blocks are in use: EBUSY, nothing changed");
	wrong_calls_refused();
	send_word(v->to_child, 1);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
			WEXITSTATUS(status) != 0)
		fail("the secondary");
	STEP("the secondary left; its reply in the heap: \"%s\"; by its DMA in the area: \"%s\"",
		reply, v->reg_va + MSG_SZ);
	if (strcmp(v->reg_va + MSG_SZ, reply) != 0)
		fail("reading the secondary's copy");
	take_apart(v, dev, reply);
}

static int
primary(void)
{
	struct shared_view v;
	struct rte_device *dev;

	memset(&v, 0, sizeof(v));
	snprintf(v.prefix, sizeof(v.prefix), "extmem_example_%d", getpid());
	dev = start_eal("--proc-type=primary", v.prefix);
	STEP("group %s started, device %s probed", v.prefix, rte_dev_name(dev));
	make_heap(&v, dev);
	first_message(&v, dev);
	register_area(&v, dev);
	talk_to_secondary(&v, dev);
	rte_eal_cleanup();
	STEP("done: every check passed");
	return 0;
}

/* ---- the secondary ---- */

static void
parse_view(const char *args, struct shared_view *v)
{
	if (sscanf(args, "%d %d %p %p %zu %p %d %d %63s", &v->heap_fd,
			&v->reg_fd, (void **)&v->heap_va, (void **)&v->reg_va,
			&v->reg_page_sz, (void **)&v->msg, &v->to_child,
			&v->from_child, v->prefix) != 9) {
		fprintf(stderr, "secondary: bad arguments\n");
		exit(1);
	}
}

/* Before attaching, the heap is not this process's to use. */
static void
attach_heap(struct shared_view *v, struct rte_device *dev)
{
	int socket = rte_malloc_heap_get_socket(HEAP);

	if (rte_malloc_socket(NULL, MSG_SZ, 0, socket) != NULL ||
			rte_errno != EPERM)
		fail("allocating before attaching (expected EPERM)");
	STEP("heap %s is refused before attaching (EPERM)", HEAP);
	if (rte_malloc_heap_memory_attach(HEAP, v->heap_va, HEAP_SZ) < 0)
		fail("rte_malloc_heap_memory_attach");
	if (rte_dma_sim_mapped(dev, HEAP_IOVA, HEAP_SZ) != 1)
		fail("mode 2: this process's device mapping the attached memory");
	STEP("attached: the message is \"%s\"; my device mapped the heap's memory",
		v->msg);
}

/* Reply from the external heap, and copy it by DMA into the area. */
static char *
reply(struct shared_view *v, struct rte_device *dev)
{
	char *r = rte_zmalloc_socket(NULL, MSG_SZ, 0,
			rte_malloc_heap_get_socket(HEAP));

	if (r == NULL)
		fail("allocating from the external heap");
	snprintf(r, MSG_SZ, "hello back from the secondary");
	if (rte_extmem_attach(v->reg_va, REG_SZ) < 0 ||
			rte_mem_virt2memseg(v->reg_va, NULL) == NULL)
		fail("rte_extmem_attach");
	if (rte_dev_dma_map(dev, v->reg_va, REG_IOVA, REG_SZ) < 0)
		fail("rte_dev_dma_map");
	dma_copy(dev, v->reg_va + MSG_SZ, REG_IOVA + MSG_SZ, r,
		rte_malloc_virt2iova(r), MSG_SZ);
	STEP("allocated my reply at %p in the heap and copied it into the area by DMA (mode 3)",
		r);
	if (rte_dev_dma_unmap(dev, v->reg_va, REG_IOVA, REG_SZ) < 0 ||
			rte_extmem_detach(v->reg_va, REG_SZ) < 0)
		fail("unmapping and detaching the area");
	return r;
}

static int
secondary(const char *args)
{
	struct shared_view v;
	struct rte_device *dev;
	char *r;

	role = "secondary";
	parse_view(args, &v);
	/* First of all take the addresses: the group must find them ours. */
	if (map_area(&v.heap_fd, HEAP_SZ, 4096, v.heap_va) == NULL ||
			map_area(&v.reg_fd, REG_SZ, v.reg_page_sz,
				v.reg_va) == NULL)
		fail("mapping the areas at the primary's addresses");
	dev = start_eal("--proc-type=secondary", v.prefix);
	attach_heap(&v, dev);
	r = reply(&v, dev);
	send_word(v.from_child, (uintptr_t)r);
	recv_word(v.to_child);
	if (rte_malloc_heap_memory_detach(HEAP, v.heap_va, HEAP_SZ) < 0)
		fail("rte_malloc_heap_memory_detach");
	STEP("detached; leaving my reply for the primary to free");
	rte_eal_cleanup();
	munmap(v.heap_va, HEAP_SZ);
	munmap(v.reg_va, REG_SZ);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--secondary") == 0)
		return secondary(argv[2]);
	return primary();
}
