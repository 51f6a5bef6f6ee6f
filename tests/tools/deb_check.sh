#!/usr/bin/env bash
# The package check `make deb-check` runs (in CI, from `make test`): lintian,
# then install the package with dpkg, use it as a user would, and remove it
# leaving nothing behind. Needs root (or sudo) for dpkg.
set -euo pipefail

deb=$1
[ -f "$deb" ] || { echo "deb-check: no package at $deb" >&2; exit 1; }
SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "lintian $(basename "$deb")"
# Errors and warnings fail; the overrides that remain are explained in
# packaging/debian/lintian-overrides (installed with the package).
lintian --fail-on error,warning --info "$deb"

if dpkg -s panorama >/dev/null 2>&1; then
  echo "deb-check: a Panorama package is installed already; it is replaced and removed at the end" >&2
fi
step "dpkg -i"
$SUDO dpkg -i "$deb"
dpkg -L panorama | sort > "$work/files"

step "panorama --version"
version=$(panorama --version)
echo "$version"
grep -q '^panorama [0-9]' <<<"$version"
grep -q 'HDF5 ' <<<"$version"

export HOME="$work/home" XDG_RUNTIME_DIR="$work/run"
mkdir -p "$HOME" && mkdir -m 0700 "$XDG_RUNTIME_DIR"
unset XDG_DATA_HOME XDG_DATA_DIRS XDG_CONFIG_HOME XDG_CONFIG_DIRS PANORAMA_HOME PANORAMA_ASSETS PANORAMA_NXDL_DIR

step "xdg-mime"
default=$(xdg-mime query default application/x-nexus)
echo "application/x-nexus opens with: $default"
[ "$default" = org.panoramascience.Panorama.desktop ]
for t in application/x-hdf5 text/x-orso; do
  d=$(xdg-mime query default "$t"); echo "$t opens with: $d"
  [ "$d" = org.panoramascience.Panorama.desktop ]
done
grep -q '^60:application/x-nexus:\*\.nxs$' /usr/share/mime/globs2

step "panorama doctor"
doctor=$(xvfb-run -a panorama doctor) || { echo "$doctor"; exit 1; }
echo "$doctor"
grep -q '^\[ok  \] file types' <<<"$doctor" || { echo "deb-check: doctor does not see the file types" >&2; exit 1; }

step "open a demo file in a window"
demo=/usr/share/panorama/assets/demo/demo_spectrum1d.nxs
[ -f "$demo" ]
report="$work/report.json"
PANORAMA_OFFLINE=1 PANORAMA_REPORT="$report" xvfb-run -a panorama "$demo" 2>"$work/stderr" &
launcher=$!
ok=""
for _ in $(seq 1 600); do
  if [ -s "$report" ] && grep -q '"view": *"line"' "$report"; then ok=1; break; fi
  sleep 0.1
done
pkill -f "panorama $demo" || true
wait "$launcher" 2>/dev/null || true
if [ -z "$ok" ]; then
  echo "deb-check: the window did not show the demo spectrum within 60 s" >&2
  cat "$work/stderr" >&2; [ -f "$report" ] && head -c 2000 "$report" >&2
  exit 1
fi
echo "the window shows the line plot of $demo"

step "the packaged NeXus definitions"
panorama validate "$demo" --schema nxdl:NXdata
nope=$(panorama validate "$demo" --schema nxdl:NXnot_a_class 2>&1 || true)
grep -q '/usr/share/panorama/nxdl' <<<"$nope" || { echo "deb-check: the installed binary does not look in /usr/share/panorama/nxdl: $nope" >&2; exit 1; }

step "the bundled catalogue, offline"
mkdir -p "$work/home"
hits=$(PANORAMA_OFFLINE=1 HOME="$work/home" panorama search hydrogen --source demo --json)
grep -q '10.15125/bath-00114' <<<"$hits" || { echo "deb-check: the installed catalogue has no real records: $hits" >&2; exit 1; }
echo "a search for 'hydrogen' finds the DataCite record 10.15125/bath-00114"

step "man pages and completions"
man -w panorama panorama-search >/dev/null
bash -c 'source /usr/share/bash-completion/completions/panorama && complete -p panorama' >/dev/null

step "dpkg -r"
$SUDO dpkg -r panorama
status=$(dpkg-query -W -f='${db:Status-Abbrev}' panorama 2>/dev/null || true)
case "$status" in un*|"") ;; *) echo "deb-check: after dpkg -r the package is '$status'" >&2; exit 1;; esac
left=""
while read -r f; do
  [ -f "$f" ] || [ -L "$f" ] && left="$left $f"
done < "$work/files"
[ -z "$left" ] || { echo "deb-check: files left after dpkg -r:$left" >&2; exit 1; }
if grep -q 'application/x-nexus' /usr/share/mime/globs2; then
  echo "deb-check: the MIME database still lists application/x-nexus after dpkg -r" >&2; exit 1
fi
echo "deb-check: ok"
