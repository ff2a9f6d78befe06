#!/bin/sh
# gendata.t: bench/gendata makes data of the promised shape (shares,
# contacts, DS, glue, IDNs, every status, dates, authInfo), the same data
# for the same seed, and fails cleanly on bad use. TAP on stdout.

root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$root/bin}
if [ ! -x "$BIN/gendata" ]; then
	echo "1..0 # SKIP gendata is not built in $BIN"
	exit 0
fi
if ! command -v sqlite3 >/dev/null; then
	echo "1..0 # SKIP sqlite3 is not installed"
	exit 0
fi

N=20000
NOW=2026-01-01T00:00:00Z
NOW_S=1767225600
YEAR=31536000
tmp=$(mktemp -d /tmp/gendata-t.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

. "$root/tests/integration/lib/tap.sh"
# within DESCRIPTION VALUE LOW HIGH (numbers, inclusive)
within() {
	if awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v >= lo && v <= hi) }'; then
		ok 0 "$1 ($2)"
	else
		ok 1 "$1"
		printf '#   got %s, wanted %s to %s\n' "$2" "$3" "$4"
	fi
}

# config DIR: a registry for .test with its database in DIR.
config() {
	mkdir -p "$1"
	cat >"$1/registry.conf" <<EOF
[registry]
tld = test
roid_suffix = TEST
idn_table = $root/data/idn/test.txt
EOF
	printf '[database]\nmaster = master.db\n' >>"$1/registry.conf"
}
gen() {
	dir=$1
	shift
	"$BIN/gendata" -c "$dir/registry.conf" --now $NOW "$@"
}
sql() { sqlite3 "$tmp/a/master.db" "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
# The public data of a database, for comparing two runs.
dump() {
	for t in registrar contact domain host host_addr domain_contact domain_ns \
	    domain_ds status transfer authinfo grace; do
		sqlite3 "$1/master.db" "SELECT * FROM $t" | sort
	done
}

config "$tmp/a"
gen "$tmp/a" -n $N --seed 3 --registrars 20 >"$tmp/a/out" 2>&1
ok $? "gendata -n $N runs"
grep -q "^gendata: $N domains in" "$tmp/a/out"
ok $? "it prints a summary"

is "$N domains" "$(sql 'SELECT count(*) FROM domain')" $N
is "20 registrars rar001..rar020" "$(sql "SELECT count(*), min(handle), max(handle)
    FROM registrar")" "20|rar001|rar020"
top=$(sql 'SELECT count(*) FROM domain GROUP BY sponsor_id ORDER BY 1 DESC LIMIT 1')
top5=$(sql 'SELECT sum(c) FROM (SELECT count(*) c FROM domain GROUP BY sponsor_id
    ORDER BY 1 DESC LIMIT 5)')
within "the largest registrar holds a fifth or more" "$(ratio "$top" $N)" 0.2 0.5
within "the five largest hold most names" "$(ratio "$top5" $N)" 0.5 0.9

contacts=$(sql 'SELECT count(*) FROM contact')
within "about 1.5 domains per contact" "$(ratio $N "$contacts")" 1.3 1.7
within "some registrants hold many domains" "$(sql 'SELECT count(*) FROM domain
    GROUP BY registrant_id ORDER BY 1 DESC LIMIT 1')" 20 $N
is "every domain has a registrant, an admin and a tech contact" "$(sql "SELECT count(*)
    FROM domain d WHERE registrant_id IS NOT NULL
    AND EXISTS (SELECT 1 FROM domain_contact WHERE domain_id = d.id AND type = 'admin')
    AND EXISTS (SELECT 1 FROM domain_contact WHERE domain_id = d.id AND type = 'tech')")" $N
within "some have a billing contact" "$(ratio "$(sql "SELECT count(*) FROM domain_contact
    WHERE type = 'billing'")" $N)" 0.1 0.3
is "contacts have an ASCII int postalInfo, voice and e-mail" "$(sql "SELECT count(*)
    FROM contact WHERE int_name IS NULL OR int_name GLOB '*[^ -~]*'
    OR int_city GLOB '*[^ -~]*' OR voice NOT GLOB '+[0-9]*.[0-9]*' OR email NOT LIKE '%@%'")" 0

ds=$(sql 'SELECT count(DISTINCT domain_id) FROM domain_ds')
within "about 40% of domains have DS data" "$(ratio "$ds" $N)" 0.36 0.44
is "DS records are algorithm 13, digest type 2, 64 upper-case hex digits" \
    "$(sql "SELECT count(*) FROM domain_ds WHERE alg != 13 OR digest_type != 2
    OR length(digest) != 64 OR digest GLOB '*[^0-9A-F]*'")" 0
is "no domain has more than two DS records" "$(sql 'SELECT count(*) FROM (SELECT 1
    FROM domain_ds GROUP BY domain_id HAVING count(*) > 2)')" 0

inzone=$(sql 'SELECT count(DISTINCT domain_id) FROM host WHERE domain_id IS NOT NULL')
within "about 10% of domains have in-zone name servers" "$(ratio "$inzone" $N)" 0.08 0.12
is "in-zone hosts are ns1/ns2 of their domain with IPv4 and IPv6 glue" "$(sql "SELECT
    count(*) FROM host h JOIN domain d ON d.id = h.domain_id WHERE
    (h.name != 'ns1.' || d.name AND h.name != 'ns2.' || d.name)
    OR (SELECT count(*) FROM host_addr WHERE host_id = h.id AND family = 4) != 1
    OR (SELECT count(*) FROM host_addr WHERE host_id = h.id AND family = 6) != 1")" 0
