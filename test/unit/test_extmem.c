/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Tests of external memory (rte_malloc_heap_memory_* in rte_malloc.h,
 * rte_extmem_* in rte_memory.h, docs/EXTERNAL_MEMORY.md) against their
 * contracts.
 *
 * extmem_noinit calls everything before rte_eal_init(). extmem_nohuge and
 * extmem_huge start an in-process primary (--no-huge, or 2 MiB hugepages
 * when enough are free) and bring memfds of 4 KiB pages (with hugepages,
 * also of 2 MiB ones): the pages as the page tables describe them, blocks
 * and memzones of a named heap inside its memory and never elsewhere,
 * registered memory that no allocator touches, every order rule with its
 * exact rte_errno and the group unchanged after each failure
 * (FAILS_CLEANLY: lists, pages, page-table files, the heaps' figures and
 * memory events as before), a heap this process is attached to only part
 * of, the limits (heaps, memseg lists, the table window), memory events,
 * and random operations against a model of which call must succeed.
 * extmem_mp_nohuge and extmem_mp_huge make the test process the primary
 * of a group whose secondary (this binary re-executed as "extmem_sec")
 * maps the same memfd (inherited) or hugepage file (by path) at the same
 * address and attaches, allocates, frees and detaches, adds memory
 * itself, or is killed while attached; "extmem_reinit" stops and starts
 * the EAL in a process of its own.
 *
 * Areas are mapped past the group's reserved address space (map_fresh), a
 * place every process of the group has free. A test removes what it adds;
 * the teardown takes back what a failed one left (release_leftovers), and
 * each test names its heaps anew, so that one failure stays one failure.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "runtime/eal/eal_private.h"
#include "runtime/heap/heap_private.h"
#include "test/lib/test_assert.h"
#include "test/lib/test_main.h"
#include "test/lib/test_util.h"
#include "test/mp/group.h"
#include "test/mp/harness.h"

#define HUGE_2M_FREE "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define HUGE_NEEDED 16          /* free 2 MiB pages a hugepage suite needs */
#define PG RTE_PGSIZE_4K
#define HPG RTE_PGSIZE_2M
#define VA_GAP (1ULL << 30)     /* areas start this far past the group */
#define AREA_GAP RTE_PGSIZE_2M  /* between two areas, so that none touch */
#define N_PAGES 16              /* 4 KiB pages of a test's area */
#define MAX_AREAS 8
#define MAX_BLOCKS 16
#define IOVA_BASE 0x4000000000ULL
#define BLK_SZ 3000
#define PRIMARY_SEED 77
#define SEC_SEED 99
#define MAX_EVENTS 16
#define START_S 60              /* valgrind needs seconds to start a member */
#define STEP_S 60

#define HEAP_SEC "ext_sec"
#define EV_NAME "test_extmem"

/* The running test's heap names, new for each test (test_setup), so that
 * a heap a failed test could not take back stays out of the next one's
 * way. */
static char heap_a[RTE_HEAP_NAME_MAX_LEN] = "ext_a";
static char heap_b[RTE_HEAP_NAME_MAX_LEN] = "ext_b";
#define HEAP_A heap_a
#define HEAP_B heap_b

/* Every memzone a test may reserve: the teardown frees what is left. */
static const char *const test_memzones[] = {
	"ext_mz", "any_mz", "busy_mz", "detached_mz",
};

/* Every heap a test may create: the teardown destroys what is left. */
static const char *const test_heaps[] = {
	heap_a, heap_b, HEAP_SEC, "diff_0", "diff_1", "diff_2",
};

/* Memory a test maps and brings to the group. */
struct area {
	void *va;
	size_t len;
	size_t page_sz;
	int fd;                 /* -1: closed */
	bool iova;              /* added or registered with test_iova()s */
	bool kept;              /* the group still has it: left mapped */
	char path[PATH_MAX];    /* its hugetlbfs file, "" for a memfd */
};

/* ==== helpers for both sides ==== */

static bool
fail_why(const char *fmt, ...)
{
	va_list ap;

	printf("\n    ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" ");
	return false;
}

static bool
is_zero(const void *p, size_t n)
{
	const uint8_t *c = p;

	return n == 0 || (c[0] == 0 && memcmp(c, c + 1, n - 1) == 0);
}

/* Page i's IOVA in these tests: distinct, and not contiguous. */
static rte_iova_t
test_iova(unsigned int i, size_t page_sz)
{
	return IOVA_BASE + (rte_iova_t)i * 3 * page_sz;
}

static void
fill_iovas(rte_iova_t *iova, unsigned int n, size_t page_sz)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		iova[i] = test_iova(i, page_sz);
}

/* [p, p + sz) lies inside a. */
static bool
inside(const void *p, size_t sz, const struct area *a)
{
	return (uintptr_t)p >= (uintptr_t)a->va &&
		(uintptr_t)p + sz <= (uintptr_t)a->va + a->len;
}

/* [p, p + sz) meets a. */
static bool
meets(const void *p, size_t sz, const struct area *a)
{
	return (uintptr_t)p < (uintptr_t)a->va + a->len &&
		(uintptr_t)a->va < (uintptr_t)p + sz;
}

/* Map fd's first len bytes shared at exactly va, never over another
 * mapping. NULL with errno (EEXIST: something is there). */
static void *
map_at(int fd, size_t len, void *va)
{
	void *p = mmap(va, len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (p != va) {
		munmap(p, len);
		errno = EEXIST;
		return NULL;
	}
	return p;
}

/*
 * Whether the page tables describe every page of a: an external list of
 * its own at a->va (heap: whether a heap may use it; socket >= 0: its
 * socket), and per page its address, IOVA (test_iova() or RTE_BAD_IOVA),
 * length and the list's socket. Prints the first difference.
 */
static bool
pages_described(const struct area *a, int socket, unsigned int heap)
{
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(a->va);
	unsigned int i, n = (unsigned int)(a->len / a->page_sz);
	const struct rte_memseg *ms;
	rte_iova_t want;
	void *pg;

	if (msl == NULL)
		return fail_why("no list holds %p (rte_errno %d)", a->va,
				rte_errno);
	if (msl->external != 1 || msl->heap != heap || msl->base_va != a->va ||
			msl->len != a->len || msl->page_sz != a->page_sz ||
			(socket >= 0 && msl->socket_id != socket))
		return fail_why("list of %p: external %u heap %u base %p len %zu page_sz %" PRIu64 " socket %d",
				a->va, msl->external, msl->heap, msl->base_va,
				msl->len, msl->page_sz, msl->socket_id);
	for (i = 0; i < n; i++) {
		pg = RTE_PTR_ADD(a->va, (size_t)i * a->page_sz);
		ms = rte_mem_virt2memseg(RTE_PTR_ADD(pg, a->page_sz - 1), NULL);
		want = a->iova ? test_iova(i, a->page_sz) : RTE_BAD_IOVA;
		if (ms == NULL || ms->addr != pg || ms->iova != want ||
				ms->len != a->page_sz ||
				ms->hugepage_sz != a->page_sz ||
				ms->socket_id != msl->socket_id ||
				rte_mem_virt2memseg_list(pg) != msl)
			return fail_why("page %u of %p is not as given", i, a->va);
	}
	return true;
}

/* ---- memory events ---- */

struct event {
	enum rte_mem_event type;
	const void *addr;
	size_t len;
};

/* The events since n was last zeroed. */
static struct {
	struct event e[MAX_EVENTS];
	unsigned int n;
} evs;

static void
record_event(enum rte_mem_event type, const void *addr, size_t len,
		void *arg)
{
	RTE_SET_USED(arg);
	if (evs.n < MAX_EVENTS)
		evs.e[evs.n] = (struct event){ type, addr, len };
	evs.n++;
}

/* Exactly one event since evs.n was zeroed: type for [va, va + len). */
static bool
saw_only(enum rte_mem_event type, const void *va, size_t len)
{
	if (evs.n == 1 && evs.e[0].type == type && evs.e[0].addr == va &&
			evs.e[0].len == len)
		return true;
	return fail_why("%u events, expected one %s of %p+%zu; first: %s %p+%zu",
			evs.n, type == RTE_MEM_EVENT_ALLOC ? "ALLOC" : "FREE",
			va, len, evs.n == 0 ? "-" :
			evs.e[0].type == RTE_MEM_EVENT_ALLOC ? "ALLOC" : "FREE",
			evs.n == 0 ? NULL : evs.e[0].addr,
			evs.n == 0 ? 0 : evs.e[0].len);
}

static int
eal_start(const char *prefix, const char *ptype, const char *opt)
{
	char *argv[8];
	int argc = 0;

	argv[argc++] = "test_extmem";
	argv[argc++] = "--file-prefix";
	argv[argc++] = (char *)prefix;
	argv[argc++] = "-l";
	argv[argc++] = "0";
	argv[argc++] = (char *)ptype;
	if (opt != NULL)
		argv[argc++] = (char *)opt;
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "test_extmem: rte_eal_init (%s): %s\n", ptype,
				rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* ==== the secondary (role "extmem_sec") ==== */

/*
 * args: the EAL mode option ("-" for none), the heap's name, the memfd's
 * descriptor (inherited), address and length (4 KiB pages, added or
 * registered with test_iova()s), the hugepage file's path ("-" for none),
 * address and length (2 MiB pages, no IOVAs), the primary's block (hex, 0
 * for none) and its size. Each step returns 0 or the line of the failed
 * check (its status: one code per check), with sec.msg saying what.
 */
enum {
	STEP_JOIN = 1,        /* rte_eal_init as a secondary */
	STEP_ATTACH_UNMAPPED, /* attach before mapping: EINVAL, no event */
	STEP_MAP,             /* map the areas at the primary's addresses */
	STEP_ALLOC_EPERM,     /* not attached: the heap refuses (EPERM) */
	STEP_ATTACH,          /* attach each area: ALLOC, pages described */
	STEP_READ,            /* the primary's block holds its pattern */
	STEP_ALLOC,           /* a block of the heap with a pattern; msg %p */
	STEP_FREE,            /* free it */
	STEP_DETACH,          /* detach each area: FREE, pages gone */
	STEP_EXT_ATTACH,      /* rte_extmem_attach the memfd area */
	STEP_EXT_DETACH,      /* rte_extmem_detach it */
	STEP_ATTACH_UNKNOWN,  /* attach what nobody added: ENOENT */
	STEP_ADD,             /* create the heap, add the memfd area, a block
			       * with a pattern; msg %p */
	STEP_REMOVE_BUSY,     /* remove: EBUSY, the primary is attached */
	STEP_REMOVE,          /* remove (FREE) and destroy the heap */
	STEP_LEAVE,           /* rte_eal_cleanup, unmap */
	N_STEPS
};

#define SEC_ARGS 10

static struct {
	struct mp_member m;
	const char *opt;
	const char *heap;
	struct area mem[2];     /* the memfd's area, the hugepage file's */
	unsigned int n_mem;
	void *blk;              /* the primary's block, or NULL */
	size_t blk_sz;
	void *mine;
	int socket;             /* the heap's, once it exists */
	char msg[MP_MSG_MAX + 1];
} sec;

#define EXPECT(cond) do { \
	if (!(cond)) { \
		snprintf(sec.msg, sizeof(sec.msg), "%s (rte_errno %d, errno %d)", \
				#cond, rte_errno, errno); \
		return __LINE__; \
	} \
} while (0)

/* call fails with rte_errno err. */
#define EXPECT_ERR(call, err) do { \
	rte_errno = 0; \
	EXPECT((call) == -1); \
	EXPECT(rte_errno == (err)); \
} while (0)

static int
sec_parse(void)
{
	char **v = sec.m.argv;

	if (sec.m.argc != SEC_ARGS)
		return -1;
	sec.opt = strcmp(v[0], "-") == 0 ? NULL : v[0];
	sec.heap = v[1];
	sec.mem[0] = (struct area){
		.fd = atoi(v[2]),
		.va = (void *)(uintptr_t)strtoull(v[3], NULL, 16),
		.len = strtoull(v[4], NULL, 10),
		.page_sz = PG,
		.iova = true,
	};
	sec.n_mem = 1;
	if (strcmp(v[5], "-") != 0) {
		sec.mem[1] = (struct area){
			.fd = -1,
			.va = (void *)(uintptr_t)strtoull(v[6], NULL, 16),
			.len = strtoull(v[7], NULL, 10),
			.page_sz = HPG,
		};
		snprintf(sec.mem[1].path, sizeof(sec.mem[1].path), "%s", v[5]);
		sec.n_mem = 2;
	}
	sec.blk = (void *)(uintptr_t)strtoull(v[8], NULL, 16);
	sec.blk_sz = strtoull(v[9], NULL, 10);
	return 0;
}

static int
sec_join(void)
{
	EXPECT(setenv("RUNTIME_DIRECTORY", sec.m.dir, 1) == 0);
	EXPECT(eal_start(sec.m.prefix, "--proc-type=secondary", sec.opt) == 0);
	EXPECT(rte_mem_event_callback_register(EV_NAME, record_event,
			NULL) == 0);
	sec.socket = rte_malloc_heap_get_socket(sec.heap);
	return 0;
}

static int
sec_attach_unmapped(void)
{
	const struct area *a = &sec.mem[0];

	evs.n = 0;
	EXPECT_ERR(rte_malloc_heap_memory_attach(sec.heap, a->va, a->len),
			EINVAL);
	EXPECT(evs.n == 0);
	EXPECT(rte_mem_virt2memseg(a->va, NULL) == NULL);
	return 0;
}

static int
sec_map(void)
{
	unsigned int i;

	for (i = 0; i < sec.n_mem; i++) {
		struct area *a = &sec.mem[i];

		if (a->path[0] != '\0')
			a->fd = open(a->path, O_RDWR | O_CLOEXEC);
		EXPECT(a->fd >= 0);
		EXPECT(map_at(a->fd, a->len, a->va) != NULL);
	}
	return 0;
}

static int
sec_alloc_eperm(void)
{
	rte_errno = 0;
	EXPECT(rte_malloc_socket(NULL, 64, 0, sec.socket) == NULL);
	EXPECT(rte_errno == EPERM);
	EXPECT_ERR(rte_malloc_heap_memory_detach(sec.heap, sec.mem[0].va,
			sec.mem[0].len), ENOENT);
	return 0;
}

static int
sec_attach(void)
{
	unsigned int i;

	for (i = 0; i < sec.n_mem; i++) {
		const struct area *a = &sec.mem[i];

		evs.n = 0;
		EXPECT(rte_malloc_heap_memory_attach(sec.heap, a->va,
				a->len) == 0);
		EXPECT(saw_only(RTE_MEM_EVENT_ALLOC, a->va, a->len));
		EXPECT(pages_described(a, sec.socket, 1));
		EXPECT_ERR(rte_malloc_heap_memory_attach(sec.heap, a->va,
				a->len), EEXIST);
	}
	return 0;
}

static int
sec_read(void)
{
	size_t sz = 0;

	EXPECT(rte_malloc_validate(sec.blk, &sz) == 0);
	EXPECT(sz >= sec.blk_sz);
	EXPECT(test_has_pattern(sec.blk, sec.blk_sz, PRIMARY_SEED));
	return 0;
}

static bool
in_my_areas(const void *p, size_t sz)
{
	unsigned int i;

	for (i = 0; i < sec.n_mem; i++) {
		if (inside(p, sz, &sec.mem[i]))
			return true;
	}
	return false;
}

static int
sec_alloc(void)
{
	sec.mine = rte_malloc_socket(NULL, BLK_SZ, 0, sec.socket);
	EXPECT(sec.mine != NULL);
	EXPECT(in_my_areas(sec.mine, BLK_SZ));
	test_fill_pattern(sec.mine, BLK_SZ, SEC_SEED);
	snprintf(sec.msg, sizeof(sec.msg), "%p", sec.mine);
	return 0;
}

static int
sec_free(void)
{
	rte_errno = 0;
	rte_free(sec.mine);
	EXPECT(rte_errno == 0);
	EXPECT_ERR(rte_malloc_validate(sec.mine, NULL), EINVAL);
	return 0;
}

static int
sec_detach(void)
{
	unsigned int i;

	for (i = 0; i < sec.n_mem; i++) {
		const struct area *a = &sec.mem[i];

		evs.n = 0;
		EXPECT(rte_malloc_heap_memory_detach(sec.heap, a->va,
				a->len) == 0);
		EXPECT(saw_only(RTE_MEM_EVENT_FREE, a->va, a->len));
		EXPECT(rte_mem_virt2memseg(a->va, NULL) == NULL);
		EXPECT_ERR(rte_malloc_heap_memory_detach(sec.heap, a->va,
				a->len), ENOENT);
	}
	rte_errno = 0;
	EXPECT(rte_malloc_socket(NULL, 64, 0, sec.socket) == NULL);
	EXPECT(rte_errno == EPERM);
	return 0;
}

static int
sec_ext_attach(void)
{
	const struct area *a = &sec.mem[0];
	const struct rte_memseg_list *msl;

	evs.n = 0;
	EXPECT(rte_extmem_attach(a->va, a->len) == 0);
	EXPECT(evs.n == 0);
	EXPECT(pages_described(a, -1, 0));
	EXPECT_ERR(rte_extmem_attach(a->va, a->len), EEXIST);
	msl = rte_mem_virt2memseg_list(a->va);
	rte_errno = 0;
	EXPECT(rte_malloc_socket(NULL, 64, 0, msl->socket_id) == NULL);
	EXPECT(rte_errno == EINVAL);
	return 0;
}

static int
sec_ext_detach(void)
{
	const struct area *a = &sec.mem[0];

	evs.n = 0;
	EXPECT(rte_extmem_detach(a->va, a->len) == 0);
	EXPECT(evs.n == 0);
	EXPECT(rte_mem_virt2memseg(a->va, NULL) == NULL);
	EXPECT_ERR(rte_extmem_detach(a->va, a->len), ENOENT);
	return 0;
}

static int
sec_attach_unknown(void)
{
	const struct area *a = &sec.mem[0];

	evs.n = 0;
	EXPECT_ERR(rte_extmem_attach(a->va, a->len), ENOENT);
	EXPECT_ERR(rte_malloc_heap_memory_attach(sec.heap, a->va, a->len),
			ENOENT);
	EXPECT(evs.n == 0);
	EXPECT(rte_mem_virt2memseg(a->va, NULL) == NULL);
	return 0;
}

static int
sec_add(void)
{
	const struct area *a = &sec.mem[0];
	rte_iova_t iova[N_PAGES];

	EXPECT(a->len == N_PAGES * PG);
	fill_iovas(iova, N_PAGES, PG);
	EXPECT(rte_malloc_heap_create(sec.heap) == 0);
	sec.socket = rte_malloc_heap_get_socket(sec.heap);
	EXPECT(sec.socket >= 0);
	evs.n = 0;
	EXPECT(rte_malloc_heap_memory_add(sec.heap, a->va, a->len, iova,
			N_PAGES, PG) == 0);
	EXPECT(saw_only(RTE_MEM_EVENT_ALLOC, a->va, a->len));
	sec.mine = rte_malloc_socket(NULL, BLK_SZ, 0, sec.socket);
	EXPECT(sec.mine != NULL);
	EXPECT(inside(sec.mine, BLK_SZ, a));
	test_fill_pattern(sec.mine, BLK_SZ, SEC_SEED);
	snprintf(sec.msg, sizeof(sec.msg), "%p", sec.mine);
	return 0;
}

static int
sec_remove_busy(void)
{
	const struct area *a = &sec.mem[0];

	evs.n = 0;
	EXPECT_ERR(rte_malloc_heap_memory_remove(sec.heap, a->va, a->len),
			EBUSY);
	EXPECT(evs.n == 0);
	EXPECT(pages_described(a, sec.socket, 1));
	return 0;
}

static int
sec_remove(void)
{
	const struct area *a = &sec.mem[0];

	evs.n = 0;
	EXPECT(rte_malloc_heap_memory_remove(sec.heap, a->va, a->len) == 0);
	EXPECT(saw_only(RTE_MEM_EVENT_FREE, a->va, a->len));
	EXPECT(rte_malloc_heap_destroy(sec.heap) == 0);
	return 0;
}

static int
sec_leave(void)
{
	unsigned int i;

	EXPECT(rte_mem_event_callback_unregister(EV_NAME, NULL) == 0);
	EXPECT(rte_eal_cleanup() == 0);
	for (i = 0; i < sec.n_mem; i++) {
		munmap(sec.mem[i].va, sec.mem[i].len);
		if (sec.mem[i].fd >= 0)
			close(sec.mem[i].fd);
	}
	return 0;
}

static int (*const sec_steps[N_STEPS])(void) = {
	[STEP_JOIN] = sec_join,
	[STEP_ATTACH_UNMAPPED] = sec_attach_unmapped,
	[STEP_MAP] = sec_map,
	[STEP_ALLOC_EPERM] = sec_alloc_eperm,
	[STEP_ATTACH] = sec_attach,
	[STEP_READ] = sec_read,
	[STEP_ALLOC] = sec_alloc,
	[STEP_FREE] = sec_free,
	[STEP_DETACH] = sec_detach,
	[STEP_EXT_ATTACH] = sec_ext_attach,
	[STEP_EXT_DETACH] = sec_ext_detach,
	[STEP_ATTACH_UNKNOWN] = sec_attach_unknown,
	[STEP_ADD] = sec_add,
	[STEP_REMOVE_BUSY] = sec_remove_busy,
	[STEP_REMOVE] = sec_remove,
	[STEP_LEAVE] = sec_leave,
};

static int
role_sec(int argc, char **argv)
{
	int step, rc;

	if (mp_member_init(argc, argv, &sec.m) != 0 || sec_parse() != 0)
		return 1;
	while ((step = mp_member_next_step(&sec.m)) > 0) {
		sec.msg[0] = '\0';
		if (step < N_STEPS && sec_steps[step] != NULL) {
			rc = sec_steps[step]();
		} else {
			snprintf(sec.msg, sizeof(sec.msg), "no step %d", step);
			rc = 2;
		}
		if (mp_member_report(&sec.m, step, rc, "%s", sec.msg) != 0)
			return 3;
	}
	return step < 0 ? 4 : 0;
}

/* ==== a process that starts the EAL twice (role "extmem_reinit") ==== */

/* Stop the EAL while [va, va + len) is in a named heap, start it again
 * and use a new heap: 0, or the number of the check that failed. */
static int
reinit_run(void *va, size_t len, const char *opt)
{
	char prefix[2][32];
	int sock;
	void *p;

	snprintf(prefix[0], sizeof(prefix[0]), "reinit%da", (int)getpid());
	snprintf(prefix[1], sizeof(prefix[1]), "reinit%db", (int)getpid());
	if (eal_start(prefix[0], "--proc-type=primary", opt) != 0)
		return 10;
	if (rte_malloc_heap_create(HEAP_SEC) != 0 ||
			rte_malloc_heap_memory_add(HEAP_SEC, va, len, NULL, 0,
			PG) != 0)
		return 11;
	if (rte_eal_cleanup() != 0)
		return 12;
	if (eal_start(prefix[1], "--proc-type=primary", opt) != 0)
		return 13;
	if (rte_malloc_heap_create(HEAP_SEC) != 0)
		return 14;
	sock = rte_malloc_heap_get_socket(HEAP_SEC);
	if (rte_malloc_heap_memory_add(HEAP_SEC, va, len, NULL, 0, PG) != 0)
		return 15;
	p = rte_malloc_socket(NULL, BLK_SZ, 0, sock);
	if (p == NULL || RTE_PTR_DIFF(p, va) >= len)
		return 16;
	rte_free(p);
	if (rte_malloc_heap_memory_remove(HEAP_SEC, va, len) != 0 ||
			rte_malloc_heap_destroy(HEAP_SEC) != 0)
		return 17;
	return 0;
}

/* args: a runtime directory, the EAL mode option ("-" for none). Exit 0,
 * or the number of the check that failed (1-4 here, 10-17 in
 * reinit_run()). */
static int
role_reinit(int argc, char **argv)
{
	const char *opt = argc > 2 && strcmp(argv[2], "-") != 0 ? argv[2] : NULL;
	size_t len = N_PAGES * PG;
	int fd, rc;
	void *va;

	if (argc < 3 || setenv("RUNTIME_DIRECTORY", argv[1], 1) != 0)
		return 1;
	fd = memfd_create("test_extmem", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)len) != 0)
		return 2;
	va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (va == MAP_FAILED)
		return 3;
	rc = reinit_run(va, len, opt);
	if (rte_eal_cleanup() != 0 && rc == 0)
		rc = 4;
	munmap(va, len);
	close(fd);
	return rc;
}

