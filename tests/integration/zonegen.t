#!/usr/bin/perl
# zonegen.t: bin/zonegen end to end.
#
#   generate  each publication rule on a hand-made registry (statuses,
#             redemption, glue, sub-zones, canonical order, serials, the
#             previous zone, the post command, apex records), and a
#             gendata registry of 500 domains
#   sign      NSEC, NSEC3 and NSEC3 opt-out, keys from dnssec-keygen and
#             ldns-keygen (ECDSA P-256, Ed25519, RSA), each output accepted
#             by ldns-verify-zone, dnssec-verify and kzonecheck
#   cache     an incremental run keeps what is fresh, re-signs what changed
#             or nears expiry, and yields a zone valid like a full run
#   switch    NSEC -> NSEC3 -> NSEC, every published step verified
#   refusals  syntax errors, out-of-zone data, no SOA, bad keys: a clear
#             message naming the file and line, nothing published
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use ZoneTest;

my $t = ZoneTest->new;
my $dir = $t->dir;
my $db = "$dir/master.db";
my $conf = "$dir/registry.conf";
my $idn = "$ZoneTest::ROOT/data/idn/test.txt";

sub write_conf {
	my ($path, %zone) = @_;
	my %z = (apex_ns => 'a.ns.test. b.ns.example.', keydir => "$dir/keys",
	    soa_rname => 'hostmaster@nic.test', %zone);
	ZoneTest::spew($path, "[registry]\ntld = test\nzones = co.test\nroid_suffix = TEST\n"
	    . "idn_table = $idn\n[database]\nmaster = $db\n[zone]\n"
	    . join('', map { "$_ = $z{$_}\n" } sort keys %z));
}

sub sql {
	my ($q) = @_;
	my $out = `sqlite3 -batch '$db' "$q"`;
	die "sqlite3 failed: $q" if $?;
	chomp $out;
	return $out;
}

# --- help ---------------------------------------------------------------------

{
	my ($st, $out) = $t->zonegen('--help');
	is($st, 0, 'zonegen --help: exit 0');
	like($out, qr/generate.*sign.*switch/s, 'help lists the commands');
	for my $cmd (qw(generate sign switch)) {
		($st, $out) = $t->zonegen($cmd, '--help');
		is($st, 0, "$cmd --help: exit 0");
		like($out, qr/usage: zonegen $cmd/, "$cmd --help prints its usage");
	}
	($st) = $t->zonegen('sign', '-c', $conf);
	is($st, 2, 'sign without -i and -o: exit 2');
	($st) = $t->zonegen('frobnicate');
	is($st, 2, 'unknown command: exit 2');
}

# --- generator: one fixture per rule --------------------------------------------

write_conf($conf);
is(($t->regctl($conf, 'init'))[0], 0, 'regctl init');
is(($t->regctl($conf, 'registrar', 'create', 'rar1', '--name', 'Registrar One'))[0], 0,
    'registrar');
my $now = time;
my %host_id;

sub add_host {
	my ($name, $parent, @addr) = @_;
	my $pid = defined $parent ? "(SELECT id FROM domain WHERE name = '$parent')" : 'NULL';
	sql("INSERT INTO host(name, roid, sponsor_id, creator_id, domain_id, created) VALUES "
	    . "('$name', 'H-$name', 1, 1, $pid, $now)");
	my $id = sql("SELECT id FROM host WHERE name = '$name'");
	for my $a (@addr) {
		my $fam = $a =~ /:/ ? 6 : 4;
		sql("INSERT INTO host_addr(host_id, addr, family) VALUES ($id, '$a', $fam)");
	}
	return $host_id{$name} = $id;
}

