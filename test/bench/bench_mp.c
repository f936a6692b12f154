/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * bench_mp: the rte_mp_request_sync() round trip (SPEC §10) against a raw
 * AF_UNIX datagram ping-pong run in the same invocation.
 *
 * Baseline: two forked processes, each with its own socket bound in a temp
 * directory, bounce one datagram of memplane's wire size (struct
 * rte_mp_msg plus its 16-byte header) with blocking sendto/recv.
 *
 * memplane: the primary opens the channel in the same directory (until
 * rte_eal_init exists, through mp_channel_open()), registers the action
 * "bench" and re-executes this binary as a fresh secondary process
 * (--secondary <dir> <rfd> <wfd>), which registers "bench" too and says
 * "ready" through a pipe. The primary times its requests to the secondary,
 * then tells it through the pipe to time its own requests to the primary
 * and send back its figures. Both actions reply at once with an empty
 * message.
 *
 * One loop times all three: 1000 warm-up round trips, then 10000 each
 * timed alone with CLOCK_MONOTONIC; median and p99 are read from them. A
 * round trip that fails (no reply, an error) fails the bench: exit 1.
 * Timings are reported against the target, never asserted.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "ipc/mp_private.h"
#include "bench.h"

#define N_WARM 1000u
#define N_TIMED 10000u
#define GROUP "mp_socket"
#define ACTION "bench"
#define RAW_LEN (sizeof(struct rte_mp_msg) + 16)
#define REPLY_TIMEOUT_S 1      /* per round trip: no reply by then fails */
#define PIPE_TIMEOUT_MS 10000  /* per pipe wait: a bound against hangs */
#define PEER_WAIT_TRIES 2000   /* 1 ms apart, for the secondary's hello */
#define CHILD_EXIT_TRIES 200   /* 10 ms apart, then SIGKILL */
#define TARGET_RATIO 1.3

/* Median and p99 of one workload, in µs; ok is 0 when it failed. */
struct figures {
	int ok;
	double median_us;
	double p99_us;
};

/* The primary's side of the run, for the clean-up. */
struct session {
	char dir[32];
	pid_t child;
	int to_child;
	int from_child;
};

/* One round trip: 0, or -1 after printing why. */
typedef int (*round_trip_fn)(void *ctx);

/* The raw baseline: this process's socket and the peer's address. */
struct raw {
	int fd;
	struct sockaddr_un peer;
	char buf[RAW_LEN];
};

static char exe_path[PATH_MAX];


/* Warm up, then time each of N_TIMED round trips alone. */
static int time_round_trips(round_trip_fn rtt, void *ctx, struct figures *f)
{
	static double us[N_TIMED];

	for (unsigned int i = 0; i < N_WARM; i++)
		if (rtt(ctx) < 0)
			return -1;
	for (unsigned int i = 0; i < N_TIMED; i++) {
		uint64_t t0 = bench_now_ns();

		if (rtt(ctx) < 0)
			return -1;
		us[i] = (double)(bench_now_ns() - t0) / 1000;
	}
	bench_sort(us, N_TIMED);
	f->median_us = bench_percentile(us, N_TIMED, 50);
	f->p99_us = bench_percentile(us, N_TIMED, 99);
	f->ok = 1;
	return 0;
}

/* ---- baseline: raw AF_UNIX datagrams ---- */

static int raw_round_trip(void *ctx)
{
	struct raw *r = ctx;

	if (sendto(r->fd, r->buf, RAW_LEN, 0, (struct sockaddr *)&r->peer,
			sizeof(r->peer)) != (ssize_t)RAW_LEN)
		return bench_fail("raw sendto: %s", strerror(errno));
	if (recv(r->fd, r->buf, RAW_LEN, 0) != (ssize_t)RAW_LEN)
		return bench_fail("raw ping got no pong: %s", strerror(errno));
	return 0;
}

/* The forked peer: echo every datagram until an empty one or a timeout. */
static void raw_echo(struct raw *r)
{
	ssize_t n;

	while ((n = recv(r->fd, r->buf, RAW_LEN, 0)) > 0)
		if (sendto(r->fd, r->buf, (size_t)n, 0,
				(struct sockaddr *)&r->peer,
				sizeof(r->peer)) != n)
			break;
	_exit(n == 0 ? 0 : 1);
}

