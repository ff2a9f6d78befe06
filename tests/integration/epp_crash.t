#!/usr/bin/perl
# epp_crash.t: durability of answered transforms. Several sessions create
# domains as fast as eppd answers; eppd and its writer are killed with
# SIGKILL in the middle of the burst and started again. Every create that
# was answered 1000 must be there, and nothing may be half there: each
# domain with its registrant, contacts, status, authInfo, history entry
# and ledger debit, the database intact. Then a writer kept from the
# database answers 2400 and leaves nothing behind.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use EPPTest;
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);

my $WORKERS = 4;
my $MIN_ACKED = 40;	# answered creates before the kill
my $BURST_MAX = 20;	# seconds to wait for them
my $PRICE = 1000;	# [prices] create, per year

my $t = EPPTest->new(registrars => ['reg1'], prices => { create => $PRICE });
my $DOM = qq{xmlns:domain="$EPPTest::NS{domain}"};
my $CON = qq{xmlns:contact="$EPPTest::NS{contact}"};

my $c = $t->login('reg1');
for my $id (qw(crash-reg crash-adm crash-tech)) {
	$t->code_is($c->command(qq{<create><contact:create $CON><contact:id>$id</contact:id>}
	    . q{<contact:postalInfo type="int"><contact:name>Crash Test</contact:name>}
	    . q{<contact:addr><contact:city>Oslo</contact:city><contact:cc>NO</contact:cc>}
	    . q{</contact:addr></contact:postalInfo><contact:email>crash@example.no</contact:email>}
	    . q{<contact:authInfo><contact:pw>Crash-Pw1</contact:pw></contact:authInfo>}
	    . q{</contact:create></create>}), 1000, "contact $id");
}
$c->logout;
my $balance0 = $t->sql('SELECT balance FROM registrar_account');

sub create_xml {
	my ($name) = @_;
	return qq{<create><domain:create $DOM><domain:name>$name</domain:name>}
	    . q{<domain:period unit="y">2</domain:period><domain:registrant>crash-reg}
	    . q{</domain:registrant><domain:contact type="admin">crash-adm</domain:contact>}
	    . q{<domain:contact type="tech">crash-tech</domain:contact><domain:authInfo>}
	    . q{<domain:pw>Crash-Dom1</domain:pw></domain:authInfo></domain:create></create>};
}

# A worker: creates until the connection dies, noting each 1000.
sub worker {
	my ($i) = @_;
	$EPPTest::VALIDATE = 0;
	my $w = $t->client('reg1');
	my $r = $w->login;
	POSIX::_exit(1) unless $r && $r->code == 1000;
	open(my $acked, '>>', $t->dir . "/acked-$i") or POSIX::_exit(1);
	$acked->autoflush(1);
	for (my $n = 1; ; $n++) {
		my $name = "crash-$i-$n.test";
		$r = $w->command(create_xml($name)) or last;
		print $acked "$name\n" if $r->code == 1000;
	}
	POSIX::_exit(0);
}

sub acked {
	my @names;
	for my $file (glob($t->dir . '/acked-*')) {
		open(my $f, '<', $file) or next;
		push @names, grep { /\.test$/ } map { chomp; $_ } <$f>;
	}
	return @names;
}

my @pids;
for my $i (1 .. $WORKERS) {
	my $pid = fork // die "fork: $!";
	worker($i) if $pid == 0;
	push @pids, $pid;
}
my $until = time + $BURST_MAX;
sleep 0.05 while scalar(acked()) < $MIN_ACKED && time < $until;
$t->kill9;
waitpid($_, 0) for @pids;
my @acked = acked();
cmp_ok(scalar(@acked), '>=', $MIN_ACKED, scalar(@acked) . ' creates answered 1000 before SIGKILL');
ok($t->wait_log(qr/writer: [2-9]\d* commands in one transaction|writer: \d\d+ commands/, 0, 1),
    'concurrent creates were committed in groups');

$t->start;
ok($t->running, 'eppd starts again on the same database');
is($t->sql('PRAGMA integrity_check'), 'ok', 'the database is intact');
is($t->sql('PRAGMA foreign_key_check'), '', 'no dangling references');

my %have = map { $_ => 1 } split /\n/, $t->sql(q{SELECT name FROM domain WHERE name LIKE 'crash-%'});
my @lost = grep { !$have{$_} } @acked;
is(scalar(@lost), 0, 'every create answered 1000 is in the database') or diag("lost: @lost");
my $n = scalar(keys %have);
cmp_ok($n, '<=', scalar(@acked) + $WORKERS, "at most one unanswered create per session ($n domains)");

my $q = sub { $t->sql($_[0]) };
is($q->(q{SELECT count(*) FROM domain d WHERE name LIKE 'crash-%' AND (registrant_id IS NULL
    OR (SELECT count(*) FROM domain_contact WHERE domain_id = d.id) != 2)}), 0,
    'each domain has its registrant and both contacts');
is($q->(q{SELECT count(*) FROM domain d WHERE name LIKE 'crash-%' AND NOT EXISTS
    (SELECT 1 FROM status WHERE kind = 'domain' AND object_id = d.id)}), 0, 'and a status');
is($q->(q{SELECT count(*) FROM domain d WHERE name LIKE 'crash-%' AND NOT EXISTS
    (SELECT 1 FROM authinfo a WHERE a.roid = d.roid)}), 0, 'and its authInfo');
is($q->(q{SELECT count(DISTINCT name) FROM history WHERE command = 'domain:create'
    AND name LIKE 'crash-%'}), $n, 'one history entry per domain');
is($q->(q{SELECT count(*) FROM ledger WHERE object LIKE 'crash-%'}), $n, 'one debit per domain');
is($q->('SELECT balance FROM registrar_account'), $balance0 - $n * 2 * $PRICE,
    'the balance paid for exactly these domains');

$c = $t->login('reg1');
my @sample = (@acked[0, -1], $acked[$#acked / 2]);
for my $name (@sample) {
	my $r = $c->command(qq{<info><domain:info $DOM><domain:name>$name</domain:name>}
	    . q{</domain:info></info>});
	$t->code_is($r, 1000, "EPP info finds $name after the restart");
	is(scalar($r->texts('//domain:contact')), 2, "$name has its two contacts");
}
$t->code_is($c->command(create_xml('after-crash.test')), 1000, 'creates work again');

# A writer that cannot get the write lock answers 2400 and changes nothing.
my $LOCK_HOLD = 7;	# seconds; longer than the store's busy timeout (5 s)
my $lock_held = $t->dir . '/lock-held';
my $holder = fork // die "fork: $!";
if ($holder == 0) {
	exec('sqlite3', $t->db, 'BEGIN IMMEDIATE;', ".shell touch $lock_held",
	    ".shell sleep $LOCK_HOLD", 'COMMIT;') or POSIX::_exit(127);
}
my $until_held = time + $EPPTest::TIMEOUT;
sleep 0.05 until -e $lock_held || time > $until_held;
ok(-e $lock_held, 'another process holds the write lock');
my $r = $c->command(create_xml('locked-out.test'));
$t->code_is($r, 2400, 'a create while another process holds the write lock: 2400');
like($r->reason // '', qr/nothing changed/, 'the reason says nothing changed');
waitpid($holder, 0);
is($t->sql(q{SELECT count(*) FROM domain WHERE name = 'locked-out.test'}), 0,
    'and the domain is not there');
$t->code_is($c->command(create_xml('locked-out.test')), 1000, 'once the lock is gone it works');
$c->logout;
is($t->stop, 0, 'eppd stops cleanly');
EPPTest::done();
