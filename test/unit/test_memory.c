/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Tests of the memory lookups and walks (rte_memory.h) and of the group's
 * locks (rte_eal_memconfig.h), in an in-process primary.
 *
 * Each memory suite starts the EAL in one mode and maps three runs of 5, 1
 * and 7 pages with a free page between them (it maps a filler page after
 * each of the first two runs and frees it), so it knows exactly which
 * pages are used; then every lookup and walk is checked against that:
 *   memory_nohuge    --no-huge: 4 KiB pages, a memfd per list
 *   memory_huge      2 MiB hugepages, a file per page (IOVA as VA)
 *   memory_huge_sfs  2 MiB hugepages, --single-file-segments, IOVA as PA
 *                    when root
 * The hugepage suites are skipped (with a line saying so) when the machine
 * has too few free 2 MiB pages, and under memcheck. memory_noinit calls everything before
 * rte_eal_init() and after rte_eal_cleanup().
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_eal.h>
#include <rte_eal_memconfig.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memory.h>

#include "runtime/mem/mem_discover.h"
#include "runtime/mem/mem_internal.h"
#include "test/lib/test_assert.h"
#include "test/lib/test_main.h"
#include "test/lib/test_util.h"

#define N_RUNS 3
#define HUGE_2M_FREE "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define HUGE_PAGES_NEEDED 16

static const unsigned int run_len[N_RUNS] = { 5, 1, 7 };

/* What a memory suite started and mapped. */
static struct {
	char dir[PATH_MAX];
	uint64_t page_sz;
	bool single_file;
	struct rte_memseg *run[N_RUNS];
	void *gap;          /* the free page after run 0 */
} fx;

/* ---- fixture ---- */

static unsigned int
total_pages(void)
{
	return run_len[0] + run_len[1] + run_len[2];
}

static int
start_eal(const char *mode, const char *opt1, const char *opt2)
{
	char prefix[64], *argv[8];
	int argc = 0;

	if (test_dir_create(fx.dir, sizeof(fx.dir)) < 0 ||
			setenv("RUNTIME_DIRECTORY", fx.dir, 1) < 0)
		return -1;
	snprintf(prefix, sizeof(prefix), "memtest%d%s", (int)getpid(), mode);
	argv[argc++] = (char *)"test_memory";
	argv[argc++] = (char *)"--file-prefix";
	argv[argc++] = prefix;
	argv[argc++] = (char *)"-l";
	argv[argc++] = (char *)"0";
	if (opt1 != NULL)
		argv[argc++] = (char *)opt1;
	if (opt2 != NULL)
		argv[argc++] = (char *)opt2;
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "test_memory: rte_eal_init (%s): %s\n", mode,
				rte_strerror(rte_errno));
		test_dir_remove(fx.dir);
		return -1;
	}
	return 0;
}

static void
stop_eal(void)
{
	rte_eal_cleanup();
	test_dir_remove(fx.dir);
	unsetenv("RUNTIME_DIRECTORY");
}

/* Runs of 5, 1 and 7 pages with one free page between each two. */
static int
map_runs(void)
{
	int socket = eal_mcfg()->socket_ids[0];
	struct rte_memseg *filler[N_RUNS - 1];
	unsigned int k;

	for (k = 0; k < N_RUNS; k++) {
		if (mem_alloc_pages(fx.page_sz, socket, run_len[k], false,
				&fx.run[k]) < 0)
			return -1;
		if (k + 1 < N_RUNS && mem_alloc_pages(fx.page_sz, socket, 1,
				false, &filler[k]) < 0)
			return -1;
	}
	for (k = 0; k + 1 < N_RUNS; k++) {
		if (mem_free_pages(filler[k], 1) < 0)
			return -1;
	}
	fx.gap = RTE_PTR_ADD(fx.run[0]->addr, run_len[0] * fx.page_sz);
	return fx.run[1]->addr == RTE_PTR_ADD(fx.gap, fx.page_sz) ? 0 : -1;
}

static int
suite_init(const char *mode, uint64_t page_sz, const char *opt1,
		const char *opt2)
{
	memset(&fx, 0, sizeof(fx));
	fx.page_sz = page_sz;
	fx.single_file = opt1 != NULL &&
		strcmp(opt1, "--single-file-segments") == 0;
	if (start_eal(mode, opt1, opt2) < 0)
		return -1;
	if (map_runs() < 0) {
		fprintf(stderr, "test_memory: cannot map the test runs (%s)\n",
				mode);
		stop_eal();
		return -1;
	}
	return 0;
}

static int
suite_clean(void)
{
	unsigned int k;
	int ret = 0;

	for (k = 0; k < N_RUNS; k++) {
		if (mem_free_pages(fx.run[k], run_len[k]) < 0)
			ret = -1;
	}
	stop_eal();
	return ret;
}

static int
init_nohuge(void)
{
	return suite_init("nohuge", RTE_PGSIZE_4K, "--no-huge", NULL);
}

static int
init_huge(void)
{
	return suite_init("huge", RTE_PGSIZE_2M, NULL, NULL);
}

static int
init_huge_sfs(void)
{
	return suite_init("hugesfs", RTE_PGSIZE_2M, "--single-file-segments",
			geteuid() == 0 ? "--iova-mode=pa" : NULL);
}

/* ---- helpers ---- */

static struct rte_memseg *
page(unsigned int k, unsigned int i)
{
	return fx.run[k] + i;
}

static void *
byte_of(unsigned int k, unsigned int i, size_t off)
{
	return RTE_PTR_ADD(page(k, i)->addr, off);
}

/* The first, a middle and the last byte of a page. */
static size_t
offset_class(unsigned int c)
{
	return c == 0 ? 0 : c == 1 ? fx.page_sz / 2 + 7 : fx.page_sz - 1;
}

/* A list other than the one holding addr. */
static const struct rte_memseg_list *
other_list(const void *addr)
{
	const struct rte_memseg_list *mine = rte_mem_virt2memseg_list(addr);
	unsigned int i;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		const struct rte_memseg_list *l = &eal_mcfg()->memsegs[i];

		if (l->base_va != NULL && l != mine)
			return l;
	}
	return NULL;
}

/* ---- lookups ---- */