/* ==== the test process ==== */

struct mode {
	const char *name;
	const char *opt;            /* EAL option, or NULL */
	bool huge;                  /* the group's pages are 2 MiB ones */
};

static const struct mode modes[] = {
	{ "nohuge", "--no-huge", false },
	{ "huge", NULL, true },
};

/* What the running suite started, and the running test's areas. */
static struct {
	const struct mode *md;
	char dir[PATH_MAX];         /* runtime directory (in-process suites) */
	char prefix[64];
	bool inited;
	uintptr_t next_va;          /* where map_fresh() tries next; 0: anew */
	struct area areas[MAX_AREAS];
	unsigned int n_areas;
	void *blocks[MAX_BLOCKS];   /* what noted() saw allocated */
	unsigned int n_blocks;
} fx;

static char huge_mount[PATH_MAX];

/* ---- areas ---- */

/*
 * Map fd's first len bytes shared at the lowest free address from VA_GAP
 * past the group's reserved space on: no process of the group has
 * anything there, so a secondary can map the same memory at the same
 * address.
 */
static void *
map_fresh(int fd, size_t len)
{
	unsigned int tries;
	void *p = NULL;

	if (fx.next_va == 0)
		fx.next_va = RTE_ALIGN_CEIL(eal_mcfg()->va_end, VA_GAP) + VA_GAP;
	for (tries = 0; p == NULL && tries < 64; tries++) {
		p = map_at(fd, len, (void *)fx.next_va);
		fx.next_va += RTE_ALIGN_CEIL(len, AREA_GAP) + AREA_GAP;
		if (p == NULL && errno != EEXIST)
			break;
	}
	return p;
}

enum backing {
	MEMFD_4K,               /* memfd, 4 KiB pages */
	MEMFD_2M,               /* memfd of MFD_HUGETLB, 2 MiB pages */
	FILE_2M,                /* a file in hugetlbfs, 2 MiB pages */
};

static void
area_unmap(struct area *a)
{
	if (a->va != NULL)
		munmap(a->va, a->len);
	if (a->fd >= 0)
		close(a->fd);
	if (a->path[0] != '\0')
		unlink(a->path);
	a->va = NULL;
	a->fd = -1;
	a->path[0] = '\0';
}

