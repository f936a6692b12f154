/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Tests of rte_fbarray against its header contract (include/rte_fbarray.h)
 * and DPDK's search rules:
 * - fbarray_invalid: every documented error, -1/NULL and the exact rte_errno;
 *   failed inits leave no file behind;
 * - fbarray_edges: empty, full, len 1, runs at word boundaries and at the
 *   end, bits beyond len, ties of the biggest searches;
 * - fbarray_differential: random set_used/set_free against a plain bool[]
 *   and a naive bit-by-bit model of every find_* (SQLite's bitvec test);
 * - fbarray_mp: several processes by re-executing this binary (the roles at
 *   the bottom), always with real files in a fresh directory per test;
 * - fbarray_fault: failing open/ftruncate/mmap/lock/fstat during init and
 *   attach: errno reported, nothing leaked, no file left;
 * - fbarray_misc: element addressing, counts, dump_metadata, files.
 * Arrays are process-local unless a test calls fbarray_set_dir().
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_fbarray.h>

#include "fbarray/fbarray_private.h"
#include "test/lib/fault.h"
#include "test/lib/test_main.h"
#include "test/lib/test_util.h"
#include "test/mp/harness.h"

/* rte_errno before calls that must succeed and so leave it alone. */
#define ERRNO_SENTINEL 0x5a5a

#define CHILD_TIMEOUT_S 60

/* A call that must fail: -1 (or NULL) and exactly that rte_errno. */
#define EXPECT_FAIL(call, bad, err) do { \
	rte_errno = 0; \
	CU_ASSERT_EQUAL((call), (bad)); \
	CU_ASSERT_EQUAL(rte_errno, (err)); \
} while (0)
#define EXPECT_ERR(call, err) EXPECT_FAIL(call, -1, err)

/* A call that must return exp and leave rte_errno alone. */
#define EXPECT_RET(call, exp) do { \
	rte_errno = ERRNO_SENTINEL; \
	CU_ASSERT_EQUAL((call), (exp)); \
	CU_ASSERT_EQUAL(rte_errno, ERRNO_SENTINEL); \
} while (0)

static char g_dir[PATH_MAX];
static struct rte_fbarray g_arr;

/* ---- the find_* functions and a naive model of them ---- */

enum find_kind {
	K_NEXT, K_PREV, K_NEXT_N, K_PREV_N,
	K_CONTIG, K_REV_CONTIG, K_BIGGEST, K_REV_BIGGEST,
};

struct find_op {
	const char *name;
	enum find_kind kind;
	bool used;
	int (*fn)(struct rte_fbarray *arr, unsigned int start);
	int (*fn_n)(struct rte_fbarray *arr, unsigned int start, unsigned int n);
};