static void
test_virt2memseg(void)
{
	const struct rte_memseg_list *msl;
	unsigned int k, i, c;
	void *a;

	for (k = 0; k < N_RUNS; k++) {
		msl = rte_mem_virt2memseg_list(page(k, 0)->addr);
		CU_ASSERT_PTR_NOT_NULL_FATAL(msl);
		for (i = 0; i < run_len[k]; i++) {
			for (c = 0; c < 3; c++) {
				a = byte_of(k, i, offset_class(c));
				CU_ASSERT_PTR_EQUAL(rte_mem_virt2memseg(a, NULL), page(k, i));
				CU_ASSERT_PTR_EQUAL(rte_mem_virt2memseg(a, msl), page(k, i));
			}
			CU_ASSERT_EQUAL(page(k, i)->len, fx.page_sz);
			CU_ASSERT_EQUAL(page(k, i)->addr,
					RTE_PTR_ADD(page(k, 0)->addr, i * fx.page_sz));
		}
	}
}

static void
test_virt2memseg_invalid(void)
{
	struct rte_memseg_list fake;
	int on_stack;

	CHECK_ERR(rte_mem_virt2memseg(NULL, NULL) == NULL, EINVAL);
	CHECK_ERR(rte_mem_virt2memseg(fx.gap, NULL) == NULL, ENOENT);
	CHECK_ERR(rte_mem_virt2memseg(RTE_PTR_ADD(fx.gap, fx.page_sz - 1),
			NULL) == NULL, ENOENT);
	CHECK_ERR(rte_mem_virt2memseg(&on_stack, NULL) == NULL, ENOENT);
	/* Under valgrind a page type has one list: no other list to try. */
	if (other_list(page(0, 0)->addr) != NULL)
		CHECK_ERR(rte_mem_virt2memseg(page(0, 0)->addr,
				other_list(page(0, 0)->addr)) == NULL, ENOENT);
	memcpy(&fake, rte_mem_virt2memseg_list(page(0, 0)->addr), sizeof(fake));
	CHECK_ERR(rte_mem_virt2memseg(page(0, 0)->addr, &fake) == NULL, EINVAL);
	CHECK_ERR(rte_mem_virt2memseg(page(0, 0)->addr,
			(const void *)((const char *)eal_mcfg()->memsegs + 1)) == NULL,
			EINVAL);
}

static void
test_virt2memseg_list(void)
{
	struct rte_memseg_list *msl;
	unsigned int k;
	int on_stack;

	for (k = 0; k < N_RUNS; k++) {
		msl = rte_mem_virt2memseg_list(page(k, run_len[k] - 1)->addr);
		CU_ASSERT_PTR_NOT_NULL_FATAL(msl);
		CU_ASSERT(msl >= eal_mcfg()->memsegs &&
				msl < eal_mcfg()->memsegs + RTE_MAX_MEMSEG_LISTS);
		CU_ASSERT(RTE_PTR_DIFF(page(k, 0)->addr, msl->base_va) < msl->len);
		CU_ASSERT_EQUAL(msl->page_sz, fx.page_sz);
		CU_ASSERT_EQUAL(msl->socket_id, page(k, 0)->socket_id);
	}
	/* A free slot is still inside its list's reserved space. */
	CU_ASSERT_PTR_EQUAL(rte_mem_virt2memseg_list(fx.gap),
			rte_mem_virt2memseg_list(page(0, 0)->addr));
	CHECK_ERR(rte_mem_virt2memseg_list(&on_stack) == NULL, ENOENT);
	CHECK_ERR(rte_mem_virt2memseg_list(NULL) == NULL, EINVAL);
}

static void
test_iova(void)
{
	unsigned int k, i, c;
	size_t off;
	int on_stack;

	for (k = 0; k < N_RUNS; k++) {
		for (i = 0; i < run_len[k]; i++) {
			CU_ASSERT_NOT_EQUAL_FATAL(page(k, i)->iova, RTE_BAD_IOVA);
			for (c = 0; c < 3; c++) {
				off = offset_class(c);
				CU_ASSERT_EQUAL(rte_mem_virt2iova(byte_of(k, i, off)),
						page(k, i)->iova + off);
				CU_ASSERT_PTR_EQUAL(rte_mem_iova2virt(page(k, i)->iova + off),
						byte_of(k, i, off));
			}
		}
	}
	if (rte_eal_iova_mode() == RTE_IOVA_VA) {
		/* DPDK: any address is its own IOVA in VA mode. */
		CU_ASSERT_EQUAL(rte_mem_virt2iova(&on_stack), (uintptr_t)&on_stack);
		CHECK_ERR(rte_mem_iova2virt((uintptr_t)fx.gap) == NULL, ENOENT);
	} else {
		CU_ASSERT_EQUAL(rte_mem_virt2iova(&on_stack),
				rte_mem_virt2phy(&on_stack));
	}
	CHECK_ERR(rte_mem_virt2iova(NULL) == RTE_BAD_IOVA, EINVAL);
	CHECK_ERR(rte_mem_iova2virt(RTE_BAD_IOVA) == NULL, ENOENT);
}

static void
test_virt2phy(void)
{
	void *a = byte_of(2, 3, 0);
	phys_addr_t pa = rte_mem_virt2phy(a);

	CHECK_ERR(rte_mem_virt2phy(NULL) == RTE_BAD_PHYS_ADDR, EINVAL);
	/* Reserved but unmapped: no page there. */
	CHECK_ERR(rte_mem_virt2phy(fx.gap) == RTE_BAD_PHYS_ADDR, ENOENT);
	if (geteuid() != 0) {
		CU_ASSERT_EQUAL(pa, RTE_BAD_PHYS_ADDR);
		CU_ASSERT_EQUAL(rte_errno, EPERM);
		return;
	}
	CU_ASSERT_NOT_EQUAL_FATAL(pa, RTE_BAD_PHYS_ADDR);
	CU_ASSERT_EQUAL(rte_mem_virt2phy(RTE_PTR_ADD(a, 1000)), pa + 1000);
	if (rte_eal_iova_mode() == RTE_IOVA_PA)
		CU_ASSERT_EQUAL(pa, page(2, 3)->iova);
}

/* ---- walks ---- */

struct visit {
	unsigned int n;          /* calls so far */
	unsigned int stop_at;    /* call (1-based) that returns ret; 0 = none */
	int ret;
	bool seen[RTE_MAX_MEMSEG_LISTS];
	const void *addr[16];
	size_t len[16];
};

static int
visit_ret(struct visit *v)
{
	v->n++;
	return v->n == v->stop_at ? v->ret : 0;
}

