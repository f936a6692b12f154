/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * bench_mem: growing and shrinking the group's memory and starting a
 * secondary (SPEC §10), against baselines run in the same invocation.
 *
 *   1. baseline: N files of 2 MiB in the hugetlbfs mount, each opened,
 *      fallocated and mapped MAP_SHARED|MAP_POPULATE ("map"), then
 *      unmapped, closed and unlinked ("release"): what memplane's
 *      file-per-page backend does per page, without its bookkeeping.
 *   2. memplane, as a primary: mem_alloc_pages(2 MiB, socket 0, N) as one
 *      call and as N calls of one page, and mem_free_pages of the same;
 *      interleaved with 1 so that both see the same machine.
 *   3. the same for N/4 pages (256 MiB) in one call, with 0, 1 and 4 idle
 *      secondaries, against the 0-secondary figure.
 *   4. a secondary's rte_eal_init while the primary holds N pages, timed
 *      inside the secondary, against the time from just before fork() to
 *      the first line of the secondary's main() (exec to main).
 *
 * N is 512 (1 GiB) when that many 2 MiB hugepages are free, else what is
 * free (the bench says so). Every figure is the median of REPS timed
 * repetitions after one warm-up. Secondaries are this binary re-executed
 * as `--secondary <prefix> <rfd> <wfd> <fork ns>`; each reports its
 * timings through a pipe and stays idle until the primary closes the
 * other pipe. Timings are reported against the targets, never asserted;
 * a failed call, a page that does not hold a written byte, a secondary
 * that fails, or files left behind fail the bench (exit 1).
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "runtime/mem/mem_private.h"
#include "bench.h"

#define PAGE_SZ (2ull << 20)
#define HUGE_DIR "/dev/hugepages"
#define HUGETLBFS_MAGIC_ 0x958458f6
#define N_FULL 512u          /* 1 GiB */
#define N_SMALL_FULL 128u    /* 256 MiB */
#define REPS 5
#define MAX_SECONDARIES 4
#define PIPE_TIMEOUT_MS 20000 /* a bound against hangs */
#define PEER_WAIT_TRIES 2000  /* 1 ms apart */
#define CHILD_EXIT_TRIES 500  /* 10 ms apart, then SIGKILL */
#define PING_ACTION "bench_mem:ping"

/* What a secondary sends back once its rte_eal_init has returned. */
struct sec_report {
	int32_t status; /* 0, or rte_errno of a failed init */
	int32_t pad;
	uint64_t exec_ns; /* parent's timestamp before fork -> main() */
	uint64_t init_ns; /* rte_eal_init */
};

struct secondary {
	pid_t pid;
	int to;   /* closed: "exit now" */
	int from;
};

/* Medians of one workload, in ms. */
struct pair {
	double map_ms;
	double rel_ms;
};

static char exe_path[PATH_MAX];
static char prefix[32];     /* --file-prefix, also our file names' stem */
static struct secondary secs[MAX_SECONDARIES];
static int n_secs;
/*
 * The CPUs this process was started on. rte_eal_init pins the primary's
 * main thread to lcore 0, and a child would inherit that; a secondary is
 * started with these instead, like one started from a shell (its IPC
 * thread, created before its own lcores are pinned, keeps them).
 */
static cpu_set_t launch_cpus;


