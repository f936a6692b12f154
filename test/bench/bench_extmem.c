/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * bench_extmem: external memory (issue 6), each figure against a baseline
 * measured in the same invocation.
 *
 *   1. 1 GiB of 4 KiB pages, a memfd mapped MAP_SHARED and not touched:
 *      rte_malloc_heap_memory_add with IOVAs (iova = va) and without, then
 *      a secondary's rte_malloc_heap_memory_attach and _detach, then
 *      rte_malloc_heap_memory_remove; rte_extmem_register (with IOVAs),
 *      the secondary's rte_extmem_attach and _detach, then
 *      rte_extmem_unregister. Baseline: what the user does anyway, mmap of
 *      the same memfd (for the calls that bring memory in) and munmap of
 *      that mapping (for those that take it out); mmap + MAP_POPULATE and
 *      its munmap are shown for scale.
 *   2. The same for 1 GiB of 2 MiB pages (a memfd with MFD_HUGETLB) when
 *      512 hugepages are free; else the rows say they are skipped and why.
 *   3. Allocation from a named heap holding 1 GiB of 4 KiB external pages,
 *      next to the socket heap (SOCKET_ID_ANY) and glibc: 64 B
 *      rte_malloc_socket+rte_free pairs (ns per pair), and 100,000 blocks
 *      of random sizes in 16..4096 B allocated, then freed in order (ns
 *      per call). A named heap has no per-thread cache, by design: its
 *      memory may leave a process (detach), and a cached block would
 *      outlive it, so every call takes the heap's lock.
 *
 * The runtime runs with --no-huge -m 256: the group's own memory never
 * competes with the external hugepages, and its socket heap keeps its
 * pages (the random workload then compares allocators, not page faults).
 * The secondary is this binary re-executed as `--secondary ...` with the
 * memfd inherited; it maps it MAP_FIXED_NOREPLACE at the primary's address
 * (before its rte_eal_init, whose reservations cannot be there), checks a
 * word the primary wrote, then runs one command per byte it reads from a
 * pipe ('h': heap attach, allocate, detach; 'x': extmem attach, detach)
 * and sends its timings back through another pipe; it exits when the
 * primary closes the pipe.
 *
 * Every figure is the median of REPS timed repetitions after one warm-up.
 * Timings are printed, never asserted. A failed call, a block outside its
 * heap's memory, a failing secondary, or a runtime directory left behind
 * fail the bench (exit 1), after every heap, mapping and child is undone.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "bench.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21u << 26)
#endif

#define REPS 5
#define AREA_LEN (1ull << 30)
#define HUGE_SZ (2ull << 20)
#define SMALL_PAGE_SZ 4096ull
#define HUGE_FREE_PATH "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define HEAP_NAME "bench_extmem"
#define PRE_MB "256"            /* -m of the primary, with --no-huge */
#define MAGIC 0x6578746d656d2121ull
#define SMALL_SZ 64
#define N_BLOCKS 100000u
#define RAND_MIN_SZ 16u
#define RAND_MAX_SZ 4096u
#define SEED 0x6578746d656dull
#define TMPFS_MAGIC_ 0x01021994
#define PIPE_TIMEOUT_MS 20000   /* a bound against a hung secondary */
#define CHILD_EXIT_TRIES 500    /* 10 ms apart, then SIGKILL */

/* Where a call of the secondary failed. */
enum sec_stage { ST_OK, ST_MAP, ST_MAGIC, ST_INIT, ST_SOCKET, ST_ATTACH,
	ST_ALLOC, ST_DETACH, ST_XATTACH, ST_XDETACH, ST_CMD };

static const char *const stage_names[] = {
	"-", "mmap MAP_FIXED_NOREPLACE of the memfd",
	"reading the primary's word in the area", "rte_eal_init",
	"rte_malloc_heap_get_socket", "rte_malloc_heap_memory_attach",
	"rte_malloc_socket(64) on the named heap",
	"rte_malloc_heap_memory_detach", "rte_extmem_attach",
	"rte_extmem_detach", "reading a command",
};

/* What the secondary sends: at start-up, then once per command. */
struct sec_report {
	int32_t stage;          /* enum sec_stage; ST_OK when all went well */
	int32_t err;            /* errno / rte_errno of the failed call */
	uint64_t ns[2];         /* attach, detach */
};

/* 1 GiB of the user's memory: a memfd and its mapping. */
struct area {
	int fd;
	void *va;
	size_t len;
	size_t page_sz;
	unsigned int n_pages;
	rte_iova_t *iova;       /* iova = va of each page */
};

/* What of an area the group knows, so that a failure can undo it. */
enum area_state { AREA_OWN, AREA_IN_HEAP, AREA_REGISTERED };

