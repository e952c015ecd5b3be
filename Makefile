# SPDX-License-Identifier: GPL-2.0
#
# cpns: the kernel module (kmod/, built by Kbuild), the tool (userspace/)
# and the tests (selftests/).
#
#   make                 the module for KVER (default: the running kernel)
#                        and cpnsctl
#   make module | tool   one of the two
#   make install         modules_install into extra/, depmod, cpnsctl and
#                        its man page (DESTDIR, PREFIX)
#   make dkms-install    register the source with DKMS and build it
#   make check           every test: host unit tests, then the VM suite
#                        (T=cpns_basic runs one program; DEBUG=1 streams
#                        a debug boot; VM_TIMEOUT=seconds)
#   make demo            the main job, in a VM booting a real kernel
#   make check-debug     the VM suite on a KASAN/kmemleak/lockdep kernel
#                        built once from linux-source-6.1 (cached in
#                        /var/cache/cpns/debug-kernel); not part of check
#   make vm-shell        an interactive shell in the test VM
#   make bench           the benchmark, when selftests provide one
#   make fuzz            every libFuzzer target of selftests/fuzz for
#                        FUZZ_TIME seconds each (default 60); fails on any
#                        crash, leak or sanitizer report (TARGETS= some)
#   make style           checkpatch and sparse
#   make structure       scripts/structure.py kmod: no include or call
#                        cycle in kmod/, its layering, netlink.h, function
#                        lengths (KTAP; part of check)
#   make clean

KVER ?= $(shell uname -r)
# The running kernel may have no build tree (a container, a CI host):
# then fall back to the newest kernel that has one, like the VM does.
ifeq ($(wildcard /lib/modules/$(KVER)/build/Makefile),)
ifeq ($(origin KVER),file)
KVER := $(shell scripts/kver.sh 2>/dev/null || uname -r)
endif
endif
KDIR ?= /lib/modules/$(KVER)/build
DEPMOD ?= depmod
PREFIX ?= /usr
DESTDIR ?=
KSRC ?= /var/cache/cpns/linux-source-6.1
KSFT ?= $(KSRC)/tools/testing/selftests
VERSION := $(shell sed -n 's/^\#define CPNS_VERSION "\(.*\)"/\1/p' kmod/cpns.h)

export KSFT

all: module tool

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

module-debug:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 KCFLAGS=-DDEBUG modules

tool:
	$(MAKE) -C userspace

install: module tool
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(DEPMOD) $(if $(DESTDIR),-b $(DESTDIR)) -a $(KVER)
	$(MAKE) -C userspace install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

dkms-install: dkms.conf
	rm -rf $(DESTDIR)/usr/src/cpns-$(VERSION)
	mkdir -p $(DESTDIR)/usr/src/cpns-$(VERSION)
	cp -a dkms.conf Kbuild Makefile kmod uapi $(DESTDIR)/usr/src/cpns-$(VERSION)/
	rm -f $(DESTDIR)/usr/src/cpns-$(VERSION)/kmod/*.o \
		$(DESTDIR)/usr/src/cpns-$(VERSION)/kmod/*.ko \
		$(DESTDIR)/usr/src/cpns-$(VERSION)/kmod/*.mod*
	sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(VERSION)"/' \
		$(DESTDIR)/usr/src/cpns-$(VERSION)/dkms.conf
ifeq ($(DESTDIR),)
	dkms status cpns/$(VERSION) | grep -q . || dkms add cpns/$(VERSION)
	dkms build cpns/$(VERSION) -k $(KVER)
	dkms install cpns/$(VERSION) -k $(KVER)
endif

deps:
	scripts/deps.sh

check: deps
	scripts/check.sh

demo: deps
	selftests/vm/run.sh demo

vm-shell: deps
	selftests/vm/run.sh shell

check-debug: deps
	@env=$$(scripts/debug-kernel.sh --env) && eval "$$env" && \
	export KVER KDIR VMLINUZ MODROOT && \
	BUILD=$${BUILD:-$(CURDIR)/build/vm-debug} KMEMLEAK=1 NO_DEPS=1 \
	VM_MEM=$${VM_MEM:-2G} VM_TIMEOUT=$${VM_TIMEOUT:-5400} \
	TEST_TIMEOUT=$${TEST_TIMEOUT:-1800} selftests/vm/run.sh check

bench: deps
	@if [ -x selftests/bench.sh ] || grep -q '^bench:' selftests/Makefile 2>/dev/null; then \
		if grep -q '^bench:' selftests/Makefile; then $(MAKE) -C selftests bench; \
		else selftests/bench.sh; fi; \
	else echo "bench: no benchmark yet (selftests/bench.sh)"; fi

FUZZ_TIME ?= 60

fuzz: deps
	$(MAKE) -C selftests/fuzz run FUZZ_TIME=$(FUZZ_TIME) $(if $(TARGETS),TARGETS="$(TARGETS)")

# sparse with C=2: it checks every file, even those already built.
style: deps
	$(KSRC)/scripts/checkpatch.pl --no-tree --show-types --terse \
		-f $(filter-out %.mod.c,$(wildcard kmod/*.[ch])) uapi/linux/*.h
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 C=2 modules

structure:
	/usr/bin/python3 scripts/structure.py kmod --userspace

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean || rm -f kmod/*.o kmod/*.ko kmod/*.mod* kmod/.*.cmd
	-$(MAKE) -C userspace clean
	-$(MAKE) -C selftests clean
	-[ ! -e selftests/host/Makefile ] || $(MAKE) -C selftests/host clean
	-[ ! -e selftests/fuzz/Makefile ] || $(MAKE) -C selftests/fuzz clean
	rm -rf build

.PHONY: all module module-debug tool install dkms-install deps check demo \
	vm-shell bench style clean
.PHONY: check-debug fuzz structure
