/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * main() of every test binary: either play one role of a multi-process test
 * (argv[1] = --role=NAME) or run all registered CUnit suites. See test_main.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "test/lib/test_main.h"

#define ROLE_OPT "--role="

bool
test_under_memcheck(void)
{
	return getenv("MEMPLANE_MEMCHECK") != NULL;
}

unsigned long
test_scale(unsigned long n, unsigned long n_memcheck)
{
	return test_under_memcheck() ? n_memcheck : n;
}

static void
run_role(int argc, char **argv)
{
	const char *name = argv[0] + strlen(ROLE_OPT);
	const struct test_role *role;
	int rc;

	for (role = test_roles; role->name != NULL; role++) {
		if (strcmp(role->name, name) != 0)
			continue;
		rc = role->fn(argc, argv);
		fflush(NULL);
		_exit(rc);
	}
	fprintf(stderr, "test: unknown role '%s'\n", name);
	_exit(TEST_ROLE_UNKNOWN);
}

static int
run_suites(void)
{
	unsigned int n_failures, n_suites_failed;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "test: %s\n", CU_get_error_msg());
		return 1;
	}
	test_register();
	if (CU_get_error() != CUE_SUCCESS) {
		fprintf(stderr, "test: registering suites: %s\n",
				CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	n_failures = CU_get_number_of_failures();
	n_suites_failed = CU_get_run_summary()->nSuitesFailed;
	CU_cleanup_registry();
	return n_failures != 0 || n_suites_failed != 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strncmp(argv[1], ROLE_OPT, strlen(ROLE_OPT)) == 0)
		run_role(argc - 1, argv + 1);
	return run_suites();
}

CU_pSuite
test_add_suite(const char *name, const struct test_def *tests,
		const struct test_hooks *h)
{
	CU_pSuite suite = CU_add_suite_with_setup_and_teardown(name, h->init,
			h->clean, h->setup, h->teardown);

	for (; suite != NULL && tests->name != NULL; tests++)
		CU_add_test(suite, tests->name, tests->fn);
	return suite;
}