struct secondary {
	pid_t pid;
	int to;                 /* a command byte; closed: exit */
	int from;               /* struct sec_report */
};

/* Samples of workloads 1 and 2, in us. */
enum { F_MMAP, F_MUNMAP, F_MMAP_POP, F_MUNMAP_POP, F_ADD_IOVA, F_ADD,
	F_ATTACH, F_DETACH, F_REMOVE, F_REG, F_XATTACH, F_XDETACH, F_UNREG,
	N_F };

static char exe_path[PATH_MAX];
static char prefix[32];         /* --file-prefix */
static int cpu_a = -1, cpu_b = -1;
static struct secondary sec = { .pid = -1, .to = -1, .from = -1 };
static enum area_state area_in = AREA_OWN;
/*
 * The CPUs we were started on: rte_eal_init pins the main thread to its
 * lcore, and the secondary must not inherit that.
 */
static cpu_set_t launch_cpus;

static void escape(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static double us_since(uint64_t t0)
{
	return (double)(bench_now_ns() - t0) / 1e3;
}

/* ---- the user's memory ---- */

/* Map a fresh memfd of AREA_LEN; *skip (with why) when the kernel has no
 * memory of that kind for it, else 0 or -1. */
static int area_open(struct area *a, size_t page_sz, bool *skip, char *why,
		size_t why_len)
{
	unsigned int flags = MFD_CLOEXEC | (page_sz == HUGE_SZ ?
			MFD_HUGETLB | MFD_HUGE_2MB : 0);

	*a = (struct area){ .fd = -1, .va = MAP_FAILED, .len = AREA_LEN,
		.page_sz = page_sz, .n_pages = (unsigned int)(AREA_LEN / page_sz) };
	*skip = false;
	a->fd = memfd_create("bench_extmem", flags);
	if (a->fd < 0 || ftruncate(a->fd, (off_t)a->len) < 0)
		return bench_fail("memfd_create/ftruncate of %zu MiB: %s",
				a->len >> 20, strerror(errno));
	a->va = mmap(NULL, a->len, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, 0);
	if (a->va == MAP_FAILED && errno == ENOMEM && page_sz == HUGE_SZ) {
		snprintf(why, why_len, "mmap of the hugetlb memfd: ENOMEM "
				"(another process took the free hugepages?)");
		*skip = true;
		return 0;
	}
	if (a->va == MAP_FAILED)
		return bench_fail("mmap of the memfd: %s", strerror(errno));
	a->iova = malloc(sizeof(*a->iova) * a->n_pages);
	if (a->iova == NULL)
		return bench_fail("malloc of %u IOVAs failed", a->n_pages);
	for (unsigned int i = 0; i < a->n_pages; i++)
		a->iova[i] = (rte_iova_t)(uintptr_t)a->va + (rte_iova_t)i * page_sz;
	return 0;
}

/* Take the area out of the group if it is in, unmap and close it. */
static int area_close(struct area *a)
{
	int rc = 0;

	if (area_in == AREA_IN_HEAP &&
	    rte_malloc_heap_memory_remove(HEAP_NAME, a->va, a->len) < 0)
		rc = bench_fail("clean-up: rte_malloc_heap_memory_remove: %s",
				rte_strerror(rte_errno));
	if (area_in == AREA_REGISTERED && rte_extmem_unregister(a->va, a->len) < 0)
		rc = bench_fail("clean-up: rte_extmem_unregister: %s",
				rte_strerror(rte_errno));
	area_in = AREA_OWN;
	if (a->va != MAP_FAILED && munmap(a->va, a->len) < 0)
		rc = bench_fail("munmap of the area: %s", strerror(errno));
	if (a->fd >= 0)
		close(a->fd);
	free(a->iova);
	*a = (struct area){ .fd = -1, .va = MAP_FAILED };
	return rc;
}

/* ---- the secondary ---- */

static struct sec_report sec_heap(void *va, size_t len, int socket)
{
	struct sec_report r = { 0 };
	uint64_t t0 = bench_now_ns();
	void *p;

	if (rte_malloc_heap_memory_attach(HEAP_NAME, va, len) < 0)
		return (struct sec_report){ ST_ATTACH, rte_errno, { 0 } };
	r.ns[0] = bench_now_ns() - t0;
	p = rte_malloc_socket(NULL, SMALL_SZ, 0, socket);
	if (p == NULL || (char *)p < (char *)va || (char *)p >= (char *)va + len)
		r = (struct sec_report){ ST_ALLOC, p ? EFAULT : rte_errno, { 0 } };
	rte_free(p);
	t0 = bench_now_ns();
	if (rte_malloc_heap_memory_detach(HEAP_NAME, va, len) < 0)
		return (struct sec_report){ ST_DETACH, rte_errno, { 0 } };
	r.ns[1] = bench_now_ns() - t0;
	return r;
}

static struct sec_report sec_extmem(void *va, size_t len)
{
	struct sec_report r = { 0 };
	uint64_t t0 = bench_now_ns();

	if (rte_extmem_attach(va, len) < 0)
		return (struct sec_report){ ST_XATTACH, rte_errno, { 0 } };
	r.ns[0] = bench_now_ns() - t0;
	t0 = bench_now_ns();
	if (rte_extmem_detach(va, len) < 0)
		return (struct sec_report){ ST_XDETACH, rte_errno, { 0 } };
	r.ns[1] = bench_now_ns() - t0;
	return r;
}

/* Run the primary's commands until it closes the pipe; 0 or -1. */
static int sec_serve(int rfd, int wfd, void *va, size_t len, int socket)
{
	struct sec_report r;
	char c;

	while (bench_read_full(rfd, &c, 1, -1) == 0) {
		if (c == 'h')
			r = sec_heap(va, len, socket);
		else if (c == 'x')
			r = sec_extmem(va, len);
		else
			r = (struct sec_report){ ST_CMD, EINVAL, { 0 } };
		if (bench_write_full(wfd, &r, sizeof(r)) < 0 || r.stage != ST_OK)
			return -1;
	}
	return 0;
}

/* Map the area where the primary has it and check it is the same memory. */
static struct sec_report sec_map(int fd, void *va, size_t len)
{
	void *got = mmap(va, len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);

	if (got == MAP_FAILED)
		return (struct sec_report){ ST_MAP, errno, { 0 } };
	if (got != va) {
		munmap(got, len);
		return (struct sec_report){ ST_MAP, EEXIST, { 0 } };
	}
	if (*(volatile uint64_t *)((char *)va + len - 8) != MAGIC)
		return (struct sec_report){ ST_MAGIC, EIO, { 0 } };
	return (struct sec_report){ 0 };
}

/* argv: exe --secondary prefix rfd wfd memfd va len lcore */
static int secondary_main(char **argv)
{
	char a0[] = "bench_extmem", a1[] = "--proc-type=secondary",
		a2[] = "--file-prefix", a4[] = "-l", a6[] = "--no-huge";
	char *eargv[] = { a0, a1, a2, argv[2], a4, argv[8], a6, NULL };
	int rfd = atoi(argv[3]), wfd = atoi(argv[4]), fd = atoi(argv[5]);
	void *va = (void *)(uintptr_t)strtoull(argv[6], NULL, 16);
	size_t len = strtoull(argv[7], NULL, 10);
	struct sec_report r = sec_map(fd, va, len);
	bool inited = false;
	int socket = -1, rc = -1;

	bench_who = "bench_extmem (secondary)";
	if (r.stage == ST_OK) {
		inited = rte_eal_init(7, eargv) >= 0;
		if (!inited)
			r = (struct sec_report){ ST_INIT, rte_errno ?
				rte_errno : EINVAL, { 0 } };
	}
	if (inited && (socket = rte_malloc_heap_get_socket(HEAP_NAME)) < 0)
		r = (struct sec_report){ ST_SOCKET, rte_errno, { 0 } };
	if (bench_write_full(wfd, &r, sizeof(r)) == 0 && r.stage == ST_OK)
		rc = sec_serve(rfd, wfd, va, len, socket);
	if (inited && rte_eal_cleanup() < 0)
		rc = -1;
	if (r.stage != ST_MAP)
		munmap(va, len);
	return rc < 0 ? 1 : 0;
}

/* ---- the primary's secondary ---- */

/* Say what the secondary's report r says went wrong; -1. */
static int sec_failed(const struct sec_report *r)
{
	int s = r->stage >= 0 && r->stage <= ST_CMD ? r->stage : ST_CMD;

	return bench_fail("the secondary's %s failed: %s", stage_names[s],
			s == ST_MAP || s == ST_MAGIC ? strerror(r->err) :
			rte_strerror(r->err));
}

/* Reap the secondary, killing it if it hangs; 0 if it exited 0. */
static int stop_secondary(void)
{
	pid_t pid = sec.pid;
	int status = -1;

	if (sec.to >= 0)
		close(sec.to);
	if (sec.from >= 0)
		close(sec.from);
	sec = (struct secondary){ .pid = -1, .to = -1, .from = -1 };
	for (int i = 0; pid > 0 && i < CHILD_EXIT_TRIES; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status == 0 ? 0 : bench_fail("the secondary "
					"failed (wait status 0x%x)", status);
		usleep(10000);
	}
	if (pid <= 0)
		return 0;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return bench_fail("the secondary hung at exit: killed");
}

/* Fork and exec the secondary on the area; its pipes in sec. */
static int fork_secondary(const struct area *a, int down[2], int up[2])
{
	char rfd[16], wfd[16], fd[16], va[32], len[32], lcore[16];
	char *argv[] = { exe_path, (char *)"--secondary", prefix, rfd, wfd, fd,
		va, len, lcore, NULL };

	snprintf(rfd, sizeof(rfd), "%d", down[0]);
	snprintf(wfd, sizeof(wfd), "%d", up[1]);
	snprintf(fd, sizeof(fd), "%d", a->fd);
	snprintf(va, sizeof(va), "%llx", (unsigned long long)(uintptr_t)a->va);
	snprintf(len, sizeof(len), "%zu", a->len);
	snprintf(lcore, sizeof(lcore), "%d", cpu_b >= 0 ? cpu_b : cpu_a);
	fflush(NULL);
	sec.pid = fork();
	if (sec.pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sched_setaffinity(0, sizeof(launch_cpus), &launch_cpus);
		fcntl(down[0], F_SETFD, 0);
		fcntl(up[1], F_SETFD, 0);
		fcntl(a->fd, F_SETFD, 0);
		execv(exe_path, argv);
		_exit(127);
	}
	return sec.pid < 0 ? bench_fail("fork: %s", strerror(errno)) : 0;
}

static int spawn_secondary(const struct area *a)
{
	int down[2], up[2]; /* primary -> secondary, secondary -> primary */
	struct sec_report r;
	int rc;

	if (bench_pipe_pair(down, up) < 0)
		return -1;
	*(volatile uint64_t *)((char *)a->va + a->len - 8) = MAGIC;
	rc = fork_secondary(a, down, up);
	close(down[0]);
	close(up[1]);
	sec.to = down[1];
	sec.from = up[0];
	if (rc < 0)
		return -1;
	if (bench_read_full(sec.from, &r, sizeof(r), PIPE_TIMEOUT_MS) < 0)
		return bench_fail("the secondary did not report its start");
	return r.stage == ST_OK ? 0 : sec_failed(&r);
}

/* Have the secondary run command c; its two timings, in us. */
static int sec_command(char c, double *attach_us, double *detach_us)
{
	struct sec_report r;

	if (bench_write_full(sec.to, &c, 1) < 0)
		return bench_fail("the secondary is gone");
	if (bench_read_full(sec.from, &r, sizeof(r), PIPE_TIMEOUT_MS) < 0)
		return bench_fail("the secondary sent no report");
	if (r.stage != ST_OK)
		return sec_failed(&r);
	*attach_us = (double)r.ns[0] / 1e3;
	*detach_us = (double)r.ns[1] / 1e3;
	return 0;
}

/* ---- 1, 2. add / attach / detach / remove, register / unregister ---- */

/* The user's own steps on the same memfd: v[F_MMAP..F_MUNMAP_POP]. */
static int user_maps(const struct area *a, double *v)
{
	for (int pop = 0; pop < 2; pop++) {
		uint64_t t0 = bench_now_ns();
		void *p = mmap(NULL, a->len, PROT_READ | PROT_WRITE, MAP_SHARED |
				(pop ? MAP_POPULATE : 0), a->fd, 0);

		v[pop ? F_MMAP_POP : F_MMAP] = us_since(t0);
		if (p == MAP_FAILED)
			return bench_fail("mmap%s of the memfd: %s", pop ?
					" + MAP_POPULATE" : "", strerror(errno));
		t0 = bench_now_ns();
		if (munmap(p, a->len) < 0)
			return bench_fail("munmap: %s", strerror(errno));
		v[pop ? F_MUNMAP_POP : F_MUNMAP] = us_since(t0);
	}
	return 0;
}

/* Time add (iova NULL: without IOVAs) into *us. */
static int heap_add(const struct area *a, rte_iova_t *iova, double *us)
{
	uint64_t t0 = bench_now_ns();
	int rc = rte_malloc_heap_memory_add(HEAP_NAME, a->va, a->len, iova,
			iova ? a->n_pages : 0, a->page_sz);

	*us = us_since(t0);
	if (rc < 0)
		return bench_fail("rte_malloc_heap_memory_add(1 GiB of %zu KiB "
				"pages%s): %s", a->page_sz >> 10, iova ?
				", IOVAs" : "", rte_strerror(rte_errno));
	area_in = AREA_IN_HEAP;
	return 0;
}

static int heap_remove(const struct area *a, double *us)
{
	uint64_t t0 = bench_now_ns();
	int rc = rte_malloc_heap_memory_remove(HEAP_NAME, a->va, a->len);

	*us = us_since(t0);
	if (rc < 0)
		return bench_fail("rte_malloc_heap_memory_remove: %s",
				rte_strerror(rte_errno));
	area_in = AREA_OWN;
	return 0;
}

/* Register (IOVAs given), have the secondary attach and detach, then
 * unregister: v[F_REG..F_UNREG]. */
static int extmem_round(const struct area *a, double *v)
{
	uint64_t t0 = bench_now_ns();
	int rc = rte_extmem_register(a->va, a->len, a->iova, a->n_pages,
			a->page_sz);

	v[F_REG] = us_since(t0);
	if (rc < 0)
		return bench_fail("rte_extmem_register: %s",
				rte_strerror(rte_errno));
	area_in = AREA_REGISTERED;
	if (sec_command('x', &v[F_XATTACH], &v[F_XDETACH]) < 0)
		return -1;
	t0 = bench_now_ns();
	rc = rte_extmem_unregister(a->va, a->len);
	v[F_UNREG] = us_since(t0);
	if (rc < 0)
		return bench_fail("rte_extmem_unregister: %s",
				rte_strerror(rte_errno));
	area_in = AREA_OWN;
	return 0;
}

/* One repetition: every figure of workload 1 (or 2) into v. */
static int area_round(const struct area *a, double *v)
{
	if (user_maps(a, v) < 0 ||
	    heap_add(a, a->iova, &v[F_ADD_IOVA]) < 0 ||
	    heap_remove(a, &v[F_REMOVE]) < 0 ||
	    heap_add(a, NULL, &v[F_ADD]) < 0 ||
	    sec_command('h', &v[F_ATTACH], &v[F_DETACH]) < 0 ||
	    heap_remove(a, &v[F_REMOVE]) < 0)
		return -1;
	return extmem_round(a, v);
}

static void print_area_header(const char *title)
{
	printf("\n-- %s (medians, us) --\n", title);
	printf("%-44s %11s %11s %9s %9s  %s\n", "figure", "memplane",
			"baseline", "ratio", "x scale", "baseline; scale");
}

/* One row: ours against base (index), and against the scale figure. */
static void print_area_row(const char *name, const double *m, int ours,
		int base, int scale)
{
	printf("%-44s %11.1f %11.1f %8.1fx %8.3fx  %s; %s\n", name, m[ours],
			m[base], m[ours] / m[base], m[ours] / m[scale],
			base == F_MMAP ? "mmap" : "munmap", scale == F_MMAP_POP ?
			"mmap+populate" : "munmap populated");
}

static void print_area(const char *title, double s[N_F][REPS])
{
	static const struct { const char *name; int f, base, scale; } rows[] = {
		{ "rte_malloc_heap_memory_add, IOVAs (= va)", F_ADD_IOVA,
			F_MMAP, F_MMAP_POP },
		{ "rte_malloc_heap_memory_add, no IOVAs", F_ADD, F_MMAP,
			F_MMAP_POP },
		{ "secondary: rte_malloc_heap_memory_attach", F_ATTACH, F_MMAP,
			F_MMAP_POP },
		{ "secondary: rte_malloc_heap_memory_detach", F_DETACH,
			F_MUNMAP, F_MUNMAP_POP },
		{ "rte_malloc_heap_memory_remove", F_REMOVE, F_MUNMAP,
			F_MUNMAP_POP },
		{ "rte_extmem_register, IOVAs (= va)", F_REG, F_MMAP,
			F_MMAP_POP },
		{ "secondary: rte_extmem_attach", F_XATTACH, F_MMAP, F_MMAP_POP },
		{ "secondary: rte_extmem_detach", F_XDETACH, F_MUNMAP,
			F_MUNMAP_POP },
		{ "rte_extmem_unregister", F_UNREG, F_MUNMAP, F_MUNMAP_POP },
	};
	double m[N_F];

	for (int k = 0; k < N_F; k++)
		m[k] = bench_median(s[k], REPS);
	print_area_header(title);
	printf("%-44s %11s %11.1f\n", "user: mmap MAP_SHARED of the memfd", "-",
			m[F_MMAP]);
	printf("%-44s %11s %11.1f\n", "user: munmap of it", "-", m[F_MUNMAP]);
	printf("%-44s %11s %11.1f\n", "user: mmap + MAP_POPULATE (scale)", "-",
			m[F_MMAP_POP]);
	printf("%-44s %11s %11.1f\n", "user: munmap of that (scale)", "-",
			m[F_MUNMAP_POP]);
	for (unsigned int i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		print_area_row(rows[i].name, m, rows[i].f, rows[i].base,
				rows[i].scale);
	printf("   (x scale: memplane / the scale row; the memfd keeps its "
			"pages after the warm-up's MAP_POPULATE, so the scale "
			"rows map resident pages)\n");
}

/* REPS rounds after a warm-up, with a secondary, on area a. */
static int sample_area(const struct area *a, double s[N_F][REPS])
{
	double v[N_F];
	int rc = spawn_secondary(a);

	for (int r = -1; r < REPS && rc == 0; r++) { /* -1: warm-up */
		rc = area_round(a, v);
		for (int k = 0; rc == 0 && r >= 0 && k < N_F; k++)
			s[k][r] = v[k];
	}
	if (stop_secondary() < 0)
		rc = -1;
	return rc;
}

/* Free 2 MiB hugepages, or -1 (with why) when the count is unreadable. */
static long hugepages_free(char *why, size_t len)
{
	FILE *f = fopen(HUGE_FREE_PATH, "r");
	long n = -1;

	if (f == NULL || fscanf(f, "%ld", &n) != 1)
		snprintf(why, len, "cannot read %s: %s", HUGE_FREE_PATH,
				f ? "not a number" : strerror(errno));
	if (f)
		fclose(f);
	return n;
}

/* Workload 1 (page_sz 4 KiB) or 2 (2 MiB). */
static int run_area(size_t page_sz)
{
	static double s[N_F][REPS];
	const char *title = page_sz == HUGE_SZ ? "2. 1 GiB of 2 MiB pages, "
		"memfd MFD_HUGETLB" : "1. 1 GiB of 4 KiB pages, memfd";
	struct area a;
	char why[160];
	bool skip;
	long avail;
	int rc;

	if (page_sz == HUGE_SZ && (avail = hugepages_free(why, sizeof(why))) <
			(long)(AREA_LEN / HUGE_SZ)) {
		if (avail >= 0)
			snprintf(why, sizeof(why), "%ld free 2 MiB hugepages, "
					"%llu needed (as root: make hugepages "
					"PAGES=600)", avail, AREA_LEN / HUGE_SZ);
		printf("\n-- %s: skipped: %s --\n", title, why);
		return 0;
	}
	rc = area_open(&a, page_sz, &skip, why, sizeof(why));
	if (rc == 0 && skip)
		printf("\n-- %s: skipped: %s --\n", title, why);
	else if (rc == 0)
		rc = sample_area(&a, s);
	if (area_close(&a) < 0)
		rc = -1;
	if (rc == 0 && !skip)
		print_area(title, s);
	return rc;
}

/* ---- 3. allocation from the named heap ---- */

static void *blocks[N_BLOCKS];
static uint32_t block_sz[N_BLOCKS];

/* Where a pair or a block comes from: a heap's socket, or glibc. */
#define GLIBC INT_MIN

static void *alloc_from(int socket, size_t sz)
{
	return socket == GLIBC ? malloc(sz) : rte_malloc_socket(NULL, sz, 0,
			socket);
}

static void free_to(int socket, void *p)
{
	if (socket == GLIBC)
		free(p);
	else
		rte_free(p);
}

/* The 64 B pair loop's context: where from, and the errno of a failure. */
struct pair_ctx {
	int socket;
	int err;
};

static long pair(void *ctx, unsigned int i)
{
	struct pair_ctx *c = ctx;
	void *p = alloc_from(c->socket, SMALL_SZ);

	(void)i;
	if (p == NULL)
		c->err = c->socket == GLIBC ? ENOMEM : rte_errno;
	escape(p);
	free_to(c->socket, p);
	return (long)((uintptr_t)p >> 6 & 1);
}

/* ns per pair on socket; -1 (with why) when an allocation failed. */
static double pair_ns(int socket)
{
	struct pair_ctx c = { socket, 0 };
	double ns = bench_ns_per_call(pair, &c);

	if (c.err == 0)
		return ns;
	bench_fail("a 64 B allocation (socket %d) failed: %s", socket,
			rte_strerror(c.err));
	return -1;
}

static uint64_t rng_next(uint64_t *seed)
{
	uint64_t z = (*seed += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Allocate every block, then free them in order: ns per call of each. */
static int random_run(int socket, double *alloc_ns, double *free_ns)
{
	uint64_t t0 = bench_now_ns();
	unsigned int i;

	for (i = 0; i < N_BLOCKS; i++)
		if ((blocks[i] = alloc_from(socket, block_sz[i])) == NULL)
			break;
	*alloc_ns = (double)(bench_now_ns() - t0) / N_BLOCKS;
	if (i < N_BLOCKS)
		bench_fail("allocation %u of %u (%u B) failed: %s", i, N_BLOCKS,
				block_sz[i], socket == GLIBC ? strerror(errno) :
				rte_strerror(rte_errno));
	t0 = bench_now_ns();
	for (unsigned int j = 0; j < i; j++)
		free_to(socket, blocks[j]);
	*free_ns = (double)(bench_now_ns() - t0) / N_BLOCKS;
	return i == N_BLOCKS ? 0 : -1;
}

/* Whether every block of the last run lay inside [lo, lo + len) (in
 * true) or outside it; checked on the addresses only. */
static bool blocks_inside(const char *lo, size_t len, bool in)
{
	for (unsigned int i = 0; i < N_BLOCKS; i++) {
		const char *p = blocks[i];

		if ((p >= lo && p < lo + len) != in)
			return false;
	}
	return true;
}

/* Samples of workload 3, per source: pair ns, alloc ns, free ns. */
enum { SRC_NAMED, SRC_SOCKET, SRC_GLIBC, N_SRC };
enum { K_PAIR, K_ALLOC, K_FREE, N_K };

static int sample_alloc(const int *src, const struct area *a,
		double s[N_SRC][N_K][REPS])
{
	double v[N_K];

	for (int r = -1; r < REPS; r++) { /* -1: warm-up */
		for (int k = 0; k < N_SRC; k++) {
			v[K_PAIR] = pair_ns(src[k]);
			if (v[K_PAIR] < 0 ||
			    random_run(src[k], &v[K_ALLOC], &v[K_FREE]) < 0)
				return -1;
			if (k != SRC_GLIBC && !blocks_inside(a->va, a->len,
					k == SRC_NAMED))
				return bench_fail("a block of the %s heap lies "
						"%s the external area", k ?
						"socket" : "named", k ?
						"inside" : "outside");
			for (int j = 0; r >= 0 && j < N_K; j++)
				s[k][j][r] = v[j];
		}
	}
	return 0;
}

static void print_alloc(double s[N_SRC][N_K][REPS])
{
	static const char *const src_names[N_SRC] = { "named heap",
		"socket heap", "glibc" };
	static const char *const k_names[N_K] = { "64 B alloc+free pair",
		"random 16..4096 x 100k: alloc", "random 16..4096 x 100k: free" };
	double m[N_SRC][N_K];

	for (int k = 0; k < N_SRC; k++)
		for (int j = 0; j < N_K; j++)
			m[k][j] = bench_median(s[k][j], REPS);
	printf("\n-- 3. allocation: a named heap holding 1 GiB of 4 KiB "
			"external pages, the socket heap (SOCKET_ID_ANY), glibc "
			"(medians, ns per pair / call) --\n");
	printf("%-46s %11s %11s %9s  %s\n", "figure", "memplane", "baseline",
			"ratio", "baseline");
	for (int j = 0; j < N_K; j++) {
		for (int k = 0; k < N_SRC; k++) {
			char name[96];
			int base = k == SRC_NAMED ? SRC_SOCKET : SRC_GLIBC;

			snprintf(name, sizeof(name), "%s, %s", k_names[j],
					src_names[k]);
			if (k == SRC_GLIBC)
				printf("%-46s %11s %11.1f\n", name, "-", m[k][j]);
			else
				printf("%-46s %11.1f %11.1f %8.2fx  %s\n", name,
						m[k][j], m[base][j], m[k][j] /
						m[base][j], src_names[base]);
		}
	}
	printf("   (a named heap takes the locked path, by design: no "
			"per-thread cache, since its memory may leave a process "
			"on detach and a cached block would outlive it; the "
			"socket heap has -m %s of kept pages; glibc runs with "
			"M_TRIM_THRESHOLD huge)\n", PRE_MB);
}

/* Workload 3 with one block held on each heap all along, as a running
 * program has (an idle socket heap would give its page back). */
static int run_alloc_on(const struct area *a, int named)
{
	static double s[N_SRC][N_K][REPS];
	const int src[N_SRC] = { named, SOCKET_ID_ANY, GLIBC };
	void *held[2] = { rte_malloc_socket(NULL, SMALL_SZ, 0, named),
		rte_malloc_socket(NULL, SMALL_SZ, 0, SOCKET_ID_ANY) };
	uint64_t seed = SEED;
	int rc = 0;

	if (held[0] == NULL || held[1] == NULL)
		rc = bench_fail("rte_malloc_socket(%d) on the %s heap: %s",
				SMALL_SZ, held[0] ? "socket" : "named",
				rte_strerror(rte_errno));
	for (unsigned int i = 0; i < N_BLOCKS; i++)
		block_sz[i] = RAND_MIN_SZ + (uint32_t)(rng_next(&seed) %
				(RAND_MAX_SZ - RAND_MIN_SZ + 1));
	mallopt(M_TRIM_THRESHOLD, INT_MAX);
	if (rc == 0)
		rc = sample_alloc(src, a, s);
	rte_free(held[0]);
	rte_free(held[1]);
	if (rc == 0)
		print_alloc(s);
	return rc;
}

static int run_alloc(void)
{
	struct area a;
	char why[160];
	bool skip;
	double us;
	int socket = -1, rc;

	rc = area_open(&a, SMALL_PAGE_SZ, &skip, why, sizeof(why));
	if (rc == 0)
		rc = heap_add(&a, NULL, &us);
	if (rc == 0 && ((socket = rte_malloc_heap_get_socket(HEAP_NAME)) < 0 ||
			rte_malloc_heap_socket_is_external(socket) != 1))
		rc = bench_fail("the socket of heap %s: %s", HEAP_NAME,
				socket < 0 ? rte_strerror(rte_errno) :
				"not external");
	if (rc == 0)
		rc = run_alloc_on(&a, socket);
	if (rc == 0)
		rc = heap_remove(&a, &us);
	if (area_close(&a) < 0)
		rc = -1;
	return rc;
}

/* ---- set-up and clean-up ---- */

/* Say where the page tables' files live: on a disk file system, taking
 * a table out pays for its writeback and discard. */
static void print_rundir(const char *dir)
{
	struct statfs sfs;

	if (statfs(dir, &sfs) < 0)
		printf("runtime directory %s: statfs: %s\n", dir, strerror(errno));
	else if (sfs.f_type == TMPFS_MAGIC_)
		printf("runtime directory %s: tmpfs\n", dir);
	else
		printf("runtime directory %s: not tmpfs (f_type %#lx): the page "
				"tables of external memory are files on it, and "
				"remove/unregister/detach pay for their writeback "
				"and discard\n", dir, (unsigned long)sfs.f_type);
}


static int start_eal(void)
{
	char a0[] = "bench_extmem", a1[] = "--file-prefix", a3[] = "-l",
		a5[] = "--no-huge", a6[] = "-m", a7[] = PRE_MB, lcore[16];
	char *eargv[] = { a0, a1, prefix, a3, lcore, a5, a6, a7, NULL };

	snprintf(lcore, sizeof(lcore), "%d", cpu_a);
	fflush(NULL);
	if (rte_eal_init(8, eargv) < 0)
		return bench_fail("rte_eal_init as primary: %s",
				rte_strerror(rte_errno));
	if (rte_malloc_heap_create(HEAP_NAME) < 0) {
		bench_fail("rte_malloc_heap_create(%s): %s", HEAP_NAME,
				rte_strerror(rte_errno));
		rte_eal_cleanup();
		return -1;
	}
	return 0;
}

static int run_all(void)
{
	if (run_area(SMALL_PAGE_SZ) < 0 || run_area(HUGE_SZ) < 0)
		return -1;
	return run_alloc();
}

static int primary_main(void)
{
	char rundir[PATH_MAX] = "", how[128];
	ssize_t len = readlink("/proc/self/exe", exe_path,
			sizeof(exe_path) - 1);
	uint64_t t_start = bench_now_ns();
	struct stat st;
	int rc;

	snprintf(how, sizeof(how), "median of %d timed repetitions after 1 "
			"warm-up, runtime --no-huge -m %s", REPS, PRE_MB);
	bench_print_machine_how("bench_extmem", how);
	if (len <= 0)
		return bench_fail("readlink /proc/self/exe: %s", strerror(errno));
	exe_path[len] = '\0';
	snprintf(prefix, sizeof(prefix), "bextmem%d_", (int)getpid());
	signal(SIGPIPE, SIG_IGN);
	if (bench_pick_cpus(&launch_cpus, &cpu_a, &cpu_b) < 0 || start_eal() < 0)
		return -1;
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	print_rundir(rundir);
	rc = run_all();
	rc |= stop_secondary();
	if (rte_malloc_heap_destroy(HEAP_NAME) < 0)
		rc = bench_fail("rte_malloc_heap_destroy(%s): %s", HEAP_NAME,
				rte_strerror(rte_errno));
	if (rte_eal_cleanup() < 0)
		rc = bench_fail("rte_eal_cleanup: %s", rte_strerror(rte_errno));
	if (rundir[0] && stat(rundir, &st) == 0)
		rc = bench_fail("the runtime directory %s was left behind",
				rundir);
	printf("\ntotal run %.1f s\n", (double)(bench_now_ns() - t_start) / 1e9);
	return rc;
}

int main(int argc, char **argv)
{
	bench_who = "bench_extmem";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 9 && strcmp(argv[1], "--secondary") == 0)
		return secondary_main(argv);
	if (argc != 1) {
		fprintf(stderr, "usage: %s\n", argv[0]);
		return 2;
	}
	return primary_main() < 0 ? 1 : 0;
}
