#!/bin/sh
# run-all.sh - the whole test suite from a clean clone: install the
# Debian packages it needs, build with warnings as errors, run make check.
# Usage: sh t/run-all.sh [extra configure arguments]
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/t/install-deps.sh"
build=${BUILD_DIR:-$top/build}
cd "$top"
[ -x configure ] || autoreconf -fi
mkdir -p "$build"
cd "$build"
"$top/configure" -q "$@"
make -j"$(nproc)"
make check
