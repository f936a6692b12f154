/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Tests of the heaps (rte_malloc.h) against their contracts, with the
 * structural checker heap_check_all() (runtime/heap/heap_private.h) run
 * after everything that could break a heap.
 *
 * malloc_noinit calls everything before rte_eal_init(). malloc_nohuge and
 * malloc_huge start an in-process primary (--no-huge 4 KiB pages, or 2 MiB
 * hugepages when enough are free) without -m, so the heap grows and
 * shrinks on demand, and check sizes and alignments, zeroing, realloc in
 * place and moved, bad and double frees, the queries, dumps and errors; a
 * differential test of random operations against a shadow list of blocks
 * (heap_check_all() after every step, every
 * block's bytes every 1000); and threads allocating at once, with and
 * without the checker running meanwhile. malloc_mp_nohuge and
 * malloc_mp_huge make the test process the primary of a group whose
 * secondaries (this binary re-executed as the role "malloc_sec")
 * allocate, free each other's blocks and churn on the same heap at once.
 *
 * A test leaves the heaps as it found them: the stats of every socket,
 * the number of used pages and (hugepage mode) the page files are compared
 * with a snapshot taken at its start. Small blocks may sit in a thread's
 * cache when freed, so tests that need a block to really go back to the
 * heap use UNCACHED bytes (more than the caches take).
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_memory.h>

#include "runtime/heap/heap_internal.h"
#include "runtime/heap/heap_private.h"
#include "test/lib/test_assert.h"
#include "test/lib/test_main.h"
#include "test/lib/test_util.h"
#include "test/mp/group.h"

#define HUGE_2M_FREE "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define HUGE_NEEDED 96          /* free 2 MiB pages a hugepage suite needs */
#define MAX_SIZE_LOG2 26        /* 64 MiB */
#define MAX_ALIGN_LOG2 12       /* 4096 */
#define UNCACHED (HEAP_CACHE_MAX_ELEM + 1000) /* bytes no cache holds */
#define SMALL 200               /* bytes a thread cache holds */
#define N_ROW 8                 /* blocks allocated to find neighbours */
#define ELEM_GAP 256            /* most bytes between neighbouring blocks */
#define SHARE_SZ (4U << 20)     /* a block that makes the heap grow */
#define PRIMARY_SEED 77
#define START_S 60              /* valgrind needs seconds to start a member */
#define STEP_S 60

/* Differential test: live blocks, their bytes, the largest block. */
#define DIFF_LIVE 256
#define DIFF_BUDGET (24U << 20)
#define DIFF_LARGE (3U << 20)
#define DIFF_FULL_CHECK 1000    /* every block's bytes checked this often */
#define DIFF_HEAP_CHECK 1       /* heap_check_all() this often (and after
				 * every realloc) */

/* Churn (threads and processes): live blocks of each. */
#define CHURN_LIVE 64
#define N_THREADS 2

/* rte_free(ptr) must refuse ptr with rte_errno err. */
#define FREE_ERR(ptr, err) do { \
	rte_errno = 0; \
	rte_free(ptr); \
	CU_ASSERT_EQUAL(rte_errno, err); \
} while (0)

struct mode {
	const char *name;
	const char *opt;            /* EAL option, or NULL */
};

static const struct mode modes[] = {
	{ "nohuge", "--no-huge" },
	{ "huge", NULL },
};

/* What the running suite started. */
static struct {
	const struct mode *md;
	char dir[PATH_MAX];         /* runtime directory (in-process suites) */
	char prefix[64];
	bool inited;
} fx;

static char huge_mount[PATH_MAX] = "/dev/hugepages";

/* A block and what it must hold. */
struct shadow {
	uint8_t *p;
	size_t size;                /* asked for */
	size_t usable;              /* as rte_malloc_validate() says */
	uint8_t fill;               /* the byte it is filled with */
};

/* ==== helpers for both sides ==== */

/* Half the time 0, else a power of two from 1 to 4096. */
static unsigned int
rnd_align(uint64_t *s)
{
	unsigned int r = (unsigned int)(test_rnd(s) % (2 * (MAX_ALIGN_LOG2 + 1)));

	return r <= MAX_ALIGN_LOG2 ? 1U << r : 0;
}

static size_t
align_of(unsigned int align)
{
	return RTE_MAX((size_t)align, (size_t)RTE_CACHE_LINE_SIZE);
}

static bool
is_filled(const void *p, size_t n, uint8_t b)
{
	const uint8_t *c = p;

	return n == 0 || (c[0] == b && memcmp(c, c + 1, n - 1) == 0);
}

/* rte_malloc_validate's usable size, 0 when p is no live block. */
static size_t
usable(const void *p)
{
	size_t sz = 0;

	return rte_malloc_validate(p, &sz) == 0 ? sz : 0;
}

static int
eal_start_with(const char *prefix, const char *ptype, const char *opt,
		const char *extra)
{
	char *argv[9];
	int argc = 0;

	argv[argc++] = "test_malloc";
	argv[argc++] = "--file-prefix";
	argv[argc++] = (char *)prefix;
	argv[argc++] = "-l";
	argv[argc++] = "0";
	argv[argc++] = (char *)ptype;
	if (opt != NULL)
		argv[argc++] = (char *)opt;
	if (extra != NULL)
		argv[argc++] = (char *)extra;
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "test_malloc: rte_eal_init (%s): %s\n", ptype,
				rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
eal_start(const char *prefix, const char *ptype, const char *opt)
{
	return eal_start_with(prefix, ptype, opt, NULL);
}

/* ---- churn: random small and medium blocks, each checked ---- */

struct churn {
	uint64_t rng;
	long ms;                    /* run this long */
	unsigned long ops;          /* out: operations done */
	char why[160];              /* out: the first failure, "" if none */
	int *done;                  /* incremented when finished, or NULL */
};

static int
churn_fail(struct churn *c, const struct shadow *x, const char *what)
{
	snprintf(c->why, sizeof(c->why), "op %lu: %s: %p+%zu (rte_errno %d)",
			c->ops, what, (void *)x->p, x->size, rte_errno);
	return -1;
}

static int
churn_alloc(struct churn *c, struct shadow *x)
{
	unsigned int align = rnd_align(&c->rng);

	x->size = test_rnd(&c->rng) % 4 == 0 ? 1025 + test_rnd(&c->rng) % (64 << 10) :
		1 + test_rnd(&c->rng) % 1024;
	x->fill = (uint8_t)(1 + test_rnd(&c->rng) % 255);
	x->p = rte_malloc(NULL, x->size, align);
	if (x->p == NULL)
		return churn_fail(c, x, "rte_malloc failed");
	if ((uintptr_t)x->p % align_of(align) != 0)
		return churn_fail(c, x, "misaligned");
	x->usable = usable(x->p);
	if (x->usable < x->size)
		return churn_fail(c, x, "usable size too small");
	memset(x->p, x->fill, x->usable);
	return 0;
}

static int
churn_check(struct churn *c, const struct shadow *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!is_filled(b[i].p, b[i].usable, b[i].fill))
			return churn_fail(c, &b[i], "bytes changed");
	}
	return 0;
}

/* Free b[i] (checked) and put the last block in its place. */
static int
churn_free(struct churn *c, struct shadow *b, unsigned int *n,
		unsigned int i)
{
	if (churn_check(c, &b[i], 1) != 0)
		return -1;
	rte_free(b[i].p);
	b[i] = b[--*n];
	return 0;
}

static int
churn_run(struct churn *c)
{
	struct shadow b[CHURN_LIVE];
	int64_t end = test_now_ms() + c->ms;
	unsigned int n = 0;
	int ret = 0;

	c->why[0] = '\0';
	for (c->ops = 0; ret == 0; c->ops++) {
		if (c->ops % 64 == 0 && test_now_ms() >= end)
			break;
		if (n == 0 || (n < CHURN_LIVE && test_rnd(&c->rng) % 2 == 0))
			ret = churn_alloc(c, &b[n++]);
		else
			ret = churn_free(c, b, &n, test_rnd(&c->rng) % n);
		if (ret == 0 && c->ops % 256 == 255)
			ret = churn_check(c, b, n);
	}
	/* A failed rte_malloc left an empty entry at the end. */
	if (ret != 0 && n > 0 && b[n - 1].p == NULL)
		n--;
	if (ret == 0)
		churn_check(c, b, n);
	while (n > 0)
		rte_free(b[--n].p);
	if (c->done != NULL)
		__atomic_add_fetch(c->done, 1, __ATOMIC_RELEASE);
	return c->why[0] == '\0' ? 0 : -1;
}

static void *
churn_thread(void *arg)
{
	churn_run(arg);
	return NULL;
}

/* ==== a secondary (role "malloc_sec") ==== */

/*
 * args: the primary's block (hex address, 0 = none), its size, then the
 * EAL mode option if any. Each step returns 0 or the line of the failed
 * check, with sec.msg saying what.
 */
