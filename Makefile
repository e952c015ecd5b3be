# SPDX-License-Identifier: GPL-2.0
#
# cpns: the kernel module (kmod/, built by Kbuild), the tool (userspace/)
# and the tests (selftests/).
#
#   make                 the module for KVER (default: the running kernel)
#                        and cpnsctl
#   make module | tool   one of the two
#   make install         cpns.ko into /lib/modules/KVER/updates/dkms (the
#                        one location: DKMS's on Debian), depmod on a real
#                        root only (DESTDIR= skips it unless DEPMOD_DESTDIR=1),
#                        the module's modules-load.d and modprobe.d files,
#                        cpnsctl, its man page, units, completion, cpns.conf
#                        (DESTDIR, PREFIX)
#   make uninstall       removes all of that again (cpns.conf only if it is
#                        unchanged), depmod on a real root
#   make dkms-install    register the source with DKMS, build and install it;
#                        sources changed under the same version replace the
#                        registered ones (dkms remove, add, build, install)
#   make deb             the Debian packages cpns-dkms and cpnsctl
#                        (dpkg-buildpackage, into build/deb), then lintian
#   make check-system    boots a Debian bookworm system (mmdebstrap, cached
#                        in /var/cache/cpns/system-image) under QEMU, installs
#                        the two packages with dpkg -i, checks the units, an
#                        assignment, a reboot and a purge; not part of check
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
# depmod into a DESTDIR staging tree only when asked (a package runs it
# on the target, DKMS does on its own).
DEPMOD_DESTDIR ?= 0
# The one place cpns.ko is installed, by make install and by DKMS alike:
# Debian's DKMS always uses updates/dkms (it overrides the DEST_MODULE_-
# LOCATION of dkms.conf there), and depmod's default search order puts
# updates/ before the kernel's own modules.
MODDIR := updates/dkms
MODFILE = $(DESTDIR)/lib/modules/$(KVER)/$(MODDIR)/cpns.ko
RUN_DEPMOD = $(if $(DESTDIR),$(if $(filter 1,$(DEPMOD_DESTDIR)),$(DEPMOD) -b $(DESTDIR) -a $(KVER)),$(DEPMOD) -a $(KVER))
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
	@if [ -z "$(DESTDIR)" ] && command -v dkms >/dev/null && \
	    dkms status -k $(KVER) cpns 2>/dev/null | grep -q installed; then \
		echo "install: cpns is installed by DKMS for $(KVER) (a package or make dkms-install): remove that first (apt-get remove cpns-dkms, or dkms remove cpns/$(VERSION) --all)" >&2; \
		exit 1; \
	fi
	install -D -m 0644 kmod/cpns.ko $(MODFILE)
	$(RUN_DEPMOD)
	$(MAKE) install-module-conf
	$(MAKE) -C userspace install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	$(MAKE) -C systemd install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

# What the module needs besides itself (also in the cpns-dkms package): it
# is loaded at boot, since the kernel does not autoload a key type, and
# modprobe.d documents its parameters.
install-module-conf:
	install -D -m 0644 conf/modules-load.conf $(DESTDIR)$(PREFIX)/lib/modules-load.d/cpns.conf
	[ -e $(DESTDIR)/etc/modprobe.d/cpns.conf ] || \
		install -D -m 0644 conf/modprobe.conf $(DESTDIR)/etc/modprobe.d/cpns.conf

uninstall:
	rm -f $(MODFILE)
	-rmdir $(dir $(MODFILE)) 2>/dev/null
	$(RUN_DEPMOD)
	rm -f $(DESTDIR)$(PREFIX)/lib/modules-load.d/cpns.conf
	@if cmp -s conf/modprobe.conf $(DESTDIR)/etc/modprobe.d/cpns.conf; then \
		rm -f $(DESTDIR)/etc/modprobe.d/cpns.conf; \
	elif [ -e $(DESTDIR)/etc/modprobe.d/cpns.conf ]; then \
		echo "uninstall: kept /etc/modprobe.d/cpns.conf (changed locally)"; fi
	$(MAKE) -C userspace uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	$(MAKE) -C systemd uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

# The module's source tree as DKMS and the cpns-dkms package ship it.
DKMS_SRC = dkms.conf Kbuild kmod uapi
dkms-src:
	test -n "$(DKMS_DEST)"
	rm -rf $(DKMS_DEST)
	mkdir -p $(DKMS_DEST)
	cp -a $(DKMS_SRC) $(DKMS_DEST)/
	rm -f $(DKMS_DEST)/kmod/*.o $(DKMS_DEST)/kmod/*.ko \
		$(DKMS_DEST)/kmod/*.mod* $(DKMS_DEST)/kmod/.*.cmd \
		$(DKMS_DEST)/kmod/modules.order $(DKMS_DEST)/kmod/Module.symvers
	sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(VERSION)"/' \
		$(DKMS_DEST)/dkms.conf

# DKMS keys a build by name and version only: the same version with other
# sources would be skipped as "already installed", so compare the sources
# with the registered copy and re-register when they differ.
dkms-install: dkms.conf
ifeq ($(DESTDIR),)
	rm -rf build/dkms-src
	$(MAKE) dkms-src DKMS_DEST=$(CURDIR)/build/dkms-src
	@if dkms status cpns/$(VERSION) | grep -q . && \
	    ! diff -r -q build/dkms-src /usr/src/cpns-$(VERSION) >/dev/null; then \
		echo "dkms-install: the sources of cpns/$(VERSION) changed: re-registering"; \
		dkms remove cpns/$(VERSION) --all; \
	fi
	@if ! dkms status cpns/$(VERSION) | grep -q .; then \
		rm -rf /usr/src/cpns-$(VERSION) && \
		cp -a build/dkms-src /usr/src/cpns-$(VERSION) && \
		dkms add cpns/$(VERSION); \
	fi
	dkms build cpns/$(VERSION) -k $(KVER)
	dkms install cpns/$(VERSION) -k $(KVER)
	$(MAKE) install-module-conf
else
	$(MAKE) dkms-src DKMS_DEST=$(DESTDIR)/usr/src/cpns-$(VERSION)
endif

DEB_OUT ?= $(CURDIR)/build/deb

deb:
	scripts/deps.sh --system
	scripts/deb.sh $(DEB_OUT)

check-system:
	scripts/deps.sh --system
	scripts/system-test.sh

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

.PHONY: all module module-debug tool install install-module-conf uninstall \
	dkms-src dkms-install deb check-system deps check demo \
	vm-shell bench style clean
.PHONY: check-debug fuzz structure
