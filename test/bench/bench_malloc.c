/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * bench_malloc: the heaps and memzones (SPEC §10), each figure against a
 * baseline measured in the same invocation.
 *
 *   1. rte_malloc(64)+rte_free pairs, one thread, ns per pair, on a heap
 *      in use (one other block allocated, as in any running program);
 *      baseline glibc malloc(64)+free. Also shown without a target: the
 *      same on an empty heap, where each free leaves the heap idle and it
 *      gives its page back (as DPDK's does).
 *   2. 100,000 blocks of random sizes in 16..4096 B (fixed seed, the same
 *      sizes for both): allocate them all, then free them all in the
 *      order allocated; ns per alloc and per free. Baseline glibc with
 *      M_TRIM_THRESHOLD set huge (no trim).
 *   3. (on a heap in use, as 1) the 64 B pair loop run by 1 thread, by 2
 *      lcore threads of one process, and by 2 processes (this primary and a secondary, one
 *      thread each, both on the heap of the primary's socket); total M
 *      pairs/s. The go (through a pipe to the secondary) carries a start
 *      time on CLOCK_MONOTONIC, which every process shares: all start
 *      then and count their pairs in the same 10 ms windows, and a run's
 *      figure is the median window's total. Baselines: glibc on 1 and on
 *      2 lcore threads.
 *   4. rte_malloc of 64 MiB / 256 MiB / 1 GiB from an empty heap (the
 *      heap grows: pages are mapped) and its rte_free (pages given back),
 *      ms. Each request is 64 KiB short of the size so that, header
 *      included, it takes exactly size / page size pages. Baseline: the
 *      same memory mapped and populated, then unmapped, by hand (hugetlbfs
 *      files of one page each; a memfd with --no-huge).
 *   5. 1000 memzones of 64 KiB: reserve each, look each up, free each,
 *      us per call. Baselines: rte_malloc / rte_free of 64 KiB (the heap's
 *      share of a reserve) and a linear strncmp scan of the 1000 names.
 *
 * The heap gives its pages back when a free leaves enough of them free,
 * and all of them when it is idle, so each run of 2 and 5 starts from an
 * empty heap and pays for mapping (and the kernel's zeroing of) fresh
 * pages, while glibc keeps its memory. To show the allocator's own cost
 * next to that, 2 and 5 also run in a child (a re-exec with its own
 * --file-prefix) started with -m 512 (-m 256 with --no-huge): start-up
 * memory, which the heap never gives back. The child measures its
 * baselines itself and sends all its samples through a pipe; we print
 * them as the "-m" rows. It runs while we are idle, after workload 4, and
 * is skipped (with a note) when fewer than 256 hugepages are free.
 *
 * Memory: 2 MiB hugepages from HUGE_DIR when at least MIN_HUGE_FREE are
 * free, else --no-huge (4 KiB pages); the bench says which and why.
 * Workload 4 runs first, on the heap as rte_eal_init left it; a size that
 * does not fit the free hugepages is skipped with a note.
 *
 * Every figure is the median of REPS timed runs after one warm-up, the
 * baseline's runs interleaved with ours. Timings are printed against the
 * targets (ok / MISS), never asserted. A failed call, a wrong lookup, a
 * heap that does not give its pages back, a failing secondary or -m child,
 * or files or a runtime directory left behind fail the bench (exit 1).
 */

#define _GNU_SOURCE
#include <dirent.h>
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
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "bench.h"

#define REPS 5
#define HUGE_DIR "/dev/hugepages"
#define HUGE_SZ (2ull << 20)
#define HUGETLBFS_MAGIC_ 0x958458f6
#define MIN_HUGE_FREE 160u      /* workload 2 takes ~110 pages */
#define SMALL_SZ 64
#define N_BLOCKS 100000u
#define RAND_MIN_SZ 16u
#define RAND_MAX_SZ 4096u
#define SEED 0x6d616c6c6f63ull
#define TP_WINDOWS 20u          /* workload 3: windows of one run */
#define TP_WINDOW_NS 10000000ull
#define TP_LEAD_NS 20000000ull  /* from the go to the common start */
#define TP_CHUNK 64u            /* pairs between two clock reads */
#define GROW_SLACK (64u << 10)
#define MAX_GROW_PAGES 512u
#define N_MZ 1000u
#define MZ_SZ (64u << 10)
#define LOOKUP_PASSES 10u
#define PIPE_TIMEOUT_MS 20000   /* a bound against a hung child */
#define CHILD_EXIT_TRIES 500    /* 10 ms apart, then SIGKILL */
#define PRE_MB_HUGE 512u        /* -m of the child, in MiB */
#define PRE_MB_NO_HUGE 256u     /* the same with --no-huge */
#define PRE_SUFFIX "m"          /* its --file-prefix: ours and this */

/* One line of the table; met is 1 (ok), 0 (MISS) or -1 (no target). */
struct fig {
	const char *name;
	const char *unit;
	double ours;
	double base;            /* 0: no baseline */
	const char *dpdk;       /* DPDK 22.11 on this machine class */
	const char *target;
	int met;
};

/* One thread's run of the pair loop (workload 3). */
struct tp_run {
	bool glibc;
	int32_t socket;
	int32_t failed;         /* errno of a failed allocation */
	uint64_t start_ns;      /* CLOCK_MONOTONIC, the same for all */
	uint64_t pairs[TP_WINDOWS];
};

/* The secondary of workload 3. */
struct secondary {
	pid_t pid;
	int to;         /* a start time: run once; closed: exit */
	int from;       /* its init status, then one struct tp_run per run */
};

/* What the -m child sends back: its samples of workloads 2 and 5. */
struct pre_figs {
	double random[4][REPS];
	size_t held[3];
	double mz[6][REPS];
};

static char exe_path[PATH_MAX];
static char prefix[32];         /* --file-prefix; stem of our file names */
static bool no_huge;
static int cpu_a = -1, cpu_b = -1; /* the main lcore's and the worker's */
static int heap_socket;
static struct secondary sec = { .pid = -1, .to = -1, .from = -1 };
static struct pre_figs pre;
static char pre_mem[16];        /* "-m 512" once pre is filled, else "" */
static char pre_skipped[128];   /* why the child did not run, or "" */
/*
 * The CPUs we were started on: rte_eal_init pins the main thread to its
 * lcore, and our children must not inherit that.
 */
static cpu_set_t launch_cpus;

static void escape(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static double median(double *v)
{
	return bench_median(v, REPS);
}

/* ---- output ---- */

static void print_header(void)
{
	printf("\n%-42s %-8s %10s %10s %8s  %-10s %-26s %s\n", "figure (medians)",
			"unit", "memplane", "baseline", "ratio", "DPDK 22.11",
			"target", "");
}

static void print_fig(const struct fig *f)
{
	char base[24] = "-", ratio[24] = "-";

	if (f->base > 0) {
		snprintf(base, sizeof(base), "%.2f", f->base);
		snprintf(ratio, sizeof(ratio), "%.2fx", f->ours / f->base);
	}
	printf("%-42s %-8s %10.2f %10s %8s  %-10s %-26s %s\n", f->name,
			f->unit, f->ours, base, ratio, f->dpdk ? f->dpdk : "-",
			f->target ? f->target : "-",
			f->met < 0 ? "-" : f->met ? "ok" : "MISS");
}

/* ---- the pair loop (workload 3, in both processes) ---- */

/*
 * From r->start_ns on, 64 B alloc+free pairs for TP_WINDOWS windows of
 * TP_WINDOW_NS, counted per window (lcore_function_t). The clock is the
 * same in every process, so the participants' windows line up.
 */
static int tp_loop(void *arg)
{
	struct tp_run *r = arg;
	uint64_t w;

	memset(r->pairs, 0, sizeof(r->pairs));
	while (bench_now_ns() < r->start_ns)
		;
	for (;;) {
		for (unsigned int k = 0; k < TP_CHUNK; k++) {
			void *p = r->glibc ? malloc(SMALL_SZ) :
				rte_malloc_socket(NULL, SMALL_SZ, 0, r->socket);

			if (p == NULL) {
				r->failed = r->glibc ? ENOMEM : rte_errno;
				return -1;
			}
			escape(p);
			if (r->glibc)
				free(p);
			else
				rte_free(p);
		}
		w = (bench_now_ns() - r->start_ns) / TP_WINDOW_NS;
		if (w >= TP_WINDOWS)
			return 0;
		r->pairs[w] += TP_CHUNK;
	}
}

/*
 * Total M pairs/s of n participants: the median over the windows (a
 * window the hypervisor stole from is an outlier, not the figure).
 */
static double tp_rate(const struct tp_run *r, int n)
{
	double per_window[TP_WINDOWS];

	for (unsigned int w = 0; w < TP_WINDOWS; w++) {
		per_window[w] = 0;
		for (int i = 0; i < n; i++)
			per_window[w] += (double)r[i].pairs[w];
		per_window[w] *= 1e3 / (double)TP_WINDOW_NS;
	}
	return bench_median(per_window, TP_WINDOWS);
}

/* ---- the secondary ---- */

static int secondary_main(char **argv)
{
	char a0[] = "bench_malloc", a1[] = "--proc-type=secondary",
		a2[] = "--file-prefix", a4[] = "-l", a6[] = "--no-huge";
	char *eargv[] = { a0, a1, a2, argv[2], a4, argv[5], a6, NULL };
	struct tp_run r = { .socket = atoi(argv[6]) };
	int rfd = atoi(argv[3]), wfd = atoi(argv[4]);
	int32_t status = 0;

	bench_who = "bench_malloc (secondary)";
	if (rte_eal_init(no_huge ? 7 : 6, eargv) < 0)
		status = rte_errno ? rte_errno : EINVAL;
	if (bench_write_full(wfd, &status, sizeof(status)) < 0 || status)
		return 1;
	while (bench_read_full(rfd, &r.start_ns, sizeof(r.start_ns), -1) == 0) {
		tp_loop(&r);
		if (bench_write_full(wfd, &r, sizeof(r)) < 0)
			break;
	}
	return rte_eal_cleanup() < 0 || r.failed ? 1 : 0;
}

/*
 * Re-exec this binary with argv in a child that dies with us and may run
 * on any of launch_cpus; fd_a and fd_b (-1: none) stay open across the
 * exec. The child's pid, or -1 when fork failed.
 */
static pid_t spawn(char **argv, int fd_a, int fd_b)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sched_setaffinity(0, sizeof(launch_cpus), &launch_cpus);
		fcntl(fd_a, F_SETFD, 0);
		if (fd_b >= 0)
			fcntl(fd_b, F_SETFD, 0);
		execv(exe_path, argv);
		_exit(127);
	}
	return pid;
}

/* Reap pid, killing it if it hangs; 0 if it exited 0. who: "the ...". */
static int reap(pid_t pid, const char *who)
{
	int status = -1;

	for (int i = 0; i < CHILD_EXIT_TRIES; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status == 0 ? 0 : bench_fail("%s failed (wait "
					"status 0x%x)", who, status);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return bench_fail("%s hung at exit: killed", who);
}

static int spawn_secondary(void)
{
	int down[2], up[2]; /* primary -> secondary, secondary -> primary */
	char rfd[16], wfd[16], lcore[16], socket[16];
	char *argv[] = { exe_path, (char *)"--secondary", prefix, rfd, wfd,
			lcore, socket, no_huge ? (char *)"1" : (char *)"0",
			NULL };
	int32_t status;

	if (pipe2(down, O_CLOEXEC) < 0 || pipe2(up, O_CLOEXEC) < 0)
		return bench_fail("pipe: %s", strerror(errno));
	snprintf(rfd, sizeof(rfd), "%d", down[0]);
	snprintf(wfd, sizeof(wfd), "%d", up[1]);
	snprintf(lcore, sizeof(lcore), "%d", cpu_b);
	snprintf(socket, sizeof(socket), "%d", heap_socket);
	sec.pid = spawn(argv, down[0], up[1]);
	close(down[0]);
	close(up[1]);
	sec.to = down[1];
	sec.from = up[0];
	if (sec.pid < 0)
		return bench_fail("fork: %s", strerror(errno));
	if (bench_read_full(sec.from, &status, sizeof(status),
			PIPE_TIMEOUT_MS) < 0)
		return bench_fail("the secondary did not report its start");
	if (status)
		return bench_fail("the secondary's rte_eal_init failed: %s",
				rte_strerror(status));
	return 0;
}

/* Close the pipes and reap it (killing it if it hangs); 0 if it exited 0. */
static int stop_secondary(void)
{
	pid_t pid = sec.pid;

	if (sec.to >= 0)
		close(sec.to);
	if (sec.from >= 0)
		close(sec.from);
	sec.to = sec.from = -1;
	sec.pid = -1;
	return pid > 0 ? reap(pid, "the secondary") : 0;
}

/* ---- 1. 64 B pairs, one thread ---- */

static long rte_pair(void *ctx, unsigned int i)
{
	void *p = rte_malloc(NULL, SMALL_SZ, 0);
	long bit = (long)((uintptr_t)p >> 6 & 1);

	(void)i;
	if (p == NULL)
		*(int *)ctx = rte_errno;
	rte_free(p);
	return bit;
}

static long glibc_pair(void *ctx, unsigned int i)
{
	void *p = malloc(SMALL_SZ);
	long bit = (long)((uintptr_t)p >> 6 & 1);

	(void)ctx;
	(void)i;
	escape(p);
	free(p);
	return bit;
}

/*
 * The pairs on a heap in use (one other block held all along, as any
 * running program has, and as DPDK's own EAL keeps blocks in its heap),
 * then, with no target, on an otherwise empty heap: there each free
 * leaves the heap idle, so it gives its page back and the next allocation
 * maps it again, as DPDK's does.
 */
static int run_pairs(void)
{
	double ours[REPS], held[REPS], base[REPS];
	void *hold;
	int err = 0;

	for (int r = 0; r < REPS && err == 0; r++) {
		base[r] = bench_ns_per_call(glibc_pair, NULL);
		ours[r] = bench_ns_per_call(rte_pair, &err);
		if ((hold = rte_malloc(NULL, SMALL_SZ, 0)) == NULL)
			err = rte_errno;
		held[r] = bench_ns_per_call(rte_pair, &err);
		rte_free(hold);
	}
	if (err)
		return bench_fail("rte_malloc(%d) failed: %s", SMALL_SZ,
				rte_strerror(err));
	print_fig(&(struct fig){ .name = "1. 64 B malloc+free pair, 1 thread",
		.unit = "ns/pair", .ours = median(held), .base = median(base),
		.dpdk = "136 (20)", .target = "<= 2x glibc",
		.met = median(held) <= 2 * median(base) });
	print_fig(&(struct fig){ .name = "1. the same on an empty heap",
		.unit = "ns/pair", .ours = median(ours), .base = median(base),
		.met = -1 });
	return 0;
}

/* ---- 2. 100,000 random sizes ---- */

static void *blocks[N_BLOCKS];
static uint32_t block_sz[N_BLOCKS];

static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Allocate every block; ns per call, or -1 when one allocation failed. */
static double alloc_all(bool glibc)
{
	uint64_t t0 = bench_now_ns();
	unsigned int i;

	for (i = 0; i < N_BLOCKS; i++) {
		blocks[i] = glibc ? malloc(block_sz[i]) :
				rte_malloc(NULL, block_sz[i], 0);
		if (blocks[i] == NULL)
			break;
	}
	t0 = bench_now_ns() - t0;
	if (i == N_BLOCKS)
		return (double)t0 / N_BLOCKS;
	bench_fail("%s(%u) failed at block %u of %u: %s", glibc ? "malloc" :
			"rte_malloc", block_sz[i], i, N_BLOCKS, glibc ?
			strerror(errno) : rte_strerror(rte_errno));
	while (i-- > 0)
		glibc ? free(blocks[i]) : rte_free(blocks[i]);
	return -1;
}

static double free_all(bool glibc)
{
	uint64_t t0 = bench_now_ns();

	for (unsigned int i = 0; i < N_BLOCKS; i++) {
		if (glibc)
			free(blocks[i]);
		else
			rte_free(blocks[i]);
	}
	return (double)(bench_now_ns() - t0) / N_BLOCKS;
}

/* Bytes the heap of heap_socket holds, or 0 (after saying why). */
static size_t heap_total(void)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats(heap_socket, &st) < 0) {
		bench_fail("rte_malloc_get_socket_stats(%d): %s", heap_socket,
				rte_strerror(rte_errno));
		return 0;
	}
	return st.heap_totalsz_bytes;
}

static double mib(size_t bytes)
{
	return (double)bytes / (1 << 20);
}

/* The rows of workload 2; mem: NULL, or the -m of the child that ran it. */
static void print_random(double s[4][REPS], const size_t *held,
		const char *mem)
{
	double alloc = median(s[0]), alloc_b = median(s[1]);
	double fr = median(s[2]), fr_b = median(s[3]);
	char a[64] = "2. random 16..4096 B x 100k: alloc";
	char f[64] = "2. random 16..4096 B x 100k: free";

	if (mem) {
		snprintf(a, sizeof(a), "2. random ... alloc, %s (preallocated)",
				mem);
		snprintf(f, sizeof(f), "2. random ... free, %s (preallocated)",
				mem);
	}
	print_fig(&(struct fig){ .name = a, .unit = "ns/call", .ours = alloc,
		.base = alloc_b, .dpdk = mem ? NULL : "458 (99)",
		.target = "<= 1.5x glibc (no trim)",
		.met = alloc <= 1.5 * alloc_b });
	print_fig(&(struct fig){ .name = f, .unit = "ns/call", .ours = fr,
		.base = fr_b, .dpdk = mem ? NULL : "565 (170)",
		.target = "<= 1.5x glibc (no trim)", .met = fr <= 1.5 * fr_b });
	printf("   (%s%slast run: the heap held %.1f MiB before the "
			"allocations, %.1f MiB after them, %.1f MiB after the "
			"frees)\n", mem ? mem : "", mem ? ", " : "",
			mib(held[0]), mib(held[1]), mib(held[2]));
}

/* s: ours alloc, glibc alloc, ours free, glibc free; held: see print. */
static int sample_random(double s[4][REPS], size_t held[3])
{
	uint64_t seed = SEED;

	for (unsigned int i = 0; i < N_BLOCKS; i++)
		block_sz[i] = RAND_MIN_SZ + (uint32_t)(rng_next(&seed) %
				(RAND_MAX_SZ - RAND_MIN_SZ + 1));
	mallopt(M_TRIM_THRESHOLD, INT_MAX);
	for (int r = -1; r < REPS; r++) { /* -1: warm-up */
		double ga, gf, ma, mf;

		if ((ga = alloc_all(true)) < 0)
			return -1;
		gf = free_all(true);
		held[0] = heap_total();
		if ((ma = alloc_all(false)) < 0)
			return -1;
		held[1] = heap_total();
		mf = free_all(false);
		held[2] = heap_total();
		if (r >= 0) {
			s[0][r] = ma;
			s[1][r] = ga;
			s[2][r] = mf;
			s[3][r] = gf;
		}
	}
	return 0;
}

static int run_random(void)
{
	double s[4][REPS];
	size_t held[3];

	if (sample_random(s, held) < 0)
		return -1;
	print_random(s, held, NULL);
	if (pre_mem[0])
		print_random(pre.random, pre.held, pre_mem);
	return 0;
}

/* ---- 3. throughput: threads and processes ---- */

/* Both lcores (or only the main one) run the loop; total M pairs/s. */
static int tp_threads(bool glibc, bool two, double *mps)
{
	uint64_t start = bench_now_ns() + TP_LEAD_NS;
	struct tp_run r[2] = {
		{ .glibc = glibc, .socket = heap_socket, .start_ns = start },
		{ .glibc = glibc, .socket = heap_socket, .start_ns = start } };
	int rc = 0;

	if (two && rte_eal_remote_launch(tp_loop, &r[1], (unsigned)cpu_b) < 0)
		return bench_fail("rte_eal_remote_launch: %s",
				rte_strerror(rte_errno));
	tp_loop(&r[0]);
	if (two)
		rte_eal_wait_lcore((unsigned)cpu_b);
	for (int i = 0; i < (two ? 2 : 1); i++)
		if (r[i].failed)
			rc = bench_fail("%s(%d) failed in the pair loop: %s",
					glibc ? "malloc" : "rte_malloc_socket",
					SMALL_SZ, rte_strerror(r[i].failed));
	*mps = tp_rate(r, two ? 2 : 1);
	return rc;
}

/* This process and the secondary, started together; total M pairs/s. */
static int tp_processes(double *mps)
{
	struct tp_run r[2] = { { .socket = heap_socket,
			.start_ns = bench_now_ns() + TP_LEAD_NS } };

	if (bench_write_full(sec.to, &r[0].start_ns, sizeof(r[0].start_ns)) < 0)
		return bench_fail("the secondary is gone");
	tp_loop(&r[0]);
	if (bench_read_full(sec.from, &r[1], sizeof(r[1]), PIPE_TIMEOUT_MS) < 0)
		return bench_fail("the secondary sent no figures");
	if (r[0].failed || r[1].failed)
		return bench_fail("rte_malloc_socket(%d) failed in the pair "
				"loop (%s): %s", SMALL_SZ, r[0].failed ?
				"primary" : "secondary", rte_strerror(
				r[0].failed ? r[0].failed : r[1].failed));
	*mps = tp_rate(r, 2);
	return 0;
}

enum { GLIBC_1, GLIBC_2, OURS_1, OURS_THREADS, OURS_PROCS, N_TP };

static void print_throughput(double s[N_TP][REPS], bool two)
{
	double m[N_TP];

	for (int k = 0; k < (two ? N_TP : OURS_THREADS); k++)
		m[k] = median(s[k]);
	print_fig(&(struct fig){ .name = "3. 64 B pairs, glibc 1 thread",
		.unit = "M/s", .ours = m[GLIBC_1], .met = -1 });
	print_fig(&(struct fig){ .name = "3. 64 B pairs, 1 process alone",
		.unit = "M/s", .ours = m[OURS_1], .base = m[GLIBC_1],
		.dpdk = "6.3", .met = -1 });
	if (!two)
		return;
	print_fig(&(struct fig){ .name = "3. 64 B pairs, glibc 2 threads",
		.unit = "M/s", .ours = m[GLIBC_2], .base = m[GLIBC_1],
		.dpdk = "(85)", .met = -1 });
	print_fig(&(struct fig){ .name = "3. 64 B pairs, 2 threads, total",
		.unit = "M/s", .ours = m[OURS_THREADS], .base = m[GLIBC_2],
		.target = ">= 40", .met = m[OURS_THREADS] >= 40 });
	print_fig(&(struct fig){ .name = "3. 64 B pairs, 2 processes, total",
		.unit = "M/s", .ours = m[OURS_PROCS], .base = m[GLIBC_2],
		.dpdk = "2.75 (85)", .target = ">= 40 and > 1 process",
		.met = m[OURS_PROCS] >= 40 && m[OURS_PROCS] > m[OURS_1] });
}

static int run_throughput(void)
{
	double s[N_TP][REPS], v[N_TP] = { 0 };
	bool two = cpu_b >= 0;

	if (!two)
		printf("   (only one CPU available: the 2-thread and "
				"2-process runs are skipped)\n");
	if (two && spawn_secondary() < 0)
		return -1;
	for (int r = -1; r < REPS; r++) { /* -1: warm-up */
		if (tp_threads(true, false, &v[GLIBC_1]) < 0 ||
		    tp_threads(false, false, &v[OURS_1]) < 0)
			return -1;
		if (two && (tp_threads(true, true, &v[GLIBC_2]) < 0 ||
		    tp_threads(false, true, &v[OURS_THREADS]) < 0 ||
		    tp_processes(&v[OURS_PROCS]) < 0))
			return -1;
		for (int k = 0; r >= 0 && k < N_TP; k++)
			s[k][r] = v[k];
	}
	print_throughput(s, two);
	return two ? stop_secondary() : 0;
}

/* ---- 4. growing and shrinking the heap ---- */

struct raw_mem {
	unsigned int n;                 /* mappings: pages, or 1 memfd */
	int fd[MAX_GROW_PAGES];
	void *addr[MAX_GROW_PAGES];
};

static void raw_path(char *buf, size_t len, unsigned int i)
{
	snprintf(buf, len, "%s/%sbase_%u", HUGE_DIR, prefix, i);
}

/* One mapping of len bytes: a hugetlbfs file (i-th), or a memfd. */
static int raw_map_one(struct raw_mem *m, unsigned int i, size_t len)
{
	char path[PATH_MAX] = "memfd";

	if (!no_huge)
		raw_path(path, sizeof(path), i);
	m->fd[i] = no_huge ? memfd_create("bench_malloc", MFD_CLOEXEC) :
		open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (m->fd[i] < 0)
		return bench_fail("open %s: %s", path, strerror(errno));
	m->n = i + 1;
	if (fallocate(m->fd[i], 0, 0, (off_t)len) < 0)
		return bench_fail("fallocate %s: %s", path, strerror(errno));
	m->addr[i] = mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_POPULATE, m->fd[i], 0);
	if (m->addr[i] == MAP_FAILED)
		return bench_fail("mmap %s: %s", path, strerror(errno));
	return 0;
}

