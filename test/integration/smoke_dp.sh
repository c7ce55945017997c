#!/usr/bin/env bash
# Minimal DPDK smoke test of sipfork-dp, on hugepages, with unique
# --file-prefix names and their leftovers removed afterwards.
#   1. --self-check: the dataplane answers frames injected through its own
#      net_ring port (OPTIONS, RFC 4475 badvers, INVITE without route, ARP,
#      drops, a call forked through [route demo]; about 6 s).
#   2. net_pcap: real frames from a pcap file in, a pcap file out; tshark
#      (IPv4 and UDP checksum verification on) must find a 200 OK to an
#      OPTIONS, an ARP reply, and for an INVITE to demo a 100 Trying plus
#      one branch INVITE per target, all with good checksums.
# Usage: BUILD_DIR=build bash test/integration/smoke_dp.sh
# Prints "smoke_dp: N passed, M failed"; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD_DIR=${BUILD_DIR:-build}
DP="$BUILD_DIR/dataplane/sipfork-dp"
OUR_IP=198.18.0.1
SIP_PORT=5060

passed=0
failed=0
prefixes=()
tmp=$(mktemp -d /tmp/smoke_dp.XXXXXX)

cleanup() {
	local p
	for p in "${prefixes[@]}"; do
		rm -rf "/var/run/dpdk/$p"
		rm -f /dev/hugepages/"$p"map_*
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "smoke_dp: ok   $*"; passed=$((passed + 1)); }
fail() { echo "smoke_dp: FAIL $*"; failed=$((failed + 1)); }

if [ ! -x "$DP" ]; then
	echo "smoke_dp: $DP not built (BUILD_DIR=$BUILD_DIR)" >&2
	exit 1
fi

# The example configuration when there is one, else a minimal one.
conf=cfg/sipfork.conf
if [ ! -f "$conf" ]; then
	conf="$tmp/sipfork.conf"
	printf '[dataplane]\nip = %s\nport = %s\n' "$OUR_IP" "$SIP_PORT" \
		>"$conf"
fi
# Both parts assume the address and port the frames are built for.
ip_line="^[[:space:]]*ip[[:space:]]*=[[:space:]]*$OUR_IP([[:space:];#]|$)"
if ! grep -Eq "$ip_line" "$conf"; then
	conf="$tmp/sipfork.conf"
	printf '[dataplane]\nip = %s\nport = %s\n' "$OUR_IP" "$SIP_PORT" \
		>"$conf"
fi
if [ -z "${SIPFORK_TESTDATA:-}" ] && [ -d ../shared/testdata ]; then
	SIPFORK_TESTDATA=$(cd ../shared/testdata && pwd)
	export SIPFORK_TESTDATA
fi

# ---- 1. --self-check over net_ring ---------------------------------------
prefix="sfsmoke$$"
prefixes+=("$prefix")
rc=0
timeout 60 "$DP" -l 0-1 --file-prefix="$prefix" --no-pci --huge-unlink \
	-- -c "$conf" --self-check >"$tmp/selfcheck.out" 2>"$tmp/selfcheck.err" ||
	rc=$?
grep '^self-check:' "$tmp/selfcheck.out" || true
summary='^self-check: [1-9][0-9]* passed, 0 failed$'
if [ "$rc" -eq 0 ] && grep -Eq "$summary" "$tmp/selfcheck.out"; then
	ok "self-check on hugepages (exit 0)"
else
	fail "self-check exited $rc"
	tail -20 "$tmp/selfcheck.err" >&2
fi

# ---- 1b. the same with two workers ---------------------------------------
# A second worker on the second core's lcore (three lcores on two cores):
# the callees' 180s enter on worker 1's queue and must be handed over to
# worker 0, which owns the call.
prefix="sfsmoke2w$$"
prefixes+=("$prefix")
rc=0
timeout 90 "$DP" --lcores=0@0,1@1,2@1 --file-prefix="$prefix" --no-pci \
	--huge-unlink -- -c "$conf" --self-check >"$tmp/selfcheck2.out" \
	2>"$tmp/selfcheck2.err" || rc=$?