sub add_domain {
	my ($name, %o) = @_;
	my $rgp = $o{rgp} ? "'$o{rgp}'" : 'NULL';
	sql("INSERT INTO domain(name, roid, sponsor_id, creator_id, created, expires, rgp) "
	    . "VALUES ('$name', 'D-$name', 1, 1, $now, $now + 31536000, $rgp)");
	my $id = sql("SELECT id FROM domain WHERE name = '$name'");
	sql("INSERT INTO status(kind, object_id, status) VALUES ('domain', $id, '$_')")
	    for @{$o{status} // []};
	for my $ns (@{$o{ns} // []}) {
		my $h = $host_id{$ns} // add_host($ns);
		sql("INSERT INTO domain_ns(domain_id, host_id) VALUES ($id, $h)");
	}
	sql("INSERT INTO domain_ds(domain_id, key_tag, alg, digest_type, digest) VALUES "
	    . "($id, $_->[0], 13, 2, '$_->[1]')") for @{$o{ds} // []};
	return $id;
}

my $D1 = 'A' x 64;
my $D2 = 'B' x 64;
add_domain('plain.test', ns => ['ns1.example.net', 'ns2.example.net']);
add_domain('signed.test', ns => ['ns1.example.net'], ds => [[1111, $D1], [2222, $D2]]);
add_domain('glue.test');
add_host('ns1.glue.test', 'glue.test', '192.0.2.1', '2001:db8::1');
add_host('ns9.glue.test', 'glue.test', '192.0.2.9');	# in no delegation
sql("INSERT INTO domain_ns(domain_id, host_id) VALUES ((SELECT id FROM domain WHERE "
    . "name = 'glue.test'), $host_id{'ns1.glue.test'})");
add_domain('sibling.test', ns => ['ns1.glue.test']);
add_domain('chold.test', ns => ['ns1.example.net'], status => ['clientHold']);
add_domain('shold.test', ns => ['ns1.example.net'], status => ['serverHold']);
add_domain('redeem.test', ns => ['ns1.example.net'], rgp => 'redemptionPeriod',
    status => ['pendingDelete']);
add_domain('pdel.test', ns => ['ns1.example.net'], rgp => 'pendingDelete',
    status => ['pendingDelete']);
add_domain('nons.test');
add_domain('heldparent.test', status => ['serverHold']);
add_host('ns.heldparent.test', 'heldparent.test', '192.0.2.20');
add_domain('usesheld.test', ns => ['ns.heldparent.test', 'ns1.example.net']);
add_domain('onlyheld.test');
add_host('ns.onlyheld.test', 'onlyheld.test', '192.0.2.30');
add_domain('heldclient.test', ns => ['ns.onlyheld.test'], status => ['clientHold']);
sql("INSERT INTO domain_ns(domain_id, host_id) VALUES ((SELECT id FROM domain WHERE "
    . "name = 'onlyheld.test'), $host_id{'ns1.example.net'})");
add_domain($_, ns => ['ns1.example.net']) for qw(a.test a-b.test a-b-c.test a0.test ab.test
    xn--rksmrgs-5wao1o.test foo.co.test zz.test);
ZoneTest::spew("$dir/apex.zone", "\@ TXT \"registry of .test\"\na.ns A 198.51.100.1\n"
    . "www.plain A 198.51.100.2\n");
write_conf($conf, apex_records => "$dir/apex.zone",
    post_command => "echo \$ZONEGEN_SERIAL \$ZONEGEN_ZONE > $dir/post.out");

my ($st, $out, $err) = $t->zonegen('generate', '-c', $conf, '-o', "$dir/zone");
is($st, 0, 'generate: exit 0') or diag($err);
like($err, qr/www\.plain\.test\. is at or below a published delegation/,
    'an apex record under a delegation is dropped with a warning');
my @rr = $t->gen_records('zone');
my (%types, @owners);
for (@rr) {
	push @{$types{$_->[0]}}, "$_->[1] $_->[2]";
	push @owners, $_->[0] if !@owners || $owners[-1] ne $_->[0];
}
my $ns = sub { [sort map { /^NS (.*)/ ? $1 : () } @{$types{"$_[0]."} // []}] };
is_deeply($ns->('plain.test'), ['ns1.example.net.', 'ns2.example.net.'], 'a delegation: its NS');
is_deeply([grep { /^DS/ } @{$types{'signed.test.'}}],
    ["DS 1111 13 2 $D1", "DS 2222 13 2 $D2"], 'DS records from secDNS data');
is_deeply($types{'ns1.glue.test.'}, ['A 192.0.2.1', 'AAAA 2001:db8::1'],
    'glue A and AAAA of an in-zone host in use');
ok(!$types{'ns9.glue.test.'}, 'no glue for an in-zone host no delegation uses');
is_deeply($ns->('sibling.test'), ['ns1.glue.test.'], 'a delegation to a sibling host');
for my $d (qw(chold shold redeem pdel nons heldparent heldclient)) {
	ok(!$types{"$d.test."}, "$d.test is not published");
}
is_deeply($ns->('usesheld.test'), ['ns.heldparent.test.', 'ns1.example.net.'],
    'a delegation to a host of a held domain keeps its NS');
ok(!$types{'ns.heldparent.test.'}, '... but that host gets no glue (its domain is held)');
ok(!$types{'ns.onlyheld.test.'}, 'no glue for a host only a held domain uses');
ok($types{'foo.co.test.'} && $types{'xn--rksmrgs-5wao1o.test.'}, 'sub-zone and IDN delegations');
is_deeply([map { /^(\S+)/ } @{$types{'test.'}}], [qw(SOA NS NS TXT)], 'the apex: SOA, NS, the apex file');
like(join("\n", @{$types{'test.'}}), qr/^SOA a\.ns\.test\. hostmaster\.nic\.test\. \d+ /m,
    'SOA from the configuration');
is_deeply($types{'a.ns.test.'}, ['A 198.51.100.1'], 'apex records file: below the apex too');
is_deeply(\@owners, [sort { ZoneTest::canon_key($a) cmp ZoneTest::canon_key($b) } @owners],
    'owners in canonical order (a, a-b, a-b-c, a0, ab, ..., co before its names)');
my ($serial) = join("\n", @{$types{'test.'}}) =~ /^SOA \S+ \S+ (\d+)/m;
cmp_ok(abs($serial - time), '<', 100, 'unixtime serial');
like(ZoneTest::slurp("$dir/post.out"), qr/^$serial test$/, 'post command ran with the serial');

# Serials, the previous zone, determinism.
{
	my $first = ZoneTest::slurp("$dir/zone");
	($st, $out, $err) = $t->zonegen('generate', '-c', $conf, '-o', "$dir/zone");
	is($st, 0, 'generate again');
	my ($s2) = ZoneTest::slurp("$dir/zone") =~ /\tSOA\t\S+ \S+ (\d+)/;
	cmp_ok($s2, '>', $serial, 'the serial increases within the same second');
	is(ZoneTest::slurp("$dir/zone.prev"), $first, 'the previous zone is kept as .prev');
	(my $a = $first) =~ s/^(;|\@\tSOA).*\n//mg;
	(my $b = ZoneTest::slurp("$dir/zone")) =~ s/^(;|\@\tSOA).*\n//mg;
	is($b, $a, 'the same data gives the same zone');
	($st, $out, $err) = $t->zonegen('generate', '-c', $conf, '-o', "$dir/zone",
	    '--serial', '5');
	is($st, 1, 'a forced serial below the previous one is refused');
	like($err, qr/serial 5 is not greater than the previous/, '... saying why');
	write_conf("$dir/date.conf", serial => 'date');
	($st) = $t->zonegen('generate', '-c', "$dir/date.conf", '-o', "$dir/dzone");
	my ($d1) = ZoneTest::slurp("$dir/dzone") =~ /\tSOA\t\S+ \S+ (\d+)/;
	($st) = $t->zonegen('generate', '-c', "$dir/date.conf", '-o', "$dir/dzone");
	my ($d2) = ZoneTest::slurp("$dir/dzone") =~ /\tSOA\t\S+ \S+ (\d+)/;
	is($d1, ZoneTest::stamp() =~ s/^(\d{8}).*/${1}00/r, 'date serial YYYYMMDD00');
	is($d2, $d1 + 1, 'then YYYYMMDD01');
	write_conf("$dir/redeem.conf", publish_redemption => 'yes');
	($st) = $t->zonegen('generate', '-c', "$dir/redeem.conf", '-o', "$dir/rzone");
	my $rz = ZoneTest::slurp("$dir/rzone");
	ok($rz =~ /^redeem\tNS/m && $rz =~ /^pdel\tNS/m && $rz !~ /^chold\t/m,
	    'publish_redemption = yes publishes redemption and pendingDelete, not holds');
	write_conf("$dir/nons.conf", apex_ns => '');
	($st, $out, $err) = $t->zonegen('generate', '-c', "$dir/nons.conf", '-o', "$dir/nzone");
	is($st, 1, 'no apex name servers: refused');
	like($err, qr/zone\.apex_ns is empty/, '... with the reason');
	ok(!-e "$dir/nzone", '... and no zone written');
	write_conf("$dir/post.conf", post_command => 'exit 3');
	($st, $out, $err) = $t->zonegen('generate', '-c', "$dir/post.conf", '-o', "$dir/pzone");
	is($st, 1, 'a failing post command: exit 1');
	like($err, qr/published, but post command 'exit 3' failed \(exit status 3\)/,
	    '... the zone is published and the failure named');
}

# --- signing -------------------------------------------------------------------

$t->keygen_bind('keys', 'test.', ksk => 1);
$t->keygen_bind('keys', 'test.');
# Without the lame name server (kzonecheck counts a name server of the
# zone without address as an error): the rest of the fixture, signed.
sql("DELETE FROM domain_ns WHERE host_id = $host_id{'ns.heldparent.test'}");
($st, $out, $err) = $t->zonegen('generate', '-c', $conf, '-o', "$dir/fixture.zone");
is($st, 0, 'the signing fixture') or diag($err);
my $fixture = "$dir/fixture.zone";

sub sign_ok {
	my ($name, $in, $outf, @opt) = @_;
	my ($s, $o, $e) = $t->zonegen('sign', '-c', $conf, '-i', $in, '-o', $outf, @opt);
	is($s, 0, "$name: exit 0") or diag($e);
	return $e;
}

for my $case (['NSEC', []], ['NSEC3', ['--nsec3']], ['NSEC3 opt-out', ['--nsec3', '--opt-out']]) {
	my ($name, $opt) = @$case;
	(my $f = "$dir/fixture-$name.signed") =~ s/ /-/g;
	sign_ok("sign $name", $fixture, $f, @$opt);
	$t->verified($f, 'test.', "fixture, $name");
}
{
	my $f = "$dir/fixture-NSEC3-opt-out.signed";
	my $z = ZoneTest::slurp($f);
	ok($z =~ /\tNSEC3PARAM\t1 0 0 -\n/ && $z =~ /\tNSEC3\t1 1 0 - /,
	    'RFC 9276 parameters: SHA-1, no iterations, no salt; opt-out flag');
	unlike(ZoneTest::slurp("$dir/fixture-NSEC3.signed"), qr/\tNSEC3\t1 1 /,
	    'no opt-out flag without --opt-out');
}

# A hand-written zone: relative names, parentheses, comments, TXT, a
# wildcard, an empty non-terminal, $INCLUDE, a previously signed record.
ZoneTest::spew("$dir/inc.zone", "www A 192.0.2.80 ; included\n");
ZoneTest::spew("$dir/hand.zone", <<'EOF');
$ORIGIN test.
$TTL 1h
@ IN SOA a.ns.test. hostmaster.test. ( 2024010101 ; serial
	30m 15m 2w 1h )
	NS a.ns
	NS b.ns.example.
	TXT "hello \"world\"" "second string"
a.ns 3600 A 192.0.2.1
a.ns AAAA 2001:db8::1
	IN 7200 MX 10 mail.test. ; TTL and class in the other order
mail A 192.0.2.25
*.wild TXT wild
x.y.z NS ns.example.net.
sub NS ns.sub
sub DS 12345 13 2 ( 0123456789ABCDEF0123456789ABCDEF
	0123456789ABCDEF0123456789ABCDEF )
ns.sub A 192.0.2.53
old RRSIG A 13 2 3600 20300101000000 20200101000000 1 test. AAAA
@ CAA 0 issue "ca.example"
@ TYPE65280 \# 3 ABCDEF
esc\.aped TXT semi\;colon \065BC
UPPER.Case A 192.0.2.7
$INCLUDE inc.zone
EOF
for my $case (['NSEC', []], ['NSEC3', ['--nsec3']]) {
	my ($name, $opt) = @$case;
	my $e = sign_ok("hand-written zone, $name", "$dir/hand.zone", "$dir/hand-$name.signed",
	    @$opt);
	like($e, qr/dropped the RRSIG, NSEC, NSEC3 and NSEC3PARAM records of the input/,
	    "$name: DNSSEC records of the input are dropped and made anew") if $name eq 'NSEC';
	$t->verified("$dir/hand-$name.signed", 'test.', "hand-written zone, $name");
}
like(ZoneTest::slurp("$dir/hand-NSEC3.signed"), qr/^www\.test\.\t3600\tIN\tA\t192\.0\.2\.80$/m,
    '$INCLUDE read');

# Other algorithms and key tools: a lone ldns key is a combined signing key.
for my $case (['ldns ECDSA P-256 CSK', 'ldns', 'ECDSAP256SHA256', undef],
    ['BIND Ed25519 KSK+ZSK', 'bind', 'ED25519', undef],
    ['ldns RSASHA256 CSK', 'ldns', 'RSASHA256', 2048]) {
	my ($name, $tool, $alg, $bits) = @$case;
	(my $kd = "keys-$name") =~ s/\W+/-/g;
	if ($tool eq 'ldns') {
		$t->keygen_ldns($kd, 'test.', alg => $alg, ksk => 1, bits => $bits);
	} else {
		$t->keygen_bind($kd, 'test.', alg => $alg, ksk => 1);
		$t->keygen_bind($kd, 'test.', alg => $alg);
	}
	my $f = "$dir/$kd.signed";
	sign_ok("sign with $name", "$dir/hand.zone", $f, '-k', "$dir/$kd");
	$t->verified($f, 'test.', $name, csk => $tool eq 'ldns');
}
sign_ok('--verify-full (public-key verification in the gate)', $fixture,
    "$dir/vfull.signed", '--verify-full', '--full');

# The registry as gendata makes it, signed three ways.
{
	my $gdir = "$dir/gendata";
	mkdir $gdir;
	ZoneTest::spew("$gdir/registry.conf", "[registry]\ntld = test\nroid_suffix = TEST\n"
	    . "idn_table = $idn\n[database]\nmaster = $gdir/master.db\n[zone]\n"
	    . "apex_ns = a.ns.test. b.ns.test.\nkeydir = $dir/keys\napex_records = $gdir/apex\n");
	ZoneTest::spew("$gdir/apex", "a.ns A 192.0.2.1\nb.ns AAAA 2001:db8::2\n");
	($st, $out, $err) = $t->run("$ZoneTest::BIN/gendata", '-c', "$gdir/registry.conf",
	    '-n', '500', '--nolog');
	is($st, 0, 'gendata -n 500') or diag($err);
	($st, $out, $err) = $t->zonegen('generate', '-c', "$gdir/registry.conf", '-o',
	    "$gdir/zone");
	is($st, 0, 'generate from gendata') or diag($err);
	my ($nd) = $err =~ /(\d+) delegations/;
	my $published = sql_in("$gdir/master.db", "SELECT count(*) FROM domain d WHERE rgp IS "
	    . "NULL AND EXISTS (SELECT 1 FROM domain_ns WHERE domain_id = d.id) AND NOT EXISTS "
	    . "(SELECT 1 FROM status WHERE kind = 'domain' AND object_id = d.id AND status IN "
	    . "('clientHold', 'serverHold', 'pendingDelete'))");
	is($nd, $published, "every publishable domain is delegated ($published)");
	for my $case (['NSEC', []], ['NSEC3', ['--nsec3']], ['NSEC3 opt-out', ['--nsec3', '--opt-out']]) {
		my ($name, $opt) = @$case;
		(my $f = "$gdir/$name.signed") =~ s/ /-/g;
		my ($s, $o, $e) = $t->zonegen('sign', '-c', "$gdir/registry.conf", '-i', "$gdir/zone",
		    '-o', $f, @$opt);
		is($s, 0, "gendata zone, $name: signed") or diag($e);
		$t->verified($f, 'test.', "gendata zone, $name");
	}
	patch_runs($gdir);
}

# Records without signatures, and signatures as (owner, type, key tag):
# what a full and an incremental run at the same time must agree on.
sub signed_shape {
	my ($file) = @_;
	my (@rr, @sig);
	for my $r ($t->records($file)) {
		if ($r->[2] eq 'RRSIG') {
			my @f = split / /, $r->[3];
			push @sig, "$r->[0] $f[0] $f[6]";
		} else {
			push @rr, join(' ', @$r);
		}
	}
	return (join("\n", sort @rr), join("\n", sort @sig));
}

# The fast path of an incremental NSEC run (zonegen/patch.c): the registry
# changes, the zone is generated again, and only the changed names, their
# neighbours in the chain and the names below them are signed again; the
# rest is copied. The result must be what a full run publishes.
sub patch_runs {
	my ($gdir) = @_;
	my $gconf = "$gdir/registry.conf";
	my $out = "$gdir/patch.signed";
	my $t0 = -6 * 86400;
	my @sign = ('sign', '-c', $gconf, '-i', "$gdir/zone", '-o', $out, '-v');
	my ($s, $o, $e) = $t->zonegen(@sign, '--now', ZoneTest::stamp($t0));
	is($s, 0, 'patch: a first, full run') or diag($e);
	unlike($e, qr/incremental:/, '... signs the whole zone');
	ok(-s "$out.index" && -s "$out.input", '... and leaves an index and the input');
	my $db = "$gdir/master.db";
	my $q = sub { my $v = sql_in($db, $_[0]); return $v };
	# A new DS on three delegations, two go on hold, and so does one with
	# glue below it.
	$q->("INSERT OR IGNORE INTO domain_ds(domain_id, key_tag, alg, digest_type, digest) "
	    . "SELECT id, 4242, 13, 2, upper(hex(randomblob(32))) FROM domain WHERE id IN "
	    . "(SELECT domain_id FROM domain_ns) ORDER BY id LIMIT 3");
	$q->("INSERT OR IGNORE INTO status(kind, object_id, status) SELECT 'domain', id, "
	    . "'clientHold' FROM domain WHERE id IN (SELECT domain_id FROM domain_ns) "
	    . "ORDER BY id DESC LIMIT 2");
	my $parent = $q->("SELECT h.domain_id FROM host h JOIN domain_ns n ON n.host_id = h.id "
	    . "AND n.domain_id = h.domain_id ORDER BY h.id LIMIT 1");
	ok($parent, 'patch: gendata made a delegation with glue');
	$q->("INSERT OR IGNORE INTO status(kind, object_id, status) VALUES ('domain', $parent, "
	    . "'serverHold')");
	($s, $o, $e) = $t->zonegen('generate', '-c', $gconf, '-o', "$gdir/zone");
	is($s, 0, 'patch: the changed zone') or diag($e);
	my $t1 = $t0 + 3600;
	($s, $o, $e) = $t->zonegen(@sign, '--now', ZoneTest::stamp($t1));
	is($s, 0, 'patch: the incremental run') or diag($e);
	my ($done, $names) = $e =~ /incremental: (\d+) of (\d+) names done again/;
	ok($done && $done < $names / 4, 'patch: only some names done again ('
	    . ($done // '?') . ' of ' . ($names // '?') . ')') or diag($e);
	$t->verified($out, 'test.', 'patch: the incremental zone');
	($s, $o, $e) = $t->zonegen('sign', '-c', $gconf, '-i', "$gdir/zone", '-o',
	    "$gdir/patch-full.signed", '--full', '--now', ZoneTest::stamp($t1));
	is($s, 0, 'patch: a full run of the same zone at the same time') or diag($e);
	my ($rr_p, $sig_p) = signed_shape($out);
	my ($rr_f, $sig_f) = signed_shape("$gdir/patch-full.signed");
	ok($rr_p eq $rr_f, 'patch: the same records as the full run');
	ok($sig_p eq $sig_f, 'patch: the same RRsets signed by the same keys');
	# Nothing changed: the apex alone is done again.
	($s, $o, $e) = $t->zonegen(@sign, '--now', ZoneTest::stamp($t1 + 60));
	like($e, qr/incremental: 1 of \d+ names done again/, 'patch: no change, the apex alone');
	# Signatures near expiry (made 6 days before, 14 days valid, refreshed
	# 5 days before the end) are made again on the fast path too.
	($s, $o, $e) = $t->zonegen(@sign, '--now', ZoneTest::stamp(3.5 * 86400));
	is($s, 0, 'patch: near expiry') or diag($e);
	($done, $names) = $e =~ /incremental: (\d+) of (\d+) names done again/;
	ok($done && $done > $names / 2 && $e =~ /new and 0 kept signatures/,
	    '... every signed name done again, no signature kept') or diag($e);
	# A clock behind the last run's would copy signatures not valid yet.
	($s, $o, $e) = $t->zonegen(@sign, '--now', ZoneTest::stamp(3.5 * 86400 - 60));
	is($s, 0, 'patch: a clock behind the last run: signed') or diag($e);
	like($e, qr/signing the whole zone/, '... the whole zone');
	# What the fast path cannot vouch for goes down the full path.
	my @cases = (
	    ['the output changed since', sub { utime(time - 1000, time - 1000, $out) }],
	    ['a damaged index', sub {
		my $x = ZoneTest::slurp("$out.index");
		substr($x, length($x) / 2, 1) ^= "\x01";
		ZoneTest::spew("$out.index", $x);
	    }],
	    ['the index gone', sub { unlink "$out.index" }],
	    ['a zone out of canonical order', sub {
		my $z = ZoneTest::slurp("$gdir/zone");
		ZoneTest::spew("$gdir/zone", $z . "aaa\tNS\tns1.example.net.\n");
	    }],
	);
	for my $c (@cases) {
		my ($what, $do) = @$c;
		$do->();
		($s, $o, $e) = $t->zonegen(@sign, '--now', ZoneTest::stamp(3.5 * 86400 + 60));
		is($s, 0, "patch: $what: signed") or diag($e);
		unlike($e, qr/incremental:/, '... the whole zone');
	}
	patch_cut_gone($gconf, $gdir);
}

# A cut that goes away: a.test loses its NS records but keeps a TXT, so
# ns.a.test, glue until now, becomes authoritative data with an NSEC and
# a signature of its own.
sub patch_cut_gone {
	my ($gconf, $gdir) = @_;
	my $head = "\$ORIGIN test.\n\$TTL 3600\n@\tSOA\ta.ns.test. h.test. %d 1800 900 "
	    . "1209600 3600\n@\tNS\ta.ns.test.\n@\tNS\tb.ns.test.\n";
	my $tail = "b\tNS\tns1.example.net.\nc\tNS\tns1.example.net.\n"
	    . "a.ns\tA\t192.0.2.1\nb.ns\tAAAA\t2001:db8::2\n";
	my $with = "a\tNS\tns.a.test.\na\tTXT\t\"here\"\nns.a\tA\t192.0.2.53\n";
	my $without = "a\tTXT\t\"here\"\nns.a\tA\t192.0.2.53\n";
	my ($in, $out) = ("$gdir/cut.zone", "$gdir/cut.signed");
	# Canonical order: test., a, ns.a, b, c, then a.ns and b.ns (RFC 4034
	# 6.1 compares from the last label: "ns" after "c").
	my $sorted = sub { my ($body, $serial) = @_; return sprintf($head, $serial) . $body . $tail };
	ZoneTest::spew($in, $sorted->($with, 1));
	my @sign = ('sign', '-c', $gconf, '-i', $in, '-o', $out, '-v');
	my ($s, $o, $e) = $t->zonegen(@sign);
	is($s, 0, 'patch, a cut goes: the first run') or diag($e);
	# A zone file replaced, as generate does.
	# The cut goes, comes back, and its name goes with the glue left:
	# ns.a.test changes kind each time, and "a" is the first name after
	# the apex.
	my $rr_p;
	my @steps = (['a cut goes', $without, 1], ['a cut comes back', $with, 0],
	    ['a delegation goes, its glue stays', "ns.a\tA\t192.0.2.53\n", 1]);
	my $serial = 2;
	for my $step (@steps) {
		my ($what, $body, $nsec) = @$step;
		ZoneTest::spew("$in.new", $sorted->($body, $serial++));
		rename("$in.new", $in) or die "rename: $!";
		($s, $o, $e) = $t->zonegen(@sign);
		is($s, 0, "patch, $what: signed") or diag($e);
		like($e, qr/incremental: \d+ of \d+ names done again/, '... on the fast path');
		$t->verified($out, 'test.', "patch, $what");
		($s, $o, $e) = $t->zonegen('sign', '-c', $gconf, '-i', $in, '-o',
		    "$gdir/cut-full.signed", '--full');
		my ($sig_p, $rr_f, $sig_f);
		($rr_p, $sig_p) = signed_shape($out);
		($rr_f, $sig_f) = signed_shape("$gdir/cut-full.signed");
		ok($rr_p eq $rr_f && $sig_p eq $sig_f, '... the same as a full run');
		is($rr_p =~ /^ns\.a\.test\. \d+ NSEC /m ? 1 : 0, $nsec,
		    '... ns.a.test ' . ($nsec ? 'has an NSEC' : 'is glue, without NSEC'));
	}
	# Rewritten in place: SIGNEDFILE.input is a copy of what was signed,
	# not a link to the zone file, so the change is seen.
	ZoneTest::spew($in, $sorted->($with, $serial));
	($s, $o, $e) = $t->zonegen(@sign);
	is($s, 0, 'patch: a zone file rewritten in place') or diag($e);
	like($e, qr/incremental: \d+ of \d+ names done again/, '... on the fast path');
	$t->verified($out, 'test.', 'patch: a zone file rewritten in place');
	($s, $o, $e) = $t->zonegen('sign', '-c', $gconf, '-i', $in, '-o', "$gdir/cut-full.signed",
	    '--full');
	my ($rr_f, $sig_f) = signed_shape("$gdir/cut-full.signed");
	my ($rr_q, $sig_q) = signed_shape($out);
	ok($rr_q eq $rr_f && $sig_q eq $sig_f, '... the same as a full run');

	# Files whose lines the owner cut could misread. Each: a first run,
	# a change of c's name server, a second run, checked like the others.
	my @tricky = (
	    # A backslash ends a line outside quotes: "b" starts a new entry.
	    ['a backslash at the end of a line', "a\tNS\tns1.example.net.\n"
		. "a\tTXT\tfoo\\\nb\tA\t192.0.2.9\n", 1],
	    # An owner glued to "(": a word for the reader, not for the cut.
	    ['an owner glued to a parenthesis', "a(\tNS\tns1.example.net. )\n", 0],
	    # An entry over two lines.
	    ['an entry over two lines', "a\tNS\t(\nns1.example.net. )\n", 1],
	);
	for my $c (@tricky) {
		my ($what, $body, $fast) = @$c;
		my ($zin, $zout) = ("$gdir/tricky.zone", "$gdir/tricky.signed");
		unlink glob("$zout*");
		ZoneTest::spew($zin, $sorted->($body, 1));
		($s, $o, $e) = $t->zonegen('sign', '-c', $gconf, '-i', $zin, '-o', $zout);
		is($s, 0, "patch, $what: first run") or diag($e);
		(my $changed = $sorted->($body, 2)) =~ s/^c\tNS\t.*$/c\tNS\tns2.example.net./m;
		ZoneTest::spew("$zin.new", $changed);
		rename("$zin.new", $zin) or die "rename: $!";
		($s, $o, $e) = $t->zonegen('sign', '-c', $gconf, '-i', $zin, '-o', $zout, '-v');
		is($s, 0, "patch, $what: second run") or diag($e);
		is($e =~ /incremental: \d+ of/ ? 1 : 0, $fast,
		    '... ' . ($fast ? 'on the fast path' : 'the whole zone'));
		$t->verified($zout, 'test.', "patch, $what");
		($s, $o, $e) = $t->zonegen('sign', '-c', $gconf, '-i', $zin, '-o',
		    "$gdir/tricky-full.signed", '--full');
		my ($rr_a, $sig_a) = signed_shape($zout);
		my ($rr_b, $sig_b) = signed_shape("$gdir/tricky-full.signed");
		ok($rr_a eq $rr_b && $sig_a eq $sig_b, '... the same as a full run');
	}
}

sub sql_in {
	my ($file, $q) = @_;
	my $v = `sqlite3 -batch '$file' "$q"`;
	chomp $v;
	return $v;
}

# --- incremental signing --------------------------------------------------------

# Signatures per (owner, type): inception, expiration, key tag.
sub sigs {
	my ($file) = @_;
	my %s;
	for my $r ($t->records($file)) {
		next unless $r->[2] eq 'RRSIG';
		my @f = split / /, $r->[3];
		$s{"$r->[0] $f[0] $f[6]"} = [@f[4, 5]];
	}
	return %s;
}

{
	my $inc = "$dir/inc.signed";
	my $e = sign_ok('incremental: first run (full)', $fixture, $inc, '--now',
	    ZoneTest::stamp(-6 * 86400));
	like($e, qr/, (\d+) new and 0 kept signatures/, 'the first run signs everything');
	my %before = sigs($inc);
	# A changed delegation, a new one and one gone.
	my $z = ZoneTest::slurp($fixture);
	$z =~ s/^plain\tNS\tns2\.example\.net\.\n//m;
	$z =~ s/^zz\tNS.*\n//m;
	$z .= "new\tNS\tns1.example.net.\n";
	ZoneTest::spew("$dir/changed.zone", $z);
	$e = sign_ok('incremental: second run', "$dir/changed.zone", $inc, '--now',
	    ZoneTest::stamp(-6 * 86400 + 3600));
	my ($new, $kept) = $e =~ /, (\d+) new and (\d+) kept signatures/;
	ok($kept > 0 && $new > 0 && $new < 10, "only what changed is signed anew ($new new, $kept kept)");
	my %after = sigs($inc);
	my $same = grep { $before{$_} && "@{$before{$_}}" eq "@{$after{$_}}" } keys %after;
	cmp_ok($same, '==', $kept, 'kept signatures are the old ones, byte for byte');
	$t->verified($inc, 'test.', 'incremental zone');
	# A full run at the same time signs the same RRsets with the same keys,
	# and every signature of both runs is valid now and for more than
	# sig_refresh (5 days): the same validity, whichever made it.
	my $when = -6 * 86400 + 3600;
	sign_ok('full run at the same time', "$dir/changed.zone", "$dir/full.signed", '--full',
	    '--now', ZoneTest::stamp($when));
	my %f = sigs("$dir/full.signed");
	is_deeply([sort keys %after], [sort keys %f], 'incremental and full runs sign the same '
	    . 'RRsets with the same keys');
	for my $run (['incremental', \%after], ['full', \%f]) {
		my $bad = grep { $_->[1] gt ZoneTest::stamp($when)
		    || $_->[0] le ZoneTest::stamp($when + 5 * 86400) } values %{$run->[1]};
		is($bad, 0, "$run->[0] run: every signature valid now and for over sig_refresh");
	}
	# Three and a half days later every signature made six days before has
	# under sig_refresh (5d) left of its 14 days, and is made again.
	$e = sign_ok('incremental: near expiry', "$dir/changed.zone", $inc, '--now',
	    ZoneTest::stamp(3.5 * 86400));
	($new, $kept) = $e =~ /, (\d+) new and (\d+) kept signatures/;
	is($kept, 0, 'signatures near expiry are all made again');
	# The cache is trusted only when intact.
	my $c = ZoneTest::slurp("$inc.cache");
	substr($c, length($c) / 2, 1) ^= "\x01";
	ZoneTest::spew("$inc.cache", $c);
	($st, $out, $err) = $t->zonegen('sign', '-c', $conf, '-i', "$dir/changed.zone", '-o',
	    $inc, '--now', ZoneTest::stamp(3.5 * 86400));
	is($st, 0, 'a damaged cache: still signs');
	like($err, qr/damaged or for another zone; signing afresh.*0 kept signatures/s,
	    '... afresh, saying so');
}

# --- the NSEC <-> NSEC3 switch --------------------------------------------------

{
	my $sw = "$dir/switch.signed";
	my $at = -12 * 3600;
	my @common = ('-c', $conf, '-i', $fixture, '-o', $sw);
	sign_ok('switch: a zone signed with NSEC', $fixture, $sw, '--now', ZoneTest::stamp($at));
	($st, $out, $err) = $t->zonegen('sign', @common, '--nsec3', '--now', ZoneTest::stamp($at));
	is($st, 1, 'sign --nsec3 on an NSEC zone is refused');
	like($err, qr/was signed with NSEC: change that with 'zonegen switch --to nsec3'/,
	    '... pointing to zonegen switch');
	# [to, step, of, check the NSEC3-without-NSEC3PARAM step without NSEC3]
	my @steps = (['nsec3', 1, 2, 0], ['nsec3', 2, 2, 0], ['nsec', 1, 3, 0], ['nsec', 2, 3, 1],
	    ['nsec', 3, 3, 0]);
	for my $s (@steps) {
		my ($to, $n, $of, $strip) = @$s;
		($st, $out, $err) = $t->zonegen('switch', @common, '--to', $to, '--now',
		    ZoneTest::stamp($at));
		is($st, 0, "switch to $to, step $n of $of") or diag($err);
		like($out, qr/step $n of $of published/, "... says so");
		$t->verified($sw, 'test.', "switch to $to, step $n", knot => $strip ? 'strip' : '');
		if ($n == 1 && $to eq 'nsec3') {
			($st, $out, $err) = $t->zonegen('switch', @common, '--to', $to, '--now',
			    ZoneTest::stamp($at + 600));
			is($st, 1, 'the next step too early: refused');
			like($err, qr/step 2 may be published from \d{14} UTC \(in \d+ s\); step 1 stays/,
			    '... with the time it may be');
			($st, $out, $err) = $t->zonegen('sign', @common, '--now', ZoneTest::stamp($at + 600));
			is($st, 0, 'sign during a switch signs as its current step') or diag($err);
			like($err, qr/switch in progress, signing as its step/, '... and says so');
			$t->verified($sw, 'test.', 'sign during a switch');
			($st, $out) = $t->zonegen('switch', '-c', $conf, '-o', $sw, '--status',
			    '--now', ZoneTest::stamp($at + 600));
			like($out, qr/switch to NSEC3, step 1 of 2 published/, 'switch --status');
		}
		$at += 2 * 3600 + 60;	# negative TTL 1h + switch_delay 1h
	}
	my $z = ZoneTest::slurp($sw);
	ok($z =~ /\tNSEC\t/ && $z !~ /\tNSEC3/, 'back to NSEC only');
	($st, $out) = $t->zonegen('switch', '-c', $conf, '-o', $sw, '--status');
	like($out, qr/no switch in progress; signed with NSEC/, 'no switch left behind');
}

# --- refusals ------------------------------------------------------------------

sub refused {
	my ($name, $zone, $re, @opt) = @_;
	ZoneTest::spew("$dir/bad.zone", $zone) if defined $zone;
	ZoneTest::spew("$dir/bad.signed", "previous\n");
	my ($s, $o, $e) = $t->zonegen('sign', '-c', $conf, '-i', "$dir/bad.zone", '-o',
	    "$dir/bad.signed", @opt);
	is($s, 1, "$name: exit 1");
	like($e, $re, "$name: message");
	is(ZoneTest::slurp("$dir/bad.signed"), "previous\n", "$name: the previous zone stays");
}

my $head = "\$ORIGIN test.\n\$TTL 3600\n\@ SOA a.ns.test. h.test. 1 2 3 4 5\n\@ NS a.ns\n";
refused('syntax error', $head . "a.ns A 192.0.2.300\n",
    qr{bad\.zone:5: bad A record: bad IPv4 address});
refused('unknown type', $head . "a.ns FOO 1\n", qr{bad\.zone:5: unknown type 'FOO'});
refused('unbalanced parentheses', $head . "x TXT ( \"a\"\n", qr{bad\.zone:5: '\(' without '\)'});
refused('record outside the zone', $head . "a.ns A 192.0.2.1\nwww.example.com. A 192.0.2.2\n",
    qr{bad\.zone:6: www\.example\.com\.: outside the zone test\.});
refused('missing SOA', "\$ORIGIN test.\n\$TTL 3600\n\@ NS a.ns\n", qr{bad\.zone: no SOA record});
refused('two SOAs', $head . "\@ SOA a.ns.test. h.test. 2 2 3 4 5\n",
    qr{bad\.zone:5: test\.: a second SOA record \(the first is on line 3\)});
refused('DS at the apex', $head . "\@ DS 1 13 2 AA\n", qr{bad\.zone:5: test\.: DS at the zone apex});
# Large files are read in pieces on every core: errors still name their
# line, records spanning lines (parentheses, quotes with ";" and "(")
# stay whole, and what a piece cannot know (the TTL of a record without
# one and no $TTL before it) falls back to reading the whole file in order.
{
	my $big = join('', map { $_ % 1000 ? sprintf("d%06d NS ns%d.example.net.\n", $_, $_ % 7)
	    : sprintf("t%06d TXT ( \"a;(\" ; comment (\n\t\"b\\\"\" )\n", $_) } 1 .. 200000);
	my $lines = () = $big =~ /\n/g;
	refused('a syntax error deep in a large file', $head . $big . "bad A 192.0.2.999\n",
	    qr{bad\.zone:@{[$lines + 5]}: bad A record});
	ZoneTest::spew("$dir/big.zone", "\$ORIGIN test.\n\@ 300 SOA a.ns.test. h.test. 1 2 3 4 5\n"
	    . "\@ NS a.ns\na.ns A 192.0.2.1\n" . $big);
	sign_ok('a large file without $TTL', "$dir/big.zone", "$dir/big.signed");
	my $s = ZoneTest::slurp("$dir/big.signed");
	like($s, qr/^d199999\.test\.\t300\tIN\tNS\t/m, '... its records take the TTL before them');
	like($s, qr/^t100000\.test\.\t300\tIN\tTXT\t"a;\(" "b\\""$/m,
	    '... and multi-line records are read whole');
}
{
	$t->keygen_bind('keys-rsasha1', 'test.', alg => 'RSASHA1', bits => 1024);
	refused('unsupported key algorithm', $head, qr{Ktest\.\+005\+\d+\.key: algorithm 5 is not supported},
	    '-k', "$dir/keys-rsasha1");
	my $k1 = $t->keygen_bind('keys-mismatch', 'test.', ksk => 1);
	my $k2 = $t->keygen_bind('keys-mismatch', 'test.');
	ZoneTest::spew("$k2.private", ZoneTest::slurp("$k1.private"));
	refused('a private key that does not match', $head,
	    qr{Ktest\.\+013\+\d+\.private: the private key does not match the public key}, '-k',
	    "$dir/keys-mismatch");
	mkdir "$dir/keys-none";
	refused('no keys', $head, qr{no active key for the zone}, '-k', "$dir/keys-none");
	my $k3 = $t->keygen_bind('keys-tag', 'test.', ksk => 1);
	(my $k4 = $k3) =~ s/\+(\d+)$/'+' . sprintf('%05d', ($1 + 1) % 65536)/e;
	rename("$k3.$_", "$k4.$_") for qw(key private);
	refused('a key file named with the wrong tag', $head, qr{key tag \d+ computed from the key, \d+ in the file name},
	    '-k', "$dir/keys-tag");
}

done_testing();
