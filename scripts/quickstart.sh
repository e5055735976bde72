#!/usr/bin/env bash
# From a fresh clone to a running server with demo data, needing only Node and npm:
# installs dependencies, builds, migrates the SQLite file, seeds demo data, creates an admin
# API key, starts the People API simulator in the background and the server in the
# foreground (Ctrl-C stops both).
# Honours PORT (3000) and DB_PATH (.data/phasegate.sqlite); see README.md for the rest.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "Phasegate needs Node ^20.19 (found $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

export NODE_ENV=development
export DB_TYPE="${DB_TYPE:-sqlite}"
export DB_PATH="${DB_PATH:-.data/phasegate.sqlite}"
export PORT="${PORT:-3000}"
CLI=(node dist/bundle/cli.js)

say "dependencies"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  echo "node_modules is up to date"
fi

say "build"
npm run -s build

if [ "$DB_TYPE" = sqlite ]; then say "database: SQLite file $DB_PATH"; else say "database: $DB_TYPE (DB_URL or DB_* variables)"; fi
"${CLI[@]}" migrate

# the seed command arrives with the production module; older trees simply skip it
if "${CLI[@]}" --help | grep -E '^\s+seed\b' >/dev/null; then
  say "demo data"
  "${CLI[@]}" seed --demo
fi

# prints the new key of role $1 named $2
new_key() {
  "${CLI[@]}" keys create --role "$1" --name "$2" --json | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const r = JSON.parse(s);
      if (!r.key) { console.error(r.error || s); process.exit(1); }
      console.log(r.key);
    });'
}

say "admin API key, and a station key for the demo kiosk"
STAMP="$(date +%Y%m%d-%H%M%S)"
KEY_NAME="quickstart-admin-$STAMP"
KEY=$(new_key admin "$KEY_NAME")
STATION_KEY=$(new_key station "quickstart-station-$STAMP")

say "People API simulator (Phase 9's upstream) on port ${PEOPLE_SIM_PORT:=4010}"
export PEOPLE_API_URL="${PEOPLE_API_URL:-http://127.0.0.1:$PEOPLE_SIM_PORT}"
export PEOPLE_API_TOKEN="${PEOPLE_API_TOKEN:-people-sim-token}"
node dist/scripts/people-api-sim.js --port "$PEOPLE_SIM_PORT" --size 2000 --token "$PEOPLE_API_TOKEN" &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null' EXIT

BASE="http://localhost:$PORT"
cat <<EOF

  ┌──────────────────────────────────────────────────────────────────────────┐
    Admin API key "$KEY_NAME" (shown only now; keep it):

      $KEY

    API      $BASE/api/v1       (Authorization: Bearer <key>)
    Docs     $BASE/docs
    Health   $BASE/health/ready
    Console  $BASE/console/     (sign in with the key)

    Kiosk of station ST-KIT (sign in with its station key):
      $BASE/console/#/station/ST-KIT
      $STATION_KEY
    Scan (or type, then Enter) DEMO-J001-0001 there: once to start it, and again
    (more than 5 s later) to complete it and send it on to ST-CUT.

    Try:  curl -H "Authorization: Bearer $KEY" $BASE/api/v1/auth/me
  └──────────────────────────────────────────────────────────────────────────┘

EOF

say "server on port $PORT (Ctrl-C stops it and the simulator)"
node dist/bundle/main.js
