#!/usr/bin/perl
# whoisd.t: bin/whoisd answering from a registry database used as the
# replica (the replica has the master's schema): the Debian whois client
# and raw sockets for every query kind, IDN input in every form, not
# found, reserved, blocked, not registrable and foreign names, redaction
# by disclose flags and with whois.disclose, stored text that tries to
# forge lines; bad input (too long, binary, invalid UTF-8, empty, slow
# and silent clients) refused while others are served; the connection
# cap; the rate limit per address and per /24; the query log and its
# per-second summary; changes and a replaced replica file seen without a
# restart; -n, --help and bad configurations.
#
# Data: regctl init, two registrars, gendata --demo (example.test with
# in-zone name servers and glue, räksmörgås.test, secure.test with two
# DS records, held.test on serverHold, shop.test, parked.test), reserved
# and blocked names by regctl, and a few changes by sqlite3.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use Daemons qw(track stop);
use IO::Socket::INET;
use IO::Socket::IP;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

my $root = abs_path(dirname(__FILE__) . '/../..');
my $bin = $ENV{BIN} // "$root/bin";
my $dir = tempdir('whoisd.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $db = "$dir/master.db";

for my $p (qw(whoisd regctl gendata)) {
	plan skip_all => "$bin/$p not built" unless -x "$bin/$p";
}
for my $tool (qw(sqlite3 whois)) {
	plan skip_all => "$tool not installed" if system("command -v $tool >/dev/null") != 0;
}

sub slurp { my ($f) = @_; open(my $fh, '<', $f) or return ''; local $/; my $s = <$fh>; return $s // '' }
sub spew { my ($f, $s) = @_; open(my $fh, '>', $f) or die "$f: $!"; print $fh $s; close $fh }

sub sql {
	my ($q, $file) = @_;
	$file //= $db;
	my $out = `sqlite3 -batch '$file' "$q"`;
	die "sqlite3 failed: $q" if $?;
	chomp $out;
	return $out;
}

# A configuration: the .test registry, the database as its replica, and
# [whois] keys (listen on a free port unless given).
sub conf {
	my ($name, %whois) = @_;
	my $path = "$dir/$name.conf";
	$whois{listen} //= '127.0.0.1:0';
	$whois{read_timeout} //= '2s';
	my $w = join('', map { "$_ = $whois{$_}\n" } sort keys %whois);
	spew($path, "[registry]\ntld = test\nroid_suffix = TEST\nname = The .test registry\n"
	    . "idn_table = $root/data/idn/test.txt\n\n[database]\nmaster = $db\nreplica = $db\n\n"
	    . "[whois]\n$w");
	return $path;
}

sub run {
	my (@cmd) = @_;
	my $out = `@cmd 2>&1`;
	return ($? >> 8, $out);
}

# --- the database ------------------------------------------------------------

my $setup = conf('setup');
my ($st, $out) = run("$bin/regctl", '-c', $setup, 'init');
is($st, 0, 'regctl init') or diag($out);
for (['demo', 'Demo Registrar AB', 'https://demo.example', 'ops@demo.example'],
    ['demo2', 'Second Registrar', 'https://two.example', 'hostmaster@two.example']) {
	($st, $out) = run("$bin/regctl", '-c', $setup, 'registrar', 'create', $_->[0],
	    '--name', "'$_->[1]'", '--url', $_->[2], '--email', $_->[3], '--iana-id', 9999,
	    '--random-password');
	is($st, 0, "registrar $_->[0] created") or diag($out);
}
($st, $out) = run("$bin/gendata", '-c', $setup, '--demo');
is($st, 0, 'gendata --demo') or diag($out);
run("$bin/regctl", '-c', $setup, 'reserved', 'add', 'nic.test', 'reserved', '--reason', "'registry service'");
run("$bin/regctl", '-c', $setup, 'reserved', 'add', 'blocked.test', 'blocked');
is(sql("SELECT count(*) FROM reserved"), 2, 'reserved and blocked names added');

# demo-c1 (registrant and admin of example.test) discloses its name
# (int), e-mail and phone; demo-c2 (tech) nothing; the street of demo2-c1
# tries to forge a line.
sql("UPDATE contact SET disclose = 1 | 64 | 256 WHERE handle = 'demo-c1'");
sql("UPDATE contact SET disclose = 0 WHERE handle = 'demo-c2'");
sql("UPDATE contact SET int_street1 = 'Main St' || char(13, 10) || 'Domain Status: ok' "
    . "WHERE handle = 'demo2-c1'");
# A DS record with key data on shop.test.
sql("INSERT INTO domain_ds(domain_id, key_tag, alg, digest_type, digest, key_flags, "
    . "key_protocol, key_alg, key_pub) SELECT id, 4242, 13, 2, 'ABCDEF0123', 257, 3, 13, "
    . "'AwEAAbase64key==' FROM domain WHERE name = 'shop.test'");
my %c1 = map { my ($k, $v) = split /\|/, $_, 2; ($k, $v) }
    split /\n/, sql("SELECT 'name', int_name FROM contact WHERE handle = 'demo-c1' UNION ALL "
    . "SELECT 'email', email FROM contact WHERE handle = 'demo-c1' UNION ALL "
    . "SELECT 'voice', voice FROM contact WHERE handle = 'demo-c1' UNION ALL "
    . "SELECT 'city', int_city FROM contact WHERE handle = 'demo-c1' UNION ALL "
    . "SELECT 'name2', int_name FROM contact WHERE handle = 'demo-c2'");

# --- running whoisd ----------------------------------------------------------

# Starts whoisd with conf; returns (pid, port, log file).
sub start {
	my ($conf) = @_;
	(my $log = $conf) =~ s/\.conf$/.log/;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open(STDERR, '>', $log) or die;
		open(STDOUT, '>', '/dev/null') or die;
		exec("$bin/whoisd", '-c', $conf) or exit 127;
	}
	track($pid, $log);
	for (1 .. 100) {
		last if slurp($log) =~ /ready: answering/;
		last if waitpid($pid, WNOHANG) == $pid;
		sleep 0.05;
	}
	my ($port) = slurp($log) =~ /listening on 127\.0\.0\.1:(\d+)/;
	die "whoisd did not start: " . slurp($log) unless $port;
	return ($pid, $port, $log);
}

my ($pid, $port, $log) = start(conf('main', rate_limit => 1000, rate_burst => 1000,
    prefix_rate_limit => 1000, prefix_rate_burst => 1000));

# The Debian whois client.
sub whois {
	my ($q, $p) = @_;
	return scalar `whois -h 127.0.0.1 -p ${\($p // $port)} '$q' 2>&1`;
}

# Raw socket: connect (from $o{from}), send $bytes, read to EOF (or
# $o{timeout}); returns the answer.
sub raw {
	my ($bytes, %o) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $o{port} // $port,
	    $o{from} ? (LocalAddr => $o{from}) : (), Proto => 'tcp') or die "connect: $!";
	binmode $s;
	print $s $bytes if length $bytes;
	return read_all($s, $o{timeout} // 10);
}

sub read_all {
	my ($s, $timeout) = @_;
	my ($buf, $all) = ('', '');
	my $end = time + $timeout;
	my $rin = '';
	vec($rin, fileno($s), 1) = 1;
	while (time < $end) {
		my $n = select(my $r = $rin, undef, undef, $end - time);
		last if $n <= 0;
		my $got = sysread($s, $buf, 65536);
		last if !$got;
		$all .= $buf;
	}
	close $s;
	return $all;
}

# Lines of an answer that are fields, not comments (the whois client
# turns CR LF into LF).
sub fields { my ($a) = @_; return [grep { !/^%/ && /\S/ } split /\r?\n/, $a] }
sub field { my ($a, $k) = @_; return [map { /^\Q$k\E: (.*)$/ ? $1 : () } split /\r?\n/, $a] }

# --- domains -----------------------------------------------------------------

my $a = whois('example.test');
like($a, qr/^% This is the WHOIS service of The \.test registry/m, 'terms of use first');
is_deeply(field($a, 'Domain Name'), ['example.test'], 'whois client: domain name');
is_deeply(field($a, 'Registry Domain ID'), [sql("SELECT roid FROM domain WHERE name = 'example.test'")],
    'ROID');
is_deeply(field($a, 'Registrar'), ['Demo Registrar AB'], 'registrar name');
is_deeply(field($a, 'Registrar Handle'), ['demo'], 'registrar handle');
is_deeply(field($a, 'Registrar URL'), ['https://demo.example'], 'registrar url');
is_deeply(field($a, 'Registrar IANA ID'), ['9999'], 'registrar IANA id');
is_deeply(field($a, 'Domain Status'), ['ok'], 'status');
like($a, qr/^Creation Date: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m, 'created');
like($a, qr/^Registry Expiry Date: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m, 'expires');
my $created = sql("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', created, 'unixepoch') FROM domain WHERE name = 'example.test'");
is_deeply(field($a, 'Creation Date'), [$created], 'created is the stored time');
my @glue = split /\n/, sql("SELECT h.name || ' ' || group_concat(a.addr, ' ') FROM host h "
    . "JOIN (SELECT * FROM host_addr ORDER BY family, addr) a ON a.host_id = h.id "
    . "WHERE h.name LIKE '%.example.test' GROUP BY h.name ORDER BY h.name");
is(scalar @glue, 2, 'two in-zone hosts with addresses in the database');
is_deeply(field($a, 'Name Server'), \@glue, 'name servers with their glue addresses');
is_deeply(field($a, 'DNSSEC'), ['unsigned'], 'unsigned delegation');
my $raw = raw("example.test\r\n");
is(scalar(() = $raw =~ /\r\n/g), scalar(() = $raw =~ /\n/g), 'every line ends in CR LF');
like($raw, qr/\r\n\z/, 'the last one too');

$a = whois('secure.test');
is_deeply(field($a, 'DNSSEC'), ['signedDelegation'], 'secure.test: signed delegation');
my @ds = split /\n/, sql("SELECT key_tag || ' ' || alg || ' ' || digest_type || ' ' || digest "
    . "FROM domain_ds WHERE domain_id = (SELECT id FROM domain WHERE name = 'secure.test') "
    . "ORDER BY key_tag, alg, digest_type, digest");
is(scalar @ds, 2, 'secure.test has two DS records');
is_deeply(field($a, 'DNSSEC DS Data'), \@ds, 'DS data lines');
is_deeply(field($a, 'Domain Status'), ['clientTransferProhibited'], 'client status');
is_deeply(field($a, 'Name Server'), ['ns1.dns.example.net', 'ns2.dns.example.net'],
    'external name servers without addresses');

$a = whois('shop.test');
is_deeply(field($a, 'DNSSEC Key Data'), ['257 3 13 AwEAAbase64key=='], 'key data line');

$a = whois('held.test');
is_deeply(field($a, 'Domain Status'), ['serverHold'], 'held.test: serverHold');
is_deeply(field($a, 'Registrar'), ['Second Registrar'], 'held.test: its registrar');

$a = whois('parked.test');
is_deeply(field($a, 'Domain Status'), ['inactive'], 'parked.test: inactive');
is_deeply(field($a, 'Name Server'), [], 'parked.test: no name servers');

# --- IDN input ---------------------------------------------------------------

my $alabel = 'xn--rksmrgs-5wao1o.test';
for my $q ('räksmörgås.test', 'RÄKSMÖRGÅS.TEST', 'Räksmörgås.test.', $alabel,
    uc($alabel), "$alabel.") {
	$a = raw("$q\r\n");
	is_deeply(field($a, 'Domain Name'), [$alabel], "raw '$q': A-label");
	is_deeply(field($a, 'Internationalized Domain Name'), ['räksmörgås.test'],
	    "raw '$q': U-label");
}
$a = whois('räksmörgås.test');
is_deeply(field($a, 'Domain Name'), [$alabel], 'whois client, U-label');
$a = whois('EXAMPLE.TEST.');
is_deeply(field($a, 'Domain Name'), ['example.test'], 'upper case with final dot');
$a = raw("domain Example.Test\r\n");
is_deeply(field($a, 'Domain Name'), ['example.test'], "keyword 'domain'");
$a = raw("example.test\n");
is_deeply(field($a, 'Domain Name'), ['example.test'], 'LF alone ends a line');
{
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die;
	print $s "example.test";
	shutdown($s, 1);
	is_deeply(field(read_all($s, 5), 'Domain Name'), ['example.test'],
	    'a query ended by half-close instead of CR LF');
}

# --- not registered ----------------------------------------------------------

sub comment_is {
	my ($q, $re, $name) = @_;
	my $ans = raw("$q\r\n");
	like($ans, $re, $name);
	is(scalar @{fields($ans)}, 0, "$name: no fields");
	return $ans;
}
comment_is('free.test', qr/^% No match for "free\.test": the name is not registered and is available\.\r$/m,
    'free name');
like(whois('free.test'), qr/No match for "free\.test"/, 'free name, whois client');
comment_is('nic.test', qr/^% No match for "nic\.test": the name is reserved by registry policy and cannot be registered: registry service\.\r$/m,
    'reserved name with reason');
comment_is('BLOCKED.test', qr/^% No match for "blocked\.test": the name is blocked by registry policy/m,
    'blocked name');
comment_is('example.com', qr/^% No match for "example\.com": this server answers for \.test only\.\r$/m,
    'foreign zone');
comment_is('bücher.de', qr/"bücher\.de \(xn--bcher-kva\.de\)": this server answers for \.test only/,
    'foreign IDN shown in both forms');
comment_is('www.example.test', qr/No match for "www\.example\.test": the name cannot be registered: .*not directly under \.test/,
    'a name below a domain');
comment_is('test', qr/No match for "test": the name cannot be registered: test is a zone of this registry/,
    'the zone itself');
comment_is('þing.test', qr/cannot be registered: U\+00FE not allowed/, 'IDN outside the table');
comment_is('-bad-.test', qr/^% Error: not a valid domain name: .*hyphen/m, 'bad LDH label');
comment_is('*.test', qr/^% Error: not a valid domain name/m, 'wildcard');

# --- name servers and registrars ---------------------------------------------

$a = whois('nameserver ns1.example.test');
is_deeply(field($a, 'Server Name'), ['ns1.example.test'], 'nameserver: name');
is_deeply(field($a, 'IP Address'), [split /\n/, sql("SELECT addr FROM host_addr WHERE host_id = "
    . "(SELECT id FROM host WHERE name = 'ns1.example.test') ORDER BY family, addr")],
    'nameserver: addresses');
is_deeply(field($a, 'Registrar Handle'), ['demo'], 'nameserver: sponsor');
$a = raw("NAMESERVER NS1.DNS.EXAMPLE.NET.\r\n");
is_deeply(field($a, 'Server Name'), ['ns1.dns.example.net'], 'external nameserver, any case');
is_deeply(field($a, 'IP Address'), [], 'external nameserver: no addresses');
comment_is('nameserver ns9.example.test', qr/^% No match for nameserver "ns9\.example\.test"\.\r$/m,
    'unknown nameserver');

$a = whois('registrar demo2');
is_deeply(field($a, 'Registrar'), ['Second Registrar'], 'registrar: name');
is_deeply(field($a, 'Email'), ['hostmaster@two.example'], 'registrar: e-mail');
is_deeply(field($a, 'Registrar URL'), ['https://two.example'], 'registrar: url');
comment_is('registrar nosuch', qr/^% No match for registrar "nosuch"\.\r$/m, 'unknown registrar');
like(raw("help\r\n"), qr/^%   nameserver NAME/m, 'help');

# --- redaction ---------------------------------------------------------------

$a = whois('example.test');
is_deeply(field($a, 'Registrant ID'), ['demo-c1'], 'registrant handle');
is_deeply(field($a, 'Registrant Name'), [$c1{name}], 'disclosed name shown');
is_deeply(field($a, 'Registrant Email'), [$c1{email}], 'disclosed e-mail shown');
is_deeply(field($a, 'Registrant Phone'), [$c1{voice}], 'disclosed phone shown');
is_deeply(field($a, 'Registrant City'), ['REDACTED FOR PRIVACY'], 'undisclosed city redacted');
is_deeply(field($a, 'Registrant Street'), ['REDACTED FOR PRIVACY'], 'undisclosed street redacted');
is_deeply(field($a, 'Admin ID'), ['demo-c1'], 'admin handle');
is_deeply(field($a, 'Tech Name'), ['REDACTED FOR PRIVACY'], 'tech name redacted');
is_deeply(field($a, 'Tech Email'), ['REDACTED FOR PRIVACY'], 'tech e-mail redacted');
unlike($a, qr/\Q$c1{city}\E|\Q$c1{name2}\E/, 'no undisclosed value anywhere');

$a = whois('held.test');
is_deeply(field($a, 'Registrant Street'), ['Main St  Domain Status: ok'],
    'a stored CR LF cannot forge a line');
is_deeply(field($a, 'Domain Status'), ['serverHold'], 'still one status line');

# A contact with only the "loc" postalInfo: its own flags decide.
my $loc_name = sql("SELECT loc_name FROM contact WHERE handle = 'demo2-c1'");
ok(length $loc_name, 'demo2-c1 has a loc postalInfo');
sql("UPDATE contact SET int_name = NULL, int_org = NULL, int_street1 = NULL, int_city = NULL, "
    . "int_pc = NULL, int_cc = NULL, disclose = 2 WHERE handle = 'demo2-c1'");
$a = raw("held.test\r\n");
is_deeply(field($a, 'Registrant Name'), [$loc_name], 'loc-only contact: loc name disclosed (NAME_LOC)');
is_deeply(field($a, 'Registrant City'), ['REDACTED FOR PRIVACY'], 'loc-only contact: city redacted');
sql("UPDATE contact SET disclose = 1 WHERE handle = 'demo2-c1'");
$a = raw("held.test\r\n");
is_deeply(field($a, 'Registrant Name'), ['REDACTED FOR PRIVACY'],
    'loc-only contact: NAME_INT does not disclose the loc name');

my ($dpid, $dport) = start(conf('disclose', disclose => 'yes'));
$a = whois('example.test', $dport);
is_deeply(field($a, 'Registrant City'), [$c1{city}], 'whois.disclose: city shown');
is_deeply(field($a, 'Tech Name'), [$c1{name2}], 'whois.disclose: tech name shown');
unlike($a, qr/REDACTED/, 'whois.disclose: nothing redacted');
is(stop($dpid), 0, 'disclose instance stops cleanly');

# --- bad input ---------------------------------------------------------------

sub refused_like {
	my ($bytes, $re, $name) = @_;
	my $ans = raw($bytes);
	like($ans, $re, $name);
	is(scalar(() = $ans =~ /\r\n/g), 1, "$name: one line");
}
refused_like(('a' x 300) . "\r\n", qr/^% Error: query longer than 256 bytes\.\r\n$/, '300-byte line');
refused_like('a' x 5000, qr/^% Error: query longer than 256 bytes\.\r\n$/,
    '5000 bytes without a line end');
refused_like(('a' x 257) . "\r\n", qr/longer than 256/, '257-byte line');
$a = raw(('a' x 63 . '.') x 4 . "\r\n");	# 256 bytes: no size error
like($a, qr/^% Error: not a valid domain name/m, '256-byte line is read and parsed');
refused_like("\x00\x01\x02\x03\xff\xfe", qr/^% Error: binary data in the query\.\r\n$/,
    'binary junk without a line end');
refused_like("exa\x00mple.test\r\n", qr/^% Error: (binary data|the query contains a NUL)/,
    'NUL in a line');
refused_like("exa\x07mple.test\r\n", qr/^% Error: .*(binary|control)/, 'BEL in a line');
refused_like("r\xe4ksm\xf6rg\xe5s.test\r\n", qr/^% Error: the query is not valid UTF-8\.\r\n$/,
    'Latin-1 instead of UTF-8');
refused_like("\xc0\xaeexample.test\r\n", qr/not valid UTF-8/, 'overlong UTF-8 form');
refused_like("exa\xc2\x85mple.test\r\n", qr/control character/, 'C1 control (NEL)');
refused_like("\r\n", qr/^% Error: empty query; try 'help'\.\r\n$/, 'empty line');
refused_like("   \t \r\n", qr/^% Error: empty query/, 'blank line');
refused_like("a b c\r\n", qr/^% Error: too many words/, 'three words');
refused_like("registrar\r\n", qr/^% Error: usage: registrar HANDLE/, 'keyword without argument');
refused_like("whatever example.test\r\n", qr/^% Error: unknown keyword/, 'unknown keyword');
refused_like("help me\r\n", qr/^% Error: usage: help/, 'help with an argument');

# Slow and silent clients are cut off; meanwhile others are served.
{
	my @slow = map {
		my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die;
		print $s 'exam';
		$s;
	} 1 .. 20;
	my $silent = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die;
	my $t0 = time;
	is_deeply(field(raw("example.test\r\n"), 'Domain Name'), ['example.test'],
	    'served while 20 slow clients wait');
	ok(time - $t0 < 1, 'and at once');
	my $ans = read_all($slow[0], 10);
	my $took = time - $t0;
	like($ans, qr/^% Error: timeout: no complete query line in time\.\r\n$/, 'slow client: timeout line');
	ok($took > 1.5 && $took < 4, sprintf('slow client cut off after read_timeout (%.1f s)', $took));
	read_all($_, 5) for @slow[1 .. $#slow];
	$ans = read_all($silent, 20);
	$took = time - $t0;
	ok($took < 15, sprintf('silent client cut off too (%.1f s)', $took));
}
is_deeply(field(whois('example.test'), 'Domain Name'), ['example.test'], 'still serving after all that');

# --- the query log -----------------------------------------------------------

my $text = slurp($log);
like($text, qr/ info: 127\.0\.0\.1 "example\.test" found \d+\.\d{3}ms$/m, 'log: address, query, outcome, time');
like($text, qr/ info: 127\.0\.0\.1 "free\.test" no-match /m, 'log: no match');
like($text, qr/ info: 127\.0\.0\.1 "nic\.test" reserved /m, 'log: reserved');
like($text, qr/ info: 127\.0\.0\.1 "example\.com" foreign /m, 'log: foreign');
like($text, qr/ info: 127\.0\.0\.1 "\?\?\?\?\?\?" invalid /m, 'log: binary shown as ?');
like($text, qr/ info: 127\.0\.0\.1 "exam" timeout /m, 'log: timeout');
like($text, qr/ info: 127\.0\.0\.1 "r\?ksm\?rg\?s\.test" invalid /m, 'log: invalid UTF-8 shown as ?');
like($text, qr/ info: 127\.0\.0\.1 "räksmörgås\.test" found /m, 'log: a U-label as sent');

# --- changes on the replica ---------------------------------------------------

unlike(raw("example.test\r\n"), qr/Last update of WHOIS database/,
    'no footer while the database is no replica');
sql("INSERT INTO meta(key, value) VALUES ('replica_seq', '7'), ('replica_ts', '1767225600'), "
    . "('replica_applied', '1767225601'), ('replica_sha256', '')");
{
	my $footer;
	for (1 .. 30) {
		last if ($footer) = raw("example.test\r\n") =~ /^(>>> .*)\r\n\z/m;
		sleep 0.1;
	}
	is($footer, '>>> Last update of WHOIS database: 2026-01-01T00:00:00Z <<<',
	    'footer: the master time of the change the replica applied last');
}
sql("INSERT INTO reserved(name, kind, reason) VALUES ('later.test', 'reserved', 'added later')");
like(raw("later.test\r\n"), qr/reserved by registry policy and cannot be registered: added later/,
    'a change to the database is seen at the next query');
{
	# A consistent copy in rollback-journal mode put in place by rename,
	# the old file's WAL and shared memory removed first: SQLite would
	# take a WAL beside the new file for the new file's.
	my $copy = "$dir/replica.new";
	sql(".backup '$copy'");
	sql("PRAGMA journal_mode = DELETE; INSERT INTO reserved(name, kind, reason) "
	    . "VALUES ('swapped.test', 'blocked', '')", $copy);
	unlink("$db-wal", "$db-shm");
	rename($copy, $db) or die;
	my $seen = 0;
	for (1 .. 40) {
		last if ($seen = raw("swapped.test\r\n") =~ /blocked by registry policy/);
		sleep 0.1;
	}
	ok($seen, 'a replaced replica file is reopened');
	like(slurp($log), qr/replica .* was replaced: reopening/, 'and that is logged');
}

# A replica applies changesets without foreign keys: a registrant or an
# admin that names a contact that is not there is left out, and the
# server goes on.
{
	my $name = sql("SELECT name FROM domain WHERE name <> 'example.test' ORDER BY id DESC LIMIT 1");
	sql("UPDATE domain SET registrant_id = 987654321 WHERE name = '$name'");
	sql("INSERT INTO domain_contact(domain_id, type, contact_id) SELECT id, 'admin', 987654321 "
	    . "FROM domain WHERE name = '$name'");
	my $d;
	for (1 .. 30) {
		$d = raw("$name\r\n");
		last if $d =~ /Domain Name/ && $d !~ /^Registrant ID: \S/m;
		sleep 0.1;
	}
	like($d, qr/^Domain Name: \Q$name\E\r$/mi, 'missing contacts: the domain is answered');
	unlike($d, qr/^Registrant ID: \S|\(null\)/m, 'missing contacts: no registrant shown');
	like(raw("example.test\r\n"), qr/Domain Name/, 'missing contacts: the server goes on');
}

# --- the connection cap --------------------------------------------------------

{
	my ($cpid, $cport) = start(conf('cap', max_connections => 3, read_timeout => '3s'));
	my @hold = map {
		my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $cport) or die;
		print $s 'ex';
		$s;
	} 1 .. 3;
	sleep 0.3;
	my $ans = raw("example.test\r\n", port => $cport);
	is($ans, "% Error: the server is busy; try again later.\r\n", 'over the cap: one line');
	close $_ for @hold;
	sleep 0.3;
	is_deeply(field(raw("example.test\r\n", port => $cport), 'Domain Name'), ['example.test'],
	    'served again once connections closed');
	like(slurp("$dir/cap.log"), qr/ "example\.test" busy /, 'busy logged');
	is(stop($cpid), 0, 'cap instance stops');
}

# --- out of descriptors -----------------------------------------------------------

# With 40 open files at most, clients that hold connections use them up:
# whoisd stops accepting for a moment instead of spinning on a listener
# it cannot accept from, and serves again once they are gone.
{
	my $conf = conf('fds', read_timeout => '5s');
	my $fpid = fork // die;
	if ($fpid == 0) {
		open(STDERR, '>', "$dir/fds.log") or die;
		exec('sh', '-c', "ulimit -n 40 && exec '$bin/whoisd' -c '$conf'") or exit 127;
	}
	track($fpid, "$dir/fds.log");
	my $fport;
	for (1 .. 100) { last if ($fport) = slurp("$dir/fds.log") =~ /listening on 127\.0\.0\.1:(\d+)/; sleep 0.05 }
	ok($fport, 'whoisd with 40 descriptors started');
	my @hold = map {
		my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $fport) or die;
		print $s 'ex';
		$s;
	} 1 .. 50;
	sleep 0.5;
	my ($u0, $s0) = (split ' ', slurp("/proc/$fpid/stat"))[13, 14];
	sleep 1;
	my ($u1, $s1) = (split ' ', slurp("/proc/$fpid/stat"))[13, 14];
	ok(($u1 + $s1) - ($u0 + $s0) < 20, 'no spinning while out of descriptors (' . (($u1 + $s1) - ($u0 + $s0)) . ' ticks in 1 s)');
	like(slurp("$dir/fds.log"), qr/accept \(pausing 100 ms\): Too many open files/, 'the pause is logged');
	close $_ for @hold;
	my $ok = 0;
	for (1 .. 30) {
		last if ($ok = raw("example.test\r\n", port => $fport, timeout => 2) =~ /^Domain Name: /m);
		sleep 0.2;
	}
	ok($ok, 'serves again once descriptors are free');
	is(stop($fpid), 0, 'fds instance stops');
}

