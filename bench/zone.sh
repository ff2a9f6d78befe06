#!/bin/sh
# bench/zone.sh: the zone generator and the DNSSEC signer, side by side
# with ldns-signzone, dnssec-signzone -n 2 and Knot's kzonesign.
#
#	bench/zone.sh [N]		(default 500000 domains)
#
# 1. generation: `zonegen generate` from a gendata database of N domains
#    (40% with DS, 10% with in-zone name servers and glue), and from one
#    of NGEN domains (default 1000000) when that database exists or
#    MAKE_NGEN=1 lets the script make it (gendata takes minutes);
# 2. signing the same unsigned zone with the same KSK and ZSK
#    (ECDSAP256SHA256, from dnssec-keygen) with NSEC, NSEC3 and NSEC3
#    opt-out (RFC 9276: no iterations, no salt), by zonegen sign --full
#    and the three others, each output checked by $VERIFIER;
# 3. an incremental re-sign by zonegen after CHANGES (default 1000)
#    delegations changed in the database (DS added, put on hold, released)
#    and the zone was generated again.
#
# Environment: BIN (default ./bin), BENCH_DIR (default build/bench-data,
# shared with gen.sh: databases are made there or reused), SEED (1),
# THREADS (2: zonegen's threads, dnssec-signzone -n, kzonesign's
# signing-threads), VERIFIER (ldns-verify-zone; "none" skips the checks),
# CHANGES, NGEN, MAKE_NGEN, OTHERS (1; 0: zonegen alone, no other
# signer). Times and peak memory come from GNU time
# (/usr/bin/time -v, package "time"). Needs ldnsutils, bind9-utils,
# knot-dnssecutils and knot (keymgr).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
BIN=${BIN:-$root/bin}
dir=${BENCH_DIR:-$root/build/bench-data}
seed=${SEED:-1}
threads=${THREADS:-2}
verifier=${VERIFIER:-ldns-verify-zone}
changes=${CHANGES:-1000}
others=${OTHERS:-1}
ngen=${NGEN:-1000000}
n=${1:-500000}
work=$dir/zone-$n
results=$work/results.txt

for tool in "$BIN/zonegen" "$BIN/gendata" "$BIN/regctl" /usr/bin/time sqlite3 ldns-signzone \
    dnssec-signzone dnssec-keygen kzonesign keymgr; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "zone.sh: $tool is missing (make all; mk/packages.txt; apt-get install knot for keymgr)" >&2
		exit 1
	fi
done

machine() {
	echo "$(machine_line), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "openssl $(openssl version | cut -d' ' -f2): $(openssl speed -seconds 2 ecdsap256 2>/dev/null |
	    awk '/nistp256/ { print $(NF-1) " P-256 signatures/s per core" }')"
}

# timed NAME CMD...: runs CMD under GNU time, output to $work/NAME.log,
# and appends "NAME wall user+sys peak" to the results.
timed() {
	name=$1
	shift
	if ! /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.log" 2>&1; then
		echo "zone.sh: $name failed:" >&2
		tail -n 5 "$work/$name.log" >&2
		exit 1
	fi
	wall=$(time_field "$work/$name.time" 'Elapsed (wall clock) time (h:mm:ss or m:ss)')
	cpu=$(awk -v u="$(time_field "$work/$name.time" 'User time (seconds)')" \
	    -v s="$(time_field "$work/$name.time" 'System time (seconds)')" 'BEGIN { print u + s }')
	rss=$(time_field "$work/$name.time" 'Maximum resident set size (kbytes)')
	printf '%-26s wall %9s  cpu %7.1f s (%4s)  peak %5.0f MiB  load %s\n' "$name" "$wall" \
	    "$cpu" "$(time_field "$work/$name.time" 'Percent of CPU this job got')" \
	    "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$(cut -d' ' -f1 /proc/loadavg)" |
	    tee -a "$results"
}

# check NAME FILE: queue the signed zone for the verifier, which runs
# after all the timed runs (a verification of a 500,000-delegation zone
# takes as long as the slowest signer, and would slow the runs next to it).
check() {
	echo "$1 $2" >>"$work/to-verify"
}