static double ms_of(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* Write a byte into each page and read it back: the pages are real. */
static int check_pages(void *const *addrs, unsigned int n, const char *what)
{
	for (unsigned int i = 0; i < n; i++) {
		volatile char *p = addrs[i];

		p[PAGE_SZ - 1] = (char)(i | 1);
		if (p[PAGE_SZ - 1] != (char)(i | 1) || p[0] != 0)
			return bench_fail("%s: page %u does not hold what was "
					"written, or was not zeroed", what, i);
	}
	return 0;
}

/* ---- the pipes ---- */


/* ---- the secondary ---- */

static int reply_at_once(const struct rte_mp_msg *msg, const void *peer)
{
	struct rte_mp_msg reply = { .len_param = 0 };

	snprintf(reply.name, sizeof(reply.name), "%s", msg->name);
	return rte_mp_reply(&reply, peer);
}

static int secondary_main(char **argv)
{
	uint64_t t_main = bench_now_ns(); /* first: "exec to main" ends here */
	char a0[] = "bench_mem", a1[] = "--proc-type=secondary",
		a2[] = "--file-prefix", a4[] = "-l", a5[] = "0";
	char *eargv[] = { a0, a1, a2, argv[2], a4, a5, NULL };
	int rfd = atoi(argv[3]), wfd = atoi(argv[4]);
	struct sec_report rep = { 0 };
	uint64_t t0;
	char c;
	int rc;

	bench_who = "bench_mem (secondary)";
	rep.exec_ns = t_main - strtoull(argv[5], NULL, 10);
	t0 = bench_now_ns();
	rc = rte_eal_init(6, eargv);
	rep.init_ns = bench_now_ns() - t0;
	if (rc < 0)
		rep.status = rte_errno ? rte_errno : EINVAL;
	else if (rte_mp_action_register(PING_ACTION, reply_at_once) < 0)
		rep.status = rte_errno;
	if (bench_write_full(wfd, &rep, sizeof(rep)) < 0 || rc < 0)
		return 1;
	/* Idle until the primary closes its end (or dies: PDEATHSIG). */
	for (;;) {
		ssize_t got = read(rfd, &c, 1);

		if (got == 0 || (got < 0 && errno != EINTR))
			break;
	}
	return rte_eal_cleanup() < 0 || rep.status ? 1 : 0;
}

/* ---- the primary's secondaries ---- */

static int spawn_secondary(struct secondary *s, struct sec_report *rep)
{
	int down[2], up[2]; /* primary -> secondary, secondary -> primary */
	char rfd[16], wfd[16], ts[32];
	char *argv[] = { exe_path, (char *)"--secondary", prefix, rfd, wfd,
			ts, NULL };

	s->pid = -1;
	s->to = s->from = -1;
	if (bench_pipe_pair(down, up) < 0)
		return -1;
	snprintf(rfd, sizeof(rfd), "%d", down[0]);
	snprintf(wfd, sizeof(wfd), "%d", up[1]);
	fflush(NULL);
	snprintf(ts, sizeof(ts), "%llu", (unsigned long long)bench_now_ns());
	s->pid = fork();
	if (s->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sched_setaffinity(0, sizeof(launch_cpus), &launch_cpus);
		fcntl(down[0], F_SETFD, 0);
		fcntl(up[1], F_SETFD, 0);
		execv(exe_path, argv);
		_exit(127);
	}
	close(down[0]);
	close(up[1]);
	s->to = down[1];
	s->from = up[0];
	if (s->pid < 0)
		return bench_fail("fork: %s", strerror(errno));
	if (bench_read_full(s->from, rep, sizeof(*rep), PIPE_TIMEOUT_MS) < 0)
		return bench_fail("the secondary sent no report");
	if (rep->status)
		return bench_fail("the secondary's rte_eal_init failed: %s",
				rte_strerror(rep->status));
	return 0;
}

/* Close the pipe, reap (killing it if it hangs); 0 if it exited 0. */
static int stop_secondary(struct secondary *s)
{
	int status = -1;

	if (s->to >= 0)
		close(s->to);
	if (s->from >= 0)
		close(s->from);
	s->to = s->from = -1;
	for (int i = 0; s->pid > 0 && i < CHILD_EXIT_TRIES; i++) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = -1;
			return status == 0 ? 0 : bench_fail("a secondary failed "
					"(wait status 0x%x)", status);
		}
		usleep(10000);
	}
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		s->pid = -1;
		return bench_fail("a secondary hung at exit: killed");
	}
	return 0;
}

static int stop_all_secondaries(void)
{
	int rc = 0;

	while (n_secs > 0)
		rc |= stop_secondary(&secs[--n_secs]);
	return rc;
}

