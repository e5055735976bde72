#!/usr/bin/env bash
# Rolls one phase back by the runbook (docs/rollback-runbook.md), through the admin CLI.
# Usage: scripts/rollback-phase.sh PHASE "REASON" [--revert-schema] [--backup] [--dry-run] [--yes] [--json]
# Exit status: 0 done, 2 refused as unsafe (nothing changed), 1 error.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  sed -n '3,4p' "$0" | sed 's/^# //' >&2
  exit 1
fi
phase=$1 reason=$2
shift 2
bin/phasegate rollback --phase "$phase" --reason "$reason" "$@"