enum {
	STEP_JOIN = 1,       /* rte_eal_init as a secondary */
	STEP_ALLOC,          /* allocate SHARE_SZ with a pattern; msg: "%p" */
	STEP_FREE,           /* free it */
	STEP_REFREE,         /* free it again, pages gone: refused */
	STEP_FREE_PRIMARY,   /* check and free the primary's block */
	STEP_CHURN,          /* churn for a while; msg: ops done */
	STEP_HEAP_CHECK,     /* heap_check_all() from this process */
	STEP_LEAVE,          /* rte_eal_cleanup */
	STEP_PARK,           /* allocate and free PARK_N small blocks: they
			      * stay in this process's cache */
	STEP_NAMED,          /* find the primary's "prim_heap" (msg: its
			      * socket id) and create "sec_heap" */
};

#define PARK_N 20

static struct {
	struct mp_member m;
	const char *opt;
	void *mine;
	void *primary_blk;
	size_t primary_sz;
	char msg[MP_MSG_MAX + 1];
} sec;

#define EXPECT(cond) do { \
	if (!(cond)) { \
		snprintf(sec.msg, sizeof(sec.msg), "%s (rte_errno %d)", \
				#cond, rte_errno); \
		return __LINE__; \
	} \
} while (0)

static long
churn_ms(void)
{
	return (long)test_scale(2000, 2000);
}

static int
sec_refree(void)
{
	rte_errno = 0;
	rte_free(sec.mine);
	EXPECT(rte_errno == EINVAL);
	EXPECT(rte_malloc_validate(sec.mine, NULL) == -1 && rte_errno == EINVAL);
	EXPECT(heap_check_all() == 0);
	return 0;
}

static int
sec_free_primary(void)
{
	size_t sz = 0;

	EXPECT(rte_malloc_validate(sec.primary_blk, &sz) == 0);
	EXPECT(sz >= sec.primary_sz);
	EXPECT(test_has_pattern(sec.primary_blk, sec.primary_sz, PRIMARY_SEED));
	rte_free(sec.primary_blk);
	return 0;
}

static int
sec_churn(void)
{
	struct churn c = { .rng = 0x5eed0000ULL + sec.m.idx, .ms = churn_ms() };

	if (churn_run(&c) != 0) {
		snprintf(sec.msg, sizeof(sec.msg), "%s", c.why);
		return __LINE__;
	}
	snprintf(sec.msg, sizeof(sec.msg), "%lu ops", c.ops);
	return 0;
}

static int
sec_park(void)
{
	void *p[PARK_N];
	unsigned int i;

	for (i = 0; i < PARK_N; i++) {
		p[i] = rte_malloc(NULL, 64, 0);
		EXPECT(p[i] != NULL);
	}
	for (i = 0; i < PARK_N; i++)
		rte_free(p[i]);
	return 0;
}

static int
sec_step(int step)
{
	switch (step) {
	case STEP_JOIN:
		EXPECT(setenv("RUNTIME_DIRECTORY", sec.m.dir, 1) == 0);
		EXPECT(eal_start(sec.m.prefix, "--proc-type=secondary",
				sec.opt) == 0);
		EXPECT(rte_eal_process_type() == RTE_PROC_SECONDARY);
		return 0;
	case STEP_ALLOC:
		sec.mine = rte_malloc(NULL, SHARE_SZ, 0);
		EXPECT(sec.mine != NULL);
		test_fill_pattern(sec.mine, SHARE_SZ, sec.m.idx);
		snprintf(sec.msg, sizeof(sec.msg), "%p", sec.mine);
		return 0;
	case STEP_FREE:
		rte_free(sec.mine);
		return 0;
	case STEP_REFREE:
		return sec_refree();
	case STEP_FREE_PRIMARY:
		return sec_free_primary();
	case STEP_CHURN:
		return sec_churn();
	case STEP_HEAP_CHECK:
		EXPECT(heap_check_all() == 0);
		return 0;
	case STEP_LEAVE:
		EXPECT(rte_eal_cleanup() == 0);
		return 0;
	case STEP_PARK:
		return sec_park();
	case STEP_NAMED:
		snprintf(sec.msg, sizeof(sec.msg), "%d",
				rte_malloc_heap_get_socket("prim_heap"));
		EXPECT(rte_malloc_heap_create("sec_heap") == 0);
		return 0;
	}
	EXPECT(!"unknown step");
	return 0;
}

static int
role_sec(int argc, char **argv)
{
	int step, rc;

	if (mp_member_init(argc, argv, &sec.m) != 0 || sec.m.argc < 2)
		return 1;
	sec.primary_blk = (void *)(uintptr_t)strtoull(sec.m.argv[0], NULL, 16);
	sec.primary_sz = strtoul(sec.m.argv[1], NULL, 10);
	sec.opt = sec.m.argc > 2 ? sec.m.argv[2] : NULL;
	while ((step = mp_member_next_step(&sec.m)) > 0) {
		sec.msg[0] = '\0';
		rc = sec_step(step);
		if (mp_member_report(&sec.m, step, rc, "%s", sec.msg) != 0)
			return 3;
	}
	return step < 0 ? 4 : 0;
}

/* ==== the test process ==== */

/* ---- snapshots: the heaps as a test found them ---- */

struct snap {
	unsigned int n_sockets;
	struct rte_malloc_socket_stats st[EAL_MAX_NUMA_NODES];
	unsigned int pages;         /* used memsegs */
	int files;                  /* this group's files in hugetlbfs */
};

static int
count_page(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	RTE_SET_USED(msl);
	RTE_SET_USED(ms);
	(*(unsigned int *)arg)++;
	return 0;
}

static int
page_files(void)
{
	char stem[96];

	snprintf(stem, sizeof(stem), "%smap_", fx.prefix);
	return test_dir_count(huge_mount, stem);
}

static void
take_snap(struct snap *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->n_sockets = rte_socket_count();
	for (i = 0; i < s->n_sockets && i < EAL_MAX_NUMA_NODES; i++)
		CU_ASSERT_EQUAL(rte_malloc_get_socket_stats(
				rte_socket_id_by_idx(i), &s->st[i]), 0);
	CU_ASSERT_EQUAL(rte_memseg_walk(count_page, &s->pages), 0);
	s->files = page_files();
}

static bool
stats_same(const struct rte_malloc_socket_stats *a,
		const struct rte_malloc_socket_stats *b, unsigned int idx)
{
	if (a->heap_totalsz_bytes == b->heap_totalsz_bytes &&
	    a->heap_freesz_bytes == b->heap_freesz_bytes &&
	    a->greatest_free_size == b->greatest_free_size &&
	    a->free_count == b->free_count &&
	    a->alloc_count == b->alloc_count &&
	    a->heap_allocsz_bytes == b->heap_allocsz_bytes)
		return true;
	printf("\n    socket idx %u, was/is: total %zu/%zu free %zu/%zu greatest %zu/%zu free_count %u/%u alloc_count %u/%u alloc %zu/%zu ",
		idx, a->heap_totalsz_bytes, b->heap_totalsz_bytes,
		a->heap_freesz_bytes, b->heap_freesz_bytes,
		a->greatest_free_size, b->greatest_free_size,
		a->free_count, b->free_count, a->alloc_count, b->alloc_count,
		a->heap_allocsz_bytes, b->heap_allocsz_bytes);
	return false;
}

/* The heaps are as in s0 (differences printed). */
static bool
same_as(const struct snap *s0)
{
	struct snap now;
	bool same = true;
	unsigned int i;

	take_snap(&now);
	for (i = 0; i < s0->n_sockets && i < EAL_MAX_NUMA_NODES; i++)
		same = stats_same(&s0->st[i], &now.st[i], i) && same;
	if (s0->pages != now.pages || s0->files != now.files) {
		printf("\n    used pages %u/%u, page files %d/%d ", s0->pages,
				now.pages, s0->files, now.files);
		same = false;
	}
	return same;
}

static int
first_socket(void)
{
	return rte_socket_id_by_idx(0);
}

/* ---- fixture ---- */

/* Page files a failed test may have left. */
static void
remove_page_files(void)
{
	char stem[96], path[PATH_MAX * 2];
	DIR *d = opendir(huge_mount);
	struct dirent *e;

	snprintf(stem, sizeof(stem), "%smap_", fx.prefix);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, stem, strlen(stem)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", huge_mount, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
}

static int
suite_start(const struct mode *md)
{
	memset(&fx, 0, sizeof(fx));
	fx.md = md;
	snprintf(fx.prefix, sizeof(fx.prefix), "malloc%d%s", (int)getpid(),
			md->name);
	if (test_dir_create(fx.dir, sizeof(fx.dir)) < 0 ||
			setenv("RUNTIME_DIRECTORY", fx.dir, 1) < 0)
		return -1;
	if (eal_start(fx.prefix, "--proc-type=primary", md->opt) < 0) {
		test_dir_remove(fx.dir);
		return -1;
	}
	fx.inited = true;
	return 0;
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
	int ret = rte_eal_cleanup();

	fx.inited = false;
	remove_page_files();
	test_dir_remove(fx.dir);
	unsetenv("RUNTIME_DIRECTORY");
	return ret;
}

/* ---- before rte_eal_init ---- */

