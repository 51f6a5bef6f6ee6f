# Panorama: two commands.
#   make run    installs what is missing, builds in release and starts the app
#   make test   installs what tests need, then formatting, lints and the whole suite
#
# System packages come from apt (as root, or through sudo); Python tools go
# into a venv under target/; nothing is installed twice.

SHELL := /bin/bash
.DEFAULT_GOAL := help

SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
VENV := target/venv
PY := $(VENV)/bin/python
STAMP := target/.stamps

# Runtime libraries eframe (winit + wgpu) loads, Mesa's software Vulkan for
# machines without a GPU, and the validators `make test` runs.
APT_RUNTIME := pkg-config libxkbcommon-x11-0 libwayland-client0 libwayland-cursor0 \
	libwayland-egl1 libx11-xcb1 libxcursor1 libxrandr2 libxi6 libvulkan1 mesa-vulkan-drivers \
	python3-venv
APT_TEST := desktop-file-utils appstream keyutils slurm-wlm slurmrestd munge \
	xvfb xdotool x11-apps groff-base
# `make bench` times the window under Xvfb against silx (Qt's xcb plugin needs these).
APT_BENCH := xvfb xdotool x11-utils libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0 \
	libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0
BENCH_VENV := target/bench-venv

# The static HDF5 build needs cmake >= 3.26 (Debian 12 has 3.25).
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# Tests and clippy share one target/ and debug profile.
export CARGO_TERM_COLOR ?= never
# The commit `panorama --version` names.
export PANORAMA_GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
# Tests reach loopback peers only: network catalogue sources are skipped.
test lint snapshots: export PANORAMA_OFFLINE := 1
# The sign-in tests must find the kernel keyring `keyctl session` gives them.
test: export PANORAMA_REQUIRE_KEYRING := 1
# Mesa wants a private runtime folder; headless CI machines have none.
ifeq ($(XDG_RUNTIME_DIR),)
export XDG_RUNTIME_DIR := $(CURDIR)/target/xdg-runtime
$(shell mkdir -p -m 0700 $(XDG_RUNTIME_DIR))
endif

.PHONY: help run build test lint fmt snapshots bench deps-run deps-test check-cargo doctor clean-stamps deb deb-check

help:
	@echo "make run    build in release and start Panorama (installs what is missing)"
	@echo "make test   formatting, lints and the whole test suite"
	@echo "make bench  benchmark against h5py on generated data (docs/BENCHMARKS.md)"
	@echo "make snapshots   re-record the GUI snapshot images (then review them)"
	@echo "make deb    the Debian package: target/debian/panorama_<version>_amd64.deb"

