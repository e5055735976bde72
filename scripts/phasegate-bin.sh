# Sourced by the admin scripts: `phasegate ARGS...` runs this checkout's admin CLI through the
# package's bin entry (package.json "bin".phasegate), the file `npx phasegate` runs, building
# it first when the checkout has not been built. Not `npx` itself: it costs half a second,
# which an emergency rollback should not spend.
phasegate() {
  local bin
  bin=$(sed -n 's/.*"phasegate": *"\([^"]*\)".*/\1/p' package.json)
  [ -n "$bin" ] || { echo "package.json names no phasegate bin" >&2; return 1; }
  [ -f "$bin" ] || npm run -s build
  node "$bin" "$@"
}