grep 'handed to worker 0\|passed' "$tmp/selfcheck2.out" || true
if [ "$rc" -eq 0 ] && grep -Eq "$summary" "$tmp/selfcheck2.out" &&
	grep -q '^self-check: ok   fork: 180 relayed (sent to worker 1' \
		"$tmp/selfcheck2.out"; then
	ok "self-check with two workers: response handed to its owner"
else
	fail "self-check with two workers exited $rc"
	tail -20 "$tmp/selfcheck2.err" >&2
fi

# ---- 2. net_pcap: frames in, frames out ---------------------------------
# Its own configuration, so the route the INVITE forks to is known here.
pconf="$tmp/pcap.conf"
printf '[dataplane]\nip = %s\nport = %s\n[route demo]\ntargets = %s\n' \
	"$OUR_IP" "$SIP_PORT" "198.18.0.2:5070 198.18.0.2:5071" >"$pconf"
# in.pcap: an ARP request for us, an OPTIONS for us and an INVITE to demo
# with an SDP body, from 198.18.0.10:5080, UDP checksums computed.
# Standard library only.
python3 - "$tmp/in.pcap" "$OUR_IP" "$SIP_PORT" <<'PY'
import socket
import struct
import sys

path, our_ip, sip_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
peer_ip, peer_port = "198.18.0.10", 5080
peer_mac = bytes.fromhex("02000000000a")
our_mac = bytes.fromhex("ffffffffffff")   # whatever the pcap port has


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp_frame(payload, ident):
    src, dst = socket.inet_aton(peer_ip), socket.inet_aton(our_ip)
    ulen = 8 + len(payload)
    udp = struct.pack("!HHHH", peer_port, sip_port, ulen, 0) + payload
    c = csum(src + dst + struct.pack("!BBH", 0, 17, ulen) + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, ident, 0, 64,
                     17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return our_mac + peer_mac + b"\x08\x00" + ip + udp


def arp_request():
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, peer_mac,
                      socket.inet_aton(peer_ip), b"\0" * 6,
                      socket.inet_aton(our_ip))
    return b"\xff" * 6 + peer_mac + b"\x08\x06" + arp + b"\0" * 18


def arp_reply(ip, mac):
    # The callees announce themselves: the dataplane holds frames for a
    # next hop until ARP says where it is, and a pcap cannot answer.
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, mac,
                      socket.inet_aton(ip), our_mac,
                      socket.inet_aton(our_ip))
    return our_mac + mac + b"\x08\x06" + arp + b"\0" * 18


def sip(method, ruri, callid, body=b""):
    extra = "Content-Type: application/sdp\r\n" if body else ""
    return ("%s %s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-smoke-%s\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:smoke@%s>;tag=smoke1\r\n"
            "To: <%s>\r\n"
            "Call-ID: %s\r\n"
            "CSeq: 1 %s\r\n"
            "Contact: <sip:smoke@%s:%d>\r\n"
            "%sContent-Length: %d\r\n\r\n" %
            (method, ruri, peer_ip, peer_port, callid, peer_ip, ruri,
             callid, method, peer_ip, peer_port, extra,
             len(body))).encode() + body


sdp = ("v=0\r\no=smoke 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\n"
       "t=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" %
       (peer_ip, peer_ip)).encode()
frames = [
    arp_request(),
    arp_reply("198.18.0.2", bytes.fromhex("020000000002")),
    udp_frame(sip("OPTIONS", "sip:%s" % our_ip, "smoke-options"), 1),
    udp_frame(sip("INVITE", "sip:demo@%s" % our_ip, "smoke-invite", sdp),
              2),
]
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)))
        f.write(fr)
PY

