#!/bin/sh
# run.t: mk/run.sh (`make run`) sets up a working demo registry in RUN_DIR:
# certificates that verify against its CA, two registrars with their
# passwords, allow-lists and certificate fingerprints, the example domains;
# a second run changes nothing; a lost database is rebuilt with the same
# passwords; and without RUN_SETUP_ONLY it waits and stops on SIGTERM.
# TAP on stdout.

root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$root/bin}
export BIN
if [ ! -x "$BIN/regctl" ] || [ ! -x "$BIN/gendata" ]; then
	echo "1..0 # SKIP regctl or gendata is not built in $BIN"
	exit 0
fi
for tool in openssl sqlite3; do
	if ! command -v $tool >/dev/null; then
		echo "1..0 # SKIP $tool is not installed"
		exit 0
	fi
done

tmp=$(mktemp -d /tmp/run-t.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
RUN_DIR=$tmp/run
TLS=$RUN_DIR/tls
# Ports of our own so that a `make run` elsewhere does not collide.
base=$((20000 + ($$ % 2000) * 4))
export RUN_DIR EPP_PORT=$base FEED_PORT=$((base + 1)) WHOIS_PORT=$((base + 2)) \
    RDAP_PORT=$((base + 3))

. "$root/tests/integration/lib/tap.sh"
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	desc=$1
	shift
	"$@" >"$tmp/out" 2>&1
	rc=$?
	ok $rc "$desc"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/out"
}

