#!/usr/bin/env bash
# Every test sipfork has, from a fresh Debian 12 machine: set-up, release
# and sanitizer builds, CUnit suites (both builds), the parser fuzzer for a
# bounded time, the DPDK smoke test with hugepages, sipp peers against
# sipfork-dp in a network namespace, and the benchmarks (which fail when a
# call does not complete or a transaction is left over).
# Ends with one "N passed, M failed" line; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

bash tools/bootstrap.sh || { echo "test.sh: bootstrap failed" >&2; exit 1; }

passed=0
failed=0
failures=()
# step NAME CMD...: one check; a failure is remembered by name.
step() {
	local name=$1
	shift
	echo
	echo "=== $name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$name")
	fi
}

# suite NAME BUILD_DIR: every meson unit test counts on its own, from
# meson's "Ok:" and "Fail:" lines.
suite() {
	local name=$1 dir=$2 log rc ok fail
	echo
	echo "=== $name"
	log=$(mktemp)
	meson test -C "$dir" --suite unit -v --num-processes 2 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	ok=$(awk '/^Ok:/ {print $2}' "$log")
	fail=$(awk '/^Fail:/ {print $2}' "$log")
	rm -f "$log"
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${fail:-0}))
	if [ "$rc" -ne 0 ]; then
		[ "${fail:-0}" -gt 0 ] || failed=$((failed + 1))
		failures+=("$name")
	fi
}

setup() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi && ninja -C "$dir"
}

step "build (release)" setup build
suite "unit tests (release)" build
step "build (ASan/UBSan)" setup build-asan -Dbuildtype=debug \
	-Db_sanitize=address,undefined -Db_lundef=false
# DPDK's EAL keeps a few allocations for the process lifetime; the
# suppressions file names them so real leaks still fail the run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/test/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
suite "unit tests (ASan/UBSan)" build-asan
step "fuzz sip_parse (${FUZZ_SECONDS}s)" bash tools/fuzz.sh "$FUZZ_SECONDS"
step "smoke: sipfork-dp over net_ring and net_pcap" \
	env BUILD_DIR=build bash test/integration/smoke_dp.sh
step "integration: sipp peers in a namespace, sipfork-dp on af_packet" \
	env BUILD_DIR=build bash test/integration/fork_calls.sh
step "bench: parser ns/message" build/test/bench/sipfork-bench-parse
step "bench: timer wheel cycles/op" build/test/bench/sipfork-bench-tmr
# The fast-path bench doubles as an end-to-end check: it fails when a
# call does not complete or anything is left over.
bench_prefix="sfbench$$"
step "bench: sipfork-bench, worker and peers on two lcores" \
	build/tools/sipfork-bench -l 0-1 --no-pci --huge-unlink \
	--file-prefix="$bench_prefix" --log-level='*:warning' -- \
	--calls "${BENCH_CALLS:-10000}" --rounds 3
step "bench: sipfork-bench, interleaved (worker cycles only)" \
	build/tools/sipfork-bench -l 0 --no-pci --huge-unlink \
	--file-prefix="${bench_prefix}i" --log-level='*:warning' -- \
	--calls "${BENCH_CALLS:-10000}" --rounds 3
rm -rf "/var/run/dpdk/$bench_prefix" "/var/run/dpdk/${bench_prefix}i"

echo
if [ "$failed" -gt 0 ]; then
	printf 'failed: %s\n' "${failures[@]}"
fi
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
