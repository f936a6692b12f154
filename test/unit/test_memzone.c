/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Tests of the memzones (rte_memzone.h).
 *
 * Each mode suite starts an in-process primary in one memory mode and runs
 * the same tests; each test leaves no zone behind (the teardown frees what
 * a failed one left), and the last checks that every heap is back to its
 * figures at the start:
 *   memzone_nohuge   --no-huge -m 16: 4 KiB pages
 *   memzone_huge     2 MiB hugepages, -m 16
 *   memzone_huge_pa  the same with physical IOVAs (root only)
 * The hugepage suites are switched off when too few 2 MiB pages are free.
 * Their multi-process tests run a group of real processes (this binary
 * re-executed as the role "mz_member", see test/mp/group.h) with --no-huge
 * or --in-memory: names and zones shared both ways, and a secondary killed
 * while it holds the memzone lock.
 *
 * memzone_noinit calls everything before rte_eal_init() and after
 * rte_eal_cleanup(), and rte_memzone_max_set(). memzone_full starts with
 * a table of FULL_MAX entries: ENOSPC, and random reserves and frees
 * compared with a plain array (many names share a bucket there).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "runtime/eal/eal_private.h"
#include "test/lib/test_assert.h"
#include "test/lib/test_main.h"
#include "test/lib/test_util.h"
#include "test/mp/group.h"

#define HUGE_2M_FREE "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define HUGE_PAGES_NEEDED 64
#define MAX_ZONES 4096
#define FULL_MAX 16
#define START_S 60      /* valgrind needs seconds to start a member */
#define STEP_S 60
#define STEP_LEAVE 99   /* every member's last step: rte_eal_cleanup */
#define MP_MAX 300      /* the table size a group's primary sets */

struct mode {
	const char *suite;
	const char *args[4];     /* the in-process primary's options */
	const char *mp_args[2];  /* the options of a group's members */
	bool huge;
	bool root;
};

static const struct mode modes[] = {
	{ "memzone_nohuge", { "--no-huge", "-m", "16", NULL },
		{ "--no-huge", NULL }, false, false },
	{ "memzone_huge", { "-m", "16", NULL, NULL },
		{ "--in-memory", NULL }, true, false },
	{ "memzone_huge_pa", { "-m", "16", "--iova-mode=pa", NULL },
		{ "--in-memory", NULL }, true, true },
};

/* What a suite started. */
static struct {
	const struct mode *md;
	char dir[PATH_MAX];
	int socket;             /* the first socket */
	uint64_t page_sz;       /* of the mode */
	struct rte_malloc_socket_stats stats0;
} fx;

/* ---- helpers ---- */

struct zlist {
	unsigned int n;
	const struct rte_memzone *mz[MAX_ZONES];
};

static void
collect(const struct rte_memzone *mz, void *arg)
{
	struct zlist *l = arg;

	if (l->n < MAX_ZONES)
		l->mz[l->n++] = mz;
}

static unsigned int
zone_count(void)
{
	static struct zlist l;

	l.n = 0;
	rte_memzone_walk(collect, &l);
	return l.n;
}

/* Free every zone of the group; returns how many there were. */
static unsigned int
free_all(void)
{
	static struct zlist l;
	unsigned int i;

	l.n = 0;
	rte_memzone_walk(collect, &l);
	for (i = 0; i < l.n; i++)
		rte_memzone_free(l.mz[i]);
	return l.n;
}

static bool
same_stats(const struct rte_malloc_socket_stats *a,
		const struct rte_malloc_socket_stats *b)
{
	return a->heap_totalsz_bytes == b->heap_totalsz_bytes &&
		a->heap_freesz_bytes == b->heap_freesz_bytes &&
		a->greatest_free_size == b->greatest_free_size &&
		a->free_count == b->free_count &&
		a->alloc_count == b->alloc_count &&
		a->heap_allocsz_bytes == b->heap_allocsz_bytes;
}

static void
expect_stats(const struct rte_malloc_socket_stats *want)
{
	struct rte_malloc_socket_stats now;

	CU_ASSERT_EQUAL_FATAL(rte_malloc_get_socket_stats(fx.socket, &now), 0);
	CU_ASSERT(same_stats(&now, want));
}

static bool
has_page_sz(uint64_t sz)
{
	struct eal_memcfg *cfg = eal_mcfg();
	unsigned int i;

	for (i = 0; i < cfg->n_page_types; i++) {
		if (cfg->page_types[i].page_sz == sz)
			return true;
	}
	return false;
}

/* Whether [addr, addr+len) crosses a multiple of bound. */
static bool
crosses(const void *addr, size_t len, size_t bound)
{
	uintptr_t a = (uintptr_t)addr;

	return a / bound != (a + len - 1) / bound;
}

/* The bytes of the zone are at consecutive IOVAs (checked every 4 KiB,
 * the smallest page).
 */
static bool
iova_contiguous(const struct rte_memzone *mz)
{
	size_t off;

	for (off = 0; off < mz->len; off += RTE_PGSIZE_4K) {
		if (rte_mem_virt2iova(RTE_PTR_ADD(mz->addr, off)) !=
				mz->iova + off)
			return false;
	}
	return rte_mem_virt2iova(RTE_PTR_ADD(mz->addr, mz->len - 1)) ==
		mz->iova + mz->len - 1;
}

/* ---- fixture ---- */

static int
start_eal(const char *tag, const char *const *opts)
{
	char prefix[64], *argv[12];
	int argc = 0;

	if (test_dir_create(fx.dir, sizeof(fx.dir)) < 0 ||
			setenv("RUNTIME_DIRECTORY", fx.dir, 1) < 0)
		return -1;
	snprintf(prefix, sizeof(prefix), "mz%d%s", (int)getpid(), tag);
	argv[argc++] = (char *)"test_memzone";
	argv[argc++] = (char *)"--file-prefix";
	argv[argc++] = prefix;
	argv[argc++] = (char *)"-l";
	argv[argc++] = (char *)"0";
	for (; opts != NULL && *opts != NULL; opts++)
		argv[argc++] = (char *)*opts;
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "test_memzone: rte_eal_init (%s): %s\n", tag,
				rte_strerror(rte_errno));
		test_dir_remove(fx.dir);
		return -1;
	}
	fx.socket = eal_mcfg()->socket_ids[0];
	fx.page_sz = eal_mcfg()->page_types[0].page_sz;
	return rte_malloc_get_socket_stats(fx.socket, &fx.stats0);
}

