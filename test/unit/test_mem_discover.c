/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Tests of hugepage and NUMA discovery (runtime/mem/mem_discover.h):
 * - mem_discover_fake: a fake sysfs, mounts and meminfo in a fresh mkdtemp
 *   tree per test (rebuilt by the suite's setup, removed by its teardown):
 *   every field, missing pieces, --huge-dir, escapes, malformed input, more
 *   sizes than fit, failing opens (fault injection: errno and no fd leak);
 * - mem_discover_invalid: every documented -EINVAL/-ENOENT/-EFAULT;
 * - mem_discover_real: this machine: its sizes against statfs() and
 *   /proc/meminfo, its NUMA nodes, where pages land, and the policy round
 *   trip. The hugepage placement check runs only when pages are free.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <numa.h>
#include <numaif.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_common.h>
#include <rte_log.h>

#include "runtime/mem/mem_discover.h"
#include "test/lib/fault.h"
#include "test/lib/test_main.h"
#include "test/lib/test_util.h"

#define MB (1ULL << 20)
#define GB (1ULL << 30)
#define HUGETLBFS_MAGIC 0x958458f6
#define LONG_BITS (8 * sizeof(unsigned long))
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)   /* log2(2 MiB) << MAP_HUGE_SHIFT */
#endif

static char g_root[64];     /* /tmp/memplane-test-XXXXXX */
static char g_sysfs[128];
static char g_mounts[128];
static char g_meminfo[128];
static const struct mem_discover_paths g_paths = {
	.sysfs = g_sysfs, .mounts = g_mounts, .meminfo = g_meminfo,
};
static struct mem_page_type g_types[MEM_MAX_PAGE_SIZES];

/* ---- building the fake tree ---- */

static int
mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	char *s;

	snprintf(buf, sizeof(buf), "%s", path);
	for (s = buf + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* g_root/rel as an absolute path. */
static const char *
at(const char *rel)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s/%s", g_root, rel);
	return buf;
}

