#!/bin/sh
# bench/whois.sh: whoisd on a 500,000-domain replica: CLIENTS concurrent
# clients (default 64), a new TCP connection per query, names drawn at
# random from 50,000 registered and 50,000 unregistered ones. Prints
# queries per second, latency percentiles, and the CPU time whoisd and
# the load generator spent per query.
#
#	bench/whois.sh
#
# The master is made once by `gendata -n N` (a few minutes) in
# BENCH_DIR/whois-N and kept for later runs; FRESH=1 makes it again. The
# replica whoisd reads is what a replica holds: a copy of the master with
# only the public tables (core/schema.c) filled, compacted by VACUUM, as
# `replica seed` installs it. The load generator, bench/whoisload.c, is
# built here with cc.
#
# With WRITES=n, n small commits a second go to the replica while the
# load runs, as the replica agent makes them (bench/lib.sh).
#
# Environment: BIN (the programs, default ./bin), BENCH_DIR (default
# build/bench-data), N (500000), CLIENTS (64), DURATION (seconds
# measured, 20), WARMUP (5), THREADS (load generator threads, 1),
# WORKERS (whoisd threads, 0: one per CPU), PORT (4399), SEED (1),
# FRESH (0), WRITES (0).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
BIN=${BIN:-$root/bin}
N=${N:-500000}
CLIENTS=${CLIENTS:-64}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
WRITES=${WRITES:-0}
THREADS=${THREADS:-1}
WORKERS=${WORKERS:-0}
PORT=${PORT:-4399}
SEED=${SEED:-1}
FRESH=${FRESH:-0}
NAMES_EACH=50000		# registered and unregistered names drawn
# The tables a replica receives (public_tables[] in core/schema.c), and
# meta, which holds its position.
KEEP="'registrar', 'contact', 'domain', 'host', 'host_addr', 'domain_contact',
    'domain_ds', 'domain_ns', 'status', 'transfer', 'reserved', 'meta'"
dir=${BENCH_DIR:-$root/build/bench-data}/whois-$N

die() { printf 'whois.sh: %s\n' "$*" >&2; exit 1; }

for p in whoisd gendata regctl; do
	[ -x "$BIN/$p" ] || die "$BIN/$p is not built (make all)"
done
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"
command -v cc >/dev/null || die "cc is not installed"
mkdir -p "$dir"

machine() {
	machine_line
	echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
}

write_config() {
	cat >"$dir/registry.conf" <<EOF
# whois.sh benchmark registry
[registry]
tld = test
roid_suffix = TEST
idn_table = $root/data/idn/test.txt

[database]
master = master.db
replica = replica.db

[whois]
listen = 127.0.0.1:$PORT
threads = $WORKERS
max_connections = 4096
# Every client is 127.0.0.1: the limits must not get in the way here.
rate_limit = 1000000
rate_burst = 1000000
prefix_rate_limit = 1000000
prefix_rate_burst = 1000000
EOF
}

domains() {
	sqlite3 "$dir/master.db" "SELECT count(*) FROM domain" 2>/dev/null || echo 0
}

make_database() {
	if [ "$FRESH" != 1 ] && [ -s "$dir/master.db" ] && [ "$(domains)" -ge "$N" ]; then
		echo "database: $dir/master.db ($(domains) domains, kept from an earlier run)"
		# A database from an older gendata gets the later migrations.
		"$BIN/regctl" -c "$dir/registry.conf" init >/dev/null
		return
	fi
	rm -f "$dir"/master.db*
	echo "database: gendata -n $N --seed $SEED (a few minutes)"
	start=$(date +%s)
	"$BIN/gendata" -c "$dir/registry.conf" -n "$N" --seed "$SEED" >"$dir/gendata.log" 2>&1 ||
	    { cat "$dir/gendata.log" >&2; die "gendata failed"; }
	echo "database: $(domains) domains in $(( $(date +%s) - start )) s"
}

