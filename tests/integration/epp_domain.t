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
use EPPDomain;
use Test::More;

my $t = EPPTest->new(registrars => [qw(reg1 reg2 reg3)]);
my %NS = %EPPTest::NS;
my ($c1, $c2, $c3) = map { $t->login($_) } qw(reg1 reg2 reg3);

my $d = EPPDomain->new($t);
$d->holder('holder1');
sub dom { return EPPDomain::dom(@_) }
sub auth { return EPPDomain::auth(@_) }

# --- helpers ------------------------------------------------------------------------

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

$d->contact_create($c1, 'holder1');
$d->contact_create($c1, 'admin1');
$d->contact_create($c2, 'holder2');
$d->contact_create($c3, 'holder3');
$d->host_create($c1, $_) for qw(ns1.example.net ns2.example.net ns3.example.net);

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

my $before = $d->balance('reg1');
$r = $d->create($c1, 1000, 'alpha.test', ns => [qw(ns1.example.net ns2.example.net)],
    contacts => [[admin => 'admin1'], [tech => 'admin1']],
    ext => secdns('create', '<secDNS:maxSigLife>604800</secDNS:maxSigLife>' . ds(12345, $DIG1)));
is($r->text('//domain:creData/domain:name'), 'alpha.test', 'creData name');
like($r->text('//domain:creData/domain:exDate'), qr/^\d{4}-/, 'creData exDate');
is($d->balance('reg1'), $before - 1000, 'create charged one year');
my ($avail, $why) = $d->check_avail($c2, 'alpha.test');
is("$avail/$why", '0/In use', 'check after create: in use');

$before = $d->balance('reg1');
$r = $d->create($c1, 1000, 'beta.test', period => 2);
my ($cr, $ex) = ($r->text('//domain:crDate'), $r->text('//domain:exDate'));
is(substr($ex, 0, 4) - substr($cr, 0, 4), 2, 'two-year create: exDate two years on');
is($d->balance('reg1'), $before - 2000, 'two-year create charged twice the price');

$d->create($c2, 2302, 'alpha.test', registrant => '<domain:registrant>holder2</domain:registrant>',
    what => 'create of a registered name: 2302');
$r = $d->create($c1, 2302, 'kept.test', what => 'reserved name: 2302');
like($r->reason, qr/reserved/, 'reserved: reason says so');
$d->create($c1, 2306, 'banned.test', what => 'blocked name: 2306');
$r = $d->create($c1, 2306, 'alpha.example', what => 'foreign zone: 2306');
like($r->reason, qr/zone/i, 'foreign zone: reason');
$d->create($c1, 2005, '-bad.test', what => 'bad syntax: 2005');
$r = $d->create($c1, 1000, "r\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s.test", what => 'IDN create (U-label)');
is($r->text('//domain:creData/domain:name'), 'xn--rksmrgs-5wao1o.test', 'IDN stored as A-label');
$r = $d->create($c1, 2306, "\xc3\xbeing.test", what => 'IDN outside the table: 2306');
like($r->reason, qr/U\+00FE/, 'bad IDN: reason names the code point');
$d->create($c1, 2303, 'gamma.test', registrant => '<domain:registrant>nobody</domain:registrant>',
    what => 'unknown registrant: 2303');
$d->create($c1, 2303, 'gamma.test', contacts => [[admin => 'nobody']], what => 'unknown contact: 2303');
$d->create($c1, 2303, 'gamma.test', ns => ['ns9.example.net'], what => 'unknown host: 2303');
$d->create($c1, 2003, 'gamma.test', registrant => undef, what => 'no registrant: 2003');
$d->create($c1, 2306, 'gamma.test', ns => [map { "ns$_.example.org" } 1 .. 14],
    what => 'fourteen name servers: 2306');
$d->create($c1, 2306, 'gamma.test', ns => [qw(ns1.example.net ns1.example.net)],
    what => 'the same name server twice: 2306');
