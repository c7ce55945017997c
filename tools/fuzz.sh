#!/usr/bin/env bash
# Fuzz the SIP parser for SECONDS seconds with libFuzzer, ASan and UBSan.
#
#   tools/fuzz.sh SECONDS
#
# Configures build-fuzz on first use (clang, -Dfuzz=true), rebuilds the
# target, and runs it on a temporary copy of the seed corpus (the RFC 4475
# messages plus test/fuzz/corpus/), so new inputs never land in the repo.
# Prints the number of executions; exits non-zero on any crash, leak or
# sanitizer report, after copying the failing inputs out of the temporary
# directory and naming where they are.
set -euo pipefail

usage() {
	echo "usage: $0 SECONDS" >&2
	exit 2
}

[ $# -eq 1 ] || usage
secs=$1
[[ $secs =~ ^[1-9][0-9]*$ ]] || usage

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
rfc=$root/../shared/testdata/rfc4475
opts=(-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false)

work=$(mktemp -d "${TMPDIR:-/tmp}/sipfork-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/artifacts"

# Build quietly, but show the compiler's words if it fails.
build_step() {
	if ! "$@" >"$work/build.log" 2>&1; then
		cat "$work/build.log" >&2
		echo "fuzz_sip_parse: build step failed: $*" >&2
		exit 1
	fi
}
if [ ! -f "$build/build.ninja" ]; then
	CC=clang build_step meson setup "$build" "$root" "${opts[@]}"
else
	# Cheap when nothing changed; repairs a dir set up with other options.
	build_step meson configure "$build" "${opts[@]}"
fi
build_step ninja -C "$build" test/fuzz/fuzz_sip_parse
cp "$rfc"/*.dat "$work/corpus/"
cp "$root"/test/fuzz/corpus/* "$work/corpus/"

# UBSan only reports by default; make every finding a crash libFuzzer sees.
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

rc=0
"$build/test/fuzz/fuzz_sip_parse" \
	-max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$work/corpus" \
	>"$work/log" 2>&1 || rc=$?

# libFuzzer 14 names the final count number_of_executed_units; older
# and newer releases say number_of_executed_runs.
runs=$(awk '/^stat::number_of_executed_(runs|units):/ { print $2 }' \
	"$work/log")
echo "fuzz_sip_parse: ${runs:-0} executions in ${secs}s"

if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
	keep=$(mktemp -d "${TMPDIR:-/tmp}/sipfork-fuzz-crash.XXXXXX")
	cp "$work/log" "$work"/artifacts/* "$keep/" 2>/dev/null || true
	tail -n 40 "$work/log" >&2
	echo "fuzz_sip_parse: failed (exit $rc); inputs and log in $keep" >&2
	exit 1
fi