is "glue addresses are in 198.18.0.0/15 and 2001:db8::/32" "$(sql "SELECT count(*)
    FROM host_addr WHERE NOT (addr LIKE '198.18.%' OR addr LIKE '198.19.%'
    OR addr LIKE '2001:db8:%')")" 0
is "external name servers come from a shared pool of hosters" "$(sql "SELECT count(*)
    FROM host WHERE domain_id IS NULL AND name NOT GLOB 'ns[123].hosting[0-9]*.example.net'")" 0
within "delegated domains share hosters" "$(sql 'SELECT count(*) FROM domain_ns n
    JOIN host h ON h.id = n.host_id WHERE h.domain_id IS NULL GROUP BY host_id
    ORDER BY 1 DESC LIMIT 1')" 100 $N

idn=$(sql "SELECT count(*) FROM domain WHERE name LIKE 'xn--%' AND uname IS NOT NULL")
within "about 2% are IDNs with their U-label" "$(ratio "$idn" $N)" 0.01 0.03
is "only IDNs have a U-label" "$(sql "SELECT count(*) FROM domain
    WHERE (uname IS NULL) = (name LIKE 'xn--%')")" 0

for st in ok inactive clientHold serverHold clientTransferProhibited \
    clientDeleteProhibited clientUpdateProhibited clientRenewProhibited \
    serverTransferProhibited serverUpdateProhibited serverDeleteProhibited \
    serverRenewProhibited pendingDelete pendingTransfer; do
	c=$(sql "SELECT count(*) FROM status WHERE kind = 'domain' AND status = '$st'")
	[ "$c" -gt 0 ]
	ok $? "some domains are $st ($c)"
done
is "inactive domains are exactly those without name servers" "$(sql "SELECT count(*)
    FROM domain d WHERE (EXISTS (SELECT 1 FROM domain_ns WHERE domain_id = d.id)
    OR EXISTS (SELECT 1 FROM host WHERE domain_id = d.id)) = EXISTS (SELECT 1 FROM status
    WHERE kind = 'domain' AND object_id = d.id AND status = 'inactive')")" 0
is "pendingDelete domains are in redemption or pending delete" "$(sql "SELECT count(*)
    FROM status s JOIN domain d ON d.id = s.object_id WHERE s.kind = 'domain'
    AND s.status = 'pendingDelete' AND (d.rgp IS NULL OR d.deleted IS NULL)")" 0
is "every pendingTransfer has its transfer record" "$(sql "SELECT count(*) FROM status
    WHERE kind = 'domain' AND status = 'pendingTransfer'")" "$(sql "SELECT count(*)
    FROM transfer WHERE state = 'pending'")"
is "no object is ok together with another status" "$(sql "SELECT count(*) FROM status o
    JOIN status x USING (kind, object_id) WHERE o.status = 'ok' AND x.status != 'ok'
    AND x.status != 'linked'")" 0
within "some contacts carry statuses" "$(sql "SELECT count(*) FROM status
    WHERE kind = 'contact' AND status != 'ok'")" 1 $N

within "created dates go back close to 20 years" "$(sql "SELECT ($NOW_S - min(created))
    / $YEAR FROM domain")" 17 20
is "live domains expire within the next year" "$(sql "SELECT count(*) FROM domain
    WHERE rgp IS NULL AND (expires <= $NOW_S OR expires > $NOW_S + $YEAR + 86400)")" 0
is "every domain and contact has an authInfo" "$(sql 'SELECT count(*) FROM authinfo')" \
    "$(sql 'SELECT (SELECT count(*) FROM domain) + (SELECT count(*) FROM contact)')"
within "the changelog records the load" "$(sql 'SELECT count(*) FROM changelog')" 2 100

# --- determinism ---------------------------------------------------------------

config "$tmp/b"
config "$tmp/c"
gen "$tmp/b" -n $N --seed 3 --registrars 20 >/dev/null 2>&1
ok $? "a second run with the same seed"
dump "$tmp/a" >"$tmp/a.dump"
dump "$tmp/b" >"$tmp/b.dump"
cmp -s "$tmp/a.dump" "$tmp/b.dump"
ok $? "the same seed gives the same data"
gen "$tmp/c" -n 2000 --seed 4 --nolog >/dev/null 2>&1
ok $? "another seed with --nolog"
is "--nolog leaves the changelog empty" "$(sqlite3 "$tmp/c/master.db" \
    'SELECT count(*) FROM changelog')" 0
is "another seed gives other names" "$(sqlite3 "$tmp/c/master.db" "ATTACH '$tmp/a/master.db'
    AS a; SELECT count(*) < 1000 FROM domain JOIN a.domain USING (name)")" 1

# --- bad use -------------------------------------------------------------------

gen "$tmp/c" --demo >"$tmp/out" 2>&1
is "--demo without the demo registrars fails" $? 1
grep -q 'registrar demo does not exist' "$tmp/out"
ok $? "and says which registrar is missing"
"$BIN/gendata" -n 10 >/dev/null 2>&1
is "no configuration is a usage error" $? 2
"$BIN/gendata" -c "$tmp/c/registry.conf" -n 10 --demo >/dev/null 2>&1
is "-n and --demo together are a usage error" $? 2
"$BIN/gendata" -c "$tmp/c/registry.conf" -n ten >/dev/null 2>&1
is "a count that is not a number is a usage error" $? 2
gen "$tmp/c" -n 10 --seed 4 >"$tmp/out" 2>&1
is "generating into a database that holds the same data fails" $? 1
is "and leaves it as it was" "$(sqlite3 "$tmp/c/master.db" 'SELECT count(*) FROM domain')" 2000

echo "1..$n"
[ $failures -eq 0 ]
