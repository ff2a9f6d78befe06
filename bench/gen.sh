#!/bin/sh
# bench/gen.sh: how long gendata takes to fill a fresh master database with
# 500,000 and 2,000,000 domains, how large the database gets and how much
# memory the generator needs at its peak.
#
#	bench/gen.sh [N ...]		(default: 500000 2000000)
#
# Environment: BIN (the programs, default ./bin), BENCH_DIR (where the
# databases go, default build/bench-data; they are kept for the other
# benchmarks), SEED (default 1), GENDATA_FLAGS (extra options such as
# --nolog). Peak memory comes from GNU time (/usr/bin/time -v, package
# "time"); without it only the wall time is shown.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
BIN=${BIN:-$root/bin}
dir=${BENCH_DIR:-$root/build/bench-data}
seed=${SEED:-1}
flags=${GENDATA_FLAGS:-}
[ $# -gt 0 ] || set -- 500000 2000000

if [ ! -x "$BIN/gendata" ]; then
	echo "gen.sh: $BIN/gendata is not built (make all)" >&2
	exit 1
fi

machine() {
	machine_line
	echo "sqlite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1), seed $seed, flags '${flags}'"
}

write_config() {
	cat >"$1/registry.conf" <<EOF
# gen.sh benchmark registry
[registry]
tld = test
roid_suffix = TEST
idn_table = $root/data/idn/test.txt

[database]
master = master.db
EOF
}

# Size in MiB of the database with its WAL, if one was left.
db_mib() {
	du -cb "$1"/master.db* | tail -n 1 | awk '{ printf "%.0f", $1 / 1048576 }'
}

run_one() {
	n=$1
	d=$dir/$n
	rm -rf "$d"
	mkdir -p "$d"
	write_config "$d"
	cmd="$BIN/gendata -c $d/registry.conf -n $n --seed $seed $flags"
	echo "\$ $cmd"
	if [ -x /usr/bin/time ]; then
		# shellcheck disable=SC2086
		/usr/bin/time -v -o "$d/time.txt" $cmd >"$d/gendata.log"
		wall=$(time_field "$d/time.txt" 'Elapsed (wall clock) time (h:mm:ss or m:ss)')
		user=$(time_field "$d/time.txt" 'User time (seconds)')
		sys=$(time_field "$d/time.txt" 'System time (seconds)')
		rss=$(time_field "$d/time.txt" 'Maximum resident set size (kbytes)')
		rss=$(awk -v k="$rss" 'BEGIN { printf "%.0f MiB", k / 1024 }')
	else
		start=$(date +%s)
		# shellcheck disable=SC2086
		$cmd >"$d/gendata.log"
		wall="$(($(date +%s) - start)) s"
		user=- sys=- rss="- (install the time package)"
	fi
	size=$(db_mib "$d")
	cat "$d/gendata.log"
	printf '%s domains: wall %s, user %s s, sys %s s, peak RSS %s, database %s MiB (%s bytes/domain)\n\n' \
	    "$n" "$wall" "$user" "$sys" "$rss" "$size" \
	    "$(du -cb "$d"/master.db* | tail -n 1 | awk -v n="$n" '{ printf "%.0f", $1 / n }')"
}

machine
for n in "$@"; do
	run_one "$n"
done
