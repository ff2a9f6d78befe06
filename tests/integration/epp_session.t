#!/usr/bin/perl
# epp_session.t: the session commands of RFC 5730 section 2.9 against a
# running eppd: login (newPW, version, lang, objURI and extURI checks),
# logout, commands out of order, namespaces a session did not announce or
# the server does not offer, unknown commands, the transaction ids, the
# poll queue (empty, unknown ids, messages from a domain transfer), and a
# registrar put in read-only state.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use EPPTest;
use Test::More;

my $t = EPPTest->new;
my %NS = %EPPTest::NS;
my $DOM = qq{xmlns:domain="$NS{domain}"};
my $CON = qq{xmlns:contact="$NS{contact}"};

sub contact_create {
	my ($id) = @_;
	return qq{<create><contact:create $CON><contact:id>$id</contact:id>}
	    . q{<contact:postalInfo type="int"><contact:name>Test Person</contact:name>}
	    . q{<contact:addr><contact:city>Stockholm</contact:city><contact:cc>SE</contact:cc>}
	    . q{</contact:addr></contact:postalInfo><contact:email>test@example.se</contact:email>}
	    . q{<contact:authInfo><contact:pw>Contact-1</contact:pw></contact:authInfo>}
	    . q{</contact:create></create>};
}

sub domain_check {
	my ($name) = @_;
	return qq{<check><domain:check $DOM><domain:name>$name</domain:name></domain:check></check>};
}

# --- login and logout ------------------------------------------------------------

{
	my $c = $t->client('reg1');
	my $r = $c->poll_req;
	$t->code_is($r, 2002, 'poll before login: 2002');
	$t->code_is($c->command(domain_check('a.test')), 2002, 'check before login: 2002');
	$t->code_is($c->logout, 2002, 'logout before login: 2002');
	ok(!$c->closed, 'the session stays open');
	$r = $c->login;
	$t->code_is($r, 1000, 'login');
	is($r->msg, 'Command completed successfully', 'the RFC 5730 text');
	$t->code_is($c->login, 2002, 'a second login in the same session: 2002');
	$r = $c->logout;
	$t->code_is($r, 1500, 'logout: 1500');
	is($r->msg, 'Command completed successfully; ending session', 'the RFC 5730 text');
	ok($c->wait_closed, 'the server closes the connection after logout');
}

# --- login options ------------------------------------------------------------------

