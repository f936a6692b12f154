/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Helpers shared by the benches in test/bench/: a monotonic clock, a median,
 * one timing routine and the lines every bench prints.
 *
 * Timing model: an operation is a callback called with a context and the
 * call's number i (so it can pick its i-th input). bench_ns_per_call() grows
 * a batch until it lasts at least BENCH_BATCH_MIN_NS, then times BENCH_REPS
 * batches of that size and returns the median of their ns per call; the
 * calibration runs double as warm-up. The callbacks' results are summed
 * into a volatile sink so the compiler cannot drop the calls.
 *
 * Header only, with static inline functions: each bench is one .c file.
 */

#ifndef MEMPLANE_BENCH_H
#define MEMPLANE_BENCH_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define BENCH_REPS 15
#define BENCH_BATCH_MIN_NS 5000000ull  /* 5 ms */
#define BENCH_BATCH_AIM_NS 10000000ull /* 10 ms */

/* One call of the operation being timed; i counts calls within a batch. */
typedef long (*bench_op_fn)(void *ctx, unsigned int i);

static volatile long bench_sink;

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Median of v[0..n-1], n >= 1; sorts v in place (insertion sort: n is small). */
static inline double bench_median(double *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		double x = v[i];
		unsigned int j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Time n calls of op; returns the elapsed ns. */
static inline uint64_t bench_run_batch(bench_op_fn op, void *ctx,
		unsigned int n)
{
	long acc = 0;
	uint64_t t0 = bench_now_ns();

	for (unsigned int i = 0; i < n; i++)
		acc += op(ctx, i);
	t0 = bench_now_ns() - t0;
	bench_sink += acc;
	return t0;
}

/* Median over BENCH_REPS batches of the ns one call of op takes. */
static inline double bench_ns_per_call(bench_op_fn op, void *ctx)
{
	double samples[BENCH_REPS];
	unsigned int n = 1;
	uint64_t t;

	while ((t = bench_run_batch(op, ctx, n)) < BENCH_BATCH_MIN_NS) {
		uint64_t grow = t ? BENCH_BATCH_AIM_NS / t : 1000;

		n *= grow < 2 ? 2 : grow > 1000 ? 1000 : (unsigned int)grow;
	}
	for (unsigned int r = 0; r < BENCH_REPS; r++)
		samples[r] = (double)bench_run_batch(op, ctx, n) / n;
	return bench_median(samples, BENCH_REPS);
}

/* Copy the "model name" line of /proc/cpuinfo into buf, or "unknown". */
static inline void bench_cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		snprintf(buf, len, "%s", colon + 2);
		buf[strcspn(buf, "\n")] = '\0';
		break;
	}
	if (f)
		fclose(f);
}

/* First line of every bench: what it measures and on which machine. */
static inline void bench_print_machine(const char *bench)
{
	struct utsname u;
	char model[128];

	if (uname(&u) < 0)
		snprintf(u.machine, sizeof(u.machine), "unknown");
	bench_cpu_model(model, sizeof(model));
	printf("%s: %s, %s, nproc %ld, median of %d batches of >= %llu ms\n",
			bench, u.machine, model, sysconf(_SC_NPROCESSORS_ONLN),
			BENCH_REPS, BENCH_BATCH_MIN_NS / 1000000);
}

/*
 * One line of a result table. ref_ns (DPDK 22.11 on this machine class),
 * max_ns and max_ratio (targets, on ours_ns and on ours_ns / base_ns) are
 * left out when 0.
 */
struct bench_row {
	const char *name;
	const char *variant;
	double ours_ns;
	double base_ns;
	double ref_ns;
	double max_ns;
	double max_ratio;
};

static inline void bench_print_header(const char *base_name)
{
	printf("%-34s %-16s %12s %12s %9s %11s  %s\n", "operation", "start",
			"memplane ns", base_name, "ratio", "DPDK ns", "target");
}

