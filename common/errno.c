/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * rte_errno and rte_strerror(). The error code is a plain thread-local int,
 * so setting it costs one store and threads never see each other's codes.
 * rte_strerror() writes into a thread-local buffer, so it is thread-safe
 * and its result stays valid until the same thread calls it again.
 */

#define _GNU_SOURCE
#include <string.h>

#include <rte_errno.h>

__thread int per_lcore__rte_errno;

const char *
rte_strerror(int errnum)
{
	static __thread char buf[128];

	switch (errnum) {
	case E_RTE_SECONDARY:
		return "Invalid call in secondary process";
	case E_RTE_NO_CONFIG:
		return "Missing rte_config structure";
	default:
		/* GNU strerror_r may return a static string instead of buf. */
		return strerror_r(errnum, buf, sizeof(buf));
	}
}