#define OP1(k, f) \
	{ "find_" #f "_free", k, false, rte_fbarray_find_##f##_free, NULL }, \
	{ "find_" #f "_used", k, true, rte_fbarray_find_##f##_used, NULL }
#define OPN(k, f) \
	{ "find_" #f "_free", k, false, NULL, rte_fbarray_find_##f##_free }, \
	{ "find_" #f "_used", k, true, NULL, rte_fbarray_find_##f##_used }
static const struct find_op find_ops[] = {
	OP1(K_NEXT, next), OP1(K_PREV, prev),
	OPN(K_NEXT_N, next_n), OPN(K_PREV_N, prev_n),
	OP1(K_CONTIG, contig), OP1(K_REV_CONTIG, rev_contig),
	OP1(K_BIGGEST, biggest), OP1(K_REV_BIGGEST, rev_biggest),
};
#undef OP1
#undef OPN

static bool
has_n(const struct find_op *op)
{
	return op->fn_n != NULL;
}

static int
call_find(const struct find_op *op, struct rte_fbarray *arr,
		unsigned int start, unsigned int n)
{
	return has_n(op) ? op->fn_n(arr, start, n) : op->fn(arr, start);
}

/* The model: a plain bool per element, scanned one element at a time. */
struct model {
	unsigned int len;
	unsigned int count;
	bool *bits;
};

/* Lowest index of the first run of n elements in state s at or after start. */
static int
scan_up(const struct model *m, bool s, unsigned int start, unsigned int n)
{
	unsigned int i, run = 0;

	for (i = start; i < m->len; i++) {
		run = m->bits[i] == s ? run + 1 : 0;
		if (run == n)
			return (int)(i - n + 1);
	}
	return -1;
}

/* Lowest index of the first run of n in state s met going down from start. */
static int
scan_down(const struct model *m, bool s, unsigned int start, unsigned int n)
{
	unsigned int run = 0;
	int i;

	for (i = (int)start; i >= 0; i--) {
		run = m->bits[i] == s ? run + 1 : 0;
		if (run == n)
			return i;
	}
	return -1;
}

static int
contig(const struct model *m, bool s, unsigned int start, int dir)
{
	int i, n = 0;

	for (i = (int)start; i >= 0 && i < (int)m->len && m->bits[i] == s; i += dir)
		n++;
	return n;
}

/* Longest run going up from start; ties: the first met (lowest). */
static int
biggest_up(const struct model *m, bool s, unsigned int start)
{
	unsigned int i, run = 0, best_len = 0;
	int best = -1;

	for (i = start; i < m->len; i++) {
		run = m->bits[i] == s ? run + 1 : 0;
		if (run > best_len) {
			best_len = run;
			best = (int)(i - run + 1);
		}
	}
	return best;
}

/* Longest run going down from start; ties: the first met (highest). */
static int
biggest_down(const struct model *m, bool s, unsigned int start)
{
	unsigned int run = 0, best_len = 0;
	int i, best = -1;

	for (i = (int)start; i >= 0; i--) {
		run = m->bits[i] == s ? run + 1 : 0;
		if (run > best_len) {
			best_len = run;
			best = i;
		}
	}
	return best;
}

static int
model_scan(const struct model *m, const struct find_op *op,
		unsigned int start, unsigned int n)
{
	bool s = op->used;

	switch (op->kind) {
	case K_NEXT: return scan_up(m, s, start, 1);
	case K_PREV: return scan_down(m, s, start, 1);
	case K_NEXT_N: return scan_up(m, s, start, n);
	case K_PREV_N: return scan_down(m, s, start, n);
	case K_CONTIG: return contig(m, s, start, 1);
	case K_REV_CONTIG: return contig(m, s, start, -1);
	case K_BIGGEST: return biggest_up(m, s, start);
	case K_REV_BIGGEST: return biggest_down(m, s, start);
	}
	return -1;
}

/* What op(start, n) must return, and the rte_errno when that is -1. */
static int
model_find(const struct model *m, const struct find_op *op,
		unsigned int start, unsigned int n, int *err)
{
	int ret;

	*err = ERRNO_SENTINEL;
	if (start >= m->len || (has_n(op) && (n == 0 || n > m->len))) {
		*err = EINVAL;
		return -1;
	}
	ret = model_scan(m, op, start, n);
	if (ret < 0)
		*err = op->used ? ENOENT : ENOSPC;
	return ret;
}

/*
 * Call op and compare with exp/exp_err. Returns true when they agree; when
 * not, records a CUnit failure naming everything needed to reproduce it.
 */
static bool
check_find(const struct find_op *op, struct rte_fbarray *arr,
		unsigned int start, unsigned int n, int exp, int exp_err,
		unsigned int line)
{
	char msg[256];
	int got, got_err;
	bool ok;

	rte_errno = ERRNO_SENTINEL;
	got = call_find(op, arr, start, n);
	got_err = rte_errno;
	ok = got == exp && got_err == (exp == -1 ? exp_err : ERRNO_SENTINEL);
	if (!ok) {
		snprintf(msg, sizeof(msg),
			"%s(len=%u, start=%u, n=%u): expected %d (rte_errno %d), got %d (rte_errno %d)",
			op->name, arr != NULL ? arr->len : 0, start, n, exp,
			exp == -1 ? exp_err : ERRNO_SENTINEL, got, got_err);
		CU_assertImplementation(CU_FALSE, line, msg, __FILE__, "",
				CU_FALSE);
	}
	return ok;
}

#define CHECK_FIND(op, arr, start, n, exp, err) \
	check_find(op, arr, start, n, exp, err, __LINE__)

static const struct find_op *
op_named(const char *name)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(find_ops); i++)
		if (strcmp(find_ops[i].name, name) == 0)
			return &find_ops[i];
	return NULL;
}

/* find_<name>(arr, start[, n]) must give exp (errno as DPDK when exp is -1). */
static void
expect_find(const char *name, struct rte_fbarray *arr, unsigned int start,
		unsigned int n, int exp, unsigned int line)
{
	const struct find_op *op = op_named(name);
	int err = exp != -1 ? ERRNO_SENTINEL : op->used ? ENOENT : ENOSPC;

	check_find(op, arr, start, n, exp, err, line);
}

#define FIND(name, arr, start, exp) expect_find(name, arr, start, 0, exp, __LINE__)
#define FIND_N(name, arr, start, n, exp) expect_find(name, arr, start, n, exp, __LINE__)

/* ---- fixtures ---- */

static void
dir_setup(void)
{
	fault_reset();
	g_dir[0] = '\0';
	if (test_dir_create(g_dir, sizeof(g_dir)) != 0 ||
	    fbarray_set_dir(g_dir) != 0)
		fprintf(stderr, "cannot set up directory %s\n", g_dir);
}

static void
dir_teardown(void)
{
	fault_reset();
	fbarray_set_dir(NULL);
	if (g_dir[0] != '\0' && test_dir_remove(g_dir) != 0)
		fprintf(stderr, "cannot remove %s\n", g_dir);
	g_dir[0] = '\0';
}

/* Process-local arrays, no directory. */
static void
local_setup(void)
{
	fault_reset();
	fbarray_set_dir(NULL);
}

/* A directory and, in it, the array g_arr: "fixture", 100 elements of 8 B. */
static void
arr_setup(void)
{
	dir_setup();
	memset(&g_arr, 0, sizeof(g_arr));
	if (rte_fbarray_init(&g_arr, "fixture", 100, 8) != 0)
		fprintf(stderr, "cannot create the fixture array: %d\n", rte_errno);
}

static void
arr_teardown(void)
{
	fault_reset();
	if (g_arr.data != NULL && rte_fbarray_destroy(&g_arr) != 0)
		fprintf(stderr, "cannot destroy the fixture array: %d\n", rte_errno);
	memset(&g_arr, 0, sizeof(g_arr));
	dir_teardown();
}

/* A free address range of sz bytes (mapped, then unmapped at once). */
static void *
free_address(size_t sz)
{
	void *p = mmap(NULL, sz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, sz);
	return p;
}

/* A description of an array that does not exist: "ghost", 10 x 8 B. */
static void
ghost(struct rte_fbarray *arr)
{
	memset(arr, 0, sizeof(*arr));
	snprintf(arr->name, sizeof(arr->name), "ghost");
	arr->len = 10;
	arr->elt_sz = 8;
	arr->data = free_address(1 << 20);
}

static void
fill_name(char *buf, size_t n_chars)
{
	memset(buf, 'a', n_chars);
	buf[n_chars] = '\0';
}

/* Only the fixture's file is in the directory. */
#define ASSERT_ONLY_FIXTURE_FILE() \
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 1)

/* ---- fbarray_invalid ---- */

static void
test_fbarray_invalid_init_args(void)
{
	struct rte_fbarray arr;

	memset(&arr, 0, sizeof(arr));
	EXPECT_ERR(rte_fbarray_init(NULL, "x", 10, 8), EINVAL);
	EXPECT_ERR(rte_fbarray_init(&arr, NULL, 10, 8), EINVAL);
	EXPECT_ERR(rte_fbarray_init(&arr, "x", 0, 8), EINVAL);
	EXPECT_ERR(rte_fbarray_init(&arr, "x", 10, 0), EINVAL);
	EXPECT_ERR(rte_fbarray_init(&arr, "x", (unsigned int)INT_MAX + 1u, 8),
			EINVAL);
	EXPECT_ERR(rte_fbarray_init(&arr, "x", UINT_MAX, 8), EINVAL);
	EXPECT_ERR(rte_fbarray_init(&arr, "a/b", 10, 8), EINVAL);
	EXPECT_ERR(rte_fbarray_init(&arr, "/", 10, 8), EINVAL);
	ASSERT_ONLY_FIXTURE_FILE();
}

static void
test_fbarray_invalid_init_too_big(void)
{
	struct rte_fbarray arr;

	/* 2^31 elements of 4 GiB: 2^63 bytes, beyond any address space. */
	memset(&arr, 0, sizeof(arr));
	EXPECT_ERR(rte_fbarray_init(&arr, "huge", INT_MAX, UINT_MAX), EINVAL);
	ASSERT_ONLY_FIXTURE_FILE();
	fbarray_set_dir(NULL);
	EXPECT_ERR(rte_fbarray_init(&arr, "huge", INT_MAX, UINT_MAX), EINVAL);
}

static void
test_fbarray_invalid_init_name_len(void)
{
	char name[RTE_FBARRAY_NAME_LEN + 8];
	struct rte_fbarray arr;

	memset(&arr, 0, sizeof(arr));
	fill_name(name, RTE_FBARRAY_NAME_LEN);
	EXPECT_ERR(rte_fbarray_init(&arr, name, 10, 8), ENAMETOOLONG);
	fill_name(name, RTE_FBARRAY_NAME_LEN + 5);
	EXPECT_ERR(rte_fbarray_init(&arr, name, 10, 8), ENAMETOOLONG);
	ASSERT_ONLY_FIXTURE_FILE();

	fill_name(name, RTE_FBARRAY_NAME_LEN - 1);
	EXPECT_RET(rte_fbarray_init(&arr, name, 10, 8), 0);
	CU_ASSERT_STRING_EQUAL(arr.name, name);
	CU_ASSERT_EQUAL(test_dir_count(g_dir, "fbarray_aaaa"), 1);
	EXPECT_RET(rte_fbarray_destroy(&arr), 0);
	ASSERT_ONLY_FIXTURE_FILE();
}

static void
test_fbarray_invalid_init_eexist(void)
{
	struct rte_fbarray arr;

	memset(&arr, 0, sizeof(arr));
	EXPECT_ERR(rte_fbarray_init(&arr, "fixture", 100, 8), EEXIST);
	EXPECT_ERR(rte_fbarray_init(&arr, "fixture", 7, 3), EEXIST);
	/* The failed init took nothing from the array that exists. */
	CU_ASSERT(test_file_exists(g_dir, "fbarray_fixture"));
	EXPECT_RET(rte_fbarray_set_used(&g_arr, 99), 0);
	EXPECT_RET(rte_fbarray_is_used(&g_arr, 99), 1);
	EXPECT_RET(rte_fbarray_find_next_used(&g_arr, 0), 99);
}

static void
test_fbarray_invalid_attach_args(void)
{
	char name[RTE_FBARRAY_NAME_LEN + 1];
	struct rte_fbarray arr;

	EXPECT_ERR(rte_fbarray_attach(NULL), EINVAL);
	ghost(&arr);
	arr.len = 0;
	EXPECT_ERR(rte_fbarray_attach(&arr), EINVAL);
	ghost(&arr);
	arr.elt_sz = 0;
	EXPECT_ERR(rte_fbarray_attach(&arr), EINVAL);
	ghost(&arr);
	arr.len = (unsigned int)INT_MAX + 1u;
	EXPECT_ERR(rte_fbarray_attach(&arr), EINVAL);
	ghost(&arr);
	snprintf(arr.name, sizeof(arr.name), "a/b");
	EXPECT_ERR(rte_fbarray_attach(&arr), EINVAL);
	ghost(&arr);
	fill_name(name, RTE_FBARRAY_NAME_LEN);
	memcpy(arr.name, name, RTE_FBARRAY_NAME_LEN); /* no NUL */
	EXPECT_ERR(rte_fbarray_attach(&arr), ENAMETOOLONG);
	ASSERT_ONLY_FIXTURE_FILE();
}

static void
test_fbarray_invalid_attach_enoent(void)
{
	struct rte_fbarray arr;

	ghost(&arr);
	EXPECT_ERR(rte_fbarray_attach(&arr), ENOENT);
	ASSERT_ONLY_FIXTURE_FILE();
}

static void
test_fbarray_invalid_attach_own(void)
{
	struct rte_fbarray copy = g_arr;

	EXPECT_ERR(rte_fbarray_attach(&g_arr), EEXIST);
	EXPECT_ERR(rte_fbarray_attach(&copy), EEXIST);
	EXPECT_RET(rte_fbarray_set_used(&g_arr, 5), 0);
	EXPECT_RET(rte_fbarray_is_used(&g_arr, 5), 1);
}

static void
test_fbarray_invalid_attach_local(void)
{
	struct rte_fbarray copy = g_arr, arr;

	fbarray_set_dir(NULL);
	ghost(&arr);
	EXPECT_ERR(rte_fbarray_attach(&arr), ENOTSUP);
	EXPECT_ERR(rte_fbarray_attach(&copy), ENOTSUP);
}

static void
test_fbarray_invalid_detach_destroy(void)
{
	struct rte_fbarray zero, arr;

	memset(&zero, 0, sizeof(zero));
	EXPECT_ERR(rte_fbarray_detach(NULL), EINVAL);
	EXPECT_ERR(rte_fbarray_destroy(NULL), EINVAL);
	arr = zero;
	EXPECT_ERR(rte_fbarray_detach(&arr), ENOENT);
	EXPECT_ERR(rte_fbarray_destroy(&arr), ENOENT);
	ghost(&arr);
	EXPECT_ERR(rte_fbarray_detach(&arr), ENOENT);
	EXPECT_ERR(rte_fbarray_destroy(&arr), ENOENT);
	ASSERT_ONLY_FIXTURE_FILE();
}

static void
test_fbarray_invalid_double_destroy(void)
{
	struct rte_fbarray arr, zero;

	memset(&zero, 0, sizeof(zero));
	EXPECT_RET(rte_fbarray_init(&arr, "twice", 10, 8), 0);
	EXPECT_RET(rte_fbarray_destroy(&arr), 0);
	CU_ASSERT(memcmp(&arr, &zero, sizeof(arr)) == 0);
	EXPECT_ERR(rte_fbarray_destroy(&arr), ENOENT);
	EXPECT_ERR(rte_fbarray_detach(&arr), ENOENT);
	ASSERT_ONLY_FIXTURE_FILE();

	fbarray_set_dir(NULL);
	EXPECT_RET(rte_fbarray_init(&arr, "twice", 10, 8), 0);
	EXPECT_RET(rte_fbarray_destroy(&arr), 0);
	EXPECT_ERR(rte_fbarray_destroy(&arr), ENOENT);
}

static void
test_fbarray_invalid_get(void)
{
	EXPECT_FAIL(rte_fbarray_get(NULL, 0), NULL, EINVAL);
	EXPECT_FAIL(rte_fbarray_get(&g_arr, 100), NULL, EINVAL);
	EXPECT_FAIL(rte_fbarray_get(&g_arr, UINT_MAX), NULL, EINVAL);
	EXPECT_RET(rte_fbarray_get(&g_arr, 99), (char *)g_arr.data + 99 * 8);
}

static void
test_fbarray_invalid_find_idx(void)
{
	char *data = g_arr.data;

	EXPECT_ERR(rte_fbarray_find_idx(NULL, data), EINVAL);
	EXPECT_ERR(rte_fbarray_find_idx(&g_arr, NULL), EINVAL);
	EXPECT_ERR(rte_fbarray_find_idx(&g_arr, data - 1), EINVAL);
	EXPECT_ERR(rte_fbarray_find_idx(&g_arr, data + 100 * 8), EINVAL);
	EXPECT_ERR(rte_fbarray_find_idx(&g_arr, data + 100 * 8 + 4096), EINVAL);
	EXPECT_RET(rte_fbarray_find_idx(&g_arr, data + 100 * 8 - 1), 99);
}

static void
test_fbarray_invalid_set_is_used(void)
{
	static const unsigned int bad[] = { 100, 101, 128, UINT_MAX };
	unsigned int i;

	EXPECT_ERR(rte_fbarray_set_used(NULL, 0), EINVAL);
	EXPECT_ERR(rte_fbarray_set_free(NULL, 0), EINVAL);
	EXPECT_ERR(rte_fbarray_is_used(NULL, 0), EINVAL);
	for (i = 0; i < RTE_DIM(bad); i++) {
		EXPECT_ERR(rte_fbarray_set_used(&g_arr, bad[i]), EINVAL);
		EXPECT_ERR(rte_fbarray_set_free(&g_arr, bad[i]), EINVAL);
		EXPECT_ERR(rte_fbarray_is_used(&g_arr, bad[i]), EINVAL);
	}
	CU_ASSERT_EQUAL(g_arr.count, 0);
	FIND("find_next_used", &g_arr, 0, -1);
}

static void
test_fbarray_invalid_find(void)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(find_ops); i++) {
		const struct find_op *op = &find_ops[i];

		CHECK_FIND(op, NULL, 0, 1, -1, EINVAL);
		CHECK_FIND(op, &g_arr, 100, 1, -1, EINVAL);
		CHECK_FIND(op, &g_arr, 101, 1, -1, EINVAL);
		CHECK_FIND(op, &g_arr, UINT_MAX, 1, -1, EINVAL);
		if (!has_n(op))
			continue;
		CHECK_FIND(op, &g_arr, 0, 0, -1, EINVAL);
		CHECK_FIND(op, &g_arr, 99, 0, -1, EINVAL);
		CHECK_FIND(op, &g_arr, 0, 101, -1, EINVAL);
		CHECK_FIND(op, &g_arr, 99, 101, -1, EINVAL);
		CHECK_FIND(op, &g_arr, 0, UINT_MAX, -1, EINVAL);
	}
}