verify_all() {
	[ "$verifier" = none ] && return 0
	while read -r name file; do
		if ! "$verifier" "$file" >"$work/$name.verify" 2>&1; then
			echo "zone.sh: $verifier refused $file ($name):" >&2
			tail -n 5 "$work/$name.verify" >&2
			exit 1
		fi
		echo "$name: verified by $verifier" | tee -a "$results"
	done <"$work/to-verify"
}

# database N: a copy (in the work folder, which the incremental run
# changes) of a gendata master of N domains, made once in $dir/N and kept
# there for gen.sh and later runs, at the current schema.
database() {
	d=$dir/$1
	if [ ! -f "$d/master.db" ]; then
		mkdir -p "$d"
		printf '[registry]\ntld = test\nroid_suffix = TEST\nidn_table = %s\n[database]\nmaster = master.db\n' \
		    "$root/data/idn/test.txt" >"$d/registry.conf"
		echo "making $d/master.db ($1 domains, a few minutes)"
		"$BIN/gendata" -c "$d/registry.conf" -n "$1" --seed "$seed" --nolog >"$d/gendata.log"
	fi
	sqlite3 "$d/master.db" ".backup '$work/master-$1.db'"
	conf_for "$work/master-$1.db" >"$work/registry-$1.conf"
	"$BIN/regctl" -c "$work/registry-$1.conf" init >/dev/null
}

conf_for() {
	cat <<EOF
[registry]
tld = test
roid_suffix = TEST
idn_table = $root/data/idn/test.txt
[database]
master = $1
[zone]
apex_ns = a.ns.test. b.ns.test.
apex_records = $work/apex.zone
keydir = $work/keys
sign_threads = $threads
EOF
}

keys() {
	if [ ! -d "$work/keys" ]; then
		mkdir -p "$work/keys"
		dnssec-keygen -q -K "$work/keys" -P now-30d -A now-30d -a ECDSAP256SHA256 -f KSK test. >/dev/null
		dnssec-keygen -q -K "$work/keys" -P now-30d -A now-30d -a ECDSAP256SHA256 test. >/dev/null
	fi
	set -- "$work"/keys/*.key
	key1=${1%.key}
	key2=${2%.key}
}

# Knot: a configuration with one policy per denial mode and the keys.
knot_setup() {
	k=$work/knot
	rm -rf "$k"
	mkdir -p "$k/out"
	cat >"$k/knot.conf" <<EOF
server:
    rundir: "$k"
database:
    storage: "$k"
policy:
  - id: nsec
    manual: on
    signing-threads: $threads
  - id: nsec3
    manual: on
    signing-threads: $threads
    nsec3: on
    nsec3-iterations: 0
    nsec3-salt-length: 0
  - id: optout
    manual: on
    signing-threads: $threads
    nsec3: on
    nsec3-iterations: 0
    nsec3-salt-length: 0
    nsec3-opt-out: on
zone:
  - domain: test
    file: "$work/test.zone"
    dnssec-signing: on
    dnssec-policy: nsec
EOF
	for key in "$key1" "$key2"; do
		keymgr -c "$k/knot.conf" test. import-bind "$key.private" >/dev/null
	done
}

knot_sign() {
	sed -i "s/dnssec-policy: .*/dnssec-policy: $2/" "$work/knot/knot.conf"
	rm -f "$work/knot/out/test.zone"
	timed "kzonesign-$1" kzonesign -c "$work/knot/knot.conf" -o "$work/knot/out" test.
	mv "$work/knot/out/test.zone" "$work/kzonesign-$1.signed"
	check "kzonesign-$1" "$work/kzonesign-$1.signed"
}