# count FILTER: frames of out.pcap tshark matches, IPv4 and UDP checksums
# verified.
count() {
	tshark -r "$tmp/out.pcap" -o ip.check_checksum:TRUE \
		-o udp.check_checksum:TRUE -Y "$1" 2>/dev/null | wc -l
}

prefix="sfsmokep$$"
prefixes+=("$prefix")
"$DP" -l 0-1 --file-prefix="$prefix" --no-pci --huge-unlink \
	--vdev="net_pcap0,rx_pcap=$tmp/in.pcap,tx_pcap=$tmp/out.pcap" \
	-- -c "$pconf" >"$tmp/pcap.out" 2>"$tmp/pcap.err" &
pid=$!
# Wait (bounded, 10 s) for the ARP reply and the four SIP frames (200,
# 100, two INVITEs), then stop it like an operator.  Nobody answers the
# branches, so Timer A resends them every 500 ms on: stop soon.
for _ in $(seq 1 50); do
	sleep 0.2
	kill -0 "$pid" 2>/dev/null || break
	n=$(count 'sip || arp.opcode == 2' 2>/dev/null || true)
	[ "${n:-0}" -ge 5 ] && break
done
rc=0
if kill -0 "$pid" 2>/dev/null; then
	kill -INT "$pid"
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		fail "net_pcap: sipfork-dp did not stop on SIGINT"
	fi
fi
wait "$pid" || rc=$?
if [ "$rc" -eq 0 ] && grep -q 'stopped:' "$tmp/pcap.err"; then
	ok "net_pcap: clean stop on SIGINT (exit 0)"
else
	fail "net_pcap: sipfork-dp exited $rc"
	tail -20 "$tmp/pcap.err" >&2
fi

if [ -s "$tmp/out.pcap" ]; then
	tshark -r "$tmp/out.pcap" -o ip.check_checksum:TRUE \
		-o udp.check_checksum:TRUE 2>/dev/null || true
fi
good='udp.checksum.status == 1 && ip.checksum.status == 1'
caller='ip.dst == 198.18.0.10 && udp.dstport == 5080'
if [ "$(count "sip.Status-Code == 200 && $good && $caller")" -ge 1 ]
then
	ok "net_pcap: 200 OK to OPTIONS, good UDP checksum"
else
	fail "net_pcap: no 200 OK with a good UDP checksum in out.pcap"
fi
if [ "$(count "sip.Status-Code == 100 && $good && $caller")" -ge 1 ]
then
	ok "net_pcap: 100 Trying to the INVITE, good UDP checksum"
else
	fail "net_pcap: no 100 Trying with a good UDP checksum in out.pcap"
fi
# A branch: ours (Via branch z9hG4bKsf, Record-Route), Max-Forwards 69,
# the caller's SDP; sent as a header + shared body chain, which net_pcap
# linearises, so a wrong chain checksum shows here.
branch="sip.Method == \"INVITE\" && ip.dst == 198.18.0.2 && $good"
branch="$branch && sip.Via.branch contains \"z9hG4bKsf\""
branch="$branch && sip.Record-Route contains \"$OUR_IP:$SIP_PORT;lr\""
branch="$branch && sip.Max-Forwards == 69 && sdp"
for port in 5070 5071; do
	if [ "$(count "$branch && udp.dstport == $port")" -ge 1 ]; then
		ok "net_pcap: branch INVITE to 198.18.0.2:$port, good checksums"
	else
		fail "net_pcap: no good branch INVITE to 198.18.0.2:$port"
	fi
done
if [ "$(count "arp.opcode == 2 && arp.src.proto_ipv4 == $OUR_IP")" -ge 1 ]; then
	ok "net_pcap: ARP reply for $OUR_IP"
else
	fail "net_pcap: no ARP reply in out.pcap"
fi
if [ "$(count 'udp.checksum.status == 0 || ip.checksum.status == 0')" -eq 0 ]
then
	ok "net_pcap: no bad checksum in out.pcap"
else
	fail "net_pcap: bad checksums in out.pcap"
fi

echo "smoke_dp: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