/* dump_metadata(arr, f) into a string (the caller frees it). */
static char *
dump(struct rte_fbarray *arr, bool null_stream)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);

	if (f == NULL)
		return NULL;
	rte_fbarray_dump_metadata(arr, null_stream ? NULL : f);
	fclose(f);
	return buf;
}

static void
test_fbarray_invalid_dump(void)
{
	struct rte_fbarray zero;
	char *out;

	rte_errno = 0;
	out = dump(NULL, false);
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
	CU_ASSERT(out != NULL && out[0] == '\0');
	free(out);

	rte_errno = 0;
	out = dump(&g_arr, true);
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
	free(out);

	/* Invalid fields: exactly one line. */
	memset(&zero, 0, sizeof(zero));
	out = dump(&zero, false);
	CU_ASSERT_FATAL(out != NULL);
	CU_ASSERT(strlen(out) > 0 && strchr(out, '\n') == out + strlen(out) - 1);
	free(out);
}

/* ---- fbarray_edges (process-local arrays) ---- */

/* A process-local array named name of len elements, [lo, hi) used. */
static void
make_arr(struct rte_fbarray *arr, const char *name, unsigned int len,
		unsigned int lo, unsigned int hi)
{
	unsigned int i;

	memset(arr, 0, sizeof(*arr));
	CU_ASSERT_FATAL(rte_fbarray_init(arr, name, len, 8) == 0);
	for (i = lo; i < hi; i++)
		CU_ASSERT_FATAL(rte_fbarray_set_used(arr, i) == 0);
	CU_ASSERT_EQUAL_FATAL(arr->count, hi - lo);
}

static void
drop_arr(struct rte_fbarray *arr)
{
	CU_ASSERT_EQUAL(rte_fbarray_destroy(arr), 0);
}

static void
test_fbarray_edge_empty(void)
{
	struct rte_fbarray a;

	make_arr(&a, __func__, 100, 0, 0);
	FIND("find_next_free", &a, 0, 0);
	FIND("find_next_free", &a, 99, 99);
	FIND("find_prev_free", &a, 99, 99);
	FIND("find_prev_free", &a, 0, 0);
	FIND("find_next_used", &a, 0, -1);
	FIND("find_prev_used", &a, 99, -1);
	FIND_N("find_next_n_free", &a, 0, 100, 0);
	FIND_N("find_next_n_free", &a, 1, 100, -1);
	FIND_N("find_prev_n_free", &a, 99, 100, 0);
	FIND_N("find_prev_n_free", &a, 98, 100, -1);
	FIND_N("find_next_n_used", &a, 0, 1, -1);
	FIND_N("find_prev_n_used", &a, 99, 1, -1);
	FIND("find_contig_free", &a, 0, 100);
	FIND("find_contig_free", &a, 99, 1);
	FIND("find_rev_contig_free", &a, 99, 100);
	FIND("find_rev_contig_free", &a, 0, 1);
	FIND("find_contig_used", &a, 0, 0);
	FIND("find_rev_contig_used", &a, 99, 0);
	FIND("find_biggest_free", &a, 0, 0);
	FIND("find_biggest_free", &a, 42, 42);
	FIND("find_rev_biggest_free", &a, 99, 0);
	FIND("find_rev_biggest_free", &a, 42, 0);
	FIND("find_biggest_used", &a, 0, -1);
	FIND("find_rev_biggest_used", &a, 99, -1);
	drop_arr(&a);
}

static void
test_fbarray_edge_full(void)
{
	struct rte_fbarray a;

	make_arr(&a, __func__, 100, 0, 100);
	FIND("find_next_used", &a, 0, 0);
	FIND("find_next_used", &a, 99, 99);
	FIND("find_prev_used", &a, 99, 99);
	FIND("find_prev_used", &a, 0, 0);
	FIND("find_next_free", &a, 0, -1);
	FIND("find_prev_free", &a, 99, -1);
	FIND_N("find_next_n_used", &a, 0, 100, 0);
	FIND_N("find_next_n_used", &a, 1, 100, -1);
	FIND_N("find_prev_n_used", &a, 99, 100, 0);
	FIND_N("find_prev_n_used", &a, 98, 100, -1);
	FIND_N("find_next_n_free", &a, 0, 1, -1);
	FIND_N("find_prev_n_free", &a, 99, 1, -1);
	FIND("find_contig_used", &a, 0, 100);
	FIND("find_rev_contig_used", &a, 99, 100);
	FIND("find_contig_free", &a, 0, 0);
	FIND("find_rev_contig_free", &a, 99, 0);
	FIND("find_biggest_used", &a, 0, 0);
	FIND("find_rev_biggest_used", &a, 99, 0);
	FIND("find_biggest_free", &a, 0, -1);
	FIND("find_rev_biggest_free", &a, 99, -1);
	drop_arr(&a);
}

static void
test_fbarray_edge_len_one(void)
{
	struct rte_fbarray a;

	make_arr(&a, __func__, 1, 0, 0);
	FIND("find_next_free", &a, 0, 0);
	FIND("find_prev_free", &a, 0, 0);
	FIND("find_next_used", &a, 0, -1);
	FIND_N("find_next_n_free", &a, 0, 1, 0);
	FIND_N("find_prev_n_free", &a, 0, 1, 0);
	FIND("find_contig_free", &a, 0, 1);
	FIND("find_rev_contig_free", &a, 0, 1);
	FIND("find_biggest_free", &a, 0, 0);
	FIND("find_rev_biggest_used", &a, 0, -1);
	CHECK_FIND(op_named("find_next_n_free"), &a, 0, 2, -1, EINVAL);
	CHECK_FIND(op_named("find_next_free"), &a, 1, 0, -1, EINVAL);
	CU_ASSERT_EQUAL(rte_fbarray_set_used(&a, 0), 0);
	CU_ASSERT_EQUAL(a.count, 1);
	FIND("find_next_used", &a, 0, 0);
	FIND("find_prev_free", &a, 0, -1);
	FIND_N("find_prev_n_used", &a, 0, 1, 0);
	FIND_N("find_next_n_free", &a, 0, 1, -1);
	FIND("find_contig_used", &a, 0, 1);
	FIND("find_rev_biggest_used", &a, 0, 0);
	FIND("find_biggest_free", &a, 0, -1);
	drop_arr(&a);
}

/* Bits past len in the last 64-bit word are neither free nor used. */
static void
test_fbarray_edge_tail_bits(void)
{
	static const unsigned int lens[] = { 1, 63, 65, 70, 127, 129 };
	struct rte_fbarray a;
	unsigned int i, len;

	for (i = 0; i < RTE_DIM(lens); i++) {
		len = lens[i];
		make_arr(&a, __func__, len, 0, len);
		FIND("find_next_free", &a, 0, -1);
		FIND("find_next_free", &a, len - 1, -1);
		FIND("find_biggest_free", &a, 0, -1);
		FIND("find_contig_used", &a, 0, (int)len);
		FIND("find_contig_used", &a, len - 1, 1);
		FIND("find_rev_contig_used", &a, len - 1, (int)len);
		FIND_N("find_next_n_free", &a, 0, 1, -1);
		CU_ASSERT_EQUAL(rte_fbarray_set_free(&a, len - 1), 0);
		FIND("find_next_free", &a, 0, (int)len - 1);
		FIND("find_contig_free", &a, len - 1, 1);
		FIND("find_biggest_free", &a, 0, (int)len - 1);
		FIND_N("find_next_n_free", &a, 0, 1, (int)len - 1);
		drop_arr(&a);

		make_arr(&a, __func__, len, 0, 0);
		FIND("find_next_used", &a, 0, -1);
		FIND("find_contig_free", &a, 0, (int)len);
		FIND("find_contig_free", &a, len - 1, 1);
		FIND("find_rev_contig_free", &a, len - 1, (int)len);
		FIND_N("find_next_n_free", &a, len - 1, 1, (int)len - 1);
		FIND_N("find_next_n_free", &a, len - 1, 2 < len ? 2 : 1,
				len >= 2 ? -1 : 0);
		FIND("find_biggest_used", &a, 0, -1);
		drop_arr(&a);
	}
}

/* One used run [60, 130) across two word boundaries of a 200-element array. */
static void
test_fbarray_edge_word_boundary(void)
{
	struct rte_fbarray a;

	make_arr(&a, __func__, 200, 60, 130);
	FIND("find_next_used", &a, 0, 60);
	FIND("find_next_used", &a, 64, 64);
	FIND("find_next_free", &a, 60, 130);
	FIND("find_prev_free", &a, 129, 59);
	FIND("find_prev_used", &a, 199, 129);
	FIND("find_contig_used", &a, 60, 70);
	FIND("find_contig_used", &a, 61, 69);
	FIND("find_rev_contig_used", &a, 129, 70);
	FIND("find_rev_contig_used", &a, 127, 68);
	FIND("find_contig_free", &a, 130, 70);
	FIND("find_rev_contig_free", &a, 59, 60);
	FIND_N("find_next_n_used", &a, 0, 70, 60);
	FIND_N("find_next_n_used", &a, 0, 71, -1);
	FIND_N("find_next_n_used", &a, 61, 69, 61);
	FIND_N("find_next_n_used", &a, 61, 70, -1);
	FIND_N("find_prev_n_used", &a, 199, 70, 60);
	FIND_N("find_prev_n_used", &a, 128, 69, 60);
	FIND_N("find_prev_n_used", &a, 128, 70, -1);
	FIND_N("find_next_n_free", &a, 0, 61, 130);
	FIND_N("find_next_n_free", &a, 0, 60, 0);
	FIND_N("find_next_n_free", &a, 1, 60, 130);
	FIND_N("find_prev_n_free", &a, 199, 71, -1);
	FIND_N("find_prev_n_free", &a, 199, 61, 139);
	FIND_N("find_prev_n_free", &a, 135, 60, 0);
	FIND("find_biggest_free", &a, 0, 130);
	FIND("find_biggest_used", &a, 100, 100);
	FIND("find_rev_biggest_used", &a, 100, 60);
	FIND("find_rev_biggest_free", &a, 199, 130);
	FIND("find_rev_biggest_free", &a, 65, 0);
	drop_arr(&a);
}

