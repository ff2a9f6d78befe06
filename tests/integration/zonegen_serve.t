#!/usr/bin/perl
# zonegen_serve.t: signed zones served. A zone made by zonegen generate
# and signed by zonegen sign (NSEC, NSEC3, NSEC3 opt-out) is loaded into
# NSD on a loopback port; kdig shows the referrals, DS and denial records
# the server hands out, and delv, a validating resolver with the zone's
# KSK as its trust anchor, proves each answer: an existing delegation
# (secure and insecure), a name that does not exist (NXDOMAIN) and a type
# that does not exist (NODATA).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(sleep);
use ZoneTest;

my $t = ZoneTest->new;
for my $tool (qw(nsd kdig delv)) {
	plan skip_all => "$tool not installed (mk/packages.txt)"
	    if system("command -v $tool >/dev/null 2>&1") != 0;
}
my $dir = $t->dir;
my $db = "$dir/master.db";
my $conf = "$dir/registry.conf";

ZoneTest::spew($conf, "[registry]\ntld = test\nroid_suffix = TEST\n[database]\nmaster = $db\n"
    . "[zone]\napex_ns = a.ns.test.\napex_records = $dir/apex\nkeydir = $dir/keys\n");
ZoneTest::spew("$dir/apex", "a.ns A 127.0.0.1\nwww A 192.0.2.80\n");
is(($t->regctl($conf, 'init'))[0], 0, 'regctl init');
is(($t->regctl($conf, 'registrar', 'create', 'rar1', '--name', 'Registrar One'))[0], 0,
    'registrar');

sub sql { my ($q) = @_; system('sqlite3', '-batch', $db, $q) == 0 or die "sqlite3: $q" }

# insecure.test (NS only), secure.test (NS and DS), glued.test (in-zone NS).
my $now = time;
sql("INSERT INTO host(id, name, roid, sponsor_id, creator_id, created) VALUES "
    . "(1, 'ns.example.net', 'H1-TEST', 1, 1, $now)");
my $id = 0;
for my $d (qw(insecure secure glued)) {
	$id++;
	sql("INSERT INTO domain(id, name, roid, sponsor_id, creator_id, created, expires) VALUES "
	    . "($id, '$d.test', 'D$id-TEST', 1, 1, $now, $now + 31536000)");
}
sql("INSERT INTO host(id, name, roid, sponsor_id, creator_id, domain_id, created) VALUES "
    . "(2, 'ns.glued.test', 'H2-TEST', 1, 1, 3, $now)");
sql("INSERT INTO host_addr(host_id, addr, family) VALUES (2, '192.0.2.53', 4)");
sql("INSERT INTO domain_ns(domain_id, host_id) VALUES (1, 1), (2, 1), (3, 2)");
sql("INSERT INTO domain_ds(domain_id, key_tag, alg, digest_type, digest) VALUES "
    . "(2, 12345, 13, 2, '" . ('C' x 64) . "')");
my ($st, $out, $err) = $t->zonegen('generate', '-c', $conf, '-o', "$dir/test.zone");
is($st, 0, 'generate') or diag($err);
my $ksk = $t->keygen_bind('keys', 'test.', ksk => 1);
$t->keygen_bind('keys', 'test.');

my ($flags, $proto, $alg, $key) = ZoneTest::slurp("$ksk.key") =~ /DNSKEY\s+(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/m;
$key =~ s/\s//g;
ZoneTest::spew("$dir/anchor.conf", "trust-anchors { test. static-key $flags $proto $alg \"$key\"; };\n");

sub free_port {
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
	    Listen => 1) or die "no port: $!";
	my $p = $s->sockport;
	close $s;
	return $p;
}