/* Until the primary's IPC knows all n secondaries (their hello may lag). */
static int wait_for_peers(int n)
{
	for (int i = 0; i < PEER_WAIT_TRIES; i++) {
		struct rte_mp_msg req = { .name = PING_ACTION };
		const struct timespec ts = { .tv_sec = 1 };
		struct rte_mp_reply reply;

		if (rte_mp_request_sync(&req, &reply, &ts) < 0)
			return bench_fail("rte_mp_request_sync: %s",
					rte_strerror(rte_errno));
		free(reply.msgs);
		if (reply.nb_sent == n && reply.nb_received == n)
			return 0;
		usleep(1000);
	}
	return bench_fail("the primary never learnt of its %d secondaries", n);
}

/* Grow the idle secondaries to n. */
static int secondaries_up_to(int n)
{
	struct sec_report rep;

	while (n_secs < n) {
		if (spawn_secondary(&secs[n_secs++], &rep) < 0)
			return -1;
	}
	return wait_for_peers(n);
}

/* ---- 1. baseline: raw hugetlbfs files ---- */

struct raw_files {
	int fd[N_FULL];
	void *addr[N_FULL];
};

static void raw_path(char *buf, size_t len, unsigned int i)
{
	snprintf(buf, len, "%s/%sbase_%u", HUGE_DIR, prefix, i);
}

static int raw_map(struct raw_files *r, unsigned int n, uint64_t *ns)
{
	char path[PATH_MAX];
	uint64_t t0 = bench_now_ns();

	for (unsigned int i = 0; i < n; i++) {
		raw_path(path, sizeof(path), i);
		r->fd[i] = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
				0600);
		if (r->fd[i] < 0)
			return bench_fail("open %s: %s", path, strerror(errno));
		if (fallocate(r->fd[i], 0, 0, PAGE_SZ) < 0)
			return bench_fail("fallocate %s: %s%s", path, strerror(errno),
					errno == ENOSPC ? " (another process "
					"took the free hugepages?)" : "");
		r->addr[i] = mmap(NULL, PAGE_SZ, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_POPULATE, r->fd[i], 0);
		if (r->addr[i] == MAP_FAILED)
			return bench_fail("mmap %s: %s", path, strerror(errno));
	}
	*ns = bench_now_ns() - t0;
	return check_pages(r->addr, n, "raw hugetlbfs");
}

static void raw_release(struct raw_files *r, unsigned int n, uint64_t *ns)
{
	char path[PATH_MAX];
	uint64_t t0 = bench_now_ns();

	for (unsigned int i = 0; i < n; i++) {
		munmap(r->addr[i], PAGE_SZ);
		close(r->fd[i]);
		raw_path(path, sizeof(path), i);
		unlink(path);
	}
	*ns = bench_now_ns() - t0;
}

/* ---- 2, 3. memplane: mem_alloc_pages / mem_free_pages ---- */

static struct rte_memseg *segs[N_FULL];
static void *addrs[N_FULL];

/* n pages in one call (per_page false) or n calls of one page. */
static int mp_map(unsigned int n, bool per_page, uint64_t *ns)
{
	uint64_t t0 = bench_now_ns();
	int rc = 0;

	if (per_page) {
		for (unsigned int i = 0; i < n && rc == 0; i++)
			rc = mem_alloc_pages(PAGE_SZ, 0, 1, false, &segs[i]);
	} else {
		rc = mem_alloc_pages(PAGE_SZ, 0, n, false, &segs[0]);
	}
	*ns = bench_now_ns() - t0;
	if (rc < 0)
		return bench_fail("mem_alloc_pages(2 MiB, socket 0, %u%s): %s%s", n,
				per_page ? " one by one" : "", strerror(-rc),
				rc == -ENOMEM ? " (another process took the "
				"free hugepages?)" : "");
	for (unsigned int i = 0; i < n; i++)
		addrs[i] = per_page ? segs[i]->addr :
				(char *)segs[0]->addr + (size_t)i * PAGE_SZ;
	return check_pages(addrs, n, "mem_alloc_pages");
}

