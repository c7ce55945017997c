#!/usr/bin/env bash
# The main job, as far as it goes today: set up the machine, build, and
# run the dataplane's self-check — sipfork-dp starts its EAL on hugepages
# with a fresh --file-prefix, brings up an in-process net_ring port, and
# sends real SIP/ARP frames through its worker loop.  Later issues turn
# this into a forked call between sipp peers in a network namespace.
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
	rm -rf "/var/run/dpdk/$prefix"
	rm -f /dev/hugepages/"$prefix"map_*
}
trap cleanup EXIT
SIPFORK_TESTDATA=$(cd .. && pwd)/shared/testdata
export SIPFORK_TESTDATA
timeout 60 build/dataplane/sipfork-dp -l 0-1 --no-pci \
	--file-prefix="$prefix" -- -c cfg/sipfork.conf --self-check
