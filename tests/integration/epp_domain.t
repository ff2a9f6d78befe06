#!/usr/bin/perl
# epp_domain.t: every domain command of eppd (RFC 5731) with secDNS-1.1
# (RFC 5910) and rgp-1.0 (RFC 3915), success and failure, across three
# registrars: check, info (hosts=all|del|sub|none, with and without
# authInfo), create (contacts, name servers, DS data, IDN, reserved and
# blocked names, foreign zones, bad IDN), update (add/rem/chg, statuses,
# prohibitions, secDNS add/rem/rem all/maxSigLife), renew (curExpDate,
# ten years), delete, the five transfer operations, restore, insufficient
# funds (2104, nothing changed) and two registrars racing for one name.
# Every response is validated against the official schemas by EPPTest.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use EPPTest;
use Test::More;

my $t = EPPTest->new(registrars => [qw(reg1 reg2 reg3)]);
my %NS = %EPPTest::NS;
my ($c1, $c2, $c3) = map { $t->login($_) } qw(reg1 reg2 reg3);

# --- helpers ------------------------------------------------------------------------

# <verb><domain:verb>inner</domain:verb></verb>, op= for transfers.
sub dom {
	my ($verb, $inner, $op) = @_;
	my $a = defined $op ? qq{ op="$op"} : '';
	return qq{<$verb$a><domain:$verb xmlns:domain="$NS{domain}">$inner</domain:$verb></$verb>};
}

# Runs a domain command on client $c and checks its result code.
sub expect {
	my ($c, $code, $name, $verb, $inner, %o) = @_;
	my $r = $c->command(dom($verb, $inner, $o{op}), extension => $o{ext});
	$t->code_is($r, $code, $name);
	return $r;
}

sub auth { my ($pw) = @_; return "<domain:authInfo><domain:pw>$pw</domain:pw></domain:authInfo>" }
sub ns { return '<domain:ns>' . join('', map { "<domain:hostObj>$_</domain:hostObj>" } @_) . '</domain:ns>' }

