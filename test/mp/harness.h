/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Multi-process tests by re-executing the test binary (DPDK's secondary
 * tests): a forked child would inherit the parent's mappings, so attaching
 * would never really be tested. The child runs `<binary> --role=NAME args`
 * (see test/lib/test_main.h) and reports through its exit status.
 * Parent and child synchronise through pipes: create them with pipe() (no
 * O_CLOEXEC, so the child inherits them) and pass the fd numbers as args.
 */

#ifndef MEMPLANE_TEST_HARNESS_H
#define MEMPLANE_TEST_HARNESS_H

#include <sys/types.h>

/*
 * Start this binary again as `--role=role args...` (args NULL-terminated,
 * or NULL for none). Returns 0 and the child's pid, or -1 with errno set.
 */
int mp_spawn(const char *role, const char *const args[], pid_t *pid);

/*
 * Like mp_spawn(), for descriptors the caller created O_CLOEXEC: only the
 * child gets keep_fds[0..n_keep-1] (their FD_CLOEXEC is cleared between fork
 * and exec), so no other child inherits them. The child is also SIGKILLed
 * when the thread that spawned it exits (PR_SET_PDEATHSIG).
 */
int mp_spawn_keep(const char *role, const char *const args[],
		const int keep_fds[], int n_keep, pid_t *pid);

/*
 * Wait for the child: its exit status (0..255), -1 if a signal killed it,
 * -2 if it was still running after timeout_s seconds (it is then SIGKILLed
 * and reaped), -3 if waitpid() failed.
 */
int mp_wait(pid_t pid, int timeout_s);

/* Read one byte: 0, -1 on end of file or error, -2 after timeout_s seconds. */
int mp_read_byte(int fd, int timeout_s);

/* Write one byte: 0 or -1. */
int mp_write_byte(int fd);

#endif /* MEMPLANE_TEST_HARNESS_H */
