/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * rte_eal_init/cleanup and the memory layer with real processes: a primary
 * and secondaries (this binary re-executed as the role "eal_member", see
 * test/mp/group.h) stepped in order by the test process.
 *
 * One suite per page backend (file per page, --single-file-segments,
 * --in-memory, --no-huge) runs the same scenarios with that mode's
 * arguments: sharing pages at one address, memory events and the release
 * of pages to the system, allocations asked by a secondary, validators,
 * -m, --socket-limit, --legacy-mem, refused secondaries and options, a
 * stopped secondary catching up, what is left after every process leaves,
 * --no-shconf and zeroed pages. The suite eal_proc checks the process
 * types. Hugepage suites are switched off when no hugepage is free.
 *
 * A member is plain C: the scenario (its first arg) says what each step
 * does for each member; it returns 0 or the line of the failed check with
 * a message. Each member calls rte_eal_init in its first step and
 * rte_eal_cleanup in its last (STEP_LEAVE). Addresses travel between
 * members through small files in the group's directory; memory events are
 * logged per process and checked in order, exactly.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <ftw.h>

#include <CUnit/Basic.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "runtime/eal/eal_private.h"
#include "runtime/mem/mem_private.h"
#include "test/lib/test_assert.h"
#include "test/lib/test_main.h"
#include "test/lib/test_util.h"
#include "test/mp/group.h"

#define START_S 60      /* valgrind needs seconds to start a member */
#define STEP_S 60
#define STEP_LEAVE 99   /* every member's last step: rte_eal_cleanup */
#define MAX_EVENTS 64
#define MAX_ARGS 32
#define PAGE_2M (2ULL << 20)
#define STRIDE 4096     /* pattern words are this far apart */
#define HUGE_NEEDED 80  /* free 2 MiB pages the hugepage suites need */

/* ==== a member ==== */

/* Fail the step: status = line, message = what and why. */
#define CHECKF(cond, ...) do { \
	if (!(cond)) \
		return failed(__LINE__, #cond, __VA_ARGS__); \
} while (0)
#define CHECK(cond) CHECKF(cond, "rte_errno %d", rte_errno)
#define TRY(call) do { \
	int r_ = (call); \
	if (r_ != 0) \
		return r_; \
} while (0)

struct ev {
	int type;
	uintptr_t addr;
	size_t len;
};

static struct {
	struct mp_member m;
	const char *scen;
	char **mode;         /* the backend's options */
	int n_mode;
	uint64_t page_sz;
	bool inited;
	char msg[MP_MSG_MAX + 1];
} me;

static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ev evs[MAX_EVENTS];
static unsigned int n_ev, seen_ev;
static unsigned int n_validated;

static int __attribute__((format(printf, 3, 4)))
failed(int line, const char *cond, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(me.msg, sizeof(me.msg), "%s: ", cond);
	if (n < (int)sizeof(me.msg)) {
		va_start(ap, fmt);
		vsnprintf(me.msg + n, sizeof(me.msg) - n, fmt, ap);
		va_end(ap);
	}
	return line;
}

static long
wait_ms(void)
{
	return (long)test_scale(5000, 60000);
}

static uint64_t
page_sz_of(char *const *args, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(args[i], "--no-huge") == 0)
			return 4096;
	}
	return PAGE_2M;
}

/* HugePages_Free of /proc/meminfo, -1 if absent. */
static long
meminfo_huge_free(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "HugePages_Free: %ld", &v) == 1)
			break;
	}
	fclose(f);
	return v;
}

static bool
rundir_exists(const char *prefix)
{
	char dir[PATH_MAX];

	return eal_rundir_path(prefix, dir, sizeof(dir)) == 0 &&
		access(dir, F_OK) == 0;
}

/*
 * rte_eal_init with --file-prefix, -l 0, --proc-type=type, the mode's
 * options (when with_mode) and extra (NULL-terminated or NULL). Returns
 * init's value, or -2 when it did not consume every argument.
 */
static int
eal_try(const char *type, bool with_mode, const char *const *extra)
{
	char ptype[64], *argv[MAX_ARGS];
	int argc = 0, i, ret;

	snprintf(ptype, sizeof(ptype), "--proc-type=%s", type);
	argv[argc++] = "test_eal";
	argv[argc++] = "--file-prefix";
	argv[argc++] = (char *)me.m.prefix;
	argv[argc++] = "-l";
	argv[argc++] = "0";
	argv[argc++] = ptype;
	for (i = 0; with_mode && i < me.n_mode; i++)
		argv[argc++] = me.mode[i];
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		argv[argc++] = (char *)extra[i];
	argv[argc] = NULL;
	ret = rte_eal_init(argc, argv);
	if (ret >= 0)
		me.inited = true;
	return ret < 0 || ret == argc - 1 ? ret : -2;
}

static void
on_event(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&ev_lock);
	if (n_ev < MAX_EVENTS)
		evs[n_ev] = (struct ev){ (int)type, (uintptr_t)addr, len };
	n_ev++;
	pthread_mutex_unlock(&ev_lock);
}

/* Join as the member's role (primary or secondary), events logged. */
static int
join(const char *const extra[])
{
	bool primary = me.m.idx == 0;
	int ret = eal_try(primary ? "primary" : "secondary", true, extra);

	CHECKF(ret >= 0, "rte_eal_init: %d, rte_errno %d (%s)", ret, rte_errno,
			strerror(rte_errno));
	CHECK(rte_eal_process_type() ==
			(primary ? RTE_PROC_PRIMARY : RTE_PROC_SECONDARY));
	CHECK(rte_mem_event_callback_register("test", on_event, NULL) == 0);
	return 0;
}

static int
leave(void)
{
	if (me.inited) {
		CHECK(rte_eal_cleanup() == 0);
		me.inited = false;
	}
	CHECK(rte_eal_cleanup() == -1 && rte_errno == EALREADY);
	CHECK(rte_eal_process_type() == RTE_PROC_INVALID);
	return 0;
}

