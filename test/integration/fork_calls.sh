#!/usr/bin/env bash
# Forked calls through sipfork-dp between real SIP peers (sipp) over real
# frames: a network namespace holds every caller and callee, a veth pair
# joins it to sipfork-dp's net_af_packet port.
#
#   1 hunt     INVITE forked to 4 callees; one answers, 3 are CANCELled
#              (487 + ACK); ACK and BYE reach the winner via Record-Route
#   2 cancel   the caller CANCELs while 3 callees ring: 200 + 487 to the
#              caller, every callee CANCELled
#   3 fail     callees answer 486, 404, 503: the caller gets exactly one
#              final, a 4xx (404 or 486), and each callee its ACK
#   4 serial   targets A | B: A answers 480, then B is tried and answers
#   5 checksum every frame sipfork-dp sent verifies (tshark), and the
#              namespace's kernel counted no UdpInCsumErrors
#
# Usage: [BUILD_DIR=build] test/integration/fork_calls.sh [--direct]
#   --direct  no dataplane: each caller scenario talks to one callee
#             scenario inside the namespace, to validate the scenarios.
# Prints one line per check, then "fork_calls: N passed, M failed"; exits
# 0 only if every check passed (2 if the run could not start).

set -u
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

DIRECT=0
case "${1:-}" in
--direct) DIRECT=1 ;;
"") ;;
*)
	echo "usage: $0 [--direct]" >&2
	exit 2
	;;
esac

SC="$IT_DIR/sipp"
CALLS=3          # calls per check 1
CALLS_SMALL=2    # calls per checks 2-4
UAC_SECS=30      # bound of one caller run (4 checks x (30 + 8) s < 3 min)
UAS_GRACE=8      # seconds callees get to finish after their caller
# Receive timeout of every sipp step, ms: longer than the 1 s ring time.
RECV_TO=8000

# Peers.  The hunt group's callees sit on four addresses of the
# namespace, so sipfork-dp has to resolve peers it never heard from.
HUNT=(198.18.0.2:5071 198.18.0.3:5072 198.18.0.4:5073 198.18.0.5:5074)
HUNT_WINNER=3                      # index into HUNT
CANCEL=(198.18.0.2:5081 198.18.0.2:5082 198.18.0.2:5083)
FAIL=(198.18.0.2:5091 198.18.0.2:5092 198.18.0.2:5093)
FAIL_CODES=(486 404 503)
FAIL_REASONS=("Busy Here" "Not Found" "Service Unavailable")
SERIAL_A=198.18.0.2:5101
SERIAL_B=198.18.0.2:5102
UAC_PORT_HUNT=5061
UAC_PORT_CANCEL=5062
UAC_PORT_FAIL=5063
UAC_PORT_SERIAL=5064

it_init

# --------------------------------------------------------------------
# helpers