static void
test_before_init_enotsup(void)
{
	struct rte_malloc_socket_stats st;
	char *buf = NULL;
	size_t len = 0, sz;
	FILE *f;
	int x = 0;

	CHECK_ERR(rte_malloc(NULL, 64, 0) == NULL, ENOTSUP);
	CHECK_ERR(rte_zmalloc(NULL, 64, 0) == NULL, ENOTSUP);
	CHECK_ERR(rte_calloc(NULL, 2, 32, 0) == NULL, ENOTSUP);
	CHECK_ERR(rte_realloc(NULL, 64, 0) == NULL, ENOTSUP);
	CHECK_ERR(rte_realloc(&x, 64, 0) == NULL, ENOTSUP);
	CHECK_ERR(rte_malloc_socket(NULL, 64, 0, SOCKET_ID_ANY) == NULL, ENOTSUP);
	CHECK_ERR(rte_zmalloc_socket(NULL, 64, 0, 0) == NULL, ENOTSUP);
	CHECK_ERR(rte_calloc_socket(NULL, 2, 32, 0, 0) == NULL, ENOTSUP);
	CHECK_ERR(rte_realloc_socket(NULL, 64, 0, 0) == NULL, ENOTSUP);
	CHECK_ERR(rte_malloc_validate(&x, &sz) == -1, ENOTSUP);
	CHECK_ERR(rte_malloc_get_socket_stats(0, &st) == -1, ENOTSUP);
	CHECK_ERR(rte_malloc_virt2iova(&x) == RTE_BAD_IOVA, ENOTSUP);
	CHECK_ERR(rte_malloc_heap_create("h") == -1, ENOTSUP);
	CHECK_ERR(rte_malloc_heap_destroy("h") == -1, ENOTSUP);
	CHECK_ERR(rte_malloc_heap_get_socket("h") == -1, ENOTSUP);
	CHECK_ERR(rte_malloc_heap_socket_is_external(0) == -1, ENOTSUP);
	FREE_ERR(&x, ENOTSUP);
	f = open_memstream(&buf, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rte_errno = 0;
	rte_malloc_dump_stats(f, NULL);
	CU_ASSERT_EQUAL(rte_errno, ENOTSUP);
	rte_errno = 0;
	rte_malloc_dump_heaps(f);
	CU_ASSERT_EQUAL(rte_errno, ENOTSUP);
	fclose(f);
	CU_ASSERT_EQUAL(len, 0);
	free(buf);
}

static void
test_before_init_free_null(void)
{
	rte_errno = 0;
	rte_free(NULL);
	CU_ASSERT_EQUAL(rte_errno, 0);
}

/* ---- sizes and alignments ---- */

/* p is a block of at least size bytes, aligned, writable, in one list. */
static void
check_block(void *p, size_t size, unsigned int align)
{
	size_t sz = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL((uintptr_t)p % align_of(align), 0);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_validate(p, &sz), 0);
	CU_ASSERT(sz >= size);
	memset(p, 0xa5, sz);
	CU_ASSERT(is_filled(p, sz, 0xa5));
	CU_ASSERT_PTR_EQUAL(rte_mem_virt2memseg_list(p),
			rte_mem_virt2memseg_list(RTE_PTR_ADD(p, sz - 1)));
}

/* 2^k - 1, 2^k and 2^k + 1 bytes, from 1 B to 64 MiB. */
static void
test_sizes(void)
{
	unsigned int k, max_log2 = (unsigned int)test_scale(MAX_SIZE_LOG2,
			MAX_SIZE_LOG2 - 2);
	size_t size, top = (size_t)1 << max_log2;
	struct snap s0;
	int d;
	void *p;

	take_snap(&s0);
	for (k = 0; k <= max_log2; k++) {
		for (d = -1; d <= 1; d++) {
			size = ((size_t)1 << k) + (size_t)d;
			if (size == 0 || size > top)
				continue;
			p = rte_malloc(NULL, size, 0);
			check_block(p, size, 0);
			rte_free(p);
		}
	}
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	CU_ASSERT(same_as(&s0));
}

/* Every alignment from 1 to 4096 (and 0), blocks kept until the end. */
static void
test_alignments(void)
{
	static const size_t sizes[] = { 1, 100, 1000, 5000 };
	void *p[(MAX_ALIGN_LOG2 + 2) * RTE_DIM(sizes)];
	unsigned int k, i, n = 0, align;
	struct snap s0;

	take_snap(&s0);
	for (k = 0; k <= MAX_ALIGN_LOG2 + 1; k++) {
		align = k == 0 ? 0 : 1U << (k - 1);
		for (i = 0; i < RTE_DIM(sizes); i++) {
			p[n] = rte_malloc(NULL, sizes[i], align);
			check_block(p[n++], sizes[i], align);
		}
	}
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	for (i = 0; i < n; i++)
		rte_free(p[i]);
	CU_ASSERT(same_as(&s0));
}

/* ---- zeroing ---- */

