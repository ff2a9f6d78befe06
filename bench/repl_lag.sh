#!/bin/sh
# bench/repl_lag.sh: replication lag from commit on the master to
# visibility on a replica, under a steady load of transforms.
#
#	bench/repl_lag.sh [RATE [SECONDS [DOMAINS]]]	(default: 200 30 50000)
#
# Sets up in BENCH_DIR (default build/bench-repl, rebuilt each run) a
# throw-away CA, a master of DOMAINS domains made by gendata, a feed and an
# agent (`replica feed`, `replica follow`) on loopback with TLS, waits for
# the replica to catch up, then runs the driver bench/repl_lag.c: RATE
# domain updates per second for SECONDS through the store API (one
# transaction each, synchronous=FULL on the master as in production),
# while it polls the replica's position every millisecond. Prints the lag
# percentiles. The driver is compiled here against the core library.
#
# Environment: BIN (the programs, default ./bin), BUILD (the build tree
# holding libcore.a, default build/std), BENCH_DIR, CC.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
BIN=${BIN:-$root/bin}
BUILD=${BUILD:-$root/build/std}
dir=${BENCH_DIR:-$root/build/bench-repl}
rate=${1:-200}
seconds=${2:-30}
domains=${3:-50000}
port=$((30000 + $$ % 20000))
CATCH_UP_WAIT=600	# tenths of a second

die() { echo "repl_lag.sh: $*" >&2; exit 1; }
for prog in replica regctl gendata; do
	[ -x "$BIN/$prog" ] || die "$BIN/$prog is not built (make all)"
done
[ -f "$BUILD/libcore.a" ] || die "$BUILD/libcore.a is not built (make all)"

rm -rf "$dir"
mkdir -p "$dir/tls"
driver=$dir/repl_lag
# shellcheck disable=SC2046
${CC:-cc} -O2 -D_GNU_SOURCE -I"$root/core" -o "$driver" "$root/bench/repl_lag.c" \
    "$BUILD/libcore.a" $(pkg-config --libs sqlite3 openssl libxml-2.0 libidn2 inih libmicrohttpd) -lpthread -lm

# --- certificates, configuration, master --------------------------------------

tls=$dir/tls
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=bench CA" -addext "basicConstraints=critical,CA:TRUE" \
    -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
leaf() {
	printf '%s\n' "$2" >"$tls/$1.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
	    -keyout "$tls/$1.key" -out "$tls/$1.csr" 2>/dev/null
	openssl x509 -req -in "$tls/$1.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
	    -set_serial "0x$(openssl rand -hex 8)" -days 2 -extfile "$tls/$1.ext" \
	    -out "$tls/$1.crt" 2>/dev/null
}
leaf feed "subjectAltName=IP:127.0.0.1"
leaf replica "extendedKeyUsage=clientAuth"

conf() {
	cat <<EOF
[registry]
tld = test
idn_table = $root/data/idn/test.txt
[database]
master = master.db
replica = replica.db
[replication]
listen = 127.0.0.1:$port
feed = 127.0.0.1:$port
cert = tls/$1.crt
key = tls/$1.key
ca = tls/ca.crt
allow = 127.0.0.1/32
status_interval = 10s
EOF
}
conf feed >"$dir/registry.conf"
conf replica >"$dir/public.conf"

"$BIN/regctl" -c "$dir/registry.conf" init >/dev/null
"$BIN/gendata" -c "$dir/registry.conf" -n "$domains" >/dev/null

# --- feed and agent ----------------------------------------------------------------

pids=""
cleanup() {
	for pid in $pids; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$BIN/replica" feed -c "$dir/registry.conf" 2>"$dir/feed.log" &
pids="$pids $!"
sleep 0.5
"$BIN/replica" follow -c "$dir/public.conf" 2>"$dir/follow.log" &
pids="$pids $!"

seq_of() { sqlite3 "$1" "$2" 2>/dev/null || echo -1; }
want=$(seq_of "$dir/master.db" "SELECT max(seq) FROM changelog")
i=0
while [ "$(seq_of "$dir/replica.db" "SELECT value FROM meta WHERE key = 'replica_seq'")" != "$want" ]; do
	i=$((i + 1))
	[ $i -lt $CATCH_UP_WAIT ] || die "the replica did not catch up (see $dir/follow.log)"
	sleep 0.1
done

# --- the run -----------------------------------------------------------------------------

echo "machine: $(nproc) cores ($(cpu_model)), $(uname -sr)"
echo "sqlite $(sqlite3 --version | cut -d' ' -f1), $domains domains, $rate transforms/s for $seconds s"
"$driver" "$dir/master.db" "$dir/replica.db" "$rate" "$seconds" "$domains"
grep 'follow: at changeset' "$dir/follow.log" | tail -n 1 | sed 's/^.*follow: /agent: /'
