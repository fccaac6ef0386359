#!/usr/bin/env bash
# Every quality gate, then the test suite. Called by `make test` (and so by .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "== ruff format --check"; $BIN/ruff format --check src tests benchmarks
echo "== ruff check";          $BIN/ruff check src tests benchmarks
echo "== mypy --strict";       $BIN/mypy
echo "== lint-imports";        $BIN/lint-imports
[ "${1:-}" = "--lint-only" ] && exit 0

# Browser tests drive Debian's Chromium with Playwright; install it on a machine without it.
if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing chromium (Debian) for the browser tests"
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

# Bill documents are laid out by WeasyPrint (Pango, HarfBuzz) in DejaVu Sans; the reference
# PNGs of the bill layout tests assume exactly these Debian packages.
# (each package is checked: WeasyPrint imports without libharfbuzz-subset0 but warns, and the
# suite treats warnings as errors)
PKGS="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig fonts-dejavu-core"
MISSING=""
for pkg in $PKGS; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || MISSING="$MISSING $pkg"
done
if [ -n "$MISSING" ] || ! $BIN/python -W error -c "import weasyprint" >/dev/null 2>&1; then
  echo "== installing WeasyPrint's libraries and fonts (Debian) for the bill documents:$MISSING"
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PKGS >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PKGS >/dev/null
  fi
fi

# The PostgreSQL suite runs when a server answers; .ci/run sets URBIS_REQUIRE_POSTGRES=1
# so that a missing server fails the run instead of skipping the suite.
export URBIS_TEST_POSTGRES_URL="${URBIS_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
mkdir -p .ci-results
echo "== pytest"
$BIN/pytest -p no:cacheprovider -n "${URBIS_TEST_WORKERS:-2}" --junitxml=.ci-results/junit.xml "${@}"