static void raw_release(struct raw_mem *m, size_t len)
{
	char path[PATH_MAX];

	for (unsigned int i = 0; i < m->n; i++) {
		if (m->addr[i] != MAP_FAILED)
			munmap(m->addr[i], len);
		close(m->fd[i]);
		raw_path(path, sizeof(path), i);
		if (!no_huge)
			unlink(path);
	}
	m->n = 0;
}

/* Baseline: map and populate sz bytes, then give them back; ns of each. */
static int raw_grow(size_t sz, uint64_t ns[2])
{
	static struct raw_mem m;
	unsigned int n = no_huge ? 1 : (unsigned int)(sz / HUGE_SZ);
	size_t len = no_huge ? sz : HUGE_SZ;
	uint64_t t0 = bench_now_ns();
	int rc = 0;

	for (unsigned int i = 0; i < n && rc == 0; i++) {
		m.addr[i] = MAP_FAILED;
		rc = raw_map_one(&m, i, len);
	}
	ns[0] = bench_now_ns() - t0;
	t0 = bench_now_ns();
	raw_release(&m, len);
	ns[1] = bench_now_ns() - t0;
	return rc;
}

/*
 * rte_malloc of sz - GROW_SLACK and its rte_free; ns of each. 1 when it
 * failed with ENOMEM and may_skip, 0, or -1 on any other failure.
 */