static inline void bench_print_row(const struct bench_row *r)
{
	double ratio = r->ours_ns / r->base_ns;
	char ref[32] = "-", target[48] = "-";
	int met = (!r->max_ns || r->ours_ns <= r->max_ns) &&
			(!r->max_ratio || ratio <= r->max_ratio);

	if (r->ref_ns)
		snprintf(ref, sizeof(ref), "%.0f", r->ref_ns);
	if (r->max_ns)
		snprintf(target, sizeof(target), "<= %.0f ns %s", r->max_ns,
				met ? "met" : "MISSED");
	else if (r->max_ratio)
		snprintf(target, sizeof(target), "<= %.2fx %s", r->max_ratio,
				met ? "met" : "MISSED");
	printf("%-34s %-16s %12.1f %12.1f %9.4f %11s  %s\n", r->name,
			r->variant, r->ours_ns, r->base_ns, ratio, ref, target);
}

/*
 * Per-call distributions, for benches that time each call on its own
 * (latencies, where the tail matters): sort the samples once, then read
 * any percentile from them.
 */

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sort v[0..n-1] ascending; unlike bench_median(), fit for large n. */
static inline void bench_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
}

/*
 * The p-th percentile (0..100) of the sorted v[0..n-1], n >= 1,
 * interpolated between the closest ranks: p = 50 is the median.
 */
static inline double bench_percentile(const double *v, size_t n, double p)
{
	double pos = p / 100 * (double)(n - 1);
	size_t lo = (size_t)pos;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}

/* Like bench_print_machine(), for a bench that says itself how it times. */
static inline void bench_print_machine_how(const char *bench, const char *how)
{
	struct utsname u;
	char model[128];

	if (uname(&u) < 0)
		snprintf(u.machine, sizeof(u.machine), "unknown");
	bench_cpu_model(model, sizeof(model));
	printf("%s: %s, %s, nproc %ld, %s\n", bench, u.machine, model,
			sysconf(_SC_NPROCESSORS_ONLN), how);
}

/* Who bench_fail() says is failing; a bench sets it for its children. */
static const char *bench_who __attribute__((unused)) = "bench";

/* Print "<bench_who>: <message>" to stderr; returns -1. */
static inline int __attribute__((format(printf, 1, 2)))
bench_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", bench_who);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

/*
 * Read exactly len bytes from a pipe, waiting at most timeout_ms for each
 * part (a bound against a hung peer). 0, or -1 on timeout, EOF or error.
 */
static inline int
bench_read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;
	int rc;

	while (got < len) {
		rc = poll(&p, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return -1;
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Write len bytes to a pipe in one call: 0 or -1. */
static inline int
bench_write_full(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) == (ssize_t)len ? 0 : -1;
}

/* Remove the files of dir whose names start with prefix (what a run left
 * in the hugetlbfs mount); how many there were. */
/* Two pipes, close-on-exec (a child keeps its ends by clearing that):
 * down (parent to child) and up. 0, or bench_fail()'s -1 with none open. */
static inline int bench_pipe_pair(int down[2], int up[2])
{
	if (pipe2(down, O_CLOEXEC) < 0)
		return bench_fail("pipe: %s", strerror(errno));
	if (pipe2(up, O_CLOEXEC) < 0) {
		close(down[0]);
		close(down[1]);
		return bench_fail("pipe: %s", strerror(errno));
	}
	return 0;
}

/* The first two CPUs in *set (this thread's affinity): *a, and *b (-1
 * with a single CPU). 0 or bench_fail()'s -1. pre: _GNU_SOURCE. */
static inline int bench_pick_cpus(cpu_set_t *set, int *a, int *b)
{
	*a = *b = -1;
	if (sched_getaffinity(0, sizeof(*set), set) < 0)
		return bench_fail("sched_getaffinity: %s", strerror(errno));
	for (int c = 0; c < CPU_SETSIZE && *b < 0; c++) {
		if (!CPU_ISSET(c, set))
			continue;
		if (*a < 0)
			*a = c;
		else
			*b = c;
	}
	return 0;
}

static inline int bench_sweep_files(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
			unlinkat(dirfd(d), e->d_name, 0);
			n++;
		}
	}
	if (d)
		closedir(d);
	return n;
}

#endif /* MEMPLANE_BENCH_H */