static int mp_release(unsigned int n, bool per_page, uint64_t *ns)
{
	uint64_t t0 = bench_now_ns();
	int rc = 0;

	if (per_page) {
		for (unsigned int i = 0; i < n && rc == 0; i++)
			rc = mem_free_pages(segs[i], 1);
	} else {
		rc = mem_free_pages(segs[0], n);
	}
	*ns = bench_now_ns() - t0;
	if (rc < 0)
		return bench_fail("mem_free_pages(%u%s): %s", n,
				per_page ? " one by one" : "", strerror(-rc));
	return 0;
}

/* Figures of workloads 1 and 2. */
struct grow_figures {
	struct pair raw, one, each;
};

static int run_grow(unsigned int n, struct grow_figures *g)
{
	static struct raw_files r;
	double s[6][REPS];
	uint64_t ns[6];

	for (int rep = -1; rep < REPS; rep++) { /* -1: warm-up */
		if (raw_map(&r, n, &ns[0]) < 0)
			return -1;
		raw_release(&r, n, &ns[1]);
		if (mp_map(n, false, &ns[2]) < 0 ||
		    mp_release(n, false, &ns[3]) < 0 ||
		    mp_map(n, true, &ns[4]) < 0 ||
		    mp_release(n, true, &ns[5]) < 0)
			return -1;
		for (int k = 0; rep >= 0 && k < 6; k++)
			s[k][rep] = ms_of(ns[k]);
	}
	g->raw.map_ms = bench_median(s[0], REPS);
	g->raw.rel_ms = bench_median(s[1], REPS);
	g->one.map_ms = bench_median(s[2], REPS);
	g->one.rel_ms = bench_median(s[3], REPS);
	g->each.map_ms = bench_median(s[4], REPS);
	g->each.rel_ms = bench_median(s[5], REPS);
	return 0;
}

static const int sec_counts[] = { 0, 1, MAX_SECONDARIES };
#define N_COUNTS (sizeof(sec_counts) / sizeof(sec_counts[0]))

static int run_with_secondaries(unsigned int n, struct pair *p)
{
	for (unsigned int c = 0; c < N_COUNTS; c++) {
		double map[REPS], rel[REPS];
		uint64_t a, b;

		if (secondaries_up_to(sec_counts[c]) < 0)
			return -1;
		for (int rep = -1; rep < REPS; rep++) {
			if (mp_map(n, false, &a) < 0 ||
			    mp_release(n, false, &b) < 0)
				return -1;
			if (rep >= 0) {
				map[rep] = ms_of(a);
				rel[rep] = ms_of(b);
			}
		}
		p[c].map_ms = bench_median(map, REPS);
		p[c].rel_ms = bench_median(rel, REPS);
	}
	return stop_all_secondaries();
}

/* ---- 4. secondary start-up with the primary holding n pages ---- */

static int run_startup(unsigned int n, struct pair *p)
{
	double exec[REPS], init[REPS];
	uint64_t ns;
	int rc = 0;

	if (mp_map(n, false, &ns) < 0)
		return -1;
	for (int rep = -1; rep < REPS && rc == 0; rep++) {
		struct sec_report r;

		n_secs = 1;
		rc = spawn_secondary(&secs[0], &r);
		rc |= stop_all_secondaries();
		if (rc == 0 && rep >= 0) {
			exec[rep] = ms_of(r.exec_ns);
			init[rep] = ms_of(r.init_ns);
		}
	}
	if (rc == 0) {
		p->map_ms = bench_median(init, REPS); /* memplane */
		p->rel_ms = bench_median(exec, REPS); /* baseline */
	}
	return mp_release(n, false, &ns) < 0 ? -1 : rc;
}

/* ---- set-up, report, clean-up ---- */