static int heap_grow(size_t sz, bool may_skip, uint64_t ns[2])
{
	size_t before = heap_total(), len = sz - GROW_SLACK, after, end;
	uint64_t t0 = bench_now_ns();
	volatile char *p = rte_malloc(NULL, len, 0);

	ns[0] = bench_now_ns() - t0;
	if (p == NULL && rte_errno == ENOMEM && may_skip)
		return 1;
	if (p == NULL)
		return bench_fail("rte_malloc(%zu) from a heap of %.1f MiB: %s",
				len, mib(before), rte_strerror(rte_errno));
	p[0] = 1;
	p[len - 1] = 2;
	after = heap_total();
	t0 = bench_now_ns();
	rte_free((void *)p);
	ns[1] = bench_now_ns() - t0;
	end = heap_total();
	if (end > before)
		return bench_fail("rte_free of %zu B gave back %.1f of the "
				"%.1f MiB the heap grew by", len,
				mib(after - end), mib(after - before));
	return 0;
}

static long hugepages_free(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long n = -1;

	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "HugePages_Free: %ld", &n);
	if (f)
		fclose(f);
	return n;
}

static void print_grow(const char *size, double s[4][REPS])
{
	char name[64];
	double grow = median(s[0]), rel = median(s[1]);
	double grow_b = median(s[2]), rel_b = median(s[3]);
	bool gib = strcmp(size, "1 GiB") == 0 && !no_huge;

	snprintf(name, sizeof(name), "4. rte_malloc %s, heap grows", size);
	print_fig(&(struct fig){ .name = name, .unit = "ms", .ours = grow,
		.base = grow_b, .dpdk = gib ? "153 (130)" : NULL,
		.target = "<= 1.1x map+populate", .met = grow <= 1.1 * grow_b });
	snprintf(name, sizeof(name), "4. rte_free %s, pages given back", size);
	print_fig(&(struct fig){ .name = name, .unit = "ms", .ours = rel,
		.base = rel_b, .dpdk = gib ? "131 (8)" : NULL,
		.target = "<= 2x munmap(+unlink)", .met = rel <= 2 * rel_b });
}