/* Runs that end exactly at the last element. */
static void
test_fbarray_edge_run_at_end(void)
{
	struct rte_fbarray a;

	make_arr(&a, __func__, 130, 100, 130);
	FIND_N("find_next_n_used", &a, 0, 30, 100);
	FIND_N("find_next_n_used", &a, 101, 29, 101);
	FIND_N("find_next_n_used", &a, 101, 30, -1);
	FIND_N("find_next_n_used", &a, 129, 1, 129);
	FIND_N("find_prev_n_used", &a, 129, 30, 100);
	FIND_N("find_prev_n_used", &a, 129, 1, 129);
	FIND("find_contig_used", &a, 100, 30);
	FIND("find_contig_used", &a, 129, 1);
	FIND("find_rev_contig_used", &a, 129, 30);
	FIND("find_biggest_used", &a, 0, 100);
	FIND("find_rev_biggest_used", &a, 129, 100);
	FIND("find_next_free", &a, 100, -1);
	FIND("find_prev_free", &a, 129, 99);
	drop_arr(&a);
}

/* n larger than the room left from start is "no such run", not EINVAL. */
static void
test_fbarray_edge_n_past_bounds(void)
{
	struct rte_fbarray a;

	make_arr(&a, __func__, 100, 0, 0);
	FIND_N("find_next_n_free", &a, 95, 5, 95);
	FIND_N("find_next_n_free", &a, 95, 6, -1);
	FIND_N("find_next_n_free", &a, 99, 100, -1);
	FIND_N("find_prev_n_free", &a, 4, 5, 0);
	FIND_N("find_prev_n_free", &a, 4, 6, -1);
	FIND_N("find_prev_n_free", &a, 0, 100, -1);
	FIND_N("find_next_n_used", &a, 95, 6, -1);
	FIND_N("find_prev_n_used", &a, 4, 6, -1);
	CU_ASSERT_EQUAL(rte_fbarray_set_used(&a, 50), 0);
	FIND_N("find_next_n_free", &a, 0, 100, -1);
	FIND_N("find_next_n_free", &a, 0, 50, 0);
	FIND_N("find_next_n_free", &a, 0, 51, -1);
	FIND_N("find_next_n_free", &a, 1, 49, 1);
	FIND_N("find_next_n_free", &a, 1, 50, -1);
	FIND_N("find_prev_n_free", &a, 99, 49, 51);
	FIND_N("find_prev_n_free", &a, 99, 50, 0);
	FIND_N("find_prev_n_free", &a, 99, 51, -1);
	drop_arr(&a);
}

/* Equal runs: biggest takes the lowest, rev_biggest the highest. */
static void
test_fbarray_edge_biggest_ties(void)
{
	struct rte_fbarray a;

	/* free runs [0,5) [6,11) [12,17) */
	make_arr(&a, __func__, 17, 5, 6);
	CU_ASSERT_EQUAL(rte_fbarray_set_used(&a, 11), 0);
	FIND("find_biggest_free", &a, 0, 0);
	FIND("find_biggest_free", &a, 2, 6);
	FIND("find_biggest_free", &a, 7, 12);
	FIND("find_rev_biggest_free", &a, 16, 12);
	FIND("find_rev_biggest_free", &a, 13, 6);
	FIND("find_rev_biggest_free", &a, 9, 0);
	FIND("find_biggest_used", &a, 0, 5);
	FIND("find_biggest_used", &a, 6, 11);
	FIND("find_rev_biggest_used", &a, 16, 11);
	FIND("find_rev_biggest_used", &a, 10, 5);
	FIND("find_rev_biggest_used", &a, 4, -1);
	FIND("find_biggest_used", &a, 12, -1);
	drop_arr(&a);
}

/* prev_n returns the lowest index of the highest fitting run. */
static void
test_fbarray_edge_prev_n(void)
{
	struct rte_fbarray a;

	make_arr(&a, __func__, 10, 0, 4); /* used [0,4) and [6,8) */
	CU_ASSERT_EQUAL(rte_fbarray_set_used(&a, 6), 0);
	CU_ASSERT_EQUAL(rte_fbarray_set_used(&a, 7), 0);
	FIND_N("find_prev_n_used", &a, 9, 2, 6);
	FIND_N("find_prev_n_used", &a, 9, 3, 1);
	FIND_N("find_prev_n_used", &a, 6, 2, 2);
	FIND_N("find_prev_n_used", &a, 9, 4, 0);
	FIND_N("find_prev_n_used", &a, 9, 5, -1);
	FIND_N("find_prev_n_free", &a, 9, 2, 8);
	FIND_N("find_prev_n_free", &a, 9, 3, -1);
	FIND_N("find_prev_n_free", &a, 5, 2, 4);
	FIND_N("find_next_n_used", &a, 1, 2, 1);
	FIND_N("find_next_n_used", &a, 3, 2, 6);
	drop_arr(&a);
}

/* contig/rev_contig of an element in the other state is 0, not an error. */
static void
test_fbarray_edge_contig_zero(void)
{
	struct rte_fbarray a;

	make_arr(&a, __func__, 130, 64, 65);
	FIND("find_contig_used", &a, 63, 0);
	FIND("find_rev_contig_used", &a, 65, 0);
	FIND("find_contig_used", &a, 64, 1);
	FIND("find_rev_contig_used", &a, 64, 1);
	FIND("find_contig_free", &a, 64, 0);
	FIND("find_rev_contig_free", &a, 64, 0);
	FIND("find_contig_free", &a, 0, 64);
	FIND("find_rev_contig_free", &a, 63, 64);
	FIND("find_contig_free", &a, 65, 65);
	FIND("find_rev_contig_free", &a, 129, 65);
	drop_arr(&a);
}

/* ---- fbarray_differential ---- */

static unsigned int
rnd_below(uint64_t *state, unsigned int n)
{
	return (unsigned int)(test_rnd(state) % n);
}

/* Mostly small (1..70), sometimes anything up to len. */
static unsigned int
pick_n(uint64_t *state, unsigned int len)
{
	if (rnd_below(state, 5) != 0)
		return 1 + rnd_below(state, len < 70 ? len : 70);
	return 1 + rnd_below(state, len);
}

static bool
diff_finds(struct rte_fbarray *arr, const struct model *m,
		unsigned int start, unsigned int n)
{
	unsigned int i;
	int exp, err;

	for (i = 0; i < RTE_DIM(find_ops); i++) {
		exp = model_find(m, &find_ops[i], start, n, &err);
		if (!CHECK_FIND(&find_ops[i], arr, start, n, exp, err))
			return false;
	}
	return true;
}

/* Half the time next to the last index (long runs), else anywhere. */
static unsigned int
pick_idx(uint64_t *rng, unsigned int len, unsigned int last)
{
	if (rnd_below(rng, 2) == 0)
		return rnd_below(rng, len);
	if (rnd_below(rng, 2) == 0)
		return last + 1 < len ? last + 1 : last;
	return last > 0 ? last - 1 : 0;
}

/*
 * One random set_used/set_free, then compare is_used and the count, and,
 * when check_finds, every find_* at starts 0, len-1, the index and a random
 * one.
 */
static bool
diff_step(struct rte_fbarray *arr, struct model *m, uint64_t *rng,
		unsigned int set_pct, unsigned int *last, bool check_finds)
{
	unsigned int idx = pick_idx(rng, m->len, *last), starts[4], i;
	bool set = rnd_below(rng, 100) < set_pct;
	int ret;

	ret = set ? rte_fbarray_set_used(arr, idx) : rte_fbarray_set_free(arr, idx);
	CU_ASSERT_EQUAL(ret, 0);
	if (m->bits[idx] != set && set)
		m->count++;
	else if (m->bits[idx] != set)
		m->count--;
	m->bits[idx] = set;
	CU_ASSERT_EQUAL(rte_fbarray_is_used(arr, idx), set);
	CU_ASSERT_EQUAL(arr->count, m->count);
	if (ret != 0 || arr->count != m->count ||
	    rte_fbarray_is_used(arr, idx) != set)
		return false;
	*last = idx;
	if (!check_finds)
		return true;
	starts[0] = 0;
	starts[1] = m->len - 1;
	starts[2] = idx;
	starts[3] = rnd_below(rng, m->len);
	for (i = 0; i < RTE_DIM(starts); i++)
		if (!diff_finds(arr, m, starts[i], pick_n(rng, m->len)))
			return false;
	return true;
}

/*
 * n_ops random operations on an array of len elements, in phases that set
 * with probability 90, 10, 100, 0 and 50 %, so that the array goes through
 * nearly full, nearly empty, full and empty states and long runs appear.
 * The naive model costs O(len) per find, so above 1000 elements the finds
 * are compared after every 8th step only (is_used and count after each).
 */
static void
diff_run(unsigned int len, unsigned long n_ops, bool shared)
{
	static const unsigned int phase_pct[] = { 90, 10, 100, 0, 50 };
	unsigned long step, phase_len = len * 2UL > 64 ? len * 2UL : 64;
	uint64_t rng = 0x9e3779b97f4a7c15ULL ^ len;
	struct rte_fbarray arr;
	struct model m = { .len = len };
	unsigned int pct, last = 0, check_every = len > 1000 ? 8 : 1;

	if (!shared)
		fbarray_set_dir(NULL);
	m.bits = calloc(len, sizeof(*m.bits));
	CU_ASSERT_FATAL(m.bits != NULL);
	memset(&arr, 0, sizeof(arr));
	CU_ASSERT_FATAL(rte_fbarray_init(&arr, "diff", len, 16) == 0);
	for (step = 0; step < n_ops; step++) {
		pct = phase_pct[(step / phase_len) % RTE_DIM(phase_pct)];
		if (!diff_step(&arr, &m, &rng, pct, &last,
				step % check_every == 0)) {
			fprintf(stderr, "\ndifferential: len %u (%s) first mismatch at step %lu, stopping\n",
					len, shared ? "file" : "local", step);
			break;
		}
	}
	CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
	free(m.bits);
}