static int
open_backing(struct area *a, enum backing b, bool inherit)
{
	unsigned int flags = inherit ? 0 : MFD_CLOEXEC;

	switch (b) {
	case MEMFD_4K:
		return memfd_create("test_extmem", flags);
	case MEMFD_2M:
		return memfd_create("test_extmem", flags | MFD_HUGETLB);
	case FILE_2M:
		if (snprintf(a->path, sizeof(a->path), "%s/extmem-%s-%u",
				huge_mount, fx.prefix, fx.n_areas) >=
				(int)sizeof(a->path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return open(a->path, O_CREAT | O_EXCL | O_RDWR |
				(inherit ? 0 : O_CLOEXEC), 0600);
	}
	return -1;
}

/*
 * A new area of n pages backed by b, mapped by map_fresh(); inherit: its
 * descriptor stays open across exec (a secondary gets it). NULL when it
 * cannot be made (printed).
 */
static struct area *
area_new(enum backing b, unsigned int n, bool inherit)
{
	struct area *a = &fx.areas[fx.n_areas];

	if (fx.n_areas == MAX_AREAS)
		return NULL;
	memset(a, 0, sizeof(*a));
	a->page_sz = b == MEMFD_4K ? PG : HPG;
	a->len = (size_t)n * a->page_sz;
	a->fd = open_backing(a, b, inherit);
	if (a->fd < 0 || ftruncate(a->fd, (off_t)a->len) != 0 ||
			(a->va = map_fresh(a->fd, a->len)) == NULL) {
		printf("\n    cannot map %u pages of %zu bytes: %s ", n,
				a->page_sz, strerror(errno));
		area_unmap(a);
		return NULL;
	}
	fx.n_areas++;
	return a;
}

/* Add a to heap (with test_iova()s or none). 0, or -1 with rte_errno. */
static int
add_area(const char *heap, struct area *a, bool iova)
{
	unsigned int n = (unsigned int)(a->len / a->page_sz);
	rte_iova_t *iovas = NULL;
	int ret;

	a->iova = iova;
	if (iova) {
		iovas = calloc(n, sizeof(*iovas));
		if (iovas == NULL)
			return -1;
		fill_iovas(iovas, n, a->page_sz);
	}
	ret = rte_malloc_heap_memory_add(heap, a->va, a->len, iovas, n,
			a->page_sz);
	free(iovas);
	return ret;
}

/* As add_area(), for rte_extmem_register(). */
static int
register_area(struct area *a, bool iova)
{
	unsigned int n = (unsigned int)(a->len / a->page_sz);
	rte_iova_t *iovas = NULL;
	int ret;

	a->iova = iova;
	if (iova) {
		iovas = calloc(n, sizeof(*iovas));
		if (iovas == NULL)
			return -1;
		fill_iovas(iovas, n, a->page_sz);
	}
	ret = rte_extmem_register(a->va, a->len, iovas, n, a->page_sz);
	free(iovas);
	return ret;
}

static int
remove_area(const char *heap, const struct area *a)
{
	return rte_malloc_heap_memory_remove(heap, a->va, a->len);
}

/* Create heap name (fatal if refused); its socket id. */
static int
new_heap(const char *name)
{
	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_create(name), 0);
	return rte_malloc_heap_get_socket(name);
}

/* p, noted so that the teardown can free it when its test could not. */
static void *
noted(void *p)
{
	if (p != NULL && fx.n_blocks < MAX_BLOCKS)
		fx.blocks[fx.n_blocks++] = p;
	return p;
}

/* Attach to every area, in whatever heap it is, so that its heap can be
 * used; free what the test left there. */
static void
free_leftovers(void)
{
	const struct rte_memzone *mz;
	unsigned int i, k;

	for (i = 0; i < fx.n_areas; i++) {
		struct area *a = &fx.areas[i];

		for (k = 0; a->va != NULL && k < RTE_DIM(test_heaps); k++)
			rte_malloc_heap_memory_attach(test_heaps[k], a->va,
					a->len);
		if (a->va != NULL)
			rte_extmem_attach(a->va, a->len);
	}
	for (i = 0; i < fx.n_blocks; i++) {
		if (rte_malloc_validate(fx.blocks[i], NULL) == 0)
			rte_free(fx.blocks[i]);
	}
	fx.n_blocks = 0;
	for (k = 0; k < RTE_DIM(test_memzones); k++) {
		mz = rte_memzone_lookup(test_memzones[k]);
		if (mz != NULL)
			rte_memzone_free(mz);
	}
}

/*
 * Take back what a test left: free its blocks and memzones, remove or
 * unregister its areas, destroy its heaps, and unmap every area the group
 * no longer has (one it still has stays mapped until the EAL stops:
 * unmap_all()).
 */
static void
release_leftovers(void)
{
	unsigned int i, k;

	free_leftovers();
	for (i = 0; i < fx.n_areas; i++) {
		struct area *a = &fx.areas[i];

		if (a->va == NULL)
			continue;
		for (k = 0; k < RTE_DIM(test_heaps); k++)
			remove_area(test_heaps[k], a);
		rte_extmem_unregister(a->va, a->len);
		a->kept = rte_mem_virt2memseg_list(a->va) != NULL;
		if (a->kept)
			printf("\n    area %p is still in the group: left mapped ",
					a->va);
		else
			area_unmap(a);
	}
	for (k = 0; k < RTE_DIM(test_heaps); k++)
		rte_malloc_heap_destroy(test_heaps[k]);
	for (i = k = 0; i < fx.n_areas; i++) {
		if (fx.areas[i].kept)
			fx.areas[k++] = fx.areas[i];
	}
	fx.n_areas = k;
}

static void
unmap_all(void)
{
	unsigned int i;

	for (i = 0; i < fx.n_areas; i++)
		area_unmap(&fx.areas[i]);
	fx.n_areas = 0;
}

/* The group's page files and ours that a failed test may have left. */
static void
sweep_huge_files(void)
{
	char mine[96], path[PATH_MAX * 2];
	DIR *d = huge_mount[0] != '\0' ? opendir(huge_mount) : NULL;
	struct dirent *e;

	snprintf(mine, sizeof(mine), "extmem-%s-", fx.prefix);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, fx.prefix, strlen(fx.prefix)) != 0 &&
				strncmp(e->d_name, mine, strlen(mine)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", huge_mount, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
}

/* ---- the group as a test found it ---- */

struct state {
	unsigned int n_lists;       /* rte_memseg_list_walk */
	unsigned int n_pages;       /* rte_memseg_walk */
	int n_tables;               /* page-table files of external lists */
	unsigned int n_events;
	int socket[RTE_DIM(test_heaps)]; /* -1: no such heap */
	struct rte_malloc_socket_stats st[RTE_DIM(test_heaps)];
};

static int
count_list(const struct rte_memseg_list *msl, void *arg)
{
	RTE_SET_USED(msl);
	(*(unsigned int *)arg)++;
	return 0;
}

static int
count_page(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	RTE_SET_USED(msl);
	RTE_SET_USED(ms);
	(*(unsigned int *)arg)++;
	return 0;
}

static unsigned int
n_lists(void)
{
	unsigned int n = 0;

	CU_ASSERT_EQUAL(rte_memseg_list_walk(count_list, &n), 0);
	return n;
}

static int
n_tables(void)
{
	return test_dir_count(rte_eal_get_runtime_dir(), "fbarray_memseg-ext");
}

static void
take_state(struct state *s)
{
	unsigned int k;

	memset(s, 0, sizeof(*s));
	s->n_lists = n_lists();
	CU_ASSERT_EQUAL(rte_memseg_walk(count_page, &s->n_pages), 0);
	s->n_tables = n_tables();
	s->n_events = evs.n;
	for (k = 0; k < RTE_DIM(test_heaps); k++) {
		s->socket[k] = rte_malloc_heap_get_socket(test_heaps[k]);
		if (s->socket[k] >= 0)
			CU_ASSERT_EQUAL(rte_malloc_get_socket_stats(s->socket[k],
					&s->st[k]), 0);
	}
}

/* The group is as in s0 (differences printed). */
static bool
same_state(const struct state *s0)
{
	struct state now;
	bool same = true;
	unsigned int k;

	take_state(&now);
	if (now.n_lists != s0->n_lists || now.n_pages != s0->n_pages ||
			now.n_tables != s0->n_tables ||
			now.n_events != s0->n_events)
		same = fail_why("lists %u/%u pages %u/%u tables %d/%d events %u/%u (was/is)",
				s0->n_lists, now.n_lists, s0->n_pages,
				now.n_pages, s0->n_tables, now.n_tables,
				s0->n_events, now.n_events);
	for (k = 0; k < RTE_DIM(test_heaps); k++) {
		if (now.socket[k] != s0->socket[k] ||
				memcmp(&now.st[k], &s0->st[k],
				sizeof(now.st[k])) != 0)
			same = fail_why("heap %s changed: socket %d/%d total %zu/%zu in use %zu/%zu blocks %u/%u",
					test_heaps[k], s0->socket[k],
					now.socket[k],
					s0->st[k].heap_totalsz_bytes,
					now.st[k].heap_totalsz_bytes,
					s0->st[k].heap_allocsz_bytes,
					now.st[k].heap_allocsz_bytes,
					s0->st[k].alloc_count,
					now.st[k].alloc_count);
	}
	return same;
}

/* call fails with rte_errno err and the group is as it was: lists, pages,
 * tables, the heaps' figures, and no memory event fired. */
#define FAILS_CLEANLY(call, err) do { \
	struct state s0_; \
	take_state(&s0_); \
	CHECK_ERR((call) == -1, err); \
	CU_ASSERT(same_state(&s0_)); \
} while (0)

/* ---- fixture ---- */

static int
suite_start(const struct mode *md)
{
	memset(&fx, 0, sizeof(fx));
	fx.md = md;
	snprintf(fx.prefix, sizeof(fx.prefix), "extmem%d%s", (int)getpid(),
			md->name);
	if (test_dir_create(fx.dir, sizeof(fx.dir)) < 0 ||
			setenv("RUNTIME_DIRECTORY", fx.dir, 1) < 0)
		return -1;
	if (eal_start(fx.prefix, "--proc-type=primary", md->opt) < 0) {
		test_dir_remove(fx.dir);
		return -1;
	}
	fx.inited = true;
	return rte_mem_event_callback_register(EV_NAME, record_event, NULL);
}

static int
init_nohuge(void)
{
	return suite_start(&modes[0]);
}

static int
init_huge(void)
{
	return suite_start(&modes[1]);
}

static int
suite_stop(void)
{
	int ret;

	release_leftovers();
	rte_mem_event_callback_unregister(EV_NAME, NULL);
	ret = rte_eal_cleanup();
	fx.inited = false;
	unmap_all();
	sweep_huge_files();
	test_dir_remove(fx.dir);
	unsetenv("RUNTIME_DIRECTORY");
	return ret;
}

static void
test_setup(void)
{
	static unsigned int n_tests;

	n_tests++;
	snprintf(heap_a, sizeof(heap_a), "ext_a%u", n_tests);
	snprintf(heap_b, sizeof(heap_b), "ext_b%u", n_tests);
	evs.n = 0;
	fx.next_va = 0;
}

static void
test_teardown(void)
{
	release_leftovers();
}

/* ==== before rte_eal_init ==== */

static void
test_before_init_enotsup(void)
{
	static uint8_t mem[PG] __attribute__((aligned(PG)));

	CHECK_ERR(rte_malloc_heap_create(HEAP_A) == -1, ENOTSUP);
	CHECK_ERR(rte_malloc_heap_destroy(HEAP_A) == -1, ENOTSUP);
	CHECK_ERR(rte_malloc_heap_get_socket(HEAP_A) == -1, ENOTSUP);
	CHECK_ERR(rte_malloc_heap_socket_is_external(8) == -1, ENOTSUP);
	CHECK_ERR(rte_malloc_heap_memory_add(HEAP_A, mem, PG, NULL, 1,
			PG) == -1, ENOTSUP);
	CHECK_ERR(rte_malloc_heap_memory_remove(HEAP_A, mem, PG) == -1,
			ENOTSUP);
	CHECK_ERR(rte_malloc_heap_memory_attach(HEAP_A, mem, PG) == -1,
			ENOTSUP);
	CHECK_ERR(rte_malloc_heap_memory_detach(HEAP_A, mem, PG) == -1,
			ENOTSUP);
	CHECK_ERR(rte_extmem_register(mem, PG, NULL, 1, PG) == -1, ENOTSUP);
	CHECK_ERR(rte_extmem_unregister(mem, PG) == -1, ENOTSUP);
	CHECK_ERR(rte_extmem_attach(mem, PG) == -1, ENOTSUP);
	CHECK_ERR(rte_extmem_detach(mem, PG) == -1, ENOTSUP);
}

/* ==== heap memory in one process ==== */

/* Each page of heap memory: an external heap list, the IOVA given, its
 * length and the heap's socket; gone with its table after remove. */
static void
test_heap_pages_with_iovas(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	int sock;
	int t0 = n_tables();

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, true), 0);
	CU_ASSERT(pages_described(a, sock, 1));
	CU_ASSERT_EQUAL(rte_malloc_heap_socket_is_external(sock), 1);
	CU_ASSERT_EQUAL(n_tables(), t0 + 1);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
	CHECK_ERR(rte_mem_virt2memseg(a->va, NULL) == NULL, ENOENT);
	CHECK_ERR(rte_mem_virt2memseg_list(a->va) == NULL, ENOENT);
	CU_ASSERT_EQUAL(n_tables(), t0);
}

/* Without IOVAs every page has RTE_BAD_IOVA, and n_pages is not looked
 * at. */
static void
test_heap_pages_without_iovas(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	int sock;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_memory_add(HEAP_A, a->va,
			a->len, NULL, 12345, PG), 0);
	CU_ASSERT(pages_described(a, sock, 1));
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* rte_malloc_socket, rte_zmalloc_socket, rte_calloc_socket and
 * rte_memzone_reserve on the heap's socket give memory inside its area. */
static void
test_heap_blocks_inside_area(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	const struct rte_memzone *mz;
	void *p, *z, *c;
	int sock;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, false), 0);
	p = noted(rte_malloc_socket(NULL, BLK_SZ, 0, sock));
	z = noted(rte_zmalloc_socket(NULL, BLK_SZ, 256, sock));
	c = noted(rte_calloc_socket(NULL, 10, 100, 0, sock));
	mz = rte_memzone_reserve("ext_mz", BLK_SZ, sock, 0);
	CU_ASSERT_FATAL(p != NULL && z != NULL && c != NULL && mz != NULL);
	test_fill_pattern(p, BLK_SZ, PRIMARY_SEED);
	CU_ASSERT(inside(p, BLK_SZ, a));
	CU_ASSERT(inside(z, BLK_SZ, a) && is_zero(z, BLK_SZ));
	CU_ASSERT_EQUAL((uintptr_t)z % 256, 0);
	CU_ASSERT(inside(c, 1000, a) && is_zero(c, 1000));
	CU_ASSERT(inside(mz->addr, mz->len, a));
	CU_ASSERT(mz->len >= BLK_SZ);
	CU_ASSERT_EQUAL(mz->socket_id, sock);
	CU_ASSERT(test_has_pattern(p, BLK_SZ, PRIMARY_SEED));
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	rte_free(p);
	rte_free(z);
	rte_free(c);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* A block's IOVA is its page's (as given) plus the offset in the page;
 * memory added without IOVAs has none. */
static void
test_heap_block_iova(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	size_t off;
	void *p;
	int sock;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, true), 0);
	p = noted(rte_malloc_socket(NULL, BLK_SZ, 0, sock));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	off = RTE_PTR_DIFF(p, a->va);
	CU_ASSERT_EQUAL(rte_malloc_virt2iova(p),
			test_iova((unsigned int)(off / PG), PG) + off % PG);
	rte_free(p);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, false), 0);
	p = noted(rte_malloc_socket(NULL, BLK_SZ, 0, sock));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CHECK_ERR(rte_malloc_virt2iova(p) == RTE_BAD_IOVA, EINVAL);
	rte_free(p);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* The heap's figures: all of the area, then a block in use, then none. */
static void
test_heap_stats(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	struct rte_malloc_socket_stats st0, st;
	void *p;
	int sock;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL(rte_malloc_get_socket_stats(sock, &st0), 0);
	CU_ASSERT_EQUAL(st0.heap_totalsz_bytes, 0);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, false), 0);
	CU_ASSERT_EQUAL(rte_malloc_get_socket_stats(sock, &st0), 0);
	CU_ASSERT_EQUAL(st0.heap_totalsz_bytes, a->len);
	CU_ASSERT_EQUAL(st0.alloc_count, 0);
	CU_ASSERT(st0.greatest_free_size > 0 &&
			st0.greatest_free_size <= a->len);
	p = noted(rte_malloc_socket(NULL, BLK_SZ, 0, sock));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(rte_malloc_get_socket_stats(sock, &st), 0);
	CU_ASSERT_EQUAL(st.alloc_count, 1);
	CU_ASSERT(st.heap_allocsz_bytes >= BLK_SZ);
	CU_ASSERT_EQUAL(st.heap_totalsz_bytes, a->len);
	rte_free(p);
	CU_ASSERT_EQUAL(rte_malloc_get_socket_stats(sock, &st), 0);
	CU_ASSERT_EQUAL(memcmp(&st, &st0, sizeof(st)), 0);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* SOCKET_ID_ANY blocks and memzones never come from a named heap, even
 * when the socket heaps must grow for them. */