/* The next event, waited for: exactly (type, addr, len). */
static int
expect_event(int type, uintptr_t addr, size_t len)
{
	int64_t deadline = test_now_ms() + wait_ms();
	struct ev e = { -1, 0, 0 };
	bool have;

	for (;;) {
		pthread_mutex_lock(&ev_lock);
		have = n_ev > seen_ev;
		if (have && seen_ev < MAX_EVENTS)
			e = evs[seen_ev];
		pthread_mutex_unlock(&ev_lock);
		if (have || test_now_ms() >= deadline)
			break;
		usleep(1000);
	}
	CHECKF(have, "no %s event for %#" PRIxPTR "+%zu within %ld ms",
			type == RTE_MEM_EVENT_ALLOC ? "ALLOC" : "FREE", addr, len,
			wait_ms());
	CHECK(seen_ev < MAX_EVENTS);
	CHECKF(e.type == type && e.addr == addr && e.len == len,
			"event %d %#" PRIxPTR "+%zu, expected %d %#" PRIxPTR "+%zu",
			e.type, e.addr, e.len, type, addr, len);
	seen_ev++;
	return 0;
}

static int
expect_no_event(void)
{
	unsigned int n;

	pthread_mutex_lock(&ev_lock);
	n = n_ev;
	pthread_mutex_unlock(&ev_lock);
	CHECKF(n == seen_ev, "%u unexpected event(s), first %d %#" PRIxPTR
			"+%zu", n - seen_ev, evs[seen_ev % MAX_EVENTS].type,
			evs[seen_ev % MAX_EVENTS].addr, evs[seen_ev % MAX_EVENTS].len);
	return 0;
}

/*
 * From /proc/self/maps: 1 when [addr, addr+len) is all shared read-write
 * memory, 0 when it is all a PROT_NONE reservation, -1 otherwise. Never
 * touches the range (a reservation would fault).
 */
static int
range_state(uintptr_t addr, size_t len)
{
	unsigned long start, end, lo, hi;
	size_t rw = 0, none = 0;
	char perms[8], line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3 ||
				end <= addr || start >= addr + len)
			continue;
		lo = start > addr ? start : addr;
		hi = end < addr + len ? end : addr + len;
		if (strcmp(perms, "rw-s") == 0)
			rw += hi - lo;
		else if (strcmp(perms, "---p") == 0)
			none += hi - lo;
	}
	fclose(f);
	return rw == len ? 1 : none == len ? 0 : -1;
}

static int
expect_state(uintptr_t addr, size_t len, int want)
{
	int64_t deadline = test_now_ms() + wait_ms();
	int st;

	while ((st = range_state(addr, len)) != want && test_now_ms() < deadline)
		usleep(1000);
	CHECKF(st == want, "%#" PRIxPTR "+%zu is %s", addr, len,
			st == 1 ? "mapped" : st == 0 ? "not mapped" : "partly mapped");
	return 0;
}

/* Exactly one event, ev for [addr, addr+len), then that range in state
 * want (1 mapped, 0 not) in this process.
 */
static int
expect_only(int ev, uintptr_t addr, size_t len, int want)
{
	TRY(expect_event(ev, addr, len));
	TRY(expect_no_event());
	return expect_state(addr, len, want);
}

static uint64_t
pattern(unsigned int tag, uintptr_t a)
{
	return ((uint64_t)tag << 56) ^ a;
}

/* The first and last word of every 4 KiB of [addr, addr+len). */
static void
fill(uintptr_t addr, size_t len, unsigned int tag)
{
	uintptr_t w;
	size_t off;

	for (off = 0; off < len; off += STRIDE) {
		w = addr + off;
		*(volatile uint64_t *)w = pattern(tag, w);
		w += STRIDE - 8;
		*(volatile uint64_t *)w = pattern(tag, w);
	}
}

static int
verify(uintptr_t addr, size_t len, unsigned int tag)
{
	uintptr_t w;
	uint64_t got;
	size_t off;
	int k;

	for (off = 0; off < len; off += STRIDE) {
		for (k = 0; k < 2; k++) {
			w = addr + off + k * (STRIDE - 8);
			got = *(volatile uint64_t *)w;
			CHECKF(got == pattern(tag, w), "at %#" PRIxPTR ": %#"
					PRIx64 ", expected tag %u", w, got, tag);
		}
	}
	return 0;
}

static int
expect_zero(uintptr_t addr, size_t len)
{
	const volatile uint64_t *w = (const volatile uint64_t *)addr;
	size_t i;

	for (i = 0; i < len / 8; i++)
		CHECKF(w[i] == 0, "word at %#" PRIxPTR " is %#" PRIx64,
				addr + i * 8, w[i]);
	return 0;
}

static void
publish(const char *name, uintptr_t addr)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", me.m.dir, name);
	f = fopen(path, "we");
	if (f != NULL) {
		fprintf(f, "%" PRIxPTR "\n", addr);
		fclose(f);
	}
}

static uintptr_t
lookup(const char *name)
{
	char path[PATH_MAX];
	uintptr_t addr = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", me.m.dir, name);
	f = fopen(path, "re");
	if (f != NULL) {
		if (fscanf(f, "%" SCNxPTR, &addr) != 1)
			addr = 0;
		fclose(f);
	}
	return addr;
}

static int
socket0(void)
{
	return eal_mcfg()->socket_ids[0];
}

static int
alloc(unsigned int n, uintptr_t *addr)
{
	struct rte_memseg *ms = NULL;
	int ret = mem_alloc_pages(me.page_sz, socket0(), n, false, &ms);

	*addr = ret == 0 ? (uintptr_t)ms->addr : 0;
	return ret;
}

static struct rte_memseg *
seg_of(uintptr_t addr)
{
	struct eal_memcfg *cfg = eal_mcfg();
	struct rte_memseg_list *msl;
	int i;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		msl = &cfg->memsegs[i];
		if (msl->base_va != NULL && addr >= msl->addr_64 &&
				addr < msl->addr_64 + msl->len)
			return rte_fbarray_get(&msl->memseg_arr,
				(unsigned int)((addr - msl->addr_64) /
				msl->page_sz));
	}
	return NULL;
}

static int
release(uintptr_t addr, unsigned int n)
{
	return mem_free_pages(seg_of(addr), n);
}