/* A datagram socket bound at dir/name, receiving with a timeout. */
static int raw_bind(const char *dir, const char *name, struct sockaddr_un *sa)
{
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", dir, name);
	unlink(sa->sun_path); /* the baseline runs twice */
	if (fd < 0 || bind(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		bench_fail("raw socket %s: %s", sa->sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int run_baseline(const char *dir, struct figures *f)
{
	struct raw ping = { 0 }, pong = { 0 };
	struct sockaddr_un ping_sa, pong_sa;
	int status, rc;
	pid_t pid;

	ping.fd = raw_bind(dir, "raw_ping", &ping_sa);
	pong.fd = raw_bind(dir, "raw_pong", &pong_sa);
	ping.peer = pong_sa;
	pong.peer = ping_sa;
	rc = ping.fd < 0 || pong.fd < 0 ? -1 : 0;
	if (rc == 0 && (pid = fork()) == 0)
		raw_echo(&pong);
	if (rc == 0 && pid < 0)
		rc = bench_fail("fork: %s", strerror(errno));
	if (rc == 0) {
		rc = time_round_trips(raw_round_trip, &ping, f);
		sendto(ping.fd, "", 0, 0, (struct sockaddr *)&pong_sa,
				sizeof(pong_sa));
		if (waitpid(pid, &status, 0) < 0 || status != 0)
			rc = bench_fail("raw echo process failed");
	}
	if (ping.fd >= 0)
		close(ping.fd);
	if (pong.fd >= 0)
		close(pong.fd);
	return rc;
}

/* ---- memplane: rte_mp_request_sync ---- */

static int reply_at_once(const struct rte_mp_msg *msg, const void *peer)
{
	struct rte_mp_msg reply = { .len_param = 0 };

	snprintf(reply.name, sizeof(reply.name), "%s", msg->name);
	return rte_mp_reply(&reply, peer);
}

static int mp_request(struct rte_mp_reply *reply)
{
	struct rte_mp_msg req = { .name = ACTION };
	const struct timespec ts = { .tv_sec = REPLY_TIMEOUT_S };

	if (rte_mp_request_sync(&req, reply, &ts) < 0)
		return bench_fail("rte_mp_request_sync: %s",
				rte_strerror(rte_errno));
	free(reply->msgs);
	return 0;
}

static int mp_round_trip(void *ctx)
{
	struct rte_mp_reply reply;

	(void)ctx;
	if (mp_request(&reply) < 0)
		return -1;
	if (reply.nb_sent != 1 || reply.nb_received != 1)
		return bench_fail("request reached %d peers and got %d replies, "
				"expected 1 and 1", reply.nb_sent,
				reply.nb_received);
	return 0;
}

/* The secondary's hello may still be queued when it says ready: poll. */
static int wait_for_peer(void)
{
	struct rte_mp_reply reply;

	for (int i = 0; i < PEER_WAIT_TRIES; i++) {
		if (mp_request(&reply) < 0)
			return -1;
		if (reply.nb_sent > 0)
			return 0;
		usleep(1000);
	}
	return bench_fail("the primary never learnt of the secondary");
}

static int open_channel(const char *dir, enum mp_role role)
{
	int rc = mp_channel_open(dir, GROUP, role);

	if (rc < 0)
		return bench_fail("mp_channel_open: %s", strerror(-rc));
	if (rte_mp_action_register(ACTION, reply_at_once) < 0)
		return bench_fail("rte_mp_action_register: %s",
				rte_strerror(rte_errno));
	return 0;
}

/* ---- the pipe between primary and secondary ---- */


/* Fork and exec this binary as the secondary, pipes both ways. */
static int spawn_secondary(struct session *s)
{
	int down[2], up[2]; /* primary -> secondary, secondary -> primary */
	char rfd[16], wfd[16];
	char *argv[] = { exe_path, (char *)"--secondary", s->dir, rfd, wfd,
			NULL };

	if (bench_pipe_pair(down, up) < 0)
		return -1;
	snprintf(rfd, sizeof(rfd), "%d", down[0]);
	snprintf(wfd, sizeof(wfd), "%d", up[1]);
	fflush(NULL);
	s->child = fork();
	if (s->child == 0) {
		fcntl(down[0], F_SETFD, 0);
		fcntl(up[1], F_SETFD, 0);
		execv(exe_path, argv);
		_exit(127);
	}
	close(down[0]);
	close(up[1]);
	s->to_child = down[1];
	s->from_child = up[0];
	return s->child < 0 ? bench_fail("fork: %s", strerror(errno)) : 0;
}

static int secondary_main(const char *dir, int rfd, int wfd)
{
	struct figures f = { 0 };
	char cmd;
	int rc;

	bench_who = "bench_mp (secondary)";
	rc = open_channel(dir, MP_ROLE_SECONDARY);
	if (rc == 0)
		rc = bench_write_full(wfd, "R", 1);
	if (rc == 0 && (bench_read_full(rfd, &cmd, 1, PIPE_TIMEOUT_MS) < 0 || cmd != 'G'))
		rc = bench_fail("no go from the primary");
	if (rc == 0)
		time_round_trips(mp_round_trip, NULL, &f);
	if (rc == 0)
		rc = bench_write_full(wfd, &f, sizeof(f));
	mp_channel_close();
	return rc == 0 && f.ok ? 0 : 1;
}

/* ---- the primary: the whole run ---- */

static int start_secondary(struct session *s)
{
	char ready;

	if (open_channel(s->dir, MP_ROLE_PRIMARY) < 0 ||
	    spawn_secondary(s) < 0)
		return -1;
	if (bench_read_full(s->from_child, &ready, 1, PIPE_TIMEOUT_MS) < 0 || ready != 'R')
		return bench_fail("the secondary did not start");
	return wait_for_peer();
}

/* The secondary times its requests to us and sends back its figures. */
static int secondary_figures(struct session *s, struct figures *f)
{
	if (bench_write_full(s->to_child, "G", 1) < 0 ||
	    bench_read_full(s->from_child, f, sizeof(*f), PIPE_TIMEOUT_MS) < 0)
		return bench_fail("no figures from the secondary");
	return f->ok ? 0 : bench_fail("the secondary's requests failed");
}

/*
 * The raw baseline runs before and after the memplane workloads and the
 * ratio uses the mean of the two medians, so that the machine drifting
 * during the run (it is shared and noisy) weighs on both sides alike.
 */
static void merge_baselines(const struct figures *a, const struct figures *b,
		struct figures *raw)
{
	raw->ok = a->ok && b->ok;
	raw->median_us = (a->median_us + b->median_us) / 2;
	raw->p99_us = a->p99_us > b->p99_us ? a->p99_us : b->p99_us;
	printf("raw baseline median: %.1f us before, %.1f us after the memplane runs\n",
			a->median_us, b->median_us);
}

static int run_all(struct session *s, struct figures *raw,
		struct figures *p2s, struct figures *s2p)
{
	struct figures before, after;

	if (run_baseline(s->dir, &before) < 0 || start_secondary(s) < 0 ||
	    time_round_trips(mp_round_trip, NULL, p2s) < 0 ||
	    secondary_figures(s, s2p) < 0 || run_baseline(s->dir, &after) < 0)
		return -1;
	merge_baselines(&before, &after, raw);
	return 0;
}

/* Reap the secondary (killing it if it hangs); 0 if it exited 0. */
static int stop_secondary(struct session *s)
{
	int status = -1;

	if (s->to_child >= 0)
		close(s->to_child);
	for (int i = 0; s->child > 0 && i < CHILD_EXIT_TRIES; i++) {
		if (waitpid(s->child, &status, WNOHANG) == s->child)
			return status == 0 ? 0 : bench_fail("the secondary failed "
					"(wait status 0x%x)", status);
		usleep(10000);
	}
	if (s->child > 0) {
		kill(s->child, SIGKILL);
		waitpid(s->child, &status, 0);
		return bench_fail("the secondary hung: killed");
	}
	return 0;
}

/* Remove whatever sockets remain in dir, then dir. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

static int end_session(struct session *s)
{
	int rc = stop_secondary(s);

	if (s->from_child >= 0)
		close(s->from_child);
	mp_channel_close();
	remove_dir(s->dir);
	return rc;
}

static void print_row(const char *name, const struct figures *f,
		const struct figures *raw, const char *dpdk, bool target)
{
	double ratio = f->median_us / raw->median_us;
	char verdict[32] = "-";

	if (target)
		snprintf(verdict, sizeof(verdict), "<= %.1fx %s", TARGET_RATIO,
				ratio <= TARGET_RATIO ? "met" : "MISSED");
	printf("%-34s %9.1f %9.1f %10.1f %7.2fx  %-16s %s\n", name,
			f->median_us, f->p99_us, raw->median_us, ratio, dpdk,
			verdict);
}

static void print_table(const struct figures *raw, const struct figures *p2s,
		const struct figures *s2p)
{
	printf("%-34s %9s %9s %10s %8s  %-16s %s\n", "workload", "median us",
			"p99 us", "raw median", "ratio", "DPDK 22.11",
			"target");
	print_row("raw AF_UNIX dgram ping-pong", raw, raw, "16 us", false);
	print_row("rte_mp_request_sync primary->sec.", p2s, raw,
			"54 us (3.4x)", true);
	print_row("rte_mp_request_sync sec.->primary", s2p, raw,
			"54 us (3.4x)", true);
}

static int primary_main(void)
{
	struct session s = { .dir = "/tmp/bench_mp.XXXXXX", .child = -1,
			.to_child = -1, .from_child = -1 };
	struct figures raw = { 0 }, p2s = { 0 }, s2p = { 0 };
	ssize_t n = readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1);
	char how[96];
	int rc;

	snprintf(how, sizeof(how), "each round trip timed alone: %u after "
			"%u warm-up, %zu B datagrams", N_TIMED, N_WARM, RAW_LEN);
	bench_print_machine_how("bench_mp", how);
	if (n <= 0)
		return bench_fail("readlink /proc/self/exe: %s", strerror(errno)), 1;
	exe_path[n] = '\0';
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(s.dir))
		return bench_fail("mkdtemp: %s", strerror(errno)), 1;
	rc = run_all(&s, &raw, &p2s, &s2p);
	rc |= end_session(&s);
	if (rc)
		return 1;
	print_table(&raw, &p2s, &s2p);
	return 0;
}

int main(int argc, char **argv)
{
	bench_who = "bench_mp";
	if (argc == 5 && strcmp(argv[1], "--secondary") == 0)
		return secondary_main(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc != 1) {
		fprintf(stderr, "usage: %s\n", argv[0]);
		return 2;
	}
	return primary_main();
}
