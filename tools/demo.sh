#!/usr/bin/env bash
# The main job, end to end, on this machine:
#   1. sipfork-dp checks itself: EAL on hugepages, an in-process port, and
#      a call forked through [route demo] of cfg/sipfork.conf (100 Trying,
#      branches, 180/200 relayed, CANCEL and 487/ACK, ACK/BYE routed).
#   2. Real SIP peers: sipp callers and callees in a network namespace,
#      sipfork-dp on an af_packet port: a hunt group forked to 4 devices,
#      a caller CANCEL, a best response, a serial failover.
#   3. sipfork-bench: calls per second and bytes per call on one lcore.
# Every step sets itself up and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/bootstrap.sh
if [ -f build/build.ninja ]; then
	meson setup --reconfigure build >/dev/null
else
	meson setup build >/dev/null
fi
ninja -C build >/dev/null

prefix="sfdemo$$"
cleanup() {
	rm -rf "/var/run/dpdk/$prefix" "/var/run/dpdk/${prefix}b"
	rm -f /dev/hugepages/"$prefix"map_* /dev/hugepages/"${prefix}b"map_*
}
trap cleanup EXIT
SIPFORK_TESTDATA=$(cd .. && pwd)/shared/testdata
export SIPFORK_TESTDATA

echo "== 1. sipfork-dp --self-check (a forked call through [route demo])"
timeout 60 build/dataplane/sipfork-dp -l 0-1 --no-pci \
	--file-prefix="$prefix" --log-level='*:warning' -- \
	-c cfg/sipfork.conf --self-check

echo
echo "== 2. sipp peers in a network namespace, sipfork-dp on af_packet"
BUILD_DIR=build bash test/integration/fork_calls.sh

echo
echo "== 3. sipfork-bench: the worker loop on one lcore, peers on the other"
timeout 300 build/tools/sipfork-bench -l 0-1 --no-pci --huge-unlink \
	--file-prefix="${prefix}b" --log-level='*:warning' -- \
	--branches 1,4,16,64 --calls 5000 --rounds 3
