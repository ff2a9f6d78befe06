# EPPDomain.pm: helpers of the domain tests (epp_domain.t,
# epp_lifecycle.t) on top of EPPTest: command builders for domain, host
# and contact objects, and the registry-side reads (balances, statuses,
# poll queues) the tests check after each step.
#
#   use EPPDomain;
#   my $d = EPPDomain->new($t);                    # $t: an EPPTest
#   $d->expect($c, 1000, 'name', 'renew', $inner, op => ..., ext => ...);
#   $d->create($c, 1000, 'a.test', period => 2, ns => [...], ext => ...);
#   my $r = $d->info($c, 'a.test', hosts => 'del', pw => ..., code => 2202);
#   $d->statuses($r); $d->balance('reg1'); my @m = $d->drain($c);
package EPPDomain;

use strict;
use warnings;
use Test::More;

my %NS = %EPPTest::NS;
our $PW = 'Secret-pw1';		# the authInfo of every domain created here

sub new { my ($class, $t) = @_; return bless { t => $t }, $class }

# <verb><domain:verb>inner</domain:verb></verb>, op= for transfers.
sub dom {
	my ($verb, $inner, $op) = @_;
	my $a = defined $op ? qq{ op="$op"} : '';
	return qq{<$verb$a><domain:$verb xmlns:domain="$NS{domain}">$inner</domain:$verb></$verb>};
}

sub auth { my ($pw) = @_; return "<domain:authInfo><domain:pw>$pw</domain:pw></domain:authInfo>" }
sub ns { shift; return '<domain:ns>' . join('', map { "<domain:hostObj>$_</domain:hostObj>" } @_) . '</domain:ns>' }
sub rgp { my ($op, $report) = @_;
	return qq{<rgp:update xmlns:rgp="$NS{rgp}"><rgp:restore op="$op">} . ($report // '')
	    . '</rgp:restore></rgp:update>' }

# Runs a domain command on client $c and checks its result code.
sub expect {
	my ($self, $c, $code, $name, $verb, $inner, %o) = @_;
	my $r = $c->command(dom($verb, $inner, $o{op}), extension => $o{ext});
	$self->{t}->code_is($r, $code, $name);
	return $r;
}

# The inner XML of a create: name, period, ns, registrant, contacts,
# authInfo. registrant => undef leaves it out.
sub create_xml {
	my ($self, $name, %o) = @_;
	my $period = $o{period} ? qq{<domain:period unit="y">$o{period}</domain:period>} : '';
	my $ns = $o{ns} ? $self->ns(@{$o{ns}}) : '';
	my $reg = exists $o{registrant} ? ($o{registrant} // '')
	    : "<domain:registrant>$self->{holder}</domain:registrant>";
	my $contacts = join('', map { qq{<domain:contact type="$_->[0]">$_->[1]</domain:contact>} }
	    @{$o{contacts} // []});
	return "<domain:name>$name</domain:name>$period$ns$reg$contacts" . auth($o{pw} // $PW);
}

# The registrant handle create() uses unless told otherwise.
sub holder { my ($self, $h) = @_; $self->{holder} = $h }

sub create {
	my ($self, $c, $code, $name, %o) = @_;
	return $self->expect($c, $code, $o{what} // "create $name: $code", 'create',
	    $self->create_xml($name, %o), ext => $o{ext});
}

sub info {
	my ($self, $c, $name, %o) = @_;
	my $hosts = $o{hosts} ? qq{ hosts="$o{hosts}"} : '';
	my $auth = $o{pw} ? auth($o{pw}) : '';
	my $r = $c->command(dom('info', "<domain:name$hosts>$name</domain:name>$auth"));
	$self->{t}->code_is($r, $o{code} // 1000, $o{what} // "info $name");
	return $r;
}

sub statuses {
	my ($self, $r) = @_;
	return join(' ', sort map { $_->getAttribute('s') } $r->nodes('//domain:infData/domain:status'));
}

sub rgp_statuses {
	my ($self, $r) = @_;
	return join(' ', sort map { $_->getAttribute('s') } $r->nodes('//rgp:infData/rgp:rgpStatus'));
}

# (avail, reason) of one name.
sub check_avail {
	my ($self, $c, $name) = @_;
	my $r = $c->command(dom('check', "<domain:name>$name</domain:name>"));
	return ($r->attr('//domain:cd/domain:name', 'avail'), $r->text('//domain:cd/domain:reason'));
}

sub balance {
	my ($self, $clid) = @_;
	return $self->{t}->sql("SELECT balance FROM registrar_account JOIN registrar r ON "
	    . "r.id = registrar_id WHERE r.handle = '$clid'");
}

# Takes every waiting poll message of $c: a list of [msg, response].
sub drain {
	my ($self, $c) = @_;
	my @m;
	for (1 .. 100) {
		my $r = $c->poll_req;
		last unless $r && $r->code == 1301;
		push @m, [$r->text('//epp:msgQ/epp:msg'), $r];
		$c->poll_ack($r->attr('//epp:msgQ', 'id'));
	}
	return @m;
}

# The texts of drained messages, joined by '|', for like() checks.
sub messages { my ($self, @m) = @_; return join('|', map { $_->[0] // '' } @m) }

sub contact_create {
	my ($self, $c, $id) = @_;
	my $r = $c->command(qq{<create><contact:create xmlns:contact="$NS{contact}">}
	    . qq{<contact:id>$id</contact:id><contact:postalInfo type="int"><contact:name>Holder $id}
	    . q{</contact:name><contact:addr><contact:city>Stockholm</contact:city><contact:cc>SE}
	    . q{</contact:cc></contact:addr></contact:postalInfo><contact:email>h@example.se}
	    . q{</contact:email><contact:authInfo><contact:pw>Contact-pw1</contact:pw>}
	    . q{</contact:authInfo></contact:create></create>});
	$self->{t}->code_is($r, 1000, "contact $id");
}

sub host_create {
	my ($self, $c, $name, @addr) = @_;
	my $a = join('', map { qq{<host:addr ip="v4">$_</host:addr>} } @addr);
	my $r = $c->command(qq{<create><host:create xmlns:host="$NS{host}">}
	    . "<host:name>$name</host:name>$a</host:create></create>");
	$self->{t}->code_is($r, 1000, "host $name");
}

1;