/* Pages used in the group, over every list. */
static unsigned int
seg_count(void)
{
	struct eal_memcfg *cfg = eal_mcfg();
	unsigned int i, n = 0;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		if (cfg->memsegs[i].base_va != NULL)
			n += cfg->memsegs[i].memseg_arr.count;
	}
	return n;
}

/* The first used page and the length of its run. */
static uintptr_t
first_used(unsigned int *n)
{
	struct eal_memcfg *cfg = eal_mcfg();
	struct rte_memseg *ms;
	int i, idx;

	for (i = 0; i < RTE_MAX_MEMSEG_LISTS; i++) {
		struct rte_fbarray *a = &cfg->memsegs[i].memseg_arr;

		if (cfg->memsegs[i].base_va == NULL || a->count == 0)
			continue;
		idx = rte_fbarray_find_next_used(a, 0);
		ms = rte_fbarray_get(a, (unsigned int)idx);
		*n = (unsigned int)rte_fbarray_find_contig_used(a,
				(unsigned int)idx);
		return (uintptr_t)ms->addr;
	}
	*n = 0;
	return 0;
}

static unsigned int
pages_in(uint64_t mb)
{
	return (unsigned int)((mb << 20) / me.page_sz);
}

/* ---- scenarios: one function per scenario, (step, member) -> action ---- */

#define SHARE_PAGES 64
#define SHARE_SLICE 16

/* 1. The primary's pages at one address; each secondary writes a slice. */
static int
scen_share(int step)
{
	size_t pg = me.page_sz, len = SHARE_PAGES * pg;
	uintptr_t a;
	unsigned int i, tag;

	if (step == 1)
		return join(NULL);
	if (step == 2) {
		CHECKF(alloc(SHARE_PAGES, &a) == 0, "alloc failed");
		fill(a, len, 1);
		publish("share", a);
		return 0;
	}
	a = lookup("share");
	/* Step 3 runs in secondary 1, then 2: slice i is secondary i's. */
	if (step == 3)
		TRY(expect_state(a, len, 1));
	for (i = 0; i < SHARE_PAGES / SHARE_SLICE; i++) {
		tag = i >= 1 && i <= me.m.n_secondaries &&
			(step == 4 || i < me.m.idx) ? 1 + i : 1;
		TRY(verify(a + i * SHARE_SLICE * pg, SHARE_SLICE * pg, tag));
	}
	if (step == 3) {
		fill(a + me.m.idx * SHARE_SLICE * pg, SHARE_SLICE * pg,
				1 + me.m.idx);
		return 0;
	}
	CHECK(release(a, SHARE_PAGES) == 0);
	return 0;
}

#define RELEASE_PAGES 8

/* 2. ALLOC and FREE events in every process for the primary's pages. */
static int
scen_release(int step)
{
	size_t len = RELEASE_PAGES * me.page_sz;
	uintptr_t a = lookup("rel");
	int ret;

	switch (step) {
	case 1:
		return join(NULL);
	case 2:
		CHECK(alloc(RELEASE_PAGES, &a) == 0);
		publish("rel", a);
		TRY(expect_event(RTE_MEM_EVENT_ALLOC, a, len));
		return expect_no_event();
	case 3:
		return expect_only(RTE_MEM_EVENT_ALLOC, a, len, 1);
	case 4:
		ret = release(a, RELEASE_PAGES);
		CHECKF(ret == 0, "mem_free_pages: %d", ret);
		return expect_only(RTE_MEM_EVENT_FREE, a, len, 0);
	default:
		return expect_only(RTE_MEM_EVENT_FREE, a, len, 0);
	}
}

/* 3. Secondary 1 allocates and frees; everyone sees it. */
static int
scen_sec_alloc(int step)
{
	size_t len = RELEASE_PAGES * me.page_sz;
	uintptr_t a = lookup("sec");
	int ret;

	switch (step) {
	case 1:
		return join(NULL);
	case 2:
		ret = alloc(RELEASE_PAGES, &a);
		CHECKF(ret == 0, "mem_alloc_pages from a secondary: %d", ret);
		publish("sec", a);
		TRY(expect_only(RTE_MEM_EVENT_ALLOC, a, len, 1));
		TRY(expect_zero(a, me.page_sz));
		fill(a, len, 7);
		return 0;
	case 3:
		TRY(expect_only(RTE_MEM_EVENT_ALLOC, a, len, 1));
		return verify(a, len, 7);
	case 4:
		ret = release(a, RELEASE_PAGES);
		CHECKF(ret == 0, "mem_free_pages from a secondary: %d", ret);
		return expect_only(RTE_MEM_EVENT_FREE, a, len, 0);
	default:
		return expect_only(RTE_MEM_EVENT_FREE, a, len, 0);
	}
}

static int
refuse(int socket, size_t cur_limit, size_t new_len)
{
	(void)socket;
	(void)cur_limit;
	(void)new_len;
	__atomic_add_fetch(&n_validated, 1, __ATOMIC_RELAXED);
	return -1;
}

/* 4. A validator in the primary refuses growth, whoever asks. */
static int
scen_validator(int step)
{
	unsigned int before = 0;
	uintptr_t a;
	int ret;

	if (step == 1)
		return join(NULL);
	if (me.m.idx == 0 && step == 2) {
		CHECK(rte_mem_alloc_validator_register("limit", refuse,
				socket0(), 2 * me.page_sz) == 0);
		ret = alloc(4, &a);
		CHECKF(ret == -EPERM, "mem_alloc_pages over a validator: %d", ret);
		CHECKF(n_validated == 1, "validator called %u times", n_validated);
	} else if (me.m.idx == 1 && step == 3) {
		ret = alloc(4, &a);
		CHECKF(ret == -EPERM, "secondary's mem_alloc_pages over the primary's validator: %d",
				ret);
	} else if (me.m.idx == 0) {
		CHECKF(n_validated == 2, "validator called %u times", n_validated);
	}
	CHECKF(seg_count() == before, "%u pages used", seg_count());
	return expect_no_event();
}

