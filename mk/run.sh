#!/bin/sh
# mk/run.sh: the demo registry of `make run`, on localhost, in the
# foreground.
#
# Sets up RUN_DIR (default ./run, git-ignored) once and reuses it after:
#   registry.conf      TLD "test", from mk/demo.conf.in
#   tls/               a throw-away CA, the server certificate (localhost,
#                      127.0.0.1) and a client certificate per demo registrar
#   master.db          made by `regctl init`, with registrars demo and demo2
#                      (allow-listed for 127.0.0.1 and ::1, their certificate
#                      fingerprints, credit and balance) and the example
#                      domains of `gendata --demo`
#   credentials        "<clID> <password>", one a line
#   demo-domains.txt   the example domains with their authInfo
#   gnupg/             a throw-away escrow agent key and registry signing
#                      key (no passphrase), their public keys in agent.asc
#                      and registry.asc, for `escrow deposit`
# then starts whichever of eppd, replica (feed and follower), whoisd and
# rdapd are built in BIN, prints how to reach them and waits; Ctrl-C or
# SIGTERM stops them all.
#
# Environment: BIN (the programs, default ./bin), RUN_DIR, RUN_SETUP_ONLY=1
# (exit after the set-up, for tests), and for a new registry.conf only:
# EPP_PORT (7700), WHOIS_PORT (4343), RDAP_PORT (8080), FEED_PORT (7701).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$root/bin}
RUN_DIR=${RUN_DIR:-$root/run}
REGISTRARS="demo demo2"
CREDIT=1000000		# minor units (cents)
BALANCE=500000
CERT_DAYS=825
STOP_WAIT=50		# tenths of a second a daemon gets to exit on SIGTERM

umask 077
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
CONF=$RUN_DIR/registry.conf
TLS=$RUN_DIR/tls
CRED=$RUN_DIR/credentials

say() { printf 'run: %s\n' "$*"; }
die() { printf 'run: %s\n' "$*" >&2; exit 1; }
built() { [ -x "$BIN/$1" ]; }

# --- configuration -----------------------------------------------------------

# The value of key in [section] of the configuration.
conf_get() {
	sed -n "/^\[$1\]/,/^\[/s/^$2[[:space:]]*=[[:space:]]*//p" "$CONF" | head -n 1
}

setup_config() {
	mkdir -p "$RUN_DIR/escrow" "$RUN_DIR/keys" "$RUN_DIR/gnupg"
	[ -s "$CONF" ] && return 0
	sed -e "s|@ROOT@|$root|g" -e "s|@RUN_DIR@|$RUN_DIR|g" \
	    -e "s|@EPP_PORT@|${EPP_PORT:-7700}|g" -e "s|@WHOIS_PORT@|${WHOIS_PORT:-4343}|g" \
	    -e "s|@RDAP_PORT@|${RDAP_PORT:-8080}|g" -e "s|@FEED_PORT@|${FEED_PORT:-7701}|g" \
	    "$root/mk/demo.conf.in" >"$CONF.tmp"
	mv "$CONF.tmp" "$CONF"
	say "wrote $CONF"
}

# A configuration written before the escrow keys existed gets their keys.
config_escrow_keys() {
	grep -q '^agent_key[[:space:]]*=' "$CONF" && return 0
	sed -i '/^\[escrow\]/a agent_key = gnupg/agent.asc\nsigning_key = gnupg/registry.asc' "$CONF"
	say "added the escrow keys to $CONF"
}

# --- escrow keys ---------------------------------------------------------------

# gen_key NAME UID: a key without a passphrase in the demo's GnuPG home,
# its public key exported to gnupg/NAME.asc.
gen_key() {
	gh=$RUN_DIR/gnupg
	[ -s "$gh/$1.asc" ] && return 0
	gpg --homedir "$gh" --batch --passphrase '' --quick-gen-key "$2" \
	    future-default default never 2>/dev/null
	gpg --homedir "$gh" --batch --armor --output "$gh/$1.asc.tmp" --export "$2"
	mv "$gh/$1.asc.tmp" "$gh/$1.asc"
	say "made a throw-away $1 key in $gh/$1.asc"
}

setup_escrow_keys() {
	if ! command -v gpg >/dev/null; then
		say "gpg is not installed: no escrow keys (make deps)"
		return 0
	fi
	chmod 700 "$RUN_DIR/gnupg"
	gen_key agent "Demo escrow agent <escrow-agent@example.net>"
	gen_key registry "Demo registry .test <escrow@nic.test>"
	# Key generation started an agent; escrow starts one when it signs.
	gpgconf --homedir "$RUN_DIR/gnupg" --kill gpg-agent 2>/dev/null || true
}