/* One size: 1 warm-up, REPS timed runs. 0, 1 when skipped, or -1. */
static int grow_size(size_t sz, const char *size)
{
	double s[4][REPS];
	uint64_t ours[2], base[2];

	for (int r = -1; r < REPS; r++) {
		int rc = heap_grow(sz, no_huge && r < 0, ours);

		if (rc == 1) {
			printf("   %s: skipped: rte_malloc says ENOMEM (with "
					"--no-huge a block must fit one memseg "
					"list of 65536 4 KiB pages)\n", size);
			return 1;
		}
		if (rc < 0 || raw_grow(sz, base) < 0)
			return -1;
		for (int k = 0; r >= 0 && k < 2; k++) {
			s[k][r] = (double)ours[k] / 1e6;
			s[k + 2][r] = (double)base[k] / 1e6;
		}
	}
	print_grow(size, s);
	return 0;
}

static int run_grow(void)
{
	static const size_t sizes[] = { 64ull << 20, 256ull << 20, 1ull << 30 };
	static const char *const names[] = { "64 MiB", "256 MiB", "1 GiB" };

	printf("   (heap before: %.1f MiB; %s)\n", mib(heap_total()), no_huge ?
			"4 KiB pages (--no-huge), baseline: a memfd, "
			"fallocate + mmap(MAP_POPULATE), then munmap + close" :
			"2 MiB pages, baseline: one hugetlbfs file per page, "
			"fallocate + mmap(MAP_POPULATE), then munmap + close "
			"+ unlink");
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		long avail = no_huge ? LONG_MAX : hugepages_free();
		long need = (long)(sizes[i] / HUGE_SZ);

		if (avail < need) {
			printf("   %s: skipped: needs %ld free 2 MiB hugepages, "
					"%ld are free (as root: make hugepages "
					"PAGES=600)\n", names[i], need, avail);
			continue;
		}
		if (grow_size(sizes[i], names[i]) < 0)
			return -1;
	}
	return 0;
}