static int
visit_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	struct visit *v = arg;

	if (v->n < RTE_DIM(v->addr)) {
		v->addr[v->n] = ms->addr;
		v->len[v->n] = ms->len;
	}
	CU_ASSERT_PTR_EQUAL(rte_mem_virt2memseg_list(ms->addr), msl);
	return visit_ret(v);
}

static int
visit_run(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		size_t len, void *arg)
{
	struct visit *v = arg;

	if (v->n < RTE_DIM(v->addr)) {
		v->addr[v->n] = ms->addr;
		v->len[v->n] = len;
	}
	CU_ASSERT_PTR_EQUAL(rte_mem_virt2memseg_list(ms->addr), msl);
	return visit_ret(v);
}

static int
visit_list(const struct rte_memseg_list *msl, void *arg)
{
	struct visit *v = arg;
	long i = msl - eal_mcfg()->memsegs;

	CU_ASSERT_FATAL(i >= 0 && i < RTE_MAX_MEMSEG_LISTS);
	CU_ASSERT_FALSE(v->seen[i]);
	v->seen[i] = true;
	return visit_ret(v);
}

static void
test_walk(void)
{
	struct visit v = { 0 };
	unsigned int k, i, n = 0;

	CU_ASSERT_EQUAL(rte_memseg_walk(visit_seg, &v), 0);
	CU_ASSERT_EQUAL_FATAL(v.n, total_pages());
	for (k = 0; k < N_RUNS; k++) {
		for (i = 0; i < run_len[k]; i++, n++) {
			CU_ASSERT_PTR_EQUAL(v.addr[n], page(k, i)->addr);
			CU_ASSERT_EQUAL(v.len[n], fx.page_sz);
		}
	}
	memset(&v, 0, sizeof(v));
	rte_mcfg_mem_read_lock();
	CU_ASSERT_EQUAL(rte_memseg_walk_thread_unsafe(visit_seg, &v), 0);
	rte_mcfg_mem_read_unlock();
	CU_ASSERT_EQUAL(v.n, total_pages());
}

static void
test_contig_walk(void)
{
	struct visit v = { 0 };
	unsigned int k;

	CU_ASSERT_EQUAL(rte_memseg_contig_walk(visit_run, &v), 0);
	CU_ASSERT_EQUAL_FATAL(v.n, N_RUNS);
	for (k = 0; k < N_RUNS; k++) {
		CU_ASSERT_PTR_EQUAL(v.addr[k], page(k, 0)->addr);
		CU_ASSERT_EQUAL(v.len[k], run_len[k] * fx.page_sz);
	}
	memset(&v, 0, sizeof(v));
	rte_mcfg_mem_write_lock();
	CU_ASSERT_EQUAL(rte_memseg_contig_walk_thread_unsafe(visit_run, &v), 0);
	rte_mcfg_mem_write_unlock();
	CU_ASSERT_EQUAL(v.n, N_RUNS);
}

static void
test_list_walk(void)
{
	struct visit v = { 0 };
	unsigned int i, n = 0;

	CU_ASSERT_EQUAL(rte_memseg_list_walk(visit_list, &v), 0);
	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		CU_ASSERT_EQUAL(v.seen[i], eal_mcfg()->memsegs[i].base_va != NULL);
		n += v.seen[i];
	}
	CU_ASSERT(n >= 1);
	CU_ASSERT_EQUAL(v.n, n);
	memset(&v, 0, sizeof(v));
	CU_ASSERT_EQUAL(rte_memseg_list_walk_thread_unsafe(visit_list, &v), 0);
	CU_ASSERT_EQUAL(v.n, n);
}

/* Each walk stops at the callback's 1 or -1 and passes it on. */
static void
test_walk_stop(void)
{
	int rets[] = { 1, -1 };
	unsigned int r;

	for (r = 0; r < RTE_DIM(rets); r++) {
		struct visit v = { .stop_at = 2, .ret = rets[r] };

		CU_ASSERT_EQUAL(rte_memseg_walk(visit_seg, &v), rets[r]);
		CU_ASSERT_EQUAL(v.n, 2);
		v.n = 0;
		CU_ASSERT_EQUAL(rte_memseg_walk_thread_unsafe(visit_seg, &v), rets[r]);
		CU_ASSERT_EQUAL(v.n, 2);
		v.n = 0;
		CU_ASSERT_EQUAL(rte_memseg_contig_walk(visit_run, &v), rets[r]);
		CU_ASSERT_EQUAL(v.n, 2);
		v.n = 0;
		CU_ASSERT_EQUAL(rte_memseg_contig_walk_thread_unsafe(visit_run, &v),
				rets[r]);
		CU_ASSERT_EQUAL(v.n, 2);
		v.n = 0;
		v.stop_at = 1;
		CU_ASSERT_EQUAL(rte_memseg_list_walk(visit_list, &v), rets[r]);
		CU_ASSERT_EQUAL(v.n, 1);
		memset(v.seen, 0, sizeof(v.seen));
		v.n = 0;
		CU_ASSERT_EQUAL(rte_memseg_list_walk_thread_unsafe(visit_list, &v),
				rets[r]);
		CU_ASSERT_EQUAL(v.n, 1);
	}
}

static void
test_walk_invalid(void)
{
	CHECK_ERR(rte_memseg_walk(NULL, NULL) == -1, EINVAL);
	CHECK_ERR(rte_memseg_walk_thread_unsafe(NULL, NULL) == -1, EINVAL);
	CHECK_ERR(rte_memseg_contig_walk(NULL, NULL) == -1, EINVAL);
	CHECK_ERR(rte_memseg_contig_walk_thread_unsafe(NULL, NULL) == -1, EINVAL);
	CHECK_ERR(rte_memseg_list_walk(NULL, NULL) == -1, EINVAL);
	CHECK_ERR(rte_memseg_list_walk_thread_unsafe(NULL, NULL) == -1, EINVAL);
}

static int
nested_walk(const struct rte_memseg_list *msl __rte_unused,
		const struct rte_memseg *ms __rte_unused, void *arg)
{
	struct visit *v = arg;

	v->n++;
	/* The lock is recursive: a callback may walk again. */
	return rte_memseg_walk(visit_seg, &v[1]);
}