# --- certificates ------------------------------------------------------------

setup_ca() {
	[ -s "$TLS/ca.crt" ] && [ -s "$TLS/ca.key" ] && return 0
	mkdir -p "$TLS"
	# A new CA makes every certificate it signed useless.
	rm -f "$TLS"/*.crt "$TLS"/*.key
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 3650 -subj "/O=Registry demo/CN=Registry demo CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" \
	    -keyout "$TLS/ca.key" -out "$TLS/ca.crt" 2>/dev/null
	say "made a throw-away CA in $TLS/ca.crt"
}

# leaf NAME CN EXTENSIONS: NAME.crt and NAME.key signed by the CA.
leaf() {
	[ -s "$TLS/$1.crt" ] && [ -s "$TLS/$1.key" ] && return 0
	printf '%s\n' "$3" >"$TLS/$1.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/O=Registry demo/CN=$2" -keyout "$TLS/$1.key" -out "$TLS/$1.csr" 2>/dev/null
	openssl x509 -req -in "$TLS/$1.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" \
	    -set_serial "0x$(openssl rand -hex 16)" -days "$CERT_DAYS" \
	    -extfile "$TLS/$1.ext" -out "$TLS/$1.crt" 2>/dev/null
	rm -f "$TLS/$1.csr" "$TLS/$1.ext"
	say "made $TLS/$1.crt"
}

setup_tls() {
	setup_ca
	# The server certificate also serves the replication feed, whose
	# follower presents it as a client.
	leaf server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth
keyUsage=critical,digitalSignature"
	for clid in $REGISTRARS; do
		leaf "$clid" "$clid" "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature"
	done
}

# --- database ----------------------------------------------------------------

regctl() { "$BIN/regctl" -c "$CONF" "$@"; }

# The password of a clID in the credentials file, or nothing.
password_of() {
	[ ! -f "$CRED" ] || awk -v id="$1" '$1 == id { print $2; exit }' "$CRED"
}

# Creates the registrar unless it exists; keeps a password already in the
# credentials file, and issues a new one only when none is known.
setup_registrar() {
	clid=$1
	pw=$(password_of "$clid")
	if regctl registrar show "$clid" >/dev/null 2>&1; then
		[ -n "$pw" ] && return 0
		pw=$(regctl registrar update "$clid" --random-password | sed -n 's/^password: //p')
	elif [ -n "$pw" ]; then
		regctl registrar create "$clid" --name "Demo registrar $clid" \
		    --email "$clid@registrar.example" --password "$pw" \
		    --allow 127.0.0.1/32 --allow ::1/128 --cert "$TLS/$clid.crt" \
		    --credit "$CREDIT" --balance "$BALANCE" >/dev/null
		return 0
	else
		pw=$(regctl registrar create "$clid" --name "Demo registrar $clid" \
		    --email "$clid@registrar.example" --random-password \
		    --allow 127.0.0.1/32 --allow ::1/128 --cert "$TLS/$clid.crt" \
		    --credit "$CREDIT" --balance "$BALANCE" | sed -n 's/^password: //p')
	fi
	[ -n "$pw" ] || die "regctl gave no password for $clid"
	printf '%s %s\n' "$clid" "$pw" >>"$CRED"
	say "registrar $clid ready, password in $CRED"
}

setup_database() {
	if ! built regctl || ! built gendata; then
		say "regctl or gendata is not built yet: no database"
		return 0
	fi
	regctl init >/dev/null
	for clid in $REGISTRARS; do
		setup_registrar "$clid"
	done
	if ! regctl reserved list | grep -q '^nic\.test[[:space:]]'; then
		regctl reserved add nic.test reserved --reason "registry use" >/dev/null
	fi
	"$BIN/gendata" -c "$CONF" --demo >"$RUN_DIR/demo-domains.txt"
}

# --- daemons -----------------------------------------------------------------

pids=""
missing=""

# start NAME PROGRAM ARGS...: runs it in the background if it is built.
start() {
	name=$1 prog=$2
	shift 2
	if ! built "$prog"; then
		case " $missing " in *" $prog "*) ;; *) missing="$missing $prog" ;; esac
		return 0
	fi
	"$BIN/$prog" "$@" -c "$CONF" &
	pids="$pids $!"
	say "started $name (pid $!)"
}

# Public daemons read the replica. Without the replica program, a
# snapshot of the master stands in (it does not follow later changes).
replica_ready() {
	replica=$(conf_get database replica)
	case $replica in /*) ;; *) replica=$RUN_DIR/$replica ;; esac
	if ! built replica && [ ! -s "$replica" ] && [ -s "$RUN_DIR/master.db" ]; then
		sqlite3 "$RUN_DIR/master.db" ".backup '$replica'"
		say "replica is not built: whoisd and rdapd read a snapshot of master.db"
	fi
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -s "$replica" ] && return 0
		sleep 1
	done
	say "warning: $replica did not appear"
}

start_daemons() {
	start eppd eppd
	start "replication feed" replica feed
	start "replica follower" replica follow
	if built whoisd || built rdapd; then
		replica_ready
	fi
	start whoisd whoisd
	start rdapd rdapd
}

stop_daemons() {
	trap - INT TERM
	say "stopping"
	for pid in $pids ${sleeper:-}; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	i=0
	while [ $i -lt $STOP_WAIT ]; do
		alive=""
		for pid in $pids; do
			kill -0 "$pid" 2>/dev/null && alive="$alive $pid"
		done
		[ -z "$alive" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	for pid in ${alive:-}; do
		say "pid $pid did not stop: killing it"
		kill -KILL "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	gpgconf --homedir "$RUN_DIR/gnupg" --kill gpg-agent 2>/dev/null || true
	exit 0
}

# Waits for a signal, reporting a daemon that exits by itself.
wait_loop() {
	while :; do
		sleep 5 &
		sleeper=$!
		wait "$sleeper" || true
		for pid in $pids; do
			if ! kill -0 "$pid" 2>/dev/null; then
				say "pid $pid has exited (see its messages above)"
				pids=$(echo "$pids" | sed "s/ $pid\$//; s/ $pid / /")
			fi
		done
	done
}

# --- summary -----------------------------------------------------------------

summary() {
	epp=$(conf_get epp listen)
	whois=$(conf_get whois listen)
	rdap=$(conf_get rdap base_url)
	first=$(awk 'NR == 1 { print $1 }' "$CRED" 2>/dev/null || true)
	first=${first:-demo}
	pw=$(password_of "$first")
	rel=${RUN_DIR#"$PWD"/}
	cat <<EOF

Demo registry for .test in $RUN_DIR
  EPP (eppd)          $epp      TLS, client certificate required
  WHOIS (whoisd)      ${whois}
  RDAP (rdapd)        $rdap
  replication feed    $(conf_get replication listen)
EOF
	[ -n "$missing" ] && echo "  not built yet:     $missing"
	cat <<EOF

Log in as a registrar: clID and password in $rel/credentials,
client certificate $rel/tls/<clID>.crt with key $rel/tls/<clID>.key,
server CA $rel/tls/ca.crt. The example domains and their authInfo are in
$rel/demo-domains.txt.

  openssl s_client -connect $epp -CAfile $rel/tls/ca.crt \\
      -cert $rel/tls/$first.crt -key $rel/tls/$first.key
  perl -MNet::EPP::Simple -e 'my \$e = Net::EPP::Simple->new(host => "${epp%:*}",
      port => ${epp##*:}, user => "$first", pass => "${pw:-PASSWORD}", verify => 1,
      ca_file => "$rel/tls/ca.crt", cert => "$rel/tls/$first.crt",
      key => "$rel/tls/$first.key") or die \$Net::EPP::Simple::Message;
      print \$e->check_domain("example.test") ? "available\\n" : "taken\\n"'
  whois -h ${whois%:*} -p ${whois##*:} räksmörgås.test
  curl ${rdap}domain/xn--rksmrgs-5wao1o.test

An escrow deposit (encrypted and signed with the demo keys in $rel/gnupg,
a copy in $rel/escrow), its check, and a restore into a new database:

  $BIN/escrow deposit -c $rel/registry.conf -o $rel/deposits
  $BIN/escrow verify -c $rel/registry.conf $rel/deposits/*.ryde
  $BIN/escrow restore -c $rel/registry.conf -d /tmp/restored.db $rel/deposits/*_full_*.ryde

EOF
}

main() {
	command -v openssl >/dev/null || die "openssl is not installed (make deps)"
	setup_config
	config_escrow_keys
	setup_escrow_keys
	setup_tls
	setup_database
	if [ "${RUN_SETUP_ONLY:-0}" = 1 ]; then
		say "set-up done in $RUN_DIR"
		exit 0
	fi
	trap stop_daemons INT TERM
	start_daemons
	summary
	if [ -z "$pids" ]; then
		echo "No daemon is built yet: the set-up is done; waiting for Ctrl-C."
	else
		echo "Ctrl-C stops them all."
	fi
	wait_loop
}

main "$@"
