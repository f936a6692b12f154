/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * What the rest of memplane (and the tests) may ask of fbarray beyond the
 * public API: where shared arrays keep their files.
 */

#ifndef MEMPLANE_FBARRAY_PRIVATE_H
#define MEMPLANE_FBARRAY_PRIVATE_H

/*
 * Make arrays created or attached from now on live in dir (the group's
 * runtime directory), or be anonymous and process-local when dir is NULL,
 * which is the state before start-up. Arrays already mapped keep the mode
 * they were made in.
 * Returns 0, or -ENAMETOOLONG when dir leaves no room for a file name.
 * pre: no other thread of this process is creating or attaching an array.
 */
int fbarray_set_dir(const char *dir);

/* The directory set above, or NULL for process-local arrays. */
const char *fbarray_get_dir(void);

#endif /* MEMPLANE_FBARRAY_PRIVATE_H */