# --- the rate limit -------------------------------------------------------------

my $limited = "% Error: rate limit exceeded for your address or network; try again later.\r\n";
{
	my ($rpid, $rport) = start(conf('rate', rate_limit => 1, rate_burst => 3,
	    prefix_rate_limit => 1, prefix_rate_burst => 5, log_rate => 2));
	my @got = map { raw("example.test\r\n", port => $rport, from => '127.0.0.1') } 1 .. 4;
	is(scalar(grep { /^Domain Name: example\.test\r$/m } @got[0 .. 2]), 3, 'burst of 3 answered');
	is($got[3], $limited, '4th from the address: one-line refusal');
	like(raw("free.test\r\n", port => $rport, from => '127.0.0.2'), qr/No match/,
	    'another address of the /24 is answered');
	like(raw("free.test\r\n", port => $rport, from => '127.0.0.3'), qr/No match/,
	    '5th of the /24 answered');
	is(raw("free.test\r\n", port => $rport, from => '127.0.0.4'), $limited,
	    'a fresh address of a spent /24 is refused');
	(my $line = $limited) =~ s/\r//;
	is(whois('example.test', $rport), $line, 'whois client sees the refusal line');
	sleep 1.3;
	like(raw("example.test\r\n", port => $rport, from => '127.0.0.2'), qr/^Domain Name: /m,
	    'tokens come back at rate_limit a second');
	sleep 1.2;
	like(slurp("$dir/rate.log"), qr/last second: \d+ queries \(.*\), \d+ not logged one by one/,
	    'past log_rate, a summary line for the second');
	is(stop($rpid), 0, 'rate instance stops');
	like(slurp("$dir/rate.log"), qr/9 queries in all: found 4, no-match 2, rate-limited 3$/m,
	    'totals at exit count every refusal');
}

