/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Fault injection over the os_prim table (common/os_prim.h), SQLite style:
 * make the Nth call of one system call fail with a chosen errno, then check
 * that the caller reported it, leaked nothing and left no file behind.
 * Single-threaded: arm, make the call under test, fault_reset().
 */

#ifndef MEMPLANE_TEST_FAULT_H
#define MEMPLANE_TEST_FAULT_H

enum fault_call {
	FAULT_OPEN,
	FAULT_CLOSE,
	FAULT_UNLINK,
	FAULT_FTRUNCATE,
	FAULT_FSTAT,
	FAULT_MMAP,
	FAULT_MUNMAP,
	FAULT_LOCK,
	FAULT_SOCKET,
	FAULT_BIND,
	FAULT_CONNECT,
	FAULT_SENDMSG,
	FAULT_RECVMSG,
	FAULT_CALL_MAX
};

/*
 * Make the nth call from now (1 = the next one) of that entry fail with
 * errno = err: it returns -1 (MAP_FAILED for mmap) without doing anything,
 * except close, which still closes the descriptor as Linux does. Other calls
 * go to os_prim_default. nth = 0 disarms the entry.
 */
void fault_fail_nth(enum fault_call which, unsigned int nth, int err);

/* Restore the whole table to os_prim_default and zero fault_fired(). */
void fault_reset(void);

/* Number of calls failed on purpose since the last fault_reset(). */
unsigned int fault_fired(void);

/* "open", "mmap", ... */
const char *fault_call_name(enum fault_call which);

#endif /* MEMPLANE_TEST_FAULT_H */
