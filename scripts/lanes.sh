#!/usr/bin/env bash
# Run lanes of commands side by side; within a lane, one after the other.
#
#   scripts/lanes.sh 'make a; make b' 'make c'
#
# Each argument is one lane (a shell command line, stopped at its first failure). Every output
# line is prefixed with its lane's number and streamed as it comes, so a log shows what each lane
# was doing when. The exit status is 0 only when every lane succeeded; a summary with each lane's
# time and result ends the output. Used by `make test` (molecule scenarios spend a third of their
# time waiting on hosts, so two lanes finish well before one).
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: $0 'LANE COMMANDS' ['LANE COMMANDS' ...]" >&2; exit 2; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pids=()
lane=0
for commands in "$@"; do
  lane=$((lane + 1))
  (
    start=$SECONDS
    bash -eo pipefail -c "$commands" 2>&1 | sed -u "s/^/[lane $lane] /"
    status=${PIPESTATUS[0]}
    echo "$status $((SECONDS - start))" >"$dir/$lane"
  ) &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

failed=0
lane=0
for commands in "$@"; do
  lane=$((lane + 1))
  read -r status seconds <"$dir/$lane" || { status=255 seconds=?; }
  [ "$status" = 0 ] && result=passed || { result="FAILED (exit $status)"; failed=1; }
  printf '[lanes] lane %d %s in %s s: %s\n' "$lane" "$result" "$seconds" "$commands"
done
exit $failed
