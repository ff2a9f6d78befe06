#!/bin/sh
# bench/epp.sh: EPP commands per second and latency of eppd on a database
# of 500,000 domains, with concurrent TLS sessions (issue 3, "Benchmark").
#
#	bench/epp.sh [KIND ...]		(default: check info create update renew)
#
# The load generator bench/eppload.c is compiled here with a plain cc
# command (`cc -O2 ... $(pkg-config --cflags --libs openssl) -lpthread`);
# the Makefile builds only bench/gendata.c.
#
# Steps:
#   1. The database: BENCH_DIR/N/master.db as bench/gen.sh makes it
#      (`gendata -n N --seed 1`); made with gen.sh if missing (2-3 min).
#      It is never written: every run works on a fresh copy in
#      BENCH_DIR/epp/, migrated by `regctl init` if gendata was older.
#   2. A throw-away CA, a server certificate for 127.0.0.1 and a client
#      certificate for each benchmark registrar (as mk/run.sh does), and
#      registry.conf for TLD "test" with the default [epp] limits except
#      rate_limit, raised out of the way (one session alone can send more
#      than the default 1,000 commands a second).
#   3. The gendata registrars rar001..rarR (password "gendata-pw1") get
#      their certificate, 127.0.0.1/32 on their allow-list (if missing),
#      credit and a deposit through regctl.
#   4. A pool per registrar: up to POOL of its domains whose statuses allow
#      update and renew ("clID name expiry-date"), a contact of its own for
#      creates, two external name servers.
#   5. eppd starts (synchronous=FULL: every answer to a transform waits
#      for the fsync of its group commit); then for each KIND, eppload runs
#      SESSIONS sessions (session i is registrar i mod R) for WARMUP +
#      DURATION seconds and a table of the figures is printed, with eppd's
#      CPU time per command and the load average before each run.
#
# Environment: BIN (the programs, default ./bin), BENCH_DIR (default
# build/bench-data), DOMAINS (500000), SESSIONS (16), REGISTRARS (16),
# DURATION (20 seconds), WARMUP (3), POOL (20000), CC, PERF=fp or
# PERF=dwarf (perf record with that call-graph mode on eppd's two
# processes during each measured run, into BENCH_DIR/epp/perf-KIND.data;
# dwarf sees through Debian's libraries built without frame pointers).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
BIN=${BIN:-$root/bin}
data=${BENCH_DIR:-$root/build/bench-data}
domains=${DOMAINS:-500000}
sessions=${SESSIONS:-16}
nregs=${REGISTRARS:-16}
seconds=${DURATION:-20}
warmup=${WARMUP:-3}
pool_max=${POOL:-20000}
dir=$data/epp
port=$((30000 + $$ % 20000))
GENDATA_PW=gendata-pw1
CREDIT=1000000000	# minor units: no run may stop on 2104
START_WAIT=300		# tenths of a second for eppd to start
EXPIRY_MARGIN=172800	# seconds: pool domains expire later than this
[ $# -gt 0 ] || set -- check info create update renew

die() { echo "epp.sh: $*" >&2; exit 1; }
for prog in eppd regctl gendata; do
	[ -x "$BIN/$prog" ] || die "$BIN/$prog is not built (make all)"
done
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"

# --- 1. the database ----------------------------------------------------------

src=$data/$domains/master.db
if [ ! -s "$src" ]; then
	echo "epp.sh: $src is missing: making it with bench/gen.sh"
	BIN=$BIN BENCH_DIR=$data "$root/bench/gen.sh" "$domains"
fi
rm -rf "$dir"
mkdir -p "$dir/tls"
cp "$src" "$dir/master.db"

load=$dir/eppload
# shellcheck disable=SC2046
${CC:-cc} -O2 -std=c17 -Wall -Wextra -Wno-unused-parameter -o "$load" "$root/bench/eppload.c" \
    $(pkg-config --cflags --libs openssl) -lpthread

# --- 2. certificates and configuration --------------------------------------------

tls=$dir/tls
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=eppbench CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
leaf() {
	printf '%s\n' "$2" >"$tls/$1.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
	    -keyout "$tls/$1.key" -out "$tls/$1.csr" 2>/dev/null
	openssl x509 -req -in "$tls/$1.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
	    -set_serial "0x$(openssl rand -hex 8)" -days 2 -extfile "$tls/$1.ext" \
	    -out "$tls/$1.crt" 2>/dev/null
	rm -f "$tls/$1.csr" "$tls/$1.ext"
}
leaf server "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature"

conf=$dir/registry.conf
cat >"$conf" <<EOF
# epp.sh benchmark registry (TLD and ROID suffix as gen.sh made them)
[registry]
tld = test
roid_suffix = TEST
idn_table = $root/data/idn/test.txt

[database]
master = master.db

[prices]
create = 1000
renew = 1000
transfer = 1000
restore = 4000

[epp]
listen = 127.0.0.1:$port
cert = tls/server.crt
key = tls/server.key
ca = tls/ca.crt
schema_dir = $root/data/xsd
# The per-registrar limit (default 1,000 a second) is policy, not
# capacity: one session alone can exceed it.
rate_limit = 1000000
EOF

# --- 3. registrars --------------------------------------------------------------------

sql() { sqlite3 -batch "$dir/master.db" "$1"; }
regctl() { "$BIN/regctl" -c "$conf" "$@" >/dev/null; }

regctl init	# a database from an older gendata gets the later migrations
regfile=$dir/registrars.txt
: >"$regfile"
i=1
while [ $i -le "$nregs" ]; do
	clid=$(printf 'rar%03d' $i)
	leaf "$clid" "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature"
	id=$(sql "SELECT id FROM registrar WHERE handle = '$clid'")
	[ -n "$id" ] || die "registrar $clid is not in $src (gendata --registrars)"
	acl=$(sql "SELECT count(*) FROM registrar_acl WHERE registrar_id = $id AND prefix = '127.0.0.1/32'")
	[ "$acl" -gt 0 ] || regctl registrar update "$clid" --allow-add 127.0.0.1/32
	regctl registrar update "$clid" --cert-add "$tls/$clid.crt" --credit $CREDIT \
	    --deposit $CREDIT
	contact=$(sql "SELECT handle FROM contact c WHERE sponsor_id = $id AND NOT EXISTS
	    (SELECT 1 FROM status s WHERE s.kind = 'contact' AND s.object_id = c.id
	    AND s.status <> 'ok') ORDER BY id LIMIT 1")
	echo "$clid $GENDATA_PW $tls/$clid.crt $tls/$clid.key $contact" >>"$regfile"
	i=$((i + 1))
done

# --- 4. the pool ------------------------------------------------------------------------

# Domains of the benchmark registrars with no status that forbids update
# or renew, in no RGP or transfer state, and not about to expire (the
# writer's housekeeping would auto-renew them under the run's feet), at
# random.
pool=$dir/pool.txt
sql "SELECT r.handle, d.name, strftime('%Y-%m-%d', d.expires, 'unixepoch')
    FROM domain d JOIN registrar r ON r.id = d.sponsor_id
    WHERE r.handle <= '$(printf 'rar%03d' "$nregs")' AND d.rgp IS NULL
    AND d.expires > strftime('%s', 'now') + $EXPIRY_MARGIN
    AND NOT EXISTS (SELECT 1 FROM status s WHERE s.kind = 'domain'
        AND s.object_id = d.id AND s.status NOT IN ('ok', 'inactive',
        'clientTransferProhibited', 'serverTransferProhibited',
        'clientDeleteProhibited', 'serverDeleteProhibited'))
    ORDER BY random()" | tr '|' ' ' |
    awk -v max="$pool_max" '++n[$1] <= max' >"$pool"
ns=$(sql "SELECT name FROM host WHERE domain_id IS NULL ORDER BY id LIMIT 2" | paste -sd, -)

# --- 5. eppd and the runs -----------------------------------------------------------------

eppd_pid=""
cleanup() {
	[ -z "$eppd_pid" ] || kill -TERM "$eppd_pid" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$BIN/eppd" -c "$conf" 2>"$dir/eppd.log" &
eppd_pid=$!
i=0
until grep -q 'writer ready' "$dir/eppd.log"; do
	i=$((i + 1))
	[ $i -lt $START_WAIT ] && kill -0 "$eppd_pid" 2>/dev/null ||
	    die "eppd did not start (see $dir/eppd.log)"
	sleep 0.1
done
writer_pid=$(pgrep -P "$eppd_pid" | head -n 1)

echo "machine: $(nproc) cores ($(cpu_model)), $(uname -sr), sqlite $(sqlite3 --version | cut -d' ' -f1)"
echo "database: $domains domains (copy of $src), $sessions sessions over $nregs registrars," \
    "$seconds s per kind after $warmup s warm-up"
echo "pool: $(wc -l <"$pool") domains; name servers $ns"

# perf on eppd's processes for the measured phase of eppload.
perf_measured() {
	until grep -q '^eppload: measuring$' "$2" 2>/dev/null; do
		kill -0 "$load_pid" 2>/dev/null || return 0
		sleep 0.1
	done
	perf record -q --call-graph "$PERF" -F 499 -p "$eppd_pid,$writer_pid" \
	    -o "$dir/perf-$1.data" -- sleep "$seconds" 2>/dev/null || true
}

results=$dir/results.txt
: >"$results"
tag=$(date +%s | tail -c 7)
for kind in "$@"; do
	before=$(cut -d' ' -f1-3 /proc/loadavg)
	err=$dir/eppload-$kind.err
	"$load" -p "$port" -C "$tls/ca.crt" -r "$regfile" -f "$pool" -k "$kind" \
	    -s "$sessions" -d "$seconds" -w "$warmup" -n "$ns" -t "$tag" \
	    -P "$eppd_pid,$writer_pid" >"$dir/eppload-$kind.out" 2>"$err" &
	load_pid=$!
	perf_pid=""
	if [ -n "${PERF:-}" ]; then
		perf_measured "$kind" "$err" &
		perf_pid=$!
	fi
	wait "$load_pid" || die "eppload $kind failed: $(cat "$err")"
	[ -z "$perf_pid" ] || wait "$perf_pid" || true
	echo "$(cat "$dir/eppload-$kind.out") load=$before" >>"$results"
	grep -v '^eppload: measuring$' "$err" | sed 's/^/  /'
done

# key=value lines to a table.
awk '
function v(k,   i, n, f) {
	n = split($0, f, " ")
	for (i = 1; i <= n; i++)
		if (index(f[i], k "=") == 1)
			return substr(f[i], length(k) + 2)
	return ""
}
BEGIN {
	printf "%-7s %9s %7s %7s %7s %7s %7s  %-24s %-11s %s\n", "kind", "commands",
	    "per s", "p50 ms", "p90 ms", "p99 ms", "max ms", "results", "cpu us/cmd",
	    "load before"
}
{
	load = $0; sub(/.*load=/, "", load)
	printf "%-7s %9s %7s %7s %7s %7s %7s  %-24s %-11s %s\n", v("kind"), v("commands"),
	    v("rate"), v("p50"), v("p90"), v("p99"), v("max"), v("results"), v("cpu_us"), load
}' "$results"
echo "cpu us/cmd: eppd CPU time (user + system) per command while measuring,"
echo "frontend (sessions) + writer; load before: the load average before the run."