static void
test_socket_id_any_skips_named_heap(void)
{
	static const size_t sizes[] = { 64, 1000, 5000, 64 << 10, 1 << 20 };
	struct area *a = area_new(MEMFD_4K, 512, false);
	struct rte_malloc_socket_stats st;
	const struct rte_memzone *mz;
	void *p[RTE_DIM(sizes)];
	unsigned int i;
	int sock;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, false), 0);
	for (i = 0; i < RTE_DIM(sizes); i++) {
		p[i] = rte_malloc(NULL, sizes[i], 0);
		CU_ASSERT_PTR_NOT_NULL(p[i]);
		CU_ASSERT(!meets(p[i], sizes[i], a));
	}
	mz = rte_memzone_reserve("any_mz", 5000, SOCKET_ID_ANY, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	CU_ASSERT(!meets(mz->addr, mz->len, a));
	CU_ASSERT_NOT_EQUAL(mz->socket_id, sock);
	CU_ASSERT_EQUAL(rte_malloc_get_socket_stats(sock, &st), 0);
	CU_ASSERT_EQUAL(st.alloc_count, 0);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
	for (i = 0; i < RTE_DIM(sizes); i++)
		rte_free(p[i]);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* One heap, two areas (with hugepages, the second of 2 MiB pages): both
 * described, the figures add up, a block too big for the first lands in
 * the second, and each area is removed once its own blocks are gone. */
static void
test_heap_several_areas(void)
{
	struct area *small = area_new(MEMFD_4K, N_PAGES, false), *big;
	size_t big_sz = N_PAGES * PG + PG;
	struct rte_malloc_socket_stats st;
	void *p, *q;
	int sock;

	CU_ASSERT_PTR_NOT_NULL_FATAL(small);
	big = fx.md->huge ? area_new(MEMFD_2M, 1, false) :
		area_new(MEMFD_4K, 8 * N_PAGES, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, small, true), 0);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, big, false), 0);
	CU_ASSERT(pages_described(small, sock, 1));
	CU_ASSERT(pages_described(big, sock, 1));
	CU_ASSERT_EQUAL(rte_malloc_get_socket_stats(sock, &st), 0);
	CU_ASSERT_EQUAL(st.heap_totalsz_bytes, small->len + big->len);
	p = noted(rte_malloc_socket(NULL, big_sz, 0, sock));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT(inside(p, big_sz, big));
	test_fill_pattern(p, big_sz, PRIMARY_SEED);
	q = noted(rte_malloc_socket(NULL, 100, 0, sock));
	CU_ASSERT_FATAL(q != NULL && (inside(q, 100, small) ||
			inside(q, 100, big)));
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	FAILS_CLEANLY(remove_area(HEAP_A, big), EBUSY);
	rte_free(q);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, small), 0);
	CU_ASSERT_EQUAL(rte_malloc_validate(p, NULL), 0);
	CU_ASSERT(test_has_pattern(p, big_sz, PRIMARY_SEED));
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	rte_free(p);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, big), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* The adder may detach; remove still works afterwards. */
static void
test_remove_after_adder_detached(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	int t0 = n_tables();

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, false), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_detach(HEAP_A, a->va, a->len),
			0);
	CHECK_ERR(rte_mem_virt2memseg(a->va, NULL) == NULL, ENOENT);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(n_tables(), t0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* ==== registered memory in one process ==== */

struct seen {
	const struct area *a;
	unsigned int pages;         /* pages of a walked */
	unsigned int lists;         /* lists at a->va walked */
	bool flags_ok;              /* all of them external, heap 0 */
};

static int
seen_page(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	struct seen *s = arg;

	if (meets(ms->addr, ms->len, s->a)) {
		s->pages++;
		s->flags_ok &= msl->external == 1 && msl->heap == 0;
	}
	return 0;
}

static int
seen_list(const struct rte_memseg_list *msl, void *arg)
{
	struct seen *s = arg;

	if (msl->base_va == s->a->va) {
		s->lists++;
		s->flags_ok &= msl->external == 1 && msl->heap == 0;
	}
	return 0;
}

/* Registered memory: every page known to the lookups and both walks as
 * external with no heap; gone after unregister. */
static void
test_extmem_pages_described(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	struct seen s = { .a = a, .flags_ok = true };
	int t0 = n_tables();

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL_FATAL(register_area(a, true), 0);
	CU_ASSERT(pages_described(a, -1, 0));
	CU_ASSERT_EQUAL(rte_memseg_walk(seen_page, &s), 0);
	CU_ASSERT_EQUAL(rte_memseg_list_walk(seen_list, &s), 0);
	CU_ASSERT_EQUAL(s.pages, N_PAGES);
	CU_ASSERT_EQUAL(s.lists, 1);
	CU_ASSERT(s.flags_ok);
	CU_ASSERT_EQUAL(rte_extmem_unregister(a->va, a->len), 0);
	CHECK_ERR(rte_mem_virt2memseg(a->va, NULL) == NULL, ENOENT);
	s.pages = s.lists = 0;
	CU_ASSERT_EQUAL(rte_memseg_walk(seen_page, &s), 0);
	CU_ASSERT_EQUAL(rte_memseg_list_walk(seen_list, &s), 0);
	CU_ASSERT_EQUAL(s.pages + s.lists, 0);
	CU_ASSERT_EQUAL(n_tables(), t0);
}

/* No allocator hands out registered memory: its socket id has no heap,
 * and SOCKET_ID_ANY and named heaps stay out of it. */
static void
test_extmem_never_allocated(void)
{
	static const size_t sizes[] = { 64, 1000, 5000, 64 << 10, 1 << 20 };
	struct area *a = area_new(MEMFD_4K, 512, false);
	struct area *h = area_new(MEMFD_4K, N_PAGES, false);
	const struct rte_memzone *mz;
	void *p[RTE_DIM(sizes)], *q;
	unsigned int i;
	int sock, hsock;

	CU_ASSERT_FATAL(a != NULL && h != NULL);
	CU_ASSERT_EQUAL_FATAL(register_area(a, false), 0);
	sock = rte_mem_virt2memseg_list(a->va)->socket_id;
	CHECK_ERR(rte_malloc_socket(NULL, 64, 0, sock) == NULL, EINVAL);
	CHECK_ERR(rte_memzone_reserve("reg_mz", 64, sock, 0) == NULL, EINVAL);
	CHECK_ERR(rte_malloc_heap_socket_is_external(sock) == -1, EINVAL);
	for (i = 0; i < RTE_DIM(sizes); i++) {
		p[i] = rte_malloc(NULL, sizes[i], 0);
		CU_ASSERT(p[i] != NULL && !meets(p[i], sizes[i], a));
	}
	mz = rte_memzone_reserve("any_mz", 5000, SOCKET_ID_ANY, 0);
	CU_ASSERT_FATAL(mz != NULL);
	CU_ASSERT(!meets(mz->addr, mz->len, a));
	hsock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, h, false), 0);
	q = noted(rte_malloc_socket(NULL, BLK_SZ, 0, hsock));
	CU_ASSERT(q != NULL && inside(q, BLK_SZ, h));
	rte_free(q);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
	for (i = 0; i < RTE_DIM(sizes); i++)
		rte_free(p[i]);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, h), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
	CU_ASSERT_EQUAL(rte_extmem_unregister(a->va, a->len), 0);
}

/* Registered memory takes a socket id that no heap gets later. */
static void
test_extmem_socket_id_not_reused(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	int sock;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL_FATAL(register_area(a, false), 0);
	sock = rte_mem_virt2memseg_list(a->va)->socket_id;
	CU_ASSERT_EQUAL(rte_extmem_unregister(a->va, a->len), 0);
	CU_ASSERT(new_heap(HEAP_A) > sock);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* ==== order rules ==== */

/* attach, detach, remove and unregister of memory nobody brought. */
static void
test_attach_unknown_area_enoent(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	new_heap(HEAP_A);
	FAILS_CLEANLY(rte_malloc_heap_memory_attach(HEAP_A, a->va, a->len),
			ENOENT);
	FAILS_CLEANLY(rte_malloc_heap_memory_detach(HEAP_A, a->va, a->len),
			ENOENT);
	FAILS_CLEANLY(remove_area(HEAP_A, a), ENOENT);
	FAILS_CLEANLY(rte_extmem_attach(a->va, a->len), ENOENT);
	FAILS_CLEANLY(rte_extmem_detach(a->va, a->len), ENOENT);
	FAILS_CLEANLY(rte_extmem_unregister(a->va, a->len), ENOENT);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* A block or a memzone in the area keeps it in its heap. */
static void
test_remove_with_blocks_ebusy(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	const struct rte_memzone *mz;
	void *p;
	int sock;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, false), 0);
	p = noted(rte_malloc_socket(NULL, BLK_SZ, 0, sock));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	test_fill_pattern(p, BLK_SZ, PRIMARY_SEED);
	FAILS_CLEANLY(remove_area(HEAP_A, a), EBUSY);
	CU_ASSERT_EQUAL(rte_malloc_validate(p, NULL), 0);
	CU_ASSERT(test_has_pattern(p, BLK_SZ, PRIMARY_SEED));
	CU_ASSERT(pages_described(a, sock, 1));
	rte_free(p);
	mz = rte_memzone_reserve("busy_mz", BLK_SZ, sock, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	FAILS_CLEANLY(remove_area(HEAP_A, a), EBUSY);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* A heap with memory cannot go, attached to it or not. */
static void
test_destroy_heap_with_memory_ebusy(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	int sock;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, false), 0);
	FAILS_CLEANLY(rte_malloc_heap_destroy(HEAP_A), EBUSY);
	CU_ASSERT_EQUAL(rte_malloc_heap_get_socket(HEAP_A), sock);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_detach(HEAP_A, a->va, a->len),
			0);
	FAILS_CLEANLY(rte_malloc_heap_destroy(HEAP_A), EBUSY);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* Every way to overlap [va, va + len), brought already, adding to heap
 * (or registering when heap is NULL): the same range, a page inside,
 * across either end, a range around it. */
static void
overlaps_refused(const char *heap, void *va, size_t len)
{
	const struct { ptrdiff_t dva, dlen; } v[] = {
		{ 0, 0 }, { (ptrdiff_t)PG, -(ptrdiff_t)(len - PG) },
		{ -(ptrdiff_t)PG, -(ptrdiff_t)PG }, { (ptrdiff_t)PG, 0 },
		{ -(ptrdiff_t)PG, (ptrdiff_t)PG },
	};
	unsigned int i;
	size_t l;
	void *p;

	for (i = 0; i < RTE_DIM(v); i++) {
		p = RTE_PTR_ADD(va, v[i].dva);
		l = (size_t)((ptrdiff_t)len + v[i].dlen);
		if (heap != NULL)
			FAILS_CLEANLY(rte_malloc_heap_memory_add(heap, p, l,
					NULL, 0, PG), EEXIST);
		else
			FAILS_CLEANLY(rte_extmem_register(p, l, NULL, 0, PG),
					EEXIST);
	}
}

/* Heap memory overlapped by an add (to its heap or another) or a
 * register; a range next to it is fine. */
static void
test_add_overlapping_heap_memory_eexist(void)
{
	struct area *a = area_new(MEMFD_4K, 3 * N_PAGES, false);
	size_t len = N_PAGES * PG;
	void *mid;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	mid = RTE_PTR_ADD(a->va, len);
	new_heap(HEAP_A);
	new_heap(HEAP_B);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_memory_add(HEAP_A, mid, len,
			NULL, 0, PG), 0);
	overlaps_refused(HEAP_A, mid, len);
	overlaps_refused(HEAP_B, mid, len);
	overlaps_refused(NULL, mid, len);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_add(HEAP_A, a->va, len, NULL,
			0, PG), 0);
	CU_ASSERT_EQUAL(rte_extmem_register(RTE_PTR_ADD(mid, len), len, NULL,
			0, PG), 0);
	CU_ASSERT_EQUAL(rte_extmem_unregister(RTE_PTR_ADD(mid, len), len), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_remove(HEAP_A, a->va, len), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_remove(HEAP_A, mid, len), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_B), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* Registered memory overlapped by a register or an add. */
static void
test_add_overlapping_registered_memory_eexist(void)
{
	struct area *a = area_new(MEMFD_4K, 3 * N_PAGES, false);
	size_t len = N_PAGES * PG;
	void *mid;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	mid = RTE_PTR_ADD(a->va, len);
	new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(rte_extmem_register(mid, len, NULL, 0, PG), 0);
	overlaps_refused(NULL, mid, len);
	overlaps_refused(HEAP_A, mid, len);
	CU_ASSERT_EQUAL(rte_extmem_unregister(mid, len), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* The group's own memory (a socket heap's page, the shared config) cannot
 * be brought. */
static void
test_add_group_memory_eexist(void)
{
	void *p = rte_malloc(NULL, 64, 0), *cfg = eal_mcfg();
	const struct rte_memseg *ms = rte_mem_virt2memseg(p, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(ms);
	new_heap(HEAP_A);
	FAILS_CLEANLY(rte_extmem_register(ms->addr, ms->len, NULL, 0,
			ms->len), EEXIST);
	FAILS_CLEANLY(rte_malloc_heap_memory_add(HEAP_A, ms->addr, ms->len,
			NULL, 0, ms->len), EEXIST);
	FAILS_CLEANLY(rte_extmem_register(cfg, PG, NULL, 0, PG), EEXIST);
	FAILS_CLEANLY(rte_malloc_heap_memory_add(HEAP_A, cfg, PG, NULL, 0,
			PG), EEXIST);
	rte_free(p);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* Ranges that differ from the one brought: shorter, longer, shifted. */
static const struct { ptrdiff_t dva, dlen; } inexact[] = {
	{ 0, -(ptrdiff_t)PG }, { 0, (ptrdiff_t)PG },
	{ (ptrdiff_t)PG, -(ptrdiff_t)PG }, { -(ptrdiff_t)PG, (ptrdiff_t)PG },
	{ -(ptrdiff_t)PG, 0 }, { (ptrdiff_t)PG, 0 },
};

/* remove, attach and detach find heap memory only at exactly its range. */
static void
test_heap_inexact_range_enoent(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES + 2, false);
	size_t len = N_PAGES * PG, l;
	unsigned int i;
	void *va, *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	va = RTE_PTR_ADD(a->va, PG);
	new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_memory_add(HEAP_A, va, len,
			NULL, 0, PG), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_detach(HEAP_A, va, len), 0);
	for (i = 0; i < RTE_DIM(inexact); i++) {
		p = RTE_PTR_ADD(va, inexact[i].dva);
		l = (size_t)((ptrdiff_t)len + inexact[i].dlen);
		FAILS_CLEANLY(rte_malloc_heap_memory_remove(HEAP_A, p, l),
				ENOENT);
		FAILS_CLEANLY(rte_malloc_heap_memory_attach(HEAP_A, p, l),
				ENOENT);
	}
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_attach(HEAP_A, va, len), 0);
	for (i = 0; i < RTE_DIM(inexact); i++) {
		p = RTE_PTR_ADD(va, inexact[i].dva);
		l = (size_t)((ptrdiff_t)len + inexact[i].dlen);
		FAILS_CLEANLY(rte_malloc_heap_memory_detach(HEAP_A, p, l),
				ENOENT);
	}
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_remove(HEAP_A, va, len), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* unregister, attach and detach find registered memory only at exactly
 * its range. */
static void
test_extmem_inexact_range_enoent(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES + 2, false);
	size_t len = N_PAGES * PG, l;
	unsigned int i;
	void *va, *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	va = RTE_PTR_ADD(a->va, PG);
	CU_ASSERT_EQUAL_FATAL(rte_extmem_register(va, len, NULL, 0, PG), 0);
	CU_ASSERT_EQUAL(rte_extmem_detach(va, len), 0);
	for (i = 0; i < RTE_DIM(inexact); i++) {
		p = RTE_PTR_ADD(va, inexact[i].dva);
		l = (size_t)((ptrdiff_t)len + inexact[i].dlen);
		FAILS_CLEANLY(rte_extmem_unregister(p, l), ENOENT);
		FAILS_CLEANLY(rte_extmem_attach(p, l), ENOENT);
	}
	CU_ASSERT_EQUAL(rte_extmem_attach(va, len), 0);
	for (i = 0; i < RTE_DIM(inexact); i++) {
		p = RTE_PTR_ADD(va, inexact[i].dva);
		l = (size_t)((ptrdiff_t)len + inexact[i].dlen);
		FAILS_CLEANLY(rte_extmem_detach(p, l), ENOENT);
	}
	CU_ASSERT_EQUAL(rte_extmem_unregister(va, len), 0);
}

