#!/bin/sh
# bench/rdap.sh: rdapd under wrk, and nginx serving a static file of the
# same size as an average answer for the ceiling of this machine.
#
#	bench/rdap.sh
#
# The replica is a 500,000-domain database made by gendata (a few minutes
# the first time; kept in BENCH_DIR for the next run and migrated by
# regctl init). wrk runs a Lua script that asks /domain/NAME for names
# drawn at random from a list of existing names and made-up missing ones
# (MISS percent of them), over CONNS keep-alive connections; then the
# same wrk, connections and duration against nginx serving one static
# file as large as rdapd's average answer in that mix. Both servers log
# every request to a file and run as many workers as the machine has
# cores. Prints both rates, the CPU time each server spent per request
# (which other load on the machine disturbs less than the rates), the
# ratio and the machine.
#
# With WRITES=n, a writer commits n small updates a second to the
# replica while wrk runs against rdapd, as the replica agent does when
# it applies changesets (a reader loses SQLite's mapping of the file at
# each change: core/store.h, store_reader_tune).
#
# Environment: BIN (the programs, default ./bin), BENCH_DIR (default
# build/bench-data), N (domains, default 500000), CONNS (64), DURATION
# (seconds, 30), WARMUP (seconds, 5), MISS (percent of missing names, 50),
# NAMES (names in the list, 40000), PORT (18480; nginx uses PORT+1),
# WRK_THREADS (2), WRITES (commits a second to the replica, 0).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
BIN=${BIN:-$root/bin}
dir=${BENCH_DIR:-$root/build/bench-data}/rdap-${N:-500000}
N=${N:-500000}
CONNS=${CONNS:-64}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-5}
MISS=${MISS:-50}
NAMES=${NAMES:-40000}
PORT=${PORT:-18480}
WRK_THREADS=${WRK_THREADS:-2}
WRITES=${WRITES:-0}
CORES=$(nproc)

for p in rdapd regctl gendata; do
	[ -x "$BIN/$p" ] || { echo "rdap.sh: $BIN/$p is not built (make all)" >&2; exit 1; }
done
for t in wrk nginx sqlite3 curl; do
	command -v $t >/dev/null || { echo "rdap.sh: $t is not installed (mk/deps.sh)" >&2; exit 1; }
done

pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	[ -f "$dir/nginx/nginx.pid" ] && kill "$(cat "$dir/nginx/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

machine() {
	echo "$(machine_line "$CORES"), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "$(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2), $(nginx -v 2>&1 | cut -d' ' -f3)," \
	    "libmicrohttpd $(pkg-config --modversion libmicrohttpd 2>/dev/null || echo ?)," \
	    "sqlite $(sqlite3 --version | cut -d' ' -f1)"
}

# The replica: N domains of gendata, seed 1.
replica() {
	mkdir -p "$dir"
	cat >"$dir/registry.conf" <<EOF
# rdap.sh benchmark registry
[registry]
tld = test
roid_suffix = TEST
name = The .test registry
idn_table = $root/data/idn/test.txt
whois_server = whois.nic.test

[database]
master = master.db
replica = master.db

[rdap]
listen = 127.0.0.1:$PORT
base_url = https://rdap.nic.test/
threads = $CORES
rate_limit = 1000000
rate_burst = 1000000
EOF
	if [ ! -s "$dir/master.db" ]; then
		echo "making $N domains (a few minutes)"
		"$BIN/gendata" -c "$dir/registry.conf" -n "$N" --seed 1 >"$dir/gendata.log"
	fi
	"$BIN/regctl" -c "$dir/registry.conf" init >/dev/null
}

# paths.txt: NAMES names, MISS percent of them missing, shuffled.
paths() {
	miss=$((NAMES * MISS / 100))
	{
		sqlite3 "$dir/master.db" "SELECT '/domain/' || name FROM domain
		    ORDER BY random() LIMIT $((NAMES - miss))"
		awk -v n="$miss" 'BEGIN { srand(7); for (i = 0; i < n; i++)
		    printf "/domain/nx%08d-%d.test\n", int(rand() * 1e8), i }'
	} | awk 'BEGIN { srand(11) } { print rand() "\t" $0 }' | sort -k1,1 | cut -f2 \
	    >"$dir/paths.txt"
	cat >"$dir/paths.lua" <<EOF
