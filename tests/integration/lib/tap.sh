# tap.sh: TAP helpers of the shell tests (gendata.t, run.t).
#
#   . "$root/tests/integration/lib/tap.sh"
#   ok STATUS DESCRIPTION       # passes when STATUS is 0
#   is DESCRIPTION GOT WANT     # passes when the strings are equal
#   echo "1..$n"; [ $failures -eq 0 ]    # at the end

n=0
failures=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failures=$((failures + 1))
	fi
}
# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then
		ok 0 "$1"
	else
		ok 1 "$1"
		printf '#   got: %s\n# wanted: %s\n' "$2" "$3"
	fi
}
