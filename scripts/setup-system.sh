#!/usr/bin/env bash
# Installs the Debian packages Comity needs, only those that are missing.
#   chromium           headless browser for the browser tests (Playwright drives it; no browser downloads)
#   postgresql         throwaway PostgreSQL server for the test suite (initdb/pg_ctl on loopback)
#   postgresql-client  pg_dump and psql, for `comity backup` / `comity restore` on PostgreSQL
#   fonts-noto-core    fonts for generated documents and screenshots
#   libpango-1.0-0     text layout for WeasyPrint (PDF documents), with fonts-noto-cjk for Chinese names
#   libicu-dev         ICU headers: benchmarks/bench_screening.py builds PyICU for nomenklatura's logic-v2 (only there)
# Usage: scripts/setup-system.sh [--browser] [--postgres] [--documents] [--screening]
set -euo pipefail
want_browser=0; want_pg=0; want_docs=0; want_screening=0
for a in "$@"; do
  case "$a" in
    --browser) want_browser=1 ;;
    --postgres) want_pg=1 ;;
    --documents) want_docs=1 ;;
    --screening) want_screening=1 ;;
    *) echo "setup-system: unknown option $a" >&2; exit 2 ;;
  esac
done
pkgs=()
if [ "$want_browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then pkgs+=(chromium fonts-noto-core); fi
if [ "$want_pg" = 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then pkgs+=(postgresql); fi
if [ "$want_pg" = 1 ] && ! command -v pg_dump >/dev/null 2>&1; then pkgs+=(postgresql-client); fi
if [ "$want_docs" = 1 ]; then
  for p in libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-cjk; do
    dpkg -s "$p" >/dev/null 2>&1 || pkgs+=("$p")
  done
fi
if [ "$want_screening" = 1 ]; then
  for p in libicu-dev pkg-config; do
    dpkg -s "$p" >/dev/null 2>&1 || pkgs+=("$p")
  done
fi
[ ${#pkgs[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup-system: need root (or sudo) to install: ${pkgs[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "setup-system: installing ${pkgs[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