$d->create($c1, 2004, 'gamma.test', period => 11, what => 'eleven years: 2004');
$d->create($c1, 2306, 'gamma.test', pw => 'abc', what => 'short authInfo: 2306');
$d->expect($c1, 2102, 'hostAttr: 2102', 'create', '<domain:name>gamma.test</domain:name>'
    . '<domain:ns><domain:hostAttr><domain:hostName>ns.example.org</domain:hostName>'
    . '</domain:hostAttr></domain:ns><domain:registrant>holder1</domain:registrant>'
    . auth('Secret-pw1'));
$d->create($c1, 2306, 'gamma.test', ext => secdns('create', '<secDNS:keyData><secDNS:flags>257'
    . '</secDNS:flags><secDNS:protocol>3</secDNS:protocol><secDNS:alg>13</secDNS:alg>'
    . '<secDNS:pubKey>AQID</secDNS:pubKey></secDNS:keyData>'), what => 'keyData interface: 2306');
$d->create($c1, 2306, 'gamma.test', ext => secdns('create', ds(1, 'ABCD')),
    what => 'DS digest of the wrong length: 2306');
$d->create($c1, 2306, 'gamma.test', ext => secdns('create', ds(1, 'A' x 40, 3)),
    what => 'unknown digest type: 2306');
($avail) = $d->check_avail($c1, 'gamma.test');
is($avail, 1, 'none of the refused creates left gamma.test behind');

# --- info ------------------------------------------------------------------------------------

$r = $c1->command(qq{<create><host:create xmlns:host="$NS{host}"><host:name>ns1.alpha.test}
    . q{</host:name><host:addr ip="v4">192.0.2.1</host:addr></host:create></create>});
$t->code_is($r, 1000, 'in-zone host of alpha.test');
$r = $d->info($c1, 'alpha.test');
is($r->text('//domain:registrant'), 'holder1', 'info: registrant');
is(join(',', sort $r->texts('//domain:contact')), 'admin1,admin1', 'info: contacts');
is(join(',', $r->texts('//domain:ns/domain:hostObj')), 'ns1.example.net,ns2.example.net', 'info: ns');
is(join(',', $r->texts('//domain:infData/domain:host')), 'ns1.alpha.test', 'info: subordinate host');
is($r->text('//domain:authInfo/domain:pw'), 'Secret-pw1', 'info: authInfo for the sponsor');
is($d->statuses($r), 'ok', 'info: status ok');
is($r->text('//secDNS:infData/secDNS:maxSigLife'), '604800', 'info: maxSigLife');
is($r->text('//secDNS:dsData/secDNS:digest'), $DIG1, 'info: DS digest');
is($r->attr('//rgp:infData/rgp:rgpStatus', 's'), 'addPeriod', 'info: rgpStatus addPeriod');
for ([del => 2, 0], [sub => 0, 1], [none => 0, 0], [all => 2, 1]) {
	my ($h, $nns, $nhost) = @$_;
	$r = $d->info($c1, 'alpha.test', hosts => $h);
	is(scalar(() = $r->nodes('//domain:hostObj')) . '/' . scalar(() = $r->nodes('//domain:infData/domain:host')),
	    "$nns/$nhost", "info hosts=$h: $nns name servers, $nhost subordinate hosts");
}
$r = $d->info($c2, 'alpha.test', what => 'info by another registrar');
is($r->text('//domain:clID'), 'reg1', 'other registrar: clID shown');
is($r->text('//domain:registrant'), undef, 'other registrar: no registrant');
is($r->text('//domain:authInfo/domain:pw'), undef, 'other registrar: no authInfo');
$r = $d->info($c2, 'alpha.test', pw => 'Secret-pw1', what => 'info with the right authInfo');
is($r->text('//domain:authInfo/domain:pw'), 'Secret-pw1', 'right authInfo: everything shown');
$d->info($c2, 'alpha.test', pw => 'Wrong-pw99', code => 2202, what => 'wrong authInfo: 2202');
$d->info($c1, 'nowhere.test', code => 2303, what => 'info of an unknown domain: 2303');
is($d->statuses($d->info($c1, 'beta.test')), 'inactive', 'no name servers: inactive');