static void
test_walk_nested(void)
{
	struct visit v[2];

	memset(v, 0, sizeof(v));
	CU_ASSERT_EQUAL(rte_memseg_walk(nested_walk, v), 0);
	CU_ASSERT_EQUAL(v[0].n, total_pages());
	CU_ASSERT_EQUAL(v[1].n, total_pages() * total_pages());
}

/* ---- descriptors ---- */

/* The page's bytes as read through its descriptor match memory. */
static void
check_fd_reads(struct rte_memseg *ms, unsigned int tag)
{
	uint64_t want = 0x6d706c616e650000ULL + tag, got = 0;
	size_t where = fx.page_sz / 2 + 8, off = SIZE_MAX;
	int fd = rte_memseg_get_fd(ms);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(rte_memseg_get_fd_thread_unsafe(ms), fd);
	CU_ASSERT_EQUAL_FATAL(rte_memseg_get_fd_offset(ms, &off), 0);
	memcpy(RTE_PTR_ADD(ms->addr, where), &want, sizeof(want));
	CU_ASSERT_EQUAL(pread(fd, &got, sizeof(got), (off_t)(off + where)),
			(ssize_t)sizeof(got));
	CU_ASSERT_EQUAL(got, want);
}

static void
test_get_fd(void)
{
	struct rte_memseg_list *msl = rte_mem_virt2memseg_list(page(0, 0)->addr);
	int list = (int)(msl - eal_mcfg()->memsegs);
	bool per_page = mem_backend_of(eal_mcfg(), list) == MEM_FILE_PER_PAGE;
	unsigned int k, i;
	size_t off;

	for (k = 0; k < N_RUNS; k++) {
		for (i = 0; i < run_len[k]; i++) {
			check_fd_reads(page(k, i), k * 100 + i);
			CU_ASSERT_EQUAL(rte_memseg_get_fd_offset_thread_unsafe(
					page(k, i), &off), 0);
			CU_ASSERT_EQUAL(off, per_page ? 0 : (size_t)RTE_PTR_DIFF(
					page(k, i)->addr, msl->base_va));
		}
	}
	/* One descriptor per list, or one per page. */
	CU_ASSERT_EQUAL(rte_memseg_get_fd(page(0, 0)) ==
			rte_memseg_get_fd(page(2, 6)), !per_page);
	CU_ASSERT_EQUAL(rte_mcfg_get_single_file_segments(), fx.single_file);
}

static void
test_get_fd_invalid(void)
{
	struct rte_memseg_list *msl = rte_mem_virt2memseg_list(fx.gap);
	struct rte_memseg copy = *page(0, 0);
	const struct rte_memseg *free_ms, *odd;
	size_t off;

	free_ms = rte_fbarray_get(&msl->memseg_arr, (unsigned int)
			(RTE_PTR_DIFF(fx.gap, msl->base_va) / fx.page_sz));
	odd = (const void *)((const char *)page(0, 1) + 1);
	CHECK_ERR(rte_memseg_get_fd(NULL) == -1, EINVAL);
	CHECK_ERR(rte_memseg_get_fd(&copy) == -1, EINVAL);
	CHECK_ERR(rte_memseg_get_fd(odd) == -1, EINVAL);
	CHECK_ERR(rte_memseg_get_fd(free_ms) == -1, ENOENT);
	CHECK_ERR(rte_memseg_get_fd_thread_unsafe(NULL) == -1, EINVAL);
	CHECK_ERR(rte_memseg_get_fd_thread_unsafe(free_ms) == -1, ENOENT);
	CHECK_ERR(rte_memseg_get_fd_offset(NULL, &off) == -1, EINVAL);
	CHECK_ERR(rte_memseg_get_fd_offset(page(0, 0), NULL) == -1, EINVAL);
	CHECK_ERR(rte_memseg_get_fd_offset(&copy, &off) == -1, EINVAL);
	CHECK_ERR(rte_memseg_get_fd_offset(free_ms, &off) == -1, ENOENT);
	CHECK_ERR(rte_memseg_get_fd_offset_thread_unsafe(page(0, 0), NULL) == -1,
			EINVAL);
	CHECK_ERR(rte_memseg_get_fd_offset_thread_unsafe(free_ms, &off) == -1,
			ENOENT);
}

/* ---- the rest ---- */

static long
vm_locked_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static void
test_lock_page(void)
{
	CU_ASSERT_EQUAL(rte_mem_lock_page(byte_of(2, 2, fx.page_sz / 3)), 0);
	CU_ASSERT(vm_locked_kb() >= (long)(rte_mem_page_size() >> 10));
	CHECK_ERR(rte_mem_lock_page(NULL) == -1, EINVAL);
	/* Reserved with PROT_NONE: mlock cannot bring it in. */
	CHECK_ERR(rte_mem_lock_page(fx.gap) == -1, ENOMEM);
}

static void
test_physmem_size(void)
{
	CU_ASSERT_EQUAL(rte_eal_get_physmem_size(),
			(uint64_t)total_pages() * fx.page_sz);
}

static void
test_dump(void)
{
	struct rte_memseg_list *msl = rte_mem_virt2memseg_list(page(0, 0)->addr);
	int list = (int)(msl - eal_mcfg()->memsegs);
	char *buf = NULL, want[128];
	size_t sz = 0, lines = 0;
	unsigned int k, i, idx;
	FILE *f = open_memstream(&buf, &sz);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rte_dump_physmem_layout(f);
	fclose(f);
	for (k = 0; k < N_RUNS; k++) {
		for (i = 0; i < run_len[k]; i++) {
			idx = (unsigned int)(RTE_PTR_DIFF(page(k, i)->addr,
					msl->base_va) / fx.page_sz);
			snprintf(want, sizeof(want), "Segment %d-%u: IOVA:0x%" PRIx64
				", len:%zu, virt:%p,", list, idx, page(k, i)->iova,
				(size_t)fx.page_sz, page(k, i)->addr);
			CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
		}
	}
	for (i = 0; buf[i] != '\0'; i++)
		lines += buf[i] == '\n';
	CU_ASSERT_EQUAL(lines, total_pages());
	free(buf);
	rte_dump_physmem_layout(NULL);
}

static int
bits_needed(uint64_t v)
{
	return v == 0 ? 0 : 64 - __builtin_clzll(v);
}