/* Heap memory is not registered memory: the rte_extmem_* calls do not
 * find it. */
static void
test_unregister_heap_memory_enoent(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	int sock;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, false), 0);
	FAILS_CLEANLY(rte_extmem_unregister(a->va, a->len), ENOENT);
	FAILS_CLEANLY(rte_extmem_attach(a->va, a->len), ENOENT);
	FAILS_CLEANLY(rte_extmem_detach(a->va, a->len), ENOENT);
	CU_ASSERT(pages_described(a, sock, 1));
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* Registered memory is in no heap: the heap calls do not find it. */
static void
test_remove_registered_memory_enoent(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(register_area(a, false), 0);
	FAILS_CLEANLY(remove_area(HEAP_A, a), ENOENT);
	FAILS_CLEANLY(rte_malloc_heap_memory_attach(HEAP_A, a->va, a->len),
			ENOENT);
	FAILS_CLEANLY(rte_malloc_heap_memory_detach(HEAP_A, a->va, a->len),
			ENOENT);
	CU_ASSERT(pages_described(a, -1, 0));
	CU_ASSERT_EQUAL(rte_extmem_unregister(a->va, a->len), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* Memory added to one heap is not found through another. */
static void
test_other_heap_enoent(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	new_heap(HEAP_A);
	new_heap(HEAP_B);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, false), 0);
	FAILS_CLEANLY(remove_area(HEAP_B, a), ENOENT);
	FAILS_CLEANLY(rte_malloc_heap_memory_detach(HEAP_B, a->va, a->len),
			ENOENT);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_detach(HEAP_A, a->va, a->len),
			0);
	FAILS_CLEANLY(rte_malloc_heap_memory_attach(HEAP_B, a->va, a->len),
			ENOENT);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_B), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* The process that brought memory is attached to it already. */
static void
test_attach_when_attached_eexist(void)
{
	struct area *h = area_new(MEMFD_4K, N_PAGES, false);
	struct area *r = area_new(MEMFD_4K, N_PAGES, false);

	CU_ASSERT_FATAL(h != NULL && r != NULL);
	new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, h, false), 0);
	CU_ASSERT_EQUAL_FATAL(register_area(r, false), 0);
	FAILS_CLEANLY(rte_malloc_heap_memory_attach(HEAP_A, h->va, h->len),
			EEXIST);
	FAILS_CLEANLY(rte_extmem_attach(r->va, r->len), EEXIST);
	CU_ASSERT_EQUAL(rte_extmem_unregister(r->va, r->len), 0);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, h), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* Detaching twice: the second finds nothing attached. */
static void
test_detach_when_not_attached_enoent(void)
{
	struct area *h = area_new(MEMFD_4K, N_PAGES, false);
	struct area *r = area_new(MEMFD_4K, N_PAGES, false);
	int sock;

	CU_ASSERT_FATAL(h != NULL && r != NULL);
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, h, false), 0);
	CU_ASSERT_EQUAL_FATAL(register_area(r, false), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_detach(HEAP_A, h->va, h->len),
			0);
	CU_ASSERT_EQUAL(rte_extmem_detach(r->va, r->len), 0);
	FAILS_CLEANLY(rte_malloc_heap_memory_detach(HEAP_A, h->va, h->len),
			ENOENT);
	FAILS_CLEANLY(rte_extmem_detach(r->va, r->len), ENOENT);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_attach(HEAP_A, h->va, h->len),
			0);
	CU_ASSERT_EQUAL(rte_extmem_attach(r->va, r->len), 0);
	CU_ASSERT(pages_described(h, sock, 1));
	CU_ASSERT(pages_described(r, -1, 0));
	CU_ASSERT_EQUAL(rte_extmem_unregister(r->va, r->len), 0);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, h), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* A socket heap takes no external memory: add, remove, attach, detach
 * (and destroy) refuse its name. */
static void
test_socket_heap_eperm(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	char name[RTE_HEAP_NAME_MAX_LEN];

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	snprintf(name, sizeof(name), "socket_%d", rte_socket_id_by_idx(0));
	FAILS_CLEANLY(rte_malloc_heap_memory_add(name, a->va, a->len, NULL, 0,
			PG), EPERM);
	FAILS_CLEANLY(rte_malloc_heap_memory_remove(name, a->va, a->len),
			EPERM);
	FAILS_CLEANLY(rte_malloc_heap_memory_attach(name, a->va, a->len),
			EPERM);
	FAILS_CLEANLY(rte_malloc_heap_memory_detach(name, a->va, a->len),
			EPERM);
	FAILS_CLEANLY(rte_malloc_heap_destroy(name), EPERM);
}

/* Bad geometry: misaligned, bad lengths and page sizes, IOVAs that do not
 * match, NULL; to a heap (heap != NULL) or registered. */
static void
geometry_refused(const char *heap, void *va)
{
	const struct {
		void *va;
		size_t len;
		unsigned int n;         /* IOVAs given (0: none) */
		size_t page_sz;
	} v[] = {
		{ RTE_PTR_ADD(va, PG), 2 * PG, 0, 2 * PG },   /* misaligned */
		{ va, PG + 100, 0, PG },                      /* len % page_sz */
		{ va, 0, 0, PG },                             /* len 0 */
		{ va, 3 * PG, 0, 3 * PG },                    /* not 2^n */
		{ va, PG, 0, PG / 2 },                        /* < 4 KiB */
		{ va, PG, 0, 0 },
		{ va, 4 * PG, 3, PG },                        /* n_pages */
		{ va, 4 * PG, 5, PG },
		{ NULL, PG, 0, PG },
	};
	rte_iova_t iova[8];
	unsigned int i;

	fill_iovas(iova, RTE_DIM(iova), PG);
	for (i = 0; i < RTE_DIM(v); i++) {
		rte_iova_t *iv = v[i].n != 0 ? iova : NULL;

		if (heap != NULL)
			FAILS_CLEANLY(rte_malloc_heap_memory_add(heap, v[i].va,
					v[i].len, iv, v[i].n, v[i].page_sz),
					EINVAL);
		else
			FAILS_CLEANLY(rte_extmem_register(v[i].va, v[i].len,
					iv, v[i].n, v[i].page_sz), EINVAL);
	}
}

static void
test_add_invalid_einval(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	new_heap(HEAP_A);
	geometry_refused(HEAP_A, a->va);
	FAILS_CLEANLY(rte_malloc_heap_memory_remove(HEAP_A, NULL, PG),
			EINVAL);
	FAILS_CLEANLY(rte_malloc_heap_memory_remove(HEAP_A, a->va, 0),
			EINVAL);
	FAILS_CLEANLY(rte_malloc_heap_memory_attach(HEAP_A, NULL, PG),
			EINVAL);
	FAILS_CLEANLY(rte_malloc_heap_memory_attach(HEAP_A, a->va, 0),
			EINVAL);
	FAILS_CLEANLY(rte_malloc_heap_memory_detach(HEAP_A, NULL, PG),
			EINVAL);
	FAILS_CLEANLY(rte_malloc_heap_memory_detach(HEAP_A, a->va, 0),
			EINVAL);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

static void
test_register_invalid_einval(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	geometry_refused(NULL, a->va);
	FAILS_CLEANLY(rte_extmem_unregister(NULL, PG), EINVAL);
	FAILS_CLEANLY(rte_extmem_unregister(a->va, 0), EINVAL);
	FAILS_CLEANLY(rte_extmem_attach(NULL, PG), EINVAL);
	FAILS_CLEANLY(rte_extmem_attach(a->va, 0), EINVAL);
	FAILS_CLEANLY(rte_extmem_detach(NULL, PG), EINVAL);
	FAILS_CLEANLY(rte_extmem_detach(a->va, 0), EINVAL);
}

/* NULL, empty and RTE_HEAP_NAME_MAX_LEN-long names are EINVAL for every
 * heap call; a name no heap has is ENOENT. */
static void
test_heap_names_invalid(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	char long_name[RTE_HEAP_NAME_MAX_LEN + 1];
	const char *bad[] = { NULL, "", long_name };
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	memset(long_name, 'n', RTE_HEAP_NAME_MAX_LEN);
	long_name[RTE_HEAP_NAME_MAX_LEN] = '\0';
	for (i = 0; i < RTE_DIM(bad); i++) {
		FAILS_CLEANLY(rte_malloc_heap_create(bad[i]), EINVAL);
		FAILS_CLEANLY(rte_malloc_heap_destroy(bad[i]), EINVAL);
		FAILS_CLEANLY(rte_malloc_heap_get_socket(bad[i]), EINVAL);
		FAILS_CLEANLY(rte_malloc_heap_memory_add(bad[i], a->va, a->len,
				NULL, 0, PG), EINVAL);
		FAILS_CLEANLY(rte_malloc_heap_memory_remove(bad[i], a->va,
				a->len), EINVAL);
		FAILS_CLEANLY(rte_malloc_heap_memory_attach(bad[i], a->va,
				a->len), EINVAL);
		FAILS_CLEANLY(rte_malloc_heap_memory_detach(bad[i], a->va,
				a->len), EINVAL);
	}
	FAILS_CLEANLY(rte_malloc_heap_memory_add("no_such_heap", a->va,
			a->len, NULL, 0, PG), ENOENT);
	FAILS_CLEANLY(rte_malloc_heap_memory_remove("no_such_heap", a->va,
			a->len), ENOENT);
	FAILS_CLEANLY(rte_malloc_heap_memory_attach("no_such_heap", a->va,
			a->len), ENOENT);
	FAILS_CLEANLY(rte_malloc_heap_memory_detach("no_such_heap", a->va,
			a->len), ENOENT);
}

/* Registering without IOVAs: n_pages is not looked at. */
static void
test_register_n_pages_ignored_without_iovas(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL_FATAL(rte_extmem_register(a->va, a->len, NULL, 7, PG),
			0);
	CU_ASSERT(pages_described(a, -1, 0));
	CU_ASSERT_EQUAL(rte_extmem_unregister(a->va, a->len), 0);
}

/* test_table_window_full_enospc maps tens of GiB, which valgrind cannot
 * give a program: it runs natively only. */
static bool
skip_under_memcheck(void)
{
	if (!test_under_memcheck())
		return false;
	printf("\n    skipped under memcheck (needs tens of GiB of address space) ");
	return true;
}

/* A range not mapped here (wholly, or one page of it) cannot be added or
 * registered. */
static void
test_unmapped_memory_einval(void)
{
	struct area *a;
	void *va;

	a = area_new(MEMFD_4K, 4, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(munmap(RTE_PTR_ADD(a->va, PG), PG), 0);
	FAILS_CLEANLY(rte_malloc_heap_memory_add(HEAP_A, a->va, a->len, NULL,
			0, PG), EINVAL);
	FAILS_CLEANLY(rte_extmem_register(a->va, a->len, NULL, 0, PG), EINVAL);
	va = a->va;
	area_unmap(a);
	FAILS_CLEANLY(rte_malloc_heap_memory_add(HEAP_A, va, 4 * PG, NULL, 0,
			PG), EINVAL);
	FAILS_CLEANLY(rte_extmem_register(va, 4 * PG, NULL, 0, PG), EINVAL);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* Attaching needs the memory mapped here too. */
static void
test_attach_unmapped_einval(void)
{
	struct area *h, *r;

	h = area_new(MEMFD_4K, N_PAGES, false);
	r = area_new(MEMFD_4K, N_PAGES, false);
	CU_ASSERT_FATAL(h != NULL && r != NULL);
	new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, h, false), 0);
	CU_ASSERT_EQUAL_FATAL(register_area(r, false), 0);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_memory_detach(HEAP_A, h->va,
			h->len), 0);
	CU_ASSERT_EQUAL_FATAL(rte_extmem_detach(r->va, r->len), 0);
	CU_ASSERT_EQUAL_FATAL(munmap(h->va, h->len), 0);
	CU_ASSERT_EQUAL_FATAL(munmap(r->va, r->len), 0);
	FAILS_CLEANLY(rte_malloc_heap_memory_attach(HEAP_A, h->va, h->len),
			EINVAL);
	FAILS_CLEANLY(rte_extmem_attach(r->va, r->len), EINVAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map_at(h->fd, h->len, h->va));
	CU_ASSERT_PTR_NOT_NULL_FATAL(map_at(r->fd, r->len, r->va));
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_attach(HEAP_A, h->va, h->len),
			0);
	CU_ASSERT_EQUAL(rte_extmem_attach(r->va, r->len), 0);
	CU_ASSERT_EQUAL(rte_extmem_unregister(r->va, r->len), 0);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, h), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* Two areas in HEAP_A, the second detached; *p: a block of BLK_SZ in the
 * first, filled with PRIMARY_SEED's pattern. The heap's socket. */
static int
partly_detached_heap(struct area **a1, struct area **a2, void **p)
{
	int sock;

	*a1 = area_new(MEMFD_4K, N_PAGES, false);
	*a2 = area_new(MEMFD_4K, N_PAGES, false);
	CU_ASSERT_FATAL(*a1 != NULL && *a2 != NULL);
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, *a1, false), 0);
	*p = noted(rte_malloc_socket(NULL, BLK_SZ, 0, sock));
	CU_ASSERT_FATAL(*p != NULL && inside(*p, BLK_SZ, *a1));
	test_fill_pattern(*p, BLK_SZ, PRIMARY_SEED);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, *a2, false), 0);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_memory_detach(HEAP_A, (*a2)->va,
			(*a2)->len), 0);
	return sock;
}

/* Attach a2 again, free p, take both areas back. */
static void
partly_detached_heap_end(struct area *a1, struct area *a2, void *p)
{
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_attach(HEAP_A, a2->va, a2->len),
			0);
	CU_ASSERT(test_has_pattern(p, BLK_SZ, PRIMARY_SEED));
	rte_errno = 0;
	rte_free(p);
	CU_ASSERT_EQUAL(rte_errno, 0);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a1), 0);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a2), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/*
 * rte_realloc() of a block of such a heap cannot free the old block, so it
 * must fail (EPERM, as rte_malloc_socket() into the heap) and leave the
 * block as it was (rte_malloc.h: "NULL with rte_errno, the old block
 * untouched"), not move it to a socket heap and leave it allocated.
 */