# --- update -------------------------------------------------------------------------------------

$d->expect($c2, 2201, 'update by another registrar: 2201', 'update',
    '<domain:name>alpha.test</domain:name><domain:add>' . $d->ns('ns3.example.net') . '</domain:add>');
$d->expect($c1, 1000, 'update: add ns, contact and status, chg registrant and authInfo', 'update',
    '<domain:name>beta.test</domain:name><domain:add>' . $d->ns('ns3.example.net')
    . '<domain:contact type="billing">admin1</domain:contact><domain:status s="clientHold">'
    . 'checking</domain:status></domain:add><domain:chg><domain:registrant>admin1'
    . '</domain:registrant>' . auth('New-secret2') . '</domain:chg>');
$r = $d->info($c1, 'beta.test');
is($d->statuses($r), 'clientHold', 'update: clientHold, no longer inactive');
is($r->text('//domain:status'), 'checking', 'update: status reason kept');
is($r->text('//domain:registrant'), 'admin1', 'update: registrant changed');
is($r->text('//domain:contact[@type="billing"]'), 'admin1', 'update: contact added');
is($r->text('//domain:authInfo/domain:pw'), 'New-secret2', 'update: authInfo changed');
is($r->text('//domain:upID'), 'reg1', 'update: upID');
$d->expect($c1, 1000, 'update: rem ns, contact and status', 'update',
    '<domain:name>beta.test</domain:name><domain:rem>' . $d->ns('ns3.example.net')
    . '<domain:contact type="billing">admin1</domain:contact><domain:status s="clientHold"/>'
    . '</domain:rem>');
is($d->statuses($d->info($c1, 'beta.test')), 'inactive', 'update: back to inactive');
$d->expect($c1, 2306, 'update: a server status: 2306', 'update',
    '<domain:name>beta.test</domain:name><domain:add><domain:status s="serverHold"/></domain:add>');
$d->expect($c1, 2306, 'update: removing a status it lacks: 2306', 'update',
    '<domain:name>beta.test</domain:name><domain:rem><domain:status s="clientHold"/></domain:rem>');
$d->expect($c1, 2306, 'update: removing a name server it lacks: 2306', 'update',
    '<domain:name>beta.test</domain:name><domain:rem>' . $d->ns('ns1.example.net') . '</domain:rem>');
$d->expect($c1, 2303, 'update: adding an unknown host: 2303', 'update',
    '<domain:name>beta.test</domain:name><domain:add>' . $d->ns('ns8.example.net') . '</domain:add>');
$d->expect($c1, 2306, 'update: adding a contact it has: 2306', 'update',
    '<domain:name>alpha.test</domain:name><domain:add><domain:contact type="admin">admin1'
    . '</domain:contact></domain:add>');
$d->expect($c1, 2303, 'update of an unknown domain: 2303', 'update', '<domain:name>nowhere.test</domain:name>');

# clientUpdateProhibited locks everything but its own removal.
$d->expect($c1, 1000, 'update: add clientUpdateProhibited', 'update',
    '<domain:name>beta.test</domain:name><domain:add><domain:status s="clientUpdateProhibited"/>'
    . '</domain:add>');
$d->expect($c1, 2304, 'clientUpdateProhibited: update refused', 'update',
    '<domain:name>beta.test</domain:name><domain:add>' . $d->ns('ns3.example.net') . '</domain:add>');
$t->regctl('domain', 'status', 'set', 'beta.test', 'serverUpdateProhibited');
$d->expect($c1, 2304, 'serverUpdateProhibited: even unlocking is refused', 'update',
    '<domain:name>beta.test</domain:name><domain:rem><domain:status s="clientUpdateProhibited"/>'
    . '</domain:rem>');