/* 5. -m 16: mapped at start everywhere, never freed. */
static int
scen_premap(int step)
{
	static const char *const m16[] = { "-m", "16", NULL };
	unsigned int n, want = pages_in(16);
	uintptr_t a;
	int ret;

	if (step == 1)
		TRY(join(me.m.idx == 0 ? m16 : NULL));
	a = first_used(&n);
	CHECKF(seg_count() == want && n == want, "%u pages used, run of %u, expected %u",
			seg_count(), n, want);
	CHECK(seg_of(a)->flags & RTE_MEMSEG_FLAG_DO_NOT_FREE);
	TRY(expect_state(a, want * me.page_sz, 1));
	if (step == 2 + (int)me.m.idx) {
		ret = release(a, want);
		CHECKF(ret == -EPERM, "mem_free_pages of -m memory: %d", ret);
		ret = release(a + me.page_sz, 1);
		CHECKF(ret == -EPERM, "mem_free_pages of one -m page: %d", ret);
		CHECKF(seg_count() == want, "%u pages used", seg_count());
		TRY(expect_state(a, want * me.page_sz, 1));
	}
	return expect_no_event();
}

/* 6. --socket-limit 32: 32 MiB can be had, a page more cannot. */
static int
scen_limit(int step)
{
	static const char *const lim[] = { "--socket-limit", "32", NULL };
	unsigned int n = pages_in(32);
	uintptr_t a, b;
	int ret;

	if (step == 1)
		return join(me.m.idx == 0 ? lim : NULL);
	a = lookup("lim");
	if (step == 2) {
		ret = alloc(n + 1, &a);
		CHECKF(ret == -EPERM, "%u pages over --socket-limit 32: %d", n + 1, ret);
		CHECK(seg_count() == 0);
		ret = alloc(n, &a);
		CHECKF(ret == 0, "%u pages (32 MiB) under --socket-limit 32: %d", n, ret);
		publish("lim", a);
		TRY(expect_event(RTE_MEM_EVENT_ALLOC, a, n * me.page_sz));
	} else if (step == 3) {
		TRY(expect_event(RTE_MEM_EVENT_ALLOC, a, n * me.page_sz));
	} else if (step == 5) {
		CHECK(release(a, n) == 0);
		CHECK(alloc(1, &b) == 0);
		CHECK(release(b, 1) == 0);
		return 0;
	}
	ret = alloc(1, &b);
	CHECKF(ret == -EPERM, "one page past --socket-limit 32: %d", ret);
	CHECKF(seg_count() == n, "%u pages used", seg_count());
	return expect_no_event();
}

/* 7. --legacy-mem -m 16: all memory at start, no growth, no events. */
static int
scen_legacy(int step)
{
	static const char *const leg[] = { "--legacy-mem", "-m", "16", NULL };
	static const char *const leg_sec[] = { "--legacy-mem", NULL };
	unsigned int n, want = pages_in(16);
	uintptr_t a, b;
	int ret;

	if (step == 1) {
		ret = eal_try(me.m.idx == 0 ? "primary" : "secondary", true,
				me.m.idx == 0 ? leg : leg_sec);
		CHECKF(ret >= 0, "rte_eal_init: rte_errno %d", rte_errno);
		CHECK(rte_mem_event_callback_register("test", on_event, NULL) == -1 &&
				rte_errno == ENOTSUP);
		CHECK(rte_mem_alloc_validator_register("v", refuse, 0, 0) == -1 &&
				rte_errno == ENOTSUP);
	}
	a = first_used(&n);
	CHECKF(seg_count() == want && n == want, "%u pages used, expected %u",
			seg_count(), want);
	TRY(expect_state(a, want * me.page_sz, 1));
	if (step == 2) {
		ret = alloc(1, &b);
		CHECKF(ret < 0, "mem_alloc_pages with --legacy-mem: %d", ret);
		ret = release(a, want);
		CHECKF(ret == -EPERM, "mem_free_pages with --legacy-mem: %d", ret);
		CHECK(seg_count() == want);
	}
	return 0;
}

/* 7 (in-memory): --legacy-mem with --in-memory is refused. */
static int
scen_legacy_refused(int step)
{
	static const char *const leg[] = { "--legacy-mem", "-m", "16", NULL };
	int ret;

	(void)step;
	ret = eal_try("primary", true, leg);
	CHECKF(ret == -1 && rte_errno == EINVAL, "%d, rte_errno %d", ret, rte_errno);
	CHECK(!rundir_exists(me.m.prefix));
	return 0;
}

static const char *const mem_flags[] = {
	"--legacy-mem", "--no-huge", "--single-file-segments", "--in-memory",
};

static bool
mode_has(const char *flag)
{
	int i;

	for (i = 0; i < me.n_mode; i++) {
		if (strcmp(me.mode[i], flag) == 0)
			return true;
	}
	return false;
}

/* 8. Secondary 2 asks for memory options the primary does not have. */
static int
scen_mismatch(int step)
{
	uintptr_t a = lookup("mis");
	unsigned int i;
	int ret;

	if (step == 1 && me.m.idx < 2)
		return join(NULL);
	if (step == 1) {
		for (i = 0; i < sizeof(mem_flags) / sizeof(mem_flags[0]); i++) {
			const char *const extra[] = { mem_flags[i], NULL };

			if (mode_has(mem_flags[i]))
				continue;
			ret = eal_try("secondary", false, extra);
			CHECKF(ret == -1 && rte_errno == EINVAL,
					"secondary with %s: %d, rte_errno %d",
					mem_flags[i], ret, rte_errno);
			CHECK(rte_eal_process_type() == RTE_PROC_INVALID);
		}
		return join(NULL);
	}
	if (step == 2) {
		CHECK(alloc(4, &a) == 0);
		fill(a, 4 * me.page_sz, 1);
		publish("mis", a);
		return 0;
	}
	if (step == 3) {
		TRY(expect_state(a, 4 * me.page_sz, 1));
		return verify(a, 4 * me.page_sz, 1);
	}
	CHECK(release(a, 4) == 0);
	return 0;
}