static void
test_dma_mask(void)
{
	uint64_t top = 0;
	unsigned int k;
	int need;

	for (k = 0; k < N_RUNS; k++) {
		struct rte_memseg *last = page(k, run_len[k] - 1);

		top = RTE_MAX(top, last->iova + last->len - 1);
	}
	need = bits_needed(top);
	CU_ASSERT_EQUAL(rte_mem_check_dma_mask(63), 0);
	CU_ASSERT_EQUAL(rte_mem_check_dma_mask((uint8_t)need), 0);
	CU_ASSERT_EQUAL(rte_mem_check_dma_mask((uint8_t)(need - 1)), 1);
	CU_ASSERT_EQUAL(rte_mem_check_dma_mask(0), 1);
	rte_mcfg_mem_read_lock();
	CU_ASSERT_EQUAL(rte_mem_check_dma_mask_thread_unsafe((uint8_t)need), 0);
	CU_ASSERT_EQUAL(rte_mem_check_dma_mask_thread_unsafe((uint8_t)(need - 1)),
			1);
	rte_mcfg_mem_read_unlock();
	/* DPDK's limit is 63 bits. */
	CHECK_ERR(rte_mem_check_dma_mask(64) == -1, EINVAL);
	CHECK_ERR(rte_mem_check_dma_mask(255) == -1, EINVAL);
	CHECK_ERR(rte_mem_check_dma_mask_thread_unsafe(64) == -1, EINVAL);
	rte_mem_set_dma_mask(63);
}

static void
test_sockets(void)
{
	unsigned int n = rte_socket_count(), i;

	CU_ASSERT_EQUAL_FATAL(n, eal_mcfg()->n_sockets);
	CU_ASSERT(n >= 1);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(rte_socket_id_by_idx(i), eal_mcfg()->socket_ids[i]);
	CU_ASSERT_EQUAL(page(0, 0)->socket_id, rte_socket_id_by_idx(0));
	CHECK_ERR(rte_socket_id_by_idx(n) == -1, EINVAL);
	CHECK_ERR(rte_socket_id_by_idx(UINT_MAX) == -1, EINVAL);
	CU_ASSERT_EQUAL(rte_mem_page_size(), (size_t)sysconf(_SC_PAGESIZE));
}

static void *
try_lock(void *m)
{
	int ret = pthread_mutex_trylock(m);

	if (ret == 0)
		pthread_mutex_unlock(m);
	return (void *)(intptr_t)ret;
}

/* pthread_mutex_trylock's answer in another thread. */
static int
other_thread_trylock(pthread_mutex_t *m)
{
	pthread_t t;
	void *ret;

	if (pthread_create(&t, NULL, try_lock, m) != 0 ||
			pthread_join(t, &ret) != 0)
		return -1;
	return (int)(intptr_t)ret;
}

static void
test_mem_lock(void)
{
	pthread_mutex_t *m = &eal_mcfg()->mem_lock;
	struct visit v = { 0 };

	rte_mcfg_mem_read_lock();
	rte_mcfg_mem_read_lock();
	rte_mcfg_mem_write_lock();
	CU_ASSERT_EQUAL(other_thread_trylock(m), EBUSY);
	CU_ASSERT_EQUAL(rte_memseg_walk(visit_seg, &v), 0);
	CU_ASSERT_EQUAL(v.n, total_pages());
	rte_mcfg_mem_write_unlock();
	rte_mcfg_mem_read_unlock();
	CU_ASSERT_EQUAL(other_thread_trylock(m), EBUSY);
	rte_mcfg_mem_read_unlock();
	CU_ASSERT_EQUAL(other_thread_trylock(m), 0);
}

static void
test_other_locks(void)
{
	struct eal_memcfg *cfg = eal_mcfg();

	rte_mcfg_tailq_read_lock();
	rte_mcfg_tailq_write_lock();
	CU_ASSERT_EQUAL(other_thread_trylock(&cfg->tailq_lock), EBUSY);
	rte_mcfg_tailq_write_unlock();
	rte_mcfg_tailq_read_unlock();
	CU_ASSERT_EQUAL(other_thread_trylock(&cfg->tailq_lock), 0);
	rte_mcfg_mempool_write_lock();
	rte_mcfg_mempool_read_lock();
	CU_ASSERT_EQUAL(other_thread_trylock(&cfg->mempool_lock), EBUSY);
	rte_mcfg_mempool_read_unlock();
	rte_mcfg_mempool_write_unlock();
	CU_ASSERT_EQUAL(other_thread_trylock(&cfg->mempool_lock), 0);
	rte_mcfg_timer_lock();
	rte_mcfg_timer_lock();
	CU_ASSERT_EQUAL(other_thread_trylock(&cfg->timer_lock), EBUSY);
	rte_mcfg_timer_unlock();
	rte_mcfg_timer_unlock();
	CU_ASSERT_EQUAL(other_thread_trylock(&cfg->timer_lock), 0);
	/* The memory lock is a different lock. */
	rte_mcfg_tailq_write_lock();
	CU_ASSERT_EQUAL(other_thread_trylock(&cfg->mem_lock), 0);
	rte_mcfg_tailq_write_unlock();
}

/* ---- without the EAL ---- */

static int
never_called(const struct rte_memseg_list *msl __rte_unused,
		const struct rte_memseg *ms __rte_unused, void *arg)
{
	(*(int *)arg)++;
	return -1;
}

static int
never_called_run(const struct rte_memseg_list *msl __rte_unused,
		const struct rte_memseg *ms __rte_unused, size_t len __rte_unused,
		void *arg)
{
	(*(int *)arg)++;
	return -1;
}

static int
never_called_list(const struct rte_memseg_list *msl __rte_unused, void *arg)
{
	(*(int *)arg)++;
	return -1;
}