# replica.db from master.db: the private tables emptied, then VACUUM.
make_replica() {
	if [ -s "$dir/replica.db" ] && [ "$dir/replica.db" -nt "$dir/master.db" ]; then
		return
	fi
	rm -f "$dir"/replica.*
	sqlite3 "$dir/master.db" ".backup '$dir/replica.tmp'"
	private=$(sqlite3 "$dir/replica.tmp" "SELECT name FROM sqlite_master WHERE
	    type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ($KEEP)")
	{ for t in $private; do echo "DELETE FROM $t;"; done; echo "VACUUM;"; } |
	    sqlite3 "$dir/replica.tmp"
	mv "$dir/replica.tmp" "$dir/replica.db"
	echo "replica: $(du -m "$dir/replica.db" | cut -f1) MiB (master $(du -m "$dir/master.db" | cut -f1) MiB)"
}

# NAMES_EACH registered names and as many unregistered ones ("zq" before
# a registered label), shuffled.
make_names() {
	sqlite3 "$dir/master.db" "SELECT q FROM (SELECT name AS q FROM (SELECT name FROM domain
	    ORDER BY random() LIMIT $NAMES_EACH) UNION ALL SELECT 'zq' || name FROM (SELECT name
	    FROM domain ORDER BY random() LIMIT $NAMES_EACH)) ORDER BY random()" >"$dir/names.txt"
}

# utime + stime of a process, in seconds.
cpu_of() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

start_whoisd() {
	"$BIN/whoisd" -c "$dir/registry.conf" 2>"$dir/whoisd.log" &
	pid=$!
	trap 'kill $pid 2>/dev/null || true' EXIT INT TERM
	for _ in $(seq 100); do
		grep -q 'ready: answering' "$dir/whoisd.log" && return
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$dir/whoisd.log" >&2
	die "whoisd did not start"
}

run_load() {
	before=$(cpu_of "$pid")
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f 'load generator: %U s user, %S s system' -o "$dir/load.time" \
		    "$dir/whoisload" -p "$PORT" -f "$dir/names.txt" -c "$CLIENTS" -t "$THREADS" \
		    -d "$DURATION" -w "$WARMUP" -s "$SEED" >"$dir/load.out"
	else
		"$dir/whoisload" -p "$PORT" -f "$dir/names.txt" -c "$CLIENTS" -t "$THREADS" \
		    -d "$DURATION" -w "$WARMUP" -s "$SEED" >"$dir/load.out"
		: >"$dir/load.time"
	fi
	after=$(cpu_of "$pid")
}

# CPU per query over every query whoisd answered (warm-up included),
# from whoisd's closing count.
report() {
	all=$(sed -n 's/^.* info: \([0-9]*\) queries in all.*/\1/p' "$dir/whoisd.log")
	cat "$dir/load.out"
	awk -v b="$before" -v a="$after" -v q="${all:-0}" 'BEGIN { if (q > 0)
	    printf "whoisd: %.1f s CPU for %d queries: %.0f us per query\n", a - b, q, (a - b) / q * 1e6 }'
	if [ -s "$dir/load.time" ]; then
		awk -v q="${all:-0}" '/load generator/ { u = $3; s = $6 } END { if (q > 0)
		    printf "load generator: %.1f s user, %.1f s system: %.0f us per query\n",
		    u, s, (u + s) / q * 1e6 }' "$dir/load.time"
	fi
	grep 'last second:' "$dir/whoisd.log" | tail -n 1 | sed 's/^.*info: /whoisd log: /'
	grep 'queries in all' "$dir/whoisd.log" | sed 's/^.*info: /whoisd log: /'
}

machine
write_config
make_database
make_replica
make_names
cc -O2 -std=c17 -Wall -Wextra -o "$dir/whoisload" "$root/bench/whoisload.c" -lpthread
cat "$dir/replica.db" >/dev/null	# into the page cache
start_whoisd
echo "whoisd: $(grep -o 'listening on .*' "$dir/whoisd.log"); $CLIENTS clients, $THREADS load thread(s), ${WARMUP} s warm-up, ${DURATION} s measured"
if [ "$WRITES" -gt 0 ]; then
	replica_writes "$dir/replica.db" "$WRITES" $((WARMUP + DURATION + 2)) >"$dir/writes.txt" &
	wpid=$!
fi
run_load
kill "$pid"
wait "$pid" 2>/dev/null || true
report
if [ "$WRITES" -gt 0 ]; then
	wait "$wpid"
	echo "writer: $(cat "$dir/writes.txt") commits to the replica during the run"
fi