{
	my $c = $t->client('reg1');
	my $r = $c->login(version => '2.0');
	$t->code_is($r, 2100, 'EPP version 2.0: 2100');
	$t->code_is($c->login(lang => 'fr'), 2102, 'language fr: 2102');
	$r = $c->login(objuris => [$NS{domain}, 'urn:ietf:params:xml:ns:obj-1.0']);
	$t->code_is($r, 2307, 'an object service we do not offer: 2307');
	like($r->reason // '', qr/urn:ietf:params:xml:ns:obj-1\.0/, 'the reason names it');
	$r = $c->login(exturis => ['urn:ietf:params:xml:ns:fee-0.5']);
	$t->code_is($r, 2103, 'an extension we do not offer: 2103');
	$r = $c->login(objuris => [$NS{secDNS}]);
	$t->code_is($r, 2307, 'an extension announced as an object: 2307');
	ok(!$c->closed, 'option errors are not failed logins');
	$t->code_is($c->login(objuris => [$NS{domain}], exturis => []), 1000,
	    'a login announcing only the domain service');
	$r = $c->command(qq{<check><contact:check $CON><contact:id>abc</contact:id>}
	    . q{</contact:check></check>});
	$t->code_is($r, 2307, 'a contact command after announcing only domains: 2307');
	$r = $c->command(qq{<info><domain:info $DOM><domain:name>x.test</domain:name>}
	    . q{</domain:info></info>}, extension => qq{<rgp:update xmlns:rgp="$NS{rgp}">}
	    . q{<rgp:restore op="request"/></rgp:update>});
	$t->code_is($r, 2103, 'an extension not announced at login: 2103');
	$c->logout;
}

# --- newPW ------------------------------------------------------------------------------

{
	my $c = $t->client('reg2');
	my $r = $c->login(newpw => 'lettersonly');
	$t->code_is($r, 2306, 'a new password without a digit: 2306');
	unlike($r->xml, qr/lettersonly/, 'the refused password is not echoed');
	$t->code_is($c->login(newpw => 'New-Pass9'), 1000, 'login with newPW');
	$c->logout;

	$c = $t->client('reg2');
	$t->code_is($c->login, 2200, 'the old password no longer works');
	$t->code_is($c->login(pw => 'New-Pass9'), 1000, 'the new one does');
	$c->logout;
	like($t->sql(q{SELECT command || ' ' || actor FROM history WHERE kind = 'registrar'}),
	    qr/login:newPW reg2/, 'the password change is in the history');
}

# --- transaction ids, unknown commands, wrong namespaces ------------------------------------

my $c = $t->login('reg1');
{
	my $r = $c->command('<poll op="req"/>', cltrid => 'ABC-12345');
	is($r->cltrid, 'ABC-12345', 'the clTRID is echoed');
	my $r2 = $c->command('<poll op="req"/>', cltrid => undef);
	ok(!defined $r2->cltrid, 'no clTRID sent, none echoed');
	like($r->svtrid, qr/^TEST-\d+-\d+-\d+$/, 'svTRID is <TLD>-<start>-<pid>-<n>');
	isnt($r->svtrid, $r2->svtrid, 'each svTRID is new');

	$r = $c->command(qq{<check><domain:info $DOM><domain:name>a.test</domain:name>}
	    . q{</domain:info></check>});
	$t->code_is($r, 2001, '<domain:info> inside <check>: 2001');
	$r = $c->command(qq{<check><foo:check xmlns:foo="urn:example:foo-1.0"><foo:id>x</foo:id>}
	    . q{</foo:check></check>});
	$t->code_is($r, 2307, 'an object namespace we do not serve: 2307');
	$r = $c->command(qq{<check><rgp:update xmlns:rgp="$NS{rgp}"><rgp:restore op="request"/>}
	    . q{</rgp:update></check>});
	$t->code_is($r, 2000, 'an extension element as the object of <check>: 2000');
	$r = $c->command(domain_check('a.test'),
	    extension => q{<fee:check xmlns:fee="urn:ietf:params:xml:ns:fee-0.5"/>});
	$t->code_is($r, 2103, 'an extension namespace we do not offer: 2103');
	$r = $c->request(qq{<epp xmlns="$NS{epp}"><extension><rgp:update xmlns:rgp="$NS{rgp}">}
	    . q{<rgp:restore op="request"/></rgp:update></extension></epp>});
	$t->code_is($r, 2101, 'a protocol extension outside <command>: 2101');
	$r = $c->request(qq{<epp xmlns="$NS{epp}"><command><renew><domain:renew $DOM>}
	    . q{<domain:name>a.test</domain:name></domain:renew></renew></command></epp>});
	$t->code_is($r, 2001, 'a schema-invalid command: 2001');
	like($r->reason // '', qr/curExpDate/, "the reason is the validator's");
	ok($r->nodes('//epp:extValue/epp:value/*')->size == 1, 'with the offending element');
	$t->code_is($c->poll_req, 1300, 'the session is still usable');
}

# --- the poll queue ------------------------------------------------------------------------------

{
	my $r = $c->poll_req;
	$t->code_is($r, 1300, 'poll req on an empty queue: 1300');
	is($r->msg, 'Command completed successfully; no messages', 'the RFC 5730 text');
	is($r->nodes('//epp:msgQ')->size, 0, 'no msgQ');
	$r = $c->poll_ack(424242);
	$t->code_is($r, 2303, 'poll ack of an unknown message: 2303');
	like($r->reason // '', qr/424242/, 'the reason names the id');
	$t->code_is($c->poll_ack('bogus'), 2303, 'poll ack of a non-numeric id: 2303');
	$r = $c->command('<poll op="ack"/>');
	$t->code_is($r, 2003, 'poll ack without msgID: 2003');
}

# --- poll messages from a transfer -------------------------------------------------------------------

{
	$t->code_is($c->command(contact_create('reg1-c1')), 1000, 'reg1 creates a contact');
	my $r = $c->command(qq{<create><domain:create $DOM><domain:name>moving.test</domain:name>}
	    . q{<domain:period unit="y">1</domain:period><domain:registrant>reg1-c1}
	    . q{</domain:registrant><domain:authInfo><domain:pw>Move-It-9</domain:pw>}
	    . q{</domain:authInfo></domain:create></create>});
	$t->code_is($r, 1000, 'reg1 creates moving.test');
	ok($t->advance_clock('6d'), 'the registry clock moves past the add grace period');

	my $g = $t->login('reg2', pw => 'New-Pass9');
	$r = $g->command(qq{<transfer op="request"><domain:transfer $DOM><domain:name>moving.test}
	    . q{</domain:name><domain:authInfo><domain:pw>Move-It-9</domain:pw></domain:authInfo>}
	    . q{</domain:transfer></transfer>});
	$t->code_is($r, 1001, 'reg2 requests the transfer: 1001');

	$r = $c->poll_req;
	$t->code_is($r, 1301, 'reg1 has a message: 1301');
	is($r->msg, 'Command completed successfully; ack to dequeue', 'the RFC 5730 text');
	is($r->attr('//epp:msgQ', 'count'), 1, 'one message queued');
	my $id = $r->attr('//epp:msgQ', 'id');
	like($id, qr/^\d+$/, 'with an id');
	like($r->text('//epp:msgQ/epp:msg') // '', qr/Transfer requested: moving\.test/,
	    'saying what happened');
	ok($r->text('//epp:msgQ/epp:qDate'), 'and when');
	is($r->text('//epp:resData/domain:trnData/domain:trStatus'), 'pending',
	    'with the transfer data in resData');
	is($r->text('//domain:trnData/domain:reID'), 'reg2', 'naming the gaining registrar');
	$t->code_is($c->poll_req, 1301, 'the message stays until acknowledged');
	$t->code_is($g->poll_ack($id), 2303, "another registrar cannot ack reg1's message");
	$r = $c->poll_ack($id);
	$t->code_is($r, 1000, 'poll ack: 1000');
	is($r->attr('//epp:msgQ', 'id'), $id, 'msgQ names the acknowledged message');
	is($r->attr('//epp:msgQ', 'count'), 0, 'and no message is left');
	$t->code_is($c->poll_req, 1300, 'the queue is empty again');
	$t->code_is($c->poll_ack($id), 2303, 'a second ack of the same message: 2303');

	$r = $c->command(qq{<transfer op="approve"><domain:transfer $DOM><domain:name>moving.test}
	    . q{</domain:name></domain:transfer></transfer>});
	$t->code_is($r, 1000, 'reg1 approves');
	$r = $g->poll_req;
	$t->code_is($r, 1301, 'reg2 hears of it');
	is($r->text('//domain:trnData/domain:trStatus'), 'clientApproved', 'approved');
	$t->code_is($g->poll_ack($r->attr('//epp:msgQ', 'id')), 1000, 'reg2 acks');
	$g->logout;
}

# --- a read-only registrar -------------------------------------------------------------------------------

{
	$t->regctl(qw(registrar update reg1 --state readonly));
	my $r = $c->command(contact_create('reg1-c2'));
	$t->code_is($r, 2201, 'a transform by a read-only registrar: 2201');
	like($r->reason // '', qr/readonly/, 'the reason gives the state');
	$t->code_is($c->command(domain_check('moving.test')), 1000, 'queries still work');
	$t->regctl(qw(registrar update reg1 --state ok));
	$t->code_is($c->command(contact_create('reg1-c2')), 1000, 'and transforms again once ok');
	$t->code_is($c->logout, 1500, 'logout');
}

is($t->stop, 0, 'eppd stops cleanly');
EPPTest::done();