-- random /domain/NAME requests from paths.txt
local paths = {}
for line in io.lines("$dir/paths.txt") do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function()
	return wrk.format("GET", paths[math.random(#paths)])
end
EOF
}

# Mean size of rdapd's answers over a sample of the mix.
mean_size() {
	head -n 400 "$dir/paths.txt" |
	    awk -v u="http://127.0.0.1:$PORT" '{ printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", u, $0 }' \
	    >"$dir/sample.curl"
	curl -s -K "$dir/sample.curl" -w '%{size_download}\n' |
	    awk '{ s += $1; n++ } END { printf "%d", s / n }'
}

wait_port() {
	for _ in $(seq 50); do
		curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
		sleep 0.1
	done
	echo "rdap.sh: nothing answers on port $1" >&2
	exit 1
}

# CPU ticks (user + system) the processes PIDS have used so far.
ticks() {
	for p in "$@"; do awk '{ print $14 + $15 }' "/proc/$p/stat"; done |
	    awk '{ s += $1 } END { print s + 0 }'
}

# run_wrk OUT PIDS -- WRK ARGS: warm up, then measure; OUT.cpu gets the
# servers' CPU microseconds per request.
run_wrk() {
	out=$1 srv=$2
	shift 3
	wrk -t "$WRK_THREADS" -c "$CONNS" -d "${WARMUP}s" "$@" >/dev/null
	t0=$(ticks $srv)
	wrk -t "$WRK_THREADS" -c "$CONNS" -d "${DURATION}s" --latency "$@" | tee "$out"
	t1=$(ticks $srv)
	awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" '/requests in/ {
	    printf "%.0f", t * 1e6 / hz / $1 }' "$out" >"$out.cpu"
}

rate() { awk '/^Requests\/sec/ { print $2 }' "$1"; }

nginx_start() {
	mkdir -p "$dir/nginx/www/domain"
	head -c "$1" /dev/zero | tr '\0' x >"$dir/nginx/www/domain/static"
	cat >"$dir/nginx/nginx.conf" <<EOF
worker_processes $CORES;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log $dir/nginx/access.log;
	client_body_temp_path $dir/nginx; proxy_temp_path $dir/nginx;
	fastcgi_temp_path $dir/nginx; uwsgi_temp_path $dir/nginx; scgi_temp_path $dir/nginx;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$((PORT + 1));
		root $dir/nginx/www;
		default_type application/rdap+json;
		add_header Access-Control-Allow-Origin *;
	}
}
EOF
	: >"$dir/nginx/access.log"
	nginx -c "$dir/nginx/nginx.conf"
	wait_port $((PORT + 1))
}

machine
replica
paths
echo "replica: $(sqlite3 "$dir/master.db" 'SELECT count(*) FROM domain') domains," \
    "$(du -m "$dir/master.db" | cut -f1) MiB; names: $(wc -l <"$dir/paths.txt"), $MISS% missing"

"$BIN/rdapd" -c "$dir/registry.conf" 2>"$dir/rdapd.log" &
pids="$pids $!"
wait_port "$PORT"
size=$(mean_size)
echo "mean answer: $size bytes"
if [ "$WRITES" -gt 0 ]; then
	replica_writes "$dir/master.db" "$WRITES" $((WARMUP + DURATION + 2)) \
	    >"$dir/writes.txt" &
	wpid=$!
fi
echo "\$ wrk -t $WRK_THREADS -c $CONNS -d ${DURATION}s --latency -s paths.lua http://127.0.0.1:$PORT/"
run_wrk "$dir/wrk-rdapd.txt" "$pids" -- -s "$dir/paths.lua" "http://127.0.0.1:$PORT/"
if [ "$WRITES" -gt 0 ]; then
	wait $wpid
	echo "writer: $(cat "$dir/writes.txt") commits to the replica during the run"
fi
kill $pids
wait 2>/dev/null || true
pids=""

nginx_start "$size"
echo "\$ wrk -t $WRK_THREADS -c $CONNS -d ${DURATION}s --latency http://127.0.0.1:$((PORT + 1))/domain/static"
workers=$(pgrep -P "$(cat "$dir/nginx/nginx.pid")" | tr '\n' ' ')
run_wrk "$dir/wrk-nginx.txt" "$workers" -- "http://127.0.0.1:$((PORT + 1))/domain/static"

r=$(rate "$dir/wrk-rdapd.txt")
g=$(rate "$dir/wrk-nginx.txt")
echo
echo "rdapd: $r requests/s, $(cat "$dir/wrk-rdapd.txt.cpu") us of CPU a request" \
    "($WRITES writes/s);" \
    "nginx static $size bytes: $g requests/s, $(cat "$dir/wrk-nginx.txt.cpu") us;" \
    "rdapd/nginx = $(awk -v a="$r" -v b="$g" 'BEGIN { printf "%.2f", a / b }')"
