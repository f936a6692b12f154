/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Temporary directories and resource counts for tests (see test_util.h).
 * Uses the system calls directly, never the os_prim table, so that fault
 * injection does not reach the test's own bookkeeping.
 */

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test/lib/test_util.h"

int
test_dir_create(char *buf, size_t sz)
{
	if (snprintf(buf, sz, "/tmp/memplane-test-XXXXXX") >= (int)sz)
		return -1;
	return mkdtemp(buf) != NULL ? 0 : -1;
}

int
test_dir_remove(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	d = opendir(dir);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) != 0)
			ret = -1;
	}
	closedir(d);
	return rmdir(dir) == 0 ? ret : -1;
}

int
test_dir_count(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir(dir);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	}
	closedir(d);
	return n;
}

bool
test_file_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

int
test_count_fds(void)
{
	/* opendir's own descriptor is counted every time, so it cancels out. */
	return test_dir_count("/proc/self/fd", "");
}

int
test_count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	int n = 0, c;

	if (f == NULL)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

long
test_read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

void
test_huge_mount(char *buf, size_t sz)
{
	char dev[256], dir[PATH_MAX], type[64], opts[512];
	FILE *f = fopen("/proc/mounts", "re");

	if (f == NULL)
		return;
	while (fscanf(f, "%255s %4095s %63s %511s %*d %*d", dev, dir, type,
			opts) == 4) {
		if (strcmp(type, "hugetlbfs") == 0 &&
				strstr(opts, "pagesize=2M") != NULL) {
			snprintf(buf, sz, "%s", dir);
			break;
		}
	}
	fclose(f);
}

int64_t
test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t
test_rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint8_t
pattern_byte(size_t i, unsigned int seed)
{
	return (uint8_t)(i * 131 + seed + (i >> 9));
}

void
test_fill_pattern(void *p, size_t n, unsigned int seed)
{
	uint8_t *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		c[i] = pattern_byte(i, seed);
}

bool
test_has_pattern(const void *p, size_t n, unsigned int seed)
{
	const uint8_t *c = p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (c[i] != pattern_byte(i, seed))
			return false;
	}
	return true;
}