$t->regctl('domain', 'status', 'clear', 'beta.test', 'serverUpdateProhibited');
$d->expect($c1, 1000, 'clientUpdateProhibited: removing it is allowed', 'update',
    '<domain:name>beta.test</domain:name><domain:rem><domain:status s="clientUpdateProhibited"/>'
    . '</domain:rem>');

# secDNS: add, rem, rem all, maxSigLife, urgent.
$d->expect($c1, 1000, 'secDNS add', 'update', '<domain:name>alpha.test</domain:name>',
    ext => secdns('update', '<secDNS:add>' . ds(222, $DIG2) . '</secDNS:add>'));
$r = $d->info($c1, 'alpha.test');
is(scalar(() = $r->nodes('//secDNS:dsData')), 2, 'secDNS add: two DS records');
ok(grep({ $_ eq uc $DIG2 } $r->texts('//secDNS:digest')), 'secDNS add: digest stored upper case');
$d->expect($c1, 1000, 'secDNS rem one, add one, chg maxSigLife', 'update',
    '<domain:name>alpha.test</domain:name>', ext => secdns('update', '<secDNS:rem>'
    . ds(12345, $DIG1) . '</secDNS:rem><secDNS:add>' . ds(333, $DIG3) . '</secDNS:add>'
    . '<secDNS:chg><secDNS:maxSigLife>86400</secDNS:maxSigLife></secDNS:chg>'));
$r = $d->info($c1, 'alpha.test');
is(join(',', sort $r->texts('//secDNS:keyTag')), '222,333', 'secDNS rem+add: the right records');
is($r->text('//secDNS:maxSigLife'), '86400', 'secDNS chg: maxSigLife');
$d->expect($c1, 2306, 'secDNS rem of a record not there: 2306', 'update',
    '<domain:name>alpha.test</domain:name>',
    ext => secdns('update', '<secDNS:rem>' . ds(12345, $DIG1) . '</secDNS:rem>'));
$d->expect($c1, 2102, 'secDNS urgent: 2102', 'update', '<domain:name>alpha.test</domain:name>',
    ext => secdns('update', '<secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem>',
    ' urgent="true"'));
$d->expect($c1, 1000, 'secDNS rem all', 'update', '<domain:name>alpha.test</domain:name>',
    ext => secdns('update', '<secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem>'));
$r = $d->info($c1, 'alpha.test');
is(scalar(() = $r->nodes('//secDNS:infData')), 0, 'secDNS rem all: no DS data left');

# --- renew -----------------------------------------------------------------------------------------

$r = $d->info($c1, 'beta.test');
my $exp = substr($r->text('//domain:exDate'), 0, 10);
$d->expect($c1, 2306, 'renew with the wrong curExpDate: 2306', 'renew',
    '<domain:name>beta.test</domain:name><domain:curExpDate>2001-01-01</domain:curExpDate>');
$d->expect($c2, 2201, 'renew by another registrar: 2201', 'renew',
    "<domain:name>beta.test</domain:name><domain:curExpDate>$exp</domain:curExpDate>");
$d->expect($c1, 2306, 'renew beyond ten years: 2306', 'renew',
    "<domain:name>beta.test</domain:name><domain:curExpDate>$exp</domain:curExpDate>"
    . '<domain:period unit="y">9</domain:period>');
$before = $d->balance('reg1');
$r = $d->expect($c1, 1000, 'renew three years', 'renew',
    "<domain:name>beta.test</domain:name><domain:curExpDate>$exp</domain:curExpDate>"
    . '<domain:period unit="y">3</domain:period>');
is(substr($r->text('//domain:renData/domain:exDate'), 0, 4), substr($exp, 0, 4) + 3,
    'renew: exDate three years on');
is($d->balance('reg1'), $before - 3000, 'renew charged three years');
$d->expect($c1, 2306, 'renew repeated with the old curExpDate: 2306', 'renew',
    "<domain:name>beta.test</domain:name><domain:curExpDate>$exp</domain:curExpDate>");