/* Free 2 MiB hugepages, or -1 (with why) when there is no usable mount. */
static long free_hugepages(char *why, size_t len)
{
	struct statfs sfs;
	FILE *f;
	char line[128];
	long free_pages = -1, size_kb = 0;

	if (statfs(HUGE_DIR, &sfs) < 0 || sfs.f_type != HUGETLBFS_MAGIC_ ||
	    (uint64_t)sfs.f_bsize != PAGE_SZ) {
		snprintf(why, len, "%s is not a hugetlbfs mount of 2 MiB pages",
				HUGE_DIR);
		return -1;
	}
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Free: %ld", &free_pages);
		sscanf(line, "Hugepagesize: %ld", &size_kb);
	}
	if (f)
		fclose(f);
	if (size_kb != (long)(PAGE_SZ >> 10) || free_pages < 0) {
		snprintf(why, len, "the default hugepage size is not 2 MiB");
		return -1;
	}
	return free_pages;
}

static int sweep_files(void)
{
	return bench_sweep_files(HUGE_DIR, prefix);
}

static void row(const char *name, double ours, double base, double max_ratio,
		double max_ms, const char *dpdk)
{
	double ratio = ours / base;
	char target[40] = "-";

	if (max_ratio > 0)
		snprintf(target, sizeof(target), "<= %.1fx %s", max_ratio,
				ratio <= max_ratio ? "met" : "MISSED");
	else if (max_ms > 0)
		snprintf(target, sizeof(target), "<= %.0f ms %s", max_ms,
				ours <= max_ms ? "met" : "MISSED");
	printf("%-44s %10.2f %10.2f %7.2fx  %-22s %s\n", name, ours, base,
			ratio, dpdk, target);
}

static void print_table(unsigned int n, unsigned int n_small,
		const struct grow_figures *g, const struct pair *sp,
		const struct pair *st)
{
	char name[64], size[16], ssize[16];

	snprintf(size, sizeof(size), "%u MiB", n * 2);
	snprintf(ssize, sizeof(ssize), "%u MiB", n_small * 2);
	printf("\n%-44s %10s %10s %8s  %-22s %s\n", "workload (medians, ms)",
			"memplane", "baseline", "ratio", "DPDK 22.11 (baseline)",
			"target");
	printf("-- baseline: open+fallocate+mmap(MAP_POPULATE) / "
			"munmap+close+unlink of %u hugetlbfs files\n", n);
	snprintf(name, sizeof(name), "grow %s, 1 call of %u pages", size, n);
	row(name, g->one.map_ms, g->raw.map_ms, 1.1, 0, "153 (130)");
	snprintf(name, sizeof(name), "grow %s, %u calls of 1 page", size, n);
	row(name, g->each.map_ms, g->raw.map_ms, 1.1, 0, "153 (130)");
	snprintf(name, sizeof(name), "give back %s, 1 call", size);
	row(name, g->one.rel_ms, g->raw.rel_ms, 2.0, 0, "131 (8)");
	snprintf(name, sizeof(name), "give back %s, %u calls", size, n);
	row(name, g->each.rel_ms, g->raw.rel_ms, 2.0, 0, "131 (8)");
	printf("-- baseline: the same with 0 secondaries\n");
	for (unsigned int c = 0; c < N_COUNTS; c++) {
		snprintf(name, sizeof(name), "grow %s, %d idle secondar%s",
				ssize, sec_counts[c], sec_counts[c] == 1 ?
				"y" : "ies");
		row(name, sp[c].map_ms, sp[0].map_ms, c ? 1.2 : 0, 0,
				c == 2 ? "52 (36)" : c ? "-" : "36");
	}
	for (unsigned int c = 0; c < N_COUNTS; c++) {
		snprintf(name, sizeof(name), "shrink %s, %d idle secondar%s",
				ssize, sec_counts[c], sec_counts[c] == 1 ?
				"y" : "ies");
		row(name, sp[c].rel_ms, sp[0].rel_ms, c ? 1.2 : 0, 0,
				c == 2 ? "123 (34)" : c ? "-" : "34");
	}
	printf("-- baseline: exec to main (parent before fork -> child's "
			"main)\n");
	snprintf(name, sizeof(name), "secondary rte_eal_init, primary "
			"holds %s", size);
	row(name, st->map_ms, st->rel_ms, 0, 10, "47");
}

