/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * rte_errno: the error code of the last failed memplane call in this thread.
 * Functions that fail return -1 (or NULL) and set it; functions that succeed
 * leave it alone. It is thread-local, like errno.
 */

#ifndef _RTE_ERRNO_H_
#define _RTE_ERRNO_H_

#ifdef __cplusplus
extern "C" {
#endif

/* The storage behind rte_errno; use the macro, not this name. */
extern __thread int per_lcore__rte_errno;

/** Error code of the last failed call in this thread. */
#define rte_errno per_lcore__rte_errno

/**
 * Describe an error code in words.
 *
 * @param errnum
 *   A system errno value or one of the memplane codes below.
 * @return
 *   A string that stays valid until the next call of rte_strerror() in the
 *   same thread. Never NULL.
 */
const char *rte_strerror(int errnum);

#ifndef __ELASTERROR
#define __ELASTERROR 1000
#endif

/** memplane's own error codes, above the system's. */
enum {
	RTE_MIN_ERRNO = __ELASTERROR, /**< Start of the memplane codes. */
	E_RTE_SECONDARY,              /**< Operation not allowed in a secondary process. */
	E_RTE_NO_CONFIG,              /**< Missing rte_config. */
	RTE_MAX_ERRNO                 /**< End of the memplane codes. */
};

#ifdef __cplusplus
}
#endif

#endif /* _RTE_ERRNO_H_ */
