#!/usr/bin/perl
# epp_transport.t: eppd's transport and access rules (RFC 5734): the
# greeting and <hello>, the source address allow-lists at accept and at
# login, client certificates, failed logins, frames that are too big or
# malformed, hostile XML, timeouts, the connection and session caps, the
# per-registrar rate limit, and pretty-printed commands.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use EPPTest;
use Test::More;
use Time::HiRes qw(sleep time);

my $LOGIN_TIMEOUT = 6;	# long enough for three scrypt logins on a loaded machine
my $IDLE_TIMEOUT = 8;
my $PER_ADDR = 4;
my $MAX_FRAME = 65536;

my $t = EPPTest->new(registrars => [qw(reg1 reg2 reg3)], start => 0,
    epp => { login_timeout => "${LOGIN_TIMEOUT}s", idle_timeout => "${IDLE_TIMEOUT}s",
    max_conn_per_addr => $PER_ADDR, max_frame => $MAX_FRAME, acl_refresh => '1s' });
# reg3 may only connect from 127.0.0.3.
$t->regctl(qw(registrar update reg3 --allow-add 127.0.0.3/32 --allow-del 127.0.0.1/32));
$t->start;

my $DOMAIN = $EPPTest::NS{domain};
my $CONTACT = $EPPTest::NS{contact};

# --- greeting and hello -------------------------------------------------------

{
	my $c = $t->client('reg1');
	ok($c->connected, 'a greeting on connect') or diag($c->error);
	my $g = $c->greeting;
	ok($g->is_greeting, 'the first frame is a <greeting>');
	is($g->text('//epp:svcMenu/epp:version'), '1.0', 'greeting offers EPP 1.0');
	is($g->text('//epp:svcMenu/epp:lang'), 'en', 'greeting offers English');
	is_deeply([sort $g->texts('//epp:svcMenu/epp:objURI')], [sort @EPPTest::OBJURIS],
	    'greeting lists the domain, host and contact services');
	is_deeply([sort $g->texts('//epp:svcExtension/epp:extURI')], [sort @EPPTest::EXTURIS],
	    'greeting lists secDNS-1.1 and rgp-1.0');
	like($g->text('//epp:svDate'), qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/,
	    'svDate is an RFC 3339 UTC time');
	my $h = $c->hello;
	ok($h && $h->is_greeting, '<hello> is answered with a greeting');
	$t->code_is($c->login, 1000, 'login after hello');
	$h = $c->hello;
	ok($h && $h->is_greeting, '<hello> works after login too');
	$c->logout;
}

# --- source addresses ------------------------------------------------------------

