#!/usr/bin/env bash
# Emergency rollback: every phase flag off and every phase job stopped in one go; no schema
# change, no data touched. Safe to repeat.
# Usage: scripts/emergency-rollback.sh "REASON" [--yes] [--dry-run] [--json]
# Exit status: 0 done, 2 refused (no confirmation), 1 error.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  sed -n '4,5p' "$0" | sed 's/^# //' >&2
  exit 1
fi
reason=$1
shift
bin/phasegate rollback --emergency --reason "$reason" "$@"