/* Dirty the memory a block of size would get, then zero-allocate it. */
static void
check_zeroed(void *(*zalloc)(size_t), size_t size)
{
	void *p = rte_malloc(NULL, size, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(p, 0xff, usable(p));
	rte_free(p);
	p = zalloc(size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT(is_filled(p, size, 0));
	rte_free(p);
}

static void *
zmalloc_any(size_t size)
{
	return rte_zmalloc(NULL, size, 0);
}

static void *
zmalloc_socket0(size_t size)
{
	return rte_zmalloc_socket(NULL, size, 0, first_socket());
}

static void *
calloc_any(size_t size)
{
	return rte_calloc(NULL, size / 4, 4, 0);
}

static void *
calloc_socket0(size_t size)
{
	return rte_calloc_socket(NULL, 4, size / 4, 0, first_socket());
}

static void
test_zmalloc_zeroes(void)
{
	static const size_t sizes[] = { SMALL, UNCACHED, 1U << 20 };
	struct snap s0;
	unsigned int i;

	take_snap(&s0);
	for (i = 0; i < RTE_DIM(sizes); i++) {
		check_zeroed(zmalloc_any, sizes[i]);
		check_zeroed(zmalloc_socket0, sizes[i]);
	}
	CU_ASSERT(same_as(&s0));
}

static void
test_calloc_zeroes(void)
{
	static const size_t sizes[] = { SMALL, UNCACHED, 1U << 20 };
	struct snap s0;
	unsigned int i;

	take_snap(&s0);
	for (i = 0; i < RTE_DIM(sizes); i++) {
		check_zeroed(calloc_any, sizes[i]);
		check_zeroed(calloc_socket0, sizes[i]);
	}
	CU_ASSERT(same_as(&s0));
}

/* ---- errors of the allocating calls ---- */

static void
test_alloc_invalid(void)
{
	struct snap s0;

	take_snap(&s0);
	CHECK_ERR(rte_malloc(NULL, 0, 0) == NULL, EINVAL);
	CHECK_ERR(rte_zmalloc(NULL, 0, 0) == NULL, EINVAL);
	CHECK_ERR(rte_calloc(NULL, 0, 8, 0) == NULL, EINVAL);
	CHECK_ERR(rte_calloc(NULL, 8, 0, 0) == NULL, EINVAL);
	CHECK_ERR(rte_realloc(NULL, 0, 0) == NULL, EINVAL);
	CHECK_ERR(rte_malloc(NULL, 64, 3) == NULL, EINVAL);
	CHECK_ERR(rte_malloc(NULL, 64, 48) == NULL, EINVAL);
	CHECK_ERR(rte_malloc(NULL, 64, 0x80000001U) == NULL, EINVAL);
	CHECK_ERR(rte_zmalloc(NULL, 64, 3) == NULL, EINVAL);
	CHECK_ERR(rte_calloc(NULL, 2, 32, 3) == NULL, EINVAL);
	CHECK_ERR(rte_realloc(NULL, 64, 3) == NULL, EINVAL);
	CHECK_ERR(rte_malloc_socket(NULL, 64, 3, first_socket()) == NULL, EINVAL);
	CHECK_ERR(rte_malloc_socket(NULL, 64, 0, 1000) == NULL, EINVAL);
	CHECK_ERR(rte_malloc_socket(NULL, 64, 0, -2) == NULL, EINVAL);
	CHECK_ERR(rte_zmalloc_socket(NULL, 64, 0, 1000) == NULL, EINVAL);
	CHECK_ERR(rte_calloc_socket(NULL, 2, 32, 0, 1000) == NULL, EINVAL);
	CHECK_ERR(rte_realloc_socket(NULL, 64, 0, 1000) == NULL, EINVAL);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	CU_ASSERT(same_as(&s0));
}

/* num * size overflows size_t: refused, not wrapped into a small block. */
static void
test_calloc_overflow(void)
{
	struct snap s0;

	take_snap(&s0);
	CHECK_ERR(rte_calloc(NULL, SIZE_MAX / 2 + 1, 2, 0) == NULL, EINVAL);
	CHECK_ERR(rte_calloc(NULL, SIZE_MAX, SIZE_MAX, 0) == NULL, EINVAL);
	CHECK_ERR(rte_calloc(NULL, (SIZE_MAX >> 32) + 2, (size_t)1 << 32, 0)
			== NULL, EINVAL);
	CHECK_ERR(rte_calloc_socket(NULL, 3, SIZE_MAX / 2, 0, first_socket())
			== NULL, EINVAL);
	CU_ASSERT(same_as(&s0));
}

/* More than any heap can hold: ENOMEM, and no page stays mapped. */
static void
test_alloc_too_big(void)
{
	size_t tb = (size_t)1 << 40;
	struct snap s0;
	void *p;

	take_snap(&s0);
	CHECK_ERR(rte_malloc(NULL, SIZE_MAX, 0) == NULL, ENOMEM);
	CHECK_ERR(rte_malloc(NULL, SIZE_MAX - 4095, 4096) == NULL, ENOMEM);
	CHECK_ERR(rte_malloc(NULL, tb, 0) == NULL, ENOMEM);
	CHECK_ERR(rte_zmalloc(NULL, tb, 0) == NULL, ENOMEM);
	CHECK_ERR(rte_calloc(NULL, 1U << 20, 1U << 20, 0) == NULL, ENOMEM);
	CHECK_ERR(rte_malloc_socket(NULL, tb, 0, first_socket()) == NULL, ENOMEM);
	p = rte_malloc(NULL, UNCACHED, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(p, 0x3c, UNCACHED);
	CHECK_ERR(rte_realloc(p, tb, 0) == NULL, ENOMEM);
	CU_ASSERT(is_filled(p, UNCACHED, 0x3c));
	CU_ASSERT(usable(p) >= UNCACHED);
	rte_free(p);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	CU_ASSERT(same_as(&s0));
}

/* Blocks come from the socket asked for; SOCKET_ID_ANY finds one. */
static void
test_socket_placement(void)
{
	unsigned int i;
	void *p[3];
	int s, k;
	struct snap s0;

	take_snap(&s0);
	for (i = 0; i < rte_socket_count(); i++) {
		s = rte_socket_id_by_idx(i);
		p[0] = rte_malloc_socket(NULL, 5000, 0, s);
		p[1] = rte_zmalloc_socket(NULL, 5000, 0, s);
		p[2] = rte_calloc_socket(NULL, 50, 100, 0, s);
		for (k = 0; k < 3; k++) {
			CU_ASSERT_PTR_NOT_NULL_FATAL(p[k]);
			CU_ASSERT_EQUAL(rte_mem_virt2memseg(p[k], NULL)->socket_id, s);
			rte_free(p[k]);
		}
	}
	p[0] = rte_malloc_socket(NULL, 5000, 0, SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL(p[0]);
	rte_free(p[0]);
	CU_ASSERT(same_as(&s0));
}

/* ---- realloc ---- */

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct shadow *)a)->p;
	uintptr_t y = (uintptr_t)((const struct shadow *)b)->p;

	return x < y ? -1 : x > y;
}

/* y starts right after x: nothing but a block header between them. */
static bool
next_to(const struct shadow *x, const struct shadow *y)
{
	return y->p >= x->p + x->usable &&
		(size_t)(y->p - (x->p + x->usable)) <= ELEM_GAP;
}

/*
 * N_ROW uncached blocks in address order, each filled with its own byte.
 * Returns an i whose blocks b[i - 1], b[i], b[i + 1] are neighbours in
 * memory (allocated one after the other, most are), so the middle one has
 * a busy block after it and its memory stays mapped when it is freed.
 */
static unsigned int
row_with_neighbours(struct shadow b[N_ROW])
{
	unsigned int i;

	for (i = 0; i < N_ROW; i++) {
		b[i].size = UNCACHED;
		b[i].p = rte_malloc(NULL, UNCACHED, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b[i].p);
		b[i].usable = usable(b[i].p);
	}
	qsort(b, N_ROW, sizeof(b[0]), cmp_ptr);
	for (i = 0; i < N_ROW; i++) {
		b[i].fill = (uint8_t)(0x11 * (i + 1));
		memset(b[i].p, b[i].fill, UNCACHED);
	}
	for (i = 1; i + 1 < N_ROW; i++) {
		if (next_to(&b[i - 1], &b[i]) && next_to(&b[i], &b[i + 1]))
			return i;
	}
	CU_FAIL_FATAL("no three blocks in a row are neighbours");
	return 0;
}

/*
 * row_with_neighbours() with the middle block freed and replaced by the
 * last: b[0 .. N_ROW - 2] stay live. Returns the freed block.
 */
static uint8_t *
freed_between(struct shadow b[N_ROW])
{
	unsigned int i = row_with_neighbours(b);
	uint8_t *gone = b[i].p;

	rte_free(gone);
	b[i] = b[N_ROW - 1];
	/* Its memory must still be mapped, or the tests mean nothing. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(rte_mem_virt2memseg(gone, NULL));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rte_mem_virt2memseg(gone + UNCACHED - 1,
			NULL));
	return gone;
}

static void
free_shadows(struct shadow *x, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rte_free(x[i].p);
}

/* What a bad free must leave: the heaps and the live blocks as they were. */
static void
check_untouched_live(const struct shadow *live, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		CU_ASSERT(usable(live[i].p) >= live[i].size);
		CU_ASSERT(is_filled(live[i].p, live[i].size, live[i].fill));
	}
}

static void
check_untouched(const struct snap *s0, const struct shadow *live,
		unsigned int n)
{
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	CU_ASSERT(same_as(s0));
	check_untouched_live(live, n);
}

/* The block after it is free: the block grows where it is. */
static void
test_realloc_grows_in_place(void)
{
	struct shadow b[N_ROW];
	struct snap s0;
	unsigned int i;
	uint8_t *r;

	take_snap(&s0);
	i = row_with_neighbours(b);
	rte_free(b[i + 1].p);
	b[i + 1] = b[N_ROW - 1];
	r = rte_realloc(b[i].p, b[i].usable + UNCACHED / 2, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_EQUAL(r, b[i].p);
	CU_ASSERT(usable(r) >= b[i].usable + UNCACHED / 2);
	b[i].p = r;
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	check_untouched_live(b, N_ROW - 1);
	free_shadows(b, N_ROW - 1);
	CU_ASSERT(same_as(&s0));
}

static void
test_realloc_shrinks_in_place(void)
{
	size_t big = 64U << 10;
	uint8_t *p, *r;
	struct snap s0;

	take_snap(&s0);
	p = rte_malloc(NULL, big, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(p, 0x33, big);
	r = rte_realloc(p, 1000, 0);
	CU_ASSERT_PTR_EQUAL(r, p);
	CU_ASSERT(usable(r) >= 1000);
	CU_ASSERT(is_filled(r, 1000, 0x33));
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	rte_free(r);
	CU_ASSERT(same_as(&s0));
}

/* The block after it is busy: the block moves, contents kept. */
static void
test_realloc_moves(void)
{
	struct shadow b[N_ROW], old;
	size_t big = 1U << 20;
	struct snap s0;
	unsigned int i;

	take_snap(&s0);
	i = row_with_neighbours(b);
	old = b[i];
	b[i].p = rte_realloc(old.p, big, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b[i].p);
	CU_ASSERT_PTR_NOT_EQUAL(b[i].p, old.p);
	CU_ASSERT(usable(b[i].p) >= big);
	CHECK_ERR(rte_malloc_validate(old.p, NULL) == -1, EINVAL);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	check_untouched_live(b, N_ROW);
	free_shadows(b, N_ROW);
	CU_ASSERT(same_as(&s0));
}

static void
test_realloc_null_is_malloc(void)
{
	struct snap s0;
	void *p, *q;

	take_snap(&s0);
	p = rte_realloc(NULL, 3000, 0);
	check_block(p, 3000, 0);
	q = rte_realloc_socket(NULL, 3000, 1024, SOCKET_ID_ANY);
	check_block(q, 3000, 1024);
	rte_free(p);
	rte_free(q);
	CU_ASSERT(same_as(&s0));
}

static void
test_realloc_other_socket(void)
{
	int s0, s1;
	uint8_t *p, *r;

	if (rte_socket_count() < 2) {
		printf("skipped: one socket ");
		return;
	}
	s0 = rte_socket_id_by_idx(0);
	s1 = rte_socket_id_by_idx(1);
	p = rte_malloc_socket(NULL, UNCACHED, 0, s0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(p, 0x44, UNCACHED);
	r = rte_realloc_socket(p, UNCACHED, 0, s1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_EQUAL(r, p);
	CU_ASSERT_EQUAL(rte_mem_virt2memseg(r, NULL)->socket_id, s1);
	CU_ASSERT(is_filled(r, UNCACHED, 0x44));
	rte_free(r);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
}

/* Every refused realloc leaves the heap and the block as they were. */
static void
test_realloc_invalid(void)
{
	void *glibc = malloc(256);
	struct shadow b[N_ROW];
	struct snap s0;
	uint8_t *gone, *a;
	int on_stack;

	CU_ASSERT_PTR_NOT_NULL_FATAL(glibc);
	gone = freed_between(b);
	a = b[0].p;
	take_snap(&s0);
	CHECK_ERR(rte_realloc(a + 64, 100, 0) == NULL, EINVAL);
	CHECK_ERR(rte_realloc(a + 1, 100, 0) == NULL, EINVAL);
	CHECK_ERR(rte_realloc(&on_stack, 100, 0) == NULL, EINVAL);
	CHECK_ERR(rte_realloc(glibc, 100, 0) == NULL, EINVAL);
	CHECK_ERR(rte_realloc(gone, 100, 0) == NULL, EINVAL);
	CHECK_ERR(rte_realloc(a, 0, 0) == NULL, EINVAL);
	CHECK_ERR(rte_realloc(a, 100, 3) == NULL, EINVAL);
	CHECK_ERR(rte_realloc_socket(a, 100, 0, 1000) == NULL, EINVAL);
	check_untouched(&s0, b, N_ROW - 1);
	free_shadows(b, N_ROW - 1);
	free(glibc);
}

/* ---- free ---- */

static void
test_free_null(void)
{
	struct snap s0;

	take_snap(&s0);
	rte_errno = 1234;
	rte_free(NULL);
	CU_ASSERT_EQUAL(rte_errno, 1234);
	CU_ASSERT(same_as(&s0));
}

static void
alloc_shadow(struct shadow *x, size_t size, uint8_t fill)
{
	x->size = size;
	x->fill = fill;
	x->p = rte_malloc(NULL, size, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x->p);
	memset(x->p, fill, size);
}

static void
test_free_inside_block(void)
{
	static const size_t offs[] = { 1, 8, 63, 64, 128, UNCACHED / 2,
		UNCACHED - 1 };
	struct shadow b[2];
	struct snap s0;
	unsigned int i;

	alloc_shadow(&b[0], UNCACHED, 0x66);
	alloc_shadow(&b[1], SMALL, 0x67);
	take_snap(&s0);
	for (i = 0; i < RTE_DIM(offs); i++)
		FREE_ERR(b[0].p + offs[i], EINVAL);
	FREE_ERR(b[1].p + 64, EINVAL);
	check_untouched(&s0, b, 2);
	free_shadows(b, 2);
}

static void
test_free_foreign(void)
{
	static int in_data;
	void *glibc = malloc(512);
	struct shadow b[1];
	struct snap s0;
	int on_stack;

	CU_ASSERT_PTR_NOT_NULL_FATAL(glibc);
	alloc_shadow(&b[0], UNCACHED, 0x68);
	take_snap(&s0);
	FREE_ERR(&on_stack, EINVAL);
	FREE_ERR(glibc, EINVAL);
	FREE_ERR(&in_data, EINVAL);
	FREE_ERR((void *)test_free_foreign, EINVAL);
	check_untouched(&s0, b, 1);
	free_shadows(b, 1);
	free(glibc);
}

/* Inside a free stretch of heap memory that never held a block start. */
static void
test_free_never_a_block(void)
{
	struct shadow b[N_ROW];
	struct snap s0;
	uint8_t *gone, *q;

	gone = freed_between(b);
	/* In its last page, which holds the next block's header too. */
	q = gone + RTE_ALIGN_FLOOR(UNCACHED - 128, 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rte_mem_virt2memseg(q, NULL));
	take_snap(&s0);
	FREE_ERR(q, EINVAL);
	FREE_ERR(q + 1, EINVAL);
	check_untouched(&s0, b, N_ROW - 1);
	free_shadows(b, N_ROW - 1);
}

static void
test_double_free(void)
{
	struct shadow b[N_ROW];
	struct snap s0;
	uint8_t *gone;

	gone = freed_between(b);
	take_snap(&s0);
	FREE_ERR(gone, EINVAL);
	check_untouched(&s0, b, N_ROW - 1);
	free_shadows(b, N_ROW - 1);
}

/* A small block sits in the thread's cache: freeing it again is refused,
 * and the cache does not hand it out twice.
 */
static void
test_double_free_cached(void)
{
	struct shadow b[1];
	struct snap s0;
	uint8_t *gone, *x, *y;

	alloc_shadow(&b[0], SMALL, 0x6f);
	gone = rte_malloc(NULL, SMALL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gone);
	rte_free(gone);
	take_snap(&s0);
	FREE_ERR(gone, EINVAL);
	check_untouched(&s0, b, 1);
	x = rte_malloc(NULL, SMALL, 0);
	y = rte_malloc(NULL, SMALL, 0);
	CU_ASSERT_FATAL(x != NULL && y != NULL);
	CU_ASSERT_PTR_NOT_EQUAL(x, y);
	rte_free(x);
	rte_free(y);
	free_shadows(b, 1);
}

/* ---- queries ---- */

static void
test_validate(void)
{
	void *glibc = malloc(64);
	struct shadow b[N_ROW];
	uint8_t *p, *gone, *cached;
	size_t sz = 0;
	int on_stack;
	struct snap s0;

	take_snap(&s0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(glibc);
	gone = freed_between(b);
	p = b[0].p;
	cached = rte_malloc(NULL, SMALL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cached);
	rte_free(cached);
	CU_ASSERT_EQUAL(rte_malloc_validate(p, NULL), 0);
	CU_ASSERT_EQUAL(rte_malloc_validate(p, &sz), 0);
	CU_ASSERT(sz >= UNCACHED);
	CHECK_ERR(rte_malloc_validate(NULL, &sz) == -1, EINVAL);
	CHECK_ERR(rte_malloc_validate(p + 64, &sz) == -1, EINVAL);
	CHECK_ERR(rte_malloc_validate(p + 1, NULL) == -1, EINVAL);
	CHECK_ERR(rte_malloc_validate(&on_stack, NULL) == -1, EINVAL);
	CHECK_ERR(rte_malloc_validate(glibc, NULL) == -1, EINVAL);
	CHECK_ERR(rte_malloc_validate(gone, NULL) == -1, EINVAL);
	CHECK_ERR(rte_malloc_validate(cached, NULL) == -1, EINVAL);
	free_shadows(b, N_ROW - 1);
	free(glibc);
	CU_ASSERT(same_as(&s0));
}

static void
test_socket_stats(void)
{
	struct rte_malloc_socket_stats a, b;
	size_t big = 1U << 20;
	struct snap s0;
	void *p;

	take_snap(&s0);
	CU_ASSERT_EQUAL(rte_malloc_get_socket_stats(first_socket(), &a), 0);
	p = rte_malloc_socket(NULL, big, 0, first_socket());
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(rte_malloc_get_socket_stats(first_socket(), &b), 0);
	CU_ASSERT_EQUAL(b.alloc_count, a.alloc_count + 1);
	CU_ASSERT(b.heap_allocsz_bytes >= a.heap_allocsz_bytes + big);
	CU_ASSERT(b.heap_allocsz_bytes + b.heap_freesz_bytes <=
			b.heap_totalsz_bytes);
	CU_ASSERT(b.greatest_free_size <= b.heap_freesz_bytes);
	CU_ASSERT(b.heap_totalsz_bytes >= a.heap_totalsz_bytes);
	rte_free(p);
	CU_ASSERT(same_as(&s0));
}

static void
test_socket_stats_invalid(void)
{
	struct rte_malloc_socket_stats st;

	CHECK_ERR(rte_malloc_get_socket_stats(1000, &st) == -1, EINVAL);
	CHECK_ERR(rte_malloc_get_socket_stats(-2, &st) == -1, EINVAL);
	CHECK_ERR(rte_malloc_get_socket_stats(EAL_MAX_NUMA_NODES, &st) == -1,
			EINVAL);
	CHECK_ERR(rte_malloc_get_socket_stats(first_socket(), NULL) == -1,
			EINVAL);
}

/* Some "socket" in text is followed (after separators) by id. */
static bool
mentions_socket(const char *text, int id)
{
	const char *s = text;
	char *end;

	while ((s = strcasestr(s, "socket")) != NULL) {
		s += strlen("socket");
		while (*s == ' ' || *s == ':' || *s == '=' || *s == '_' ||
				*s == '#')
			s++;
		if (strtol(s, &end, 10) == id && end != s)
			return true;
	}
	return false;
}

/* What dump writes for the current heaps (caller frees). */
static char *
dump_text(void (*dump)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	dump(f);
	fclose(f);
	return buf;
}

static void
dump_stats(FILE *f)
{
	rte_malloc_dump_stats(f, NULL);
}

static void
check_dump(void (*dump)(FILE *))
{
	unsigned int i;
	struct snap s0;
	char *text;
	void *p;

	take_snap(&s0);
	p = rte_malloc(NULL, UNCACHED, 0);
	text = dump_text(dump);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(strlen(text) > 0);
	for (i = 0; i < rte_socket_count(); i++)
		CU_ASSERT(mentions_socket(text, rte_socket_id_by_idx(i)));
	free(text);
	rte_free(p);
	rte_errno = 0;
	dump(NULL);
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
	CU_ASSERT(same_as(&s0));
}

static void
test_dump_stats(void)
{
	check_dump(dump_stats);
}

static void
test_dump_heaps(void)
{
	check_dump(rte_malloc_dump_heaps);
}

/* A block's IOVA is its memory's, and that is what its page says. */
static void
test_virt2iova(void)
{
	size_t size = 3 * rte_mem_page_size() + 100, off;
	struct rte_memseg *ms;
	struct snap s0;
	uint8_t *p;

	take_snap(&s0);
	p = rte_malloc(NULL, size, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_NOT_EQUAL(rte_malloc_virt2iova(p), RTE_BAD_IOVA);
	CU_ASSERT_EQUAL(rte_malloc_virt2iova(p), rte_mem_virt2iova(p));
	for (off = 0; off < size; off += size / 3) {
		ms = rte_mem_virt2memseg(p + off, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ms);
		CU_ASSERT_EQUAL(rte_mem_virt2iova(p + off),
				ms->iova + RTE_PTR_DIFF(p + off, ms->addr));
	}
	if (rte_eal_iova_mode() == RTE_IOVA_VA)
		CU_ASSERT_EQUAL(rte_malloc_virt2iova(p), (uintptr_t)p);
	rte_free(p);
	CU_ASSERT(same_as(&s0));
}

static void
test_virt2iova_invalid(void)
{
	struct shadow b[N_ROW];
	uint8_t *gone;
	int on_stack;
	struct snap s0;

	take_snap(&s0);
	gone = freed_between(b);
	CHECK_ERR(rte_malloc_virt2iova(NULL) == RTE_BAD_IOVA, EINVAL);
	CHECK_ERR(rte_malloc_virt2iova(b[0].p + 64) == RTE_BAD_IOVA, EINVAL);
	CHECK_ERR(rte_malloc_virt2iova(&on_stack) == RTE_BAD_IOVA, EINVAL);
	CHECK_ERR(rte_malloc_virt2iova(gone) == RTE_BAD_IOVA, EINVAL);
	free_shadows(b, N_ROW - 1);
	CU_ASSERT(same_as(&s0));
}

/* A big block maps pages; freeing it gives every one back. */
static void
test_heap_grows_and_shrinks(void)
{
	size_t big = 16U << 20;
	struct snap s0, s1;
	void *p;

	take_snap(&s0);
	p = rte_malloc(NULL, big, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	take_snap(&s1);
	CU_ASSERT(s1.pages >= s0.pages +
			big / rte_mem_virt2memseg_list(p)->page_sz);
	CU_ASSERT(s1.st[0].heap_totalsz_bytes >=
			s0.st[0].heap_totalsz_bytes + big);
	rte_free(p);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	CU_ASSERT(same_as(&s0));
}

/* ---- differential: random operations against a shadow list ---- */

static struct {
	uint64_t rng;
	struct shadow b[DIFF_LIVE];
	unsigned int n;
	size_t live_sz;             /* usable bytes of the live blocks */
	char why[200];
} df;

static int __attribute__((format(printf, 1, 2)))
diff_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(df.why, sizeof(df.why), fmt, ap);
	va_end(ap);
	return -1;
}

/* Mostly small, sometimes medium, rarely large while the budget allows. */
static size_t
diff_size(void)
{
	unsigned int r = (unsigned int)(test_rnd(&df.rng) % 100);

	if (r < 75)
		return 1 + test_rnd(&df.rng) % 1024;
	if (r < 97 || df.live_sz + DIFF_LARGE > DIFF_BUDGET)
		return 1025 + test_rnd(&df.rng) % (64U << 10);
	return 1 + test_rnd(&df.rng) % DIFF_LARGE;
}

/* b[self] (new or moved) is aligned, big enough, and overlaps no other. */
static int
diff_check_new(struct shadow *x, unsigned int align, unsigned int self)
{
	const struct shadow *y;
	unsigned int i;

	if (x->p == NULL)
		return diff_fail("no block of %zu (align %u): rte_errno %d",
				x->size, align, rte_errno);
	if ((uintptr_t)x->p % align_of(align) != 0)
		return diff_fail("%p not aligned to %u", (void *)x->p, align);
	x->usable = usable(x->p);
	if (x->usable < x->size)
		return diff_fail("%p: usable %zu < %zu", (void *)x->p,
				x->usable, x->size);
	for (i = 0; i < df.n; i++) {
		y = &df.b[i];
		if (i != self && x->p < y->p + y->usable &&
				y->p < x->p + x->usable)
			return diff_fail("%p+%zu overlaps %p+%zu", (void *)x->p,
					x->usable, (void *)y->p, y->usable);
	}
	return 0;
}

static int
diff_alloc(void)
{
	struct shadow *x = &df.b[df.n];
	unsigned int align = rnd_align(&df.rng), kind, num;

	x->size = diff_size();
	x->fill = (uint8_t)(1 + test_rnd(&df.rng) % 255);
	kind = (unsigned int)(test_rnd(&df.rng) % 3);
	if (kind == 0) {
		x->p = rte_malloc(NULL, x->size, align);
	} else if (kind == 1) {
		x->p = rte_zmalloc(NULL, x->size, align);
	} else {
		num = 1 + (unsigned int)(test_rnd(&df.rng) % 8);
		x->size = num * ((x->size + num - 1) / num);
		x->p = rte_calloc(NULL, num, x->size / num, align);
	}
	if (diff_check_new(x, align, df.n) != 0)
		return -1;
	if (kind != 0 && !is_filled(x->p, x->size, 0))
		return diff_fail("%p+%zu not zeroed", (void *)x->p, x->size);
	memset(x->p, x->fill, x->usable);
	df.live_sz += x->usable;
	df.n++;
	return 0;
}

static int
diff_realloc(void)
{
	unsigned int i = (unsigned int)(test_rnd(&df.rng) % df.n);
	unsigned int align = rnd_align(&df.rng);
	struct shadow *x = &df.b[i], old = *x;

	x->size = diff_size();
	x->p = rte_realloc(old.p, x->size, align);
	if (x->p == NULL) {
		diff_fail("realloc %p+%zu to %zu (align %u): rte_errno %d",
				(void *)old.p, old.size, x->size, align, rte_errno);
		*x = old;
		return -1;
	}
	if (diff_check_new(x, align, i) != 0)
		return -1;
	if (!is_filled(x->p, RTE_MIN(old.size, x->size), x->fill))
		return diff_fail("realloc %p+%zu -> %p+%zu lost the contents",
				(void *)old.p, old.size, (void *)x->p, x->size);
	memset(x->p, x->fill, x->usable);
	df.live_sz += x->usable - old.usable;
	return heap_check_all() == 0 ? 0 : diff_fail("heap_check_all after realloc");
}

static int
diff_free(void)
{
	unsigned int i = (unsigned int)(test_rnd(&df.rng) % df.n);
	struct shadow x = df.b[i];

	if (!is_filled(x.p, x.usable, x.fill))
		return diff_fail("%p+%zu changed", (void *)x.p, x.usable);
	rte_free(x.p);
	df.live_sz -= x.usable;
	df.b[i] = df.b[--df.n];
	return 0;
}

static int
diff_check_all(void)
{
	unsigned int i;

	for (i = 0; i < df.n; i++) {
		if (!is_filled(df.b[i].p, df.b[i].usable, df.b[i].fill))
			return diff_fail("%p+%zu changed", (void *)df.b[i].p,
					df.b[i].usable);
	}
	return 0;
}

static int
diff_step(unsigned long k)
{
	unsigned int r = (unsigned int)(test_rnd(&df.rng) % 100);
	int ret;

	if (df.n == 0 || (df.n < DIFF_LIVE && r < 45))
		ret = diff_alloc();
	else if (r < 70)
		ret = diff_realloc();
	else
		ret = diff_free();
	if (ret == 0 && k % DIFF_FULL_CHECK == DIFF_FULL_CHECK - 1)
		ret = diff_check_all();
	if (ret == 0 && k % DIFF_HEAP_CHECK == DIFF_HEAP_CHECK - 1 &&
			heap_check_all() != 0)
		ret = diff_fail("heap_check_all");
	return ret;
}

static void
test_differential(void)
{
	unsigned long n = test_scale(100000, 3000), k;
	struct snap s0;

	take_snap(&s0);
	memset(&df, 0, sizeof(df));
	df.rng = 0x9e3779b97f4a7c15ULL;
	for (k = 0; k < n && diff_step(k) == 0; k++)
		;
	if (k < n)
		printf("\n    step %lu of %lu, %u live blocks: %s ", k, n, df.n,
				df.why);
	CU_ASSERT_EQUAL(k, n);
	CU_ASSERT_EQUAL(diff_check_all(), 0);
	while (df.n > 0)
		rte_free(df.b[--df.n].p);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	CU_ASSERT(same_as(&s0));
}

/* ---- threads ---- */

/* This process's churning threads (the last one: the primary's in the
 * multi-process test). Static: a stuck thread outlives its test.
 */
static struct churn churns[N_THREADS + 1];
static int n_done;

static bool
join_within(pthread_t t, int timeout_s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_s;
	return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

/* t ended in time and its churn found nothing wrong. */
static void
expect_churned(pthread_t t, const struct churn *c, const char *who)
{
	if (!join_within(t, (int)(churn_ms() / 1000) + STEP_S)) {
		printf("\n    %s: still running ", who);
		CU_FAIL_FATAL("a churning thread is stuck");
	}
	if (c->why[0] != '\0')
		printf("\n    %s: %s ", who, c->why);
	CU_ASSERT_EQUAL(c->why[0], '\0');
}

/* N_THREADS churning; with check, heap_check_all() meanwhile (returns
 * how often it failed).
 */
static unsigned int
run_threads(bool check)
{
	int64_t end = test_now_ms() + churn_ms() + STEP_S * 1000;
	unsigned int i, bad = 0, n_checks = 0;
	pthread_t t[N_THREADS];

	__atomic_store_n(&n_done, 0, __ATOMIC_RELEASE);
	for (i = 0; i < N_THREADS; i++) {
		churns[i] = (struct churn){ .rng = 0xc0ffee00ULL + i,
			.ms = churn_ms(), .done = &n_done };
		CU_ASSERT_FATAL(pthread_create(&t[i], NULL, churn_thread,
				&churns[i]) == 0);
	}
	while (check && __atomic_load_n(&n_done, __ATOMIC_ACQUIRE) <
			N_THREADS && test_now_ms() < end) {
		bad += heap_check_all() != 0;
		n_checks++;
	}
	for (i = 0; i < N_THREADS; i++)
		expect_churned(t[i], &churns[i], "thread");
	if (check)
		CU_ASSERT(n_checks > 0);
	return bad;
}

static void
test_threads(void)
{
	struct snap s0;

	take_snap(&s0);
	run_threads(false);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	CU_ASSERT(same_as(&s0));
}

static void
test_check_while_threads_churn(void)
{
	CU_ASSERT_EQUAL(run_threads(true), 0);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
}

/* ---- multi-process: the test process is the primary ---- */

static struct mp_group *g;

/* A group with this process as its primary, no secondary yet. */
static void
mp_begin_with(const char *extra)
{
	g = mp_group_create();
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	snprintf(fx.prefix, sizeof(fx.prefix), "%s", mp_group_prefix(g));
	CU_ASSERT_FATAL(setenv("RUNTIME_DIRECTORY", mp_group_dir(g), 1) == 0);
	CU_ASSERT_FATAL(eal_start_with(fx.prefix, "--proc-type=primary",
			fx.md->opt, extra) == 0);
	fx.inited = true;
}

static void
mp_begin(void)
{
	mp_begin_with(NULL);
}

/* n_sec secondaries, told about blk (or NULL) of sz bytes, joined. */
static void
mp_spawn(unsigned int n_sec, const void *blk, size_t sz)
{
	char a0[32], a1[32];
	const char *args[] = { a0, a1, fx.md->opt, NULL };
	unsigned int i;

	snprintf(a0, sizeof(a0), "%" PRIxPTR, (uintptr_t)blk);
	snprintf(a1, sizeof(a1), "%zu", sz);
	GROUP_OK(g, mp_group_start(g, n_sec, NULL, "malloc_sec", args,
			START_S));
	for (i = 1; i <= n_sec; i++)
		GROUP_OK(g, mp_group_step(g, i, STEP_JOIN, STEP_S));
}

static void
step(unsigned int member, int s)
{
	GROUP_OK(g, mp_group_step(g, member, s, STEP_S));
}

/* The secondaries leave, last first; then the group ends. */
static void
mp_leave(unsigned int n_sec)
{
	unsigned int i;

	for (i = n_sec; i > 0; i--)
		step(i, STEP_LEAVE);
	GROUP_OK(g, mp_group_finish(g, STEP_S));
}

static void
mp_teardown(void)
{
	unsigned int i;

	if (g != NULL) {
		for (i = 1; i < MP_GROUP_MAX_MEMBERS; i++)
			mp_group_kill(g, i);
	}
	if (fx.inited)
		rte_eal_cleanup();
	fx.inited = false;
	mp_group_cleanup_all();
	g = NULL;
	remove_page_files();
	unsetenv("RUNTIME_DIRECTORY");
}

/* A secondary's block is visible to the primary; freed, its pages go. */
static void
test_mp_secondary_block(void)
{
	struct snap s0;
	void *p = NULL;
	size_t sz = 0;

	mp_begin();
	take_snap(&s0);
	mp_spawn(1, NULL, 0);
	step(1, STEP_ALLOC);
	CU_ASSERT_FATAL(sscanf(mp_group_msg(g, 1), "%p", &p) == 1);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_validate(p, &sz), 0);
	CU_ASSERT(sz >= SHARE_SZ);
	CU_ASSERT(test_has_pattern(p, SHARE_SZ, 1));
	step(1, STEP_FREE);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	CU_ASSERT(same_as(&s0));
	mp_leave(1);
}

/* Freeing again a block whose pages are gone is refused, no crash. */
static void
test_mp_free_released_block(void)
{
	struct snap s0;

	mp_begin();
	take_snap(&s0);
	mp_spawn(1, NULL, 0);
	step(1, STEP_ALLOC);
	step(1, STEP_FREE);
	step(1, STEP_REFREE);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	CU_ASSERT(same_as(&s0));
	mp_leave(1);
}

/* A secondary frees the primary's block. */
static void
test_mp_free_other_process(void)
{
	struct snap s0;
	void *p;

	mp_begin();
	take_snap(&s0);
	p = rte_malloc(NULL, SHARE_SZ, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	test_fill_pattern(p, SHARE_SZ, PRIMARY_SEED);
	mp_spawn(1, p, SHARE_SZ);
	step(1, STEP_FREE_PRIMARY);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	CU_ASSERT(same_as(&s0));
	mp_leave(1);
}

/* Two secondaries and a thread of the primary churn on one heap. */
static void
test_mp_concurrent(void)
{
	struct churn *c = &churns[N_THREADS];
	struct snap s0;
	pthread_t t;
	int ret;

	mp_begin();
	take_snap(&s0);
	mp_spawn(2, NULL, 0);
	*c = (struct churn){ .rng = 0xabcdef01ULL, .ms = churn_ms() };
	CU_ASSERT_FATAL(pthread_create(&t, NULL, churn_thread, c) == 0);
	ret = mp_group_step_all(g, STEP_CHURN, STEP_S);
	expect_churned(t, c, "primary's thread");
	GROUP_OK(g, ret);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	GROUP_OK(g, mp_group_step_all(g, STEP_HEAP_CHECK, STEP_S));
	mp_leave(2);
	CU_ASSERT(same_as(&s0));
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
	{ "malloc_sec", role_sec },
	{ NULL, NULL },
};

/* ---- named heaps ---- */

static void
test_named_create_find_destroy(void)
{
	const struct rte_memzone *mz;
	struct rte_malloc_socket_stats st;
	int sock;

	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_create("ext_a"), 0);
	sock = rte_malloc_heap_get_socket("ext_a");
	CU_ASSERT(sock >= EAL_MAX_NUMA_NODES);
	CU_ASSERT_EQUAL(rte_malloc_heap_socket_is_external(sock), 1);
	CU_ASSERT_EQUAL(rte_malloc_heap_socket_is_external(
			rte_socket_id_by_idx(0)), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_socket_is_external(SOCKET_ID_ANY), 0);
	CU_ASSERT_EQUAL(rte_malloc_get_socket_stats(sock, &st), 0);
	CU_ASSERT_EQUAL(st.heap_totalsz_bytes, 0);
	/* No memory added: nothing to give, and the heap does not grow. */
	CHECK_ERR(rte_malloc_socket(NULL, 64, 0, sock) == NULL, ENOMEM);
	mz = rte_memzone_reserve("named_mz", 64, sock, 0);
	CU_ASSERT_PTR_NULL(mz);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy("ext_a"), 0);
	CHECK_ERR(rte_malloc_heap_get_socket("ext_a") == -1, ENOENT);
	CHECK_ERR(rte_malloc_heap_socket_is_external(sock) == -1, EINVAL);
}

static void
test_named_errors(void)
{
	char name[RTE_HEAP_NAME_MAX_LEN + 1], internal[RTE_HEAP_NAME_MAX_LEN];

	CHECK_ERR(rte_malloc_heap_create(NULL) == -1, EINVAL);
	CHECK_ERR(rte_malloc_heap_create("") == -1, EINVAL);
	memset(name, 'n', RTE_HEAP_NAME_MAX_LEN);
	name[RTE_HEAP_NAME_MAX_LEN] = '\0';
	CHECK_ERR(rte_malloc_heap_create(name) == -1, EINVAL);
	CHECK_ERR(rte_malloc_heap_get_socket(name) == -1, EINVAL);
	CHECK_ERR(rte_malloc_heap_destroy(name) == -1, EINVAL);
	name[RTE_HEAP_NAME_MAX_LEN - 1] = '\0';
	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_create(name), 0);
	CHECK_ERR(rte_malloc_heap_create(name) == -1, EEXIST);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy(name), 0);
	CHECK_ERR(rte_malloc_heap_destroy(name) == -1, ENOENT);
	CHECK_ERR(rte_malloc_heap_destroy(NULL) == -1, EINVAL);
	CHECK_ERR(rte_malloc_heap_get_socket(NULL) == -1, EINVAL);
	CHECK_ERR(rte_malloc_heap_get_socket("no_such_heap") == -1, ENOENT);
	snprintf(internal, sizeof(internal), "socket_%d",
			rte_socket_id_by_idx(0));
	CU_ASSERT_EQUAL(rte_malloc_heap_get_socket(internal),
			rte_socket_id_by_idx(0));
	CHECK_ERR(rte_malloc_heap_destroy(internal) == -1, EPERM);
	CHECK_ERR(rte_malloc_heap_socket_is_external(12345) == -1, EINVAL);
}

/* A destroyed heap's socket id is never given again. */
static void
test_named_socket_not_reused(void)
{
	int first, second;

	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_create("again"), 0);
	first = rte_malloc_heap_get_socket("again");
	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_destroy("again"), 0);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_create("again"), 0);
	second = rte_malloc_heap_get_socket("again");
	CU_ASSERT(second > first);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy("again"), 0);
}