static void
test_realloc_in_partly_detached_heap_eperm(void)
{
	struct rte_malloc_socket_stats st0, st;
	struct area *a1, *a2;
	void *p, *q;
	int sock = partly_detached_heap(&a1, &a2, &p);

	CU_ASSERT_EQUAL(rte_malloc_get_socket_stats(sock, &st0), 0);
	CHECK_ERR(rte_realloc_socket(p, 4 * BLK_SZ, 0, sock) == NULL, EPERM);
	rte_errno = 0;
	q = rte_realloc(p, 4 * BLK_SZ, 0);
	CU_ASSERT_PTR_NULL(q);
	CU_ASSERT_EQUAL(rte_errno, EPERM);
	if (q != NULL)
		rte_free(q);
	CU_ASSERT_EQUAL(rte_malloc_validate(p, NULL), 0);
	CU_ASSERT_EQUAL(rte_malloc_get_socket_stats(sock, &st), 0);
	CU_ASSERT_EQUAL(st.alloc_count, st0.alloc_count);
	partly_detached_heap_end(a1, a2, p);
}

/* A memzone of such a heap cannot be freed either: it stays, whole. */
static void
test_memzone_free_in_partly_detached_heap_refused(void)
{
	struct area *a1, *a2;
	const struct rte_memzone *mz;
	void *p;

	partly_detached_heap(&a1, &a2, &p);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_memory_attach(HEAP_A, a2->va,
			a2->len), 0);
	mz = rte_memzone_reserve("detached_mz", BLK_SZ,
			rte_malloc_heap_get_socket(HEAP_A), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_detach(HEAP_A, a2->va, a2->len),
			0);
	CU_ASSERT_FATAL(mz != NULL && inside(mz->addr, mz->len, a1));
	CU_ASSERT_NOT_EQUAL(rte_memzone_free(mz), 0);
	CU_ASSERT_PTR_EQUAL(rte_memzone_lookup("detached_mz"), mz);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_attach(HEAP_A, a2->va, a2->len),
			0);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_detach(HEAP_A, a2->va, a2->len),
			0);
	partly_detached_heap_end(a1, a2, p);
}

/*
 * A heap this process is not attached to all the memory of: allocating is
 * EPERM, and so is a free into it (rte_malloc.h) — the block stays live.
 */
static void
test_free_into_partly_detached_heap_eperm(void)
{
	struct area *a1, *a2;
	void *p;
	int sock = partly_detached_heap(&a1, &a2, &p);

	CHECK_ERR(rte_malloc_socket(NULL, 64, 0, sock) == NULL, EPERM);
	rte_errno = 0;
	rte_free(p);
	CU_ASSERT_EQUAL(rte_errno, EPERM);
	CU_ASSERT_EQUAL(rte_malloc_validate(p, NULL), 0);
	partly_detached_heap_end(a1, a2, p);
}

/* Adding to a heap needs this process attached to the heap's other
 * memory (EPERM), and so does removing (not listed in rte_malloc.h). */
static void
test_partly_detached_heap_add_remove_eperm(void)
{
	struct area *a1 = area_new(MEMFD_4K, N_PAGES, false);
	struct area *a2 = area_new(MEMFD_4K, N_PAGES, false);
	struct area *a3 = area_new(MEMFD_4K, N_PAGES, false);

	CU_ASSERT_FATAL(a1 != NULL && a2 != NULL && a3 != NULL);
	new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a1, false), 0);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a2, false), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_detach(HEAP_A, a2->va, a2->len),
			0);
	FAILS_CLEANLY(add_area(HEAP_A, a3, false), EPERM);
	FAILS_CLEANLY(remove_area(HEAP_A, a1), EPERM);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a2), 0);
	CU_ASSERT_EQUAL(add_area(HEAP_A, a3, false), 0);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a3), 0);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a1), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* ==== limits ==== */

/* RTE_MAX_HEAPS heaps in all, the socket heaps included; the heaps that
 * exist keep working. */
static void
test_heaps_full_enospc(void)
{
	unsigned int n = 0, i, room = RTE_MAX_HEAPS - rte_socket_count();
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	char name[RTE_HEAP_NAME_MAX_LEN];
	void *p;
	int sock;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, false), 0);
	for (i = 0; i < RTE_MAX_HEAPS; i++) {
		snprintf(name, sizeof(name), "full_%u", i);
		if (rte_malloc_heap_create(name) != 0)
			break;
		n++;
	}
	CU_ASSERT_EQUAL(n, room - 1);
	FAILS_CLEANLY(rte_malloc_heap_create("one_more"), ENOSPC);
	p = noted(rte_malloc_socket(NULL, BLK_SZ, 0, sock));
	CU_ASSERT(p != NULL && inside(p, BLK_SZ, a));
	rte_free(p);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "full_%u", i);
		CU_ASSERT_EQUAL(rte_malloc_heap_destroy(name), 0);
	}
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* RTE_MAX_MEMSEG_LISTS lists in all, the group's own included: one-page
 * areas until none is left, then the areas brought are intact and all go
 * back. */
static void
test_memseg_lists_full_enospc(void)
{
	struct area *a = area_new(MEMFD_4K, RTE_MAX_MEMSEG_LISTS, false);
	unsigned int n, i, n0 = n_lists();
	struct area one = { .len = PG, .page_sz = PG, .fd = -1 };
	int t0 = n_tables();

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	new_heap(HEAP_A);
	for (n = 0; n < RTE_MAX_MEMSEG_LISTS; n++) {
		if (rte_extmem_register(RTE_PTR_ADD(a->va, n * PG), PG, NULL, 0,
				PG) != 0)
			break;
	}
	CU_ASSERT_EQUAL(rte_errno, ENOSPC);
	CU_ASSERT_EQUAL_FATAL(n, RTE_MAX_MEMSEG_LISTS - n0);
	one.va = RTE_PTR_ADD(a->va, n * PG);
	FAILS_CLEANLY(rte_extmem_register(one.va, PG, NULL, 0, PG), ENOSPC);
	FAILS_CLEANLY(rte_malloc_heap_memory_add(HEAP_A, one.va, PG, NULL, 0,
			PG), ENOSPC);
	CU_ASSERT_EQUAL(n_lists(), RTE_MAX_MEMSEG_LISTS);
	for (i = 0; i < n; i++) {
		one.va = RTE_PTR_ADD(a->va, i * PG);
		if (i == 0 || i == n - 1)
			CU_ASSERT(pages_described(&one, -1, 0));
		CU_ASSERT_EQUAL(rte_extmem_unregister(one.va, PG), 0);
	}
	CU_ASSERT_EQUAL(n_lists(), n0);
	CU_ASSERT_EQUAL(n_tables(), t0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* An area whose page table is bigger than the window the tables live in:
 * ENOSPC, nothing changed. */
static void
test_table_window_full_enospc(void)
{
	size_t n = eal_mcfg()->ext_len / sizeof(struct rte_memseg) + 1;
	size_t len = n * PG;
	void *p;

	if (skip_under_memcheck())
		return;
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
			MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		printf("\n    skipped: cannot map %zu GiB: %s ", len >> 30,
				strerror(errno));
		return;
	}
	new_heap(HEAP_A);
	FAILS_CLEANLY(rte_extmem_register(p, len, NULL, 0, PG), ENOSPC);
	FAILS_CLEANLY(rte_malloc_heap_memory_add(HEAP_A, p, len, NULL, 0, PG),
			ENOSPC);
	munmap(p, len);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* ==== memory events ==== */

/* add: one ALLOC of the whole area; remove: one FREE. */
static void
test_events_on_add_and_remove(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	new_heap(HEAP_A);
	evs.n = 0;
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, false), 0);
	CU_ASSERT(saw_only(RTE_MEM_EVENT_ALLOC, a->va, a->len));
	evs.n = 0;
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT(saw_only(RTE_MEM_EVENT_FREE, a->va, a->len));
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* detach: one FREE in this process; attach: one ALLOC. */
static void
test_events_on_detach_and_attach(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, false), 0);
	evs.n = 0;
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_detach(HEAP_A, a->va, a->len),
			0);
	CU_ASSERT(saw_only(RTE_MEM_EVENT_FREE, a->va, a->len));
	evs.n = 0;
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_attach(HEAP_A, a->va, a->len),
			0);
	CU_ASSERT(saw_only(RTE_MEM_EVENT_ALLOC, a->va, a->len));
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* Registered memory fires nothing: register, detach, attach, unregister. */
static void
test_no_events_for_registered_memory(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	evs.n = 0;
	CU_ASSERT_EQUAL_FATAL(register_area(a, true), 0);
	CU_ASSERT_EQUAL(rte_extmem_detach(a->va, a->len), 0);
	CU_ASSERT_EQUAL(rte_extmem_attach(a->va, a->len), 0);
	CU_ASSERT_EQUAL(rte_extmem_unregister(a->va, a->len), 0);
	CU_ASSERT_EQUAL(evs.n, 0);
}

/* A call that fails fires nothing. */
static void
test_no_events_on_failed_calls(void)
{
	struct area *a = area_new(MEMFD_4K, N_PAGES, false);
	char name[RTE_HEAP_NAME_MAX_LEN];
	void *p;
	int sock;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	snprintf(name, sizeof(name), "socket_%d", rte_socket_id_by_idx(0));
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, a, false), 0);
	p = noted(rte_malloc_socket(NULL, BLK_SZ, 0, sock));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	evs.n = 0;
	CHECK_ERR(add_area(HEAP_A, a, false) == -1, EEXIST);
	CHECK_ERR(rte_malloc_heap_memory_add(name, a->va, a->len, NULL, 0,
			PG) == -1, EPERM);
	CHECK_ERR(remove_area(HEAP_A, a) == -1, EBUSY);
	CHECK_ERR(rte_malloc_heap_memory_attach(HEAP_A, a->va, a->len) == -1,
			EEXIST);
	CHECK_ERR(rte_malloc_heap_memory_detach(HEAP_A, a->va, PG) == -1,
			ENOENT);
	CHECK_ERR(rte_malloc_heap_destroy(HEAP_A) == -1, EBUSY);
	CU_ASSERT_EQUAL(evs.n, 0);
	rte_free(p);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, a), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
}

/* ==== random operations against a model ==== */

/*
 * Areas over one mapping of DIFF_PAGES pages, some overlapping others;
 * each is absent, in heap h, or registered, attached here or not, with a
 * count of the blocks in it. The model says which call must succeed and
 * with which rte_errno, and which event fires; after every step the
 * external lists this process sees are exactly the model's attached areas,
 * and every DIFF_CHECK steps the heaps' structure, figures and blocks are
 * checked. MEMPLANE_SEED=n replays a run.
 */
#define DIFF_HEAPS 3
#define DIFF_AREAS 8
#define DIFF_PAGES 64
#define DIFF_LIVE 24
#define DIFF_BIG (48U << 10)        /* largest block asked for */
#define DIFF_CHECK 64

enum { NOWHERE = -2, REGISTERED = -1 };   /* else: where is a heap index */

static const struct { unsigned int first, n; } diff_span[DIFF_AREAS] = {
	{ 0, 4 }, { 4, 8 }, { 12, 16 }, { 28, 2 }, { 30, 34 },
	{ 2, 4 },               /* overlaps 0 and 1 */
	{ 20, 16 },             /* overlaps 2, 3 and 4 */
	{ 0, DIFF_PAGES },      /* overlaps all */
};

struct diff_area {
	void *va;
	size_t len;
	int where;
	bool attached;
	unsigned int n_blocks;
};

struct diff_blk {
	void *p;
	size_t sz;
	unsigned int seed;
	unsigned int area;
};

static struct {
	uint64_t seed, rng;
	unsigned long step;
	bool failed;
	struct diff_area area[DIFF_AREAS];
	char heap[DIFF_HEAPS][RTE_HEAP_NAME_MAX_LEN];
	int socket[DIFF_HEAPS];
	struct diff_blk blk[DIFF_LIVE];
	unsigned int n_blk;
} df;

static void
diff_fail(const char *fmt, ...)
{
	va_list ap;

	printf("\n    step %lu (MEMPLANE_SEED=%#" PRIx64 "): ", df.step, df.seed);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" ");
	df.failed = true;
}

static bool
diff_overlaps(unsigned int i, unsigned int j)
{
	const struct diff_area *a = &df.area[i], *b = &df.area[j];

	return (uintptr_t)a->va < (uintptr_t)b->va + b->len &&
		(uintptr_t)b->va < (uintptr_t)a->va + a->len;
}

/* Some area meeting area i is in the group. */
static bool
diff_taken(unsigned int i)
{
	unsigned int j;

	for (j = 0; j < DIFF_AREAS; j++) {
		if (df.area[j].where != NOWHERE && diff_overlaps(i, j))
			return true;
	}
	return false;
}

/* This process is attached to every area of heap h other than skip. */
static bool
diff_usable(int h, int skip)
{
	int j;

	for (j = 0; j < DIFF_AREAS; j++) {
		if (j != skip && df.area[j].where == h && !df.area[j].attached)
			return false;
	}
	return true;
}

static bool
diff_heap_has_areas(int h)
{
	unsigned int j;

	for (j = 0; j < DIFF_AREAS; j++) {
		if (df.area[j].where == h)
			return true;
	}
	return false;
}

/* got (0 or rte_errno) against exp; on success exactly one event ev of
 * area i (ev < 0: none), on failure none. */
static void
diff_expect(const char *op, unsigned int i, int h, int got, int exp, int ev)
{
	const struct diff_area *a = &df.area[i];
	bool ev_ok;

	if (got != exp)
		diff_fail("%s area %u heap %d: rte_errno %d, expected %d", op, i,
				h, got, exp);
	if (got == 0 && ev >= 0)
		ev_ok = evs.n == 1 && (int)evs.e[0].type == ev &&
			evs.e[0].addr == a->va && evs.e[0].len == a->len;
	else
		ev_ok = evs.n == 0;
	if (!ev_ok)
		diff_fail("%s area %u heap %d: %u events, expected %d", op, i, h,
				evs.n, got == 0 ? ev : -1);
}

static bool
diff_free_range(unsigned int i)
{
	return !diff_taken(i);
}

static bool
diff_present(unsigned int i)
{
	return df.area[i].where != NOWHERE;
}

/* An area; half the time one for which pred holds, when there is one. */
static unsigned int
diff_pick_area(bool (*pred)(unsigned int))
{
	unsigned int j, n = 0, cand[DIFF_AREAS];

	if (test_rnd(&df.rng) % 2 == 0) {
		for (j = 0; j < DIFF_AREAS; j++) {
			if (pred(j))
				cand[n++] = j;
		}
		if (n > 0)
			return cand[test_rnd(&df.rng) % n];
	}
	return (unsigned int)(test_rnd(&df.rng) % DIFF_AREAS);
}

static int
diff_pick_heap(void)
{
	return (int)(test_rnd(&df.rng) % DIFF_HEAPS);
}

/* Mostly the heap of area i, when it has one. */
static int
diff_pick_heap_of(unsigned int i)
{
	int w = df.area[i].where;

	return w >= 0 && test_rnd(&df.rng) % 4 != 0 ? w : diff_pick_heap();
}