check-cargo:
	@command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup (https://rustup.rs), then run make again" >&2; exit 1; }

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi
endef

$(STAMP)/venv: requirements-dev.txt
	@mkdir -p $(STAMP)
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

deps-run: check-cargo
	$(call apt_install,$(APT_RUNTIME))
	@$(MAKE) --no-print-directory $(STAMP)/venv $(STAMP)/nxdl

# The NeXus definitions (NXDL, LGPL) for NeXus validation, from the PyPI
# pynxtools package that ships them, into target/nxdl (Panorama also looks in
# PANORAMA_NXDL_DIR and the data folder's nxdl/).
$(STAMP)/nxdl: tests/tools/fetch_nxdl.py | $(STAMP)/venv
	$(PY) tests/tools/fetch_nxdl.py target/nxdl
	@touch $@

deps-test: deps-run
	$(call apt_install,$(APT_TEST))
	@$(MAKE) --no-print-directory $(STAMP)/oidc $(STAMP)/datacite-xsd

# The official DataCite kernel-4.5 XSD (metadata.xsd and include/), which the
# PyPI datacite 1.4.0 source package ships as test data, into
# target/datacite-xsd/4.5: exported DataCite XML is validated against it.
DATACITE_XSD := target/datacite-xsd
$(STAMP)/datacite-xsd: | $(STAMP)/venv
	rm -rf $(DATACITE_XSD) && mkdir -p $(DATACITE_XSD)/pkg
	$(PY) -m pip download -q --disable-pip-version-check --no-deps --no-binary datacite \
	  datacite==1.4.0 -d $(DATACITE_XSD)/pkg
	tar xzf $(DATACITE_XSD)/pkg/datacite-1.4.0.tar.gz -C $(DATACITE_XSD)/pkg \
	  datacite-1.4.0/tests/data/4.5 datacite-1.4.0/LICENSE
	mv $(DATACITE_XSD)/pkg/datacite-1.4.0/tests/data/4.5 $(DATACITE_XSD)/4.5
	@touch $@

# The OpenID Provider the sign-in tests run against: npm oidc-provider in
# target/oidc (Node.js from apt when the machine has none).
OIDC_DIR := target/oidc
$(STAMP)/oidc: tests/servers/oidc/package-lock.json tests/servers/oidc/op.mjs
	@mkdir -p $(STAMP) $(OIDC_DIR)
	@command -v node >/dev/null && command -v npm >/dev/null || { \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q nodejs npm; }
	cp tests/servers/oidc/package.json tests/servers/oidc/package-lock.json tests/servers/oidc/op.mjs $(OIDC_DIR)/
	cd $(OIDC_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

build: deps-run
	cargo build --release --locked

run: build
	./target/release/panorama $(ARGS)

doctor: build
	./target/release/panorama doctor

fmt:
	cargo fmt --all

lint: deps-test
	cargo fmt --all -- --check
	cargo clippy --locked --all-targets -- -D warnings

test: lint
	desktop-file-validate packaging/org.panoramascience.Panorama.desktop
	appstreamcli validate --no-net --pedantic packaging/org.panoramascience.Panorama.metainfo.xml
	# A private kernel session keyring: sign-in tests keep their refresh tokens
	# there (PANORAMA_KEYRING=keyutils), never in the desktop's own keyring.
	keyctl session - cargo test --locked --all-targets
	@$(MAKE) --no-print-directory deb-check

# The package: cargo-deb (a pinned version, built once into target/tools),
# the man pages and shell completions written by the binary itself from its
# clap definitions, lintian for what Debian's policy asks.
CARGO_DEB_VERSION := 3.6.2
CARGO_DEB := target/tools/bin/cargo-deb
# The Debian revision of this packaging (packaging/debian/changelog says the same).
DEB_REVISION := 1
PKG := target/pkg
APT_PACKAGE := lintian xdg-utils dpkg-dev binutils shared-mime-info desktop-file-utils

$(CARGO_DEB):
	cargo install --locked --quiet --root target/tools --version $(CARGO_DEB_VERSION) cargo-deb

# $(1): the built binary; $(2): cargo-deb's --profile.
define package
	rm -rf $(PKG) && mkdir -p $(PKG)/man $(PKG)/completions
	$(1) manual --to $(PKG)/man >/dev/null && gzip -9n $(PKG)/man/*.1
	$(1) completions bash > $(PKG)/completions/panorama.bash
	$(1) completions zsh > $(PKG)/completions/_panorama
	$(1) completions fish > $(PKG)/completions/panorama.fish
	$(CARGO_DEB) --no-build --locked --profile $(2) --deb-revision $(DEB_REVISION) --output target/debian/
endef

deb: deps-run $(CARGO_DEB)
	$(call apt_install,$(APT_PACKAGE))
	cargo build --release --locked
	$(call package,target/release/panorama,release)
	@ls target/debian/panorama_*_amd64.deb

# What CI checks: the package of the test build (the same sources, debug
# profile, so `make test` builds once) is lintian-clean, installs, registers
# its file types, opens a demo file in a window, and removes cleanly.
deb-check: deps-run $(CARGO_DEB)
	$(call apt_install,$(APT_PACKAGE) xvfb)
	cargo build --locked --bin panorama
	$(call package,target/debug/panorama,dev)
	tests/tools/deb_check.sh target/debian/panorama_$$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)-$(DEB_REVISION)_amd64.deb

BENCH_DATA := target/bench-data

# silx and Qt for the time-to-window reference, in their own venv.
$(STAMP)/bench-venv: tests/tools/requirements-bench.txt
	@mkdir -p $(STAMP)
	[ -x $(BENCH_VENV)/bin/python ] || python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q -r tests/tools/requirements-bench.txt
	@touch $@

bench: deps-test
	$(call apt_install,$(APT_BENCH))
	@$(MAKE) --no-print-directory $(STAMP)/bench-venv
	cargo build --release --locked
	@[ -f $(BENCH_DATA)/stack_bslz4.h5 ] || $(PY) tests/tools/gen_bench_data.py $(BENCH_DATA)
	@[ -f $(BENCH_DATA)/dark2048.h5 ] || $(PY) tests/tools/gen_bench_data.py $(BENCH_DATA) --only dark2048
	@[ -f $(BENCH_DATA)/big10g.h5 ] || $(PY) tests/tools/gen_bench_data.py $(BENCH_DATA) --only big10g
	cargo bench --locked --bench core
	PANORAMA_BENCH_OUT=$(BENCH_DATA)/frames.json cargo bench --locked --bench frames
	$(PY) tests/tools/bench_report.py $(BENCH_DATA) target/release/panorama

snapshots: deps-test
	UPDATE_SNAPSHOTS=1 cargo test --locked --test gui_shell

clean-stamps:
	rm -rf $(STAMP)