#define DIFF_TEST(len, shared, n_ops, n_ops_memcheck) \
static void \
test_fbarray_differential_##len##_##shared(void) \
{ \
	diff_run(len, test_scale(n_ops, n_ops_memcheck), \
			!strcmp(#shared, "file")); \
}
DIFF_TEST(1, local, 100000, 2000)
DIFF_TEST(63, local, 100000, 2000)
DIFF_TEST(64, local, 100000, 2000)
DIFF_TEST(65, local, 100000, 2000)
DIFF_TEST(1000, local, 100000, 2000)
DIFF_TEST(8192, local, 100000, 2000)
DIFF_TEST(1000, file, 20000, 1000)
#undef DIFF_TEST

/* ---- helpers for re-executed children ---- */

#define SHARED_STRUCT "shared_struct"
#define SHARED_SZ 4096
#define MAGIC7 0x0707070707070707ULL
#define MAGIC8 0x0808080808080808ULL
#define HAMMER_RANGE 130 /* indexes 0..129: three 64-bit words */

/* Context printed by CHILD_CHECK, e.g. which fault is being injected. */
static char child_ctx[128];

/* In a child: on failure, say why on stderr and return the distinct code. */
#define CHILD_CHECK(cond, code) do { \
	if (!(cond)) { \
		fprintf(stderr, "child %s: check %d failed: %s (rte_errno %d) %s\n", \
				__func__, code, #cond, rte_errno, child_ctx); \
		return code; \
	} \
} while (0)

/*
 * struct rte_fbarray in a MAP_SHARED file of the test directory, as the
 * runtime keeps it in the shared config: every process sees one count.
 */
static struct rte_fbarray *
shared_map(const char *dir, bool create)
{
	char path[PATH_MAX];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, SHARED_STRUCT);
	fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0),
			0600);
	if (fd < 0)
		return NULL;
	if (create && ftruncate(fd, SHARED_SZ) != 0) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, SHARED_SZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static void
shared_unmap(struct rte_fbarray *arr)
{
	munmap(arr, SHARED_SZ);
}

/* Argument strings describing arr to a child: dir name len elt_sz data. */
struct arr_args {
	char len[16], elt_sz[16], data[32];
	const char *argv[6];
};

static const char *const *
arr_args(struct arr_args *aa, const struct rte_fbarray *arr)
{
	snprintf(aa->len, sizeof(aa->len), "%u", arr->len);
	snprintf(aa->elt_sz, sizeof(aa->elt_sz), "%u", arr->elt_sz);
	snprintf(aa->data, sizeof(aa->data), "0x%" PRIxPTR, (uintptr_t)arr->data);
	aa->argv[0] = g_dir;
	aa->argv[1] = arr->name;
	aa->argv[2] = aa->len;
	aa->argv[3] = aa->elt_sz;
	aa->argv[4] = aa->data;
	aa->argv[5] = NULL;
	return aa->argv;
}

/* In a child: set the directory and rebuild the description from args. */
static int
parse_arr(char **argv, struct rte_fbarray *arr)
{
	memset(arr, 0, sizeof(*arr));
	if (fbarray_set_dir(argv[0]) != 0)
		return -1;
	snprintf(arr->name, sizeof(arr->name), "%s", argv[1]);
	arr->len = (unsigned int)strtoul(argv[2], NULL, 0);
	arr->elt_sz = (unsigned int)strtoul(argv[3], NULL, 0);
	arr->data = (void *)(uintptr_t)strtoull(argv[4], NULL, 0);
	return 0;
}

static int
arg_int(const char *s)
{
	return (int)strtol(s, NULL, 0);
}

/* Pipes for one child: ready (child -> parent) and go (parent -> child). */
struct sync_pipes {
	int ready[2], go[2];
	char ready_fd[16], go_fd[16];
};

static int
pipes_open(struct sync_pipes *sp)
{
	if (pipe(sp->ready) != 0)
		return -1;
	if (pipe(sp->go) != 0) {
		close(sp->ready[0]);
		close(sp->ready[1]);
		return -1;
	}
	snprintf(sp->ready_fd, sizeof(sp->ready_fd), "%d", sp->ready[1]);
	snprintf(sp->go_fd, sizeof(sp->go_fd), "%d", sp->go[0]);
	return 0;
}

/* After the spawn: the parent keeps only its own ends. */
static void
pipes_parent(struct sync_pipes *sp)
{
	close(sp->ready[1]);
	close(sp->go[0]);
}

static void
pipes_close(struct sync_pipes *sp)
{
	close(sp->ready[0]);
	close(sp->go[1]);
}

static void
assert_no_fbarray_file(void)
{
	CU_ASSERT_EQUAL(test_dir_count(g_dir, "fbarray_"), 0);
}

/* Recount the used elements one by one. */
static unsigned int
recount(struct rte_fbarray *arr)
{
	unsigned int i, n = 0;

	for (i = 0; i < arr->len; i++)
		n += rte_fbarray_is_used(arr, i) == 1;
	return n;
}

/* ---- fbarray_mp: roles ---- */

/* args: dir. Attach the shared array, check and change it, detach. */
static int
role_attach_check(int argc, char **argv)
{
	struct rte_fbarray *arr;

	CHILD_CHECK(argc == 2, 2);
	CHILD_CHECK(fbarray_set_dir(argv[1]) == 0, 3);
	arr = shared_map(argv[1], false);
	CHILD_CHECK(arr != NULL, 4);
	CHILD_CHECK(rte_fbarray_attach(arr) == 0, 10);
	CHILD_CHECK(rte_fbarray_is_used(arr, 7) == 1, 11);
	CHILD_CHECK(rte_fbarray_is_used(arr, 3) == 1, 12);
	CHILD_CHECK(rte_fbarray_is_used(arr, 8) == 0, 13);
	CHILD_CHECK(arr->count == 2, 14);
	CHILD_CHECK(*(uint64_t *)rte_fbarray_get(arr, 7) == MAGIC7, 15);
	CHILD_CHECK(rte_fbarray_find_next_used(arr, 4) == 7, 16);
	CHILD_CHECK(rte_fbarray_set_used(arr, 8) == 0, 17);
	CHILD_CHECK(rte_fbarray_set_free(arr, 3) == 0, 18);
	CHILD_CHECK(rte_fbarray_set_used(arr, 100) == 0, 19);
	*(uint64_t *)rte_fbarray_get(arr, 8) = MAGIC8;
	CHILD_CHECK(arr->count == 3, 20);
	CHILD_CHECK(rte_fbarray_find_contig_used(arr, 7) == 2, 21);
	CHILD_CHECK(rte_fbarray_attach(arr) == -1 && rte_errno == EEXIST, 22);
	CHILD_CHECK(rte_fbarray_detach(arr) == 0, 23);
	CHILD_CHECK(rte_fbarray_detach(arr) == -1 && rte_errno == ENOENT, 24);
	return 0;
}

/* args: dir name len elt_sz data. init of a name in use must say EEXIST. */
static int
role_init_eexist(int argc, char **argv)
{
	struct rte_fbarray arr, mine;

	CHILD_CHECK(argc == 6 && parse_arr(argv + 1, &arr) == 0, 2);
	rte_errno = 0;
	CHILD_CHECK(rte_fbarray_init(&mine, arr.name, arr.len, arr.elt_sz) == -1, 10);
	CHILD_CHECK(rte_errno == EEXIST, 11);
	return 0;
}

/* args: dir ready_fd go_fd. Attach, say so, wait for go, detach. */
static int
role_hold(int argc, char **argv)
{
	struct rte_fbarray *arr;

	CHILD_CHECK(argc == 4, 2);
	CHILD_CHECK(fbarray_set_dir(argv[1]) == 0, 3);
	arr = shared_map(argv[1], false);
	CHILD_CHECK(arr != NULL, 4);
	CHILD_CHECK(rte_fbarray_attach(arr) == 0, 10);
	CHILD_CHECK(mp_write_byte(arg_int(argv[2])) == 0, 11);
	CHILD_CHECK(mp_read_byte(arg_int(argv[3]), CHILD_TIMEOUT_S) == 0, 12);
	CHILD_CHECK(rte_fbarray_detach(arr) == 0, 13);
	return 0;
}

/* n_ops random set_used/set_free over indexes 0..HAMMER_RANGE-1; 0 = forever. */
static int
hammer(struct rte_fbarray *arr, unsigned long n_ops, uint64_t seed)
{
	unsigned long i;
	unsigned int idx;
	int ret;

	for (i = 0; n_ops == 0 || i < n_ops; i++) {
		idx = rnd_below(&seed, HAMMER_RANGE);
		ret = test_rnd(&seed) & 1 ? rte_fbarray_set_used(arr, idx) :
				rte_fbarray_set_free(arr, idx);
		if (ret != 0)
			return -1;
	}
	return 0;
}

/* args: dir n_ops seed ready_fd go_fd (go_fd -1: no wait). */
static int
role_hammer(int argc, char **argv)
{
	struct rte_fbarray *arr;
	int go_fd;

	CHILD_CHECK(argc == 6, 2);
	CHILD_CHECK(fbarray_set_dir(argv[1]) == 0, 3);
	arr = shared_map(argv[1], false);
	CHILD_CHECK(arr != NULL, 4);
	go_fd = arg_int(argv[5]);
	CHILD_CHECK(rte_fbarray_attach(arr) == 0, 10);
	CHILD_CHECK(mp_write_byte(arg_int(argv[4])) == 0, 11);
	CHILD_CHECK(go_fd < 0 || mp_read_byte(go_fd, CHILD_TIMEOUT_S) == 0, 12);
	CHILD_CHECK(hammer(arr, strtoul(argv[2], NULL, 0),
			strtoull(argv[3], NULL, 0)) == 0, 13);
	CHILD_CHECK(rte_fbarray_detach(arr) == 0, 14);
	return 0;
}