/* RTE_MAX_HEAPS heaps in all, the socket heaps included. */
static void
test_named_full(void)
{
	unsigned int n = 0, i, room = RTE_MAX_HEAPS - rte_socket_count();
	char name[RTE_HEAP_NAME_MAX_LEN];

	for (i = 0; i < RTE_MAX_HEAPS; i++) {
		snprintf(name, sizeof(name), "full_%u", i);
		if (rte_malloc_heap_create(name) != 0)
			break;
		n++;
	}
	CU_ASSERT_EQUAL(n, room);
	CU_ASSERT_EQUAL(rte_errno, ENOSPC);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "full_%u", i);
		CU_ASSERT_EQUAL(rte_malloc_heap_destroy(name), 0);
	}
}

static const struct test_def noinit_tests[] = {
	TEST_DEF(test_before_init_enotsup),
	TEST_DEF(test_before_init_free_null),
	{ NULL, NULL },
};

static const struct test_def heap_tests[] = {
	TEST_DEF(test_named_create_find_destroy),
	TEST_DEF(test_named_errors),
	TEST_DEF(test_named_socket_not_reused),
	TEST_DEF(test_named_full),
	TEST_DEF(test_sizes),
	TEST_DEF(test_alignments),
	TEST_DEF(test_zmalloc_zeroes),
	TEST_DEF(test_calloc_zeroes),
	TEST_DEF(test_alloc_invalid),
	TEST_DEF(test_calloc_overflow),
	TEST_DEF(test_alloc_too_big),
	TEST_DEF(test_socket_placement),
	TEST_DEF(test_realloc_grows_in_place),
	TEST_DEF(test_realloc_shrinks_in_place),
	TEST_DEF(test_realloc_moves),
	TEST_DEF(test_realloc_null_is_malloc),
	TEST_DEF(test_realloc_other_socket),
	TEST_DEF(test_realloc_invalid),
	TEST_DEF(test_free_null),
	TEST_DEF(test_free_inside_block),
	TEST_DEF(test_free_foreign),
	TEST_DEF(test_free_never_a_block),
	TEST_DEF(test_double_free),
	TEST_DEF(test_double_free_cached),
	TEST_DEF(test_validate),
	TEST_DEF(test_socket_stats),
	TEST_DEF(test_socket_stats_invalid),
	TEST_DEF(test_dump_stats),
	TEST_DEF(test_dump_heaps),
	TEST_DEF(test_virt2iova),
	TEST_DEF(test_virt2iova_invalid),
	TEST_DEF(test_heap_grows_and_shrinks),
	TEST_DEF(test_differential),
	TEST_DEF(test_threads),
	TEST_DEF(test_check_while_threads_churn),
	{ NULL, NULL },
};

