#!/usr/bin/perl
# epp_host.t: the host commands of RFC 5732 against a real eppd, with two
# registrars: check, info, create, update (addresses, statuses, rename)
# and delete, each one succeeding and failing for every reason policy
# gives (eppd/cmd_host.c), and nothing changed by a refused command.
# Every response is validated against the official schemas by EPPTest.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use EPPTest;
use Test::More;

my $t = EPPTest->new;
my $c1 = $t->login('reg1');
my $c2 = $t->login('reg2');
my $HOST = qq{xmlns:host="$EPPTest::NS{host}"};

# --- command builders ----------------------------------------------------------

sub addrs {
	return join('', map { my ($ip, $v) = split /=/; $v //= $ip =~ /:/ ? 'v6' : 'v4';
	    qq{<host:addr ip="$v">$ip</host:addr>} } @_);
}
sub statuses { return join('', map { qq{<host:status s="$_"/>} } @_) }

sub host_create {
	my ($c, $name, @addr) = @_;
	return $c->command(qq{<create><host:create $HOST><host:name>$name</host:name>}
	    . addrs(@addr) . '</host:create></create>');
}
sub host_info {
	my ($c, $name) = @_;
	return $c->command(qq{<info><host:info $HOST><host:name>$name</host:name>}
	    . '</host:info></info>');
}
sub host_check {
	my ($c, @names) = @_;
	return $c->command(qq{<check><host:check $HOST>}
	    . join('', map { "<host:name>$_</host:name>" } @names) . '</host:check></check>');
}
sub host_delete {
	my ($c, $name) = @_;
	return $c->command(qq{<delete><host:delete $HOST><host:name>$name</host:name>}
	    . '</host:delete></delete>');
}
# %u: add => [addrs], rem => [addrs], add_st => [..], rem_st => [..], chg => name
sub host_update {
	my ($c, $name, %u) = @_;
	my $x = '';
	for my $op (qw(add rem)) {
		my $in = addrs(@{$u{$op} // []}) . statuses(@{$u{"${op}_st"} // []});
		$x .= "<host:$op>$in</host:$op>" if $in ne '';
	}
	$x .= "<host:chg><host:name>$u{chg}</host:name></host:chg>" if defined $u{chg};
	return $c->command(qq{<update><host:update $HOST><host:name>$name</host:name>}
	    . "$x</host:update></update>");
}

sub contact_create {
	my ($c, $id) = @_;
	my $r = $c->command(qq{<create><contact:create xmlns:contact="$EPPTest::NS{contact}">}
	    . "<contact:id>$id</contact:id><contact:postalInfo type=\"int\"><contact:name>"
	    . 'Host Tester</contact:name><contact:addr><contact:city>Stockholm</contact:city>'
	    . '<contact:cc>SE</contact:cc></contact:addr></contact:postalInfo>'
	    . '<contact:email>hosts@example.net</contact:email><contact:authInfo>'
	    . '<contact:pw>Contact-Pw1</contact:pw></contact:authInfo></contact:create></create>');
	$t->code_is($r, 1000, "contact $id for the domains");
}
sub domain_create {
	my ($c, $name, $registrant, @ns) = @_;
	my $ns = @ns ? '<domain:ns>' . join('', map { "<domain:hostObj>$_</domain:hostObj>" } @ns)
	    . '</domain:ns>' : '';
	my $r = $c->command(qq{<create><domain:create xmlns:domain="$EPPTest::NS{domain}">}
	    . "<domain:name>$name</domain:name>$ns<domain:registrant>$registrant"
	    . '</domain:registrant><domain:authInfo><domain:pw>Domain-Pw1</domain:pw>'
	    . '</domain:authInfo></domain:create></create>');
	$t->code_is($r, 1000, "domain $name" . (@ns ? " with @ns" : ''));
}
sub domain_ns {
	my ($c, $name) = @_;
	my $r = $c->command(qq{<info><domain:info xmlns:domain="$EPPTest::NS{domain}">}
	    . qq{<domain:name hosts="all">$name</domain:name></domain:info></info>});
	return join(' ', sort $r->texts('//domain:ns/domain:hostObj'));
}

# The info of a host as "statuses | addresses | clID".
sub summary {
	my ($c, $name) = @_;
	my $r = host_info($c, $name);
	return 'code ' . $r->code if $r->code != 1000;
	my @st = sort map { $_->getAttribute('s') } $r->nodes('//host:infData/host:status');
	my @ad = map { $_->getAttribute('ip') . ':' . $_->textContent }
	    $r->nodes('//host:infData/host:addr');
	return join(' ', @st) . ' | ' . join(' ', @ad) . ' | ' . $r->text('//host:clID');
}

# A refused command: its code, the reason matching $re, and no change.
sub refused {
	my ($r, $code, $re, $name, $host, $before) = @_;
	$t->code_is($r, $code, "$name: $code");
	like($r->reason // '', $re, "$name: reason");
	is(summary($c1, $host), $before, "$name: $host unchanged") if defined $host;
}

# --- set-up: a contact and a domain per registrar ---------------------------------

contact_create($c1, 'hreg1');
contact_create($c2, 'hreg2');
domain_create($c1, 'alpha.test', 'hreg1');
domain_create($c2, 'beta.test', 'hreg2');

# --- check ---------------------------------------------------------------------------

my $r = host_check($c1, 'ns1.alpha.test', 'ns1.beta.test', 'ns1.nothere.test',
    'ns1.example.com', 'ns..bad.test');
$t->code_is($r, 1000, 'check');
my %avail = map { $_->textContent => $_->getAttribute('avail') } $r->nodes('//host:cd/host:name');
is_deeply(\%avail, { 'ns1.alpha.test' => 1, 'ns1.beta.test' => 0, 'ns1.nothere.test' => 0,
    'ns1.example.com' => 1, 'ns..bad.test' => 0 }, 'check: availability per name');
my @reasons = $r->texts('//host:cd/host:reason');
is_deeply(\@reasons, ['Superordinate domain not yours', 'Superordinate domain not found',
    'Invalid host name'], 'check: a reason for each unavailable name');

refused(host_check($c1, map { "ns$_.example.net" } 1 .. 101), 2306, qr/at most 100/,
    'check of 101 names');
$t->code_is(host_check($c1, map { "ns$_.example.net" } 1 .. 100), 1000, 'check of 100 names');

# --- create --------------------------------------------------------------------------

$r = host_create($c1, 'ns1.alpha.test', '192.0.2.1', '2001:DB8:0:0:0:0:0:53');
$t->code_is($r, 1000, 'create in-zone host with IPv4 and IPv6');
is($r->text('//host:creData/host:name'), 'ns1.alpha.test', 'create: creData name');
like($r->text('//host:creData/host:crDate'), qr/^\d{4}-\d\d-\d\dT[\d:.]+Z$/, 'create: crDate');

$r = host_info($c1, 'NS1.Alpha.TEST');
$t->code_is($r, 1000, 'info, name in another case');
is($r->text('//host:infData/host:name'), 'ns1.alpha.test', 'info: stored name');
like($r->text('//host:infData/host:roid'), qr/^H\d+-\w+$/, 'info: host ROID');
is(summary($c1, 'ns1.alpha.test'), 'ok | v4:192.0.2.1 v6:2001:db8::53 | reg1',
    'info: status ok, canonical addresses, sponsor');
is($r->text('//host:infData/host:crID'), 'reg1', 'info: crID');
ok(!defined $r->text('//host:infData/host:upDate'), 'info: no upDate before an update');
is(summary($c2, 'ns1.alpha.test'), 'ok | v4:192.0.2.1 v6:2001:db8::53 | reg1',
    'info by the other registrar');
$t->code_is(host_info($c1, 'ns9.alpha.test'), 2303, 'info of an unknown host: 2303');
$t->code_is(host_info($c1, 'ns..alpha.test'), 2005, 'info of a malformed name: 2005');
$r = $c1->command(qq{<info><host:info $HOST><host:name>ns1.alpha.test</host:name></host:info>}
    . '</info>', extension => qq{<rgp:update xmlns:rgp="$EPPTest::NS{rgp}">}
    . '<rgp:restore op="request"/></rgp:update>');
refused($r, 2103, qr/does not apply to host:info/, 'info with an rgp extension');

refused(host_create($c1, 'ns1.alpha.test', '192.0.2.2'), 2302, qr/exists/, 'create twice',
    'ns1.alpha.test', 'ok | v4:192.0.2.1 v6:2001:db8::53 | reg1');
refused(host_create($c2, 'ns1.alpha.test', '192.0.2.2'), 2302, qr/exists/,
    'create of an existing name by the other registrar');
refused(host_create($c1, 'ns2.alpha.test'), 2003, qr/needs at least one address/,
    'in-zone host without addresses', 'ns2.alpha.test', 'code 2303');
refused(host_create($c1, 'ns1.nothere.test', '192.0.2.3'), 2303,
    qr/superordinate domain nothere\.test is not registered/,
    'in-zone host without its superordinate domain', 'ns1.nothere.test', 'code 2303');
refused(host_create($c2, 'ns2.alpha.test', '192.0.2.3'), 2201, qr/another registrar/,
    "in-zone host under another registrar's domain", 'ns2.alpha.test', 'code 2303');
refused(host_create($c1, 'ns1.example.com', '192.0.2.3'), 2306, qr/carries no addresses/,
    'external host with an address', 'ns1.example.com', 'code 2303');
refused(host_create($c1, 'ns..alpha.test', '192.0.2.3'), 2005, qr/label/,
    'malformed host name');

# Addresses: syntax (2005) and use as glue (2306).
my @bad = (['1.2.3', 2005, qr/not an IPv4 address/], ['2001:db8::1=v4', 2005, qr/IPv4/],
    ['192.0.2.1=v6', 2005, qr/IPv6/], ['0.0.0.0', 2306, qr/this network/],
    ['127.0.0.1', 2306, qr/loopback/], ['10.1.2.3', 2306, qr/private/],
    ['172.20.0.1', 2306, qr/private/], ['192.168.1.1', 2306, qr/private/],
    ['169.254.0.1', 2306, qr/link local/], ['224.0.0.5', 2306, qr/multicast/],
    ['255.255.255.255', 2306, qr/reserved/], ['0::0', 2306, qr/unspecified/],
    ['::1', 2306, qr/loopback/], ['fe80::1', 2306, qr/link local/],
    ['fd00::1', 2306, qr/unique local/], ['ff02::1', 2306, qr/multicast/],
    ['::ffff:192.0.2.1', 2306, qr/IPv4-mapped/]);
for my $b (@bad) {
	my ($addr, $code, $re) = @$b;
	refused(host_create($c1, 'ns3.alpha.test', $addr), $code, $re, "address $addr",
	    'ns3.alpha.test', 'code 2303');
}
refused(host_create($c1, 'ns3.alpha.test', '192.0.2.7', '192.0.2.7'), 2306,
    qr/already has address 192\.0\.2\.7/, 'the same address twice', 'ns3.alpha.test', 'code 2303');
refused(host_create($c1, 'ns3.alpha.test', '2001:db8::7', '2001:DB8:0::7'), 2306,
    qr/already has address 2001:db8::7/, 'the same IPv6 address in two spellings');
my @thirteen = map { "192.0.2.$_" } 1 .. 13;
refused(host_create($c1, 'ns3.alpha.test', @thirteen, '192.0.2.14'), 2306, qr/at most 13/,
    '14 addresses', 'ns3.alpha.test', 'code 2303');
$t->code_is(host_create($c1, 'ns3.alpha.test', @thirteen), 1000, '13 addresses');

$r = host_create($c2, 'ns1.example.com');
$t->code_is($r, 1000, 'external host without addresses');
is(summary($c1, 'ns1.example.com'), 'ok |  | reg2', 'external host: no addresses, sponsor reg2');

# A client that pretty-prints its XML is not refused.
$r = $c1->command(<<"EOF");
<create>
  <host:create $HOST>
    <host:name>
      ns4.alpha.test
    </host:name>
    <host:addr ip="v4">
      192.0.2.44
    </host:addr>
    <host:addr ip="v6">
      2001:db8::44
    </host:addr>
  </host:create>
</create>
EOF
$t->code_is($r, 1000, 'pretty-printed create');
is(summary($c1, 'ns4.alpha.test'), 'ok | v4:192.0.2.44 v6:2001:db8::44 | reg1',
    'pretty-printed create: values without the white space');

# --- update --------------------------------------------------------------------------

my $ns1 = 'ok | v4:192.0.2.1 v6:2001:db8::53 | reg1';
refused(host_update($c2, 'ns1.alpha.test', add => ['192.0.2.9']), 2201,
    qr/another registrar/, 'update by the other registrar', 'ns1.alpha.test', $ns1);
refused(host_update($c1, 'ns9.alpha.test', add => ['192.0.2.9']), 2303, qr/no host/,
    'update of an unknown host');

$r = host_update($c1, 'ns1.alpha.test', add => ['192.0.2.2', '2001:db8::54'],
    rem => ['2001:db8::53'], add_st => ['clientDeleteProhibited']);
$t->code_is($r, 1000, 'update: add and remove addresses, add a status');
$ns1 = 'clientDeleteProhibited | v4:192.0.2.1 v4:192.0.2.2 v6:2001:db8::54 | reg1';
is(summary($c1, 'ns1.alpha.test'), $ns1, 'update: info shows the change, ok gone');
$r = host_info($c1, 'ns1.alpha.test');
is($r->text('//host:infData/host:upID'), 'reg1', 'update: upID');
ok(defined $r->text('//host:infData/host:upDate'), 'update: upDate');

refused(host_update($c1, 'ns1.alpha.test', add => ['192.0.2.2']), 2306,
    qr/already has address/, 'add an address the host has', 'ns1.alpha.test', $ns1);
refused(host_update($c1, 'ns1.alpha.test', rem => ['192.0.2.99']), 2306,
    qr/has no address 192\.0\.2\.99/, 'remove an address the host lacks', 'ns1.alpha.test', $ns1);
refused(host_update($c1, 'ns1.alpha.test', add => ['127.0.0.2']), 2306, qr/loopback/,
    'add a loopback address', 'ns1.alpha.test', $ns1);
refused(host_update($c1, 'ns1.alpha.test', rem => ['192.0.2.1', '192.0.2.2', '2001:db8::54']),
    2306, qr/needs at least one address/, 'remove every address of an in-zone host',
    'ns1.alpha.test', $ns1);
refused(host_update($c1, 'ns1.alpha.test', add_st => ['serverUpdateProhibited']), 2306,
    qr/use one of: clientDeleteProhibited, clientUpdateProhibited/, 'add a server status',
    'ns1.alpha.test', $ns1);
refused(host_update($c1, 'ns1.alpha.test', add_st => ['linked']), 2306, qr/not one a registrar/,
    'add linked', 'ns1.alpha.test', $ns1);
refused(host_update($c1, 'ns1.alpha.test', add_st => ['clientDeleteProhibited']), 2306,
    qr/already has status/, 'add a status the host has', 'ns1.alpha.test', $ns1);
refused(host_update($c1, 'ns1.alpha.test', rem_st => ['clientUpdateProhibited']), 2306,
    qr/does not have status/, 'remove a status the host lacks', 'ns1.alpha.test', $ns1);
refused(host_update($c1, 'ns1.alpha.test', add => ['192.0.2.3'], add_st => ['ok']), 2306,
    qr/status ok/, 'a refused status refuses the whole update', 'ns1.alpha.test', $ns1);

# clientUpdateProhibited: only its removal goes through (RFC 5732 2.3).
$t->code_is(host_update($c1, 'ns1.alpha.test', add_st => ['clientUpdateProhibited']), 1000,
    'add clientUpdateProhibited');
$ns1 = 'clientDeleteProhibited clientUpdateProhibited | v4:192.0.2.1 v4:192.0.2.2 '
    . 'v6:2001:db8::54 | reg1';
refused(host_update($c1, 'ns1.alpha.test', add => ['192.0.2.3']), 2304,
    qr/clientUpdateProhibited/, 'update of a locked host', 'ns1.alpha.test', $ns1);
refused(host_update($c1, 'ns1.alpha.test', add => ['192.0.2.3'],
    rem_st => ['clientUpdateProhibited']), 2304, qr/only statuses/,
    'unlock and change in one update', 'ns1.alpha.test', $ns1);
$t->code_is(host_update($c1, 'ns1.alpha.test', rem_st => ['clientUpdateProhibited']), 1000,
    'remove clientUpdateProhibited');

# serverUpdateProhibited set by the registry stops every update.
my $id3 = $t->sql("SELECT id FROM host WHERE name = 'ns3.alpha.test'");
$t->sql("INSERT INTO status(kind, object_id, status) VALUES ('host', $id3, "
    . "'serverUpdateProhibited'); DELETE FROM status WHERE kind = 'host' AND "
    . "object_id = $id3 AND status = 'ok'");
refused(host_update($c1, 'ns3.alpha.test', rem => ['192.0.2.13']), 2304,
    qr/serverUpdateProhibited/, 'update of a host with serverUpdateProhibited');
refused(host_update($c1, 'ns3.alpha.test', rem_st => ['serverUpdateProhibited']), 2306,
    qr/not one a registrar/, 'a registrar cannot lift serverUpdateProhibited');

# --- rename ----------------------------------------------------------------------------

my $roid = host_info($c1, 'ns4.alpha.test')->text('//host:roid');
$t->code_is(host_update($c1, 'ns4.alpha.test', chg => 'ns5.alpha.test'), 1000,
    'rename within the domain');
$t->code_is(host_info($c1, 'ns4.alpha.test'), 2303, 'rename: old name is gone');
is(host_info($c1, 'ns5.alpha.test')->text('//host:roid'), $roid, 'rename: same object');
refused(host_update($c1, 'ns5.alpha.test', chg => 'ns1.alpha.test'), 2302, qr/exists/,
    'rename to an existing name', 'ns5.alpha.test', 'ok | v4:192.0.2.44 v6:2001:db8::44 | reg1');
refused(host_update($c1, 'ns5.alpha.test', chg => 'ns5.beta.test'), 2201,
    qr/another registrar/, "rename under another registrar's domain", 'ns5.beta.test', 'code 2303');
refused(host_update($c1, 'ns5.alpha.test', chg => 'ns5.nothere.test'), 2303,
    qr/not registered/, 'rename under a domain that does not exist');
refused(host_update($c1, 'ns5.alpha.test', chg => 'ns5.example.org'), 2306,
    qr/carries no addresses/, 'rename out of our zones keeping the addresses',
    'ns5.alpha.test', 'ok | v4:192.0.2.44 v6:2001:db8::44 | reg1');
$t->code_is(host_update($c1, 'ns5.alpha.test', rem => ['192.0.2.44', '2001:db8::44'],
    chg => 'ns5.example.org'), 1000, 'rename out of our zones dropping the addresses');
is(summary($c1, 'ns5.example.org'), 'ok |  | reg1', 'renamed host is external now');
refused(host_update($c1, 'ns5.example.org', chg => 'ns6.alpha.test'), 2306,
    qr/needs at least one address/, 'rename into our zones without an address',
    'ns5.example.org', 'ok |  | reg1');
$t->code_is(host_update($c1, 'ns5.example.org', add => ['192.0.2.66'],
    chg => 'ns6.alpha.test'), 1000, 'rename into our zones adding an address');
is(summary($c1, 'ns6.alpha.test'), 'ok | v4:192.0.2.66 | reg1', 'renamed host is in-zone');

# Domains follow a renamed host; an external host that another
# registrar's domain uses cannot be renamed (RFC 5732 3.2.5).
$t->code_is(host_create($c1, 'ns.ext-one.org'), 1000, 'external host of reg1');
domain_create($c1, 'gamma.test', 'hreg1', 'ns6.alpha.test', 'ns.ext-one.org');
like(summary($c1, 'ns6.alpha.test'), qr/^linked ok \|/, 'a delegated host is linked');
$t->code_is(host_update($c1, 'ns6.alpha.test', chg => 'ns7.alpha.test'), 1000,
    'rename a linked in-zone host');
$t->code_is(host_update($c1, 'ns.ext-one.org', chg => 'ns.ext-two.org'), 1000,
    "rename an external host only the sponsor's domains use");
is(domain_ns($c1, 'gamma.test'), 'ns.ext-two.org ns7.alpha.test', 'the domain follows both');
domain_create($c2, 'delta.test', 'hreg2', 'ns.ext-two.org');
refused(host_update($c1, 'ns.ext-two.org', chg => 'ns.ext-three.org'), 2305,
    qr/another registrar's domain/, "rename an external host another registrar's domain uses",
    'ns.ext-two.org', 'linked ok |  | reg1');

# --- delete ----------------------------------------------------------------------------

refused(host_delete($c2, 'ns3.alpha.test'), 2201, qr/another registrar/,
    'delete by the other registrar');
refused(host_delete($c1, 'ns1.alpha.test'), 2304, qr/clientDeleteProhibited/,
    'delete of a host with clientDeleteProhibited', 'ns1.alpha.test',
    'clientDeleteProhibited | v4:192.0.2.1 v4:192.0.2.2 v6:2001:db8::54 | reg1');
refused(host_delete($c1, 'ns7.alpha.test'), 2305, qr/name server of a domain/,
    'delete of a host a domain uses', 'ns7.alpha.test', 'linked ok | v4:192.0.2.66 | reg1');
refused(host_delete($c1, 'ns.ext-two.org'), 2305, qr/name server/,
    "delete of a host another registrar's domain uses");
$t->code_is(host_delete($c1, 'ns9.alpha.test'), 2303, 'delete of an unknown host');

$t->code_is(host_update($c1, 'ns1.alpha.test', rem_st => ['clientDeleteProhibited']), 1000,
    'remove clientDeleteProhibited');
$t->code_is(host_delete($c1, 'ns1.alpha.test'), 1000, 'delete');
$t->code_is(host_info($c1, 'ns1.alpha.test'), 2303, 'deleted host is gone');
is($t->sql("SELECT count(*) FROM host_addr a LEFT JOIN host h ON h.id = a.host_id "
    . "WHERE h.id IS NULL"), 0, 'delete: no addresses left behind');
is(host_check($c1, 'ns1.alpha.test')->attr('//host:cd/host:name', 'avail'), 1,
    'deleted name is available again');
$t->code_is(host_delete($c2, 'ns1.example.com'), 1000, 'delete of an external host');

# --- history ----------------------------------------------------------------------------

my $hist = $t->sql("SELECT command FROM history WHERE roid = '$roid' ORDER BY id");
is($hist, join("\n", 'host:create', ('host:update') x 4),
    'history: one entry per transform of the object');
like($t->sql("SELECT detail FROM history WHERE roid = '$roid' AND command = 'host:update' "
    . "ORDER BY id LIMIT 1"), qr/renamed from ns4\.alpha\.test/, 'history: renames noted');
is($t->sql("SELECT count(*) FROM history WHERE name = 'ns1.alpha.test' "
    . "AND command = 'host:delete' AND actor = 'reg1'"), 1, 'history: the delete, by reg1');

$c1->logout;
$c2->logout;
EPPTest::done();