/* Everything with no group: stale is a memseg pointer from an ended one. */
static void
check_no_eal(const struct rte_memseg *stale)
{
	char *buf = NULL;
	size_t sz = 0, off;
	FILE *f;
	int on_stack = 0, calls = 0;

	CHECK_ERR(rte_mem_virt2memseg(&on_stack, NULL) == NULL, ENODEV);
	CHECK_ERR(rte_mem_virt2memseg(NULL, NULL) == NULL, EINVAL);
	CHECK_ERR(rte_mem_virt2memseg_list(&on_stack) == NULL, ENODEV);
	CHECK_ERR(rte_mem_virt2memseg_list(NULL) == NULL, EINVAL);
	CHECK_ERR(rte_mem_virt2iova(&on_stack) == RTE_BAD_IOVA, ENODEV);
	CHECK_ERR(rte_mem_virt2iova(NULL) == RTE_BAD_IOVA, EINVAL);
	CHECK_ERR(rte_mem_iova2virt(0x100000) == NULL, ENODEV);
	CU_ASSERT_EQUAL(rte_memseg_walk(never_called, &calls), 0);
	CU_ASSERT_EQUAL(rte_memseg_walk_thread_unsafe(never_called, &calls), 0);
	CU_ASSERT_EQUAL(rte_memseg_contig_walk(never_called_run, &calls), 0);
	CU_ASSERT_EQUAL(rte_memseg_list_walk(never_called_list, &calls), 0);
	CU_ASSERT_EQUAL(calls, 0);
	CHECK_ERR(rte_memseg_walk(NULL, NULL) == -1, EINVAL);
	CHECK_ERR(rte_memseg_get_fd(stale) == -1, ENODEV);
	CHECK_ERR(rte_memseg_get_fd_thread_unsafe(NULL) == -1, EINVAL);
	CHECK_ERR(rte_memseg_get_fd_offset(stale, &off) == -1, ENODEV);
	CHECK_ERR(rte_memseg_get_fd_offset(stale, NULL) == -1, EINVAL);
	CU_ASSERT_EQUAL(rte_eal_get_physmem_size(), 0);
	f = open_memstream(&buf, &sz);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rte_dump_physmem_layout(f);
	fclose(f);
	CU_ASSERT_EQUAL(sz, 0);
	free(buf);
	CU_ASSERT_EQUAL(rte_mem_check_dma_mask(32), 0);
	CHECK_ERR(rte_mem_check_dma_mask(64) == -1, EINVAL);
	CU_ASSERT_EQUAL(rte_socket_count(), 0);
	CHECK_ERR(rte_socket_id_by_idx(0) == -1, EINVAL);
	rte_mcfg_mem_read_lock();
	rte_mcfg_mem_read_unlock();
	rte_mcfg_timer_lock();
	rte_mcfg_timer_unlock();
	CU_ASSERT_FALSE(rte_mcfg_get_single_file_segments());
	/* These need no group. */
	CU_ASSERT_EQUAL(rte_mem_page_size(), (size_t)sysconf(_SC_PAGESIZE));
	CU_ASSERT_EQUAL(rte_mem_lock_page(&on_stack), 0);
	CU_ASSERT_EQUAL(rte_mem_virt2phy(&on_stack) != RTE_BAD_PHYS_ADDR,
			geteuid() == 0);
}

static void
test_before_init(void)
{
	struct rte_memseg fake;

	memset(&fake, 0, sizeof(fake));
	check_no_eal(&fake);
}

static void
test_after_cleanup(void)
{
	struct rte_memseg *stale;

	memset(&fx, 0, sizeof(fx));
	CU_ASSERT_EQUAL_FATAL(start_eal("after", "--no-huge", NULL), 0);
	CU_ASSERT_EQUAL(mem_alloc_pages(RTE_PGSIZE_4K, eal_mcfg()->socket_ids[0],
			2, false, &stale), 0);
	CU_ASSERT(rte_memseg_get_fd(stale) >= 0);
	stop_eal();
	check_no_eal(stale);
}

/* Pages come from the socket they were asked for, on every socket. */
static void
test_placement(void)
{
	struct eal_memcfg *cfg = eal_mcfg();
	struct rte_memseg *ms;
	unsigned int i, k;
	int node;

	for (i = 0; i < cfg->n_sockets; i++) {
		int socket = cfg->socket_ids[i];

		CU_ASSERT_EQUAL_FATAL(mem_alloc_pages(fx.page_sz, socket, 2,
				false, &ms), 0);
		for (k = 0; k < 2; k++) {
			CU_ASSERT_EQUAL(ms[k].socket_id, socket);
			node = mem_discover_socket_of_addr(ms[k].addr);
			if (node >= 0) {
				CU_ASSERT_EQUAL(node, socket);
			}
		}
		CU_ASSERT_EQUAL(mem_free_pages(ms, 2), 0);
	}
}

/* Files named <prefix>map_* in /dev/hugepages. */
static int
page_files(const char *prefix)
{
	char stem[96];

	snprintf(stem, sizeof(stem), "%smap_", prefix);
	return test_dir_count("/dev/hugepages", stem);
}

/* --huge-unlink: no page file while the pages are mapped, their
 * descriptors still read them, and freeing gives them back.
 */
static void
test_huge_unlink(void)
{
	long before = test_read_long(HUGE_2M_FREE);
	struct rte_memseg *ms;
	char prefix[64], c = 0;
	int fd;

	if (before < HUGE_PAGES_NEEDED) {
		printf("skipped: fewer than %d free 2 MiB hugepages ",
				HUGE_PAGES_NEEDED);
		return;
	}
	memset(&fx, 0, sizeof(fx));
	CU_ASSERT_EQUAL_FATAL(start_eal("unlink", "--huge-unlink", NULL), 0);
	snprintf(prefix, sizeof(prefix), "memtest%dunlink", (int)getpid());
	CU_ASSERT_EQUAL_FATAL(mem_alloc_pages(RTE_PGSIZE_2M,
			eal_mcfg()->socket_ids[0], 4, false, &ms), 0);
	CU_ASSERT_EQUAL(page_files(prefix), 0);
	CU_ASSERT_EQUAL(test_read_long(HUGE_2M_FREE), before - 4);
	memset(ms[2].addr, 0x5a, RTE_PGSIZE_2M);
	fd = rte_memseg_get_fd(&ms[2]);
	CU_ASSERT(fd >= 0);
	CU_ASSERT_EQUAL(pread(fd, &c, 1, 0), 1);
	CU_ASSERT_EQUAL(c, 0x5a);
	CU_ASSERT_EQUAL(mem_free_pages(ms, 4), 0);
	CU_ASSERT_EQUAL(test_read_long(HUGE_2M_FREE), before);
	stop_eal();
	CU_ASSERT_EQUAL(page_files(prefix), 0);
}

/* --legacy-mem --iova-mode=pa: start-up pages ordered by IOVA, so every
 * physically contiguous set of pages is one IOVA-contiguous run.
 */