/* ---- 5. memzones ---- */

static char mz_names[N_MZ][RTE_MEMZONE_NAMESIZE];
static const struct rte_memzone *mzs[N_MZ];

static int mz_free_all(unsigned int n)
{
	int rc = 0;

	for (unsigned int i = 0; i < n; i++)
		if (rte_memzone_free(mzs[i]) != 0 && rc == 0)
			rc = bench_fail("rte_memzone_free(%s): %s",
					mz_names[i], rte_strerror(rte_errno));
	return rc;
}

static int mz_reserve_all(void)
{
	for (unsigned int i = 0; i < N_MZ; i++) {
		mzs[i] = rte_memzone_reserve(mz_names[i], MZ_SZ, SOCKET_ID_ANY, 0);
		if (mzs[i] == NULL || mzs[i]->len < MZ_SZ) {
			bench_fail("rte_memzone_reserve(%s, %u) #%u: %s",
					mz_names[i], MZ_SZ, i, mzs[i] ?
					"too short" : rte_strerror(rte_errno));
			mz_free_all(mzs[i] ? i + 1 : i);
			return -1;
		}
	}
	return 0;
}

/* LOOKUP_PASSES lookups of each name; the misses. */
static unsigned int mz_lookup_all(void)
{
	unsigned int bad = 0;

	for (unsigned int p = 0; p < LOOKUP_PASSES; p++)
		for (unsigned int i = 0; i < N_MZ; i++)
			bad += rte_memzone_lookup(mz_names[i]) != mzs[i];
	return bad;
}