/*
 * A secondary killed with blocks parked in its cache: they count as free,
 * and once the heap is idle they come back and every page goes.
 */
static void
test_mp_dead_cache(void)
{
	struct rte_malloc_socket_stats st;
	unsigned int free_before;
	struct snap s0;
	void *hold;

	mp_begin();
	take_snap(&s0);
	/* Held, so the secondary's frees do not leave the heap idle. */
	hold = rte_malloc(NULL, 64, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hold);
	CU_ASSERT_FATAL(rte_malloc_get_socket_stats(0, &st) == 0);
	free_before = st.free_count;
	mp_spawn(1, NULL, 0);
	step(1, STEP_PARK);
	CU_ASSERT_EQUAL_FATAL(mp_group_kill(g, 1), 0);
	CU_ASSERT_FATAL(rte_malloc_get_socket_stats(0, &st) == 0);
	CU_ASSERT(st.free_count >= free_before);
	CU_ASSERT(st.alloc_count == 1);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	rte_free(hold);
	CU_ASSERT_EQUAL(heap_check_all(), 0);
	CU_ASSERT(same_as(&s0));
	GROUP_OK(g, mp_group_finish(g, STEP_S));
}

/* Whole pages freed in the middle of a growth: given back at once, except
 * with --match-allocations, which gives the growth back only whole. */
