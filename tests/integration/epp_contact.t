#!/usr/bin/perl
# epp_contact.t: the contact commands of RFC 5733 against a real eppd, with
# two (later three) registrars: check, info with the disclose policy and
# authInfo, create, update, delete, each succeeding and failing for every
# reason policy gives (eppd/cmd_contact.c), and contact transfer both with
# the service off (the default: 2307) and on (request, query, reject,
# cancel, approve, registry approval after the pending period), with the
# poll messages to the other party. Every response is validated against
# the official schemas by EPPTest.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use EPPTest;
use Encode qw(encode_utf8);
use Test::More;

my $CON = qq{xmlns:contact="$EPPTest::NS{contact}"};
my $t;	# the registry under test

# --- command builders ------------------------------------------------------------

# A postalInfo from a hash: type, name, org, street => [..], city, sp, pc, cc.
sub postal {
	my (%p) = @_;
	my $x = qq{<contact:postalInfo type="$p{type}">};
	$x .= "<contact:name>$p{name}</contact:name>" if defined $p{name};
	$x .= "<contact:org>$p{org}</contact:org>" if defined $p{org};
	if (defined $p{city}) {
		$x .= '<contact:addr>' . join('', map { "<contact:street>$_</contact:street>" }
		    @{$p{street} // []});
		$x .= "<contact:$_>$p{$_}</contact:$_>" for grep { defined $p{$_} } qw(city sp pc cc);
		$x .= '</contact:addr>';
	}
	return "$x</contact:postalInfo>";
}
sub disclose {
	my ($flag, @what) = @_;
	return qq{<contact:disclose flag="$flag">} . join('', map {
	    my ($e, $type) = split /:/; $type ? qq{<contact:$e type="$type"/>} : "<contact:$e/>" }
	    @what) . '</contact:disclose>';
}
sub authinfo { return "<contact:authInfo><contact:pw>$_[0]</contact:pw></contact:authInfo>" }

my %INT = (type => 'int', name => 'John Doe', org => 'Example Inc.',
    street => ['123 Example Dr.', 'Suite 100'], city => 'Dulles', sp => 'VA',
    pc => '20166-6503', cc => 'US');
my %LOC = (type => 'loc', name => 'Jöns Dœ', org => 'Exempel AB', street => ['Storgatan 1'],
    city => 'Malmö', pc => '211 22', cc => 'SE');

# A create from parts; %o: id, postal => [hashes], voice, voice_x, fax,
# email, pw, disclose => [flag, elements...].
sub create_xml {
	my (%o) = @_;
	my $x = "<contact:id>$o{id}</contact:id>" . join('', map { postal(%$_) }
	    @{$o{postal} // [\%INT]});
	$x .= '<contact:voice' . (defined $o{voice_x} ? qq{ x="$o{voice_x}"} : '')
	    . ">$o{voice}</contact:voice>" if defined $o{voice};
	$x .= "<contact:fax>$o{fax}</contact:fax>" if defined $o{fax};
	$x .= '<contact:email>' . ($o{email} // 'jdoe@example.com') . '</contact:email>';
	$x .= authinfo($o{pw} // 'Contact-Pw1');
	$x .= disclose(@{$o{disclose}}) if $o{disclose};
	return qq{<create><contact:create $CON>$x</contact:create></create>};
}
sub contact_create { my ($c, %o) = @_; return $c->command(create_xml(%o)) }
sub contact_info {
	my ($c, $id, $pw) = @_;
	return $c->command(qq{<info><contact:info $CON><contact:id>$id</contact:id>}
	    . (defined $pw ? authinfo($pw) : '') . '</contact:info></info>');
}
sub contact_check {
	my ($c, @ids) = @_;
	return $c->command(qq{<check><contact:check $CON>}
	    . join('', map { "<contact:id>$_</contact:id>" } @ids) . '</contact:check></check>');
}
sub contact_delete {
	my ($c, $id) = @_;
	return $c->command(qq{<delete><contact:delete $CON><contact:id>$id</contact:id>}
	    . '</contact:delete></delete>');
}
# %u: add => [statuses], rem => [statuses], chg => inner XML of <chg>.
sub contact_update {
	my ($c, $id, %u) = @_;
	my $x = '';
	for my $op (qw(add rem)) {
		$x .= "<contact:$op>" . join('', map { qq{<contact:status s="$_"/>} } @{$u{$op}})
		    . "</contact:$op>" if $u{$op};
	}
	$x .= "<contact:chg>$u{chg}</contact:chg>" if defined $u{chg};
	return $c->command(qq{<update><contact:update $CON><contact:id>$id</contact:id>}
	    . "$x</contact:update></update>");
}
sub transfer {
	my ($c, $op, $id, $pw) = @_;
	return $c->command(qq{<transfer op="$op"><contact:transfer $CON><contact:id>$id}
	    . '</contact:id>' . (defined $pw ? authinfo($pw) : '') . '</contact:transfer></transfer>');
}

# The fields of an info answer as one hash (postalInfo parts keyed by
# type), as UTF-8 bytes like the literals of this file.
sub fields {
	my ($r) = @_;
	my %f;
	for my $pi ($r->nodes('//contact:infData/contact:postalInfo')) {
		my $ty = $pi->getAttribute('type');
		for my $n ($pi->findnodes('.//*[not(*)]')) {
			my ($k, $v) = ("$ty." . $n->localname, encode_utf8($n->textContent));
			$f{$k} = exists $f{$k} ? "$f{$k}|$v" : $v;
		}
	}
	for my $k (qw(id roid voice fax email clID crID upID authInfo)) {
		my $v = $r->text("//contact:infData/contact:$k");
		$f{$k} = encode_utf8($v) if defined $v;
	}
	my $x = $r->attr('//contact:infData/contact:voice', 'x');
	$f{voice_x} = $x if defined $x;
	$f{status} = join(' ', sort map { $_->getAttribute('s') }
	    $r->nodes('//contact:infData/contact:status'));
	$f{disclose} = join(' ', map { $_->localname . ($_->getAttribute('type') ?
	    ':' . $_->getAttribute('type') : '') } $r->nodes('//contact:disclose/*'));
	$f{disclose_flag} = $r->attr('//contact:disclose', 'flag') // '';
	return \%f;
}
sub info_fields { my $r = contact_info(@_); return $r->code == 1000 ? fields($r) : $r->code }

# A refused command: its code, the reason, and (given an id and the
# fields before) no change.
sub refused {
	my ($r, $code, $re, $name, $c, $id, $before) = @_;
	$t->code_is($r, $code, "$name: $code");
	like($r->reason // '', $re, "$name: reason");
	is_deeply(info_fields($c, $id), $before, "$name: $id unchanged") if defined $before;
}

# The newest poll message of a client: [message, trStatus of the payload].
sub poll_last {
	my ($c) = @_;
	my ($msg, $st);
	for (my $r = $c->poll_req; $r->code == 1301; $r = $c->poll_req) {
		$msg = $r->text('//epp:msgQ/epp:msg');
		$st = $r->text('//contact:trnData/contact:trStatus');
		$c->poll_ack($r->attr('//epp:msgQ', 'id'));
	}
	return [$msg, $st];
}

# --- service off (the default) --------------------------------------------------------

$t = EPPTest->new;
my $c1 = $t->login('reg1');
my $c2 = $t->login('reg2');

# check
my $r = contact_check($c1, 'jd-1', 'a b c', 'sh8013');
$t->code_is($r, 1000, 'check');
is_deeply([map { $_->getAttribute('avail') } $r->nodes('//contact:cd/contact:id')], [1, 0, 1],
    'check: availability per id');
is($r->text('//contact:cd/contact:reason'), 'Invalid contact id', 'check: reason');

refused(contact_check($c1, map { "id-$_" } 1 .. 101), 2306, qr/at most 100/,
    'check of 101 ids');

# create with both postalInfo forms, round-tripped through info
$r = contact_create($c1, id => 'jd-1', postal => [\%INT, \%LOC], voice => '+1.7035555555',
    voice_x => '1234', fax => '+1.7035555556', pw => '2fooBAR',
    disclose => [1, 'name:int', 'voice', 'email']);
$t->code_is($r, 1000, 'create with int and loc postalInfo');
is($r->text('//contact:creData/contact:id'), 'jd-1', 'create: creData id');
like($r->text('//contact:creData/contact:crDate'), qr/^\d{4}-.*Z$/, 'create: crDate');
is(contact_check($c2, 'jd-1')->text('//contact:cd/contact:reason'), 'In use',
    'check after create: In use');

my %full = ('int.name' => 'John Doe', 'int.org' => 'Example Inc.',
    'int.street' => '123 Example Dr.|Suite 100', 'int.city' => 'Dulles', 'int.sp' => 'VA',
    'int.pc' => '20166-6503', 'int.cc' => 'US', 'loc.name' => 'Jöns Dœ',
    'loc.org' => 'Exempel AB', 'loc.street' => 'Storgatan 1', 'loc.city' => 'Malmö',
    'loc.pc' => '211 22', 'loc.cc' => 'SE', id => 'jd-1', voice => '+1.7035555555',
    voice_x => '1234', fax => '+1.7035555556', email => 'jdoe@example.com', clID => 'reg1',
    crID => 'reg1', status => 'ok', disclose => 'name:int voice email', disclose_flag => 1);
my $f = info_fields($c1, 'jd-1');
my $roid = delete $f->{roid};
like($roid, qr/^C\d+-\w+$/, 'info: contact ROID');
is(delete $f->{authInfo}, '2fooBAR', 'info: the sponsor sees the authInfo');
is_deeply($f, \%full, 'info by the sponsor: every field as created');

# What another registrar sees: the disclosed fields, the rest redacted.
my $R = 'REDACTED FOR PRIVACY';
$f = info_fields($c2, 'jd-1');
delete $f->{roid};
is_deeply($f, { 'int.name' => 'John Doe', 'int.city' => $R, 'int.cc' => 'US',
    'loc.name' => $R, 'loc.city' => $R, 'loc.cc' => 'SE', id => 'jd-1',
    voice => '+1.7035555555', voice_x => '1234', email => 'jdoe@example.com', clID => 'reg1',
    crID => 'reg1', status => 'ok', disclose => 'name:int voice email', disclose_flag => 1 },
    'info by another registrar: disclosed fields only, no authInfo');
$t->code_is(contact_info($c2, 'jd-1', 'wrong-pw'), 2202, 'info with a wrong authInfo: 2202');
$f = info_fields($c2, 'jd-1', '2fooBAR');
delete $f->{roid};
is_deeply($f, \%full, 'info with the right authInfo: every field but the authInfo');
$t->code_is(contact_info($c1, 'nobody'), 2303, 'info of an unknown contact: 2303');

# Nothing is disclosed by default; flag="0" on create changes nothing.
$t->code_is(contact_create($c2, id => 'priv-1', voice => '+46.812345',
    disclose => [0, 'email']), 1000, 'create with disclose flag="0"');
$f = info_fields($c1, 'priv-1');
is_deeply([@$f{qw(int.name int.city email disclose)}], [$R, $R, $R, ''],
    'default policy: name, city and email are private');
ok(!exists $f->{voice} && !exists $f->{'int.org'} && !exists $f->{'int.street'},
    'default policy: optional private fields are left out');

# Refused creates change nothing.
my $jd = info_fields($c1, 'jd-1');
refused(contact_create($c1, id => 'jd-1'), 2302, qr/exists/, 'create twice', $c1, 'jd-1', $jd);
refused(contact_create($c2, id => 'jd-1'), 2302, qr/exists/, 'create of an existing id by reg2');
my @bad = (
	[{ id => 'jd/2' }, 2005, qr/only ASCII letters/, 'id with a slash'],
	[{ id => 'jd-2', postal => [{ %INT, name => 'Jöns' }] }, 2005, qr/7-bit ASCII/,
	    'int postalInfo with non-ASCII'],
	[{ id => 'jd-2', postal => [{ %INT, cc => 'XX' }] }, 2005, qr/ISO 3166-1/,
	    'unknown country code'],
	[{ id => 'jd-2', postal => [\%INT, \%INT] }, 2306, qr/given twice/,
	    'two int postalInfo'],
	[{ id => 'jd-2', email => 'no-at-sign' }, 2005, qr/not an email/, 'email without @'],
	[{ id => 'jd-2', email => 'a@localhost' }, 2005, qr/not an email/, 'email without a dot'],
	[{ id => 'jd-2', voice => '+1.555', voice_x => '12a' }, 2005, qr/extension/,
	    'phone extension with a letter'],
	[{ id => 'jd-2', pw => 'abc' }, 2306, qr/authInfo has 6 to 64/, 'short authInfo'],
	[{ id => 'jd-2', disclose => [1] }, 2003, qr/disclose names none/, 'empty disclose'],
);
for my $b (@bad) {
	my ($o, $code, $re, $name) = @$b;
	refused(contact_create($c1, %$o), $code, $re, $name);
	$t->code_is(contact_info($c1, $o->{id}), 2303, "$name: nothing created");
}
$t->code_is(contact_create($c1, id => 'ab'), 2001, 'id shorter than clIDType: 2001');
$r = $c1->command(create_xml(id => 'ext-1'), extension => qq{<rgp:update }
    . qq{xmlns:rgp="$EPPTest::NS{rgp}"><rgp:restore op="request"/></rgp:update>});
refused($r, 2103, qr/does not apply to contact:create/, 'create with an rgp extension');
$t->code_is(contact_info($c1, 'ext-1'), 2303, 'create with an extension: nothing created');

# A client that pretty-prints its XML is not refused.
$r = $c1->command(<<"EOF");
<create>
  <contact:create $CON>
    <contact:id>
      pretty-1
    </contact:id>
    <contact:postalInfo type="int">
      <contact:name>
        Pretty Printer
      </contact:name>
      <contact:addr>
        <contact:city>
          Oslo
        </contact:city>
        <contact:cc>
          NO
        </contact:cc>
      </contact:addr>
    </contact:postalInfo>
    <contact:voice x="99">
      +47.22000000
    </contact:voice>
    <contact:email>
      pretty\@example.no
    </contact:email>
    <contact:authInfo>
      <contact:pw>
        Pretty-Pw1
      </contact:pw>
    </contact:authInfo>
  </contact:create>
</create>
EOF
$t->code_is($r, 1000, 'pretty-printed create');
$f = info_fields($c1, 'pretty-1');
is_deeply([@$f{qw(id int.name int.city int.cc voice voice_x email authInfo)}],
    ['pretty-1', 'Pretty Printer', 'Oslo', 'NO', '+47.22000000', '99', 'pretty@example.no',
    'Pretty-Pw1'], 'pretty-printed create: values without the white space');

# --- update ----------------------------------------------------------------------------

$jd = info_fields($c1, 'jd-1');
refused(contact_update($c2, 'jd-1', chg => '<contact:email>x@example.org</contact:email>'),
    2201, qr/another registrar/, 'update by another registrar', $c1, 'jd-1', $jd);
refused(contact_update($c1, 'nobody', chg => '<contact:email>x@example.org</contact:email>'),
    2303, qr/no contact/, 'update of an unknown contact');

$r = contact_update($c1, 'jd-1', add => ['clientDeleteProhibited'],
    chg => '<contact:email>new@example.se</contact:email>' . disclose(0, 'name:int')
    . disclose(1, 'addr:loc'));
$t->code_is($r, 2001, 'two disclose elements: schema error');
is_deeply(info_fields($c1, 'jd-1'), $jd, 'schema error: nothing changed');

$r = contact_update($c1, 'jd-1', add => ['clientDeleteProhibited'],
    chg => postal(type => 'loc', org => 'Nytt AB') . '<contact:voice/>'
    . '<contact:email>new@example.se</contact:email>' . authinfo('NewPw-22')
    . disclose(0, 'name:int', 'email'));
$t->code_is($r, 1000, 'update: status, loc org, voice removed, email, authInfo, disclose');
$f = info_fields($c1, 'jd-1');
my %want = (%$jd, 'loc.org' => 'Nytt AB', email => 'new@example.se', authInfo => 'NewPw-22',
    status => 'clientDeleteProhibited', disclose => 'voice', upID => 'reg1');
delete $want{$_} for qw(voice voice_x);
is_deeply($f, \%want, 'update: info shows exactly the changes');
$t->code_is(contact_info($c2, 'jd-1', '2fooBAR'), 2202, 'the old authInfo no longer works');
$t->code_is(contact_info($c2, 'jd-1', 'NewPw-22'), 1000, 'the new authInfo works');
is(info_fields($c2, 'jd-1')->{'int.name'}, $R, 'name int is private again');

# A postalInfo form the contact lacks needs name and address.
$r = contact_update($c1, 'priv-1', chg => postal(type => 'loc', org => 'Org'));
$t->code_is($r, 2201, 'update of reg2\'s contact by reg1: 2201');
my $priv = info_fields($c2, 'priv-1');
refused(contact_update($c2, 'priv-1', chg => postal(type => 'loc', org => 'Org')), 2003,
    qr/needs a name and an address/, 'new loc postalInfo without name', $c2, 'priv-1', $priv);
$t->code_is(contact_update($c2, 'priv-1', chg => postal(type => 'loc', name => 'Namn',
    city => 'Umeå', cc => 'se')), 1000, 'new loc postalInfo with name and address');
$f = info_fields($c2, 'priv-1');
is_deeply([@$f{qw(loc.name loc.city loc.cc int.name)}], ['Namn', 'Umeå', 'SE', 'John Doe'],
    'the new form is there, cc upper case, the int form kept');
$t->code_is(contact_update($c2, 'priv-1', chg => postal(type => 'int', city => 'Luleå',
    cc => 'SE')), 2005, 'a new int address must be ASCII');
$t->code_is(contact_update($c2, 'priv-1', chg => postal(type => 'int', org => 'Org AB',
    city => 'Lulea', street => ['Gatan 2'], cc => 'SE')), 1000, 'int org and address replaced');
$f = info_fields($c2, 'priv-1');
is_deeply([@$f{qw(int.name int.org int.street int.city int.cc)}],
    ['John Doe', 'Org AB', 'Gatan 2', 'Lulea', 'SE'], 'int form: name kept, the rest replaced');
$t->code_is(contact_update($c2, 'priv-1', chg => postal(type => 'int') =~
    s{</contact:postalInfo>}{<contact:org/></contact:postalInfo>}r), 1000, 'empty org');
ok(!exists info_fields($c2, 'priv-1')->{'int.org'}, 'empty org removes it');

$jd = info_fields($c1, 'jd-1');
refused(contact_update($c1, 'jd-1', chg => ''), 2003, qr/changes nothing/, 'empty chg',
    $c1, 'jd-1', $jd);
refused(contact_update($c1, 'jd-1', add => ['clientDeleteProhibited']), 2306,
    qr/already has status/, 'add a status the contact has', $c1, 'jd-1', $jd);
refused(contact_update($c1, 'jd-1', rem => ['clientTransferProhibited']), 2306,
    qr/does not have status/, 'remove a status the contact lacks', $c1, 'jd-1', $jd);
refused(contact_update($c1, 'jd-1', add => ['serverDeleteProhibited']), 2306,
    qr/use one of: clientDeleteProhibited, clientTransferProhibited, clientUpdateProhibited/,
    'add a server status', $c1, 'jd-1', $jd);
refused(contact_update($c1, 'jd-1', add => ['clientUpdateProhibited'],
    chg => '<contact:email>bad</contact:email>'), 2005, qr/not an email/,
    'a bad value refuses the whole update', $c1, 'jd-1', $jd);

# clientUpdateProhibited: only its removal goes through.
$t->code_is(contact_update($c1, 'jd-1', add => ['clientUpdateProhibited']), 1000,
    'add clientUpdateProhibited');
$jd = info_fields($c1, 'jd-1');
refused(contact_update($c1, 'jd-1', chg => '<contact:email>x@example.org</contact:email>'),
    2304, qr/clientUpdateProhibited/, 'update of a locked contact', $c1, 'jd-1', $jd);
refused(contact_update($c1, 'jd-1', rem => ['clientUpdateProhibited'],
    chg => '<contact:email>x@example.org</contact:email>'), 2304, qr/only statuses/,
    'unlock and change in one update', $c1, 'jd-1', $jd);
$t->code_is(contact_update($c1, 'jd-1', rem => ['clientUpdateProhibited']), 1000,
    'remove clientUpdateProhibited');

# --- delete ----------------------------------------------------------------------------

$t->code_is(contact_create($c1, id => 'in-use'), 1000, 'contact for a domain');
$r = $c1->command(qq{<create><domain:create xmlns:domain="$EPPTest::NS{domain}">}
    . '<domain:name>uses-contacts.test</domain:name><domain:registrant>in-use'
    . '</domain:registrant><domain:contact type="tech">pretty-1</domain:contact>'
    . '<domain:authInfo><domain:pw>Domain-Pw1</domain:pw></domain:authInfo>'
    . '</domain:create></create>');
$t->code_is($r, 1000, 'domain with registrant in-use and tech pretty-1');
is(info_fields($c2, 'in-use')->{status}, 'linked ok', 'a contact in use is linked');
refused(contact_delete($c1, 'in-use'), 2305, qr/linked to a domain/,
    'delete of a registrant');
refused(contact_delete($c1, 'pretty-1'), 2305, qr/linked to a domain/,
    'delete of a tech contact');
refused(contact_delete($c2, 'jd-1'), 2201, qr/another registrar/, 'delete by another registrar');
refused(contact_delete($c1, 'jd-1'), 2304, qr/clientDeleteProhibited/,
    'delete with clientDeleteProhibited');
$t->code_is(contact_delete($c1, 'nobody'), 2303, 'delete of an unknown contact');
$t->code_is(contact_update($c1, 'jd-1', rem => ['clientDeleteProhibited']), 1000,
    'remove clientDeleteProhibited');
$t->code_is(contact_delete($c1, 'jd-1'), 1000, 'delete');
$t->code_is(contact_info($c1, 'jd-1'), 2303, 'deleted contact is gone');
is($t->sql("SELECT count(*) FROM authinfo WHERE roid = '$roid'"), 0,
    'delete: the authInfo went too');
is(contact_check($c1, 'jd-1')->attr('//contact:cd/contact:id', 'avail'), 1,
    'deleted id is available again');
is($t->sql("SELECT group_concat(command, ' ') FROM (SELECT command FROM history "
    . "WHERE roid = '$roid' ORDER BY id)"), 'contact:create ' . join(' ', ('contact:update') x 4)
    . ' contact:delete', 'history: one entry per transform');

# Contact transfer is off by default.
$t->code_is(contact_create($c1, id => 'xfer-0'), 1000, 'contact to try to transfer');
for my $op (qw(request approve reject cancel)) {
	my $c = $op eq 'request' || $op eq 'cancel' ? $c2 : $c1;
	refused(transfer($c, $op, 'xfer-0', 'Contact-Pw1'), 2307,
	    qr/does not offer contact transfer/, "transfer $op with the service off");
}
$t->code_is(transfer($c1, 'query', 'xfer-0'), 2301, 'transfer query: no transfer');
is(info_fields($c1, 'xfer-0')->{clID}, 'reg1', 'the contact stayed');
$c1->logout;
$c2->logout;

# --- service on ----------------------------------------------------------------------------

$t = EPPTest->new(registrars => [qw(reg1 reg2 reg3)],
    registry => { contact_transfer => 'yes' }, periods => { transfer_pending => '5d' });
$c1 = $t->login('reg1');
$c2 = $t->login('reg2');
my $c3 = $t->login('reg3');
$t->code_is(contact_create($c1, id => 'move-1', pw => 'Move-Pw1'), 1000, 'contact to move');

refused(transfer($c1, 'request', 'move-1', 'Move-Pw1'), 2106, qr/already yours/,
    'request by the sponsor');
refused(transfer($c2, 'request', 'move-1'), 2003, qr/needs the authInfo/,
    'request without authInfo');
refused(transfer($c2, 'request', 'move-1', 'Wrong-Pw1'), 2202, qr/does not match/,
    'request with a wrong authInfo');
refused(transfer($c1, 'approve', 'move-1'), 2301, qr/no transfer .* is pending/,
    'approve with nothing pending');
$t->code_is(contact_update($c1, 'move-1', add => ['clientTransferProhibited']), 1000,
    'add clientTransferProhibited');
refused(transfer($c2, 'request', 'move-1', 'Move-Pw1'), 2304, qr/clientTransferProhibited/,
    'request while clientTransferProhibited');
$t->code_is(contact_update($c1, 'move-1', rem => ['clientTransferProhibited']), 1000,
    'remove clientTransferProhibited');

# request, then reject
$r = transfer($c2, 'request', 'move-1', 'Move-Pw1');
$t->code_is($r, 1001, 'request: 1001');
is_deeply([map { $r->text("//contact:trnData/contact:$_") } qw(id trStatus reID acID)],
    ['move-1', 'pending', 'reg2', 'reg1'], 'request: trnData');
is(info_fields($c1, 'move-1')->{status}, 'pendingTransfer', 'pendingTransfer, ok gone');
is_deeply(poll_last($c1), ['Transfer requested.', 'pending'], 'the sponsor is told');
refused(transfer($c2, 'request', 'move-1', 'Move-Pw1'), 2300, qr/already pending/,
    'a second request');
refused(contact_update($c1, 'move-1', chg => '<contact:email>a@example.org</contact:email>'),
    2304, qr/pendingTransfer/, 'update while a transfer is pending');
refused(contact_delete($c1, 'move-1'), 2304, qr/pendingTransfer/,
    'delete while a transfer is pending');
$r = transfer($c3, 'query', 'move-1');
refused($r, 2201, qr/parties of the transfer/, 'query by a third registrar without authInfo');
$t->code_is(transfer($c3, 'query', 'move-1', 'Move-Pw1'), 1000,
    'query by a third registrar with the authInfo');
is(transfer($c2, 'query', 'move-1')->text('//contact:trStatus'), 'pending',
    'query by the requester');
refused(transfer($c2, 'reject', 'move-1'), 2201, qr/another registrar/, 'reject by the requester');
refused(transfer($c1, 'cancel', 'move-1'), 2201, qr/only the registrar that requested/,
    'cancel by the sponsor');
$r = transfer($c1, 'reject', 'move-1');
$t->code_is($r, 1000, 'reject');
is($r->text('//contact:trStatus'), 'clientRejected', 'reject: trStatus');
is_deeply(poll_last($c2), ['Transfer rejected.', 'clientRejected'], 'the requester is told');
is(info_fields($c1, 'move-1')->{status}, 'ok', 'reject: back to ok');
is(info_fields($c1, 'move-1')->{clID}, 'reg1', 'reject: the sponsor stays');

# request, then cancel
$t->code_is(transfer($c2, 'request', 'move-1', 'Move-Pw1'), 1001, 'request again');
poll_last($c1);
$r = transfer($c2, 'cancel', 'move-1');
$t->code_is($r, 1000, 'cancel');
is_deeply([$r->text('//contact:trStatus'), $r->text('//contact:acID')],
    ['clientCancelled', 'reg2'], 'cancel: trStatus and acting client');
is_deeply(poll_last($c1), ['Transfer cancelled.', 'clientCancelled'], 'the sponsor is told');

# request, then approve
$t->code_is(transfer($c2, 'request', 'move-1', 'Move-Pw1'), 1001, 'request a third time');
$r = transfer($c1, 'approve', 'move-1');
$t->code_is($r, 1000, 'approve');
is($r->text('//contact:trStatus'), 'clientApproved', 'approve: trStatus');
is_deeply(poll_last($c2), ['Transfer approved.', 'clientApproved'], 'the requester is told');
$r = contact_info($c2, 'move-1');
$f = fields($r);
is_deeply([@$f{qw(clID status)}], ['reg2', 'ok'], 'approve: new sponsor, pendingTransfer gone');
ok(defined $r->text('//contact:trDate'), 'approve: trDate');
isnt($f->{authInfo}, 'Move-Pw1', 'approve: a fresh authInfo for the new sponsor');
$t->code_is(contact_info($c1, 'move-1', 'Move-Pw1'), 2202,
    'the old sponsor cannot use the old authInfo');
is(transfer($c1, 'query', 'move-1')->text('//contact:trStatus'), 'clientApproved',
    'the losing registrar can still query the transfer');

# A request nobody answers: the registry approves it after the period.
$t->code_is(transfer($c3, 'request', 'move-1', $f->{authInfo}), 1001, 'request by reg3');
ok($t->advance_clock('6d'), 'registry clock moved past the pending period');
$r = transfer($c3, 'query', 'move-1');
is($r->text('//contact:trStatus'), 'serverApproved', 'the registry approved the transfer');
is(info_fields($c3, 'move-1')->{clID}, 'reg3', 'reg3 sponsors the contact');

$_->logout for $c1, $c2, $c3;
EPPTest::done();