static int primary_main(void)
{
	struct grow_figures g = { 0 };
	struct pair sp[N_COUNTS], st = { 0 };
	char a0[] = "bench_mem", a1[] = "--file-prefix", a3[] = "-l",
		a4[] = "0", a5[] = "--huge-dir", a6[] = HUGE_DIR;
	char *eargv[] = { a0, a1, prefix, a3, a4, a5, a6, NULL };
	char why[96], rundir[PATH_MAX], how[160];
	ssize_t len = readlink("/proc/self/exe", exe_path,
			sizeof(exe_path) - 1);
	long avail = free_hugepages(why, sizeof(why));
	unsigned int n, n_small;
	struct stat st_dir;
	uint64_t t_start = bench_now_ns();
	int rc, left;

	snprintf(how, sizeof(how), "median of %d timed repetitions after 1 "
			"warm-up, 2 MiB pages in %s", REPS, HUGE_DIR);
	bench_print_machine_how("bench_mem", how);
	if (len <= 0)
		return bench_fail("readlink /proc/self/exe: %s", strerror(errno)), 1;
	exe_path[len] = '\0';
	snprintf(prefix, sizeof(prefix), "bmem%d_", (int)getpid());
	if (avail < 1) {
		printf("bench_mem: skipping all workloads: %s (as root: make "
				"hugepages PAGES=600)\n", avail < 0 ? why :
				"no free 2 MiB hugepages");
		return 0;
	}
	n = avail < N_FULL ? (unsigned int)avail : N_FULL;
	n_small = n < N_SMALL_FULL ? n : N_SMALL_FULL;
	if (n < N_FULL)
		printf("bench_mem: only %ld free 2 MiB hugepages (%u needed): "
				"the 1 GiB workloads (grow, give back, secondary "
				"start-up) run with %u MiB and the secondaries' "
				"with %u MiB; as root: make hugepages PAGES=600\n",
				avail, N_FULL, n * 2, n_small * 2);
	signal(SIGPIPE, SIG_IGN);
	if (sched_getaffinity(0, sizeof(launch_cpus), &launch_cpus) < 0)
		return bench_fail("sched_getaffinity: %s", strerror(errno)), 1;
	fflush(NULL);
	if (rte_eal_init(7, eargv) < 0) {
		bench_fail("rte_eal_init as primary: %s", rte_strerror(rte_errno));
		sweep_files();
		return 1;
	}
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rc = run_grow(n, &g);
	if (rc == 0)
		rc = run_with_secondaries(n_small, sp);
	if (rc == 0)
		rc = run_startup(n, &st);
	rc |= stop_all_secondaries();
	if (rte_eal_cleanup() < 0)
		rc = bench_fail("rte_eal_cleanup: %s", rte_strerror(rte_errno));
	left = sweep_files();
	if (left)
		rc = bench_fail("%d files with prefix %s were left in %s (removed)",
				left, prefix, HUGE_DIR);
	if (rundir[0] && stat(rundir, &st_dir) == 0)
		rc = bench_fail("the runtime directory %s was left behind", rundir);
	if (rc)
		return 1;
	print_table(n, n_small, &g, sp, &st);
	printf("\ntotal run %.1f s\n", ms_of(bench_now_ns() - t_start) / 1000);
	return 0;
}

int main(int argc, char **argv)
{
	bench_who = "bench_mem";
	if (argc == 6 && strcmp(argv[1], "--secondary") == 0)
		return secondary_main(argv);
	if (argc != 1) {
		fprintf(stderr, "usage: %s\n", argv[0]);
		return 2;
	}
	return primary_main();
}
