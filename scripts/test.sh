#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs, runs the unit tests, then
# every end-to-end suite on SQLite and on a throwaway MariaDB server, and ends with
# "N passed, N failed". Exit status is non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT="$ROOT/test-output"
rm -rf "$OUT" && mkdir -p "$OUT"

START=$SECONDS
step() { printf '\n== %s (at %d s)\n' "$*" $((SECONDS - START)); }

step "dependencies"
source scripts/mariadb-test-server.sh
source scripts/galera-test-cluster.sh
trap 'mariadb_stop; galera_stop' EXIT
# Debian's prometheus package holds promtool: only the binary is unpacked
PROMTOOL_DIR="$ROOT/.tools/prometheus"
promtool_bin() {
  command -v promtool && return
  [ -x "$PROMTOOL_DIR/usr/bin/promtool" ] && echo "$PROMTOOL_DIR/usr/bin/promtool"
}
# Every Debian package the suites need (the console suite's chromium, which playwright-core
# drives without downloading a browser; MariaDB, its client tools and Galera; promtool)
# installs in the background, with one `apt-get update`, while npm installs and the unit
# suite runs. Whatever cannot be installed is reported, and the suites that need it fail.
DEBIAN_PACKAGES=$( { [ -x /usr/bin/chromium ] || echo chromium; mariadb_missing_packages; galera_missing_packages; } | sort -u | tr '\n' ' ')
(
  # shellcheck disable=SC2086 # a list of package names, split on purpose
  debian_install $DEBIAN_PACKAGES || echo "could not install $DEBIAN_PACKAGES: the suites that need them will fail" >&2
  promtool_bin >/dev/null || debian_unpack prometheus "$PROMTOOL_DIR" || echo "could not unpack promtool" >&2
) >"$OUT/debian-packages.log" 2>&1 &
DEBIAN_JOB=$!

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || exit 1
fi
npm run -s build || exit 1

JEST=(node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js --ci)
status=0

run_jest() { # name, extra args...
  local name=$1; shift
  step "$name"
  "${JEST[@]}" --json --outputFile="$OUT/$name.json" "$@" || status=1
}

run_jest unit --selectProjects unit

# --- Lints. Each counts as one test in the summary (test-output/lint-*.json); a failure
# fails the run. The code's: Prettier's format and ESLint (npm run lint); then the API
# contract's (issue 22): Spectral on the OpenAPI document, promtool on /metrics.
lint_step() { # name, command...
  local name=$1; shift
  step "$name"
  if "$@"; then echo '{"numPassedTests":1,"numFailedTests":0}' >"$OUT/$name.json"
  else echo '{"numPassedTests":0,"numFailedTests":1}' >"$OUT/$name.json"; status=1; fi
}
step "Debian packages"
wait "$DEBIAN_JOB"
cat "$OUT/debian-packages.log"
lint_step lint-format npm run -s format:check
lint_step lint-code npm run -s lint
mkdir -p "$OUT/contract"
if node dist/scripts/contract-artifacts.js "$OUT/contract"; then
  lint_step lint-openapi npx --no-install spectral lint --ruleset .spectral.yaml --fail-severity warn "$OUT/contract/openapi.json"
  PROMTOOL=$(promtool_bin) || PROMTOOL=false
  lint_step lint-metrics "$PROMTOOL" check metrics <"$OUT/contract/metrics.txt"
else
  lint_step lint-openapi false
fi
# --- end of lints
TEST_DB=sqlite run_jest e2e-sqlite --selectProjects e2e --maxWorkers=2

step "MariaDB"
if mariadb_start; then
  TEST_DB=mysql run_jest e2e-mariadb --selectProjects e2e --maxWorkers=2
  mariadb_stop
else
  echo "could not start MariaDB: the MariaDB suites count as failed"
  echo '{"numPassedTests":0,"numFailedTests":1}' >"$OUT/e2e-mariadb.json"
  status=1
fi

# --- Galera cluster (issue 20): its own suite on a throwaway 3-node cluster, counted below ---
step "Galera cluster"
if galera_start; then
  TEST_DB=mysql TEST_MYSQL_URL="${TEST_GALERA_URLS%%,*}" run_jest e2e-galera --selectProjects e2e --maxWorkers=1 test/galera.e2e-spec.ts
  galera_stop
else
  echo "could not start the Galera cluster: its suite counts as failed"
  echo '{"numPassedTests":0,"numFailedTests":1}' >"$OUT/e2e-galera.json"
  status=1
fi
# --- end of the Galera cluster block ---

step "summary"
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of process.argv.slice(1)) {
    let r;
    try { r = JSON.parse(fs.readFileSync(f, "utf8")); } catch { console.log(`${f}: no results`); failed++; continue; }
    const suiteErrors = (r.testResults || []).filter((s) => s.status === "failed" && !(s.assertionResults || []).some((a) => a.status === "failed")).length;
    // a suite that skips itself (no tmpfs to mount, not on MariaDB) is named, not passed over in silence
    const skippedSuites = (r.testResults || []).filter((s) => (s.assertionResults || []).length > 0 && s.assertionResults.every((a) => a.status === "pending")).map((s) => s.name.split("/").pop());
    const pending = r.numPendingTests || 0;
    console.log(`${f.split("/").pop().replace(".json", "")}: ${r.numPassedTests} passed, ${r.numFailedTests + suiteErrors} failed, ${pending} skipped${skippedSuites.length ? ` (whole suites: ${skippedSuites.join(", ")})` : ""}`);
    passed += r.numPassedTests; failed += r.numFailedTests + suiteErrors; skipped += pending;
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
' "$OUT"/unit.json "$OUT"/lint-*.json "$OUT"/e2e-sqlite.json "$OUT"/e2e-mariadb.json "$OUT"/e2e-galera.json || status=1
exit $status