sign_all() {
	mode=$1
	case $mode in
	nsec) zg= ; ld= ; bd= ; kp=nsec ;;
	nsec3) zg=--nsec3 ; ld="-n -t 0" ; bd="-3 - -H 0" ; kp=nsec3 ;;
	optout) zg="--nsec3 --opt-out" ; ld="-n -p -t 0" ; bd="-3 - -H 0 -A" ; kp=optout ;;
	esac
	# shellcheck disable=SC2086
	timed "zonegen-$mode" "$BIN/zonegen" sign -c "$work/registry-$n.conf" -i "$work/test.zone" \
	    -o "$work/zonegen-$mode.signed" --full --threads "$threads" $zg
	check "zonegen-$mode" "$work/zonegen-$mode.signed"
	[ "$others" = 1 ] || return 0
	# shellcheck disable=SC2086
	timed "ldns-signzone-$mode" ldns-signzone $ld -f "$work/ldns-$mode.signed" \
	    "$work/test.zone" "$key1" "$key2"
	check "ldns-signzone-$mode" "$work/ldns-$mode.signed"
	# shellcheck disable=SC2086
	timed "dnssec-signzone-$mode" dnssec-signzone -q -n "$threads" -S -K "$work/keys" $bd \
	    -o test. -f "$work/bind-$mode.signed" "$work/test.zone"
	check "dnssec-signzone-$mode" "$work/bind-$mode.signed"
	knot_sign "$mode" "$kp"
}

# CHANGES delegations change in the database, spread over it: half get a
# new DS (a first DS or a KSK rollover), a quarter go on clientHold and
# leave the zone, a quarter come off a hold and enter it.
change_delegations() {
	step=$((n / changes))
	sqlite3 "$work/master-$n.db" <<EOF
INSERT OR IGNORE INTO domain_ds(domain_id, key_tag, alg, digest_type, digest)
  SELECT id, 4242, 13, 2, upper(hex(randomblob(32))) FROM domain
  WHERE id % $step = 0 AND id IN (SELECT domain_id FROM domain_ns) LIMIT $((changes / 2));
INSERT OR IGNORE INTO status(kind, object_id, status)
  SELECT 'domain', id, 'clientHold' FROM domain WHERE id % $step = 1 LIMIT $((changes / 4));
DELETE FROM status WHERE kind = 'domain' AND status IN ('clientHold', 'serverHold')
  AND object_id IN (SELECT object_id FROM status WHERE kind = 'domain'
  AND status IN ('clientHold', 'serverHold') AND object_id % $step > 1 LIMIT $((changes / 4)));
EOF
}

# The full NSEC run's state as the incremental run's, by hard links: its
# index names the files by inode and time, which a copy would not keep.
incremental() {
	for f in "" .cache .index .input; do
		ln -f "$work/zonegen-nsec.signed$f" "$work/incremental.signed$f"
	done
	change_delegations
	timed "generate-changed" "$BIN/zonegen" generate -c "$work/registry-$n.conf" \
	    -o "$work/test.zone"
	timed "zonegen-incremental" "$BIN/zonegen" sign -c "$work/registry-$n.conf" \
	    -i "$work/test.zone" -o "$work/incremental.signed" --threads "$threads" -v
	sed -n 's/.*info: //p' "$work/zonegen-incremental.log" | sed 's/^/    /' | tee -a "$results"
	check "zonegen-incremental" "$work/incremental.signed"
}

mkdir -p "$work"
: >"$results"
: >"$work/to-verify"
printf 'a.ns A 192.0.2.1\nb.ns A 192.0.2.2\n' >"$work/apex.zone"
machine | tee -a "$results"
database "$n"
timed "generate-$n" "$BIN/zonegen" generate -c "$work/registry-$n.conf" -o "$work/test.zone"
grep -o '[0-9]* delegations.*' "$work/generate-$n.log" | sed 's/^/    /' | tee -a "$results"
if [ "$ngen" != "$n" ] && { [ -f "$dir/$ngen/master.db" ] || [ "${MAKE_NGEN:-0}" = 1 ]; }; then
	database "$ngen"
	timed "generate-$ngen" "$BIN/zonegen" generate -c "$work/registry-$ngen.conf" \
	    -o "$work/test-$ngen.zone"
	grep -o '[0-9]* delegations.*' "$work/generate-$ngen.log" | sed 's/^/    /' | tee -a "$results"
	rm -f "$work/test-$ngen.zone" "$work/test-$ngen.zone.prev"
fi
keys
knot_setup
for mode in nsec nsec3 optout; do
	sign_all "$mode"
done
incremental
verify_all
echo "results in $results"