static void
stop_eal(void)
{
	rte_eal_cleanup();
	test_dir_remove(fx.dir);
	unsetenv("RUNTIME_DIRECTORY");
}

static int
suite_init(unsigned int m)
{
	memset(&fx, 0, sizeof(fx));
	fx.md = &modes[m];
	return start_eal(fx.md->suite + strlen("memzone_"), fx.md->args);
}

static int
suite_clean(void)
{
	mp_group_cleanup_all();
	free_all();
	stop_eal();
	return 0;
}

static void
test_teardown(void)
{
	mp_group_cleanup_all();
	free_all();
}

/* ---- basics ---- */

static void
test_reserve_lookup_free(void)
{
	const struct rte_memzone *mz;

	mz = rte_memzone_reserve("basic", 1000, fx.socket, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	CU_ASSERT_PTR_EQUAL(rte_memzone_lookup("basic"), mz);
	memset(mz->addr, 0xa5, mz->len);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
	CHECK_ERR(rte_memzone_lookup("basic") == NULL, ENOENT);
}

/* Every field says what was asked and what the memory is. */
static void
test_fields(void)
{
	const struct rte_memzone *mz;

	mz = rte_memzone_reserve("fields", 1000, fx.socket,
			RTE_MEMZONE_IOVA_CONTIG);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	CU_ASSERT_STRING_EQUAL(mz->name, "fields");
	CU_ASSERT_EQUAL(mz->len, 1024);
	CU_ASSERT_EQUAL(mz->addr_64 % RTE_CACHE_LINE_SIZE, 0);
	CU_ASSERT_EQUAL(mz->iova, rte_mem_virt2iova(mz->addr));
	CU_ASSERT_EQUAL(mz->hugepage_sz, fx.page_sz);
	CU_ASSERT_EQUAL(mz->socket_id, fx.socket);
	CU_ASSERT_EQUAL(mz->flags, RTE_MEMZONE_IOVA_CONTIG);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
}

/* A zone freed twice: the second time it is no zone. */
static void
test_free_twice(void)
{
	const struct rte_memzone *mz = rte_memzone_reserve("twice", 64,
			fx.socket, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
	CHECK_ERR(rte_memzone_free(mz) == -EINVAL, EINVAL);
}

static void
test_any_socket(void)
{
	const struct rte_memzone *mz = rte_memzone_reserve("any", 4096,
			SOCKET_ID_ANY, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	CU_ASSERT(mz->socket_id >= 0);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
}

/* Every power of two up to 4096 and beyond; below 64 it is raised. */
static void
test_aligned(void)
{
	static const unsigned int big[] = { 8192, 65536, 1U << 20, 2U << 20 };
	const struct rte_memzone *mz[24];
	unsigned int n = 0, align, i;
	char name[32];

	for (align = 1; align <= 4096; align <<= 1, n++) {
		snprintf(name, sizeof(name), "al%u", align);
		mz[n] = rte_memzone_reserve_aligned(name, 100, fx.socket, 0, align);
		CU_ASSERT_PTR_NOT_NULL_FATAL(mz[n]);
		CU_ASSERT_EQUAL(mz[n]->addr_64 % RTE_MAX(align, 64U), 0);
		CU_ASSERT_EQUAL(mz[n]->len, 128);
	}
	for (i = 0; i < RTE_DIM(big); i++, n++) {
		snprintf(name, sizeof(name), "al%u", big[i]);
		mz[n] = rte_memzone_reserve_aligned(name, 3000, fx.socket, 0,
				big[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(mz[n]);
		CU_ASSERT_EQUAL(mz[n]->addr_64 % big[i], 0);
	}
	while (n > 0)
		CU_ASSERT_EQUAL(rte_memzone_free(mz[--n]), 0);
}

/* align 0 is the cache line, as in DPDK. */
static void
test_aligned_zero(void)
{
	const struct rte_memzone *mz = rte_memzone_reserve_aligned("al0", 10,
			fx.socket, 0, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	CU_ASSERT_EQUAL(mz->addr_64 % RTE_CACHE_LINE_SIZE, 0);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
}

/* Zones of 1/6 .. 6/6 of each bound never cross a multiple of it. */
static void
test_bounded(void)
{
	static const unsigned int bounds[] = { 64, 128, 1024, 4096, 65536,
		1U << 20 };
	const struct rte_memzone *mz[RTE_DIM(bounds) * 6];
	unsigned int b, k, n = 0;
	char name[32];
	size_t len;

	for (b = 0; b < RTE_DIM(bounds); b++) {
		for (k = 1; k <= 6; k++, n++) {
			len = RTE_ALIGN_CEIL(bounds[b] * k / 6, 64);
			snprintf(name, sizeof(name), "bd%u.%u", bounds[b], k);
			mz[n] = rte_memzone_reserve_bounded(name, len, fx.socket,
					0, 64, bounds[b]);
			CU_ASSERT_PTR_NOT_NULL_FATAL(mz[n]);
			CU_ASSERT_EQUAL(mz[n]->len, len);
			CU_ASSERT_FALSE(crosses(mz[n]->addr, len, bounds[b]));
		}
	}
	while (n > 0)
		CU_ASSERT_EQUAL(rte_memzone_free(mz[--n]), 0);
}

/* A bound with a larger alignment: both hold. */
static void
test_bounded_aligned(void)
{
	const struct rte_memzone *mz = rte_memzone_reserve_bounded("bdal",
			8192, fx.socket, 0, 4096, 8192);

	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	CU_ASSERT_EQUAL(mz->addr_64 % 8192, 0);
	CU_ASSERT_FALSE(crosses(mz->addr, mz->len, 8192));
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
}

/* len 0 takes the biggest free block of the heap. */
static void
test_len_zero(void)
{
	struct rte_malloc_socket_stats st;
	const struct rte_memzone *mz;

	CU_ASSERT_EQUAL_FATAL(rte_malloc_get_socket_stats(fx.socket, &st), 0);
	CU_ASSERT_FATAL(st.greatest_free_size > 0);
	mz = rte_memzone_reserve("biggest", 0, fx.socket, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	CU_ASSERT_EQUAL(mz->len, st.greatest_free_size);
	CU_ASSERT_EQUAL(mz->socket_id, fx.socket);
	memset(mz->addr, 1, mz->len);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
}

/* len 0 with a bound: the biggest block that stays inside it. */
static void
test_len_zero_bounded(void)
{
	const struct rte_memzone *mz = rte_memzone_reserve_bounded("bigbd", 0,
			fx.socket, 0, 64, 65536);

	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	CU_ASSERT(mz->len > 0 && mz->len <= 65536);
	CU_ASSERT_FALSE(crosses(mz->addr, mz->len, 65536));
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
}

/* Contiguous zones of half a page to three pages: consecutive IOVAs. */
static void
test_iova_contig(void)
{
	const size_t lens[] = { fx.page_sz / 2, fx.page_sz + fx.page_sz / 2,
		3 * fx.page_sz };
	const struct rte_memzone *mz;
	unsigned int i;
	char name[32];

	for (i = 0; i < RTE_DIM(lens); i++) {
		snprintf(name, sizeof(name), "contig%u", i);
		mz = rte_memzone_reserve(name, lens[i], fx.socket,
				RTE_MEMZONE_IOVA_CONTIG);
		/* Physical pages are adjacent only where the kernel put them. */
		if (mz == NULL && rte_eal_iova_mode() == RTE_IOVA_PA &&
				lens[i] > fx.page_sz && rte_errno == ENOMEM) {
			printf("(no %zu physically contiguous bytes) ", lens[i]);
			continue;
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
		CU_ASSERT_NOT_EQUAL(mz->iova, RTE_BAD_IOVA);
		CU_ASSERT(iova_contiguous(mz));
		CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
	}
}

/* A page size flag alone: that size or ENOMEM; as a hint: any size. */
static void
test_page_flags(void)
{
	static const struct { unsigned int flag; uint64_t sz; } f[] = {
		{ RTE_MEMZONE_2MB, RTE_PGSIZE_2M },
		{ RTE_MEMZONE_1GB, RTE_PGSIZE_1G },
		{ RTE_MEMZONE_16MB, RTE_PGSIZE_16M },
		{ RTE_MEMZONE_256KB, RTE_PGSIZE_256K },
	};
	const struct rte_memzone *mz;
	unsigned int i;

	for (i = 0; i < RTE_DIM(f); i++) {
		rte_errno = 0;
		mz = rte_memzone_reserve("pgsz", 4096, fx.socket, f[i].flag);
		if (!has_page_sz(f[i].sz)) {
			CU_ASSERT_PTR_NULL(mz);
			CU_ASSERT_EQUAL(rte_errno, ENOMEM);
			continue;
		}
		/* The suites know only that 2 MiB pages are free. */
		if (mz == NULL && f[i].sz != RTE_PGSIZE_2M)
			continue;
		CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
		CU_ASSERT_EQUAL(mz->hugepage_sz, f[i].sz);
		CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
	}
}

static void
test_page_flags_hint(void)
{
	const struct rte_memzone *mz;

	mz = rte_memzone_reserve("hint", 4096, fx.socket,
			RTE_MEMZONE_2MB | RTE_MEMZONE_SIZE_HINT_ONLY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	CU_ASSERT_EQUAL(mz->hugepage_sz, has_page_sz(RTE_PGSIZE_2M) ?
			RTE_PGSIZE_2M : fx.page_sz);
	CU_ASSERT_EQUAL(mz->flags, RTE_MEMZONE_2MB | RTE_MEMZONE_SIZE_HINT_ONLY);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
}

/* Several flags: the first size the machine has. */
static void
test_page_flags_several(void)
{
	unsigned int flags = RTE_MEMZONE_1GB | RTE_MEMZONE_16GB |
		RTE_MEMZONE_2MB;
	const struct rte_memzone *mz;

	rte_errno = 0;
	mz = rte_memzone_reserve("several", 4096, fx.socket, flags);
	if (!has_page_sz(RTE_PGSIZE_2M) && !has_page_sz(RTE_PGSIZE_1G)) {
		CU_ASSERT_PTR_NULL(mz);
		CU_ASSERT_EQUAL(rte_errno, ENOMEM);
		return;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	CU_ASSERT(mz->hugepage_sz == RTE_PGSIZE_2M ||
			mz->hugepage_sz == RTE_PGSIZE_1G);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
}

/* ---- names ---- */

static void
test_duplicate(void)
{
	const struct rte_memzone *mz, *again;
	struct rte_malloc_socket_stats st;

	mz = rte_memzone_reserve("dup", 64, fx.socket, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_get_socket_stats(fx.socket, &st), 0);
	CHECK_ERR(rte_memzone_reserve("dup", 128, fx.socket, 0) == NULL, EEXIST);
	CHECK_ERR(rte_memzone_reserve_bounded("dup", 64, SOCKET_ID_ANY, 0, 64,
			4096) == NULL, EEXIST);
	expect_stats(&st);
	CU_ASSERT_PTR_EQUAL(rte_memzone_lookup("dup"), mz);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
	again = rte_memzone_reserve("dup", 128, fx.socket, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	CU_ASSERT_EQUAL(rte_memzone_free(again), 0);
}

static void
test_name_length(void)
{
	char name[RTE_MEMZONE_NAMESIZE + 1];
	const struct rte_memzone *mz;

	memset(name, 'n', RTE_MEMZONE_NAMESIZE - 1);
	name[RTE_MEMZONE_NAMESIZE - 1] = '\0';
	mz = rte_memzone_reserve(name, 64, fx.socket, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	CU_ASSERT_STRING_EQUAL(mz->name, name);
	CU_ASSERT_PTR_EQUAL(rte_memzone_lookup(name), mz);
	name[RTE_MEMZONE_NAMESIZE - 1] = 'n';
	name[RTE_MEMZONE_NAMESIZE] = '\0';
	CHECK_ERR(rte_memzone_reserve(name, 64, fx.socket, 0) == NULL,
			ENAMETOOLONG);
	CHECK_ERR(rte_memzone_lookup(name) == NULL, ENOENT);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
}

/* Names that differ in one byte, or one is a prefix of the other. */
static void
test_similar_names(void)
{
	static const char *const names[] = { "a", "ab", "abc", "abd", "b",
		"ba", "abc\001" };
	const struct rte_memzone *mz[RTE_DIM(names)];
	unsigned int i;

	for (i = 0; i < RTE_DIM(names); i++) {
		mz[i] = rte_memzone_reserve(names[i], 64, fx.socket, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(mz[i]);
	}
	for (i = 0; i < RTE_DIM(names); i++)
		CU_ASSERT_PTR_EQUAL(rte_memzone_lookup(names[i]), mz[i]);
	CHECK_ERR(rte_memzone_lookup("") == NULL, ENOENT);
	CHECK_ERR(rte_memzone_lookup("abe") == NULL, ENOENT);
	for (i = 0; i < RTE_DIM(names); i++)
		CU_ASSERT_EQUAL(rte_memzone_free(mz[i]), 0);
}

/* Many zones: each found by its name, also after others are freed. */
static void
test_many(void)
{
	unsigned int n = (unsigned int)test_scale(1000, 100), i;
	const struct rte_memzone **mz = calloc(n, sizeof(*mz));
	char name[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "many%u", i);
		mz[i] = rte_memzone_reserve(name, 64, fx.socket, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(mz[i]);
	}
	CU_ASSERT_EQUAL(zone_count(), n);
	for (i = 0; i < n; i += 2)
		CU_ASSERT_EQUAL(rte_memzone_free(mz[i]), 0);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "many%u", i);
		if (i % 2 == 0)
			CHECK_ERR(rte_memzone_lookup(name) == NULL, ENOENT);
		else
			CU_ASSERT_PTR_EQUAL(rte_memzone_lookup(name), mz[i]);
	}
	for (i = 1; i < n; i += 2)
		CU_ASSERT_EQUAL(rte_memzone_free(mz[i]), 0);
	CU_ASSERT_EQUAL(zone_count(), 0);
	free(mz);
}

/* Threads racing for the same names: each name is given exactly once. */
#define RACE_THREADS 4

struct race {
	unsigned int n_names;
	const struct rte_memzone *won[RACE_THREADS][256];
	unsigned int lost[RACE_THREADS];    /* EEXIST answers */
};

static struct race race;

static void *
race_thread(void *arg)
{
	unsigned int me = (unsigned int)(uintptr_t)arg, i;
	char name[32];

	for (i = 0; i < race.n_names; i++) {
		snprintf(name, sizeof(name), "race%u", i);
		race.won[me][i] = rte_memzone_reserve(name, 64, fx.socket, 0);
		if (race.won[me][i] == NULL && rte_errno == EEXIST)
			race.lost[me]++;
	}
	return NULL;
}

static void
test_threads_same_name(void)
{
	pthread_t th[RACE_THREADS];
	unsigned int t, i, winners;

	memset(&race, 0, sizeof(race));
	race.n_names = (unsigned int)test_scale(256, 32);
	for (t = 0; t < RACE_THREADS; t++)
		CU_ASSERT_FATAL(pthread_create(&th[t], NULL, race_thread,
				(void *)(uintptr_t)t) == 0);
	for (t = 0; t < RACE_THREADS; t++)
		pthread_join(th[t], NULL);
	for (i = 0; i < race.n_names; i++) {
		for (winners = 0, t = 0; t < RACE_THREADS; t++)
			winners += race.won[t][i] != NULL;
		CU_ASSERT_EQUAL(winners, 1);
	}
	for (winners = 0, t = 0; t < RACE_THREADS; t++)
		winners += race.lost[t];
	CU_ASSERT_EQUAL(winners, race.n_names * (RACE_THREADS - 1));
	CU_ASSERT_EQUAL(free_all(), race.n_names);
}

/* ---- failures ---- */

/* A failed reserve leaves the heap and the table as they were. */
static void
test_failure_changes_nothing(void)
{
	struct rte_malloc_socket_stats st;

	CU_ASSERT_EQUAL_FATAL(rte_malloc_get_socket_stats(fx.socket, &st), 0);
	CHECK_ERR(rte_memzone_reserve("huge", 1ULL << 40, fx.socket, 0) == NULL,
			ENOMEM);
	CHECK_ERR(rte_memzone_reserve("huge", SIZE_MAX, fx.socket, 0) == NULL,
			ENOMEM);
	CHECK_ERR(rte_memzone_lookup("huge") == NULL, ENOENT);
	CU_ASSERT_EQUAL(zone_count(), 0);
	expect_stats(&st);
}

static void
test_reserve_invalid(void)
{
	char long_name[RTE_MEMZONE_NAMESIZE + 8];

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK_ERR(rte_memzone_reserve(NULL, 64, fx.socket, 0) == NULL, EINVAL);
	CHECK_ERR(rte_memzone_reserve("", 64, fx.socket, 0) == NULL, EINVAL);
	CHECK_ERR(rte_memzone_reserve(long_name, 64, fx.socket, 0) == NULL,
			ENAMETOOLONG);
	CHECK_ERR(rte_memzone_reserve("x", 64, fx.socket, 0x8) == NULL, EINVAL);
	CHECK_ERR(rte_memzone_reserve("x", 64, fx.socket, 0x80000000U) == NULL,
			EINVAL);
	CHECK_ERR(rte_memzone_reserve("x", 64, 12345, 0) == NULL, EINVAL);
	CHECK_ERR(rte_memzone_reserve("x", 64, -2, 0) == NULL, EINVAL);
	CHECK_ERR(rte_memzone_reserve("x", 0, 12345, 0) == NULL, EINVAL);
	CU_ASSERT_EQUAL(zone_count(), 0);
}

static void
test_aligned_invalid(void)
{
	CHECK_ERR(rte_memzone_reserve_aligned("x", 64, fx.socket, 0, 3) == NULL,
			EINVAL);
	CHECK_ERR(rte_memzone_reserve_aligned("x", 64, fx.socket, 0, 48) == NULL,
			EINVAL);
	CHECK_ERR(rte_memzone_reserve_aligned("x", 64, fx.socket, 0,
			0x80000001U) == NULL, EINVAL);
	CHECK_ERR(rte_memzone_reserve_aligned(NULL, 64, fx.socket, 0, 64) ==
			NULL, EINVAL);
	CU_ASSERT_EQUAL(zone_count(), 0);
}

static void
test_bounded_invalid(void)
{
	CHECK_ERR(rte_memzone_reserve_bounded("x", 64, fx.socket, 0, 64, 3) ==
			NULL, EINVAL);
	CHECK_ERR(rte_memzone_reserve_bounded("x", 64, fx.socket, 0, 64,
			0xc0000000U) == NULL, EINVAL);
	CHECK_ERR(rte_memzone_reserve_bounded("x", 128, fx.socket, 0, 64, 64) ==
			NULL, EINVAL);
	CHECK_ERR(rte_memzone_reserve_bounded("x", 2 << 20, fx.socket, 0, 64,
			1 << 20) == NULL, EINVAL);
	/* 33 bytes are 64 after rounding to the cache line. */
	CHECK_ERR(rte_memzone_reserve_bounded("x", 33, fx.socket, 0, 64, 32) ==
			NULL, EINVAL);
	CHECK_ERR(rte_memzone_reserve_bounded("x", 64, fx.socket, 0, 5, 4096) ==
			NULL, EINVAL);
	CU_ASSERT_EQUAL(zone_count(), 0);
}

static void
test_free_invalid(void)
{
	const struct rte_memzone *mz = rte_memzone_reserve("fi", 64, fx.socket, 0);
	struct rte_memzone copy;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mz);
	copy = *mz;
	CHECK_ERR(rte_memzone_free(NULL) == -EINVAL, EINVAL);
	CHECK_ERR(rte_memzone_free(&copy) == -EINVAL, EINVAL);
	CHECK_ERR(rte_memzone_free((const void *)((const char *)mz + 8)) ==
			-EINVAL, EINVAL);
	CHECK_ERR(rte_memzone_free((const void *)((const char *)mz - 4096)) ==
			-EINVAL, EINVAL);
	/* The next entry of the table, which is free. */
	CHECK_ERR(rte_memzone_free((const void *)((const char *)mz +
			eal_mcfg()->heap.mz.table.elt_sz)) == -EINVAL, EINVAL);
	CU_ASSERT_PTR_EQUAL(rte_memzone_lookup("fi"), mz);
	CU_ASSERT_EQUAL(rte_memzone_free(mz), 0);
}

static void
test_lookup_invalid(void)
{
	CHECK_ERR(rte_memzone_lookup(NULL) == NULL, EINVAL);
	CHECK_ERR(rte_memzone_lookup("none") == NULL, ENOENT);
}

static void
never_called(const struct rte_memzone *mz, void *arg)
{
	(void)mz;
	(*(int *)arg)++;
}

static void
test_walk_dump_invalid(void)
{
	rte_errno = 0;
	rte_memzone_walk(NULL, NULL);
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
	rte_errno = 0;
	rte_memzone_dump(NULL);
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
}

static void
test_max_after_init(void)
{
	CHECK_ERR(rte_memzone_max_set(10) == -1, EBUSY);
	CHECK_ERR(rte_memzone_max_set(0) == -1, EINVAL);
	CU_ASSERT_EQUAL(rte_memzone_max_get(), RTE_MAX_MEMZONE);
}

/* ---- walk and dump ---- */

struct seen {
	unsigned int n;
	unsigned int mask;      /* bit i: zone "w<i>" seen */
	unsigned int nested;    /* lookups from inside the walk that worked */
};

static void
see(const struct rte_memzone *mz, void *arg)
{
	struct seen *s = arg;
	unsigned int i;

	s->n++;
	if (sscanf(mz->name, "w%u", &i) == 1 && i < 32)
		s->mask |= 1U << i;
	if (rte_memzone_lookup(mz->name) == mz)
		s->nested++;
}

static void
reserve_w(const struct rte_memzone **mz, unsigned int n)
{
	char name[32];
	unsigned int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "w%u", i);
		mz[i] = rte_memzone_reserve(name, 64 * (i + 1), fx.socket, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(mz[i]);
	}
}

static void
free_w(const struct rte_memzone **mz, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(rte_memzone_free(mz[i]), 0);
}

/* Every zone once; the callback may look zones up. */
static void
test_walk(void)
{
	const struct rte_memzone *mz[5];
	struct seen s = { 0 };

	reserve_w(mz, 5);
	rte_memzone_walk(see, &s);
	CU_ASSERT_EQUAL(s.n, 5);
	CU_ASSERT_EQUAL(s.mask, 0x1f);
	CU_ASSERT_EQUAL(s.nested, 5);
	free_w(mz, 5);
	memset(&s, 0, sizeof(s));
	rte_memzone_walk(see, &s);
	CU_ASSERT_EQUAL(s.n, 0);
}

static void
test_dump(void)
{
	const struct rte_memzone *mz[3];
	char *buf = NULL, want[128];
	size_t sz = 0, lines = 0, i;
	FILE *f;

	reserve_w(mz, 3);
	f = open_memstream(&buf, &sz);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rte_memzone_dump(f);
	fclose(f);
	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof(want), "name:<w%zu>, len:0x%zx, virt:%p,",
				i, mz[i]->len, mz[i]->addr);
		CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
	}
	for (i = 0; buf[i] != '\0'; i++)
		lines += buf[i] == '\n';
	CU_ASSERT_EQUAL(lines, 3);
	free(buf);
	free_w(mz, 3);
}

/* ---- the heaps are back where they started ---- */

static void
test_stats_restored(void)
{
	CU_ASSERT_EQUAL(zone_count(), 0);
	expect_stats(&fx.stats0);
}

/* ==== a member of a group ==== */

#define CHECK(cond) do { \
	if (!(cond)) \
		return failed(__LINE__, #cond); \
} while (0)

static struct {
	struct mp_member m;
	bool inited;
	struct rte_malloc_socket_stats stats0;
	char msg[MP_MSG_MAX + 1];
} me;

static int
failed(int line, const char *cond)
{
	snprintf(me.msg, sizeof(me.msg), "%s: rte_errno %d (%s)", cond,
			rte_errno, rte_strerror(rte_errno));
	return line;
}

static int
join(void)
{
	bool primary = me.m.idx == 0;
	char ptype[64], *argv[12];
	int argc = 0, i;

	snprintf(ptype, sizeof(ptype), "--proc-type=%s",
			primary ? "primary" : "secondary");
	argv[argc++] = "test_memzone";
	argv[argc++] = "--file-prefix";
	argv[argc++] = (char *)me.m.prefix;
	argv[argc++] = "-l";
	argv[argc++] = "0";
	argv[argc++] = ptype;
	for (i = 1; i < me.m.argc && argc < 11; i++)
		argv[argc++] = me.m.argv[i];
	argv[argc] = NULL;
	CHECK(setenv("RUNTIME_DIRECTORY", me.m.dir, 1) == 0);
	CHECK(rte_eal_init(argc, argv) >= 0);
	me.inited = true;
	CHECK(rte_malloc_get_socket_stats(eal_mcfg()->socket_ids[0],
			&me.stats0) == 0);
	return 0;
}

static int
leave(void)
{
	if (me.inited)
		CHECK(rte_eal_cleanup() == 0);
	me.inited = false;
	return 0;
}

static uint64_t
pattern(unsigned int tag, size_t i)
{
	return ((uint64_t)tag << 48) ^ (i * 0x9e3779b97f4a7c15ULL);
}

static void
fill(const struct rte_memzone *mz, unsigned int tag)
{
	uint64_t *w = mz->addr;
	size_t i;

	for (i = 0; i < mz->len / 8; i++)
		w[i] = pattern(tag, i);
}

static int
verify(const struct rte_memzone *mz, unsigned int tag)
{
	const uint64_t *w = mz->addr;
	size_t i;

	for (i = 0; i < mz->len / 8; i++)
		CHECK(w[i] == pattern(tag, i));
	return 0;
}

/* Reserve name, len bytes, filled with tag. */
static int
make_zone(const char *name, size_t len, unsigned int tag)
{
	const struct rte_memzone *mz = rte_memzone_reserve(name, len,
			SOCKET_ID_ANY, 0);

	CHECK(mz != NULL);
	CHECK(mz->len == len);
	fill(mz, tag);
	return 0;
}

static int
expect_zone(const char *name, size_t len, unsigned int tag)
{
	const struct rte_memzone *mz = rte_memzone_lookup(name);

	CHECK(mz != NULL);
	CHECK(mz->len == len);
	return verify(mz, tag);
}

static int
drop_zone(const char *name)
{
	CHECK(rte_memzone_free(rte_memzone_lookup(name)) == 0);
	CHECK(rte_memzone_lookup(name) == NULL && rte_errno == ENOENT);
	return 0;
}

static int
stats_back(void)
{
	struct rte_malloc_socket_stats now;

	CHECK(rte_malloc_get_socket_stats(eal_mcfg()->socket_ids[0], &now) == 0);
	CHECK(same_stats(&now, &me.stats0));
	return 0;
}

#define TRY(call) do { \
	int r_ = (call); \
	if (r_ != 0) \
		return r_; \
} while (0)

/*
 * share: 1 P: MP_MAX zones at most, zones "p" (pattern 1) and "taken";
 * 1 S: join, sees MP_MAX;
 * 2 S: reads "p", "taken" is EEXIST here, reserves "s" (pattern 2);
 * 3 P: reads "s", EEXIST for it, frees it; 4 S: "s" is gone, 2 zones;
 * 5 P: frees the rest, its heap is as it started.
 */
static int
scen_share(int step)
{
	bool primary = me.m.idx == 0;

	if (step == 1 && primary) {
		CHECK(rte_memzone_max_set(MP_MAX) == 0);
		TRY(join());
		TRY(make_zone("p", 256 << 10, 1));
		return make_zone("taken", 64, 3);
	}
	if (step == 1) {
		/* A secondary's own setting is not used. */
		CHECK(rte_memzone_max_set(5) == 0);
		TRY(join());
		CHECK(rte_memzone_max_get() == MP_MAX);
		return 0;
	}
	if (step == 2) {
		TRY(expect_zone("p", 256 << 10, 1));
		CHECK(rte_memzone_reserve("taken", 64, SOCKET_ID_ANY, 0) == NULL &&
				rte_errno == EEXIST);
		return make_zone("s", 128 << 10, 2);
	}
	if (step == 3) {
		TRY(expect_zone("s", 128 << 10, 2));
		CHECK(rte_memzone_reserve("s", 64, SOCKET_ID_ANY, 0) == NULL &&
				rte_errno == EEXIST);
		return drop_zone("s");
	}
	if (step == 4) {
		CHECK(rte_memzone_lookup("s") == NULL && rte_errno == ENOENT);
		CHECK(zone_count() == 2);
		return expect_zone("p", 256 << 10, 1);
	}
	TRY(drop_zone("p"));
	TRY(drop_zone("taken"));
	return stats_back();
}

/* Inside the walk, holding the memzone lock: spoil the count, tell the
 * test process, and wait to be killed.
 */
static void
die_holding_lock(const struct rte_memzone *mz, void *arg)
{
	(void)mz;
	eal_mcfg()->heap.mz.count = 12345;
	mp_member_report(&me.m, *(int *)arg, 0, "holding the lock");
	for (;;)
		pause();
}

/*
 * recover: 1 P: zones a, b, c; 1 S: join; 2 S: dies holding the lock;
 * 3 P: the table is whole again: a, b, c found, the count right, d added.
 */
static int
scen_recover(int step)
{
	static const char *const names[] = { "a", "b", "c" };
	unsigned int i;

	if (step == 1 && me.m.idx == 0) {
		TRY(join());
		for (i = 0; i < RTE_DIM(names); i++)
			TRY(make_zone(names[i], 4096, i));
		return 0;
	}
	if (step == 1)
		return join();
	if (step == 2) {
		rte_memzone_walk(die_holding_lock, &step);
		CHECK(false);
	}
	for (i = 0; i < RTE_DIM(names); i++)
		TRY(expect_zone(names[i], 4096, i));
	CHECK(eal_mcfg()->heap.mz.count == 3);
	TRY(make_zone("d", 4096, 9));
	CHECK(zone_count() == 4);
	CHECK(free_all() == 4);
	return stats_back();
}

static const struct {
	const char *name;
	int (*fn)(int step);
} scenarios[] = {
	{ "share", scen_share },
	{ "recover", scen_recover },
};

static int
role_member(int argc, char **argv)
{
	int (*fn)(int) = NULL;
	unsigned int i;
	int step, rc;

	if (mp_member_init(argc, argv, &me.m) != 0 || me.m.argc < 1)
		return 1;
	for (i = 0; i < RTE_DIM(scenarios); i++) {
		if (strcmp(scenarios[i].name, me.m.argv[0]) == 0)
			fn = scenarios[i].fn;
	}
	if (fn == NULL)
		return 2;
	while ((step = mp_member_next_step(&me.m)) > 0) {
		me.msg[0] = '\0';
		rc = step == STEP_LEAVE ? leave() : fn(step);
		if (mp_member_report(&me.m, step, rc, "%s", me.msg) != 0)
			return 3;
	}
	return step < 0 ? 4 : 0;
}

/* ==== the test process's side of a group ==== */

static struct mp_group *
start_group(const char *scen)
{
	const char *args[] = { scen, fx.md->mp_args[0], fx.md->mp_args[1], NULL };
	struct mp_group *g = mp_group_create();

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	GROUP_OK(g, mp_group_start(g, 1, "mz_member", NULL, args, START_S));
	return g;
}

static void
test_mp_share(void)
{
	struct mp_group *g = start_group("share");

	GROUP_OK(g, mp_group_step(g, 0, 1, STEP_S));
	GROUP_OK(g, mp_group_step(g, 1, 1, STEP_S));
	GROUP_OK(g, mp_group_step(g, 1, 2, STEP_S));
	GROUP_OK(g, mp_group_step(g, 0, 3, STEP_S));
	GROUP_OK(g, mp_group_step(g, 1, 4, STEP_S));
	GROUP_OK(g, mp_group_step(g, 0, 5, STEP_S));
	GROUP_OK(g, mp_group_step(g, 1, STEP_LEAVE, STEP_S));
	GROUP_OK(g, mp_group_step(g, 0, STEP_LEAVE, STEP_S));
	GROUP_OK(g, mp_group_finish(g, STEP_S));
	mp_group_cleanup(g);
}

static void
test_mp_recover(void)
{
	struct mp_group *g = start_group("recover");

	GROUP_OK(g, mp_group_step(g, 0, 1, STEP_S));
	GROUP_OK(g, mp_group_step(g, 1, 1, STEP_S));
	GROUP_OK(g, mp_group_step(g, 1, 2, STEP_S));
	GROUP_OK(g, mp_group_kill(g, 1));
	GROUP_OK(g, mp_group_step(g, 0, 3, STEP_S));
	GROUP_OK(g, mp_group_step(g, 0, STEP_LEAVE, STEP_S));
	GROUP_OK(g, mp_group_finish(g, STEP_S));
	mp_group_cleanup(g);
}

/* ==== without the EAL ==== */

/* Every call of a group that is not there. */
static void
check_no_eal(const struct rte_memzone *stale)
{
	char *buf = NULL;
	size_t sz = 0;
	int calls = 0;
	FILE *f;

	CHECK_ERR(rte_memzone_reserve("x", 64, SOCKET_ID_ANY, 0) == NULL,
			ENOTSUP);
	CHECK_ERR(rte_memzone_reserve_aligned("x", 64, 0, 0, 4096) == NULL,
			ENOTSUP);
	CHECK_ERR(rte_memzone_reserve_bounded("x", 64, 0, 0, 64, 4096) == NULL,
			ENOTSUP);
	CHECK_ERR(rte_memzone_lookup("x") == NULL, ENOTSUP);
	CHECK_ERR(rte_memzone_free(stale) == -EINVAL, EINVAL);
	rte_memzone_walk(never_called, &calls);
	CU_ASSERT_EQUAL(calls, 0);
	f = open_memstream(&buf, &sz);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rte_memzone_dump(f);
	fclose(f);
	CU_ASSERT_EQUAL(sz, 0);
	free(buf);
	CU_ASSERT_EQUAL(rte_memzone_max_get(), RTE_MAX_MEMZONE);
}

static void
test_before_init(void)
{
	struct rte_memzone fake;

	memset(&fake, 0, sizeof(fake));
	check_no_eal(&fake);
}

/* Argument errors come before ENOTSUP. */
static void
test_invalid_before_init(void)
{
	CHECK_ERR(rte_memzone_reserve(NULL, 64, 0, 0) == NULL, EINVAL);
	CHECK_ERR(rte_memzone_reserve_aligned("x", 64, 0, 0, 3) == NULL, EINVAL);
	CHECK_ERR(rte_memzone_lookup(NULL) == NULL, EINVAL);
	CHECK_ERR(rte_memzone_free(NULL) == -EINVAL, EINVAL);
}

static void
test_after_cleanup(void)
{
	const struct rte_memzone *stale;
	static const char *const opts[] = { "--no-huge", NULL };

	memset(&fx, 0, sizeof(fx));
	CU_ASSERT_EQUAL_FATAL(start_eal("after", opts), 0);
	stale = rte_memzone_reserve("stale", 64, fx.socket, 0);
	CU_ASSERT_PTR_NOT_NULL(stale);
	stop_eal();
	check_no_eal(stale);
}

static void
test_max_set(void)
{
	CHECK_ERR(rte_memzone_max_set(0) == -1, EINVAL);
	CHECK_ERR(rte_memzone_max_set(1048577) == -1, EINVAL);
	CU_ASSERT_EQUAL(rte_memzone_max_get(), RTE_MAX_MEMZONE);
	CU_ASSERT_EQUAL(rte_memzone_max_set(1048576), 0);
	CU_ASSERT_EQUAL(rte_memzone_max_get(), 1048576);
	CU_ASSERT_EQUAL(rte_memzone_max_set(7), 0);
	CU_ASSERT_EQUAL(rte_memzone_max_get(), 7);
	CU_ASSERT_EQUAL(rte_memzone_max_set(RTE_MAX_MEMZONE), 0);
}

/* ==== a small table ==== */

static int
full_init(void)
{
	static const char *const opts[] = { "--no-huge", "-m", "8", NULL };

	memset(&fx, 0, sizeof(fx));
	fx.md = &modes[0];
	if (rte_memzone_max_set(FULL_MAX) < 0)
		return -1;
	return start_eal("full", opts);
}

static int
full_clean(void)
{
	free_all();
	stop_eal();
	return rte_memzone_max_set(RTE_MAX_MEMZONE);
}

static void
test_full_max(void)
{
	CU_ASSERT_EQUAL(rte_memzone_max_get(), FULL_MAX);
	CU_ASSERT_EQUAL(eal_mcfg()->heap.mz.max, FULL_MAX);
}

static void
test_full_enospc(void)
{
	const struct rte_memzone *mz[FULL_MAX];
	struct rte_malloc_socket_stats st;
	char name[32];
	unsigned int i;

	for (i = 0; i < FULL_MAX; i++) {
		snprintf(name, sizeof(name), "full%u", i);
		mz[i] = rte_memzone_reserve(name, 4096, fx.socket, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(mz[i]);
	}
	CU_ASSERT_EQUAL_FATAL(rte_malloc_get_socket_stats(fx.socket, &st), 0);
	CHECK_ERR(rte_memzone_reserve("one_more", 4096, fx.socket, 0) == NULL,
			ENOSPC);
	/* A name taken is still EEXIST when full. */
	CHECK_ERR(rte_memzone_reserve("full3", 4096, fx.socket, 0) == NULL,
			EEXIST);
	expect_stats(&st);
	CU_ASSERT_EQUAL(rte_memzone_free(mz[3]), 0);
	mz[3] = rte_memzone_reserve("one_more", 4096, fx.socket, 0);
	CU_ASSERT_PTR_NOT_NULL(mz[3]);
	CU_ASSERT_EQUAL(free_all(), FULL_MAX);
}

/* Random reserves, frees and lookups against a plain array of names. */
static void
test_full_random(void)
{
	enum { N_NAMES = 24 };
	const struct rte_memzone *model[N_NAMES] = { NULL };
	unsigned int ops = (unsigned int)test_scale(3000, 300), i, k, live = 0;
	unsigned int seed = 12345, level = rte_log_get_global_level();
	const struct rte_memzone *mz;
	char name[32];

	/* Each ENOSPC is logged; thousands would bury the report. */
	rte_log_set_global_level(RTE_LOG_CRIT);
	for (i = 0; i < ops; i++) {
		k = (unsigned int)rand_r(&seed) % N_NAMES;
		snprintf(name, sizeof(name), "r%u", k);
		if (model[k] != NULL && rand_r(&seed) % 2 == 0) {
			CU_ASSERT_EQUAL_FATAL(rte_memzone_free(model[k]), 0);
			model[k] = NULL;
			live--;
		} else if (model[k] == NULL) {
			mz = rte_memzone_reserve(name, 64, fx.socket, 0);
			CU_ASSERT_EQUAL_FATAL(mz == NULL, live == FULL_MAX);
			if (mz == NULL)
				CU_ASSERT_EQUAL(rte_errno, ENOSPC);
			model[k] = mz;
			live += mz != NULL;
		}
		for (k = 0; k < N_NAMES; k++) {
			snprintf(name, sizeof(name), "r%u", k);
			CU_ASSERT_PTR_EQUAL_FATAL(rte_memzone_lookup(name), model[k]);
		}
		CU_ASSERT_EQUAL_FATAL(eal_mcfg()->heap.mz.count, live);
	}
	rte_log_set_global_level(level);
	CU_ASSERT_EQUAL(free_all(), live);
}

/* ==== registration ==== */

const struct test_role test_roles[] = {
	{ "mz_member", role_member },
	{ NULL, NULL },
};

#define T(fn) TEST_DEF(fn)

static const struct test_def mode_tests[] = {
	T(test_reserve_lookup_free), T(test_fields), T(test_free_twice),
	T(test_any_socket), T(test_aligned), T(test_aligned_zero),
	T(test_bounded), T(test_bounded_aligned), T(test_len_zero),
	T(test_len_zero_bounded), T(test_iova_contig), T(test_page_flags),
	T(test_page_flags_hint), T(test_page_flags_several),
	T(test_duplicate), T(test_name_length), T(test_similar_names),
	T(test_many), T(test_threads_same_name),
	T(test_failure_changes_nothing),
	T(test_reserve_invalid), T(test_aligned_invalid),
	T(test_bounded_invalid), T(test_free_invalid), T(test_lookup_invalid),
	T(test_walk_dump_invalid), T(test_max_after_init), T(test_walk),
	T(test_dump), T(test_mp_share), T(test_mp_recover),
	T(test_stats_restored),
	{ NULL, NULL },
};

static const struct test_def noinit_tests[] = {
	T(test_before_init), T(test_invalid_before_init), T(test_max_set),
	T(test_after_cleanup),
	{ NULL, NULL },
};

static const struct test_def full_tests[] = {
	T(test_full_max), T(test_full_enospc), T(test_full_random),
	{ NULL, NULL },
};

#undef T

static int init_nohuge(void) { return suite_init(0); }
static int init_huge(void) { return suite_init(1); }
static int init_huge_pa(void) { return suite_init(2); }

void
test_register(void)
{
	static const CU_InitializeFunc inits[] = {
		init_nohuge, init_huge, init_huge_pa,
	};
	bool huge = test_read_long(HUGE_2M_FREE) >= HUGE_PAGES_NEEDED;
	unsigned int i;
	CU_pSuite s;

	if (!huge)
		printf("test_memzone: fewer than %d free 2 MiB hugepages: hugepage suites skipped (make hugepages)\n",
				HUGE_PAGES_NEEDED);
	test_add_suite("memzone_noinit", noinit_tests, &(struct test_hooks){ 0 });
	for (i = 0; i < RTE_DIM(modes); i++) {
		s = test_add_suite(modes[i].suite, mode_tests, &(struct test_hooks){
				inits[i], suite_clean, NULL, test_teardown });
		if (s != NULL && ((modes[i].huge && !huge) ||
				(modes[i].root && geteuid() != 0)))
			CU_set_suite_active(s, CU_FALSE);
	}
	test_add_suite("memzone_full", full_tests, &(struct test_hooks){
			full_init, full_clean, NULL, test_teardown });
}