/* Write g_root/rel (creating its directories) with printf-style content. */
static void __attribute__((format(printf, 2, 3)))
put(const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX];
	char *slash;
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s", at(rel));
	slash = strrchr(path, '/');
	*slash = '\0';
	CU_ASSERT_FATAL(mkdir_p(path) == 0);
	*slash = '/';
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Remove g_root/rel and everything below it. */
static void
rm_tree(const char *rel)
{
	CU_ASSERT(nftw(at(rel), rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0);
}

#define HP "sys/kernel/mm/hugepages/"
#define NODE(n) "sys/devices/system/node/node" #n "/hugepages/"

/* The mounts file: unrelated lines, a 1G mount, a 2M mount without pagesize=. */
static void
put_mounts(const char *extra)
{
	put("mounts",
	    "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n"
	    "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
	    "%s"
	    "nodev %s/mnt/huge1G hugetlbfs rw,relatime,pagesize=1G 0 0\n"
	    "tmpfs /run tmpfs rw,nosuid,size=1024k,mode=755 0 0\n"
	    "nodev %s/mnt/huge hugetlbfs rw,relatime,min_size=4M 0 0\n",
	    extra, g_root, g_root);
}

/*
 * 2 MiB: 40 free (node0 30, node1 10); 1 GiB: 3 free (node0 1, node1 2).
 * Mounts: mnt/huge1G (pagesize=1G), mnt/huge (default size, 2 MiB).
 */
static void
build_tree(void)
{
	put(HP "hugepages-2048kB/nr_hugepages", "64\n");
	put(HP "hugepages-2048kB/free_hugepages", "40\n");
	put(HP "hugepages-1048576kB/nr_hugepages", "4\n");
	put(HP "hugepages-1048576kB/free_hugepages", "3\n");
	put(NODE(0) "hugepages-2048kB/free_hugepages", "30\n");
	put(NODE(1) "hugepages-2048kB/free_hugepages", "10\n");
	put(NODE(0) "hugepages-1048576kB/free_hugepages", "1\n");
	put(NODE(1) "hugepages-1048576kB/free_hugepages", "2\n");
	put("sys/devices/system/node/online", "0-1\n");
	put("meminfo", "MemTotal:       16384000 kB\nHugePages_Free:       40\n"
	    "Hugepagesize:       2048 kB\nHugetlb:          0 kB\n");
	CU_ASSERT_FATAL(mkdir_p(at("mnt/huge")) == 0);
	CU_ASSERT_FATAL(mkdir_p(at("mnt/huge1G")) == 0);
	put_mounts("");
}

static void
fake_setup(void)
{
	fault_reset();
	memset(g_types, 0xa5, sizeof(g_types));
	if (test_dir_create(g_root, sizeof(g_root)) != 0) {
		fprintf(stderr, "cannot create a test directory\n");
		return;
	}
	snprintf(g_sysfs, sizeof(g_sysfs), "%s/sys", g_root);
	snprintf(g_mounts, sizeof(g_mounts), "%s/mounts", g_root);
	snprintf(g_meminfo, sizeof(g_meminfo), "%s/meminfo", g_root);
	build_tree();
}

static void
fake_teardown(void)
{
	fault_reset();
	if (g_root[0] != '\0' &&
	    nftw(g_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "cannot remove %s\n", g_root);
	g_root[0] = '\0';
}

/* Log output of the calls between log_capture() and log_has(). */
static char *g_log;
static size_t g_log_sz;
static FILE *g_log_f;

static void
log_capture(void)
{
	g_log_f = open_memstream(&g_log, &g_log_sz);
	CU_ASSERT_FATAL(g_log_f != NULL);
	rte_openlog_stream(g_log_f);
}

/* Stop capturing; whether the log held text. */
static bool
log_has(const char *text)
{
	bool has;

	rte_openlog_stream(NULL);
	fclose(g_log_f);
	has = strstr(g_log, text) != NULL;
	free(g_log);
	g_log = NULL;
	return has;
}

static int
discover(const char *huge_dir)
{
	return mem_discover_page_types(&g_paths, huge_dir, g_types, MEM_MAX_PAGE_SIZES);
}

/* Checks one type against the expected size, mount (relative to g_root,
 * NULL = none), global free count and free counts of nodes 0 and 1. */
static void
check_type(const struct mem_page_type *t, uint64_t sz, const char *mount,
		unsigned int total, unsigned int n0, unsigned int n1)
{
	unsigned int i;

	CU_ASSERT_EQUAL(t->page_sz, sz);
	CU_ASSERT_STRING_EQUAL(t->mount, mount != NULL ? at(mount) : "");
	CU_ASSERT_EQUAL(t->n_free_total, total);
	CU_ASSERT_EQUAL(t->n_free[0], n0);
	CU_ASSERT_EQUAL(t->n_free[1], n1);
	for (i = 2; i < EAL_MAX_NUMA_NODES; i++)
		CU_ASSERT_EQUAL(t->n_free[i], 0);
}

/* ---- mem_discover_fake ---- */

static void
test_fake_full(void)
{
	CU_ASSERT_EQUAL_FATAL(discover(NULL), 2);
	check_type(&g_types[0], 2 * MB, "mnt/huge", 40, 30, 10);
	check_type(&g_types[1], GB, "mnt/huge1G", 3, 1, 2);
	CU_ASSERT_EQUAL(discover(""), 2);
}

static void
test_fake_no_hugepages_dir(void)
{
	rm_tree("sys/kernel");
	CU_ASSERT_EQUAL(discover(NULL), 0);
	rm_tree("mounts");
	CU_ASSERT_EQUAL(discover(NULL), 0);
	rm_tree("sys");
	CU_ASSERT_EQUAL(discover(NULL), 0);
}

static void
test_fake_size_without_mount(void)
{
	put("mounts", "nodev %s/mnt/huge hugetlbfs rw,pagesize=2M 0 0\n", g_root);
	CU_ASSERT_EQUAL_FATAL(discover(NULL), 2);
	check_type(&g_types[0], 2 * MB, "mnt/huge", 40, 30, 10);
	check_type(&g_types[1], GB, NULL, 3, 1, 2);
}

static void
test_fake_no_node_info(void)
{
	rm_tree("sys/devices");
	CU_ASSERT_EQUAL_FATAL(discover(NULL), 2);
	check_type(&g_types[0], 2 * MB, "mnt/huge", 40, 40, 0);
	check_type(&g_types[1], GB, "mnt/huge1G", 3, 3, 0);
}

static void
test_fake_node_without_size(void)
{
	rm_tree(NODE(1) "hugepages-1048576kB");
	CU_ASSERT_EQUAL_FATAL(discover(NULL), 2);
	check_type(&g_types[1], GB, "mnt/huge1G", 3, 1, 0);
}

static void
test_fake_no_meminfo(void)
{
	rm_tree("meminfo");
	CU_ASSERT_EQUAL_FATAL(discover(NULL), 2);
	check_type(&g_types[0], 2 * MB, NULL, 40, 30, 10);
	check_type(&g_types[1], GB, "mnt/huge1G", 3, 1, 2);
}

/* The mount listed first wins, unless huge_dir names another one. */
static void
test_fake_huge_dir_match(void)
{
	CU_ASSERT_FATAL(mkdir_p(at("mnt/second")) == 0);
	put("mounts", "nodev %s/mnt/huge hugetlbfs rw 0 0\n"
	    "nodev %s/mnt/second hugetlbfs rw,pagesize=2M 0 0\n"
	    "nodev %s/mnt/huge1G hugetlbfs rw,pagesize=1024M 0 0\n",
	    g_root, g_root, g_root);
	CU_ASSERT_EQUAL_FATAL(discover(NULL), 2);
	CU_ASSERT_STRING_EQUAL(g_types[0].mount, at("mnt/huge"));
	CU_ASSERT_EQUAL_FATAL(discover(at("mnt/./second/")), 2);
	check_type(&g_types[0], 2 * MB, "mnt/second", 40, 30, 10);
	check_type(&g_types[1], GB, "mnt/huge1G", 3, 1, 2);
	CU_ASSERT_EQUAL(discover(at("mnt/huge1G")), 2);
	CU_ASSERT_STRING_EQUAL(g_types[0].mount, at("mnt/huge"));
}

static void
test_fake_huge_dir_refused(void)
{
	log_capture();
	CU_ASSERT_EQUAL(discover(at("sys")), -EINVAL);
	CU_ASSERT(log_has(at("sys")));
	log_capture();
	CU_ASSERT_EQUAL(discover(at("mnt/missing")), -ENOENT);
	CU_ASSERT(log_has(at("mnt/missing")));
	CU_ASSERT_FATAL(mkdir_p(at("mnt/huge16M")) == 0);
	put("mounts", "nodev %s/mnt/huge16M hugetlbfs rw,pagesize=16M 0 0\n", g_root);
	log_capture();
	CU_ASSERT_EQUAL(discover(at("mnt/huge16M")), -EINVAL);
	CU_ASSERT(log_has(at("mnt/huge16M")));
	rm_tree("sys");
	log_capture();
	CU_ASSERT_EQUAL(discover(at("mnt/huge")), -EINVAL);
	CU_ASSERT(log_has(at("mnt/huge")));
}

static void
test_fake_escaped_mount(void)
{
	char extra[256];

	CU_ASSERT_FATAL(mkdir_p(at("mnt/my huge\\dir")) == 0);
	snprintf(extra, sizeof(extra),
		 "nodev %s/mnt/my\\040huge\\134dir hugetlbfs rw,pagesize=2M 0 0\n", g_root);
	put_mounts(extra);
	CU_ASSERT_EQUAL_FATAL(discover(NULL), 2);
	CU_ASSERT_STRING_EQUAL(g_types[0].mount, at("mnt/my huge\\dir"));
	CU_ASSERT_EQUAL(discover(at("mnt/my huge\\dir")), 2);
	CU_ASSERT_STRING_EQUAL(g_types[0].mount, at("mnt/my huge\\dir"));
}

/* A malformed counter, wherever it is, fails discovery with -EINVAL. */
static void
test_fake_malformed_counts(void)
{
	static const char *const bad[] = {
		"", "\n", "abc\n", "-1\n", "12x\n", " 5\n", "4294967296\n", "5\n\n", "0x10\n",
	};
	static const char *const where[] = {
		HP "hugepages-2048kB/free_hugepages",
		NODE(1) "hugepages-1048576kB/free_hugepages",
	};
	size_t i, j;

	for (j = 0; j < RTE_DIM(where); j++) {
		for (i = 0; i < RTE_DIM(bad); i++) {
			put(where[j], "%s", bad[i]);
			log_capture();
			CU_ASSERT_EQUAL(discover(NULL), -EINVAL);
			CU_ASSERT(log_has(where[j]));
		}
		put(where[j], "4294967295");
		CU_ASSERT_EQUAL(discover(NULL), 2);
	}
	CU_ASSERT_EQUAL(g_types[0].n_free_total, 4294967295u);
	CU_ASSERT_EQUAL(g_types[1].n_free[1], 4294967295u);
}

/* Names and lines discovery does not understand are skipped. */
static void
test_fake_skipped_input(void)
{
	static const char *const names[] = {
		"hugepages-abc", "hugepages-kB", "hugepages-0kB", "hugepages-2048",
		"hugepages-2048kBx", "hugepages--4kB", "hugepages-99999999999999999999kB",
		"hugepages-18014398509481984kB", "other",
	};

	char rel[PATH_MAX];
	size_t i;

	for (i = 0; i < RTE_DIM(names); i++) {
		snprintf(rel, sizeof(rel), HP "%s/free_hugepages", names[i]);
		put(rel, "1\n");
	}
	put_mounts("\n#\nnodev\nnodev /x hugetlbfs\n"
		   "nodev /y hugetlbfs rw,pagesize=banana 0 0\n"
		   "nodev /z hugetlbfs rw,pagesize=2Mi 0 0\n"
		   "nodev /w hugetlbfs rw,pagesize=0 0 0\n");
	put("meminfo", "Hugepagesize:       lots kB\nHugepagesize: 2048 MB\n");
	CU_ASSERT_EQUAL_FATAL(discover(NULL), 2);
	check_type(&g_types[0], 2 * MB, NULL, 40, 30, 10);
	check_type(&g_types[1], GB, "mnt/huge1G", 3, 1, 2);
}

/* pagesize= in K, M, G or plain bytes; the default size from meminfo. */
static void
test_fake_pagesize_units(void)
{
	static const char *const sizes[] = { "2048K", "2048k", "2M", "2097152" };
	size_t i;

	for (i = 0; i < RTE_DIM(sizes); i++) {
		put("mounts", "nodev %s/mnt/huge hugetlbfs rw,pagesize=%s,size=8M 0 0\n",
		    g_root, sizes[i]);
		CU_ASSERT_EQUAL_FATAL(discover(NULL), 2);
		CU_ASSERT_STRING_EQUAL(g_types[0].mount, at("mnt/huge"));
		CU_ASSERT_STRING_EQUAL(g_types[1].mount, "");
	}
	put("meminfo", "Hugepagesize:    1048576 kB");
	put_mounts("");
	CU_ASSERT_EQUAL_FATAL(discover(NULL), 2);
	CU_ASSERT_STRING_EQUAL(g_types[0].mount, "");
	CU_ASSERT_STRING_EQUAL(g_types[1].mount, at("mnt/huge1G"));
}

static void
add_size(const char *kb, unsigned int n_free)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), HP "hugepages-%skB/free_hugepages", kb);
	put(rel, "%u\n", n_free);
}

