#!/usr/bin/env bash
# Idempotent set-up of a fresh Debian 12 machine for sipfork, as root:
# build and test packages, hugepages reserved, hugetlbfs mounted.
# Safe to run again: every step checks before it acts.
set -euo pipefail

PKGS=(gcc clang libclang-rt-14-dev meson ninja-build pkg-config python3
      libdpdk-dev dpdk dpdk-dev libnuma-dev libcunit1-dev libinih-dev
      libsqlite3-dev sip-tester iproute2 ethtool tshark tcpdump)
HUGEPAGES_2M=${SIPFORK_HUGEPAGES:-512}   # 1 GiB: dp + cp + a test or two at once

log() { echo "bootstrap: $*"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "bootstrap: must run as root (apt, hugepages, netns)" >&2
	exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root may capture; answer once, quietly.
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ -w "$nr" ] && [ "$(cat "$nr")" -lt "$HUGEPAGES_2M" ]; then
	log "reserving $HUGEPAGES_2M x 2 MiB hugepages"
	echo "$HUGEPAGES_2M" > "$nr" || true
fi
if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages
fi
mkdir -p /run/sipfork
log "ready ($(cat "$nr" 2>/dev/null || echo 0) hugepages)"
