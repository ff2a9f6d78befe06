#!/usr/bin/perl
# epp_lifecycle.t: moves the registry clock through the life of domains
# (RFC 3915 and the registry's own rules in eppd/domain.h) and checks the
# poll messages and balances at each step:
#
#   day 0    create; a delete in the add grace period refunds and frees
#   day 6    renew grace delete; transfer request (add grace over)
#   day 12   transfer auto-approved, transfer grace delete; deletes
#            start redemption; a restore
#            request with its report restores; another request lapses
#   day 20   the lapsed restore is back in redemptionPeriod
#   day 43   redemption over: pendingDelete
#   day 48   purged: the name is free again
#   day 366  expiry: auto-renew (charged, poll message), or redemption
#            when the sponsor cannot pay; a transfer or a delete in the
#            auto-renew grace period refunds the renewal
#
# Periods are the defaults: add grace 5 days, redemption 30, pending delete
# 5, transfer pending 5, auto-renew grace 45. Prices: 1000 a year, restore
# 4000 (EPPTest).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use EPPTest;
use EPPDomain;
use Test::More;

my $t = EPPTest->new();
my $d = EPPDomain->new($t);
my ($c1, $c2) = map { $t->login($_) } qw(reg1 reg2);
my $PW = $EPPDomain::PW;
my %bal;

# Remembers both balances; delta('reg1') is the change since.
sub mark { %bal = map { $_ => $d->balance($_) } qw(reg1 reg2) }
sub delta { my ($clid) = @_; return $d->balance($clid) - $bal{$clid} }

# Moves the registry clock and waits for the writer's housekeeping.
sub advance {
	my ($by) = @_;
	ok($t->advance_clock($by), "clock $by on");
}

sub restore {
	my ($c, $code, $name, $op, $what) = @_;
	my $report = '<rgp:report><rgp:preData>before</rgp:preData><rgp:postData>after'
	    . '</rgp:postData><rgp:delTime>2026-01-01T00:00:00.0Z</rgp:delTime><rgp:resTime>'
	    . '2026-01-02T00:00:00.0Z</rgp:resTime><rgp:resReason>Registrant error.</rgp:resReason>'
	    . '<rgp:statement>Not for ourselves.</rgp:statement><rgp:statement>True.</rgp:statement>'
	    . '</rgp:report>';
	return $d->expect($c, $code, $what, 'update', "<domain:name>$name</domain:name><domain:chg/>",
	    ext => EPPDomain::rgp($op, $op eq 'report' ? $report : undef));
}

$d->contact_create($c1, 'holder1');
$d->contact_create($c2, 'holder2');
$d->holder('holder1');

# --- day 0: the add grace period ----------------------------------------------------------

mark();
$d->create($c1, 1000, 'quick.test');
is(delta('reg1'), -1000, 'create charged');
is($d->rgp_statuses($d->info($c1, 'quick.test')), 'addPeriod', 'rgpStatus addPeriod');
$d->expect($c1, 1000, 'delete in the add grace period: 1000', 'delete', '<domain:name>quick.test</domain:name>');
is(delta('reg1'), 0, 'add grace delete: refunded in full');
my ($avail) = $d->check_avail($c2, 'quick.test');
is($avail, 1, 'add grace delete: the name is free at once');
$d->create($c2, 1000, 'quick.test', registrant => '<domain:registrant>holder2</domain:registrant>',
    what => 'another registrar takes the name at once');
is(scalar($d->drain($c1)), 0, 'add grace delete: no poll message');

for my $name (qw(aging.test redeem.test lapse.test purged.test moving.test renewed.test)) {
	$d->create($c1, 1000, $name);
}
$d->create($c2, 1000, 'unpaid.test', registrant => '<domain:registrant>holder2</domain:registrant>');
my %exp = map { $_ => $d->info($c1, $_)->text('//domain:exDate') }
    qw(aging.test moving.test renewed.test redeem.test);

# --- day 6: transfer request ----------------------------------------------------------------

advance('6d');
is($d->rgp_statuses($d->info($c1, 'aging.test')), '', 'day 6: the add grace period is over');
mark();
$d->expect($c1, 1000, 'renew after the add grace period', 'renew', '<domain:name>renewed.test'
    . '</domain:name><domain:curExpDate>' . substr($exp{'renewed.test'}, 0, 10)
    . '</domain:curExpDate>');
