# SPDX-License-Identifier: GPL-2.0
#
# KTAP for the shell selftests (POSIX sh; sourced, never run):
#
#	. "$(dirname "$0")/lib/ktap.sh"
#	ktap_header 3			# "KTAP version 1", "1..3" (no N: no plan yet)
#	ok "name"			# one passing case: "ok <n> name"
#	fail "name"			# one failing case: "not ok <n> name"
#	check "name" cmd args...	# one case: passes when cmd succeeds; its
#					# output is shown as comments when not
#	ktap_finish 3			# totals line; exit 1 unless 3 cases ran
#					# and all passed (no N: plan "1..<n>" now)
#
# Cases of several checks (cpns_e2e.sh, cpns_slowpeers.sh): case_begin;
# checks that call why "text" for every failure; case_end "name" prints
# "ok <n> - name", or the collected reasons, the commands logged to
# $TLOG (when set) and "not ok <n> - name".  Checks for such cases:
# expect_line "what" REGEX TEXT, expect_no_line "what" REGEX TEXT,
# expect_eq "what" EXPECTED ACTUAL (each calls why and returns 1 when not).
#
#	ktap_skip_plan "reason"		# "1..0 # SKIP reason", exit 4
#	ktap_skip_all PLAN what "reason"	# every case "ok <i> what # SKIP reason",
#					# exit 4
#	ktap_fail_rest PLAN "reason"	# the cases not run yet: "not ok <i> - reason"
#	ktap_setup_case PLAN "name" cmd...	# cmd as one case; when it fails, the
#					# other cases fail as "skipped: setup
#					# failed" and the script exits 1
#
# Counters: n (cases so far), fails (failed cases).

n=0
fails=0

ktap_header() {
	echo "KTAP version 1"
	[ $# -gt 0 ] && echo "1..$1"
	return 0
}

ok() {
	n=$((n + 1))
	echo "ok $n $*"
}

fail() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n $*"
}

check() {
	_ktap_d=$1
	shift
	if _ktap_out=$("$@" 2>&1); then
		ok "$_ktap_d"
	else
		[ -n "$_ktap_out" ] && printf '%s\n' "$_ktap_out" | sed 's/^/# /'
		fail "$_ktap_d"
	fi
}

ktap_skip_plan() {
	echo "1..0 # SKIP $*"
	exit 4
}

ktap_skip_all() {
	_ktap_plan=$1
	_ktap_what=$2
	shift 2
	echo "# SKIP: $*"
	n=0
	while [ $n -lt "$_ktap_plan" ]; do
		n=$((n + 1))
		echo "ok $n $_ktap_what # SKIP $*"
	done
	exit 4
}

ktap_fail_rest() {
	_ktap_plan=$1
	shift
	while [ $n -lt "$_ktap_plan" ]; do
		n=$((n + 1))
		fails=$((fails + 1))
		echo "not ok $n - $*"
	done
}

ktap_setup_case() {
	_ktap_plan=$1
	_ktap_name=$2
	shift 2
	case_begin
	"$@"
	_ktap_rc=$?
	[ $_ktap_rc = 0 ] || why "setup failed (exit $_ktap_rc)"
	case_end "$_ktap_name"
	if [ $_ktap_rc != 0 ]; then
		ktap_fail_rest "$_ktap_plan" "skipped: setup failed"
		exit 1
	fi
}

CASE_FAILS=
case_begin() {
	CASE_T0=$(date +%s)
	CASE_FAILS=
	if [ -n "${TLOG:-}" ]; then
		: >"$TLOG"
		TOPO_LOG=$TLOG
	fi
}

why() {
	CASE_FAILS="$CASE_FAILS$*
"
}

case_end() {
	n=$((n + 1))
	TOPO_LOG=
	echo "# case $n: $(($(date +%s) - CASE_T0)) s"
	if [ -z "$CASE_FAILS" ]; then
		echo "ok $n - $1"
		return
	fi
	fails=$((fails + 1))
	printf '%s' "$CASE_FAILS" | sed 's/^/# /'
	if [ -n "${TLOG:-}" ]; then
		echo "# commands run:"
		sed 's/^# //; s/^/#   /' "$TLOG"
	fi
	echo "not ok $n - $1"
}

# expect_line "what" REGEX TEXT: TEXT has a line matching REGEX (grep -E -x)
expect_line() {
	if ! printf '%s\n' "$3" | grep -Eqx -- "$2"; then
		why "$1: expected a line matching: $2"
		why "actual output:"
		why "$(printf '%s\n' "$3" | sed 's/^/    /')"
		return 1
	fi
}
# expect_no_line "what" REGEX TEXT
expect_no_line() {
	if printf '%s\n' "$3" | grep -Eqx -- "$2"; then
		why "$1: expected no line matching: $2"
		why "actual output:"
		why "$(printf '%s\n' "$3" | sed 's/^/    /')"
		return 1
	fi
}
# expect_eq "what" EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] && return 0
	why "$1:"
	why "  expected: $2"
	why "  actual:   $3"
	return 1
}

ktap_finish() {
	echo "# Totals: pass:$((n - fails)) fail:$fails xfail:0 xpass:0 skip:0 error:0"
	if [ $# -gt 0 ]; then
		[ "$n" = "$1" ] || { echo "# planned $1 cases, ran $n"; exit 1; }
	else
		echo "1..$n"
	fi
	[ "$fails" = 0 ] || exit 1
	exit 0
}