/* args: dir. Attach, use the lock, check the count, detach. */
static int
role_probe(int argc, char **argv)
{
	struct rte_fbarray *arr;

	CHILD_CHECK(argc == 2, 2);
	CHILD_CHECK(fbarray_set_dir(argv[1]) == 0, 3);
	arr = shared_map(argv[1], false);
	CHILD_CHECK(arr != NULL, 4);
	CHILD_CHECK(rte_fbarray_attach(arr) == 0, 10);
	CHILD_CHECK(rte_fbarray_set_used(arr, HAMMER_RANGE) == 0, 11);
	CHILD_CHECK(rte_fbarray_set_free(arr, HAMMER_RANGE) == 0, 12);
	CHILD_CHECK(rte_fbarray_find_next_free(arr, 0) >= 0, 13);
	CHILD_CHECK(arr->count == recount(arr), 14);
	CHILD_CHECK(rte_fbarray_detach(arr) == 0, 15);
	return 0;
}

/* args: dir name len elt_sz data. Foreign mappings in the way: EADDRNOTAVAIL. */
static int
role_occupied(int argc, char **argv)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct rte_fbarray arr;
	void *at[2], *p;
	unsigned int i;

	CHILD_CHECK(argc == 6 && parse_arr(argv + 1, &arr) == 0, 2);
	at[0] = RTE_PTR_ALIGN_FLOOR(arr.data, (uintptr_t)pg);
	at[1] = RTE_PTR_ALIGN_FLOOR(RTE_PTR_ADD(arr.data,
			(size_t)arr.len * arr.elt_sz / 2), (uintptr_t)pg);
	for (i = 0; i < RTE_DIM(at); i++) {
		p = mmap(at[i], pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
				MAP_FIXED_NOREPLACE, -1, 0);
		CHILD_CHECK(p == at[i], 99);
		rte_errno = 0;
		CHILD_CHECK(rte_fbarray_attach(&arr) == -1, 10 + (int)i);
		CHILD_CHECK(rte_errno == EADDRNOTAVAIL, 20 + (int)i);
		munmap(p, pg);
	}
	CHILD_CHECK(rte_fbarray_attach(&arr) == 0, 30);
	CHILD_CHECK(rte_fbarray_detach(&arr) == 0, 31);
	return 0;
}

/* args: dir name len elt_sz data. Fields that do not match the file: EINVAL. */
static int
role_attach_mismatch(int argc, char **argv)
{
	struct rte_fbarray arr, bad;

	CHILD_CHECK(argc == 6 && parse_arr(argv + 1, &arr) == 0, 2);
	bad = arr;
	bad.elt_sz++;
	CHILD_CHECK(rte_fbarray_attach(&bad) == -1 && rte_errno == EINVAL, 10);
	bad = arr;
	bad.len++;
	CHILD_CHECK(rte_fbarray_attach(&bad) == -1 && rte_errno == EINVAL, 11);
	bad = arr;
	bad.len--;
	CHILD_CHECK(rte_fbarray_attach(&bad) == -1 && rte_errno == EINVAL, 12);
	bad = arr;
	bad.elt_sz *= 2;
	bad.len /= 2;
	CHILD_CHECK(rte_fbarray_attach(&bad) == -1 && rte_errno == EINVAL, 13);
	CHILD_CHECK(rte_fbarray_attach(&arr) == 0, 14);
	CHILD_CHECK(rte_fbarray_is_used(&arr, 1) == 1, 15);
	CHILD_CHECK(rte_fbarray_detach(&arr) == 0, 16);
	return 0;
}

/* args: dir name ready_fd go_fd. Create an array and wait to be killed. */
static int
role_init_die(int argc, char **argv)
{
	struct rte_fbarray arr;

	CHILD_CHECK(argc == 5, 2);
	CHILD_CHECK(fbarray_set_dir(argv[1]) == 0, 3);
	CHILD_CHECK(rte_fbarray_init(&arr, argv[2], 100, 8) == 0, 10);
	CHILD_CHECK(rte_fbarray_set_used(&arr, 1) == 0, 11);
	CHILD_CHECK(mp_write_byte(arg_int(argv[3])) == 0, 12);
	mp_read_byte(arg_int(argv[4]), CHILD_TIMEOUT_S);
	return 13; /* not killed */
}

struct fault_case {
	enum fault_call call;
	int err;
};

/* Errors a system call could really give; none means "held by another". */
static const struct fault_case init_faults[] = {
	{ FAULT_OPEN, EACCES }, { FAULT_OPEN, EMFILE },
	{ FAULT_FTRUNCATE, ENOSPC }, { FAULT_FSTAT, EIO },
	{ FAULT_MMAP, ENOMEM }, { FAULT_LOCK, ENOLCK },
};

#define MAX_NTH 64

/* args: dir name len elt_sz data. Fail each call of attach in turn. */
static int
role_attach_faults(int argc, char **argv)
{
	const struct fault_case *fc;
	struct rte_fbarray arr;
	unsigned int i, nth, fired;
	int fds, maps, ret, err;

	CHILD_CHECK(argc == 6 && parse_arr(argv + 1, &arr) == 0, 2);
	CHILD_CHECK(rte_fbarray_attach(&arr) == 0, 3);
	CHILD_CHECK(rte_fbarray_detach(&arr) == 0, 4);
	fds = test_count_fds();
	maps = test_count_maps();
	for (i = 0; i < RTE_DIM(init_faults); i++) {
		fc = &init_faults[i];
		for (nth = 1; nth <= MAX_NTH; nth++) {
			snprintf(child_ctx, sizeof(child_ctx), "(attach, %s call %u fails with %d)",
					fault_call_name(fc->call), nth, fc->err);
			fault_fail_nth(fc->call, nth, fc->err);
			rte_errno = 0;
			ret = rte_fbarray_attach(&arr);
			err = rte_errno;
			fired = fault_fired();
			fault_reset();
			if (fired == 0) {
				CHILD_CHECK(ret == 0, 10 + (int)i);
				CHILD_CHECK(rte_fbarray_detach(&arr) == 0, 20 + (int)i);
				break;
			}
			CHILD_CHECK(ret == -1, 30 + (int)i);
			CHILD_CHECK(err == fc->err, 40 + (int)i);
			CHILD_CHECK(test_count_fds() == fds, 50 + (int)i);
			CHILD_CHECK(test_count_maps() == maps, 60 + (int)i);
			CHILD_CHECK(rte_fbarray_attach(&arr) == 0, 70 + (int)i);
			CHILD_CHECK(rte_fbarray_detach(&arr) == 0, 80 + (int)i);
		}
	}
	return 0;
}

/* ---- fbarray_mp: tests ---- */

static void
expect_child(pid_t pid, int exp)
{
	int ret = mp_wait(pid, CHILD_TIMEOUT_S);
	char msg[128];

	snprintf(msg, sizeof(msg), "child %d: exit status %d, expected %d",
			(int)pid, ret, exp);
	CU_assertImplementation(ret == exp, __LINE__, msg, __FILE__, "",
			CU_FALSE);
}

/* The shared struct with a fresh array "mp" of len x 16 B. */
static struct rte_fbarray *
shared_arr(unsigned int len)
{
	struct rte_fbarray *arr = shared_map(g_dir, true);

	if (arr == NULL || rte_fbarray_init(arr, "mp", len, 16) != 0)
		return NULL;
	return arr;
}

static void
shared_arr_destroy(struct rte_fbarray *arr)
{
	CU_ASSERT_EQUAL(rte_fbarray_destroy(arr), 0);
	shared_unmap(arr);
	assert_no_fbarray_file();
}

/* A child attaches, sees the parent's changes and makes its own; then the
 * parent sees them and keeps using the array after the child detached. */
static void
test_fbarray_mp_attach(void)
{
	const char *args[] = { g_dir, NULL };
	struct rte_fbarray *arr = shared_arr(130);
	pid_t pid;

	CU_ASSERT_FATAL(arr != NULL);
	CU_ASSERT(test_file_exists(g_dir, "fbarray_mp"));
	CU_ASSERT_EQUAL(rte_fbarray_set_used(arr, 3), 0);
	CU_ASSERT_EQUAL(rte_fbarray_set_used(arr, 7), 0);
	*(uint64_t *)rte_fbarray_get(arr, 7) = MAGIC7;
	CU_ASSERT_FATAL(mp_spawn("fb_attach_check", args, &pid) == 0);
	expect_child(pid, 0);
	CU_ASSERT_EQUAL(rte_fbarray_is_used(arr, 8), 1);
	CU_ASSERT_EQUAL(rte_fbarray_is_used(arr, 3), 0);
	CU_ASSERT_EQUAL(rte_fbarray_is_used(arr, 100), 1);
	CU_ASSERT_EQUAL(arr->count, 3);
	CU_ASSERT_EQUAL(*(uint64_t *)rte_fbarray_get(arr, 8), MAGIC8);
	/* After the child's detach the parent's array still works. */
	CU_ASSERT_EQUAL(rte_fbarray_set_used(arr, 9), 0);
	CU_ASSERT_EQUAL(arr->count, 4);
	CU_ASSERT_EQUAL(rte_fbarray_find_next_n_used(arr, 0, 3), 7);
	CU_ASSERT_EQUAL(rte_fbarray_find_biggest_used(arr, 0), 7);
	CU_ASSERT_EQUAL(recount(arr), 4);
	shared_arr_destroy(arr);
}

/* A second init of the same name from another process: EEXIST. */
static void
test_fbarray_mp_init_eexist(void)
{
	struct rte_fbarray arr;
	struct arr_args aa;
	pid_t pid;

	CU_ASSERT_FATAL(rte_fbarray_init(&arr, "mp", 100, 8) == 0);
	CU_ASSERT_FATAL(mp_spawn("fb_init_eexist", arr_args(&aa, &arr), &pid) == 0);
	expect_child(pid, 0);
	CU_ASSERT_EQUAL(rte_fbarray_set_used(&arr, 0), 0);
	CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
	assert_no_fbarray_file();
}