/* More sizes than fit: the smallest are kept, ascending. */
static void
test_fake_more_sizes_than_max(void)
{
	struct mem_page_type one[1];

	add_size("64", 5);
	add_size("32768", 6);
	add_size("16777216", 7);
	log_capture();
	CU_ASSERT_EQUAL_FATAL(discover(NULL), 3);
	CU_ASSERT(log_has("3 smallest of 5"));
	check_type(&g_types[0], 64 << 10, NULL, 5, 5, 0);
	check_type(&g_types[1], 2 * MB, "mnt/huge", 40, 30, 10);
	check_type(&g_types[2], 32 * MB, NULL, 6, 6, 0);
	log_capture();
	CU_ASSERT_EQUAL_FATAL(mem_discover_page_types(&g_paths, NULL, one, 1), 1);
	CU_ASSERT(log_has("1 smallest of 5"));
	CU_ASSERT_EQUAL(one[0].page_sz, 64 << 10);
}

/* Fail each open in turn: that errno comes back and no descriptor leaks. */
static void
test_fake_open_faults(void)
{
	int fds = test_count_fds(), ret;
	unsigned int nth, fired;

	for (nth = 1; nth < 100; nth++) {
		fault_fail_nth(FAULT_OPEN, nth, EACCES);
		ret = discover(NULL);
		fired = fault_fired();
		fault_reset();
		CU_ASSERT_EQUAL(ret, fired > 0 ? -EACCES : 2);
		CU_ASSERT_EQUAL(test_count_fds(), fds);
		if (fired == 0)
			break;
	}
	CU_ASSERT(nth > 2 * (1 + EAL_MAX_NUMA_NODES) + 2);
}