/* The baseline lookup: scan the names in order, as a plain table would. */
static unsigned int naive_lookup_all(void)
{
	unsigned int bad = 0, j;

	for (unsigned int p = 0; p < LOOKUP_PASSES; p++) {
		for (unsigned int i = 0; i < N_MZ; i++) {
			escape(mz_names[i]);
			for (j = 0; j < N_MZ; j++)
				if (!strncmp(mz_names[j], mz_names[i],
						RTE_MEMZONE_NAMESIZE))
					break;
			bad += j != i;
		}
	}
	return bad;
}

/* One run: us per reserve, lookup, free. */
static int mz_run(double us[3])
{
	uint64_t t0 = bench_now_ns();
	unsigned int bad;

	if (mz_reserve_all() < 0)
		return -1;
	us[0] = (double)(bench_now_ns() - t0) / 1e3 / N_MZ;
	t0 = bench_now_ns();
	bad = mz_lookup_all();
	us[1] = (double)(bench_now_ns() - t0) / 1e3 / N_MZ / LOOKUP_PASSES;
	t0 = bench_now_ns();
	if (mz_free_all(N_MZ) < 0)
		return -1;
	us[2] = (double)(bench_now_ns() - t0) / 1e3 / N_MZ;
	if (bad)
		return bench_fail("%u lookups did not find their memzone", bad);
	if (rte_memzone_lookup(mz_names[0]) != NULL || rte_errno != ENOENT)
		return bench_fail("a freed memzone is still found");
	return 0;
}

/* Baselines: us per rte_malloc and rte_free of MZ_SZ, per naive lookup. */
static int mz_base_run(double us[3])
{
	uint64_t t0 = bench_now_ns();
	unsigned int i;

	for (i = 0; i < N_MZ; i++)
		if ((blocks[i] = rte_malloc(NULL, MZ_SZ, 0)) == NULL)
			break;
	us[0] = (double)(bench_now_ns() - t0) / 1e3 / N_MZ;
	t0 = bench_now_ns();
	if (naive_lookup_all() != 0)
		bench_fail("the naive lookup is wrong");
	us[1] = (double)(bench_now_ns() - t0) / 1e3 / N_MZ / LOOKUP_PASSES;
	t0 = bench_now_ns();
	for (unsigned int j = 0; j < i; j++)
		rte_free(blocks[j]);
	us[2] = (double)(bench_now_ns() - t0) / 1e3 / N_MZ;
	return i == N_MZ ? 0 : bench_fail("rte_malloc(%u) #%u: %s", MZ_SZ, i,
			rte_strerror(rte_errno));
}