/* A child that forgot to destroy and died: its file is reused by init. */
static void
test_fbarray_mp_stale_file(void)
{
	const char *args[] = { g_dir, "stale", NULL, NULL, NULL };
	struct rte_fbarray arr;
	struct sync_pipes sp;
	pid_t pid;

	CU_ASSERT_FATAL(pipes_open(&sp) == 0);
	args[2] = sp.ready_fd;
	args[3] = sp.go_fd;
	CU_ASSERT_FATAL(mp_spawn("fb_init_die", args, &pid) == 0);
	pipes_parent(&sp);
	CU_ASSERT_EQUAL(mp_read_byte(sp.ready[0], CHILD_TIMEOUT_S), 0);
	EXPECT_ERR(rte_fbarray_init(&arr, "stale", 100, 8), EEXIST);
	kill(pid, SIGKILL);
	expect_child(pid, -1);
	pipes_close(&sp);
	CU_ASSERT(test_file_exists(g_dir, "fbarray_stale"));
	EXPECT_RET(rte_fbarray_init(&arr, "stale", 100, 8), 0);
	CU_ASSERT_EQUAL(arr.count, 0);
	CU_ASSERT_EQUAL(rte_fbarray_is_used(&arr, 1), 0);
	CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
	assert_no_fbarray_file();
}

/* Start role fb_hold on the shared array; 0 once it has attached. */
static int
spawn_holder(struct sync_pipes *sp, pid_t *pid)
{
	const char *args[] = { g_dir, sp->ready_fd, sp->go_fd, NULL };

	if (pipes_open(sp) != 0)
		return -1;
	args[1] = sp->ready_fd;
	args[2] = sp->go_fd;
	if (mp_spawn("fb_hold", args, pid) != 0)
		return -1;
	pipes_parent(sp);
	return mp_read_byte(sp->ready[0], CHILD_TIMEOUT_S);
}

/* destroy while another process is attached: EBUSY, then fine. */
static void
test_fbarray_mp_destroy_busy(void)
{
	struct rte_fbarray *arr = shared_arr(100);
	struct sync_pipes sp;
	pid_t pid;

	CU_ASSERT_FATAL(arr != NULL);
	CU_ASSERT_FATAL(spawn_holder(&sp, &pid) == 0);
	EXPECT_ERR(rte_fbarray_destroy(arr), EBUSY);
	CU_ASSERT(test_file_exists(g_dir, "fbarray_mp"));
	CU_ASSERT_EQUAL(arr->len, 100);
	EXPECT_RET(rte_fbarray_set_used(arr, 42), 0);
	EXPECT_RET(rte_fbarray_is_used(arr, 42), 1);
	CU_ASSERT_EQUAL(mp_write_byte(sp.go[1]), 0);
	expect_child(pid, 0);
	pipes_close(&sp);
	shared_arr_destroy(arr);
}

/* A child killed while attached does not keep the array busy. */
static void
test_fbarray_mp_kill_attached(void)
{
	struct rte_fbarray *arr = shared_arr(100);
	struct sync_pipes sp;
	pid_t pid;

	CU_ASSERT_FATAL(arr != NULL);
	CU_ASSERT_FATAL(spawn_holder(&sp, &pid) == 0);
	kill(pid, SIGKILL);
	expect_child(pid, -1);
	pipes_close(&sp);
	shared_arr_destroy(arr);
}

/* Two children and the parent race on the same three words. */
static void
test_fbarray_mp_hammer(void)
{
	unsigned long n_ops = test_scale(200000, 5000);
	struct rte_fbarray *arr = shared_arr(256);
	const char *args[6];
	struct sync_pipes sp[2];
	char ops[24], seed[2][24];
	unsigned int i;
	pid_t pid[2];

	CU_ASSERT_FATAL(arr != NULL);
	snprintf(ops, sizeof(ops), "%lu", n_ops);
	for (i = 0; i < 2; i++) {
		CU_ASSERT_FATAL(pipes_open(&sp[i]) == 0);
		snprintf(seed[i], sizeof(seed[i]), "%u", 1234567u * (i + 1));
		args[0] = g_dir;
		args[1] = ops;
		args[2] = seed[i];
		args[3] = sp[i].ready_fd;
		args[4] = sp[i].go_fd;
		args[5] = NULL;
		CU_ASSERT_FATAL(mp_spawn("fb_hammer", args, &pid[i]) == 0);
		pipes_parent(&sp[i]);
	}
	for (i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(mp_read_byte(sp[i].ready[0], CHILD_TIMEOUT_S), 0);
	for (i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(mp_write_byte(sp[i].go[1]), 0);
	CU_ASSERT_EQUAL(hammer(arr, n_ops, 987654321), 0);
	for (i = 0; i < 2; i++) {
		expect_child(pid[i], 0);
		pipes_close(&sp[i]);
	}
	CU_ASSERT_EQUAL(arr->count, recount(arr));
	CU_ASSERT_EQUAL(rte_fbarray_find_next_used(arr, HAMMER_RANGE),
			-1);
	shared_arr_destroy(arr);
}

/*
 * Children killed while hammering (often inside the array's lock): another
 * process can still take the lock (checked in a child, bounded by a
 * timeout, so a lost lock fails the test instead of hanging it) and the
 * count stays right.
 */
static void
test_fbarray_mp_kill_hammering(void)
{
	const char *probe_args[] = { g_dir, NULL };
	struct rte_fbarray *arr = shared_arr(256);
	const char *args[6];
	struct sync_pipes sp;
	unsigned int round;
	pid_t pid;
	int ret;

	CU_ASSERT_FATAL(arr != NULL);
	for (round = 0; round < 5; round++) {
		CU_ASSERT_FATAL(pipes_open(&sp) == 0);
		args[0] = g_dir;
		args[1] = "0";
		args[2] = round % 2 ? "77" : "78";
		args[3] = sp.ready_fd;
		args[4] = "-1";
		args[5] = NULL;
		CU_ASSERT_FATAL(mp_spawn("fb_hammer", args, &pid) == 0);
		pipes_parent(&sp);
		CU_ASSERT(mp_read_byte(sp.ready[0], CHILD_TIMEOUT_S) == 0);
		/* Contend for a while so that the kill lands anywhere. */
		CU_ASSERT_EQUAL(hammer(arr, test_scale(20000, 500), round), 0);
		kill(pid, SIGKILL);
		expect_child(pid, -1);
		pipes_close(&sp);
		CU_ASSERT_FATAL(mp_spawn("fb_probe", probe_args, &pid) == 0);
		ret = mp_wait(pid, 20);
		CU_ASSERT_EQUAL(ret, 0);
		if (ret == -2) {
			fprintf(stderr, "\nfb_probe hung: lock of a killed process not recovered\n");
			return; /* leave the array alone: its lock is lost */
		}
	}
	CU_ASSERT_EQUAL(arr->count, recount(arr));
	shared_arr_destroy(arr);
}

/* A foreign mapping where the array goes: EADDRNOTAVAIL in the child. */
static void
test_fbarray_mp_addr_occupied(void)
{
	struct rte_fbarray arr;
	struct arr_args aa;
	pid_t pid;

	CU_ASSERT_FATAL(rte_fbarray_init(&arr, "mp", 4096, 8) == 0);
	CU_ASSERT_FATAL(mp_spawn("fb_occupied", arr_args(&aa, &arr), &pid) == 0);
	expect_child(pid, 0);
	CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
	assert_no_fbarray_file();
}

/* Sizes that do not match the file: EINVAL in the child. */
static void
test_fbarray_mp_attach_mismatch(void)
{
	struct rte_fbarray arr;
	struct arr_args aa;
	pid_t pid;

	CU_ASSERT_FATAL(rte_fbarray_init(&arr, "mp", 1000, 24) == 0);
	CU_ASSERT_EQUAL(rte_fbarray_set_used(&arr, 1), 0);
	CU_ASSERT_FATAL(mp_spawn("fb_attach_mismatch", arr_args(&aa, &arr),
			&pid) == 0);
	expect_child(pid, 0);
	CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
	assert_no_fbarray_file();
}

/* The creator may detach, attach again and then destroy. */
static void
test_fbarray_mp_detach_reattach(void)
{
	struct rte_fbarray arr, copy;

	CU_ASSERT_FATAL(rte_fbarray_init(&arr, "mp", 100, 8) == 0);
	CU_ASSERT_EQUAL(rte_fbarray_set_used(&arr, 5), 0);
	*(uint64_t *)rte_fbarray_get(&arr, 5) = MAGIC7;
	copy = arr;
	EXPECT_RET(rte_fbarray_detach(&arr), 0);
	CU_ASSERT(test_file_exists(g_dir, "fbarray_mp"));
	EXPECT_ERR(rte_fbarray_detach(&arr), ENOENT);
	arr = copy;
	EXPECT_RET(rte_fbarray_attach(&arr), 0);
	CU_ASSERT_EQUAL(rte_fbarray_is_used(&arr, 5), 1);
	CU_ASSERT_EQUAL(*(uint64_t *)rte_fbarray_get(&arr, 5), MAGIC7);
	EXPECT_RET(rte_fbarray_destroy(&arr), 0);
	assert_no_fbarray_file();
}

/* ---- fbarray_fault ---- */

static void
fault_fail(unsigned int line, const char *what, const struct fault_case *fc,
		unsigned int nth, int got, int got_err)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s with %s call %u failing (errno %d): got %d, rte_errno %d",
			what, fault_call_name(fc->call), nth, fc->err, got, got_err);
	CU_assertImplementation(CU_FALSE, line, msg, __FILE__, "", CU_FALSE);
}

/* Fail the 1st, 2nd, ... call of one kind during init until init no longer
 * makes that many; each failure must be reported and undone completely. */
static void
init_under_fault(const struct fault_case *fc, bool shared)
{
	struct rte_fbarray arr;
	unsigned int nth, fired;
	int fds, maps, ret, err;

	fbarray_set_dir(shared ? g_dir : NULL);
	CU_ASSERT_FATAL(rte_fbarray_init(&arr, "flt", 1000, 8) == 0);
	CU_ASSERT_FATAL(rte_fbarray_destroy(&arr) == 0);
	fds = test_count_fds();
	maps = test_count_maps();
	for (nth = 1; nth <= MAX_NTH; nth++) {
		fault_fail_nth(fc->call, nth, fc->err);
		rte_errno = 0;
		ret = rte_fbarray_init(&arr, "flt", 1000, 8);
		err = rte_errno;
		fired = fault_fired();
		fault_reset();
		if (fired == 0) {
			CU_ASSERT_EQUAL(ret, 0);
			CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
			break;
		}
		if (ret != -1 || err != fc->err)
			fault_fail(__LINE__, "init", fc, nth, ret, err);
		if (ret == 0)
			rte_fbarray_destroy(&arr);
		if (test_count_fds() != fds)
			fault_fail(__LINE__, "init leaked a descriptor", fc, nth, ret, err);
		if (test_count_maps() != maps)
			fault_fail(__LINE__, "init leaked a mapping", fc, nth, ret, err);
		if (test_dir_count(g_dir, "") != 0)
			fault_fail(__LINE__, "init left a file", fc, nth, ret, err);
		CU_ASSERT_EQUAL(rte_fbarray_init(&arr, "flt", 1000, 8), 0);
		CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
	}
	CU_ASSERT(nth <= MAX_NTH);
}