$d->expect($c1, 1000, 'clientRenewProhibited on', 'update', '<domain:name>alpha.test</domain:name>'
    . '<domain:add><domain:status s="clientRenewProhibited"/></domain:add>');
$exp = substr($d->info($c1, 'alpha.test')->text('//domain:exDate'), 0, 10);
$d->expect($c1, 2304, 'clientRenewProhibited: renew refused', 'renew',
    "<domain:name>alpha.test</domain:name><domain:curExpDate>$exp</domain:curExpDate>");

# --- insufficient funds ------------------------------------------------------------------------------

$t->sql("UPDATE registrar_account SET balance = 500, credit_limit = 0 WHERE registrar_id = "
    . "(SELECT id FROM registrar WHERE handle = 'reg3')");
my $ledger = $t->sql('SELECT count(*) FROM ledger');
$r = $d->create($c3, 2104, 'poor.test', registrant => '<domain:registrant>holder3</domain:registrant>',
    what => 'create without the money: 2104');
($avail) = $d->check_avail($c3, 'poor.test');
is($avail, 1, '2104: the domain was not created');
is($d->balance('reg3'), 500, '2104: the balance is unchanged');
is($t->sql('SELECT count(*) FROM ledger'), $ledger, '2104: no ledger entry');
is($t->sql("SELECT count(*) FROM history WHERE name = 'poor.test'"), 0, '2104: no history');
$t->sql("UPDATE registrar_account SET balance = 1000000, credit_limit = 1000000 WHERE "
    . "registrar_id = (SELECT id FROM registrar WHERE handle = 'reg3')");

# --- two registrars, one name, one moment -------------------------------------------------------------

my %doc;
for ([$c2, 'holder2'], [$c3, 'holder3']) {
	my ($c, $holder) = @$_;
	$doc{$c} = qq{<?xml version="1.0" encoding="UTF-8"?><epp xmlns="$NS{epp}"><command>}
	    . dom('create', $d->create_xml('race.test', registrant => "<domain:registrant>$holder"
	    . '</domain:registrant>')) . '<clTRID>RACE-' . $holder . '</clTRID></command></epp>';
}
$_->{epp}->send_frame($doc{$_}) for $c2, $c3;
my @codes = sort map { $_->read_response('race')->code } $c2, $c3;
is("@codes", '1000 2302', 'two creates of one name at once: one 1000, one 2302');
is($t->sql("SELECT count(*) FROM domain WHERE name = 'race.test'"), 1, 'race: one row');

# --- delete ------------------------------------------------------------------------------------------

$d->expect($c2, 2201, 'delete by another registrar: 2201', 'delete', '<domain:name>alpha.test</domain:name>');
$r = $d->expect($c1, 2305, 'delete with a subordinate host: 2305', 'delete',
    '<domain:name>alpha.test</domain:name>');
like($r->reason, qr/ns1\.alpha\.test/, '2305: the reason names the host');
$d->expect($c1, 1000, 'clientDeleteProhibited on', 'update', '<domain:name>beta.test</domain:name>'
    . '<domain:add><domain:status s="clientDeleteProhibited"/></domain:add>');
$d->expect($c1, 2304, 'clientDeleteProhibited: delete refused', 'delete', '<domain:name>beta.test</domain:name>');
$d->expect($c1, 1000, 'clientDeleteProhibited off', 'update', '<domain:name>beta.test</domain:name>'
    . '<domain:rem><domain:status s="clientDeleteProhibited"/></domain:rem>');
$before = $d->balance('reg1');
$d->expect($c1, 1000, 'delete in the add grace period: 1000', 'delete', '<domain:name>beta.test</domain:name>');
is($d->balance('reg1'), $before + 2000 + 3000, 'add grace delete refunds the create and the renew');
($avail) = $d->check_avail($c1, 'beta.test');
is($avail, 1, 'add grace delete: the name is free at once');
$d->expect($c1, 2303, 'delete of an unknown domain: 2303', 'delete', '<domain:name>beta.test</domain:name>');