static void
test_fake_missing_files(void)
{
	rm_tree("mounts");
	CU_ASSERT_EQUAL(discover(NULL), -ENOENT);
	put_mounts("");
	rm_tree(HP "hugepages-2048kB/free_hugepages");
	CU_ASSERT_EQUAL(discover(NULL), -ENOENT);
}

/* ---- mem_discover_invalid ---- */

static void
test_invalid_args(void)
{
	struct mem_numa_saved saved;
	int ids[1];

	CU_ASSERT_EQUAL(mem_discover_page_types(NULL, NULL, g_types, 1), -EINVAL);
	CU_ASSERT_EQUAL(mem_discover_page_types(&mem_discover_default_paths, NULL, NULL, 1), -EINVAL);
	CU_ASSERT_EQUAL(mem_discover_page_types(&mem_discover_default_paths, NULL, g_types, 0), -EINVAL);
	CU_ASSERT_EQUAL(mem_discover_page_types(&mem_discover_default_paths, NULL, g_types, -1), -EINVAL);
	CU_ASSERT_EQUAL(mem_discover_sockets(NULL, 1), -EINVAL);
	CU_ASSERT_EQUAL(mem_discover_sockets(ids, 0), -EINVAL);
	CU_ASSERT_EQUAL(mem_numa_prefer(0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(mem_numa_prefer_always(0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(mem_numa_prefer(-1, &saved), -EINVAL);
	CU_ASSERT_EQUAL(mem_numa_prefer_always(-1, &saved), -EINVAL);
	CU_ASSERT_EQUAL(mem_numa_prefer(EAL_MAX_NUMA_NODES, &saved), -EINVAL);
	CU_ASSERT_EQUAL(mem_numa_prefer_always(EAL_MAX_NUMA_NODES, &saved), -EINVAL);
	mem_numa_restore(NULL);
}

/* A node this machine does not have is refused, and nothing changes. */
static void
test_invalid_absent_node(void)
{
	struct mem_numa_saved saved;
	int ids[EAL_MAX_NUMA_NODES], n, node;

	n = mem_discover_sockets(ids, EAL_MAX_NUMA_NODES);
	node = ids[n - 1] + 1;
	if (numa_available() >= 0 && node <= numa_max_node())
		return;
	if (node < EAL_MAX_NUMA_NODES) {
		CU_ASSERT_EQUAL(mem_numa_prefer(node, &saved), -EINVAL);
		CU_ASSERT_EQUAL(mem_numa_prefer_always(node, &saved), -EINVAL);
	}
}

static void
test_invalid_unmapped_addr(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CU_ASSERT_FATAL(p != MAP_FAILED);
	munmap(p, pg);
	CU_ASSERT_EQUAL(mem_discover_socket_of_addr(p), -EFAULT);
}

/* ---- mem_discover_real ---- */

/* HugePages_Free or Hugepagesize (kB) of /proc/meminfo, -1 if absent. */
static long
meminfo_value(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return -1;
	while (v < 0 && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0)
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

static const struct mem_page_type *
real_type(uint64_t sz, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (g_types[i].page_sz == sz)
			return &g_types[i];
	return NULL;
}

/* Whether dir is a hugetlbfs mount of page size sz, by statfs(). */
static bool
is_hugetlbfs(const char *dir, uint64_t sz)
{
	struct statfs sf;

	return statfs(dir, &sf) == 0 && sf.f_type == HUGETLBFS_MAGIC &&
		(uint64_t)sf.f_bsize == sz;
}

static void
check_real_type(const struct mem_page_type *t)
{
	unsigned int i, sum = 0;

	printf("\n  %" PRIu64 " kB: mount '%s', %u free (node 0: %u, node 1: %u)",
	       t->page_sz >> 10, t->mount, t->n_free_total, t->n_free[0], t->n_free[1]);

	CU_ASSERT(t->mount[0] == '\0' || is_hugetlbfs(t->mount, t->page_sz));
	for (i = 0; i < EAL_MAX_NUMA_NODES; i++)
		sum += t->n_free[i];
	CU_ASSERT(sum <= t->n_free_total);
}

/*
 * Discover while the machine's free hugepage count holds still: another
 * process (a bench, another group) may take or give pages between the
 * discovery's read and the test's own. Returns the count, or -1 when it
 * never held still.
 */
static int
discover_steady(int *n)
{
	long before, after;
	int tries;

	for (tries = 0; tries < 50; tries++) {
		before = meminfo_value("HugePages_Free:");
		*n = mem_discover_page_types(&mem_discover_default_paths, NULL,
				g_types, MEM_MAX_PAGE_SIZES);
		after = meminfo_value("HugePages_Free:");
		if (before == after)
			return (int)after;
	}
	return -1;
}

static void
test_real_page_types(void)
{
	long def_kb = meminfo_value("Hugepagesize:");
	const struct mem_page_type *t;
	int i, n, free_pages;

	free_pages = discover_steady(&n);
	CU_ASSERT_FATAL(n >= 0);
	for (i = 0; i < n; i++) {
		CU_ASSERT(i == 0 || g_types[i - 1].page_sz < g_types[i].page_sz);
		check_real_type(&g_types[i]);
	}
	if (def_kb <= 0) {
		printf("\n  no hugepage support: %d sizes ", n);
		return;
	}
	t = real_type((uint64_t)def_kb << 10, n);
	CU_ASSERT_FATAL(t != NULL);
	if (free_pages >= 0) {
		CU_ASSERT_EQUAL(t->n_free_total, (unsigned int)free_pages);
	} else {
		printf("\n  free hugepages kept changing: count not compared ");
	}
	CU_ASSERT(!is_hugetlbfs("/dev/hugepages", t->page_sz) || t->mount[0] != '\0');
}

static void
test_real_huge_dir(void)
{
	const struct mem_page_type *t;
	int n;

	if (!is_hugetlbfs("/dev/hugepages", 2 * MB)) {
		printf("\n  /dev/hugepages is not a 2 MiB hugetlbfs mount: skipped ");
		return;
	}
	n = mem_discover_page_types(&mem_discover_default_paths, "/dev/hugepages/",
			g_types, MEM_MAX_PAGE_SIZES);
	CU_ASSERT_FATAL(n >= 1);
	t = real_type(2 * MB, n);
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_STRING_EQUAL(t->mount, "/dev/hugepages");
	log_capture();
	CU_ASSERT_EQUAL(mem_discover_page_types(&mem_discover_default_paths, "/proc",
			g_types, MEM_MAX_PAGE_SIZES), -EINVAL);
	CU_ASSERT(log_has("--huge-dir /proc"));
}

static void
test_real_sockets(void)
{
	int ids[EAL_MAX_NUMA_NODES], one, n, i;

	n = mem_discover_sockets(ids, EAL_MAX_NUMA_NODES);
	CU_ASSERT_FATAL(n >= 1 && n <= EAL_MAX_NUMA_NODES);
	printf("\n  %d NUMA node(s), first %d, last %d ", n, ids[0], ids[n - 1]);
	for (i = 0; i < n; i++) {
		CU_ASSERT(ids[i] >= 0 && ids[i] < EAL_MAX_NUMA_NODES);
		CU_ASSERT(i == 0 || ids[i - 1] < ids[i]);
		CU_ASSERT(numa_available() < 0 || ids[i] <= numa_max_node());
	}
	CU_ASSERT_EQUAL(mem_discover_sockets(&one, 1), 1);
	CU_ASSERT_EQUAL(one, ids[0]);
}

static bool
is_socket(int node)
{
	int ids[EAL_MAX_NUMA_NODES], n, i;

	n = mem_discover_sockets(ids, EAL_MAX_NUMA_NODES);
	for (i = 0; i < n; i++)
		if (ids[i] == node)
			return true;
	return false;
}

static void
test_real_socket_of_addr(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CU_ASSERT_FATAL(p != MAP_FAILED);
	p[0] = 1;
	CU_ASSERT(is_socket(mem_discover_socket_of_addr(p)));
	munmap(p, pg);
}

/* The policy of this thread: mode and the first word of its mask. */
static void
get_policy(int *mode, unsigned long *mask0)
{
	unsigned long mask[MEM_NUMA_MASK_BITS / LONG_BITS] = { 0 };

	CU_ASSERT_FATAL(get_mempolicy(mode, mask, MEM_NUMA_MASK_BITS, NULL, 0) == 0);
	*mask0 = mask[0];
}

/* prefer_always(node) then restore, from the policy (mode, mask0). */
static void
round_trip(int node, int mode, unsigned long mask0)
{
	struct mem_numa_saved saved;
	unsigned long m;
	int cur;

	if (mode != MPOL_DEFAULT)
		CU_ASSERT_FATAL(set_mempolicy(mode, &mask0, LONG_BITS + 1) == 0);
	CU_ASSERT_EQUAL_FATAL(mem_numa_prefer_always(node, &saved), 0);
	CU_ASSERT_FATAL(saved.active);
	get_policy(&cur, &m);
	CU_ASSERT_EQUAL(cur, MPOL_PREFERRED);
	CU_ASSERT_EQUAL(m, 1UL << node);
	errno = 1234;
	mem_numa_restore(&saved);
	CU_ASSERT_EQUAL(errno, 1234);
	get_policy(&cur, &m);
	CU_ASSERT_EQUAL(cur, mode);
	CU_ASSERT_EQUAL(m, mode == MPOL_DEFAULT ? 0 : mask0);
	CU_ASSERT(set_mempolicy(MPOL_DEFAULT, NULL, 0) == 0);
}

static void
test_real_prefer_restore(void)
{
	int ids[EAL_MAX_NUMA_NODES], n;
	unsigned long all;

	if (numa_available() < 0) {
		printf("\n  no NUMA support: only the no-op checked ");
		return;
	}
	n = mem_discover_sockets(ids, EAL_MAX_NUMA_NODES);
	all = (1UL << ids[n - 1] << 1) - 1;
	round_trip(ids[0], MPOL_DEFAULT, 0);
	round_trip(ids[n - 1], MPOL_BIND, 1UL << ids[0]);
	round_trip(ids[0], MPOL_INTERLEAVE, all & numa_all_nodes_ptr->maskp[0]);
	round_trip(ids[n - 1], MPOL_PREFERRED, 1UL << ids[0]);
}

/* On one node (or without NUMA) mem_numa_prefer() changes nothing. */
static void
test_real_prefer_noop(void)
{
	struct mem_numa_saved saved;
	unsigned long m;
	int ids[EAL_MAX_NUMA_NODES], cur;

	if (mem_discover_sockets(ids, EAL_MAX_NUMA_NODES) > 1 &&
	    numa_num_configured_nodes() > 1) {
		CU_ASSERT_EQUAL(mem_numa_prefer(ids[1], &saved), 0);
		CU_ASSERT(saved.active);
		mem_numa_restore(&saved);
		return;
	}
	CU_ASSERT_EQUAL(mem_numa_prefer(ids[0], &saved), 0);
	CU_ASSERT(!saved.active);
	if (numa_available() >= 0) {
		get_policy(&cur, &m);
		CU_ASSERT_EQUAL(cur, MPOL_DEFAULT);
	}
	mem_numa_restore(&saved);
}

/* One 2 MiB hugepage faulted in while preferring node: where it landed. */
static int
hugepage_node(int node)
{
	struct mem_numa_saved saved;
	char *p;
	int got;

	CU_ASSERT_FATAL(mem_numa_prefer_always(node, &saved) == 0);
	p = mmap(NULL, 2 * MB, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
	if (p != MAP_FAILED)
		p[0] = 1;
	mem_numa_restore(&saved);
	CU_ASSERT_FATAL(p != MAP_FAILED);
	got = mem_discover_socket_of_addr(p);
	munmap(p, 2 * MB);
	return got;
}

/* Each node with free 2 MiB pages gets the page it is asked for. */
static void
test_real_hugepage_placement(void)
{
	const struct mem_page_type *t;
	int ids[EAL_MAX_NUMA_NODES], n, i, n_checked = 0;

	n = mem_discover_page_types(&mem_discover_default_paths, NULL, g_types,
			MEM_MAX_PAGE_SIZES);
	t = n > 0 ? real_type(2 * MB, n) : NULL;
	if (t == NULL || t->n_free_total == 0 || numa_available() < 0) {
		printf("\n  no free 2 MiB hugepage or no NUMA: skipped ");
		return;
	}
	n = mem_discover_sockets(ids, EAL_MAX_NUMA_NODES);
	for (i = 0; i < n; i++) {
		if (t->n_free[ids[i]] == 0)
			continue;
		CU_ASSERT_EQUAL(hugepage_node(ids[i]), ids[i]);
		n_checked++;
	}
	printf("\n  %d node(s) checked ", n_checked);
}

/* ---- registration ---- */


#define T(f) { #f, f }
static const struct test_def fake_tests[] = {
	T(test_fake_full), T(test_fake_no_hugepages_dir),
	T(test_fake_size_without_mount), T(test_fake_no_node_info),
	T(test_fake_node_without_size), T(test_fake_no_meminfo),
	T(test_fake_huge_dir_match), T(test_fake_huge_dir_refused),
	T(test_fake_escaped_mount), T(test_fake_malformed_counts),
	T(test_fake_skipped_input), T(test_fake_pagesize_units),
	T(test_fake_more_sizes_than_max), T(test_fake_open_faults),
	T(test_fake_missing_files),
	{ NULL, NULL },
};

static const struct test_def invalid_tests[] = {
	T(test_invalid_args), T(test_invalid_absent_node),
	T(test_invalid_unmapped_addr),
	{ NULL, NULL },
};

static const struct test_def real_tests[] = {
	T(test_real_page_types), T(test_real_huge_dir), T(test_real_sockets),
	T(test_real_socket_of_addr), T(test_real_prefer_restore),
	T(test_real_prefer_noop), T(test_real_hugepage_placement),
	{ NULL, NULL },
};
#undef T

const struct test_role test_roles[] = {
	{ NULL, NULL },
};

static void
add_suite(const char *name, const struct test_def *tests,
		CU_SetUpFunc setup, CU_TearDownFunc teardown)
{
	test_add_suite(name, tests,
			&(struct test_hooks){ NULL, NULL, setup, teardown });
}

void
test_register(void)
{
	printf("mem_discover: fake trees need nothing; the real suite reports what this machine has\n");
	add_suite("mem_discover_fake", fake_tests, fake_setup, fake_teardown);
	add_suite("mem_discover_invalid", invalid_tests, NULL, NULL);
	add_suite("mem_discover_real", real_tests, NULL, NULL);
}