{
	my $c = $t->client('reg1', local_addr => '127.0.0.2');
	ok(!$c->connected, 'a source address in no allow-list gets no greeting');
	ok($t->wait_log(qr/127\.0\.0\.2: connection refused: address not in any registrar's allow-list/, 0),
	    'the refused address is logged');

	$c = $t->client('reg1', local_addr => '127.0.0.3');
	ok($c->connected, "an address in some registrar's allow-list is accepted")
	    or diag($c->error);
	my $r = $c->login;
	$t->code_is($r, 2200, "login from outside the registrar's own allow-list: 2200");
	like($r->reason // '', qr/source address 127\.0\.0\.3 is not allowed for reg1/,
	    'the reason names the address');
	$c->close;
	$c = $t->client('reg3', local_addr => '127.0.0.3');
	$t->code_is($c->login, 1000, 'the registrar that allows 127.0.0.3 logs in from there');
	$c->logout;

	$c = $t->client('reg3');
	$t->code_is($c->login, 2200, 'reg3 from 127.0.0.1 (not in its allow-list): 2200');
	$c->close;
}

# --- client certificates ----------------------------------------------------------

{
	my $c = $t->client('reg1', cert => 'rogue');
	ok(!$c->connected, 'a certificate from another CA fails the handshake');
	$c = $t->client('reg1', no_cert => 1);
	ok(!$c->connected, 'no client certificate fails the handshake');
	ok($t->wait_log(qr/TLS handshake failed/, 1), 'failed handshakes are logged');

	$c = $t->client('reg1', cert => 'spare');
	ok($c->connected, 'a certificate of our CA that no registrar registered connects');
	my $r = $c->login;
	$t->code_is($r, 2200, "but a login with a certificate that is not the registrar's: 2200");
	like($r->reason // '', qr/client certificate SHA-256 [0-9a-f]{64} is not registered for reg1/,
	    'the reason names the certificate');
	$c->close;

	$c = $t->client('reg1', cert => 'reg2');
	$t->code_is($c->login, 2200, "another registrar's certificate: 2200");
	$c->close;
}

# --- failed logins -----------------------------------------------------------------

{
	my $c = $t->client('reg1');
	$t->code_is($c->login(pw => 'wrong-Pw1'), 2200, 'wrong password: 2200');
	ok(!$c->closed, 'the session stays open after one failure');
	$t->code_is($c->login(pw => 'wrong-Pw2'), 2200, 'wrong password again: 2200');
	$t->code_is($c->login(clid => 'nobody', pw => 'wrong-Pw3'), 2501,
	    'third failure (unknown client id): 2501');
	ok($c->wait_closed, 'and the server closes the connection');

	$c = $t->client('reg1', cert => 'spare');
	$c->login for 1 .. 2;
	$t->code_is($c->login, 2501, 'certificate mismatches count as failed logins too');
	ok($c->wait_closed, 'closed after the third');
}

# --- frames ---------------------------------------------------------------------------

{
	my $c = $t->client('reg1');
	ok($c->raw_frame(pack('N', $MAX_FRAME + 1)), 'a header announcing one byte too many');
	my $r = $c->read_response('oversized frame');
	$t->code_is($r, 2500, 'oversized frame: 2500');
	like($r ? $r->reason // '' : '', qr/frame of 65537 bytes exceeds the limit of 65536/,
	    'the reason gives both sizes');
	ok($c->wait_closed, 'and the connection closes');

	$c = $t->client('reg1');
	$c->raw_frame(pack('N', 3));
	$r = $c->read_response('short header');
	$t->code_is($r, 2500, 'a length smaller than the header: 2500');
	like($r ? $r->reason // '' : '', qr/malformed frame/, 'the reason says why');
	ok($c->wait_closed, 'and the connection closes');

	$c = $t->client('reg1');
	$c->raw_frame(pack('N', 4));
	$t->code_is($c->read_response('empty frame'), 2500, 'an empty frame: 2500');

	$c = $t->client('reg1');
	my $body = '<?xml version="1.0"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>';
	$c->raw_frame(pack('N', length($body) + 4) . $body);
	$r = $c->read_response('raw hello');
	ok($r && $r->is_greeting, 'a frame built by hand is read (length includes the header)');
	$c->close;
}

# --- hostile and broken XML -------------------------------------------------------------

{
	my $c = $t->login('reg1');
	my $r = $c->request('<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="req"/>');
	$t->code_is($r, 2001, 'malformed XML: 2001');
	like($r->reason // '', qr/line \d+/, 'the reason comes from the parser');
	$t->code_is($c->poll_req, 1300, 'the session is still usable');

	$r = $c->request('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
	    . '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
	    . '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="req"/>'
	    . '<clTRID>&lol2;</clTRID></command></epp>');
	$t->code_is($r, 2001, 'a DOCTYPE with entities: 2001');
	like($r->reason // '', qr/DOCTYPE is not allowed/, 'the reason names the DOCTYPE');
	unlike($r->xml, qr/lollol/, 'no entity was expanded into the answer');

	$r = $c->request('<?xml version="1.0"?><!DOCTYPE epp SYSTEM "file:///etc/passwd">'
	    . '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>');
	$t->code_is($r, 2001, 'an external DTD: 2001');
	$r = $c->request('<?xml version="1.0"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">'
	    . '<command><poll op="req"/><clTRID>&xxe;</clTRID></command></epp>');
	$t->code_is($r, 2001, 'an undeclared entity: 2001');
	my $deep = '<a>' x 300 . '</a>' x 300;
	$r = $c->request(qq{<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="req"/>}
	    . qq{<extension>$deep</extension></command></epp>});
	ok($r && $r->code =~ /^2/, 'a document nested 300 deep is refused') or diag($r && $r->xml);
	$r = $c->request('<epp xmlns="urn:example:not-epp"><hello/></epp>');
	$t->code_is($r, 2001, 'the wrong namespace on <epp>: 2001');
	$r = $c->command('<poll op="req"/>', cltrid => 'ab');
	$t->code_is($r, 2001, 'a clTRID of two characters is schema-invalid: 2001');
	ok(!defined $r->cltrid, 'and is not echoed (the answer stays valid)');
	$t->code_is($c->poll_req, 1300, 'still usable after all that');
	$c->logout;
}

# --- pretty-printed commands ---------------------------------------------------------------

{
	my $c = $t->login('reg1');
	my $contact = <<"EOF";
<create>
  <contact:create xmlns:contact="$CONTACT">
    <contact:id>
      pretty1
    </contact:id>
    <contact:postalInfo type="int">
      <contact:name> Pretty Printer </contact:name>
      <contact:addr>
        <contact:city>Stockholm</contact:city>
        <contact:cc> SE </contact:cc>
      </contact:addr>
    </contact:postalInfo>
    <contact:email>
      pretty\@example.se
    </contact:email>
    <contact:authInfo><contact:pw>Secret-1</contact:pw></contact:authInfo>
  </contact:create>
</create>
EOF
	$t->code_is($c->command($contact), 1000, 'a pretty-printed contact create');
	my $create = <<"EOF";
<create>
  <domain:create xmlns:domain="$DOMAIN">
    <domain:name>
      pretty.test
    </domain:name>
    <domain:period unit="y">
      2
    </domain:period>
    <domain:registrant>
      pretty1
    </domain:registrant>
    <domain:authInfo>
      <domain:pw>Secret-2</domain:pw>
    </domain:authInfo>
  </domain:create>
</create>
EOF
	my $doc = qq{<?xml version="1.0" encoding="UTF-8"?>\n<epp xmlns="$EPPTest::NS{epp}">}
	    . qq{<command>$create<clTRID>PRETTY-1</clTRID></command></epp>};
	EPPTest::spew($t->dir . '/pretty.xml', $doc);
	my ($st) = $t->run_quiet('xmllint', '--noout', '--schema',
	    "$EPPTest::REF/bundle/all.xsd", $t->dir . '/pretty.xml');
	isnt($st, 0, "(libxml2 alone refuses whitespace around the period's unsignedShort)");
	my $r = $c->request($doc, 'pretty create');
	$t->code_is($r, 1000, 'a pretty-printed domain create with <domain:period> "\n 2\n" is accepted');
	my ($cr, $ex) = ($r->text('//domain:crDate') // '', $r->text('//domain:exDate') // '');
	my ($cy) = $cr =~ /^(\d{4})/;
	my $want = ($cy // 0) + 2;
	like($ex, qr/^$want-/, 'registered for the 2 years asked');
	$c->logout;
}

# --- timeouts --------------------------------------------------------------------------------

{
	my $c = $t->client('reg1');
	my $t0 = time;
	ok($c->wait_closed($LOGIN_TIMEOUT + 5), 'no login: the connection closes');
	my $took = time - $t0;
	ok($took >= $LOGIN_TIMEOUT - 1 && $took < $LOGIN_TIMEOUT + 4,
	    "after the login timeout (${LOGIN_TIMEOUT}s; took " . sprintf('%.1f', $took) . 's)');

	$c = $t->client('reg1');
	$t0 = time;
	$c->raw_frame(pack('N', 100) . '<epp');	# then nothing: a slow client
	ok($c->wait_closed($LOGIN_TIMEOUT + 5), 'a frame that never completes: closed');
	ok(time - $t0 < $LOGIN_TIMEOUT + 4, 'within the login timeout');
	ok($t->wait_log(qr/no login within the login timeout/, 0), 'the timeout is logged');

	$c = $t->login('reg1');
	$t0 = time;
	ok($c->wait_closed($IDLE_TIMEOUT + 5), 'an idle session is closed');
	$took = time - $t0;
	ok($took >= $IDLE_TIMEOUT - 1, "after the idle timeout (${IDLE_TIMEOUT}s; took "
	    . sprintf('%.1f', $took) . 's)');
}

# --- connections per address ----------------------------------------------------------------------

{
	sleep 0.5;	# the sessions above end on the server side
	my @open = map { $t->client('reg1') } 1 .. $PER_ADDR;
	is(scalar(grep { $_->connected } @open), $PER_ADDR, "$PER_ADDR connections before login");
	my $extra = $t->client('reg1');
	ok(!$extra->connected, 'one more from the same address is refused');
	ok($t->wait_log(qr/127\.0\.0\.1: connection refused: $PER_ADDR connections from this address/, 0),
	    'and logged with the address');
	$t->code_is($open[0]->login, 1000, 'one of them logs in');
	my $more = $t->client('reg1');
	ok($more->connected, 'logged-in sessions do not count against the address');
	$_->close for @open, $more;
}

$t->stop;

# --- a second server: rate limit, sessions per registrar, total cap ---------------------------

my $RATE = 3;
my $u = EPPTest->new(epp => { rate_limit => $RATE, max_sessions_per_registrar => 2,
    max_connections => 4 });
{
	my $c = $u->login('reg1');
	my @codes;
	for (1 .. 3 * $RATE) {
		my $r = $c->poll_req or last;
		push @codes, $r->code;
	}
	ok((grep { $_ == 1300 } @codes) >= 1, 'commands within the rate are served');
	is($codes[-1], 2502, "more than $RATE commands a second: 2502");
	ok($c->wait_closed, 'and the connection closes');
	ok($u->wait_log(qr/sent more than $RATE commands a second/, 0), 'the limit is logged');

	sleep 1.5;
	my $a = $u->login('reg1');
	my $b = $u->login('reg1');
	my $third = $u->client('reg1');
	my $r = $third->login;
	$u->code_is($r, 2502, 'a third session of a registrar limited to 2: 2502');
	like($r->reason // '', qr/already has 2 sessions/, 'the reason gives the limit');
	ok($third->wait_closed, 'and that connection closes');
	my $other = $u->login('reg2');
	$u->code_is($other->logout, 1500, 'another registrar still gets in');
	ok($other->wait_closed, 'logout closes the connection');
	sleep 0.3;	# the server side ends a moment later

	my @fill = map { $u->client('reg2') } 1 .. 2;
	my $over = $u->client('reg2');
	ok(!$over->connected, 'beyond epp.max_connections (4) connections are refused');
	ok($u->wait_log(qr/connection refused: all 4 connections in use/, 0), 'and logged');
	$_->close for @fill, $a, $b;
}
is($u->stop, 0, 'eppd stops cleanly on SIGTERM');
ok($u->wait_log(qr/writer stopped/, 0), 'its writer stopped too');

EPPTest::done();