static void
match_allocations_case(const char *extra, bool expect_kept)
{
	struct rte_malloc_socket_stats before, after;
	const struct rte_memseg *ms;
	size_t grow;
	void *a, *b;

	mp_begin_with(extra);
	ms = rte_mem_virt2memseg(rte_malloc(NULL, 64, 0), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ms);
	grow = RTE_MAX((size_t)ms->len, (size_t)256 * 1024);
	a = rte_malloc(NULL, 4 * grow, 0);
	b = rte_malloc(NULL, 2048, 4096);
	CU_ASSERT_FATAL(a != NULL && b != NULL);
	if ((uintptr_t)b < (uintptr_t)a ||
			(uintptr_t)b > (uintptr_t)a + 4 * grow + ms->len) {
		printf("\n    b did not land in a's growth: nothing to check ");
		return;
	}
	CU_ASSERT_FATAL(rte_malloc_get_socket_stats(0, &before) == 0);
	rte_free(a);
	CU_ASSERT_FATAL(rte_malloc_get_socket_stats(0, &after) == 0);
	if (expect_kept) {
		CU_ASSERT_EQUAL(after.heap_totalsz_bytes,
				before.heap_totalsz_bytes);
	} else {
		CU_ASSERT(after.heap_totalsz_bytes + 2 * grow <=
				before.heap_totalsz_bytes);
	}
	CU_ASSERT_EQUAL(heap_check_all(), 0);
}

