# memplane — one Makefile for the library, tests, benches and examples.
# Sources are found by wildcard: adding a .c file needs no edit here.
# `make help` prints the lines that start with '##'.
## Targets:
##   all (default)  build/libmemplane.{a,so}, build/test/*, build/bench/*, build/examples/*
##   deps           check the Debian packages we need; install them when root
##   test           unit tests, examples, test-install, then memcheck; stops at the first failure
##   test-examples  run every example and check it ends as its header says
##   test-mp        only the multi-process suites (IPC, group harness, start-up and memory)
##   test-install   install into a temp prefix and build a program through pkg-config
##   memcheck       unit tests under valgrind, with MEMPLANE_MEMCHECK=1
##   bench          run every build/bench/bench_*
##   demo           run build/examples/extmem (a primary and a secondary, external memory, DMA)
##   install        lib, headers (include/memplane/) and memplane.pc into $DESTDIR$PREFIX
##   hugepages      reserve PAGES 2 MiB hugepages and mount hugetlbfs (root)
##   clean          remove build/
## Variables:
##   DEBUG=1        -O0 -g -DRTE_ENABLE_ASSERT (benches stay -O2)
##   SANITIZER=x    x = address, undefined or thread (test then skips memcheck)
##   PREFIX=dir     install prefix, default /usr/local
##   DESTDIR=dir    staging root put in front of PREFIX
##   PAGES=n        hugepages to reserve, default 512; 0 gives them back

PREFIX ?= /usr/local
PAGES  ?= 512
B       = build
D       = $(DESTDIR)$(PREFIX)

OPT = $(if $(filter 1,$(DEBUG)),-O0 -g -DRTE_ENABLE_ASSERT,-O2 -g)
SAN = $(if $(SANITIZER),-fsanitize=$(SANITIZER) -fno-omit-frame-pointer)
# override: `make CFLAGS=-march=native` adds to these instead of replacing them.
override CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -MMD -MP -fPIC -Iinclude -I. $(OPT) $(SAN)
override LDFLAGS += $(SAN)
LDLIBS = -lnuma -lbsd -llz4 -lpthread
VALGRIND = valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--trace-children=yes --track-fds=no --vgdb=no -q

LIB_SRC   = $(wildcard common/*.c fbarray/*.c ipc/*.c runtime/*.c runtime/*/*.c)
THELP_SRC = $(wildcard test/lib/*.c test/mp/*.c)
TEST_SRC  = $(wildcard test/unit/test_*.c)
BENCH_SRC = $(wildcard test/bench/bench_*.c)
EX_SRC    = $(wildcard examples/*/*.c)

obj       = $(patsubst %.c,$(B)/obj/%.o,$(1))
LIB_OBJ   = $(call obj,$(LIB_SRC))
TESTS     = $(patsubst test/unit/%.c,$(B)/test/%,$(TEST_SRC))
BENCHES   = $(patsubst test/bench/%.c,$(B)/bench/%,$(BENCH_SRC))
EXAMPLES  = $(patsubst examples/%/,$(B)/examples/%,$(sort $(dir $(EX_SRC))))
LIB_A     = $(B)/libmemplane.a
SO_REAL   = $(B)/libmemplane.so.0.1
SO_LINKS  = $(B)/libmemplane.so.0 $(B)/libmemplane.so

.PHONY: all deps test test-mp test-install test-examples memcheck bench demo install hugepages \
	clean help run-test run-test-mp run-memcheck run-bench run-demo FORCE
.SECONDEXPANSION:
# Objects come from pattern rules only; without this make deletes them.
.SECONDARY:

all: $(LIB_A) $(SO_LINKS) $(TESTS) $(BENCHES) $(EXAMPLES)

# One object tree for every mode: this stamp changes when the flags do and
# every object depends on it, so switching DEBUG or SANITIZER rebuilds all
# objects instead of linking a mix (git's GIT-CFLAGS trick).
$(B)/flags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS) $(LDFLAGS)' >$@

