#!/bin/sh
# The Python package (python/vliwkit, docs/python.md) with the tools just
# built: tests/test_vliwkit.py, run by unittest from the standard library.
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is not installed; the Python package is not tested (apt-get install python3)"
    exit 77
fi
srcdir=$(cd "${top_srcdir:-.}" && pwd)
PYTHONPATH="$srcdir/python" PYTHONDONTWRITEBYTECODE=1 VLIWKIT_BINDIR=$(cd "${top_builddir:-.}" && pwd)
export PYTHONPATH PYTHONDONTWRITEBYTECODE VLIWKIT_BINDIR
exec python3 "$srcdir/tests/test_vliwkit.py"