/* The rows of workload 5; mem: NULL, or the -m of the child that ran it. */
static void print_memzones(double s[6][REPS], const char *mem)
{
	char name[3][64] = { "5. memzone reserve 64 KiB (of 1000)",
		"5. memzone lookup among 1000", "5. memzone free 64 KiB (of 1000)" };
	double m[6];

	for (int k = 0; k < 6; k++)
		m[k] = median(s[k]);
	if (mem) {
		snprintf(name[0], sizeof(name[0]), "5. memzone reserve 64 KiB, "
				"%s", mem);
		snprintf(name[1], sizeof(name[1]), "5. memzone lookup among "
				"1000, %s", mem);
		snprintf(name[2], sizeof(name[2]), "5. memzone free 64 KiB, %s",
				mem);
	}
	print_fig(&(struct fig){ .name = name[0], .unit = "us/call",
		.ours = m[0], .base = m[3], .dpdk = mem ? NULL : "20",
		.target = "<= 3 us", .met = m[0] <= 3 });
	print_fig(&(struct fig){ .name = name[1], .unit = "us/call",
		.ours = m[1], .base = m[4], .dpdk = mem ? NULL : "9.6",
		.target = "<= 0.2 us", .met = m[1] <= 0.2 });
	print_fig(&(struct fig){ .name = name[2], .unit = "us/call",
		.ours = m[2], .base = m[5], .met = -1 });
}

/* s: ours reserve, lookup, free; the baselines of each. */
static int sample_memzones(double s[6][REPS])
{
	double v[6];

	for (unsigned int i = 0; i < N_MZ; i++)
		snprintf(mz_names[i], sizeof(mz_names[i]), "bench_mz_%u", i);
	for (int r = -1; r < REPS; r++) { /* -1: warm-up */
		if (mz_base_run(&v[3]) < 0 || mz_run(&v[0]) < 0)
			return -1;
		for (int k = 0; r >= 0 && k < 6; k++)
			s[k][r] = v[k];
	}
	return 0;
}

static int run_memzones(void)
{
	double s[6][REPS];

	if (sample_memzones(s) < 0)
		return -1;
	print_memzones(s, NULL);
	if (pre_mem[0])
		print_memzones(pre.mz, pre_mem);
	printf("   (baselines: rte_malloc / rte_free of 64 KiB, and a linear "
			"strncmp scan of the 1000 names%s)\n", pre_mem[0] ?
			"; for the -m rows, measured in the -m child" : "");
	return 0;
}

/* ---- 2 and 5 on start-up memory: the -m child ---- */

static unsigned int pre_mb(void)
{
	return no_huge ? PRE_MB_NO_HUGE : PRE_MB_HUGE;
}

/* The child: init with -m, workloads 2 and 5, their samples to the pipe. */
static int prealloc_main(char **argv)
{
	char a0[] = "bench_malloc", a1[] = "--file-prefix", a3[] = "-l",
		a5[] = "-m", a7[] = "--huge-dir", a8[] = HUGE_DIR,
		a9[] = "--no-huge", mb[16];
	char *eargv[] = { a0, a1, argv[2], a3, argv[4], a5, mb, a7, a8, NULL };
	int rc;

	bench_who = "bench_malloc (-m child)";
	snprintf(mb, sizeof(mb), "%u", pre_mb());
	if (no_huge) {
		eargv[7] = a9;
		eargv[8] = NULL;
	}
	if (rte_eal_init(no_huge ? 8 : 9, eargv) < 0)
		return bench_fail("rte_eal_init with -m %s: %s", mb,
				rte_strerror(rte_errno));
	heap_socket = (int)rte_socket_id();
	rc = sample_random(pre.random, pre.held);
	if (rc == 0)
		rc = sample_memzones(pre.mz);
	if (rc == 0 && bench_write_full(atoi(argv[3]), &pre, sizeof(pre)) < 0)
		rc = bench_fail("write to the bench: %s", strerror(errno));
	if (rte_eal_cleanup() < 0)
		rc = bench_fail("rte_eal_cleanup: %s", rte_strerror(rte_errno));
	return rc;
}

/* Start the child on our main lcore's CPU; its pid and *rfd, or -1. */
static pid_t spawn_prealloc(int *rfd)
{
	char pfx[sizeof(prefix) + sizeof(PRE_SUFFIX)], wfd[16], lcore[16];
	char *argv[] = { exe_path, (char *)"--prealloc", pfx, wfd, lcore,
			no_huge ? (char *)"1" : (char *)"0", NULL };
	int fds[2], err;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return bench_fail("pipe: %s", strerror(errno));
	snprintf(pfx, sizeof(pfx), "%s%s", prefix, PRE_SUFFIX);
	snprintf(wfd, sizeof(wfd), "%d", fds[1]);
	snprintf(lcore, sizeof(lcore), "%d", cpu_a);
	pid = spawn(argv, fds[1], -1);
	err = errno;
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return bench_fail("fork: %s", strerror(err));
	}
	*rfd = fds[0];
	return pid;
}

/*
 * Run the child while we are idle and keep its samples in pre; 0 also
 * when it is skipped (then pre_skipped says why).
 */
static int run_prealloc(void)
{
	long avail = hugepages_free(), need = PRE_MB_HUGE / (HUGE_SZ >> 20);
	char dir[PATH_MAX];
	struct stat st;
	int rfd = -1, rc;
	pid_t pid;

	if (!no_huge && avail < need) {
		snprintf(pre_skipped, sizeof(pre_skipped), "-m %u needs %ld free "
				"2 MiB hugepages, %ld are free (as root: make "
				"hugepages PAGES=600)", PRE_MB_HUGE, need, avail);
		return 0;
	}
	if ((pid = spawn_prealloc(&rfd)) < 0)
		return -1;
	rc = bench_read_full(rfd, &pre, sizeof(pre), PIPE_TIMEOUT_MS);
	close(rfd);
	if (rc < 0)
		bench_fail("the -m child sent no figures");
	rc |= reap(pid, "the -m child");
	/* Ours is <base>/<prefix>, the child's <base>/<prefix>PRE_SUFFIX. */
	snprintf(dir, sizeof(dir), "%s%s", rte_eal_get_runtime_dir(),
			PRE_SUFFIX);
	if (stat(dir, &st) == 0)
		rc = bench_fail("the -m child left its runtime directory %s",
				dir);
	if (rc == 0)
		snprintf(pre_mem, sizeof(pre_mem), "-m %u", pre_mb());
	return rc;
}