static void
test_match_allocations(void)
{
	/* As DPDK, the option needs hugepages. */
	if (fx.md->opt != NULL && strcmp(fx.md->opt, "--no-huge") == 0) {
		printf("\n    skipped: --match-allocations needs hugepages ");
		return;
	}
	match_allocations_case("--match-allocations", true);
}

static void
test_without_match_allocations(void)
{
	match_allocations_case(NULL, false);
}

/* A named heap is the group's: each process sees the other's at once. */
static void
test_mp_named_heaps(void)
{
	int mine, sec_sock;

	mp_begin();
	CU_ASSERT_EQUAL_FATAL(rte_malloc_heap_create("prim_heap"), 0);
	mine = rte_malloc_heap_get_socket("prim_heap");
	mp_spawn(1, NULL, 0);
	step(1, STEP_NAMED);
	CU_ASSERT_EQUAL(atoi(mp_group_msg(g, 1)), mine);
	sec_sock = rte_malloc_heap_get_socket("sec_heap");
	CU_ASSERT(sec_sock > mine);
	CU_ASSERT_EQUAL(rte_malloc_heap_socket_is_external(sec_sock), 1);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy("sec_heap"), 0);
	CU_ASSERT_EQUAL(rte_malloc_heap_destroy("prim_heap"), 0);
	mp_leave(1);
}

static const struct test_def mp_tests[] = {
	TEST_DEF(test_mp_named_heaps),
	TEST_DEF(test_mp_dead_cache),
	TEST_DEF(test_match_allocations),
	TEST_DEF(test_without_match_allocations),
	TEST_DEF(test_mp_secondary_block),
	TEST_DEF(test_mp_free_released_block),
	TEST_DEF(test_mp_free_other_process),
	TEST_DEF(test_mp_concurrent),
	{ NULL, NULL },
};

void
test_register(void)
{
	long free_pages = test_read_long(HUGE_2M_FREE);
	bool huge = free_pages >= HUGE_NEEDED;
	CU_pSuite s[2];

	test_huge_mount(huge_mount, sizeof(huge_mount));
	if (!huge)
		printf("test_malloc: %ld free 2 MiB hugepages, %d needed: malloc_huge and malloc_mp_huge skipped (as root: make hugepages)\n",
				free_pages < 0 ? 0 : free_pages, HUGE_NEEDED);
	test_add_suite("malloc_noinit", noinit_tests, &(struct test_hooks){
			NULL, NULL, NULL, NULL });
	test_add_suite("malloc_nohuge", heap_tests, &(struct test_hooks){
			init_nohuge, suite_stop, NULL, NULL });
	s[0] = test_add_suite("malloc_huge", heap_tests, &(struct test_hooks){
			init_huge, suite_stop, NULL, NULL });
	test_add_suite("malloc_mp_nohuge", mp_tests, &(struct test_hooks){
			init_mp_nohuge, clean_mp, NULL, mp_teardown });
	s[1] = test_add_suite("malloc_mp_huge", mp_tests, &(struct test_hooks){
			init_mp_huge, clean_mp, NULL, mp_teardown });
	if (!huge) {
		if (s[0] != NULL)
			CU_set_suite_active(s[0], CU_FALSE);
		if (s[1] != NULL)
			CU_set_suite_active(s[1], CU_FALSE);
	}
}