# Starts NSD on the signed zone; returns (pid, port).
sub nsd_start {
	my ($zonefile, $tag) = @_;
	my $port = free_port();
	my $d = "$dir/nsd-$tag";
	mkdir $d;
	ZoneTest::spew("$d/nsd.conf", <<EOF);
server:
	ip-address: 127.0.0.1
	port: $port
	username: ""
	chroot: ""
	zonesdir: "$d"
	pidfile: "$d/nsd.pid"
	database: ""
	xfrdfile: "$d/xfrd.state"
	zonelistfile: "$d/zone.list"
	logfile: "$d/nsd.log"
	server-count: 1
remote-control:
	control-enable: no
zone:
	name: "test"
	zonefile: "$zonefile"
EOF
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open(STDOUT, '>', "$d/stdout");
		open(STDERR, '>', "$d/stderr");
		exec('nsd', '-d', '-c', "$d/nsd.conf") or exit 127;
	}
	for (1 .. 400) {		# 20 s on a busy machine
		if (IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
		    Proto => 'tcp', Timeout => 1)) {
			my ($s, $o) = $t->run('kdig', "\@127.0.0.1", '-p', $port, '+tcp', 'test', 'SOA');
			return ($pid, $port) if $o =~ /status: NOERROR/;
		}
		sleep 0.05;
	}
	diag(ZoneTest::slurp("$d/nsd.log"));
	return ($pid, $port);
}

sub kdig {
	my ($port, @q) = @_;
	my ($s, $o) = $t->run('kdig', "\@127.0.0.1", '-p', $port, '+dnssec', '+norec', @q);
	return $o;
}

sub delv {
	my ($port, @q) = @_;
	my ($s, $o, $e) = $t->run('delv', "\@127.0.0.1", '-p', $port, '-a', "$dir/anchor.conf",
	    '+root=test.', @q);
	return $o . $e;
}

for my $case (['NSEC', []], ['NSEC3', ['--nsec3']], ['NSEC3 opt-out', ['--nsec3', '--opt-out']]) {
	my ($name, $opt) = @$case;
	(my $tag = $name) =~ s/\W+/-/g;
	my $signed = "$dir/test-$tag.signed";
	($st, $out, $err) = $t->zonegen('sign', '-c', $conf, '-i', "$dir/test.zone", '-o', $signed,
	    @$opt);
	is($st, 0, "$name: signed") or diag($err);
	my ($pid, $port) = nsd_start($signed, $tag);
	my $denial = $name eq 'NSEC' ? 'NSEC' : 'NSEC3';

	my $r = kdig($port, 'secure.test', 'NS');
	like($r, qr/status: NOERROR/, "$name: a secure delegation answers");
	like($r, qr/^secure\.test\.\s+\d+\s+IN\s+NS\s+ns\.example\.net\./m, '... with its NS');
	like($r, qr/^secure\.test\.\s+\d+\s+IN\s+DS\s+12345 13 2 C+/m, '... its DS');
	like($r, qr/^secure\.test\.\s+\d+\s+IN\s+RRSIG\s+DS /m, '... signed');
	like(delv($port, 'secure.test', 'DS'), qr/; fully validated\nsecure\.test\.\s+\d+\s+IN\s+DS/,
	    "$name: delv validates the DS");

	$r = kdig($port, 'insecure.test', 'NS');
	like($r, qr/^insecure\.test\.\s+\d+\s+IN\s+NS\s+ns\.example\.net\./m,
	    "$name: an insecure delegation answers with its NS");
	like($r, qr/IN\s+$denial\s/, "... and the $denial proof that it has no DS");
	like(delv($port, 'insecure.test', 'DS'),
	    qr/negative response, fully validated.*insecure\.test\..*NXRRSET/s,
	    "$name: delv validates that insecure.test has no DS");

	$r = kdig($port, 'glued.test', 'NS');
	like($r, qr/^ns\.glued\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.53/m, "$name: glue in the referral");

	$r = kdig($port, 'nothere.test', 'A');
	like($r, qr/status: NXDOMAIN/, "$name: a name that does not exist: NXDOMAIN");
	like($r, qr/IN\s+$denial\s.*IN\s+RRSIG\s+$denial /s, "... with signed $denial records");
	like(delv($port, 'nothere.test', 'A'), qr/negative response, fully validated.*NXDOMAIN/s,
	    "$name: delv validates the NXDOMAIN proof");

	$r = kdig($port, 'www.test', 'AAAA');
	like($r, qr/status: NOERROR.*ANSWER: 0/s, "$name: a type that does not exist: NODATA");
	like($r, qr/IN\s+$denial\s/, "... with the $denial record of the name");
	like(delv($port, 'www.test', 'AAAA'), qr/negative response, fully validated.*NXRRSET/s,
	    "$name: delv validates the NODATA proof");
	like(delv($port, 'www.test', 'A'), qr/; fully validated\nwww\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.80/,
	    "$name: delv validates an answer");

	kill 'TERM', $pid;
	waitpid($pid, 0);
}

done_testing();