$(B)/obj/%.o: %.c $(B)/flags
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

# Benches measure the code as shipped, so they stay optimised under DEBUG=1.
$(B)/obj/test/bench/%.o: override CFLAGS += -O2

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SO_REAL): $(LIB_OBJ) mk/libmemplane.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libmemplane.so.0 \
		-Wl,--version-script=mk/libmemplane.map -o $@ $(LIB_OBJ) $(LDLIBS)

$(B)/libmemplane.so.0: $(SO_REAL)
	ln -sf libmemplane.so.0.1 $@
$(B)/libmemplane.so: $(B)/libmemplane.so.0
	ln -sf libmemplane.so.0 $@

# Programs: tests get the shared helpers and CUnit; examples are folders.
$(B)/test/%: $(B)/obj/test/unit/%.o $(call obj,$(THELP_SRC)) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcunit $(LDLIBS)
$(B)/bench/%: $(B)/obj/test/bench/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/examples/%: $$(call obj,$$(wildcard examples/$$*/*.c)) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@sh mk/deps.sh

# Recurse so that deps (which may install headers such as CUnit/Basic.h)
# has finished before the first compile starts, even under -j.
test test-mp memcheck bench demo: deps
	@$(MAKE) --no-print-directory run-$@

# Valgrind cannot run sanitized binaries, so a SANITIZER build skips memcheck.
run-test: all
	@for t in $(TESTS); do $$t || { echo "FAILED: $$t" >&2; exit 1; }; done
	@$(MAKE) --no-print-directory test-examples
	@$(MAKE) --no-print-directory test-install
	+@$(if $(SAN),echo "memcheck: skipped under SANITIZER=$(SANITIZER)",$(MAKE) --no-print-directory run-memcheck)

# The suites whose tests run real groups of processes.
MP_TESTS = $(filter $(addprefix $(B)/test/test_,mp group eal),$(TESTS))
run-test-mp: all
	@for t in $(MP_TESTS); do $$t || { echo "FAILED: $$t" >&2; exit 1; }; done

# MEMPLANE_MEMCHECK=1 shrinks the tests' loops; trace-children follows the
# secondaries that the tests re-exec.
run-memcheck: all
	@for t in $(TESTS); do echo "memcheck: $$t"; MEMPLANE_MEMCHECK=1 $(VALGRIND) $$t || \
		{ echo "FAILED under memcheck: $$t" >&2; exit 1; }; done

run-bench: all
	@for b in $(BENCHES); do echo "== $$b"; $$b || { echo "FAILED: $$b" >&2; exit 1; }; done

run-demo: all
	$(B)/examples/extmem

test-examples: $(EXAMPLES)
	@sh mk/test-examples.sh $(EXAMPLES)

test-install: $(LIB_A) $(SO_LINKS)
	+@MAKE="$(MAKE)" SAN="$(SAN)" sh mk/test-install.sh

install: $(LIB_A) $(SO_LINKS)
	install -d $(D)/lib/pkgconfig $(D)/include/memplane
	install -m 644 $(LIB_A) $(D)/lib/
	install -m 755 $(SO_REAL) $(D)/lib/
	ln -sf libmemplane.so.0.1 $(D)/lib/libmemplane.so.0
	ln -sf libmemplane.so.0 $(D)/lib/libmemplane.so
	install -m 644 include/*.h $(D)/include/memplane/
	sed 's|@PREFIX@|$(PREFIX)|' mk/memplane.pc.in >$(D)/lib/pkgconfig/memplane.pc

hugepages:
	@sh mk/hugepages.sh $(PAGES)

clean:
	rm -rf $(B)

help:
	@sed -n 's/^## \{0,1\}//p' Makefile

-include $(patsubst %.o,%.d,$(call obj,$(LIB_SRC) $(THELP_SRC) $(TEST_SRC) $(BENCH_SRC) $(EX_SRC)))
