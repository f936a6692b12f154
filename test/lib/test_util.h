/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Small helpers shared by the suites: one fresh temporary directory per test
 * (the runtime directory of DPDK's --file-prefix) and counts of this
 * process's descriptors and mappings, for leak checks.
 */

#ifndef MEMPLANE_TEST_UTIL_H
#define MEMPLANE_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Create /tmp/memplane-test-XXXXXX and write its path to buf. 0 or -1. */
int test_dir_create(char *buf, size_t sz);

/* Remove dir and the files directly in it. 0 or -1. */
int test_dir_remove(const char *dir);

/* Entries of dir whose name starts with prefix ("" = all), or -1. */
int test_dir_count(const char *dir, const char *prefix);

/* Whether dir/name exists. */
bool test_file_exists(const char *dir, const char *name);

/* Open descriptors of this process (entries of /proc/self/fd), or -1. */
int test_count_fds(void);

/* Mappings of this process (lines of /proc/self/maps), or -1. */
int test_count_maps(void);

/* Write the mount point of the 2 MiB hugetlbfs to buf, or leave buf as it
 * is when there is none. */
void test_huge_mount(char *buf, size_t sz);

/* Milliseconds on CLOCK_MONOTONIC (for deadlines). */
int64_t test_now_ms(void);

/* The first number in file path (e.g. a /sys counter), or -1. */
long test_read_long(const char *path);

/* The next number of a xorshift64 generator whose state is *s (not 0). */
uint64_t test_rnd(uint64_t *s);

/* Fill n bytes at p with the pattern of seed; whether they hold it. */
void test_fill_pattern(void *p, size_t n, unsigned int seed);
bool test_has_pattern(const void *p, size_t n, unsigned int seed);

#endif /* MEMPLANE_TEST_UTIL_H */