/* 9. Bad options: EINVAL (ENOMEM for -m too big) and nothing on disk. */
static int
scen_badopts(int step)
{
	static const char *const bad[][6] = {
		{ "--bogus", NULL },
		{ "-m", "abc", NULL },
		{ "-m", "16", "--socket-mem", "16", NULL },
		{ "--socket-mem", "16,", NULL },
		{ "--proc-type=bogus", NULL },
		{ "--file-prefix", "a.b", NULL },
		{ "--legacy-mem", "--match-allocations", NULL },
		{ "-m", NULL },
	};
	const char *huge_m[] = { "-m", "1000000", NULL };
	char mb[32];
	unsigned int i;
	long free_pages;
	int ret;

	if (step == 1) {
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			ret = eal_try("primary", true, bad[i]);
			CHECKF(ret == -1 && rte_errno == EINVAL, "%s %s: %d, rte_errno %d",
					bad[i][0], bad[i][1] ? bad[i][1] : "", ret,
					rte_errno);
			CHECKF(!rundir_exists(me.m.prefix), "left by %s", bad[i][0]);
			CHECK(rte_eal_process_type() == RTE_PROC_INVALID);
		}
		return 0;
	}
	if (step == 2) {
		/* Hugepages: one more than are free, so that init maps some. */
		free_pages = me.page_sz == PAGE_2M ? meminfo_huge_free() : -1;
		if (free_pages >= 0 && free_pages < 8000) {
			snprintf(mb, sizeof(mb), "%ld", (free_pages + 1) * 2);
			huge_m[1] = mb;
		}
		ret = eal_try("primary", true, huge_m);
		CHECKF(ret == -1 && rte_errno == ENOMEM, "-m %s: %d, rte_errno %d",
				huge_m[1], ret, rte_errno);
		CHECK(!rundir_exists(me.m.prefix));
		return 0;
	}
	TRY(join(NULL));
	CHECK(rundir_exists(me.m.prefix));
	return 0;
}

/* 10. Secondary 1 is stopped while the primary changes memory. */
static int
step_stop_primary(void)
{
	uintptr_t a = lookup("A"), b, c, d;
	int64_t t[6];
	long bound = (long)test_scale(2000, 10000);
	int i, r[5];

	t[0] = test_now_ms();
	r[0] = alloc(4, &b);
	t[1] = test_now_ms();
	r[1] = alloc(4, &c);
	t[2] = test_now_ms();
	r[2] = c ? release(c, 4) : -1;
	t[3] = test_now_ms();
	r[3] = release(a, 4);
	t[4] = test_now_ms();
	r[4] = alloc(4, &d);
	t[5] = test_now_ms();
	snprintf(me.msg, sizeof(me.msg), "alloc %ld, alloc %ld, free %ld, free %ld, alloc %ld ms",
			(long)(t[1] - t[0]), (long)(t[2] - t[1]), (long)(t[3] - t[2]),
			(long)(t[4] - t[3]), (long)(t[5] - t[4]));
	for (i = 0; i < 5; i++) {
		CHECKF(r[i] == 0, "operation %d: %d (%s)", i, r[i], me.msg);
		CHECKF(t[i + 1] - t[i] < bound, "operation %d took %ld ms", i,
				(long)(t[i + 1] - t[i]));
	}
	CHECKF(d == a, "the freed slot %#" PRIxPTR " was not reused: %#" PRIxPTR,
			a, d);
	fill(b, 4 * me.page_sz, 2);
	fill(d, 4 * me.page_sz, 3);
	publish("B", b);
	publish("C", c);
	return 0;
}

static int
scen_stop(int step)
{
	size_t len = 4 * me.page_sz;
	uintptr_t a = lookup("A"), b = lookup("B"), c = lookup("C");

	switch (step) {
	case 1:
		return join(NULL);
	case 2:
		CHECK(alloc(4, &a) == 0);
		fill(a, len, 1);
		publish("A", a);
		return 0;
	case 3:
		TRY(expect_event(RTE_MEM_EVENT_ALLOC, a, len));
		return verify(a, len, 1);
	case 4:
		return step_stop_primary();
	default:
		/*
		 * In order: B mapped, C mapped and freed (or, for a secondary
		 * that skipped C, neither), A freed, D at A.
		 */
		TRY(expect_event(RTE_MEM_EVENT_ALLOC, b, len));
		if (expect_event(RTE_MEM_EVENT_FREE, a, len) != 0) {
			TRY(expect_event(RTE_MEM_EVENT_ALLOC, c, len));
			TRY(expect_event(RTE_MEM_EVENT_FREE, c, len));
			TRY(expect_event(RTE_MEM_EVENT_FREE, a, len));
		}
		TRY(expect_event(RTE_MEM_EVENT_ALLOC, a, len));
		TRY(expect_no_event());
		TRY(expect_state(b, len, 1));
		TRY(expect_state(a, len, 1));
		TRY(expect_state(c, len, 0));
		TRY(verify(b, len, 2));
		return verify(a, len, 3);
	}
}

/* 11. Leaving: pages shared, then everyone leaves (test orders who). */
static int
scen_leave(int step)
{
	uintptr_t a = lookup("L");

	if (step == 1)
		return join(NULL);
	if (step == 2) {
		CHECK(alloc(8, &a) == 0);
		fill(a, 8 * me.page_sz, 1);
		publish("L", a);
		return 0;
	}
	if (step == 3) {
		TRY(expect_state(a, 8 * me.page_sz, 1));
		return verify(a, 8 * me.page_sz, 1);
	}
	/* Step 4, after the primary left: it is seen gone. */
	CHECK(rte_eal_primary_proc_alive(NULL) == 0);
	return 0;
}