# The inner XML of a create: name, registrant, optional period, ns,
# contacts and authInfo.
sub create_xml {
	my ($name, %o) = @_;
	my $period = $o{period} ? qq{<domain:period unit="y">$o{period}</domain:period>} : '';
	my $ns = $o{ns} ? ns(@{$o{ns}}) : '';
	my $reg = exists $o{registrant} ? ($o{registrant} // '') : '<domain:registrant>holder1</domain:registrant>';
	my $contacts = join('', map { qq{<domain:contact type="$_->[0]">$_->[1]</domain:contact>} }
	    @{$o{contacts} // []});
	return "<domain:name>$name</domain:name>$period$ns$reg$contacts" . auth($o{pw} // 'Secret-pw1');
}

sub create {
	my ($c, $code, $name, %o) = @_;
	return expect($c, $code, $o{what} // "create $name: $code", 'create', create_xml($name, %o),
	    ext => $o{ext});
}

sub info {
	my ($c, $name, %o) = @_;
	my $hosts = $o{hosts} ? qq{ hosts="$o{hosts}"} : '';
	my $auth = $o{pw} ? auth($o{pw}) : '';
	my $r = $c->command(dom('info', "<domain:name$hosts>$name</domain:name>$auth"));
	$t->code_is($r, $o{code} // 1000, $o{what} // "info $name");
	return $r;
}

sub statuses {
	my ($r) = @_;
	return join(' ', sort map { $_->getAttribute('s') } $r->nodes('//domain:infData/domain:status'));
}

sub check_avail {
	my ($c, $name) = @_;
	my $r = $c->command(dom('check', "<domain:name>$name</domain:name>"));
	return ($r->attr('//domain:cd/domain:name', 'avail'), $r->text('//domain:cd/domain:reason'));
}

sub balance {
	my ($clid) = @_;
	return $t->sql("SELECT balance FROM registrar_account JOIN registrar r ON "
	    . "r.id = registrar_id WHERE r.handle = '$clid'");
}

# Takes every waiting poll message of $c: a list of [msg, response].
sub drain {
	my ($c) = @_;
	my @m;
	for (1 .. 50) {
		my $r = $c->poll_req;
		last unless $r && $r->code == 1301;
		push @m, [$r->text('//epp:msgQ/epp:msg'), $r];
		$c->poll_ack($r->attr('//epp:msgQ', 'id'));
	}
	return @m;
}

sub contact_create {
	my ($c, $id) = @_;
	my $r = $c->command(qq{<create><contact:create xmlns:contact="$NS{contact}">}
	    . qq{<contact:id>$id</contact:id><contact:postalInfo type="int"><contact:name>Holder $id}
	    . q{</contact:name><contact:addr><contact:city>Stockholm</contact:city><contact:cc>SE}
	    . q{</contact:cc></contact:addr></contact:postalInfo><contact:email>h@example.se}
	    . q{</contact:email><contact:authInfo><contact:pw>Contact-pw1</contact:pw>}
	    . q{</contact:authInfo></contact:create></create>});
	$t->code_is($r, 1000, "contact $id");
}

sub host_create {
	my ($c, $name, @addr) = @_;
	my $a = join('', map { qq{<host:addr ip="v4">$_</host:addr>} } @addr);
	my $r = $c->command(qq{<create><host:create xmlns:host="$NS{host}">}
	    . "<host:name>$name</host:name>$a</host:create></create>");
	$t->code_is($r, 1000, "host $name");
}

sub ds {
	my ($tag, $digest, $type) = @_;
	$type //= 2;
	return "<secDNS:dsData><secDNS:keyTag>$tag</secDNS:keyTag><secDNS:alg>13</secDNS:alg>"
	    . "<secDNS:digestType>$type</secDNS:digestType><secDNS:digest>$digest</secDNS:digest>"
	    . '</secDNS:dsData>';
}
my $DIG1 = 'A' x 64;
my $DIG2 = '0123456789abcdef' x 4;
my $DIG3 = 'B' x 64;
sub secdns { my ($el, $inner, $attr) = @_; $attr //= '';
	return qq{<secDNS:$el xmlns:secDNS="$NS{secDNS}"$attr>$inner</secDNS:$el>} }

# --- set-up: contacts and hosts ---------------------------------------------------------

contact_create($c1, 'holder1');
contact_create($c1, 'admin1');
contact_create($c2, 'holder2');
contact_create($c3, 'holder3');
host_create($c1, $_) for qw(ns1.example.net ns2.example.net ns3.example.net);

# --- check and create ----------------------------------------------------------------------

$t->regctl('reserved', 'add', 'kept.test', 'reserved', '--reason', 'registry use');
$t->regctl('reserved', 'add', 'banned.test', 'blocked', '--reason', 'policy');

my $r = $c1->command(dom('check', join('', map { "<domain:name>$_</domain:name>" }
    qw(alpha.test kept.test banned.test alpha.example -bad.test))));
$t->code_is($r, 1000, 'check five names');
my @cd = $r->nodes('//domain:cd/domain:name');
is(join(',', map { $_->getAttribute('avail') } @cd), '1,0,0,0,0', 'check: only alpha.test is free');
is(join('|', $r->texts('//domain:cd/domain:reason')),
    'Reserved by the registry|Blocked by registry policy|Not in a zone of this registry|'
    . 'Invalid domain name', 'check: reasons');

my $before = balance('reg1');
$r = create($c1, 1000, 'alpha.test', ns => [qw(ns1.example.net ns2.example.net)],
    contacts => [[admin => 'admin1'], [tech => 'admin1']],
    ext => secdns('create', '<secDNS:maxSigLife>604800</secDNS:maxSigLife>' . ds(12345, $DIG1)));
is($r->text('//domain:creData/domain:name'), 'alpha.test', 'creData name');
like($r->text('//domain:creData/domain:exDate'), qr/^\d{4}-/, 'creData exDate');
is(balance('reg1'), $before - 1000, 'create charged one year');
my ($avail, $why) = check_avail($c2, 'alpha.test');
is("$avail/$why", '0/In use', 'check after create: in use');

$before = balance('reg1');
$r = create($c1, 1000, 'beta.test', period => 2);
my ($cr, $ex) = ($r->text('//domain:crDate'), $r->text('//domain:exDate'));
is(substr($ex, 0, 4) - substr($cr, 0, 4), 2, 'two-year create: exDate two years on');
is(balance('reg1'), $before - 2000, 'two-year create charged twice the price');

create($c2, 2302, 'alpha.test', registrant => '<domain:registrant>holder2</domain:registrant>',
    what => 'create of a registered name: 2302');
$r = create($c1, 2302, 'kept.test', what => 'reserved name: 2302');
like($r->reason, qr/reserved/, 'reserved: reason says so');
create($c1, 2306, 'banned.test', what => 'blocked name: 2306');
$r = create($c1, 2306, 'alpha.example', what => 'foreign zone: 2306');
like($r->reason, qr/zone/i, 'foreign zone: reason');
create($c1, 2005, '-bad.test', what => 'bad syntax: 2005');
$r = create($c1, 1000, "r\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s.test", what => 'IDN create (U-label)');
is($r->text('//domain:creData/domain:name'), 'xn--rksmrgs-5wao1o.test', 'IDN stored as A-label');
$r = create($c1, 2306, "\xc3\xbeing.test", what => 'IDN outside the table: 2306');
like($r->reason, qr/U\+00FE/, 'bad IDN: reason names the code point');
create($c1, 2303, 'gamma.test', registrant => '<domain:registrant>nobody</domain:registrant>',
    what => 'unknown registrant: 2303');
create($c1, 2303, 'gamma.test', contacts => [[admin => 'nobody']], what => 'unknown contact: 2303');
create($c1, 2303, 'gamma.test', ns => ['ns9.example.net'], what => 'unknown host: 2303');
create($c1, 2003, 'gamma.test', registrant => undef, what => 'no registrant: 2003');
create($c1, 2306, 'gamma.test', ns => [map { "ns$_.example.org" } 1 .. 14],
    what => 'fourteen name servers: 2306');
create($c1, 2306, 'gamma.test', ns => [qw(ns1.example.net ns1.example.net)],
    what => 'the same name server twice: 2306');
create($c1, 2004, 'gamma.test', period => 11, what => 'eleven years: 2004');
create($c1, 2306, 'gamma.test', pw => 'abc', what => 'short authInfo: 2306');
expect($c1, 2102, 'hostAttr: 2102', 'create', '<domain:name>gamma.test</domain:name>'
    . '<domain:ns><domain:hostAttr><domain:hostName>ns.example.org</domain:hostName>'
    . '</domain:hostAttr></domain:ns><domain:registrant>holder1</domain:registrant>'
    . auth('Secret-pw1'));
create($c1, 2306, 'gamma.test', ext => secdns('create', '<secDNS:keyData><secDNS:flags>257'
    . '</secDNS:flags><secDNS:protocol>3</secDNS:protocol><secDNS:alg>13</secDNS:alg>'
    . '<secDNS:pubKey>AQID</secDNS:pubKey></secDNS:keyData>'), what => 'keyData interface: 2306');
create($c1, 2306, 'gamma.test', ext => secdns('create', ds(1, 'ABCD')),
    what => 'DS digest of the wrong length: 2306');
create($c1, 2306, 'gamma.test', ext => secdns('create', ds(1, 'A' x 40, 3)),
    what => 'unknown digest type: 2306');
($avail) = check_avail($c1, 'gamma.test');
is($avail, 1, 'none of the refused creates left gamma.test behind');

# --- info ------------------------------------------------------------------------------------

$r = $c1->command(qq{<create><host:create xmlns:host="$NS{host}"><host:name>ns1.alpha.test}
    . q{</host:name><host:addr ip="v4">192.0.2.1</host:addr></host:create></create>});
$t->code_is($r, 1000, 'in-zone host of alpha.test');
$r = info($c1, 'alpha.test');
is($r->text('//domain:registrant'), 'holder1', 'info: registrant');
is(join(',', sort $r->texts('//domain:contact')), 'admin1,admin1', 'info: contacts');
is(join(',', $r->texts('//domain:ns/domain:hostObj')), 'ns1.example.net,ns2.example.net', 'info: ns');
is(join(',', $r->texts('//domain:infData/domain:host')), 'ns1.alpha.test', 'info: subordinate host');
is($r->text('//domain:authInfo/domain:pw'), 'Secret-pw1', 'info: authInfo for the sponsor');
is(statuses($r), 'ok', 'info: status ok');
is($r->text('//secDNS:infData/secDNS:maxSigLife'), '604800', 'info: maxSigLife');
is($r->text('//secDNS:dsData/secDNS:digest'), $DIG1, 'info: DS digest');
is($r->attr('//rgp:infData/rgp:rgpStatus', 's'), 'addPeriod', 'info: rgpStatus addPeriod');
for ([del => 2, 0], [sub => 0, 1], [none => 0, 0], [all => 2, 1]) {
	my ($h, $nns, $nhost) = @$_;
	$r = info($c1, 'alpha.test', hosts => $h);
	is(scalar(() = $r->nodes('//domain:hostObj')) . '/' . scalar(() = $r->nodes('//domain:infData/domain:host')),
	    "$nns/$nhost", "info hosts=$h: $nns name servers, $nhost subordinate hosts");
}
$r = info($c2, 'alpha.test', what => 'info by another registrar');
is($r->text('//domain:clID'), 'reg1', 'other registrar: clID shown');
is($r->text('//domain:registrant'), undef, 'other registrar: no registrant');
is($r->text('//domain:authInfo/domain:pw'), undef, 'other registrar: no authInfo');
$r = info($c2, 'alpha.test', pw => 'Secret-pw1', what => 'info with the right authInfo');
is($r->text('//domain:authInfo/domain:pw'), 'Secret-pw1', 'right authInfo: everything shown');
info($c2, 'alpha.test', pw => 'Wrong-pw99', code => 2202, what => 'wrong authInfo: 2202');
info($c1, 'nowhere.test', code => 2303, what => 'info of an unknown domain: 2303');
is(statuses(info($c1, 'beta.test')), 'inactive', 'no name servers: inactive');

# --- update -------------------------------------------------------------------------------------

expect($c2, 2201, 'update by another registrar: 2201', 'update',
    '<domain:name>alpha.test</domain:name><domain:add>' . ns('ns3.example.net') . '</domain:add>');
expect($c1, 1000, 'update: add ns, contact and status, chg registrant and authInfo', 'update',
    '<domain:name>beta.test</domain:name><domain:add>' . ns('ns3.example.net')
    . '<domain:contact type="billing">admin1</domain:contact><domain:status s="clientHold">'
    . 'checking</domain:status></domain:add><domain:chg><domain:registrant>admin1'
    . '</domain:registrant>' . auth('New-secret2') . '</domain:chg>');
$r = info($c1, 'beta.test');
is(statuses($r), 'clientHold', 'update: clientHold, no longer inactive');
is($r->text('//domain:status'), 'checking', 'update: status reason kept');
is($r->text('//domain:registrant'), 'admin1', 'update: registrant changed');
is($r->text('//domain:contact[@type="billing"]'), 'admin1', 'update: contact added');
is($r->text('//domain:authInfo/domain:pw'), 'New-secret2', 'update: authInfo changed');
is($r->text('//domain:upID'), 'reg1', 'update: upID');
expect($c1, 1000, 'update: rem ns, contact and status', 'update',
    '<domain:name>beta.test</domain:name><domain:rem>' . ns('ns3.example.net')
    . '<domain:contact type="billing">admin1</domain:contact><domain:status s="clientHold"/>'
    . '</domain:rem>');
is(statuses(info($c1, 'beta.test')), 'inactive', 'update: back to inactive');
expect($c1, 2306, 'update: a server status: 2306', 'update',
    '<domain:name>beta.test</domain:name><domain:add><domain:status s="serverHold"/></domain:add>');
expect($c1, 2306, 'update: removing a status it lacks: 2306', 'update',
    '<domain:name>beta.test</domain:name><domain:rem><domain:status s="clientHold"/></domain:rem>');
expect($c1, 2306, 'update: removing a name server it lacks: 2306', 'update',
    '<domain:name>beta.test</domain:name><domain:rem>' . ns('ns1.example.net') . '</domain:rem>');
expect($c1, 2303, 'update: adding an unknown host: 2303', 'update',
    '<domain:name>beta.test</domain:name><domain:add>' . ns('ns8.example.net') . '</domain:add>');
expect($c1, 2306, 'update: adding a contact it has: 2306', 'update',
    '<domain:name>alpha.test</domain:name><domain:add><domain:contact type="admin">admin1'
    . '</domain:contact></domain:add>');
expect($c1, 2303, 'update of an unknown domain: 2303', 'update', '<domain:name>nowhere.test</domain:name>');

# clientUpdateProhibited locks everything but its own removal.
expect($c1, 1000, 'update: add clientUpdateProhibited', 'update',
    '<domain:name>beta.test</domain:name><domain:add><domain:status s="clientUpdateProhibited"/>'
    . '</domain:add>');
expect($c1, 2304, 'clientUpdateProhibited: update refused', 'update',
    '<domain:name>beta.test</domain:name><domain:add>' . ns('ns3.example.net') . '</domain:add>');
$t->regctl('domain', 'status', 'set', 'beta.test', 'serverUpdateProhibited');
expect($c1, 2304, 'serverUpdateProhibited: even unlocking is refused', 'update',
    '<domain:name>beta.test</domain:name><domain:rem><domain:status s="clientUpdateProhibited"/>'
    . '</domain:rem>');
$t->regctl('domain', 'status', 'clear', 'beta.test', 'serverUpdateProhibited');
expect($c1, 1000, 'clientUpdateProhibited: removing it is allowed', 'update',
    '<domain:name>beta.test</domain:name><domain:rem><domain:status s="clientUpdateProhibited"/>'
    . '</domain:rem>');

# secDNS: add, rem, rem all, maxSigLife, urgent.
expect($c1, 1000, 'secDNS add', 'update', '<domain:name>alpha.test</domain:name>',
    ext => secdns('update', '<secDNS:add>' . ds(222, $DIG2) . '</secDNS:add>'));
$r = info($c1, 'alpha.test');
is(scalar(() = $r->nodes('//secDNS:dsData')), 2, 'secDNS add: two DS records');
ok(grep({ $_ eq uc $DIG2 } $r->texts('//secDNS:digest')), 'secDNS add: digest stored upper case');
expect($c1, 1000, 'secDNS rem one, add one, chg maxSigLife', 'update',
    '<domain:name>alpha.test</domain:name>', ext => secdns('update', '<secDNS:rem>'
    . ds(12345, $DIG1) . '</secDNS:rem><secDNS:add>' . ds(333, $DIG3) . '</secDNS:add>'
    . '<secDNS:chg><secDNS:maxSigLife>86400</secDNS:maxSigLife></secDNS:chg>'));
$r = info($c1, 'alpha.test');
is(join(',', sort $r->texts('//secDNS:keyTag')), '222,333', 'secDNS rem+add: the right records');
is($r->text('//secDNS:maxSigLife'), '86400', 'secDNS chg: maxSigLife');
expect($c1, 2306, 'secDNS rem of a record not there: 2306', 'update',
    '<domain:name>alpha.test</domain:name>',
    ext => secdns('update', '<secDNS:rem>' . ds(12345, $DIG1) . '</secDNS:rem>'));
expect($c1, 2102, 'secDNS urgent: 2102', 'update', '<domain:name>alpha.test</domain:name>',
    ext => secdns('update', '<secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem>',
    ' urgent="true"'));
expect($c1, 1000, 'secDNS rem all', 'update', '<domain:name>alpha.test</domain:name>',
    ext => secdns('update', '<secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem>'));
$r = info($c1, 'alpha.test');
is(scalar(() = $r->nodes('//secDNS:infData')), 0, 'secDNS rem all: no DS data left');

# --- renew -----------------------------------------------------------------------------------------

$r = info($c1, 'beta.test');
my $exp = substr($r->text('//domain:exDate'), 0, 10);
expect($c1, 2306, 'renew with the wrong curExpDate: 2306', 'renew',
    '<domain:name>beta.test</domain:name><domain:curExpDate>2001-01-01</domain:curExpDate>');
expect($c2, 2201, 'renew by another registrar: 2201', 'renew',
    "<domain:name>beta.test</domain:name><domain:curExpDate>$exp</domain:curExpDate>");
expect($c1, 2306, 'renew beyond ten years: 2306', 'renew',
    "<domain:name>beta.test</domain:name><domain:curExpDate>$exp</domain:curExpDate>"
    . '<domain:period unit="y">9</domain:period>');
$before = balance('reg1');
$r = expect($c1, 1000, 'renew three years', 'renew',
    "<domain:name>beta.test</domain:name><domain:curExpDate>$exp</domain:curExpDate>"
    . '<domain:period unit="y">3</domain:period>');
is(substr($r->text('//domain:renData/domain:exDate'), 0, 4), substr($exp, 0, 4) + 3,
    'renew: exDate three years on');
is(balance('reg1'), $before - 3000, 'renew charged three years');
expect($c1, 2306, 'renew repeated with the old curExpDate: 2306', 'renew',
    "<domain:name>beta.test</domain:name><domain:curExpDate>$exp</domain:curExpDate>");
expect($c1, 1000, 'clientRenewProhibited on', 'update', '<domain:name>alpha.test</domain:name>'
    . '<domain:add><domain:status s="clientRenewProhibited"/></domain:add>');
$exp = substr(info($c1, 'alpha.test')->text('//domain:exDate'), 0, 10);
expect($c1, 2304, 'clientRenewProhibited: renew refused', 'renew',
    "<domain:name>alpha.test</domain:name><domain:curExpDate>$exp</domain:curExpDate>");

# --- insufficient funds ------------------------------------------------------------------------------

$t->sql("UPDATE registrar_account SET balance = 500, credit_limit = 0 WHERE registrar_id = "
    . "(SELECT id FROM registrar WHERE handle = 'reg3')");
my $ledger = $t->sql('SELECT count(*) FROM ledger');
$r = create($c3, 2104, 'poor.test', registrant => '<domain:registrant>holder3</domain:registrant>',
    what => 'create without the money: 2104');
($avail) = check_avail($c3, 'poor.test');
is($avail, 1, '2104: the domain was not created');
is(balance('reg3'), 500, '2104: the balance is unchanged');
is($t->sql('SELECT count(*) FROM ledger'), $ledger, '2104: no ledger entry');
is($t->sql("SELECT count(*) FROM history WHERE name = 'poor.test'"), 0, '2104: no history');
$t->sql("UPDATE registrar_account SET balance = 1000000, credit_limit = 1000000 WHERE "
    . "registrar_id = (SELECT id FROM registrar WHERE handle = 'reg3')");

# --- two registrars, one name, one moment -------------------------------------------------------------

my %doc;
for ([$c2, 'holder2'], [$c3, 'holder3']) {
	my ($c, $holder) = @$_;
	$doc{$c} = qq{<?xml version="1.0" encoding="UTF-8"?><epp xmlns="$NS{epp}"><command>}
	    . dom('create', create_xml('race.test', registrant => "<domain:registrant>$holder"
	    . '</domain:registrant>')) . '<clTRID>RACE-' . $holder . '</clTRID></command></epp>';
}
$_->{epp}->send_frame($doc{$_}) for $c2, $c3;
my @codes = sort map { $_->read_response('race')->code } $c2, $c3;
is("@codes", '1000 2302', 'two creates of one name at once: one 1000, one 2302');
is($t->sql("SELECT count(*) FROM domain WHERE name = 'race.test'"), 1, 'race: one row');

# --- delete ------------------------------------------------------------------------------------------

expect($c2, 2201, 'delete by another registrar: 2201', 'delete', '<domain:name>alpha.test</domain:name>');
$r = expect($c1, 2305, 'delete with a subordinate host: 2305', 'delete',
    '<domain:name>alpha.test</domain:name>');
like($r->reason, qr/ns1\.alpha\.test/, '2305: the reason names the host');
expect($c1, 1000, 'clientDeleteProhibited on', 'update', '<domain:name>beta.test</domain:name>'
    . '<domain:add><domain:status s="clientDeleteProhibited"/></domain:add>');
expect($c1, 2304, 'clientDeleteProhibited: delete refused', 'delete', '<domain:name>beta.test</domain:name>');
expect($c1, 1000, 'clientDeleteProhibited off', 'update', '<domain:name>beta.test</domain:name>'
    . '<domain:rem><domain:status s="clientDeleteProhibited"/></domain:rem>');
$before = balance('reg1');
expect($c1, 1000, 'delete in the add grace period: 1000', 'delete', '<domain:name>beta.test</domain:name>');
is(balance('reg1'), $before + 2000 + 3000, 'add grace delete refunds the create and the renew');
($avail) = check_avail($c1, 'beta.test');
is($avail, 1, 'add grace delete: the name is free at once');
expect($c1, 2303, 'delete of an unknown domain: 2303', 'delete', '<domain:name>beta.test</domain:name>');

# --- after the add grace period: transfers, redemption, restore -----------------------------------

create($c1, 1000, 'moving.test', ns => ['ns1.example.net']);
create($c1, 1000, 'gone.test');
expect($c2, 2106, 'transfer request in the add grace period: 2106', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'request');
ok($t->advance_clock('6d'), 'clock six days on');
host_create($c1, 'ns1.moving.test', '192.0.2.7');
drain($_) for $c1, $c2, $c3;

expect($c1, 2106, 'transfer request by the sponsor: 2106', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'request');
expect($c2, 2003, 'transfer request without authInfo: 2003', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'request');
expect($c2, 2202, 'transfer request with the wrong authInfo: 2202', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Wrong-pw99'), op => 'request');
expect($c2, 2301, 'transfer query before any transfer: 2301', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'query');

# request, then reject
my %bal = map { $_ => balance($_) } qw(reg1 reg2);
$r = expect($c2, 1001, 'transfer request: 1001', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'request');
is($r->text('//domain:trStatus'), 'pending', 'request: trStatus pending');
is($r->text('//domain:reID') . '/' . $r->text('//domain:acID'), 'reg2/reg1', 'request: reID/acID');
is(balance('reg2'), $bal{reg2} - 1000, 'request: the gaining registrar is charged');
is(statuses(info($c1, 'moving.test')), 'pendingTransfer', 'request: pendingTransfer');
my @m = drain($c1);
is(scalar(@m), 1, 'request: one poll message for the losing registrar');
like($m[0][0] // '', qr/Transfer requested/, 'request: the message');
is($m[0][1]->text('//domain:trnData/domain:trStatus'), 'pending', 'request: trnData in the poll message');
expect($c3, 2300, 'a second request while pending: 2300', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'request');
expect($c1, 2304, 'update while pending transfer: 2304', 'update',
    '<domain:name>moving.test</domain:name><domain:add>' . ns('ns2.example.net') . '</domain:add>');
expect($c2, 1000, 'transfer query by the gaining registrar', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'query');
expect($c1, 1000, 'transfer query by the sponsor', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'query');
expect($c3, 2201, 'transfer query by a third registrar: 2201', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'query');
expect($c3, 1000, 'transfer query by a third registrar with authInfo', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'query');
expect($c2, 2201, 'reject by the gaining registrar: 2201', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'reject');
$r = expect($c1, 1000, 'reject by the sponsor', 'transfer', '<domain:name>moving.test</domain:name>',
    op => 'reject');
is($r->text('//domain:trStatus'), 'clientRejected', 'reject: trStatus');
is(balance('reg2'), $bal{reg2}, 'reject: the gaining registrar is refunded');
@m = drain($c2);
like(join('|', map { $_->[0] } @m), qr/Transfer rejected/, 'reject: poll message for the gaining registrar');
is(statuses(info($c1, 'moving.test')), 'ok', 'reject: status back to ok');
expect($c1, 2301, 'approve with nothing pending: 2301', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'approve');

# request, then cancel
expect($c2, 1001, 'transfer request again', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'request');
expect($c1, 2201, 'cancel by the sponsor: 2201', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'cancel');
$r = expect($c2, 1000, 'cancel by the gaining registrar', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'cancel');
is($r->text('//domain:trStatus'), 'clientCancelled', 'cancel: trStatus');
is(balance('reg2'), $bal{reg2}, 'cancel: refunded');
drain($_) for $c1, $c2;

# request, then approve: the domain and its subordinate host move
my $old_exp = info($c1, 'moving.test')->text('//domain:exDate');
expect($c2, 1001, 'transfer request a third time', 'transfer',
    '<domain:name>moving.test</domain:name><domain:period unit="y">2</domain:period>'
    . auth('Secret-pw1'), op => 'request');
expect($c2, 2201, 'approve by the gaining registrar: 2201', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'approve');
$r = expect($c1, 1000, 'approve by the sponsor', 'transfer', '<domain:name>moving.test</domain:name>',
    op => 'approve');
is($r->text('//domain:trStatus'), 'clientApproved', 'approve: trStatus');
$r = info($c2, 'moving.test', what => 'info by the new sponsor');
is($r->text('//domain:clID'), 'reg2', 'approve: reg2 sponsors it');
is(substr($r->text('//domain:exDate'), 0, 4), substr($old_exp, 0, 4) + 2, 'approve: two years added');
ok($r->text('//domain:trDate'), 'approve: trDate');
is(balance('reg2'), $bal{reg2} - 2000, 'approve: two years charged');
is(balance('reg1'), $bal{reg1}, 'approve: the losing registrar pays nothing');
$r = $c2->command(qq{<info><host:info xmlns:host="$NS{host}"><host:name>ns1.moving.test}
    . '</host:name></host:info></info>');
is($r->text('//host:clID'), 'reg2', 'approve: the subordinate host moved too');
like(join('|', map { $_->[0] } drain($c2)), qr/Transfer approved/, 'approve: poll message for the gaining registrar');
expect($c1, 2201, 'the old sponsor may no longer update', 'update',
    '<domain:name>moving.test</domain:name><domain:add>' . ns('ns2.example.net') . '</domain:add>');
expect($c3, 2106, 'transfer within the transfer grace period: 2106', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'request');
$t->regctl('domain', 'status', 'set', 'alpha.test', 'serverTransferProhibited');
expect($c2, 2304, 'serverTransferProhibited: request refused', 'transfer',
    '<domain:name>alpha.test</domain:name>' . auth('Secret-pw1'), op => 'request');

# delete outside grace, restore request and report
expect($c1, 2304, 'restore of a domain not in redemption: 2304', 'update',
    '<domain:name>gone.test</domain:name><domain:chg/>',
    ext => qq{<rgp:update xmlns:rgp="$NS{rgp}"><rgp:restore op="request"/></rgp:update>});
$before = balance('reg1');
expect($c1, 1001, 'delete after the add grace period: 1001', 'delete', '<domain:name>gone.test</domain:name>');
is(balance('reg1'), $before, 'delete after grace: no refund');
$r = info($c1, 'gone.test');
is(statuses($r), 'inactive pendingDelete', 'deleted: pendingDelete (and still inactive)');
is($r->attr('//rgp:rgpStatus', 's'), 'redemptionPeriod', 'deleted: redemptionPeriod');
($avail) = check_avail($c2, 'gone.test');
is($avail, 0, 'in redemption the name is not free');
expect($c1, 2304, 'renew in redemption: 2304', 'renew', '<domain:name>gone.test</domain:name>'
    . '<domain:curExpDate>' . substr($r->text('//domain:exDate'), 0, 10) . '</domain:curExpDate>');
expect($c1, 2304, 'update in redemption: 2304', 'update', '<domain:name>gone.test</domain:name>'
    . '<domain:add>' . ns('ns1.example.net') . '</domain:add>');
expect($c2, 2201, 'restore by another registrar: 2201', 'update',
    '<domain:name>gone.test</domain:name><domain:chg/>',
    ext => qq{<rgp:update xmlns:rgp="$NS{rgp}"><rgp:restore op="request"/></rgp:update>});
expect($c1, 2306, 'restore that also changes the domain: 2306', 'update',
    '<domain:name>gone.test</domain:name><domain:add>' . ns('ns1.example.net') . '</domain:add>',
    ext => qq{<rgp:update xmlns:rgp="$NS{rgp}"><rgp:restore op="request"/></rgp:update>});
$r = expect($c1, 1000, 'restore request', 'update', '<domain:name>gone.test</domain:name><domain:chg/>',
    ext => qq{<rgp:update xmlns:rgp="$NS{rgp}"><rgp:restore op="request"/></rgp:update>});
is($r->attr('//rgp:upData/rgp:rgpStatus', 's'), 'pendingRestore', 'restore request: upData pendingRestore');
is(balance('reg1'), $before - 4000, 'restore request: the restore price charged');
my $report = '<rgp:report><rgp:preData>before</rgp:preData><rgp:postData>after</rgp:postData>'
    . '<rgp:delTime>2026-01-01T00:00:00.0Z</rgp:delTime><rgp:resTime>2026-01-02T00:00:00.0Z'
    . '</rgp:resTime><rgp:resReason>Registrant error.</rgp:resReason><rgp:statement>Not for '
    . 'ourselves.</rgp:statement><rgp:statement>True to our knowledge.</rgp:statement></rgp:report>';
expect($c1, 2003, 'restore report with one statement: 2003', 'update',
    '<domain:name>gone.test</domain:name><domain:chg/>', ext => qq{<rgp:update xmlns:rgp="$NS{rgp}">}
    . '<rgp:restore op="report">' . ($report =~ s{<rgp:statement>True.*?</rgp:statement>}{}r)
    . '</rgp:restore></rgp:update>');
$r = expect($c1, 1000, 'restore report', 'update', '<domain:name>gone.test</domain:name><domain:chg/>',
    ext => qq{<rgp:update xmlns:rgp="$NS{rgp}"><rgp:restore op="report">$report</rgp:restore></rgp:update>});
is(balance('reg1'), $before - 4000, 'restore report: no second charge');
$r = info($c1, 'gone.test');
is(statuses($r), 'inactive', 'restored: pendingDelete gone');
is(scalar(() = $r->nodes('//rgp:infData')), 0, 'restored: no RGP state');
like($t->sql("SELECT detail FROM history WHERE name = 'gone.test' ORDER BY id DESC LIMIT 1"),
    qr/Registrant error/, 'restore report: kept in the history');

EPPTest::done();