static void
test_legacy_pa_sorted(void)
{
	struct rte_memseg_list *msl = NULL;
	struct rte_memseg *p, *q;
	unsigned int i;

	if (geteuid() != 0 || test_read_long(HUGE_2M_FREE) < HUGE_PAGES_NEEDED) {
		printf("skipped: needs root and %d free 2 MiB hugepages ",
				HUGE_PAGES_NEEDED);
		return;
	}
	memset(&fx, 0, sizeof(fx));
	CU_ASSERT_EQUAL_FATAL(start_eal("legacypa", "--legacy-mem",
			"--iova-mode=pa"), 0);
	for (i = 0; i < RTE_MAX_MEMSEG_LISTS && msl == NULL; i++) {
		if (eal_mcfg()->memsegs[i].memseg_arr.count > 0)
			msl = &eal_mcfg()->memsegs[i];
	}
	CU_ASSERT_FATAL(msl != NULL && msl->memseg_arr.count >= 2);
	for (i = 1; i < msl->memseg_arr.count; i++) {
		p = rte_fbarray_get(&msl->memseg_arr, i - 1);
		q = rte_fbarray_get(&msl->memseg_arr, i);
		CU_ASSERT(q->iova > p->iova);
		CU_ASSERT_EQUAL(q->iova, rte_mem_virt2iova(q->addr));
	}
	stop_eal();
}

/* ---- events and validators ---- */

static unsigned int ev_count[2];
static const void *ev_addr;
static size_t ev_len;

static void
count_event(enum rte_mem_event ev, const void *addr, size_t len, void *arg)
{
	RTE_SET_USED(arg);
	ev_count[ev]++;
	ev_addr = addr;
	ev_len = len;
}

static size_t val_limit, val_new_len;

static int
refuse(int socket, size_t cur_limit, size_t new_len)
{
	RTE_SET_USED(socket);
	val_limit = cur_limit;
	val_new_len = new_len;
	return -1;
}

static void
test_events_invalid(void)
{
	char long_name[RTE_MEM_EVENT_CALLBACK_NAME_LEN + 1];
	int a, b;

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK_ERR(rte_mem_event_callback_register(NULL, count_event, NULL) < 0, EINVAL);
	CHECK_ERR(rte_mem_event_callback_register("ev", NULL, NULL) < 0, EINVAL);
	CHECK_ERR(rte_mem_event_callback_register(long_name, count_event, NULL) < 0,
			ENAMETOOLONG);
	long_name[RTE_MEM_EVENT_CALLBACK_NAME_LEN - 1] = '\0';
	CU_ASSERT_EQUAL(rte_mem_event_callback_register(long_name, count_event, NULL), 0);
	CU_ASSERT_EQUAL(rte_mem_event_callback_unregister(long_name, NULL), 0);
	CU_ASSERT_EQUAL(rte_mem_event_callback_register("ev", count_event, &a), 0);
	CHECK_ERR(rte_mem_event_callback_register("ev", count_event, &a) < 0, EEXIST);
	CU_ASSERT_EQUAL(rte_mem_event_callback_register("ev", count_event, &b), 0);
	CHECK_ERR(rte_mem_event_callback_unregister(NULL, &a) < 0, EINVAL);
	long_name[RTE_MEM_EVENT_CALLBACK_NAME_LEN - 1] = 'x';
	CHECK_ERR(rte_mem_event_callback_unregister(long_name, &a) < 0, ENAMETOOLONG);
	CHECK_ERR(rte_mem_event_callback_unregister("none", &a) < 0, ENOENT);
	CU_ASSERT_EQUAL(rte_mem_event_callback_unregister("ev", &a), 0);
	CU_ASSERT_EQUAL(rte_mem_event_callback_unregister("ev", &b), 0);
	CHECK_ERR(rte_mem_event_callback_unregister("ev", &a) < 0, ENOENT);
}

static void
test_validators_invalid(void)
{
	CHECK_ERR(rte_mem_alloc_validator_register(NULL, refuse, 0, 0) < 0, EINVAL);
	CHECK_ERR(rte_mem_alloc_validator_register("v", NULL, 0, 0) < 0, EINVAL);
	CHECK_ERR(rte_mem_alloc_validator_register("v", refuse, -1, 0) < 0, EINVAL);
	CHECK_ERR(rte_mem_alloc_validator_register("v0123456789012345678901234567890123456789012345678901234567890123",
			refuse, 0, 0) < 0, ENAMETOOLONG);
	CU_ASSERT_EQUAL(rte_mem_alloc_validator_register("v", refuse, 0, 0), 0);
	CHECK_ERR(rte_mem_alloc_validator_register("v", refuse, 0, 1) < 0, EEXIST);
	CU_ASSERT_EQUAL(rte_mem_alloc_validator_register("v", refuse, 1, 0), 0);
	CHECK_ERR(rte_mem_alloc_validator_unregister(NULL, 0) < 0, EINVAL);
	CHECK_ERR(rte_mem_alloc_validator_unregister("v", -1) < 0, EINVAL);
	CHECK_ERR(rte_mem_alloc_validator_unregister("none", 0) < 0, ENOENT);
	CU_ASSERT_EQUAL(rte_mem_alloc_validator_unregister("v", 0), 0);
	CU_ASSERT_EQUAL(rte_mem_alloc_validator_unregister("v", 1), 0);
	CHECK_ERR(rte_mem_alloc_validator_unregister("v", 0) < 0, ENOENT);
}

/* Callbacks see each run once, ALLOC after and FREE before; a validator
 * is asked with its limit and the size growth would reach, and refuses.
 */