# uas NAME SCENARIO IP:PORT CALLS [SIPP-ARGS...]: a callee in the
# background; its PID in IT_LAST_PID.
uas() {
	local n=$1 sf=$2 addr=$3 calls=$4
	shift 4
	case "$sf" in
	/*) ;;
	*) sf="$SC/$sf" ;;
	esac
	it_sipp_bg "$n" $((UAC_SECS + UAS_GRACE + 5)) -sf "$sf" \
		-i "${addr%:*}" -p "${addr#*:}" -m "$calls" \
		-recv_timeout "$RECV_TO" "$@"
}

# reject_sf CODE REASON: a copy of uas_reject.xml answering CODE REASON,
# in $IT_TMP; prints its absolute path (uas takes a path relative to $SC
# or an absolute one).
reject_sf() {
	local f="$IT_TMP/uas_reject_$1.xml"
	sed "s|^\( *\)SIP/2.0 486 Busy Here\$|\1SIP/2.0 $1 $2|" \
		"$SC/uas_reject.xml" >"$f"
	grep -q "SIP/2.0 $1 $2" "$f" || it_log "reject_sf: no status line to replace"
	echo "$f"
}

# uac NAME SCENARIO SERVICE PORT CALLS DEST: a caller in the foreground;
# returns sipp's exit status.
uac() {
	local n=$1 sf=$2 svc=$3 port=$4 calls=$5 dest=$6
	it_sipp_run "$n" "$UAC_SECS" -sf "$SC/$sf" -s "$svc" \
		-i "$IT_PEER_IP" -p "$port" -m "$calls" -r 5 \
		-recv_timeout "$RECV_TO" "$dest"
}

# expect_sipp CHECK NAME RC CALLS: a sipp run exited 0 after CALLS
# successful calls.
expect_sipp() {
	local check=$1 n=$2 rc=$3 calls=$4 ok fail
	ok=$(it_stat "$n" 'SuccessfulCall(C)')
	fail=$(it_stat "$n" 'FailedCall(C)')
	if [ "$rc" = 0 ] && [ "${ok:-0}" = "$calls" ]; then
		it_pass "$check: $n completed $calls calls"
	else
		if [ "$rc" = 124 ]; then
			rc="killed after its time"
		else
			rc="exit $rc"
		fi
		it_fail "$check: $n" "$rc, successful ${ok:-0}, failed ${fail:-0} (want $calls)"
		it_dump_errors "$n"
	fi
}

# wait_uas CHECK CALLS NAME=PID...: give the callees UAS_GRACE seconds
# in all to finish, then check each.
wait_uas() {
	local check=$1 calls=$2 np rc left end=$((SECONDS + UAS_GRACE))
	shift 2
	for np in "$@"; do
		left=$((end - SECONDS))
		[ "$left" -lt 1 ] && left=1
		it_wait_pid "${np#*=}" "$left"
		rc=$?
		expect_sipp "$check" "${np%=*}" "$rc" "$calls"
	done
}

# Destination of the callers: the proxy, or in --direct mode one callee.
dest() {
	if [ "$DIRECT" = 1 ]; then
		echo "$1"
	else
		echo "$IT_DP_IP:5060"
	fi
}

# --------------------------------------------------------------------
# set-up

if ! it_net_up 198.18.0.3 198.18.0.4 198.18.0.5; then
	it_fail "setup: namespace" "cannot create $IT_NS / $IT_VETH_DP"
	exit 1
fi

CONF="$IT_TMP/sipfork.conf"
it_conf_write "$CONF"
{
	echo
	echo "[route hunt]"
	echo "targets = ${HUNT[*]}"
	echo
	echo "[route cancel]"
	echo "targets = ${CANCEL[*]}"
	echo
	echo "[route fail]"
	echo "targets = ${FAIL[*]}"
	echo
	echo "[route serial]"
	echo "targets = $SERIAL_A | $SERIAL_B"
} >>"$CONF"

# One capture of the whole run on the namespace side of the veth.
CAP="$IT_TMP/veth.pcapng"
CSUM0=
if [ "$DIRECT" = 0 ]; then
	it_bg tshark ip netns exec "$IT_NS" tshark -n -q -i "$IT_VETH_NS" \
		-a duration:200 -w "$CAP"
	TSHARK_PID=$IT_LAST_PID
	for ((i = 0; i < 100; i++)); do
		grep -q 'Capturing on' "$IT_TMP/tshark.out" && break
		sleep 0.1
	done
	CSUM0=$(it_ns nstat -asz UdpInCsumErrors | awk '$1 == "UdpInCsumErrors" { print $2 }')

	it_dp_start "$CONF"
	if it_dp_ready 20; then
		it_pass "setup: sipfork-dp up, answers OPTIONS on $IT_DP_IP"
	else
		it_fail "setup: sipfork-dp" "not ready (see $IT_TMP/dp.out)"
		it_dump dp ready
		echo "fork_calls: $IT_PASSED passed, $IT_FAILED failed"
		exit 1
	fi
fi

# --------------------------------------------------------------------
# 1: hunt group forked to 4 callees, one answers

check_hunt() {
	local c=hunt i n rc pids=()
	for i in "${!HUNT[@]}"; do
		n="hunt_uas$((i + 1))"
		if [ "$i" = "$HUNT_WINNER" ]; then
			uas "$n" uas_answer.xml "${HUNT[$i]}" "$CALLS"
		elif [ "$DIRECT" = 1 ]; then
			continue
		else
			uas "$n" uas_cancel.xml "${HUNT[$i]}" "$CALLS"
		fi
		pids+=("$n=$IT_LAST_PID")
	done
	sleep 0.3
	uac hunt_uac uac_call.xml hunt "$UAC_PORT_HUNT" "$CALLS" \
		"$(dest "${HUNT[$HUNT_WINNER]}")"
	rc=$?
	expect_sipp "$c" hunt_uac "$rc" "$CALLS"
	wait_uas "$c" "$CALLS" "${pids[@]}"
}

# --------------------------------------------------------------------
# 2: the caller CANCELs while every callee rings

check_cancel() {
	local c=cancel i n rc pids=()
	for i in "${!CANCEL[@]}"; do
		[ "$DIRECT" = 1 ] && [ "$i" != 0 ] && continue
		n="cancel_uas$((i + 1))"
		uas "$n" uas_cancel.xml "${CANCEL[$i]}" "$CALLS_SMALL"
		pids+=("$n=$IT_LAST_PID")
	done
	sleep 0.3
	uac cancel_uac uac_cancel.xml cancel "$UAC_PORT_CANCEL" \
		"$CALLS_SMALL" "$(dest "${CANCEL[0]}")"
	rc=$?
	expect_sipp "$c" cancel_uac "$rc" "$CALLS_SMALL"
	wait_uas "$c" "$CALLS_SMALL" "${pids[@]}"
}

# --------------------------------------------------------------------
# 3: every branch fails; one best final reaches the caller

check_fail() {
	local c=fail i n rc pids=() got404 got486
	for i in "${!FAIL[@]}"; do
		# Directly, the caller meets the 404 callee alone.
		[ "$DIRECT" = 1 ] && [ "$i" != 1 ] && continue
		n="fail_uas$((i + 1))_${FAIL_CODES[$i]}"
		uas "$n" "$(reject_sf "${FAIL_CODES[$i]}" \
			"${FAIL_REASONS[$i]}")" "${FAIL[$i]}" "$CALLS_SMALL"
		pids+=("$n=$IT_LAST_PID")
	done
	sleep 0.3
	uac fail_uac uac_fail.xml fail "$UAC_PORT_FAIL" "$CALLS_SMALL" \
		"$(dest "${FAIL[1]}")"
	rc=$?
	expect_sipp "$c" fail_uac "$rc" "$CALLS_SMALL"
	got404=$(it_count fail_uac _404_Recv)
	got486=$(it_count fail_uac _486_Recv)
	if [ $((${got404:-0} + ${got486:-0})) = "$CALLS_SMALL" ]; then
		it_pass "$c: caller got 4xx finals (404: ${got404:-0}, 486: ${got486:-0})"
	else
		it_fail "$c: caller's finals" "404: ${got404:-?}, 486: ${got486:-?}, want $CALLS_SMALL in all"
	fi
	wait_uas "$c" "$CALLS_SMALL" "${pids[@]}"
}

# --------------------------------------------------------------------
# 4: serial failover, A answers 480, B answers 200

check_serial() {
	local c=serial rc pids=()
	if [ "$DIRECT" = 0 ]; then
		uas serial_a_480 "$(reject_sf 480 \
			"Temporarily Unavailable")" "$SERIAL_A" "$CALLS_SMALL"
		pids+=("serial_a_480=$IT_LAST_PID")
	fi
	uas serial_b uas_answer.xml "$SERIAL_B" "$CALLS_SMALL"
	pids+=("serial_b=$IT_LAST_PID")
	sleep 0.3
	uac serial_uac uac_call.xml serial "$UAC_PORT_SERIAL" \
		"$CALLS_SMALL" "$(dest "$SERIAL_B")"
	rc=$?
	expect_sipp "$c" serial_uac "$rc" "$CALLS_SMALL"
	wait_uas "$c" "$CALLS_SMALL" "${pids[@]}"
}

# --------------------------------------------------------------------
# What the capture shows (proxy mode only).

# cap_fields FILTER FIELD...: one line per matching frame, fields
# separated by '|'.
cap_fields() {
	local filter=$1 f args=()
	shift
	for f in "$@"; do
		args+=(-e "$f")
	done
	tshark -n -r "$CAP" -Y "$filter" -T fields -E separator='|' \
		-E occurrence=f "${args[@]}" 2>/dev/null
}

check_capture() {
	local lines bad n want got calls port

	# 1: every hunt INVITE went to the 4 callees (by Call-ID).
	port=$UAC_PORT_HUNT
	calls=$(cap_fields "sip.Method == \"INVITE\" && ip.src == $IT_PEER_IP && udp.srcport == $port" sip.Call-ID | sort -u | wc -l)
	got=$(cap_fields "sip.Method == \"INVITE\" && ip.src == $IT_DP_IP && sip.r-uri.user == \"hunt\"" sip.Call-ID ip.dst udp.dstport | sort -u | awk -F'|' '{ n[$1]++ } END { for (c in n) print n[c] }' | sort -u | tr '\n' ' ')
	if [ "$calls" = "$CALLS" ] && [ "$got" = "${#HUNT[@]} " ]; then
		it_pass "hunt: each of $calls INVITEs forked to ${#HUNT[@]} targets"
	else
		it_fail "hunt: forking" "$calls caller INVITEs, targets per call: '${got}' (want ${#HUNT[@]})"
	fi

	# 1: the caller's ACK and BYE carried our Route; the winner got them.
	want=$((2 * CALLS))
	got=$(cap_fields "(sip.Method == \"ACK\" || sip.Method == \"BYE\") && ip.src == $IT_PEER_IP && udp.srcport == $port && sip.Route contains \"198.18.0.1:5060;lr\"" sip.Call-ID sip.Method | sort -u | wc -l)
	n=$(cap_fields "(sip.Method == \"ACK\" || sip.Method == \"BYE\") && ip.src == $IT_DP_IP && ip.dst == ${HUNT[$HUNT_WINNER]%:*} && udp.dstport == ${HUNT[$HUNT_WINNER]#*:}" sip.Call-ID sip.Method | sort -u | wc -l)
	if [ "$got" = "$want" ] && [ "$n" = "$want" ]; then
		it_pass "hunt: ACK and BYE routed to the answering callee"
	else
		it_fail "hunt: in-dialog routing" "caller sent $got ACK/BYE with Route, winner got $n (want $want)"
	fi

	# 3: exactly one final per call reached the caller, 404 or 486.
	got=$(cap_fields "sip.Status-Code >= 300 && ip.dst == $IT_PEER_IP && udp.dstport == $UAC_PORT_FAIL" sip.Call-ID sip.Status-Code | sort -u)
	n=$(printf '%s\n' "$got" | grep -c .)
	bad=$(printf '%s\n' "$got" | awk -F'|' 'NF && $2 != 404 && $2 != 486' | wc -l)
	if [ "$n" = "$CALLS_SMALL" ] && [ "$bad" = 0 ]; then
		it_pass "fail: one final per call to the caller ($(printf '%s\n' "$got" | cut -d'|' -f2 | sort | uniq -c | xargs))"
	else
		it_fail "fail: finals to the caller" "$(printf '%s' "$got" | tr '\n' ' ')"
	fi

	# 4: B got its INVITE only after A's 480.
	lines=$(cap_fields "(sip.Status-Code == 480 && ip.dst == $IT_DP_IP) || (sip.Method == \"INVITE\" && ip.src == $IT_DP_IP && udp.dstport == ${SERIAL_B#*:})" frame.time_relative sip.Call-ID sip.Status-Code)
	bad=$(printf '%s\n' "$lines" | awk -F'|' '
		NF < 2 { next }
		$3 == 480 { if (!($2 in t480)) t480[$2] = $1; next }
		{ if (!($2 in tinv)) tinv[$2] = $1 }
		END {
			n = 0
			for (c in tinv) {
				seen++
				if (!(c in t480) || tinv[c] < t480[c]) n++
			}
			print (seen ? n : "none")
		}')
	if [ "$bad" = 0 ]; then
		it_pass "serial: B tried only after A's 480"
	elif [ "$bad" = none ]; then
		it_fail "serial: order" "no INVITE reached B"
	else
		it_fail "serial: order" "$bad calls reached B before (or without) A's 480"
	fi

	# 5: checksums of everything sipfork-dp sent.
	n=$(tshark -n -r "$CAP" -Y "ip.src == $IT_DP_IP && udp" 2>/dev/null | wc -l)
	bad=$(tshark -n -r "$CAP" -o udp.check_checksum:TRUE \
		-o ip.check_checksum:TRUE \
		-Y 'udp.checksum.status == "Bad" || ip.checksum.status == "Bad"' \
		2>/dev/null)
	if [ "$n" -gt 0 ] && [ -z "$bad" ]; then
		it_pass "checksum: $n UDP frames from sipfork-dp, none bad"
	else
		it_fail "checksum: capture" "$n frames from sipfork-dp; bad: $(printf '%s\n' "$bad" | head -n 5)"
	fi
}

check_kernel_csum() {
	local now
	now=$(it_ns nstat -asz UdpInCsumErrors | awk '$1 == "UdpInCsumErrors" { print $2 }')
	if [ -n "$now" ] && [ "$now" = "$CSUM0" ]; then
		it_pass "checksum: UdpInCsumErrors stayed $now"
	else
		it_fail "checksum: kernel" "UdpInCsumErrors $CSUM0 -> $now"
	fi
}

check_hunt
check_cancel
check_fail
check_serial

if [ "$DIRECT" = 0 ]; then
	check_kernel_csum
	if it_dp_alive; then
		it_pass "sipfork-dp still running"
	else
		it_fail "sipfork-dp" "exited during the run"
	fi
	# dumpcap writes what it caught about once a second.
	sleep 1.5
	kill -INT "$TSHARK_PID" 2>/dev/null
	it_wait_pid "$TSHARK_PID" 10 >/dev/null
	check_capture
	it_dp_stop
	if [ "$IT_FAILED" != 0 ]; then
		it_dump dp
	fi
fi

echo "fork_calls: $IT_PASSED passed, $IT_FAILED failed"
[ "$IT_FAILED" = 0 ]
