#!/bin/sh
# bench/escrow.sh: escrow deposit and restore of a registry of N domains:
# wall time, CPU time and peak memory of a full deposit as production
# makes it (streamed through the schema check into gpg, signed, digested,
# copied to the target and checked there), of the same without
# encryption, of verify, and of a restore into a new database.
#
#	bench/escrow.sh [N ...]		(default: 500000)
#
# Environment: BIN (the programs, default ./bin), BENCH_DIR (default
# build/bench-data). The registry of N domains is BENCH_DIR/escrow-N/master.db:
# made by `gendata -n N` unless gen.sh left one in BENCH_DIR/N, which is
# copied and migrated. SEED (default 1). Needs gpg and GNU time (package
# "time"); the keys are throw-away ones made for the run.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
BIN=${BIN:-$root/bin}
dir=${BENCH_DIR:-$root/build/bench-data}
seed=${SEED:-1}
[ $# -gt 0 ] || set -- 500000

for p in escrow gendata regctl; do
	if [ ! -x "$BIN/$p" ]; then
		echo "escrow.sh: $BIN/$p is not built (make all)" >&2
		exit 1
	fi
done
for tool in gpg gpgconf /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "escrow.sh: $tool is not installed" >&2; exit 1; }
done

machine() {
	machine_line
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
}

write_config() {
	cat >"$1/registry.conf" <<EOF
# escrow.sh benchmark registry
[registry]
tld = test
roid_suffix = TEST
idn_table = $root/data/idn/test.txt

[database]
master = master.db

[escrow]
target = $1/offsite
gpg_home = gnupg
agent_key = gnupg/agent.asc
signing_key = gnupg/registry.asc
retention = 100
EOF
}

keys() {
	mkdir -p "$1/gnupg" "$1/offsite"
	chmod 700 "$1/gnupg"
	for k in agent registry; do
		[ -s "$1/gnupg/$k.asc" ] && continue
		gpg --homedir "$1/gnupg" --batch --passphrase '' --quick-gen-key \
		    "Bench $k <$k@bench.test>" future-default default never 2>/dev/null
		gpg --homedir "$1/gnupg" --batch --armor --output "$1/gnupg/$k.asc" \
		    --export "$k@bench.test"
	done
}

# The registry of n domains in d: gen.sh's if there is one, else made.
registry() {
	n=$1 d=$2
	[ -s "$d/master.db" ] && return 0
	if [ -s "$dir/$n/master.db" ]; then
		echo "copying $dir/$n/master.db"
		cp "$dir/$n/master.db" "$d/master.db"
	else
		echo "\$ gendata -n $n --seed $seed"
		"$BIN/gendata" -c "$d/registry.conf" -n "$n" --seed "$seed" >"$d/gendata.log"
	fi
	"$BIN/regctl" -c "$d/registry.conf" init >/dev/null
}

# measure LABEL COMMAND...: runs it under GNU time and prints one line.
measure() {
	label=$1
	shift
	if ! /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/out.txt" 2>&1; then
		cat "$work/out.txt" >&2
		echo "$label: FAILED" >&2
		exit 1
	fi
	wall=$(time_field "$work/time.txt" 'Elapsed (wall clock) time (h:mm:ss or m:ss)')
	user=$(time_field "$work/time.txt" 'User time (seconds)')
	sys=$(time_field "$work/time.txt" 'System time (seconds)')
	rss=$(time_field "$work/time.txt" 'Maximum resident set size (kbytes)')
	printf '%-34s wall %8s  user %6s s  sys %5s s  peak RSS %4.0f MiB\n' "$label" "$wall" \
	    "$user" "$sys" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
}

size_mib() {
	du -cb "$@" | tail -n 1 | awk '{ printf "%.0f MiB", $1 / 1048576 }'
}

run_one() {
	n=$1
	work=$dir/escrow-$n
	mkdir -p "$work"
	write_config "$work"
	keys "$work"
	registry "$n" "$work"
	rm -rf "$work/deposits" "$work/plain" "$work/offsite"/* "$work/restored.db"*
	echo "$n domains: database $(size_mib "$work"/master.db*)"
	measure "deposit (encrypted, signed, sent)" \
	    "$BIN/escrow" deposit -c "$work/registry.conf" -o "$work/deposits"
	measure "deposit --no-encrypt --no-send" \
	    "$BIN/escrow" deposit -c "$work/registry.conf" -o "$work/plain" --no-encrypt --no-send
	ryde=$(ls "$work"/deposits/*.ryde)
	echo "  deposit $(size_mib "$ryde") encrypted, $(size_mib "$work"/plain/*.xml) as XML"
	measure "verify" "$BIN/escrow" verify -c "$work/registry.conf" "$ryde"
	measure "restore" "$BIN/escrow" restore -c "$work/registry.conf" -d "$work/restored.db" "$ryde"
	echo "  restored database $(size_mib "$work"/restored.db)"
	gpgconf --homedir "$work/gnupg" --kill gpg-agent 2>/dev/null || true
	echo
}

machine
for n in "$@"; do
	run_one "$n"
done