static void
test_fbarray_fault_init(void)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(init_faults); i++)
		init_under_fault(&init_faults[i], true);
}

static void
test_fbarray_fault_init_local(void)
{
	static const struct fault_case mmap_fault = { FAULT_MMAP, ENOMEM };

	init_under_fault(&mmap_fault, false);
}

/* attach in a re-executed child, failing each of its calls in turn. */
static void
test_fbarray_fault_attach(void)
{
	struct rte_fbarray arr;
	struct arr_args aa;
	pid_t pid;

	CU_ASSERT_FATAL(rte_fbarray_init(&arr, "flt", 1000, 8) == 0);
	CU_ASSERT_FATAL(mp_spawn("fb_attach_faults", arr_args(&aa, &arr),
			&pid) == 0);
	expect_child(pid, 0);
	CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
	assert_no_fbarray_file();
}

/* ---- fbarray_misc ---- */

static void
round_trip(unsigned int elt_sz)
{
	struct rte_fbarray arr;
	unsigned int i;
	char *p;

	CU_ASSERT_FATAL(rte_fbarray_init(&arr, "rt", 97, elt_sz) == 0);
	CU_ASSERT_EQUAL(arr.len, 97);
	CU_ASSERT_EQUAL(arr.elt_sz, elt_sz);
	CU_ASSERT_EQUAL(arr.count, 0);
	CU_ASSERT_STRING_EQUAL(arr.name, "rt");
	for (i = 0; i < arr.len; i++) {
		p = rte_fbarray_get(&arr, i);
		CU_ASSERT_PTR_EQUAL(p, (char *)arr.data + (size_t)i * elt_sz);
		CU_ASSERT_EQUAL(rte_fbarray_find_idx(&arr, p), (int)i);
		CU_ASSERT_EQUAL(rte_fbarray_find_idx(&arr, p + elt_sz - 1), (int)i);
		CU_ASSERT_EQUAL(rte_fbarray_find_idx(&arr, p + elt_sz / 2), (int)i);
	}
	CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
}

static void
test_fbarray_misc_round_trip(void)
{
	round_trip(24);
	round_trip(1);
	round_trip(4097);
}

static void
test_fbarray_misc_zeroed(void)
{
	struct rte_fbarray arr;
	unsigned int i;
	bool zero = true;

	CU_ASSERT_FATAL(rte_fbarray_init(&arr, "zero", 300, 24) == 0);
	for (i = 0; i < 300 * 24; i++)
		zero = zero && ((char *)arr.data)[i] == 0;
	CU_ASSERT(zero);
	CU_ASSERT_EQUAL(recount(&arr), 0);
	CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
}

static void
test_fbarray_misc_count(void)
{
	struct rte_fbarray arr;

	CU_ASSERT_FATAL(rte_fbarray_init(&arr, "cnt", 70, 8) == 0);
	EXPECT_RET(rte_fbarray_set_used(&arr, 69), 0);
	EXPECT_RET(rte_fbarray_set_used(&arr, 69), 0);
	CU_ASSERT_EQUAL(arr.count, 1);
	EXPECT_RET(rte_fbarray_is_used(&arr, 69), 1);
	EXPECT_RET(rte_fbarray_set_free(&arr, 69), 0);
	EXPECT_RET(rte_fbarray_set_free(&arr, 69), 0);
	CU_ASSERT_EQUAL(arr.count, 0);
	EXPECT_RET(rte_fbarray_set_free(&arr, 3), 0);
	CU_ASSERT_EQUAL(arr.count, 0);
	EXPECT_RET(rte_fbarray_is_used(&arr, 69), 0);
	CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
}

static void
test_fbarray_misc_dump(void)
{
	struct rte_fbarray arr;
	char *out;

	CU_ASSERT_FATAL(rte_fbarray_init(&arr, "dumpme", 100, 8) == 0);
	CU_ASSERT_EQUAL(rte_fbarray_set_used(&arr, 3), 0);
	CU_ASSERT_EQUAL(rte_fbarray_set_used(&arr, 77), 0);
	CU_ASSERT_EQUAL(rte_fbarray_set_used(&arr, 78), 0);
	rte_errno = ERRNO_SENTINEL;
	out = dump(&arr, false);
	CU_ASSERT_EQUAL(rte_errno, ERRNO_SENTINEL);
	CU_ASSERT_FATAL(out != NULL);
	CU_ASSERT(strstr(out, "dumpme") != NULL);
	CU_ASSERT(strstr(out, "3") != NULL);
	CU_ASSERT(strstr(out, "100") != NULL);
	free(out);
	CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
}

/* Process-local arrays touch no file, also when a dir is set later. */
static void
test_fbarray_misc_local_no_file(void)
{
	struct rte_fbarray arr;

	fbarray_set_dir(NULL);
	CU_ASSERT_PTR_NULL(fbarray_get_dir());
	CU_ASSERT_FATAL(rte_fbarray_init(&arr, "local", 1000, 8) == 0);
	CU_ASSERT_EQUAL(rte_fbarray_set_used(&arr, 999), 0);
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 0);
	CU_ASSERT_EQUAL(fbarray_set_dir(g_dir), 0);
	CU_ASSERT_STRING_EQUAL(fbarray_get_dir(), g_dir);
	CU_ASSERT_EQUAL(rte_fbarray_is_used(&arr, 999), 1);
	CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 0);
}

/* A shared array lives in <dir>/fbarray_<name> until destroyed. */
static void
test_fbarray_misc_file(void)
{
	struct rte_fbarray arr;

	CU_ASSERT_FATAL(rte_fbarray_init(&arr, "named", 10, 8) == 0);
	CU_ASSERT(test_file_exists(g_dir, "fbarray_named"));
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 1);
	CU_ASSERT_EQUAL(rte_fbarray_destroy(&arr), 0);
	CU_ASSERT_EQUAL(test_dir_count(g_dir, ""), 0);
}

static void
test_fbarray_misc_set_dir_too_long(void)
{
	char dir[PATH_MAX + 16];

	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	CU_ASSERT_EQUAL(fbarray_set_dir(dir), -ENAMETOOLONG);
}

/* ---- registration ---- */

const struct test_role test_roles[] = {
	{ "fb_attach_check", role_attach_check },
	{ "fb_init_eexist", role_init_eexist },
	{ "fb_hold", role_hold },
	{ "fb_hammer", role_hammer },
	{ "fb_probe", role_probe },
	{ "fb_occupied", role_occupied },
	{ "fb_attach_mismatch", role_attach_mismatch },
	{ "fb_init_die", role_init_die },
	{ "fb_attach_faults", role_attach_faults },
	{ NULL, NULL },
};


#define T(fn) TEST_DEF(fn)

static const struct test_def invalid_tests[] = {
	T(test_fbarray_invalid_init_args), T(test_fbarray_invalid_init_too_big),
	T(test_fbarray_invalid_init_name_len), T(test_fbarray_invalid_init_eexist),
	T(test_fbarray_invalid_attach_args), T(test_fbarray_invalid_attach_enoent),
	T(test_fbarray_invalid_attach_own), T(test_fbarray_invalid_attach_local),
	T(test_fbarray_invalid_detach_destroy),
	T(test_fbarray_invalid_double_destroy), T(test_fbarray_invalid_get),
	T(test_fbarray_invalid_find_idx), T(test_fbarray_invalid_set_is_used),
	T(test_fbarray_invalid_find), T(test_fbarray_invalid_dump),
	{ NULL, NULL },
};

static const struct test_def edge_tests[] = {
	T(test_fbarray_edge_empty), T(test_fbarray_edge_full),
	T(test_fbarray_edge_len_one), T(test_fbarray_edge_tail_bits),
	T(test_fbarray_edge_word_boundary), T(test_fbarray_edge_run_at_end),
	T(test_fbarray_edge_n_past_bounds), T(test_fbarray_edge_biggest_ties),
	T(test_fbarray_edge_prev_n), T(test_fbarray_edge_contig_zero),
	{ NULL, NULL },
};

static const struct test_def diff_tests[] = {
	T(test_fbarray_differential_1_local), T(test_fbarray_differential_63_local),
	T(test_fbarray_differential_64_local), T(test_fbarray_differential_65_local),
	T(test_fbarray_differential_1000_local),
	T(test_fbarray_differential_8192_local),
	T(test_fbarray_differential_1000_file),
	{ NULL, NULL },
};

static const struct test_def mp_tests[] = {
	T(test_fbarray_mp_attach), T(test_fbarray_mp_init_eexist),
	T(test_fbarray_mp_stale_file), T(test_fbarray_mp_destroy_busy),
	T(test_fbarray_mp_kill_attached), T(test_fbarray_mp_hammer),
	T(test_fbarray_mp_kill_hammering), T(test_fbarray_mp_addr_occupied),
	T(test_fbarray_mp_attach_mismatch), T(test_fbarray_mp_detach_reattach),
	{ NULL, NULL },
};

static const struct test_def fault_tests[] = {
	T(test_fbarray_fault_init), T(test_fbarray_fault_init_local),
	T(test_fbarray_fault_attach),
	{ NULL, NULL },
};

static const struct test_def misc_tests[] = {
	T(test_fbarray_misc_round_trip), T(test_fbarray_misc_zeroed),
	T(test_fbarray_misc_count), T(test_fbarray_misc_dump),
	T(test_fbarray_misc_local_no_file), T(test_fbarray_misc_file),
	T(test_fbarray_misc_set_dir_too_long),
	{ NULL, NULL },
};

#undef T

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
	printf("fbarray: no hugepages needed; these tests run the same in hugepage and no-huge (4 KiB) memory modes\n");
	add_suite("fbarray_invalid", invalid_tests, arr_setup, arr_teardown);
	add_suite("fbarray_edges", edge_tests, local_setup, local_setup);
	add_suite("fbarray_differential", diff_tests, dir_setup, dir_teardown);
	add_suite("fbarray_mp", mp_tests, dir_setup, dir_teardown);
	add_suite("fbarray_fault", fault_tests, dir_setup, dir_teardown);
	add_suite("fbarray_misc", misc_tests, dir_setup, dir_teardown);
}