/* 12. Process types and init/cleanup misuse. */
static int
proc_first(void)
{
	char *argv[] = { "test_eal", NULL };

	CHECK(rte_eal_process_type() == RTE_PROC_INVALID);
	CHECK(rte_eal_cleanup() == -1 && rte_errno == EALREADY);
	CHECK(rte_eal_init(0, NULL) == -1 && rte_errno == EINVAL);
	CHECK(rte_eal_init(0, argv) == -1 && rte_errno == EINVAL);
	CHECK(rte_eal_init(1, NULL) == -1 && rte_errno == EINVAL);
	CHECK(eal_try("secondary", true, NULL) == -1 && rte_errno == ENOENT);
	CHECK(!rundir_exists(me.m.prefix));
	CHECK(eal_try("auto", true, NULL) >= 0);
	CHECK(rte_eal_process_type() == RTE_PROC_PRIMARY);
	CHECK(rte_eal_primary_proc_alive(NULL) == 1);
	CHECK(eal_try("primary", true, NULL) == -1 && rte_errno == EALREADY);
	CHECK(rte_eal_process_type() == RTE_PROC_PRIMARY);
	return 0;
}

static int
scen_proc(int step)
{
	uintptr_t a = lookup("P");

	if (step == 1 && me.m.idx == 0)
		return proc_first();
	if (step == 1 && me.m.idx == 1) {
		CHECK(eal_try("auto", true, NULL) >= 0);
		CHECK(rte_eal_process_type() == RTE_PROC_SECONDARY);
		CHECK(rte_eal_primary_proc_alive(NULL) == 1);
		CHECK(eal_try("auto", true, NULL) == -1 && rte_errno == EALREADY);
		return 0;
	}
	if (step == 1) {
		CHECK(eal_try("primary", true, NULL) == -1 && rte_errno == EEXIST);
		CHECK(rte_eal_process_type() == RTE_PROC_INVALID);
		CHECK(eal_try("secondary", true, NULL) >= 0);
		CHECK(rte_eal_process_type() == RTE_PROC_SECONDARY);
		return 0;
	}
	if (step == 2) {
		CHECK(alloc(1, &a) == 0);
		fill(a, me.page_sz, 5);
		publish("P", a);
		return 0;
	}
	if (step == 3) {
		TRY(expect_state(a, me.page_sz, 1));
		return verify(a, me.page_sz, 5);
	}
	CHECK(release(a, 1) == 0);
	return 0;
}

/* 13. --no-shconf: one process, nothing in the runtime directory. */
static int
scen_noshconf(int step)
{
	static const char *const nosh[] = { "--no-shconf", NULL };
	uintptr_t a;

	if (me.m.idx == 1) {
		CHECKF(eal_try("secondary", true, nosh) == -1 && rte_errno == EINVAL,
				"--no-shconf secondary: rte_errno %d", rte_errno);
		CHECKF(eal_try("secondary", true, NULL) == -1 && rte_errno == ENOENT,
				"secondary of a --no-shconf primary: rte_errno %d",
				rte_errno);
		return 0;
	}
	if (step == 1) {
		CHECKF(eal_try("primary", true, nosh) >= 0, "rte_errno %d", rte_errno);
		CHECK(strcmp(rte_eal_get_runtime_dir(), "") == 0);
		CHECK(rte_mem_event_callback_register("test", on_event, NULL) == 0);
	} else {
		CHECK(alloc(4, &a) == 0);
		TRY(expect_event(RTE_MEM_EVENT_ALLOC, a, 4 * me.page_sz));
		TRY(expect_zero(a, me.page_sz));
		fill(a, 4 * me.page_sz, 1);
		TRY(verify(a, 4 * me.page_sz, 1));
		CHECK(release(a, 4) == 0);
		TRY(expect_event(RTE_MEM_EVENT_FREE, a, 4 * me.page_sz));
	}
	CHECK(!rundir_exists(me.m.prefix));
	return 0;
}

/* Pages are zero when handed out, also a slot freed dirty and reused. */
static int
scen_zero(int step)
{
	size_t len = 2 * me.page_sz;
	uintptr_t a, b;

	if (step == 1)
		return join(NULL);
	CHECK(alloc(2, &a) == 0);
	TRY(expect_state(a, len, 1));
	TRY(expect_zero(a, len));
	memset((void *)a, 0xa5, len);
	CHECK(release(a, 2) == 0);
	CHECK(alloc(2, &b) == 0);
	CHECKF(b == a, "slot %#" PRIxPTR " not reused: %#" PRIxPTR, a, b);
	TRY(expect_state(b, len, 1));
	TRY(expect_zero(b, len));
	CHECK(release(b, 2) == 0);
	return 0;
}

struct scenario {
	const char *name;
	int (*fn)(int step);
};

static const struct scenario scenarios[] = {
	{ "share", scen_share }, { "release", scen_release },
	{ "sec_alloc", scen_sec_alloc }, { "validator", scen_validator },
	{ "premap", scen_premap }, { "limit", scen_limit },
	{ "legacy", scen_legacy }, { "legacy_refused", scen_legacy_refused },
	{ "mismatch", scen_mismatch }, { "badopts", scen_badopts },
	{ "stop", scen_stop }, { "leave", scen_leave }, { "proc", scen_proc },
	{ "noshconf", scen_noshconf }, { "zero", scen_zero },
	{ NULL, NULL },
};

static int
role_member(int argc, char **argv)
{
	const struct scenario *s;
	int step, rc;

	if (mp_member_init(argc, argv, &me.m) != 0 || me.m.argc < 1)
		return 1;
	for (s = scenarios; s->name != NULL; s++) {
		if (strcmp(s->name, me.m.argv[0]) == 0)
			break;
	}
	if (s->name == NULL)
		return 2;
	me.mode = me.m.argv + 1;
	me.n_mode = me.m.argc - 1;
	me.page_sz = page_sz_of(me.mode, me.n_mode);
	while ((step = mp_member_next_step(&me.m)) > 0) {
		me.msg[0] = '\0';
		rc = step == STEP_LEAVE ? leave() : s->fn(step);
		if (mp_member_report(&me.m, step, rc, "%s", me.msg) != 0)
			return 3;
	}
	return step < 0 ? 4 : 0;
}

/* ==== the test process ==== */

struct mode {
	const char *suite;
	const char *args[2];
	bool huge;
	bool file_per_page;
};

static const struct mode modes[] = {
	{ "eal_file_per_page", { NULL, NULL }, true, true },
	{ "eal_single_file", { "--single-file-segments", NULL }, true, false },
	{ "eal_in_memory", { "--in-memory", NULL }, true, false },
	{ "eal_no_huge", { "--no-huge", NULL }, false, false },
};