#define DIFF_RESULT(call) ((call) == 0 ? 0 : rte_errno)

static void
diff_add(void)
{
	unsigned int i = diff_pick_area(diff_free_range);
	int h = diff_pick_heap(), got;
	struct diff_area *a = &df.area[i];
	int exp = diff_taken(i) ? EEXIST : !diff_usable(h, -1) ? EPERM : 0;

	evs.n = 0;
	got = DIFF_RESULT(rte_malloc_heap_memory_add(df.heap[h], a->va, a->len,
			NULL, 0, PG));
	diff_expect("add", i, h, got, exp, RTE_MEM_EVENT_ALLOC);
	if (got == 0) {
		a->where = h;
		a->attached = true;
	}
}

static void
diff_register(void)
{
	unsigned int i = diff_pick_area(diff_free_range);
	struct diff_area *a = &df.area[i];
	int exp = diff_taken(i) ? EEXIST : 0, got;

	evs.n = 0;
	got = DIFF_RESULT(rte_extmem_register(a->va, a->len, NULL, 0, PG));
	diff_expect("register", i, -1, got, exp, -1);
	if (got == 0) {
		a->where = REGISTERED;
		a->attached = true;
	}
}

static void
diff_remove(void)
{
	unsigned int i = diff_pick_area(diff_present);
	int h = diff_pick_heap_of(i), got, exp;
	struct diff_area *a = &df.area[i];

	exp = a->where != h ? ENOENT : !diff_usable(h, (int)i) ? EPERM :
		a->n_blocks != 0 ? EBUSY : 0;
	evs.n = 0;
	got = DIFF_RESULT(rte_malloc_heap_memory_remove(df.heap[h], a->va,
			a->len));
	/* FREE only where the memory was seen: in an attached process. */
	diff_expect("remove", i, h, got, exp,
			a->attached ? RTE_MEM_EVENT_FREE : -1);
	if (got == 0) {
		a->where = NOWHERE;
		a->attached = false;
	}
}

static void
diff_unregister(void)
{
	unsigned int i = diff_pick_area(diff_present);
	struct diff_area *a = &df.area[i];
	int exp = a->where != REGISTERED ? ENOENT : 0, got;

	evs.n = 0;
	got = DIFF_RESULT(rte_extmem_unregister(a->va, a->len));
	diff_expect("unregister", i, -1, got, exp, -1);
	if (got == 0) {
		a->where = NOWHERE;
		a->attached = false;
	}
}

static void
diff_attach(void)
{
	unsigned int i = diff_pick_area(diff_present);
	int h = diff_pick_heap_of(i), got;
	struct diff_area *a = &df.area[i];
	int exp = a->where != h ? ENOENT : a->attached ? EEXIST : 0;

	evs.n = 0;
	got = DIFF_RESULT(rte_malloc_heap_memory_attach(df.heap[h], a->va,
			a->len));
	diff_expect("attach", i, h, got, exp, RTE_MEM_EVENT_ALLOC);
	if (got == 0)
		a->attached = true;
}

static void
diff_detach(void)
{
	unsigned int i = diff_pick_area(diff_present);
	int h = diff_pick_heap_of(i), got;
	struct diff_area *a = &df.area[i];
	int exp = a->where != h || !a->attached ? ENOENT : 0;

	evs.n = 0;
	got = DIFF_RESULT(rte_malloc_heap_memory_detach(df.heap[h], a->va,
			a->len));
	diff_expect("detach", i, h, got, exp, RTE_MEM_EVENT_FREE);
	if (got == 0)
		a->attached = false;
}

static void
diff_ext_attach(void)
{
	unsigned int i = diff_pick_area(diff_present);
	struct diff_area *a = &df.area[i];
	int exp = a->where != REGISTERED ? ENOENT : a->attached ? EEXIST : 0;
	int got;

	evs.n = 0;
	got = DIFF_RESULT(rte_extmem_attach(a->va, a->len));
	diff_expect("extmem attach", i, -1, got, exp, -1);
	if (got == 0)
		a->attached = true;
}

static void
diff_ext_detach(void)
{
	unsigned int i = diff_pick_area(diff_present);
	struct diff_area *a = &df.area[i];
	int exp = a->where != REGISTERED || !a->attached ? ENOENT : 0, got;

	evs.n = 0;
	got = DIFF_RESULT(rte_extmem_detach(a->va, a->len));
	diff_expect("extmem detach", i, -1, got, exp, -1);
	if (got == 0)
		a->attached = false;
}

/* The area of heap h holding [p, p + sz), or -1. */
static int
diff_area_of(const void *p, size_t sz, int h)
{
	int j;

	for (j = 0; j < DIFF_AREAS; j++) {
		const struct diff_area *a = &df.area[j];

		if (a->where == h && (uintptr_t)p >= (uintptr_t)a->va &&
				(uintptr_t)p + sz <= (uintptr_t)a->va + a->len)
			return j;
	}
	return -1;
}

static void
diff_keep_block(void *p, size_t sz, int h)
{
	int j = diff_area_of(p, sz, h);
	struct diff_blk *b = &df.blk[df.n_blk];

	if (j < 0) {
		diff_fail("block %p+%zu of heap %d is in none of its areas", p,
				sz, h);
		rte_free(p);
		return;
	}
	*b = (struct diff_blk){ p, sz, (unsigned int)df.step, (unsigned int)j };
	test_fill_pattern(p, sz, b->seed);
	df.area[j].n_blocks++;
	df.n_blk++;
}

static void
diff_alloc(void)
{
	size_t sz = test_rnd(&df.rng) % 4 == 0 ? 1 + test_rnd(&df.rng) % DIFF_BIG :
		1 + test_rnd(&df.rng) % 2000;
	struct rte_malloc_socket_stats st;
	int h = diff_pick_heap(), exp, got;
	void *p;

	if (df.n_blk == DIFF_LIVE)
		return;
	if (rte_malloc_get_socket_stats(df.socket[h], &st) != 0)
		diff_fail("no figures of heap %d", h);
	exp = !diff_usable(h, -1) ? EPERM : sz <= st.greatest_free_size ? 0 :
		ENOMEM;
	evs.n = 0;
	p = rte_malloc_socket(NULL, sz, 0, df.socket[h]);
	got = p != NULL ? 0 : rte_errno;
	if (got != exp || evs.n != 0)
		diff_fail("alloc %zu from heap %d (greatest free %zu): rte_errno %d, expected %d, %u events",
				sz, h, st.greatest_free_size, got, exp, evs.n);
	if (p != NULL)
		diff_keep_block(p, sz, h);
}

/* Free a random block. A free into a heap this process is not attached
 * to all of is EPERM by contract (test_free_into_partly_detached_heap_eperm
 * checks that), so only blocks of heaps it may use are picked. */
static void
diff_free(void)
{
	unsigned int k, n = 0, cand[DIFF_LIVE];
	struct diff_blk *b;

	for (k = 0; k < df.n_blk; k++) {
		if (diff_usable(df.area[df.blk[k].area].where, -1))
			cand[n++] = k;
	}
	if (n == 0)
		return;
	b = &df.blk[cand[test_rnd(&df.rng) % n]];
	if (!test_has_pattern(b->p, b->sz, b->seed))
		diff_fail("block %p+%zu changed", b->p, b->sz);
	rte_errno = 0;
	rte_free(b->p);
	if (rte_errno != 0 || rte_malloc_validate(b->p, NULL) == 0)
		diff_fail("free of %p: rte_errno %d", b->p, rte_errno);
	df.area[b->area].n_blocks--;
	*b = df.blk[--df.n_blk];
}

/* Destroy a heap (EBUSY while it has memory) and create it again. */
static void
diff_recreate_heap(void)
{
	int h = diff_pick_heap(), got, old = df.socket[h];
	int exp = diff_heap_has_areas(h) ? EBUSY : 0;

	evs.n = 0;
	got = DIFF_RESULT(rte_malloc_heap_destroy(df.heap[h]));
	if (got != exp || evs.n != 0)
		diff_fail("destroy heap %d: rte_errno %d, expected %d", h, got,
				exp);
	if (got != 0)
		return;
	if (rte_malloc_heap_create(df.heap[h]) != 0)
		diff_fail("create heap %d again: rte_errno %d", h, rte_errno);
	df.socket[h] = rte_malloc_heap_get_socket(df.heap[h]);
	if (df.socket[h] <= old)
		diff_fail("heap %d got socket %d again", h, df.socket[h]);
}

static void (*const diff_ops[])(void) = {
	diff_add, diff_add, diff_add, diff_register,
	diff_remove, diff_remove, diff_remove, diff_unregister,
	diff_attach, diff_attach, diff_detach, diff_ext_attach, diff_ext_detach,
	diff_alloc, diff_alloc, diff_alloc, diff_alloc,
	diff_free, diff_free, diff_free, diff_free, diff_recreate_heap,
};

/* Every external list this process sees is an attached area of the model
 * as the model has it; arg counts them. */
static int
diff_list_ok(const struct rte_memseg_list *msl, void *arg)
{
	const struct diff_area *a;
	int j;

	if (!msl->external)
		return 0;
	(*(unsigned int *)arg)++;
	for (j = 0; j < DIFF_AREAS; j++) {
		a = &df.area[j];
		if (a->va == msl->base_va && a->len == msl->len)
			break;
	}
	if (j == DIFF_AREAS || a->where == NOWHERE || !a->attached ||
			msl->heap != (a->where >= 0) ||
			(a->where >= 0 && msl->socket_id != df.socket[a->where])) {
		diff_fail("list %p+%zu (heap %u) is not in the model as seen",
				msl->base_va, msl->len, msl->heap);
		return 1;
	}
	return 0;
}

static void
diff_check_lists(void)
{
	unsigned int n = 0, want = 0, j;

	rte_memseg_list_walk(diff_list_ok, &n);
	for (j = 0; j < DIFF_AREAS; j++)
		want += df.area[j].where != NOWHERE && df.area[j].attached;
	if (n != want)
		diff_fail("%u external lists seen, %u areas attached", n, want);
}

/* The heaps' structure, figures (memory, blocks) and blocks' bytes. */
static void
diff_check_all(void)
{
	struct rte_malloc_socket_stats st;
	unsigned int k, n_blk[DIFF_HEAPS] = { 0 };
	size_t total[DIFF_HEAPS] = { 0 };
	int h, j;

	if (heap_check_all() != 0)
		diff_fail("heap_check_all() failed");
	for (j = 0; j < DIFF_AREAS; j++) {
		if (df.area[j].where >= 0) {
			total[df.area[j].where] += df.area[j].len;
			n_blk[df.area[j].where] += df.area[j].n_blocks;
		}
	}
	for (h = 0; h < DIFF_HEAPS; h++) {
		if (rte_malloc_get_socket_stats(df.socket[h], &st) != 0 ||
				st.heap_totalsz_bytes != total[h] ||
				st.alloc_count != n_blk[h])
			diff_fail("heap %d: total %zu blocks %u, model %zu %u", h,
					st.heap_totalsz_bytes, st.alloc_count,
					total[h], n_blk[h]);
	}
	for (k = 0; k < df.n_blk; k++) {
		const struct diff_blk *b = &df.blk[k];

		if (df.area[b->area].attached &&
				!test_has_pattern(b->p, b->sz, b->seed))
			diff_fail("block %p+%zu changed", b->p, b->sz);
	}
}