is($d->rgp_statuses($d->info($c1, 'renewed.test')), 'renewPeriod', 'rgpStatus renewPeriod');
$d->expect($c1, 1001, 'delete in the renew grace period: 1001', 'delete',
    '<domain:name>renewed.test</domain:name>');
is(delta('reg1'), 0, 'renew grace delete: the renewal refunded');
is($d->info($c1, 'renewed.test')->text('//domain:exDate'), $exp{'renewed.test'},
    'renew grace delete: the renewed year taken off');

mark();
$d->expect($c2, 1001, 'transfer request', 'transfer',
    '<domain:name>moving.test</domain:name>' . EPPDomain::auth($PW), op => 'request');
like($d->messages($d->drain($c1)), qr/Transfer requested: moving\.test/,
    'request: poll message for the losing registrar');
is(delta('reg2'), -1000, 'request: the gaining registrar is charged');

# --- day 12: auto-approval, redemption, restore -------------------------------------------------

advance('6d');
my $r = $d->info($c2, 'moving.test', what => 'day 12: info by the gaining registrar');
is($r->text('//domain:clID'), 'reg2', 'transfer auto-approved: reg2 sponsors it');
is(substr($r->text('//domain:exDate'), 0, 4), substr($exp{'moving.test'}, 0, 4) + 1,
    'transfer auto-approved: a year added');
is($d->statuses($r), 'inactive', 'transfer auto-approved: pendingTransfer gone');
$r = $d->expect($c2, 1000, 'transfer query after auto-approval', 'transfer',
    '<domain:name>moving.test</domain:name>', op => 'query');
is($r->text('//domain:trStatus'), 'serverApproved', 'query: serverApproved');
my @m = $d->drain($c2);
like($d->messages(@m), qr/Transfer approved by the registry: moving\.test/,
    'auto-approval: poll message for the gaining registrar');
is($m[0][1]->text('//domain:trnData/domain:trStatus'), 'serverApproved', 'auto-approval: trnData');
like($d->messages($d->drain($c1)), qr/Transfer approved by the registry/,
    'auto-approval: poll message for the losing registrar');
is(delta('reg2') . '/' . delta('reg1'), '-1000/0', 'auto-approval: no further charge');
is($d->rgp_statuses($d->info($c2, 'moving.test')), 'transferPeriod', 'rgpStatus transferPeriod');
$d->expect($c2, 1001, 'delete in the transfer grace period', 'delete',
    '<domain:name>moving.test</domain:name>');
is(delta('reg2'), 0, 'transfer grace delete: the transfer refunded');
is($d->info($c2, 'moving.test')->text('//domain:exDate'), $exp{'moving.test'},
    'transfer grace delete: the transferred year taken off');

mark();
for my $name (qw(redeem.test lapse.test purged.test)) {
	$d->expect($c1, 1001, "delete $name: redemption", 'delete', "<domain:name>$name</domain:name>");
}
is(delta('reg1'), 0, 'delete after grace: no refund');
$r = $d->info($c1, 'redeem.test');
is($d->rgp_statuses($r), 'redemptionPeriod', 'deleted: redemptionPeriod');
like($d->statuses($r), qr/pendingDelete/, 'deleted: pendingDelete');
$r = restore($c1, 1000, 'redeem.test', 'request', 'restore request');
is($r->attr('//rgp:upData/rgp:rgpStatus', 's'), 'pendingRestore', 'restore request: pendingRestore');
is($d->rgp_statuses($d->info($c1, 'redeem.test')), 'pendingRestore', 'info: pendingRestore');
restore($c1, 1000, 'redeem.test', 'report', 'restore report');
$r = $d->info($c1, 'redeem.test');
is($d->statuses($r) . '|' . $d->rgp_statuses($r), 'inactive|', 'restored: no pendingDelete, no RGP');
is(delta('reg1'), -4000, 'restore charged once');
restore($c1, 1000, 'lapse.test', 'request', 'restore request without a report to follow');
is(delta('reg1'), -8000, 'second restore request charged');

# --- day 20: the restore without a report lapses ------------------------------------------------

advance('8d');
is($d->rgp_statuses($d->info($c1, 'lapse.test')), 'redemptionPeriod',
    'day 20: no report in 7 days: back in redemptionPeriod');
like($d->messages($d->drain($c1)), qr/No restore report received.*: lapse\.test/,
    'lapse: poll message');