/* The lines under the table: what the -m rows are, or why they are not. */
static void print_notes(void)
{
	printf("\n(rows without -m start each run from an empty heap: memplane "
			"gives pages back when the heap is idle, glibc keeps "
			"them)\n");
	if (pre_mem[0])
		printf("(rows with %s: run in a child started with %s, start-up "
				"memory the heap never gives back; their "
				"baselines measured in that child)\n", pre_mem,
				pre_mem);
	else
		printf("(the rows with -m are skipped: %s)\n", pre_skipped);
}

/* ---- set-up and clean-up ---- */

/* Whether HUGE_DIR is a 2 MiB hugetlbfs with enough free pages; why not. */
static bool can_use_hugepages(char *why, size_t len)
{
	struct statfs sfs;
	long avail;

	if (statfs(HUGE_DIR, &sfs) < 0 || sfs.f_type != HUGETLBFS_MAGIC_ ||
	    (uint64_t)sfs.f_bsize != HUGE_SZ) {
		snprintf(why, len, "%s is not a hugetlbfs mount of 2 MiB pages",
				HUGE_DIR);
		return false;
	}
	avail = hugepages_free();
	if (avail < (long)MIN_HUGE_FREE) {
		snprintf(why, len, "only %ld free 2 MiB hugepages, %u needed "
				"(as root: make hugepages PAGES=600)", avail,
				MIN_HUGE_FREE);
		return false;
	}
	snprintf(why, len, "%ld free", avail);
	return true;
}


static int start_eal(void)
{
	char a0[] = "bench_malloc", a1[] = "--file-prefix", a3[] = "-l",
		a5[] = "--huge-dir", a6[] = HUGE_DIR, a7[] = "--no-huge";
	char lcores[32], why[128];
	char *eargv[] = { a0, a1, prefix, a3, lcores, a5, a6, NULL };

	no_huge = !can_use_hugepages(why, sizeof(why));
	if (no_huge) {
		printf("memory: 4 KiB pages (--no-huge), because %s\n", why);
		eargv[5] = a7;
		eargv[6] = NULL;
	} else {
		printf("memory: 2 MiB hugepages in %s (%s)\n", HUGE_DIR, why);
	}
	if (cpu_b >= 0)
		snprintf(lcores, sizeof(lcores), "%d,%d", cpu_a, cpu_b);
	else
		snprintf(lcores, sizeof(lcores), "%d", cpu_a);
	fflush(NULL);
	if (rte_eal_init(no_huge ? 6 : 7, eargv) < 0)
		return bench_fail("rte_eal_init as primary: %s",
				rte_strerror(rte_errno));
	heap_socket = (int)rte_socket_id();
	return 0;
}

static int sweep_files(void)
{
	return bench_sweep_files(HUGE_DIR, prefix);
}

/*
 * Workload 3 on a heap in use, as row 1: one block stays allocated in this
 * process meanwhile. On an otherwise empty heap every pair would leave the
 * heap idle and make it give its page back (row 1's second figure).
 */
static int run_throughput_in_use(void)
{
	void *resident = rte_malloc(NULL, SMALL_SZ, 0);
	int rc;

	if (resident == NULL)
		return bench_fail("rte_malloc(%d) failed: %s", SMALL_SZ,
				rte_strerror(rte_errno));
	rc = run_throughput();
	rte_free(resident);
	return rc;
}

static int run_all(void)
{
	printf("\n-- 4. from an empty heap (runs first) --");
	print_header();
	if (run_grow() < 0 || run_prealloc() < 0)
		return -1;
	printf("\n-- 1, 2, 3, 5 --");
	print_header();
	if (run_pairs() < 0 || run_random() < 0 || run_throughput_in_use() < 0 ||
	    run_memzones() < 0)
		return -1;
	print_notes();
	return 0;
}

static int primary_main(void)
{
	char rundir[PATH_MAX] = "", how[96];
	ssize_t len = readlink("/proc/self/exe", exe_path,
			sizeof(exe_path) - 1);
	uint64_t t_start = bench_now_ns();
	struct stat st;
	int rc, left;

	snprintf(how, sizeof(how), "median of %d timed runs after 1 warm-up",
			REPS);
	bench_print_machine_how("bench_malloc", how);
	if (len <= 0)
		return bench_fail("readlink /proc/self/exe: %s", strerror(errno));
	exe_path[len] = '\0';
	snprintf(prefix, sizeof(prefix), "bmalloc%d_", (int)getpid());
	signal(SIGPIPE, SIG_IGN);
	if (bench_pick_cpus(&launch_cpus, &cpu_a, &cpu_b) < 0)
		return -1;
	rc = start_eal();
	if (rc == 0) {
		snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
		rc = run_all();
		rc |= stop_secondary();
		if (rte_eal_cleanup() < 0)
			rc = bench_fail("rte_eal_cleanup: %s",
					rte_strerror(rte_errno));
	}
	left = no_huge ? 0 : sweep_files();
	if (left)
		rc = bench_fail("%d files with prefix %s were left in %s "
				"(removed)", left, prefix, HUGE_DIR);
	if (rundir[0] && stat(rundir, &st) == 0)
		rc = bench_fail("the runtime directory %s was left behind",
				rundir);
	printf("\ntotal run %.1f s\n", (double)(bench_now_ns() - t_start) / 1e9);
	return rc;
}

int main(int argc, char **argv)
{
	bench_who = "bench_malloc";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 8 && strcmp(argv[1], "--secondary") == 0) {
		no_huge = strcmp(argv[7], "1") == 0;
		return secondary_main(argv);
	}
	if (argc == 6 && strcmp(argv[1], "--prealloc") == 0) {
		no_huge = strcmp(argv[5], "1") == 0;
		return prealloc_main(argv) < 0 ? 1 : 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: %s\n", argv[0]);
		return 2;
	}
	return primary_main() < 0 ? 1 : 0;
}