static uint64_t
diff_seed(void)
{
	const char *s = getenv("MEMPLANE_SEED");
	uint64_t seed = s != NULL ? strtoull(s, NULL, 0) :
		((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();

	return seed != 0 ? seed : 1;
}

static bool
diff_start(void)
{
	struct area *m = area_new(MEMFD_4K, DIFF_PAGES, false);
	unsigned int j;
	int h;

	if (m == NULL)
		return false;
	memset(&df, 0, sizeof(df));
	df.seed = df.rng = diff_seed();
	printf("\n    MEMPLANE_SEED=%#" PRIx64 " ", df.seed);
	for (j = 0; j < DIFF_AREAS; j++)
		df.area[j] = (struct diff_area){
			RTE_PTR_ADD(m->va, diff_span[j].first * PG),
			diff_span[j].n * PG, NOWHERE, false, 0 };
	for (h = 0; h < DIFF_HEAPS; h++) {
		snprintf(df.heap[h], sizeof(df.heap[h]), "diff_%d", h);
		if (rte_malloc_heap_create(df.heap[h]) != 0)
			return false;
		df.socket[h] = rte_malloc_heap_get_socket(df.heap[h]);
	}
	return true;
}

/* Attach to everything, free every block, take every area back and
 * destroy the heaps, each of which must succeed. */
static void
diff_finish(void)
{
	unsigned int j;
	int h, w;

	for (j = 0; j < DIFF_AREAS; j++) {
		w = df.area[j].where;
		if (w == NOWHERE || df.area[j].attached)
			continue;
		if ((w >= 0 ? rte_malloc_heap_memory_attach(df.heap[w],
				df.area[j].va, df.area[j].len) :
				rte_extmem_attach(df.area[j].va,
				df.area[j].len)) != 0)
			diff_fail("finish: attach area %u", j);
		df.area[j].attached = true;
	}
	while (df.n_blk > 0)
		rte_free(df.blk[--df.n_blk].p);
	for (j = 0; j < DIFF_AREAS; j++) {
		w = df.area[j].where;
		if (w == NOWHERE)
			continue;
		if ((w >= 0 ? rte_malloc_heap_memory_remove(df.heap[w],
				df.area[j].va, df.area[j].len) :
				rte_extmem_unregister(df.area[j].va,
				df.area[j].len)) != 0)
			diff_fail("finish: take back area %u", j);
	}
	for (h = 0; h < DIFF_HEAPS; h++) {
		if (rte_malloc_heap_destroy(df.heap[h]) != 0)
			diff_fail("finish: destroy heap %d", h);
	}
}

static void
test_random_ops_match_model(void)
{
	unsigned long n_steps = test_scale(20000, 1000);
	uint32_t level = rte_log_get_global_level();
	unsigned int n0 = n_lists();
	int t0 = n_tables();

	CU_ASSERT_FATAL(diff_start());
	/* Refusals are logged; thousands would bury the report. */
	rte_log_set_global_level(RTE_LOG_CRIT);
	for (df.step = 0; df.step < n_steps && !df.failed; df.step++) {
		diff_ops[test_rnd(&df.rng) % RTE_DIM(diff_ops)]();
		diff_check_lists();
		if (df.step % DIFF_CHECK == 0)
			diff_check_all();
	}
	diff_check_all();
	diff_finish();
	rte_log_set_global_level(level);
	CU_ASSERT(!df.failed);
	CU_ASSERT_EQUAL(n_lists(), n0);
	CU_ASSERT_EQUAL(n_tables(), t0);
}

/* ==== multi-process: the test process is the primary ==== */

static struct mp_group *g;

static void
mp_begin(void)
{
	g = mp_group_create();
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	snprintf(fx.prefix, sizeof(fx.prefix), "%s", mp_group_prefix(g));
	CU_ASSERT_FATAL(setenv("RUNTIME_DIRECTORY", mp_group_dir(g), 1) == 0);
	CU_ASSERT_FATAL(eal_start(fx.prefix, "--proc-type=primary",
			fx.md->opt) == 0);
	fx.inited = true;
	CU_ASSERT_FATAL(rte_mem_event_callback_register(EV_NAME, record_event,
			NULL) == 0);
}

/* Start the secondary, told about heap, memfd area m (its descriptor
 * inherited), hugepage file area h (or NULL) and the block blk (or NULL)
 * of blk_sz bytes; it joins the group. */
static void
mp_start_sec(const char *heap, const struct area *m, const struct area *h,
		const void *blk, size_t blk_sz)
{
	char v[7][32];
	const char *args[SEC_ARGS + 1] = {
		fx.md->opt != NULL ? fx.md->opt : "-", heap, v[0], v[1], v[2],
		h != NULL ? h->path : "-", v[3], v[4], v[5], v[6], NULL,
	};

	snprintf(v[0], sizeof(v[0]), "%d", m->fd);
	snprintf(v[1], sizeof(v[1]), "%" PRIxPTR, (uintptr_t)m->va);
	snprintf(v[2], sizeof(v[2]), "%zu", m->len);
	snprintf(v[3], sizeof(v[3]), "%" PRIxPTR,
			h != NULL ? (uintptr_t)h->va : 0);
	snprintf(v[4], sizeof(v[4]), "%zu", h != NULL ? h->len : 0);
	snprintf(v[5], sizeof(v[5]), "%" PRIxPTR, (uintptr_t)blk);
	snprintf(v[6], sizeof(v[6]), "%zu", blk_sz);
	GROUP_OK(g, mp_group_start(g, 1, NULL, "extmem_sec", args, START_S));
	GROUP_OK(g, mp_group_step(g, 1, STEP_JOIN, STEP_S));
}

static void
step(int s)
{
	GROUP_OK(g, mp_group_step(g, 1, s, STEP_S));
}

static void
mp_finish(void)
{
	step(STEP_LEAVE);
	GROUP_OK(g, mp_group_finish(g, STEP_S));
}

static void
mp_teardown(void)
{
	if (g != NULL)
		mp_group_kill(g, 1);
	if (fx.inited) {
		release_leftovers();
		rte_mem_event_callback_unregister(EV_NAME, NULL);
		rte_eal_cleanup();
	}
	fx.inited = false;
	unmap_all();
	sweep_huge_files();
	mp_group_cleanup_all();
	g = NULL;
	unsetenv("RUNTIME_DIRECTORY");
}

/*
 * The seeds' workflow: the primary adds a memfd (and, with hugepages, a
 * hugepage file) to a heap and fills a block; the secondary cannot attach
 * before mapping, maps them at the same addresses, is refused the heap
 * until it attaches, attaches (ALLOC), reads the block, allocates, writes
 * and frees, and detaches (FREE). Meanwhile the primary's remove is EBUSY;
 * after the detach it succeeds.
 */
static void
test_mp_heap_workflow(void)
{
	struct area *m, *h = NULL;
	void *blk, *q = NULL;
	int sock;

	mp_begin();
	m = area_new(MEMFD_4K, N_PAGES, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	if (fx.md->huge) {
		h = area_new(FILE_2M, 2, false);
		CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	}
	sock = new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, m, true), 0);
	if (h != NULL)
		CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, h, false), 0);
	blk = noted(rte_malloc_socket(NULL, BLK_SZ, 0, sock));
	CU_ASSERT_PTR_NOT_NULL_FATAL(blk);
	test_fill_pattern(blk, BLK_SZ, PRIMARY_SEED);
	mp_start_sec(HEAP_A, m, h, blk, BLK_SZ);
	step(STEP_ATTACH_UNMAPPED);
	step(STEP_MAP);
	step(STEP_ALLOC_EPERM);
	step(STEP_ATTACH);
	step(STEP_READ);
	step(STEP_ALLOC);
	CU_ASSERT_FATAL(sscanf(mp_group_msg(g, 1), "%p", &q) == 1);
	noted(q);
	CU_ASSERT_EQUAL(rte_malloc_validate(q, NULL), 0);
	CU_ASSERT(test_has_pattern(q, BLK_SZ, SEC_SEED));
	step(STEP_FREE);
	rte_free(blk);
	FAILS_CLEANLY(remove_area(HEAP_A, m), EBUSY);
	step(STEP_DETACH);
	evs.n = 0;
	CU_ASSERT_EQUAL(remove_area(HEAP_A, m), 0);
	CU_ASSERT(saw_only(RTE_MEM_EVENT_FREE, m->va, m->len));
	if (h != NULL)
		CU_ASSERT_EQUAL(remove_area(HEAP_A, h), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
	mp_finish();
}

/* A secondary killed while attached does not keep the memory busy: the
 * kernel drops its lock. */
static void
test_mp_killed_secondary_does_not_block_remove(void)
{
	struct area *m;

	mp_begin();
	m = area_new(MEMFD_4K, N_PAGES, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	new_heap(HEAP_A);
	CU_ASSERT_EQUAL_FATAL(add_area(HEAP_A, m, true), 0);
	mp_start_sec(HEAP_A, m, NULL, NULL, 0);
	step(STEP_MAP);
	step(STEP_ATTACH);
	FAILS_CLEANLY(remove_area(HEAP_A, m), EBUSY);
	CU_ASSERT_EQUAL_FATAL(mp_group_kill(g, 1), 0);
	CU_ASSERT_EQUAL(remove_area(HEAP_A, m), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
	GROUP_OK(g, mp_group_finish(g, STEP_S));
}

/* Registered memory in a secondary: attached, its pages are known there
 * (no event); unregister is EBUSY until it detaches. */
static void
test_mp_extmem_attach_and_unregister(void)
{
	struct area *m;

	mp_begin();
	m = area_new(MEMFD_4K, N_PAGES, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL_FATAL(register_area(m, true), 0);
	mp_start_sec("-", m, NULL, NULL, 0);
	step(STEP_MAP);
	step(STEP_EXT_ATTACH);
	FAILS_CLEANLY(rte_extmem_unregister(m->va, m->len), EBUSY);
	CU_ASSERT(pages_described(m, -1, 0));
	step(STEP_EXT_DETACH);
	CU_ASSERT_EQUAL(rte_extmem_unregister(m->va, m->len), 0);
	mp_finish();
}

/* A secondary's attach of memory mapped but never brought: ENOENT. */
static void
test_mp_attach_unknown_area_enoent(void)
{
	struct area *m;

	mp_begin();
	m = area_new(MEMFD_4K, N_PAGES, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	new_heap(HEAP_A);
	mp_start_sec(HEAP_A, m, NULL, NULL, 0);
	step(STEP_MAP);
	step(STEP_ATTACH_UNKNOWN);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(HEAP_A), 0);
	mp_finish();
}

/* Any process may add: a secondary creates a heap and adds memory, the
 * primary attaches (ALLOC), reads and frees the secondary's block and
 * detaches (FREE); the secondary's remove is EBUSY until then. */
static void
test_mp_secondary_adds_primary_attaches(void)
{
	struct area *m;
	void *blk = NULL;
	int sock;

	mp_begin();
	m = area_new(MEMFD_4K, N_PAGES, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->iova = true;
	mp_start_sec(HEAP_SEC, m, NULL, NULL, 0);
	step(STEP_MAP);
	step(STEP_ADD);
	CU_ASSERT_FATAL(sscanf(mp_group_msg(g, 1), "%p", &blk) == 1);
	noted(blk);
	sock = rte_malloc_heap_get_socket(HEAP_SEC);
	CU_ASSERT_EQUAL(rte_malloc_heap_socket_is_external(sock), 1);
	CHECK_ERR(rte_malloc_socket(NULL, 64, 0, sock) == NULL, EPERM);
	evs.n = 0;
	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_memory_attach(HEAP_SEC, m->va,
			m->len), 0);
	CU_ASSERT(saw_only(RTE_MEM_EVENT_ALLOC, m->va, m->len));
	CU_ASSERT(pages_described(m, sock, 1));
	CU_ASSERT_EQUAL(rte_malloc_validate(blk, NULL), 0);
	CU_ASSERT(test_has_pattern(blk, BLK_SZ, SEC_SEED));
	rte_errno = 0;
	rte_free(blk);
	CU_ASSERT_EQUAL(rte_errno, 0);
	step(STEP_REMOVE_BUSY);
	evs.n = 0;
	CU_ASSERT_EQUAL(rte_malloc_heap_memory_detach(HEAP_SEC, m->va, m->len),
			0);
	CU_ASSERT(saw_only(RTE_MEM_EVENT_FREE, m->va, m->len));
	step(STEP_REMOVE);
	CHECK_ERR(rte_malloc_heap_get_socket(HEAP_SEC) == -1, ENOENT);
	mp_finish();
}

/* A process that stops the EAL while memory is in a named heap, and
 * starts it again, can use a new heap as usual (role_reinit checks; a
 * process of its own, as the stale state would spoil the next tests).
 * The group is only for its runtime directory, which the teardown
 * removes. */
static void
test_reinit_after_cleanup_with_heap_memory(void)
{
	const char *args[3];
	pid_t pid;
	int rc;

	g = mp_group_create();
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	args[0] = mp_group_dir(g);
	args[1] = fx.md->opt != NULL ? fx.md->opt : "-";
	args[2] = NULL;
	CU_ASSERT_FATAL(mp_spawn("extmem_reinit", args, &pid) == 0);
	rc = mp_wait(pid, START_S);
	if (rc != 0)
		printf("\n    extmem_reinit failed check %d (role_reinit) ", rc);
	CU_ASSERT_EQUAL(rc, 0);
}

static int
init_mp_nohuge(void)
{
	memset(&fx, 0, sizeof(fx));
	fx.md = &modes[0];
	return 0;
}

static int
init_mp_huge(void)
{
	memset(&fx, 0, sizeof(fx));
	fx.md = &modes[1];
	return 0;
}

static int
clean_mp(void)
{
	mp_teardown();
	return 0;
}

/* ==== registration ==== */

const struct test_role test_roles[] = {
	{ "extmem_sec", role_sec },
	{ "extmem_reinit", role_reinit },
	{ NULL, NULL },
};

static const struct test_def noinit_tests[] = {
	TEST_DEF(test_before_init_enotsup),
	{ NULL, NULL },
};

static const struct test_def tests[] = {
	TEST_DEF(test_heap_pages_with_iovas),
	TEST_DEF(test_heap_pages_without_iovas),
	TEST_DEF(test_heap_blocks_inside_area),
	TEST_DEF(test_heap_block_iova),
	TEST_DEF(test_heap_stats),
	TEST_DEF(test_socket_id_any_skips_named_heap),
	TEST_DEF(test_heap_several_areas),
	TEST_DEF(test_remove_after_adder_detached),
	TEST_DEF(test_extmem_pages_described),
	TEST_DEF(test_extmem_never_allocated),
	TEST_DEF(test_extmem_socket_id_not_reused),
	TEST_DEF(test_attach_unknown_area_enoent),
	TEST_DEF(test_remove_with_blocks_ebusy),
	TEST_DEF(test_destroy_heap_with_memory_ebusy),
	TEST_DEF(test_add_overlapping_heap_memory_eexist),
	TEST_DEF(test_add_overlapping_registered_memory_eexist),
	TEST_DEF(test_add_group_memory_eexist),
	TEST_DEF(test_heap_inexact_range_enoent),
	TEST_DEF(test_extmem_inexact_range_enoent),
	TEST_DEF(test_unregister_heap_memory_enoent),
	TEST_DEF(test_remove_registered_memory_enoent),
	TEST_DEF(test_other_heap_enoent),
	TEST_DEF(test_attach_when_attached_eexist),
	TEST_DEF(test_detach_when_not_attached_enoent),
	TEST_DEF(test_socket_heap_eperm),
	TEST_DEF(test_add_invalid_einval),
	TEST_DEF(test_register_invalid_einval),
	TEST_DEF(test_heap_names_invalid),
	TEST_DEF(test_register_n_pages_ignored_without_iovas),
	TEST_DEF(test_unmapped_memory_einval),
	TEST_DEF(test_attach_unmapped_einval),
	TEST_DEF(test_free_into_partly_detached_heap_eperm),
	TEST_DEF(test_realloc_in_partly_detached_heap_eperm),
	TEST_DEF(test_memzone_free_in_partly_detached_heap_refused),
	TEST_DEF(test_partly_detached_heap_add_remove_eperm),
	TEST_DEF(test_heaps_full_enospc),
	TEST_DEF(test_memseg_lists_full_enospc),
	TEST_DEF(test_table_window_full_enospc),
	TEST_DEF(test_events_on_add_and_remove),
	TEST_DEF(test_events_on_detach_and_attach),
	TEST_DEF(test_no_events_for_registered_memory),
	TEST_DEF(test_no_events_on_failed_calls),
	TEST_DEF(test_random_ops_match_model),
	{ NULL, NULL },
};

static const struct test_def mp_tests[] = {
	TEST_DEF(test_mp_heap_workflow),
	TEST_DEF(test_mp_killed_secondary_does_not_block_remove),
	TEST_DEF(test_mp_extmem_attach_and_unregister),
	TEST_DEF(test_mp_attach_unknown_area_enoent),
	TEST_DEF(test_mp_secondary_adds_primary_attaches),
	TEST_DEF(test_reinit_after_cleanup_with_heap_memory),
	{ NULL, NULL },
};

void
test_register(void)
{
	long free_pages = test_read_long(HUGE_2M_FREE);
	bool huge;
	CU_pSuite s[2];

	test_huge_mount(huge_mount, sizeof(huge_mount));
	huge = free_pages >= HUGE_NEEDED && huge_mount[0] != '\0';
	if (!huge)
		printf("test_extmem: %ld free 2 MiB hugepages (%d needed)%s: extmem_huge and extmem_mp_huge skipped (as root: make hugepages)\n",
				free_pages < 0 ? 0 : free_pages, HUGE_NEEDED,
				huge_mount[0] == '\0' ? ", no hugetlbfs" : "");
	test_add_suite("extmem_noinit", noinit_tests, &(struct test_hooks){
			NULL, NULL, NULL, NULL });
	test_add_suite("extmem_nohuge", tests, &(struct test_hooks){
			init_nohuge, suite_stop, test_setup, test_teardown });
	s[0] = test_add_suite("extmem_huge", tests, &(struct test_hooks){
			init_huge, suite_stop, test_setup, test_teardown });
	test_add_suite("extmem_mp_nohuge", mp_tests, &(struct test_hooks){
			init_mp_nohuge, clean_mp, test_setup, mp_teardown });
	s[1] = test_add_suite("extmem_mp_huge", mp_tests, &(struct test_hooks){
			init_mp_huge, clean_mp, test_setup, mp_teardown });
	if (!huge) {
		if (s[0] != NULL)
			CU_set_suite_active(s[0], CU_FALSE);
		if (s[1] != NULL)
			CU_set_suite_active(s[1], CU_FALSE);
	}
}