# --- day 43: redemption over ---------------------------------------------------------------------

advance('23d');
for my $name (qw(purged.test lapse.test)) {
	$r = $d->info($c1, $name);
	is($d->rgp_statuses($r), 'pendingDelete', "day 43: $name pendingDelete");
	like($d->statuses($r), qr/pendingDelete/, "day 43: $name EPP status pendingDelete");
}
like($d->messages($d->drain($c1)), qr/Redemption period over.*purged\.test|purged\.test.*Redemption/s,
    'redemption over: poll message');
restore($c1, 2304, 'purged.test', 'request', 'restore in pendingDelete: 2304');
($avail) = $d->check_avail($c2, 'purged.test');
is($avail, 0, 'pendingDelete: the name is not free yet');

# --- day 48: purge ----------------------------------------------------------------------------------

advance('5d');
$d->info($c1, 'purged.test', code => 2303, what => 'day 48: purged.test is gone');
($avail) = $d->check_avail($c2, 'purged.test');
is($avail, 1, 'purge: the name is free again');
like($d->messages($d->drain($c1)), qr/Purged: purged\.test/, 'purge: poll message');
$d->create($c2, 1000, 'purged.test', registrant => '<domain:registrant>holder2</domain:registrant>',
    what => 'a purged name can be registered again');
is($t->sql("SELECT count(*) FROM domain WHERE name = 'lapse.test'"), 0, 'lapse.test purged too');

# --- day 366: expiry --------------------------------------------------------------------------------

$t->sql("UPDATE registrar_account SET balance = 0, credit_limit = 0 WHERE registrar_id = "
    . "(SELECT id FROM registrar WHERE handle = 'reg2')");
mark();
advance('318d');
$r = $d->info($c1, 'aging.test', what => 'day 366: aging.test');
is(substr($r->text('//domain:exDate'), 0, 4), substr($exp{'aging.test'}, 0, 4) + 1,
    'auto-renew: a year added');
is($d->rgp_statuses($r), 'autoRenewPeriod', 'auto-renew: rgpStatus autoRenewPeriod');
@m = $d->drain($c1);
is(scalar(grep { $_->[0] =~ /^Auto-renewed: (aging|redeem)\.test$/ } @m), 2,
    'auto-renew: a poll message for each of reg1\'s two domains');
my ($ren) = grep { $_->[0] =~ /aging/ } @m;
is($ren->[1]->text('//domain:renData/domain:exDate'), $r->text('//domain:exDate'),
    'auto-renew: renData carries the new expiry');
is(delta('reg1'), -2000, 'auto-renew: reg1 charged a year for each');
$r = $d->info($c2, 'unpaid.test', what => 'unpaid.test after expiry');
is($d->rgp_statuses($r), 'redemptionPeriod', 'no funds: expired into redemption');
like($d->messages($d->drain($c2)), qr/Expired, not renewed \(insufficient funds\).*: unpaid\.test/,
    'no funds: poll message');
is(delta('reg2'), 0, 'no funds: nothing charged');

# A transfer in the auto-renew grace period: the losing registrar gets
# the renewal back and the transfer's year replaces it.
$t->sql("UPDATE registrar_account SET balance = 1000000 WHERE registrar_id = "
    . "(SELECT id FROM registrar WHERE handle = 'reg2')");
mark();
$d->expect($c2, 1001, 'transfer request in the auto-renew grace period', 'transfer',
    '<domain:name>redeem.test</domain:name>' . EPPDomain::auth($PW), op => 'request');
$d->expect($c1, 1000, 'approved', 'transfer', '<domain:name>redeem.test</domain:name>',
    op => 'approve');
is(delta('reg1') . '/' . delta('reg2'), '1000/-1000',
    'transfer in auto-renew grace: the loser refunded, the winner charged');
is(substr($d->info($c2, 'redeem.test')->text('//domain:exDate'), 0, 4),
    substr($exp{'redeem.test'}, 0, 4) + 1, 'transfer in auto-renew grace: one year on, not two');

mark();
$d->expect($c1, 1001, 'delete in the auto-renew grace period', 'delete', '<domain:name>aging.test</domain:name>');
is(delta('reg1'), 1000, 'auto-renew grace delete: the renewal refunded');
is($d->info($c1, 'aging.test')->text('//domain:exDate'), $exp{'aging.test'},
    'auto-renew grace delete: the year taken off again');

EPPTest::done();