static const struct mode *md;
static struct mp_group *g;
static char prefix[32];
static char huge_mount[PATH_MAX] = "/dev/hugepages";

static long
huge_free(void)
{
	return meminfo_huge_free();
}

/* Files of this group in the hugetlbfs mount, and their 512-byte blocks. */
static int
page_files(long long *blocks)
{
	char name[64], path[PATH_MAX + 256];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(huge_mount);
	int n = 0;

	*blocks = 0;
	if (d == NULL)
		return 0;
	snprintf(name, sizeof(name), "%smap_", prefix);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, name, strlen(name)) != 0)
			continue;
		n++;
		snprintf(path, sizeof(path), "%s/%s", huge_mount, e->d_name);
		if (stat(path, &st) == 0)
			*blocks += st.st_blocks;
	}
	closedir(d);
	return n;
}

static void
expect_page_files(int n_files)
{
	long long blocks;

	CU_ASSERT_EQUAL(page_files(&blocks), n_files);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* What a failed test may have left: the runtime dir and page files. */
static void
remove_leftovers(void)
{
	char path[PATH_MAX + 256], name[64];
	struct dirent *e;
	DIR *d;

	if (prefix[0] == '\0')
		return;
	if (eal_rundir_path(prefix, path, sizeof(path)) == 0)
		nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	d = opendir(huge_mount);
	snprintf(name, sizeof(name), "%smap_", prefix);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, name, strlen(name)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", huge_mount, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	prefix[0] = '\0';
}

static void
test_setup(void)
{
	g = mp_group_create();
	CU_ASSERT_FATAL(g != NULL);
	snprintf(prefix, sizeof(prefix), "%s", mp_group_prefix(g));
}

static void
test_teardown(void)
{
	mp_group_cleanup_all();
	remove_leftovers();
}

static void
start(const char *scen, unsigned int n_sec)
{
	const char *args[4] = { scen, md->args[0], md->args[1], NULL };

	GROUP_OK(g, mp_group_start(g, n_sec, "eal_member", NULL, args, START_S));
}

static void
step(unsigned int member, int s)
{
	GROUP_OK(g, mp_group_step(g, member, s, STEP_S));
}

/* Run step s in members first..last, in that order. */
static void
steps(unsigned int first, unsigned int last, int s)
{
	unsigned int i;

	for (i = first; i <= last; i++)
		step(i, s);
}

/* Secondaries leave first, then the primary; then the harness ends. */
static void
leave_all(unsigned int n_sec)
{
	unsigned int i;

	for (i = n_sec; i > 0; i--)
		step(i, STEP_LEAVE);
	step(0, STEP_LEAVE);
	GROUP_OK(g, mp_group_finish(g, STEP_S));
}

static bool
rundir_gone(void)
{
	char dir[PATH_MAX];

	return eal_rundir_path(prefix, dir, sizeof(dir)) == 0 &&
		access(dir, F_OK) == -1 && errno == ENOENT;
}

static void
expect_huge_free(long want)
{
	long got = huge_free();

	if (md->huge && got != want)
		printf("\n    HugePages_Free %ld, expected %ld ", got, want);
	if (md->huge)
		CU_ASSERT_EQUAL(got, want);
}

/* Nothing of the group is left: no runtime dir, no page, no file. */
static void
expect_all_gone(long free0)
{
	CU_ASSERT(rundir_gone());
	expect_huge_free(free0);
	expect_page_files(0);
}

static void
test_share(void)
{
	start("share", 2);
	steps(0, 2, 1);
	step(0, 2);
	steps(1, 2, 3);
	step(0, 4);
	leave_all(2);
}

static void
test_release(void)
{
	long long blocks;
	long free0;

	start("release", 2);
	steps(0, 2, 1);
	free0 = huge_free();
	step(0, 2);
	expect_huge_free(free0 - RELEASE_PAGES);
	if (md->file_per_page)
		expect_page_files(RELEASE_PAGES);
	steps(1, 2, 3);
	step(0, 4);
	steps(1, 2, 5);
	expect_huge_free(free0);
	if (md->file_per_page)
		expect_page_files(0);
	page_files(&blocks);
	CU_ASSERT_EQUAL(blocks, 0);
	leave_all(2);
	expect_all_gone(free0);
}

static void
test_sec_alloc(void)
{
	long free0;

	start("sec_alloc", 2);
	steps(0, 2, 1);
	free0 = huge_free();
	step(1, 2);
	expect_huge_free(free0 - RELEASE_PAGES);
	step(0, 3);
	step(2, 3);
	step(1, 4);
	step(0, 5);
	step(2, 5);
	expect_huge_free(free0);
	leave_all(2);
}

static void
test_validator(void)
{
	long free0;

	start("validator", 2);
	steps(0, 2, 1);
	free0 = huge_free();
	step(0, 2);
	step(1, 3);
	step(0, 4);
	step(2, 4);
	expect_huge_free(free0);
	if (md->file_per_page)
		expect_page_files(0);
	leave_all(2);
}

static void
test_premap(void)
{
	long free0 = huge_free();

	start("premap", 1);
	step(0, 1);
	expect_huge_free(free0 - (long)(16 * (1 << 20) / PAGE_2M));
	step(1, 1);
	step(0, 2);
	step(1, 3);
	step(0, 4);
	leave_all(1);
	expect_all_gone(free0);
}

static void
test_socket_limit(void)
{
	start("limit", 1);
	steps(0, 1, 1);
	step(0, 2);
	step(1, 3);
	step(0, 5);
	leave_all(1);
}

static void
test_legacy(void)
{
	long free0 = huge_free();

	if (md->args[0] != NULL && strcmp(md->args[0], "--in-memory") == 0) {
		start("legacy_refused", 0);
		step(0, 1);
		leave_all(0);
		expect_all_gone(free0);
		return;
	}
	start("legacy", 1);
	steps(0, 1, 1);
	step(0, 2);
	step(1, 2);
	leave_all(1);
	expect_all_gone(free0);
}

static void
test_mismatch(void)
{
	start("mismatch", 2);
	steps(0, 2, 1);
	step(0, 2);
	steps(1, 2, 3);
	step(0, 4);
	leave_all(2);
}

static void
test_badopts(void)
{
	long free0 = huge_free();

	start("badopts", 0);
	step(0, 1);
	expect_all_gone(free0);
	step(0, 2);
	expect_all_gone(free0);
	step(0, 3);
	leave_all(0);
	expect_all_gone(free0);
}

static bool
is_stopped(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] == 'T';
}

