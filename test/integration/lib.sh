# shellcheck shell=bash
# Shared set-up of the integration tests, sourced by test/integration/*.sh.
#
# One run owns: a network namespace with the peer side of a veth pair
# (198.18.0.2/24 and any extra 198.18.0.x addresses), the host side of the
# pair driven by sipfork-dp through net_af_packet, a DPDK --file-prefix, and
# a temporary directory for configs, logs, captures and sipp's files.  Every
# name carries a per-run id, so runs can overlap.  it_cleanup (installed on
# EXIT by it_init) kills what the run started, by PID, deletes the
# namespace and the veth pair, and removes the DPDK runtime files.
#
# Traffic never leaves the namespace and the veth pair: the dataplane is
# 198.18.0.1, the peers are 198.18.0.2 and up (RFC 2544 benchmarking
# space), and the host side of the veth has no address.
#
# Environment:
#   BUILD_DIR   meson build directory holding dataplane/sipfork-dp (build)
#   KEEP_TMP=1  keep the temporary directory even when every check passed
#   IT_ID       the per-run suffix of every name (default: from the PID)

IT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IT_DIR="$IT_ROOT/test/integration"
BUILD_DIR=${BUILD_DIR:-build}
case "$BUILD_DIR" in
/*) ;;
*) BUILD_DIR="$IT_ROOT/$BUILD_DIR" ;;
esac
IT_DP_BIN="$BUILD_DIR/dataplane/sipfork-dp"

IT_DP_IP=198.18.0.1
IT_PEER_IP=198.18.0.2

IT_PASSED=0
IT_FAILED=0
IT_PIDS=()      # every background process this run started
IT_DP_PID=
IT_CLEANED=0

# Per-run names.  Interface names are at most 15 characters.
IT_ID=${IT_ID:-$(printf '%05d' $(($$ % 100000)))}
IT_NS="sfit$IT_ID"
IT_VETH_DP="sfitd$IT_ID"
IT_VETH_NS="sfitn$IT_ID"
IT_PREFIX="sfit$IT_ID"

it_log() {
	printf '%s\n' "$*" >&2
}

# it_pass NAME / it_fail NAME REASON: one line per check.
it_pass() {
	IT_PASSED=$((IT_PASSED + 1))
	printf 'ok   %s\n' "$1"
}

it_fail() {
	IT_FAILED=$((IT_FAILED + 1))
	printf 'FAIL %s: %s\n' "$1" "${2:-}"
}

# it_check NAME COMMAND...: pass if COMMAND succeeds.
it_check() {
	local name=$1
	shift
	if "$@"; then
		it_pass "$name"
	else
		it_fail "$name" "$*"
	fi
}

it_need() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			it_log "missing command: $c"
			return 1
		fi
	done
}

# it_init: check prerequisites, make the temporary directory, install the
# cleanup trap.  Exits 2 when the run cannot start at all.
it_init() {
	if [ "$(id -u)" != 0 ]; then
		it_log "integration tests need root (netns, af_packet, hugepages)"
		exit 2
	fi
	it_need ip ethtool sipp tshark nstat timeout || exit 2
	if [ ! -x "$IT_DP_BIN" ]; then
		it_log "no $IT_DP_BIN: build it (meson setup build && ninja -C build)"
		exit 2
	fi
	IT_TMP=$(mktemp -d "/tmp/sipfork-it-$IT_ID.XXXXXX")
	trap it_cleanup EXIT
	trap 'exit 130' INT TERM
}

# it_ns CMD...: run CMD in the test namespace.
it_ns() {
	ip netns exec "$IT_NS" "$@"
}

# it_net_up [ADDR...]: the namespace, the veth pair, 198.18.0.2/24 plus
# ADDRs (each a 198.18.0.x) on the namespace side; checksum offloads off
# there so the kernel verifies every UDP checksum sipfork-dp writes (and
# af_packet hands sipfork-dp frames with complete checksums).
it_net_up() {
	local a
	ip netns add "$IT_NS" || return 1
	ip link add "$IT_VETH_DP" type veth peer name "$IT_VETH_NS" || return 1
	ip link set "$IT_VETH_NS" netns "$IT_NS" || return 1
	sysctl -qw "net.ipv6.conf.$IT_VETH_DP.disable_ipv6=1"
	ethtool -K "$IT_VETH_DP" rx off tx off >/dev/null 2>&1
	ip link set "$IT_VETH_DP" up || return 1
	it_ns sysctl -qw "net.ipv6.conf.all.disable_ipv6=1"
	it_ns ip link set lo up || return 1
	it_ns ip addr add "$IT_PEER_IP/24" dev "$IT_VETH_NS" || return 1
	for a in "$@"; do
		case "$a" in
		198.18.0.*) ;;
		*)
			it_log "refusing address $a (198.18.0.x only)"
			return 1
			;;
		esac
		it_ns ip addr add "$a/24" dev "$IT_VETH_NS" || return 1
	done
	it_ns ethtool -K "$IT_VETH_NS" rx off tx off >/dev/null || return 1
	it_ns ip link set "$IT_VETH_NS" up || return 1
}

# it_conf_write FILE: the [dataplane] section of a test config, with pools
# sized for a few calls (the hugepages are shared with other runs).
# Callers append their [route] sections.
it_conf_write() {
	cat >"$1" <<EOF
; Written by test/integration/lib.sh for run $IT_ID.
[dataplane]
ip = $IT_DP_IP
port = 5060
file_prefix = $IT_PREFIX

[memory]
transactions = 1024
branch_chunks = 1024
mbufs = 4095
hdr_mbufs = 4095
clone_mbufs = 4095
EOF
}

# it_bg NAME CMD...: start CMD in the background, output to
# $IT_TMP/NAME.out; its PID is in IT_LAST_PID and is remembered for
# cleanup.
it_bg() {
	local name=$1
	shift
	"$@" >"$IT_TMP/$name.out" 2>&1 </dev/null &
	IT_LAST_PID=$!
	IT_PIDS+=("$IT_LAST_PID")
}

# it_wait_pid PID SECONDS: wait for PID at most SECONDS; its exit status,
# or 124 (after killing it) if it was still running.
it_wait_pid() {
	local pid=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			return
		fi
		sleep 0.1
	done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 124
}

# it_dp_start CONF: start sipfork-dp on the host side of the veth pair.
it_dp_start() {
	it_bg dp timeout -s INT -k 5 300 "$IT_DP_BIN" -l 0-1 --no-pci \
		--file-prefix="$IT_PREFIX" \
		--vdev="net_af_packet0,iface=$IT_VETH_DP" -- -c "$1"
	IT_DP_PID=$IT_LAST_PID
}

# it_dp_alive: sipfork-dp still runs.
it_dp_alive() {
	[ -n "$IT_DP_PID" ] && kill -0 "$IT_DP_PID" 2>/dev/null
}

# it_dp_ready SECONDS: wait until sipfork-dp logs that its workers run and
# answers an OPTIONS to itself from the namespace (which also resolves
# its MAC through ARP).  Returns 1 when it exits or stays silent.
it_dp_ready() {
	local secs=$1 i
	for ((i = 0; i < secs * 10; i++)); do
		it_dp_alive || return 1
		grep -q 'worker lcore' "$IT_TMP/dp.out" 2>/dev/null && break
		sleep 0.1
	done
	for ((i = 0; i < secs; i++)); do
		it_dp_alive || return 1
		if it_sipp_run ready 5 -sf "$IT_DIR/sipp/options.xml" \
			-i "$IT_PEER_IP" -p 5199 -m 1 \
			"$IT_DP_IP:5060" >/dev/null 2>&1; then
			return 0
		fi
	done
	return 1
}

# it_dp_stop: SIGINT, then SIGKILL after 5 s (timeout -k does that).
it_dp_stop() {
	if it_dp_alive; then
		kill -INT "$IT_DP_PID" 2>/dev/null
		it_wait_pid "$IT_DP_PID" 8 >/dev/null
	fi
	IT_DP_PID=
}

# it_sipp_args NAME: the options every sipp of this run gets: no
# keyboard, files in $IT_TMP/NAME.*, statistics dumped at exit.
it_sipp_args() {
	local n=$1
	printf '%s\n' -nostdin -trace_err -error_file "$IT_TMP/$n.errors" \
		-trace_stat -stf "$IT_TMP/$n.stat.csv" -fd 60 \
		-trace_msg -message_file "$IT_TMP/$n.messages" \
		-trace_counts
}

# it_sipp_bg NAME SECONDS SIPP-ARGS...: sipp in the namespace, in the
# background, bounded to SECONDS; PID in IT_LAST_PID.  sipp writes its
# remaining files (counts) into its working directory, $IT_TMP/NAME.d.
it_sipp_bg() {
	local n=$1 secs=$2 a prev=
	shift 2
	mkdir -p "$IT_TMP/$n.d"
	local -a common args=()
	mapfile -t common < <(it_sipp_args "$n")
	# sipp runs in its own directory: make a relative -sf absolute.
	for a in "$@"; do
		if [ "$prev" = -sf ] && [ "${a#/}" = "$a" ]; then
			a="$PWD/$a"
		fi
		args+=("$a")
		prev=$a
	done
	(cd "$IT_TMP/$n.d" && exec ip netns exec "$IT_NS" \
		timeout -k 3 "$secs" sipp "${common[@]}" "${args[@]}") \
		>"$IT_TMP/$n.out" 2>&1 </dev/null &
	IT_LAST_PID=$!
	IT_PIDS+=("$IT_LAST_PID")
}

# it_sipp_run NAME SECONDS SIPP-ARGS...: the same in the foreground;
# returns sipp's exit status (124 on timeout).
it_sipp_run() {
	local n=$1 secs=$2
	shift 2
	it_sipp_bg "$n" "$secs" "$@"
	it_wait_pid "$IT_LAST_PID" $((secs + 5))
}

# it_stat NAME COLUMN: the last value of COLUMN (e.g. SuccessfulCall(C))
# in sipp's -trace_stat file; empty if there is none.
it_stat() {
	local f="$IT_TMP/$1.stat.csv"
	[ -s "$f" ] || return 0
	awk -F';' -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		{ last = $c }
		END { if (c) print last }' "$f"
}

# it_count NAME COLUMN: the last value of a -trace_counts column, e.g.
# 3_CANCEL_Recv.  Columns are numbered by scenario element, so the
# pattern may be a suffix (_CANCEL_Recv): the first match is taken.
it_count() {
	local f
	for f in "$IT_TMP/$1.d/"*_counts.csv; do
		break
	done
	[ -f "$f" ] || return 0
	awk -F';' -v col="$2" '
		NR == 1 {
			for (i = 1; i <= NF; i++)
				if ($i == col || (substr(col, 1, 1) == "_" &&
				    substr($i, length($i) - length(col) + 1) == col)) {
					c = i
					break
				}
			next
		}
		{ last = $c }
		END { if (c) print last }' "$f"
}

# it_dump NAME...: show the tail of the named logs (on failure).
it_dump() {
	local n f
	for n in "$@"; do
		for f in "$IT_TMP/$n.out" "$IT_TMP/$n.errors"; do
			[ -s "$f" ] || continue
			printf -- '---- %s (last 40 lines)\n' "${f#"$IT_TMP"/}" >&2
			tail -n 40 "$f" >&2
		done
	done
}

# it_dump_errors NAME: the first unexpected-message reports of a sipp run.
it_dump_errors() {
	local f="$IT_TMP/$1.errors"
	[ -s "$f" ] || return 0
	printf -- '---- %s (first 25 lines)\n' "$1.errors" >&2
	# sipp ends its reports with no newline; one per event.
	sed 's/\(20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]\t\)/\n\1/g' "$f" |
		grep -v '^$' | head -n 25 >&2
}

# it_kill_all: every process this run started that still runs.
it_kill_all() {
	local p
	for p in "${IT_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${IT_PIDS[@]}"; do
		it_wait_pid "$p" 5 >/dev/null 2>&1
	done
}

it_cleanup() {
	local rc=$?
	[ "$IT_CLEANED" = 1 ] && return
	IT_CLEANED=1
	it_dp_stop
	it_kill_all
	ip netns del "$IT_NS" 2>/dev/null
	ip link del "$IT_VETH_DP" 2>/dev/null
	rm -rf "/var/run/dpdk/$IT_PREFIX"
	rm -f /dev/hugepages/"$IT_PREFIX"map_*
	if [ -n "${IT_TMP:-}" ] && [ -d "$IT_TMP" ]; then
		if [ "$rc" = 0 ] && [ "$IT_FAILED" = 0 ] &&
		   [ "${KEEP_TMP:-0}" != 1 ]; then
			rm -rf "$IT_TMP"
		else
			it_log "logs kept in $IT_TMP"
		fi
	fi
}