# --- configuration and options -------------------------------------------------

($st, $out) = run("$bin/whoisd", '-c', conf('check'), '-n');
is($st, 0, '-n: exit 0');
is($out, "configuration OK\n", '-n: configuration OK');
($st, $out) = run("$bin/whoisd", '--help');
is($st, 0, '--help: exit 0');
like($out, qr/^usage: whoisd \[-c CONFIG\]/, '--help: usage');
($st, $out) = run("$bin/whoisd", '--bogus');
is($st, 2, 'unknown option: exit 2');
($st, $out) = run("$bin/whoisd", '-c', conf('badlisten', listen => 'localhost'), '-n');
is($st, 1, 'bad listen: exit 1');
like($out, qr/whois\.listen: 'localhost' is not address:port/, 'bad listen: message');
($st, $out) = run("$bin/whoisd", '-c', conf('badkey', rate_limit => 0), '-n');
is($st, 1, 'rate_limit 0: exit 1');
like($out, qr/badkey\.conf:\d+: whois\.rate_limit = 0 is out of range/, 'names file and line');
($st, $out) = run("$bin/whoisd", '-c', conf('noterms', terms => "$dir/none.txt"), '-n');
is($st, 1, 'missing terms file: exit 1');
spew("$dir/terms.txt", "Our own terms.\nSecond line.\n");
{
	my ($tpid, $tport) = start(conf('terms', terms => "$dir/terms.txt"));
	like(raw("free.test\r\n", port => $tport), qr/\A% Our own terms\.\r\n% Second line\.\r\n%\r\n% No match/,
	    'whois.terms replaces the built-in text');
	stop($tpid);
}
{
	my $conf = conf('nodb');
	(my $c = slurp($conf)) =~ s/^replica = .*$/replica = $dir\/missing.db/m;
	spew($conf, $c);
	($st, $out) = run("$bin/whoisd", '-c', $conf);
	is($st, 1, 'missing replica: exit 1');
	like($out, qr/missing\.db/, 'missing replica: named');
}
SKIP: {
	skip 'no IPv6 loopback', 2 unless IO::Socket::IP->new(Listen => 1, LocalHost => '::1',
	    LocalPort => 0);
	my $conf = conf('v6', listen => '[::1]:0');
	my $pid6 = fork // die;
	if ($pid6 == 0) {
		open(STDERR, '>', "$dir/v6.log") or die;
		exec("$bin/whoisd", '-c', $conf) or exit 127;
	}
	track($pid6, "$dir/v6.log");
	my $p6;
	for (1 .. 100) { last if ($p6) = slurp("$dir/v6.log") =~ /listening on \[::1\]:(\d+)/; sleep 0.05 }
	ok($p6, 'listens on [::1]');
	like(`whois -h ::1 -p $p6 example.test 2>&1`, qr/^Domain Name: example\.test\r?$/m, 'answers over IPv6');
	stop($pid6);
}

is(stop($pid), 0, 'SIGTERM: clean exit');
like(slurp($log), qr/info: stopping\n.*queries in all: found \d+/s, 'totals logged at exit');
unlike(join('', map { slurp($_) } glob("$dir/*.log")), qr/AddressSanitizer|runtime error|LeakSanitizer/,
    'no sanitizer reports');

done_testing();