setup() { RUN_SETUP_ONLY=1 sh "$root/mk/run.sh"; }
sql() { sqlite3 "$RUN_DIR/master.db" "$1"; }
fingerprint() {
	openssl x509 -noout -fingerprint -sha256 -in "$1" | sed 's/.*=//; s/://g' |
	    tr 'A-F' 'a-f'
}
# Everything a second run must leave as it was.
state() {
	cat "$RUN_DIR/credentials" "$RUN_DIR/registry.conf"
	for f in "$TLS"/*.crt; do
		echo "$f $(fingerprint "$f")"
	done
	sql "SELECT count(*) FROM domain; SELECT count(*) FROM contact;
	    SELECT count(*) FROM host; SELECT count(*) FROM registrar_cert;
	    SELECT count(*) FROM registrar_acl; SELECT count(*) FROM reserved;"
}

# --- first run ---------------------------------------------------------------

check "first run sets up $RUN_DIR" setup
for cert in server demo demo2; do
	check "$cert.crt verifies against the demo CA" \
	    openssl verify -CAfile "$TLS/ca.crt" "$TLS/$cert.crt"
done
san=$(openssl x509 -noout -ext subjectAltName -in "$TLS/server.crt" | tail -n 1 |
    tr -d ' ')
is "server certificate is for localhost and 127.0.0.1" "$san" \
    "DNS:localhost,IPAddress:127.0.0.1"
check "client certificates are for client authentication" \
    sh -c "openssl x509 -noout -ext extendedKeyUsage -in '$TLS/demo.crt' |
    grep -q 'TLS Web Client Authentication'"
check "private keys are readable by the owner only" \
    sh -c "[ \"\$(stat -c %a '$TLS/ca.key' '$TLS/server.key' '$TLS/demo.key' | sort -u)\" = 600 ]"

is "credentials has two lines" "$(wc -l <"$RUN_DIR/credentials" | tr -d ' ')" 2
check "each line is a clID and a 16-character password" \
    grep -Eqx 'demo [A-Za-z0-9]{16}' "$RUN_DIR/credentials"
check "demo2 has a password" grep -Eqx 'demo2 [A-Za-z0-9]{16}' "$RUN_DIR/credentials"
check "configuration loads" "$BIN/regctl" -c "$RUN_DIR/registry.conf" check-config

is "registrars demo and demo2 exist" "$(sql 'SELECT handle FROM registrar ORDER BY handle' |
    tr '\n' ' ')" "demo demo2 "
for clid in demo demo2; do
	is "$clid's certificate fingerprint is registered" \
	    "$(sql "SELECT sha256 FROM registrar_cert JOIN registrar r ON r.id = registrar_id
	    WHERE r.handle = '$clid'")" "$(fingerprint "$TLS/$clid.crt")"
	is "$clid is allow-listed for 127.0.0.1 and ::1" \
	    "$(sql "SELECT prefix FROM registrar_acl JOIN registrar r ON r.id = registrar_id
	    WHERE r.handle = '$clid' ORDER BY prefix" | tr '\n' ' ')" "127.0.0.1/32 ::1/128 "
	is "$clid has credit and balance" \
	    "$(sql "SELECT balance > 0 AND credit_limit > 0 FROM registrar_account
	    JOIN registrar r ON r.id = registrar_id WHERE r.handle = '$clid'")" 1
done
awk '{ print $2 }' "$RUN_DIR/credentials" >"$tmp/passwords"
is "passwords are stored as scrypt hashes, not as given" \
    "$(sql 'SELECT pw_hash FROM registrar_secret' | grep -v -F -f "$tmp/passwords" |
    grep -c '^\$scrypt\$')" 2

is "the IDN example is there with its U-label" \
    "$(sql "SELECT uname FROM domain WHERE name = 'xn--rksmrgs-5wao1o.test'")" \
    "räksmörgås.test"
is "held.test is on serverHold" "$(sql "SELECT count(*) FROM status s JOIN domain d
    ON d.id = s.object_id WHERE s.kind = 'domain' AND d.name = 'held.test'
    AND s.status = 'serverHold'")" 1
is "secure.test has DS records (algorithm 13, digest type 2)" \
    "$(sql "SELECT count(*) FROM domain_ds s JOIN domain d ON d.id = s.domain_id
    WHERE d.name = 'secure.test' AND s.alg = 13 AND s.digest_type = 2
    AND length(s.digest) = 64")" 2
is "example.test has in-zone name servers with glue" \
    "$(sql "SELECT count(DISTINCT h.id) FROM host h JOIN host_addr a ON a.host_id = h.id
    JOIN domain_ns n ON n.host_id = h.id JOIN domain d ON d.id = n.domain_id
    WHERE d.name = 'example.test'")" 2
is "every example domain has a registrant, admin and tech contact" \
    "$(sql "SELECT count(*) FROM domain d WHERE registrant_id IS NOT NULL AND
    (SELECT count(DISTINCT type) FROM domain_contact WHERE domain_id = d.id) = 2")" \
    "$(sql 'SELECT count(*) FROM domain')"
is "the domain list names every example domain with its authInfo" \
    "$(grep -c 'authInfo [A-Za-z0-9]\{16\}' "$RUN_DIR/demo-domains.txt")" 6
is "nic.test is reserved" "$(sql "SELECT kind FROM reserved WHERE name = 'nic.test'")" \
    reserved

# --- second run --------------------------------------------------------------

state >"$tmp/state1"
check "second run succeeds" setup
state >"$tmp/state2"
check "second run changes nothing (passwords, certificates, data)" \
    cmp "$tmp/state1" "$tmp/state2"
is "still six example domains" "$(sql 'SELECT count(*) FROM domain')" 6

# --- lost database -------------------------------------------------------------

rm -f "$RUN_DIR"/master.db*
check "a run after losing the database succeeds" setup
state >"$tmp/state3"
check "it rebuilds the same registrars, passwords and domains" \
    cmp "$tmp/state1" "$tmp/state3"

# --- foreground: waits, stops on SIGTERM -----------------------------------------

sh "$root/mk/run.sh" >"$tmp/fg.out" 2>&1 &
pid=$!
i=0
while [ $i -lt 300 ] && ! grep -q 'Ctrl-C' "$tmp/fg.out"; do
	sleep 0.1
	i=$((i + 1))
done
check "without RUN_SETUP_ONLY it prints the summary and waits" kill -0 $pid
check "the summary shows how to log in" \
    grep -q "user => \"demo\", pass => \"$(awk '$1 == "demo" { print $2 }' \
    "$RUN_DIR/credentials")\"" "$tmp/fg.out"
kill -TERM $pid
i=0
while [ $i -lt 100 ] && kill -0 $pid 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 $pid 2>/dev/null; then
	kill -KILL $pid
	ok 1 "SIGTERM stops it within 10 s"
else
	wait $pid
	is "SIGTERM stops it within 10 s, exit status 0" $? 0
fi
[ $failures -eq 0 ] || sed 's/^/# /' "$tmp/fg.out"

echo "1..$n"
[ $failures -eq 0 ]