# --- after the add grace period: transfers, redemption, restore -----------------------------------

$d->create($c1, 1000, 'moving.test', ns => ['ns1.example.net']);
$d->create($c1, 1000, 'gone.test');
$d->expect($c2, 2106, 'transfer request in the add grace period: 2106', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'request');
ok($t->advance_clock('6d'), 'clock six days on');
$d->host_create($c1, 'ns1.moving.test', '192.0.2.7');
$d->drain($_) for $c1, $c2, $c3;

$d->expect($c1, 2106, 'transfer request by the sponsor: 2106', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'request');
$d->expect($c2, 2003, 'transfer request without authInfo: 2003', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'request');
$d->expect($c2, 2202, 'transfer request with the wrong authInfo: 2202', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Wrong-pw99'), op => 'request');
$d->expect($c2, 2301, 'transfer query before any transfer: 2301', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'query');

# request, then reject
my %bal = map { $_ => $d->balance($_) } qw(reg1 reg2);
$r = $d->expect($c2, 1001, 'transfer request: 1001', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'request');
is($r->text('//domain:trStatus'), 'pending', 'request: trStatus pending');
is($r->text('//domain:reID') . '/' . $r->text('//domain:acID'), 'reg2/reg1', 'request: reID/acID');
is($d->balance('reg2'), $bal{reg2} - 1000, 'request: the gaining registrar is charged');
is($d->statuses($d->info($c1, 'moving.test')), 'pendingTransfer', 'request: pendingTransfer');
my @m = $d->drain($c1);
is(scalar(@m), 1, 'request: one poll message for the losing registrar');
like($m[0][0] // '', qr/Transfer requested/, 'request: the message');
is($m[0][1]->text('//domain:trnData/domain:trStatus'), 'pending', 'request: trnData in the poll message');
$d->expect($c3, 2300, 'a second request while pending: 2300', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'request');
$d->expect($c1, 2304, 'update while pending transfer: 2304', 'update',
    '<domain:name>moving.test</domain:name><domain:add>' . $d->ns('ns2.example.net') . '</domain:add>');
$d->expect($c2, 1000, 'transfer query by the gaining registrar', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'query');
$d->expect($c1, 1000, 'transfer query by the sponsor', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'query');
$d->expect($c3, 2201, 'transfer query by a third registrar: 2201', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'query');
$d->expect($c3, 1000, 'transfer query by a third registrar with authInfo', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'query');
$d->expect($c2, 2201, 'reject by the gaining registrar: 2201', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'reject');
$r = $d->expect($c1, 1000, 'reject by the sponsor', 'transfer', '<domain:name>moving.test</domain:name>',
    op => 'reject');
is($r->text('//domain:trStatus'), 'clientRejected', 'reject: trStatus');
is($d->balance('reg2'), $bal{reg2}, 'reject: the gaining registrar is refunded');
@m = $d->drain($c2);
like(join('|', map { $_->[0] } @m), qr/Transfer rejected/, 'reject: poll message for the gaining registrar');
is($d->statuses($d->info($c1, 'moving.test')), 'ok', 'reject: status back to ok');
$d->expect($c1, 2301, 'approve with nothing pending: 2301', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'approve');

# request, then cancel
$d->expect($c2, 1001, 'transfer request again', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'request');
$d->expect($c1, 2201, 'cancel by the sponsor: 2201', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'cancel');
$r = $d->expect($c2, 1000, 'cancel by the gaining registrar', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'cancel');
is($r->text('//domain:trStatus'), 'clientCancelled', 'cancel: trStatus');
is($d->balance('reg2'), $bal{reg2}, 'cancel: refunded');
$d->drain($_) for $c1, $c2;

# request, then approve: the domain and its subordinate host move
my $old_exp = $d->info($c1, 'moving.test')->text('//domain:exDate');
$d->expect($c2, 1001, 'transfer request a third time', 'transfer',
    '<domain:name>moving.test</domain:name><domain:period unit="y">2</domain:period>'
    . auth('Secret-pw1'), op => 'request');
$d->expect($c2, 2201, 'approve by the gaining registrar: 2201', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'approve');
$r = $d->expect($c1, 1000, 'approve by the sponsor', 'transfer', '<domain:name>moving.test</domain:name>',
    op => 'approve');
is($r->text('//domain:trStatus'), 'clientApproved', 'approve: trStatus');
$r = $d->info($c2, 'moving.test', what => 'info by the new sponsor');
is($r->text('//domain:clID'), 'reg2', 'approve: reg2 sponsors it');
is(substr($r->text('//domain:exDate'), 0, 4), substr($old_exp, 0, 4) + 2, 'approve: two years added');
ok($r->text('//domain:trDate'), 'approve: trDate');
is($d->balance('reg2'), $bal{reg2} - 2000, 'approve: two years charged');
is($d->balance('reg1'), $bal{reg1}, 'approve: the losing registrar pays nothing');
$r = $c2->command(qq{<info><host:info xmlns:host="$NS{host}"><host:name>ns1.moving.test}
    . '</host:name></host:info></info>');
is($r->text('//host:clID'), 'reg2', 'approve: the subordinate host moved too');
like(join('|', map { $_->[0] } $d->drain($c2)), qr/Transfer approved/, 'approve: poll message for the gaining registrar');
$d->expect($c1, 2201, 'the old sponsor may no longer update', 'update',
    '<domain:name>moving.test</domain:name><domain:add>' . $d->ns('ns2.example.net') . '</domain:add>');
$d->expect($c3, 2106, 'transfer within the transfer grace period: 2106', 'transfer',
    '<domain:name>moving.test</domain:name>' . auth('Secret-pw1'), op => 'request');
$t->regctl('domain', 'status', 'set', 'alpha.test', 'serverTransferProhibited');
$d->expect($c2, 2304, 'serverTransferProhibited: request refused', 'transfer',
    '<domain:name>alpha.test</domain:name>' . auth('Secret-pw1'), op => 'request');

# delete outside grace, restore request and report
$d->expect($c1, 2304, 'restore of a domain not in redemption: 2304', 'update',
    '<domain:name>gone.test</domain:name><domain:chg/>',
    ext => EPPDomain::rgp('request'));
$before = $d->balance('reg1');
$d->expect($c1, 1001, 'delete after the add grace period: 1001', 'delete', '<domain:name>gone.test</domain:name>');
is($d->balance('reg1'), $before, 'delete after grace: no refund');
$r = $d->info($c1, 'gone.test');
is($d->statuses($r), 'inactive pendingDelete', 'deleted: pendingDelete (and still inactive)');
is($r->attr('//rgp:rgpStatus', 's'), 'redemptionPeriod', 'deleted: redemptionPeriod');
($avail) = $d->check_avail($c2, 'gone.test');
is($avail, 0, 'in redemption the name is not free');
$d->expect($c1, 2304, 'renew in redemption: 2304', 'renew', '<domain:name>gone.test</domain:name>'
    . '<domain:curExpDate>' . substr($r->text('//domain:exDate'), 0, 10) . '</domain:curExpDate>');
$d->expect($c1, 2304, 'update in redemption: 2304', 'update', '<domain:name>gone.test</domain:name>'
    . '<domain:add>' . $d->ns('ns1.example.net') . '</domain:add>');
$d->expect($c2, 2201, 'restore by another registrar: 2201', 'update',
    '<domain:name>gone.test</domain:name><domain:chg/>',
    ext => EPPDomain::rgp('request'));
$d->expect($c1, 2306, 'restore that also changes the domain: 2306', 'update',
    '<domain:name>gone.test</domain:name><domain:add>' . $d->ns('ns1.example.net') . '</domain:add>',
    ext => EPPDomain::rgp('request'));
$r = $d->expect($c1, 1000, 'restore request', 'update', '<domain:name>gone.test</domain:name><domain:chg/>',
    ext => EPPDomain::rgp('request'));
is($r->attr('//rgp:upData/rgp:rgpStatus', 's'), 'pendingRestore', 'restore request: upData pendingRestore');
is($d->balance('reg1'), $before - 4000, 'restore request: the restore price charged');
my $report = '<rgp:report><rgp:preData>before</rgp:preData><rgp:postData>after</rgp:postData>'
    . '<rgp:delTime>2026-01-01T00:00:00.0Z</rgp:delTime><rgp:resTime>2026-01-02T00:00:00.0Z'
    . '</rgp:resTime><rgp:resReason>Registrant error.</rgp:resReason><rgp:statement>Not for '
    . 'ourselves.</rgp:statement><rgp:statement>True to our knowledge.</rgp:statement></rgp:report>';
$d->expect($c1, 2003, 'restore report with one statement: 2003', 'update',
    '<domain:name>gone.test</domain:name><domain:chg/>', ext => EPPDomain::rgp('report', $report =~ s{<rgp:statement>True.*?</rgp:statement>}{}r));
$r = $d->expect($c1, 1000, 'restore report', 'update', '<domain:name>gone.test</domain:name><domain:chg/>',
    ext => EPPDomain::rgp('report', $report));
is($d->balance('reg1'), $before - 4000, 'restore report: no second charge');
$r = $d->info($c1, 'gone.test');
is($d->statuses($r), 'inactive', 'restored: pendingDelete gone');
is(scalar(() = $r->nodes('//rgp:infData')), 0, 'restored: no RGP state');
like($t->sql("SELECT detail FROM history WHERE name = 'gone.test' ORDER BY id DESC LIMIT 1"),
    qr/Registrant error/, 'restore report: kept in the history');

# --- a price change while a transfer is pending ---------------------------------------------------
# What the gaining registrar paid at the request comes back on reject or
# cancel, and an approved transfer's grace period holds it, whatever the
# price is by then.

sub reprice {
	my ($price) = @_;
	$t->stop;
	$t->{opts}{prices} = { transfer => $price };
	$t->write_conf;
	$t->start;
	return map { $t->login($_) } qw(reg1 reg2);
}
sub request_transfer {
	my ($c, $what) = @_;
	return $d->expect($c, 1001, $what, 'transfer', '<domain:name>repriced.test</domain:name>'
	    . auth('Secret-pw1'), op => 'request');
}
sub transfer_op {
	my ($c, $op) = @_;
	return $d->expect($c, 1000, "transfer $op", 'transfer',
	    '<domain:name>repriced.test</domain:name>', op => $op);
}

$d->create($c1, 1000, 'repriced.test', ns => ['ns1.example.net']);
ok($t->advance_clock('6d'), 'clock past the add grace period');
my $start = $d->balance('reg2');
request_transfer($c2, 'transfer request at 1000');
is($d->balance('reg2'), $start - 1000, 'charged 1000');
($c1, $c2) = reprice(2500);
transfer_op($c1, 'reject');
is($d->balance('reg2'), $start, 'rejected after the price rose to 2500: 1000 back, not 2500');
request_transfer($c2, 'transfer request at 2500');
is($d->balance('reg2'), $start - 2500, 'charged 2500');
($c1, $c2) = reprice(1000);
transfer_op($c2, 'cancel');
is($d->balance('reg2'), $start, 'cancelled after the price fell to 1000: 2500 back');
request_transfer($c2, 'transfer request at 1000 again');
($c1, $c2) = reprice(4000);
transfer_op($c1, 'approve');
is($t->sql("SELECT amount FROM grace JOIN domain ON domain.id = domain_id "
    . "WHERE name = 'repriced.test' AND period = 'transferPeriod'"), 1000,
    'approved after the price rose: the transfer grace period holds the 1000 paid');
is($t->sql("SELECT count(*) FROM transfer_paid"), 0, 'nothing kept once the transfers ended');

EPPTest::done();