static void
test_events_fire(void)
{
	int socket = eal_mcfg()->socket_ids[0];
	size_t used = rte_eal_get_physmem_size();
	struct rte_memseg *ms;

	memset(ev_count, 0, sizeof(ev_count));
	CU_ASSERT_EQUAL_FATAL(rte_mem_event_callback_register("count",
			count_event, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(mem_alloc_pages(fx.page_sz, socket, 3, false, &ms), 0);
	CU_ASSERT_EQUAL(ev_count[RTE_MEM_EVENT_ALLOC], 1);
	CU_ASSERT_PTR_EQUAL(ev_addr, ms->addr);
	CU_ASSERT_EQUAL(ev_len, 3 * fx.page_sz);
	CU_ASSERT_EQUAL(mem_free_pages(ms, 3), 0);
	CU_ASSERT_EQUAL(ev_count[RTE_MEM_EVENT_FREE], 1);
	CU_ASSERT_EQUAL(ev_len, 3 * fx.page_sz);
	CU_ASSERT_EQUAL(rte_mem_alloc_validator_register("refuse", refuse,
			socket, used), 0);
	CU_ASSERT_EQUAL(mem_alloc_pages(fx.page_sz, socket, 2, false, &ms), -EPERM);
	CU_ASSERT_EQUAL(val_limit, used);
	CU_ASSERT_EQUAL(val_new_len, used + 2 * fx.page_sz);
	CU_ASSERT_EQUAL(ev_count[RTE_MEM_EVENT_ALLOC], 1);
	CU_ASSERT_EQUAL(rte_mem_alloc_validator_unregister("refuse", socket), 0);
	CU_ASSERT_EQUAL(mem_alloc_pages(fx.page_sz, socket, 2, false, &ms), 0);
	CU_ASSERT_EQUAL(mem_free_pages(ms, 2), 0);
	CU_ASSERT_EQUAL(rte_mem_event_callback_unregister("count", NULL), 0);
}

/* The queries about the running group match how it was started. */
static void
test_eal_queries(void)
{
	enum rte_iova_mode mode = rte_eal_iova_mode();

	CU_ASSERT_EQUAL(rte_eal_process_type(), RTE_PROC_PRIMARY);
	CU_ASSERT(strncmp(rte_eal_get_runtime_dir(), fx.dir,
			strlen(fx.dir)) == 0);
	CU_ASSERT_EQUAL(rte_eal_has_hugepages() != 0,
			fx.page_sz != RTE_PGSIZE_4K);
	CU_ASSERT(mode == RTE_IOVA_VA || mode == RTE_IOVA_PA);
	if (mode == RTE_IOVA_VA) {
		CU_ASSERT_EQUAL(fx.run[0]->iova, (rte_iova_t)fx.run[0]->addr_64);
	}
	CU_ASSERT_EQUAL(rte_eal_primary_proc_alive(NULL), 1);
}

/* A new primary removes the page tables a dead group left in its runtime
 * directory, but not one a live process still holds.
 */
static void
test_stale_tables(void)
{
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	char dir[PATH_MAX], prefix[64], rundir[PATH_MAX + 64], path[PATH_MAX + 128];
	char *argv[] = { "t", "--file-prefix", prefix, "-l", "0", "--no-huge",
		NULL };
	int held;

	CU_ASSERT_FATAL(test_dir_create(dir, sizeof(dir)) == 0);
	setenv("RUNTIME_DIRECTORY", dir, 1);
	snprintf(prefix, sizeof(prefix), "stale%d", (int)getpid());
	snprintf(rundir, sizeof(rundir), "%s/%s", dir, prefix);
	CU_ASSERT_FATAL(mkdir(rundir, 0700) == 0);
	snprintf(path, sizeof(path), "%s/fbarray_memseg-2048k-0-9", rundir);
	close(open(path, O_CREAT | O_RDWR, 0600));
	snprintf(path, sizeof(path), "%s/fbarray_held", rundir);
	held = open(path, O_CREAT | O_RDWR, 0600);
	CU_ASSERT_FATAL(held >= 0 && fcntl(held, F_OFD_SETLK, &fl) == 0);
	CU_ASSERT_FATAL(rte_eal_init(6, argv) >= 0);
	CU_ASSERT_FALSE(test_file_exists(rundir, "fbarray_memseg-2048k-0-9"));
	CU_ASSERT_TRUE(test_file_exists(rundir, "fbarray_held"));
	rte_eal_cleanup();
	close(held);
	unlink(path);
	rmdir(rundir);
	test_dir_remove(dir);
	unsetenv("RUNTIME_DIRECTORY");
}

/* ---- registration ---- */

const struct test_role test_roles[] = {
	{ NULL, NULL },
};

static CU_TestInfo memory_tests[] = {
	{ "virt2memseg", test_virt2memseg },
	{ "virt2memseg_invalid", test_virt2memseg_invalid },
	{ "virt2memseg_list", test_virt2memseg_list },
	{ "iova", test_iova },
	{ "virt2phy", test_virt2phy },
	{ "walk", test_walk },
	{ "contig_walk", test_contig_walk },
	{ "list_walk", test_list_walk },
	{ "walk_stop", test_walk_stop },
	{ "walk_invalid", test_walk_invalid },
	{ "walk_nested", test_walk_nested },
	{ "get_fd", test_get_fd },
	{ "get_fd_invalid", test_get_fd_invalid },
	{ "lock_page", test_lock_page },
	{ "physmem_size", test_physmem_size },
	{ "dump", test_dump },
	{ "dma_mask", test_dma_mask },
	{ "sockets", test_sockets },
	{ "mem_lock", test_mem_lock },
	{ "other_locks", test_other_locks },
	{ "placement", test_placement },
	{ "events_invalid", test_events_invalid },
	{ "validators_invalid", test_validators_invalid },
	{ "events_fire", test_events_fire },
	{ "eal_queries", test_eal_queries },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo noinit_tests[] = {
	{ "before_init", test_before_init },
	{ "after_cleanup", test_after_cleanup },
	{ "huge_unlink", test_huge_unlink },
	{ "legacy_pa_sorted", test_legacy_pa_sorted },
	{ "stale_tables", test_stale_tables },
	CU_TEST_INFO_NULL,
};

static void
add_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc clean,
		CU_TestInfo *tests, bool active)
{
	CU_pSuite s = CU_add_suite(name, init, clean);
	CU_TestInfo *t;

	if (s == NULL)
		return;
	for (t = tests; t->pName != NULL; t++)
		CU_add_test(s, t->pName, t->pTestFunc);
	CU_set_suite_active(s, active);
}

void
test_register(void)
{
	bool huge = test_read_long(HUGE_2M_FREE) >= HUGE_PAGES_NEEDED;

	if (!huge)
		printf("test_memory: fewer than %d free 2 MiB hugepages: memory_huge and memory_huge_sfs skipped (make hugepages)\n",
				HUGE_PAGES_NEEDED);
	add_suite("memory_noinit", NULL, NULL, noinit_tests, true);
	add_suite("memory_nohuge", init_nohuge, suite_clean, memory_tests, true);
	add_suite("memory_huge", init_huge, suite_clean, memory_tests, huge);
	add_suite("memory_huge_sfs", init_huge_sfs, suite_clean, memory_tests,
			huge);
}