static void
test_stopped_secondary(void)
{
	long free0;
	pid_t pid;
	int i;

	start("stop", 2);
	steps(0, 2, 1);
	free0 = huge_free();
	step(0, 2);
	steps(1, 2, 3);
	pid = mp_group_pid(g, 1);
	CU_ASSERT_FATAL(kill(pid, SIGSTOP) == 0);
	for (i = 0; i < 5000 && !is_stopped(pid); i++)
		usleep(1000);
	CU_ASSERT_FATAL(is_stopped(pid));
	step(0, 4);
	printf("\n    with secondary 1 stopped: %s ", mp_group_msg(g, 0));
	step(2, 5);
	CU_ASSERT_FATAL(kill(pid, SIGCONT) == 0);
	step(1, 5);
	expect_huge_free(free0 - 8);  /* B and D: nothing else holds a page */
	leave_all(2);
	expect_all_gone(free0);
}

static void
test_leave(void)
{
	long free0 = huge_free();

	start("leave", 2);
	steps(0, 2, 1);
	step(0, 2);
	steps(1, 2, 3);
	leave_all(2);
	expect_all_gone(free0);
}

/* The issue: after every process has left, nothing is left, whatever the order. */
static void
test_leave_primary_first(void)
{
	long free0 = huge_free();

	start("leave", 2);
	steps(0, 2, 1);
	step(0, 2);
	steps(1, 2, 3);
	step(0, STEP_LEAVE);
	steps(1, 2, 4);
	steps(1, 2, STEP_LEAVE);
	GROUP_OK(g, mp_group_finish(g, STEP_S));
	expect_all_gone(free0);
}

/* A secondary killed with SIGKILL says no goodbye: the last process out
 * still leaves nothing behind (its IPC socket included). */
static void
test_killed_secondary(void)
{
	long free0 = huge_free();

	start("leave", 2);
	steps(0, 2, 1);
	step(0, 2);
	steps(1, 2, 3);
	CU_ASSERT_EQUAL(mp_group_kill(g, 2), 0);
	step(1, STEP_LEAVE);
	step(0, STEP_LEAVE);
	GROUP_OK(g, mp_group_finish(g, STEP_S));
	expect_all_gone(free0);
}

static void
test_noshconf(void)
{
	long free0 = huge_free();

	start("noshconf", 1);
	step(0, 1);
	CU_ASSERT(rundir_gone());
	step(0, 2);
	step(1, 1);
	leave_all(1);
	expect_all_gone(free0);
}

static void
test_zero(void)
{
	start("zero", 1);
	steps(0, 1, 1);
	step(0, 2);
	step(1, 2);
	leave_all(1);
}

static void
test_proc_types(void)
{
	char dir[PATH_MAX], cfg[PATH_MAX];

	start("proc", 2);
	steps(0, 2, 1);
	step(0, 2);
	steps(1, 2, 3);
	step(0, 4);
	CU_ASSERT_FATAL(eal_rundir_path(prefix, dir, sizeof(dir)) == 0);
	CU_ASSERT_FATAL(eal_config_path(dir, cfg, sizeof(cfg)) == 0);
	CU_ASSERT_EQUAL(rte_eal_primary_proc_alive(cfg), 1);
	leave_all(2);
	CU_ASSERT_EQUAL(rte_eal_primary_proc_alive(cfg), 0);
	CU_ASSERT(rundir_gone());
}

/* ==== registration ==== */

const struct test_role test_roles[] = {
	{ "eal_member", role_member },
	{ NULL, NULL },
};


#define T(fn) TEST_DEF(fn)

static const struct test_def mode_tests[] = {
	T(test_share), T(test_release), T(test_sec_alloc), T(test_validator),
	T(test_premap), T(test_socket_limit), T(test_legacy), T(test_mismatch),
	T(test_badopts), T(test_stopped_secondary), T(test_leave),
	T(test_leave_primary_first), T(test_killed_secondary),
	T(test_noshconf), T(test_zero),
	{ NULL, NULL },
};

static const struct test_def proc_tests[] = {
	T(test_proc_types),
	{ NULL, NULL },
};

#undef T

static int
suite_clean(void)
{
	mp_group_cleanup_all();
	remove_leftovers();
	return 0;
}

#define MODE_INIT(i) \
static int \
suite_init_##i(void) \
{ \
	md = &modes[i]; \
	return 0; \
}
MODE_INIT(0)
MODE_INIT(1)
MODE_INIT(2)
MODE_INIT(3)

static CU_pSuite
add_suite(const char *name, CU_InitializeFunc init, const struct test_def *t)
{
	return test_add_suite(name, t, &(struct test_hooks){ init,
			suite_clean, test_setup, test_teardown });
}

void
test_register(void)
{
	static const CU_InitializeFunc inits[] = {
		suite_init_0, suite_init_1, suite_init_2, suite_init_3,
	};
	long free_pages = huge_free();
	bool have_huge = free_pages >= HUGE_NEEDED;
	CU_pSuite s;
	unsigned int i;

	test_huge_mount(huge_mount, sizeof(huge_mount));
	if (!have_huge)
		printf("hugepage suites skipped: %ld free hugepages, %d needed (as root: make hugepages)\n",
				free_pages < 0 ? 0 : free_pages, HUGE_NEEDED);
	for (i = 0; i < 4; i++) {
		s = add_suite(modes[i].suite, inits[i], mode_tests);
		if (s != NULL && modes[i].huge && !have_huge)
			CU_set_suite_active(s, CU_FALSE);
	}
	add_suite("eal_proc", suite_init_3, proc_tests);
}
