#!/usr/bin/perl
# escrow.t: data escrow from end to end. A registry filled through eppd
# (three registrars; contacts with both postal forms, disclose flags and
# statuses; external and in-zone hosts with glue; domains with DS data
# and key data, an IDN, client and registry statuses, a pending transfer,
# one in redemption, one in the renew grace period, one in the add grace
# period; reserved and blocked names) makes a full deposit, changes
# (creates, deletes, a purge, a host rename, a registrar change, reserved
# names) and an incremental one. Both validate with xmllint and the
# reference checker and carry no secrets; the report and the offsite copy
# are there. Then:
#
#   - restore of the full and the incremental into a new database, which
#     exports again exactly as the original does (and the full deposit
#     alone restores to exactly the full deposit), answers WHOIS and RDAP
#     exactly as the original, and after the documented credential
#     re-issue (regctl registrar update) answers every EPP info, transfer
#     query and check exactly as the original did;
#   - refusals, each leaving no database behind: a changed byte, a cut
#     file, the digest fixed to match, a signature by another key, no
#     signature, a schema-invalid deposit (plain and encrypted, signed by
#     the right key), header counts that do not add up, an incremental
#     first, a chain out of order, an existing target;
#   - a transfer command target with its arrival check (and one that
#     reports the wrong digest), retention, verify, and bad use.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use EPPTest;
use EPPDomain;
use Digest::SHA;
use File::Copy qw(copy);
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep);

my $BIN = $EPPTest::BIN;
my $REF = $EPPTest::REF;
plan skip_all => "$BIN/escrow is not built" unless -x "$BIN/escrow";
for my $tool (qw(gpg gpgconf xmllint)) {
	plan skip_all => "$tool is not installed" if system("command -v $tool >/dev/null 2>&1") != 0;
}

my %NS = %EPPTest::NS;
my $PW = $EPPDomain::PW;
my @RARS = qw(reg1 reg2 reg3);
my $t = EPPTest->new(registrars => \@RARS);
my $d = EPPDomain->new($t);
my $dir = $t->dir;
my $GNUPG = "$dir/gnupg";
my $OUT = "$dir/deposits";
my $OFFSITE = "$dir/offsite";

sub slurp { my ($f) = @_; open(my $fh, '<:raw', $f) or return ''; local $/; my $s = <$fh>; return $s // '' }
sub spew { my ($f, $s) = @_; open(my $fh, '>:raw', $f) or die "$f: $!"; print $fh $s; close $fh }
sub run { my (@cmd) = @_; return $t->run_quiet(@cmd) }

# --- keys ------------------------------------------------------------------------------

mkdir($GNUPG, 0700) or die;
mkdir($OFFSITE) or die;
END { system('gpgconf', '--homedir', $GNUPG, '--kill', 'gpg-agent') if $GNUPG && -d $GNUPG }

sub gpg { return run('gpg', '--homedir', $GNUPG, '--batch', '--no-tty', @_) }
my %KEY = (agent => 'agent@escrow.example', registry => 'escrow@nic.test',
    rogue => 'rogue@example.net');
for my $k (sort keys %KEY) {
	my ($st, $out) = gpg('--passphrase', '', '--quick-gen-key', "\u$k <$KEY{$k}>",
	    'future-default', 'default', 'never');
	is($st, 0, "gpg key for the $k") or diag($out);
}
gpg('--armor', '--output', "$dir/agent.asc", '--export', $KEY{agent});
gpg('--armor', '--output', "$dir/registry.asc", '--export', $KEY{registry});

my $escrow_conf = "[escrow]\ntarget = $OFFSITE\nagent_key = $dir/agent.asc\n"
    . "signing_key = $dir/registry.asc\ngpg_home = $GNUPG\nretention = 10\n";
open(my $cf, '>>', $t->conf) or die;
print $cf "\n$escrow_conf";
close $cf;

sub escrow { return run("$BIN/escrow", @_) }

# --- the registry, through eppd ------------------------------------------------------------

my ($c1, $c2, $c3) = map { $t->login($_) } @RARS;
my %client = (reg1 => $c1, reg2 => $c2, reg3 => $c3);

sub ok_cmd {
	my ($c, $xml, $what, @codes) = @_;
	@codes = (1000) unless @codes;
	my $r = $c->command($xml);
	my $code = $r ? $r->code : 'none';
	ok((grep { $code eq $_ } @codes), "$what: $code") or diag($r ? $r->xml : 'no response');
	return $r;
}
sub secdns { my ($el, $inner) = @_;
	return qq{<secDNS:$el xmlns:secDNS="$NS{secDNS}">$inner</secDNS:$el>} }
sub ds {
	my ($tag, $digest) = @_;
	return "<secDNS:dsData><secDNS:keyTag>$tag</secDNS:keyTag><secDNS:alg>13</secDNS:alg>"
	    . "<secDNS:digestType>2</secDNS:digestType><secDNS:digest>$digest</secDNS:digest>"
	    . '</secDNS:dsData>';
}
sub contact_xml {
	my ($verb, $inner) = @_;
	return qq{<$verb><contact:$verb xmlns:contact="$NS{contact}">$inner</contact:$verb></$verb>};
}
sub host_xml {
	my ($verb, $inner) = @_;
	return qq{<$verb><host:$verb xmlns:host="$NS{host}">$inner</host:$verb></$verb>};
}
sub dom_update {
	my ($c, $name, $inner, $what, %o) = @_;
	return $d->expect($c, 1000, $what, 'update', "<domain:name>$name</domain:name>$inner", %o);
}

$d->contact_create($c1, $_) for qw(holder1 admin1 spare1);
$d->contact_create($c2, 'holder2');
$d->contact_create($c3, 'holder3');
ok_cmd($c1, contact_xml('create', '<contact:id>rich1</contact:id>'
    . '<contact:postalInfo type="int"><contact:name>John Doe</contact:name><contact:org>Doe &amp; '
    . 'Sons "&lt;Example&gt;"</contact:org><contact:addr><contact:street>123 Example Dr.</contact:street>'
    . '<contact:street>Suite 100</contact:street><contact:city>Dulles</contact:city>'
    . '<contact:sp>VA</contact:sp><contact:pc>20166-6503</contact:pc><contact:cc>US</contact:cc>'
    . '</contact:addr></contact:postalInfo><contact:postalInfo type="loc"><contact:name>Jöns '
    . 'Dœ</contact:name><contact:addr><contact:street>Storgatan 1</contact:street><contact:city>'
    . 'Malmö</contact:city><contact:cc>SE</contact:cc></contact:addr></contact:postalInfo>'
    . '<contact:voice x="1234">+1.7035555555</contact:voice><contact:fax>+1.7035555556'
    . '</contact:fax><contact:email>jdoe@example.com</contact:email><contact:authInfo>'
    . '<contact:pw>Contact-Pw1</contact:pw></contact:authInfo><contact:disclose flag="1">'
    . '<contact:name type="int"/><contact:voice/><contact:email/></contact:disclose>'),
    'contact with both postal forms, phone extension, fax, disclose flags, & < > " in a value');
ok_cmd($c1, contact_xml('update', '<contact:id>admin1</contact:id><contact:add>'
    . '<contact:status s="clientDeleteProhibited"/></contact:add>'), 'contact status');

$d->host_create($c1, $_) for qw(ns1.dns.example ns2.dns.example spare.dns.example);
$d->host_create($c2, 'ns.other.example');
ok_cmd($c1, host_xml('update', '<host:name>ns2.dns.example</host:name><host:add>'
    . '<host:status s="clientUpdateProhibited"/></host:add>'), 'host status');

$d->holder('holder1');
$d->create($c1, 1000, 'alpha.test', ns => [qw(ns1.dns.example ns2.dns.example)],
    contacts => [[admin => 'admin1'], [tech => 'rich1'], [billing => 'admin1']],
    ext => secdns('create', '<secDNS:maxSigLife>604800</secDNS:maxSigLife>'
    . ds(12345, 'A' x 64) . ds(54321, 'B' x 64)));
$d->create($c1, 1000, "r\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s.test", ns => ['ns1.dns.example'],
    what => 'IDN create');
$d->create($c1, 1000, $_) for qw(held.test locked.test moving.test doomed.test renewed.test);
$d->holder('holder2');
$d->create($c2, 1000, 'beta.test', ns => ['ns.other.example']);

# In-zone hosts with glue, and domains that use them.
$d->host_create($c1, 'ns1.alpha.test', '192.0.2.1');
ok_cmd($c1, host_xml('update', '<host:name>ns1.alpha.test</host:name><host:add>'
    . '<host:addr ip="v6">2001:db8::1</host:addr></host:add>'), 'glue: an IPv6 address too');
dom_update($c1, 'alpha.test', '<domain:add><domain:ns><domain:hostObj>ns1.alpha.test'
    . '</domain:hostObj></domain:ns></domain:add>', 'alpha.test uses its in-zone host');
$d->host_create($c2, 'ns2.beta.test', '198.51.100.2');
dom_update($c2, 'beta.test', '<domain:add><domain:ns><domain:hostObj>ns2.beta.test'
    . '</domain:hostObj></domain:ns></domain:add>', 'beta.test uses its in-zone host');

dom_update($c1, 'held.test', '<domain:add><domain:status s="clientHold" lang="en">Payment '
    . 'overdue</domain:status><domain:status s="clientTransferProhibited"/></domain:add>',
    'client statuses with a reason');
$t->regctl('domain', 'lock', 'locked.test');
$t->regctl('domain', 'status', 'set', 'held.test', 'serverRenewProhibited');
$t->regctl('reserved', 'add', 'kept.test', 'reserved', '--reason', 'registry use');
$t->regctl('reserved', 'add', 'banned.test', 'blocked');
# Key data with a DS record, which EPP's DS interface does not take.
$t->sql("INSERT INTO domain_ds(domain_id, key_tag, alg, digest_type, digest, key_flags, "
    . "key_protocol, key_alg, key_pub) SELECT id, 4242, 13, 2, '" . ('C' x 64) . "', 257, 3, 13, "
    . "'AwEAAQ==' FROM domain WHERE name = 'beta.test'");

# Six days on: the add grace periods are over.
ok($t->advance_clock('6d'), 'registry clock six days on');
$d->expect($c1, 1001, 'delete doomed.test: redemption', 'delete',
    '<domain:name>doomed.test</domain:name>');
$d->expect($c2, 1001, 'transfer request: pending', 'transfer',
    '<domain:name>moving.test</domain:name>' . EPPDomain::auth($PW), op => 'request');
my $exp = $d->info($c1, 'renewed.test')->text('//domain:exDate');
$d->expect($c1, 1000, 'renew: renew grace period', 'renew', '<domain:name>renewed.test'
    . '</domain:name><domain:curExpDate>' . substr($exp, 0, 10) . '</domain:curExpDate>'
    . '<domain:period unit="y">2</domain:period>');
$d->holder('holder3');
$d->create($c3, 1000, 'fresh.test', what => 'fresh.test: add grace period');
$d->create($c3, 1000, 'keep3.test', what => 'keep3.test');
is($d->rgp_statuses($d->info($c1, 'doomed.test')), 'redemptionPeriod', 'doomed.test in redemption');
is($d->rgp_statuses($d->info($c3, 'fresh.test')), 'addPeriod', 'fresh.test in add grace');
is($d->rgp_statuses($d->info($c1, 'renewed.test')), 'renewPeriod', 'renewed.test in renew grace');

# --- what the registry answers ------------------------------------------------------------

my @DOMAINS;
my @HOSTS;
my @CONTACTS;
sub objects {
	@DOMAINS = split /\n/, $t->sql("SELECT name FROM domain ORDER BY name");
	@HOSTS = split /\n/, $t->sql("SELECT name FROM host ORDER BY name");
	@CONTACTS = split /\n/, $t->sql("SELECT handle FROM contact ORDER BY handle");
}

my $parser = XML::LibXML->new;
# resData and extension of a response without secrets and transaction ids.
sub answer {
	my ($r) = @_;
	return 'no response' unless $r;
	my $doc = $parser->load_xml(string => $r->xml);
	my $xpc = XML::LibXML::XPathContext->new($doc);
	$xpc->registerNs($_, $NS{$_}) for keys %NS;
	$_->unbindNode for $xpc->findnodes('//*[local-name() = "authInfo"] | //epp:trID');
	return join('', $r->code, map { $_->toString } $xpc->findnodes('//epp:resData | //epp:extension'));
}

# Every object as every registrar sees it, the pending transfer and checks.
sub epp_answers {
	my (%c) = @_;
	my %a;
	for my $rar (@RARS) {
		my $c = $c{$rar};
		for my $n (@DOMAINS) {
			$a{"$rar domain $n"} = answer($c->command(EPPDomain::dom('info',
			    qq{<domain:name hosts="all">$n</domain:name>})));
		}
		$a{"$rar host $_"} = answer($c->command(host_xml('info', "<host:name>$_</host:name>")))
		    for @HOSTS;
		$a{"$rar contact $_"} = answer($c->command(contact_xml('info',
		    "<contact:id>$_</contact:id>"))) for @CONTACTS;
		$a{"$rar transfer moving.test"} = answer($c->command(EPPDomain::dom('transfer',
		    '<domain:name>moving.test</domain:name>', 'query')));
		$a{"$rar check"} = answer($c->command(EPPDomain::dom('check', join('', map {
		    "<domain:name>$_</domain:name>" } qw(kept.test banned.test alpha.test free.test
		    newly.test fresh.test)))));
	}
	return \%a;
}

sub same_answers {
	my ($what, $want, $have) = @_;
	my @bad = grep { ($want->{$_} // '') ne ($have->{$_} // '') } sort keys %$want;
	is(scalar(@bad), 0, "$what: " . scalar(keys %$want) . ' answers the same')
	    or diag("first difference, $bad[0]:\nwas:  $want->{$bad[0]}\nnow:  "
	    . ($have->{$bad[0]} // 'none'));
}

# --- WHOIS and RDAP on a database ------------------------------------------------------------

my %daemons;
my $started = 0;
END { kill('KILL', $_) for keys %daemons }

sub daemon_start {
	my ($prog, $db) = @_;
	my $name = "$prog-" . ++$started;
	my $conf = "$dir/$name.conf";
	my $log = "$dir/$name.log";
	spew($conf, "[registry]\ntld = test\nroid_suffix = TEST\nname = EPPTest registry\n"
	    . "idn_table = $EPPTest::ROOT/data/idn/test.txt\nwhois_server = whois.nic.test\n"
	    . "url = https://www.nic.test/\nadjustable_clock = yes\n\n[database]\nmaster = $db\n"
	    . "replica = $db\n\n[whois]\nlisten = 127.0.0.1:0\n\n[rdap]\nlisten = 127.0.0.1:0\n"
	    . "base_url = https://rdap.nic.test/\nrate_limit = 100000\nrate_burst = 100000\n");
	my $pid = fork // die;
	if ($pid == 0) {
		open(STDERR, '>', $log) or die;
		open(STDOUT, '>', '/dev/null') or die;
		exec("$BIN/$prog", '-c', $conf) or exit 127;
	}
	$daemons{$pid} = 1;
	# whoisd says when its workers answer; rdapd answers once it listens.
	my $ready = $prog eq 'whoisd' ? qr/ready: answering/ : qr/listening on/;
	for (1 .. 600) {
		last if slurp($log) =~ $ready;
		last if waitpid($pid, WNOHANG) == $pid;
		sleep 0.05;
	}
	my ($port) = slurp($log) =~ /listening on 127\.0\.0\.1:(\d+)/;
	diag("$prog did not start: " . slurp($log)) unless $port;
	return ($pid, $port, $log);
}

sub daemon_stop {
	my ($pid) = @_;
	kill('TERM', $pid);
	waitpid($pid, 0);
	delete $daemons{$pid};
}

sub whois_query {
	my ($port, $q) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 5)
	    or return 'no connection';
	print $s "$q\r\n";
	local $/;
	my $a = <$s> // '';
	$a =~ s/^.*(last update|database as of|query time).*$//mgi;
	return $a;
}

my $json = JSON::PP->new->canonical;
sub rdap_query {
	my ($port, $path) = @_;
	my $body = `curl -s -m 5 'http://127.0.0.1:$port/$path'`;
	my $o = eval { $json->decode($body) } or return $body;
	# The one time that is the time of the answer, not of the data.
	$o->{events} = [grep { $_->{eventAction} ne 'last update of RDAP database' }
	    @{$o->{events} // []}] if ref $o eq 'HASH' && $o->{events};
	return $json->encode($o);
}

# Every object over WHOIS and RDAP, from database $db.
sub public_answers {
	my ($db) = @_;
	my %a;
	if (-x "$BIN/whoisd") {
		my ($pid, $port) = daemon_start('whoisd', $db);
		$a{"whois $_"} = whois_query($port, $_) for @DOMAINS, @HOSTS, qw(kept.test banned.test);
		daemon_stop($pid);
	}
	if (-x "$BIN/rdapd") {
		my ($pid, $port) = daemon_start('rdapd', $db);
		$a{"rdap domain $_"} = rdap_query($port, "domain/$_") for @DOMAINS;
		$a{"rdap nameserver $_"} = rdap_query($port, "nameserver/$_") for @HOSTS;
		$a{"rdap entity $_"} = rdap_query($port, "entity/$_") for @CONTACTS;
		daemon_stop($pid);
	}
	return \%a;
}

# --- the full deposit -----------------------------------------------------------------------

# A deposit's XML: decrypted when it is encrypted.
sub xml_of {
	my ($base) = @_;
	return slurp("$base.xml") if -f "$base.xml";
	my ($st, $out) = gpg('--output', "$base.dec.xml", '--decrypt', "$base.ryde");
	die "cannot decrypt $base.ryde: $out" if $st;
	my $x = slurp("$base.dec.xml");
	unlink("$base.dec.xml");
	return $x;
}

# The newest deposit's name in $OUT.
sub newest {
	my @r = sort { (-M $a) <=> (-M $b) || $b cmp $a } glob("$OUT/*.report");
	(my $base = $r[0] // '') =~ s/\.report$//;
	return $base;
}

sub check_deposit {
	my ($base, $what) = @_;
	my $xml = xml_of($base);
	spew("$dir/check.xml", $xml);
	my ($st, $out) = run('xmllint', '--noout', '--schema', "$REF/bundle/all.xsd", "$dir/check.xml");
	is($st, 0, "$what validates with xmllint --schema all.xsd") or diag($out);
	SKIP: {
		skip 'no reference checker', 1 unless -x "$REF/check.sh";
		($st, $out) = run("$REF/check.sh", 'xml', "$dir/check.xml");
		is($st, 0, "$what passes the reference checker (libxml2 and xmlschema)") or diag($out);
	}
	# The header counts what the deposit holds.
	my $doc = $parser->load_xml(string => $xml);
	my $xpc = XML::LibXML::XPathContext->new($doc);
	my %count = map { $_->getAttribute('uri') => $_->textContent }
	    $xpc->findnodes('//*[local-name() = "header"]/*[local-name() = "count"]');
	my @contents = $xpc->findnodes('/*/*[local-name() = "contents"]/*');
	my %seen;
	$seen{$_->namespaceURI}++ for grep { $_->localName ne 'header' } @contents;
	is(join(',', map { "$_=" . ($count{$_} // 0) } sort keys %count),
	    join(',', map { "$_=" . ($seen{$_} // 0) } sort keys %count), "$what: header counts match");
	unlike($xml, qr/authInfo|\Q$PW\E|Contact-Pw1|pw_hash|\$argon|\$2[aby]\$/,
	    "$what: no authInfo, passwords or hashes");
	return $xml;
}

my ($st, $out) = escrow('deposit', '-c', $t->conf, '-o', $OUT);
is($st, 0, 'full deposit') or diag($out);
my $FULL = newest();
like($FULL, qr{/test_\d{4}-\d\d-\d\d_full_S\d+_R0$}, 'full deposit named tld_date_full_Sseq_R0');
ok(-f "$FULL.$_", "full deposit: .$_") for qw(ryde sig sha256 report);
unlike(slurp("$FULL.ryde"), qr/rde:deposit|alpha\.test/, 'the .ryde file is not readable XML');
my $report = slurp("$FULL.report");
like($report, qr/^type: FULL$/m, 'report: type');
like($report, qr/^count domain: 10$/m, 'report: ten domains');
(my $name = $FULL) =~ s{.*/}{};
ok(-f "$OFFSITE/$name.$_", "offsite copy: .$_") for qw(ryde sig sha256 report);
is(slurp("$OFFSITE/$name.ryde"), slurp("$FULL.ryde"), 'offsite copy is the deposit');
like($out, qr/sent to \Q$OFFSITE\E and checked there/, 'arrival checked');
my $full_xml = check_deposit($FULL, 'full deposit');
like($full_xml, qr{<rdeDomain:rgpStatus s="redemptionPeriod">deleted }, 'full: redemption');
like($full_xml, qr{<rdeDomain:rgpStatus s="addPeriod">ends }, 'full: add grace period');
like($full_xml, qr{<rdeDomain:rgpStatus s="renewPeriod">ends }, 'full: renew grace period');
like($full_xml, qr{<rdeDomain:trStatus>pending</rdeDomain:trStatus>}, 'full: pending transfer');
like($full_xml, qr{<rdeDomain:uName>räksmörgås.test</rdeDomain:uName>}, 'full: U-label');
like($full_xml, qr{<secDNS:keyData>.*?<secDNS:pubKey>AwEAAQ==}s, 'full: key data');
like($full_xml, qr{<contact:org>Doe &amp; Sons &quot;&lt;Example&gt;&quot;</contact:org>},
    'full: markup in a value escaped');
like($full_xml, qr{<rdeNNDN:aName>banned.test</rdeNNDN:aName><rdeNNDN:nameState>blocked},
    'full: blocked name');
is(() = $full_xml =~ /<rdeRegistrar:registrar>/g, 3, 'full: three registrars');

# --- changes and the incremental deposit ---------------------------------------------------

ok_cmd($c1, host_xml('delete', '<host:name>spare.dns.example</host:name>'), 'host deleted');
ok_cmd($c1, contact_xml('delete', '<contact:id>spare1</contact:id>'), 'contact deleted');
ok_cmd($c2, host_xml('update', '<host:name>ns.other.example</host:name><host:chg><host:name>'
    . 'ns.renamed.example</host:name></host:chg>'), 'host renamed');
ok_cmd($c1, contact_xml('update', '<contact:id>rich1</contact:id><contact:chg><contact:email>'
    . 'john@example.com</contact:email></contact:chg>'), 'contact changed');
$d->expect($c3, 1000, 'fresh.test deleted in its add grace period: purged', 'delete',
    '<domain:name>fresh.test</domain:name>');
$d->holder('holder2');
$d->create($c2, 1000, 'gamma.test', ns => ['ns2.beta.test'],
    ext => secdns('create', ds(777, 'D' x 64)));
dom_update($c1, 'alpha.test', '<domain:add><domain:status s="clientUpdateProhibited"/>'
    . '</domain:add><domain:rem><domain:ns><domain:hostObj>ns2.dns.example</domain:hostObj>'
    . '</domain:ns></domain:rem>', 'alpha.test changed');
$t->regctl('reserved', 'del', 'kept.test');
$t->regctl('reserved', 'add', 'newly.test', 'reserved');
$t->regctl('registrar', 'update', 'reg3', '--name', 'Registrar Three, renamed');

($st, $out) = escrow('deposit', '-c', $t->conf, '-o', $OUT, '--incremental');
is($st, 0, 'incremental deposit') or diag($out);
my $INC = newest();
like($INC, qr{/test_\d{4}-\d\d-\d\d_inc_S\d+_R0$}, 'incremental named tld_date_inc_Sseq_R0');
my $inc_xml = check_deposit($INC, 'incremental deposit');
like(slurp("$INC.report"), qr/^prev_id: F\d+$/m, 'report: the full deposit it follows');
like($inc_xml, qr{<rde:deposit type="DIFF" id="I\d+" prevId="F\d+"}, 'incremental: DIFF with prevId');
like($inc_xml, qr{<rdeDomain:delete><rdeDomain:name>fresh.test</rdeDomain:name>}, 'incremental: purged domain');
like($inc_xml, qr{<rdeHost:delete><rdeHost:roid>H\d+-}, 'incremental: deleted host by ROID');
like($inc_xml, qr{<rdeContact:delete><rdeContact:id>spare1<}, 'incremental: deleted contact');
like($inc_xml, qr{<rdeNNDN:delete><rdeNNDN:aName>kept.test<}, 'incremental: released name');
like($inc_xml, qr{<rdeHost:name>ns.renamed.example</rdeHost:name>}, 'incremental: renamed host');
like($inc_xml, qr{Registrar Three, renamed}, 'incremental: changed registrar');
unlike($inc_xml, qr{<rdeDomain:name>held.test<}, 'incremental: unchanged domains left out');
is(() = $inc_xml =~ /<rdeDomain:domain>/g, 2, 'incremental: the two domains that changed');

# The original's answers now, and a plain full deposit of it to compare with.
objects();
my $epp_before = epp_answers(%client);
my $public_before = public_answers($t->db);
($st, $out) = escrow('deposit', '-c', $t->conf, '-o', "$dir/plain", '--no-encrypt', '--no-send');
is($st, 0, 'plain full deposit of the original') or diag($out);
my ($plain) = glob("$dir/plain/*.xml");

# --- restore ---------------------------------------------------------------------------------

my $t2 = EPPTest->new(registrars => \@RARS, start => 0);
unlink(glob($t2->db . '*'));
open($cf, '>>', $t2->conf) or die;
print $cf "\n$escrow_conf";
close $cf;
($st, $out) = escrow('restore', '-c', $t2->conf, '-d', $t2->db, "$FULL.ryde", "$INC.sha256");
is($st, 0, 'restore of the full and the incremental deposit') or diag($out);
ok(-s $t2->db, 'restored database exists');
is(scalar(glob($t2->db . '.tmp*')), undef, 'no temporary files left');

# Export again: the same deposit, apart from its time and ids.
sub body { my ($x) = @_; $x =~ s{<rde:watermark>.*?</rde:watermark>}{}; $x =~ s{<rde:deposit [^>]*>}{}; return $x }
($st, $out) = escrow('deposit', '-c', $t2->conf, '-o', "$dir/again", '--no-encrypt', '--no-send');
is($st, 0, 'deposit of the restored registry') or diag($out);
my ($again) = glob("$dir/again/*.xml");
ok(body(slurp($again)) eq body(slurp($plain)), 'the restored registry exports as the original');

my $fullonly = "$dir/fullonly.db";
($st, $out) = escrow('restore', '-c', $t2->conf, '-d', $fullonly, $FULL);
is($st, 0, 'restore of the full deposit alone') or diag($out);
(my $fo_conf = slurp($t2->conf)) =~ s{^master = .*$}{master = $fullonly}m;
spew("$dir/fullonly.conf", $fo_conf);
($st, $out) = escrow('deposit', '-c', "$dir/fullonly.conf", '-o', "$dir/again-full", '--no-encrypt',
    '--no-send');
my ($again_full) = glob("$dir/again-full/*.xml");
ok(body(slurp($again_full // '/nonexistent')) eq body($full_xml),
    'the full deposit alone restores to exactly the first deposit');

same_answers('WHOIS and RDAP of the restored registry', $public_before, public_answers($t2->db));

# The documented procedure: new credentials for each registrar.
for my $rar (@RARS) {
	($st, $out) = run("$BIN/regctl", '-c', $t2->conf, 'registrar', 'update', $rar,
	    '--random-password', '--cert-add', $t2->cert($rar), '--allow-add', '127.0.0.1/32');
	is($st, 0, "$rar: new password, certificate and allow-list") or diag($out);
	like($out, qr/^password: \S+/m, "$rar: the new password is shown once");
	# The harness logs in with its own password for each registrar.
	$t2->regctl('registrar', 'update', $rar, '--password', $t2->password($rar));
}
# Same registry time as the original (which the test clock had moved).
$t2->regctl('clock', 'advance', '6d');
$t2->start;
my %client2 = map { $_ => $t2->login($_) } @RARS;
same_answers('EPP of the restored registry', $epp_before, epp_answers(%client2));
$t2->stop;

# --- refusals ------------------------------------------------------------------------------------

my $scratch = "$dir/bad";
mkdir $scratch or die;
my $n = 0;

# A copy of deposit $base in a folder of its own, changed by $edit.
sub bad_copy {
	my ($base, $edit) = @_;
	my $to = "$scratch/" . ++$n;
	mkdir $to or die;
	(my $name = $base) =~ s{.*/}{};
	copy("$base.$_", "$to/$name.$_") for grep { -f "$base.$_" } qw(ryde xml sig sha256 report);
	$edit->("$to/$name") if $edit;
	return "$to/$name";
}
sub digest_fix {
	my ($b) = @_;
	my $data = -f "$b.ryde" ? "$b.ryde" : "$b.xml";
	(my $file = $data) =~ s{.*/}{};
	spew("$b.sha256", Digest::SHA->new(256)->addfile($data, 'b')->hexdigest . "  $file\n");
}
sub sign_with {
	my ($b, $key) = @_;
	my $data = -f "$b.ryde" ? "$b.ryde" : "$b.xml";
	unlink("$b.sig");
	gpg('--local-user', $KEY{$key}, '--output', "$b.sig", '--detach-sign', $data);
}
sub flip_byte {
	my ($f) = @_;
	my $s = slurp($f);
	substr($s, length($s) / 2, 1) = chr(ord(substr($s, length($s) / 2, 1)) ^ 0x20);
	spew($f, $s);
}
sub refused {
	my ($what, $re, @deposits) = @_;
	my $db = "$scratch/refused-$n.db";
	my ($code, $msg) = escrow('restore', '-c', $t2->conf, '-d', $db, @deposits);
	isnt($code, 0, "$what: refused");
	like($msg, $re, "$what: says why") or diag($msg);
	ok(!-e $db && !glob("$db*"), "$what: nothing written");
}

refused('a changed byte', qr/SHA-256/, bad_copy($FULL, sub { flip_byte("$_[0].ryde") }));
refused('a changed byte, digest fixed', qr/signature/,
    bad_copy($FULL, sub { flip_byte("$_[0].ryde"); digest_fix($_[0]) }));
refused('cut short', qr/SHA-256/,
    bad_copy($FULL, sub { truncate("$_[0].ryde", (-s "$_[0].ryde") / 2) }));
refused('cut short, digest fixed', qr/signature/,
    bad_copy($FULL, sub { truncate("$_[0].ryde", (-s "$_[0].ryde") / 2); digest_fix($_[0]) }));
refused('cut short and signed again', qr/gpg|valid|premature|end/i,
    bad_copy($FULL, sub { truncate("$_[0].ryde", (-s "$_[0].ryde") / 2); digest_fix($_[0]);
    sign_with($_[0], 'registry') }));
refused('signed by another key', qr/not by the registry's key/,
    bad_copy($FULL, sub { sign_with($_[0], 'rogue') }));
refused('no signature', qr/no \.sig file/, bad_copy($FULL, sub { unlink("$_[0].sig") }));
refused('no digest', qr/no \.sha256 file/, bad_copy($FULL, sub { unlink("$_[0].sha256") }));

# Deposits the registry's own key signed, but wrong inside.
sub plain_deposit {
	my ($xml, $encrypt) = @_;
	return bad_copy($FULL, sub {
		my ($b) = @_;
		unlink("$b.ryde");
		spew("$b.xml", $xml);
		if ($encrypt) {
			gpg('--trust-model', 'always', '--recipient', $KEY{agent}, '--output', "$b.ryde",
			    '--encrypt', "$b.xml");
			unlink("$b.xml");
		}
		digest_fix($b);
		sign_with($b, 'registry');
	});
}
(my $invalid = $full_xml) =~ s{<rdeDomain:status s="ok"/>}{<rdeDomain:status s="bogus"/>};
refused('schema-invalid (plain)', qr/bogus|not an element of the set|valid/, plain_deposit($invalid));
refused('schema-invalid (encrypted)', qr/bogus|not an element of the set|valid/,
    plain_deposit($invalid, 1));
(my $missing = $full_xml) =~ s{<rdeDomain:clID>[^<]*</rdeDomain:clID>}{};
refused('schema-invalid (an element missing)', qr/clID|valid/, plain_deposit($missing));
(my $miscount = $full_xml) =~ s{(rdeDomain-1.0">)(\d+)}{$1 . ($2 + 1)}e;
refused('header counts that do not add up', qr/header counts/, plain_deposit($miscount));
refused('an incremental first', qr/cannot come first/, $INC);
refused('two full deposits', qr/only the first/, $FULL, $FULL);
refused('an incremental of another chain', qr/follows/, $FULL, bad_copy($INC, sub {
	my ($b) = @_;
	my $x = xml_of($b) =~ s/prevId="F\d+"/prevId="F999"/r;
	unlink("$b.ryde");
	spew("$b.xml", $x);
	digest_fix($b);
	sign_with($b, 'registry');
}));
($st, $out) = escrow('restore', '-c', $t2->conf, '-d', $t2->db, $FULL);
isnt($st, 0, 'an existing database is never overwritten');
like($out, qr/exists/, 'existing database: says so');

# --- verify -------------------------------------------------------------------------------------

($st, $out) = escrow('verify', '-c', $t->conf, $FULL, "$INC.ryde");
is($st, 0, 'verify: both deposits') or diag($out);
is(() = $out =~ /: ok: /g, 2, 'verify: a line for each');
($st, $out) = escrow('verify', '-c', $t->conf, bad_copy($FULL, sub { sign_with($_[0], 'rogue') }));
isnt($st, 0, 'verify: a wrong signature fails');
($st, $out) = escrow('verify', '-c', $t->conf, plain_deposit($invalid));
isnt($st, 0, 'verify: a schema-invalid deposit fails');
($st, $out) = escrow('verify', '-c', $t->conf, $FULL, bad_copy($FULL, sub { flip_byte("$_[0].ryde") }));
isnt($st, 0, 'verify: one bad deposit among good ones fails the run');
like($out, qr/: ok: /, 'verify: the good one reported');
like($out, qr/1 of 2 deposits did not check out/, 'verify: the bad one counted');

# The escrow agent's own keyring holds its secret key and nothing of the
# registry's: --gpg-home points there, and the registry's public key comes
# from escrow.signing_key, imported into that home.
{
	my $agent_home = "$dir/agent-gnupg";
	mkdir($agent_home, 0700) or die;
	my $secret = "$dir/agent-secret.asc";
	gpg('--armor', '--output', $secret, '--export-secret-keys', $KEY{agent});
	run('gpg', '--homedir', $agent_home, '--batch', '--no-tty', '--import', $secret);
	($st, $out) = escrow('verify', '-c', $t->conf, '--gpg-home', $agent_home, $FULL);
	is($st, 0, 'verify --gpg-home: the agent\'s keyring and the configured signing key') or diag($out);
	($st, $out) = run('gpg', '--homedir', $agent_home, '--batch', '--list-keys', $KEY{registry});
	is($st, 0, 'verify --gpg-home: the signing key went into that home');
	system('gpgconf', '--homedir', $agent_home, '--kill', 'gpg-agent');
}

# --- offsite by command, retention, bad use ---------------------------------------------------------

mkdir "$dir/vault" or die;
(my $cmd_conf = slurp($t->conf)) =~ s{^target = .*$}
    {target = cp %f $dir/vault/\ncheck_command = sha256sum $dir/vault/%d}m;
spew("$dir/cmd.conf", $cmd_conf);
($st, $out) = escrow('deposit', '-c', "$dir/cmd.conf", '-o', "$dir/bycmd", '--no-encrypt');
is($st, 0, 'deposit sent by a command and checked by another') or diag($out);
is(scalar(() = glob("$dir/vault/*")), 4, 'the command copied the four files');
(my $liar = $cmd_conf) =~ s{^check_command = .*$}{check_command = echo 0000}m;
spew("$dir/liar.conf", $liar);
($st, $out) = escrow('deposit', '-c', "$dir/liar.conf", '-o', "$dir/bycmd", '--no-encrypt');
isnt($st, 0, 'a deposit that does not arrive whole fails');
like($out, qr/arrived with SHA-256/, 'wrong arrival: says so');

(my $keep1 = slurp($t->conf)) =~ s{^retention = .*$}{retention = 1}m;
spew("$dir/keep1.conf", $keep1);
($st, $out) = escrow('deposit', '-c', "$dir/keep1.conf", '-o', $OUT);
is($st, 0, 'a full deposit with retention 1') or diag($out);
is(scalar(() = glob("$OUT/*.report")), 1, 'retention: one deposit left here');
is(scalar(() = glob("$OFFSITE/*.report")), 1, 'retention: one deposit left offsite');
($st, $out) = escrow('deposit', '-c', "$dir/keep1.conf", '-o', $OUT, '--incremental');
is(scalar(() = glob("$OUT/*.report")), 2, 'retention keeps the full deposit an incremental needs');

($st, $out) = escrow('deposit', '-c', $t->conf, '-o', "$dir/empty", '--incremental');
isnt($st, 0, 'an incremental without a previous deposit fails');
like($out, qr/full deposit first/, 'no previous deposit: says so');
($st, $out) = escrow('deposit', '--help');
is($st, 0, 'deposit --help');
like($out, qr/usage: escrow deposit -c CONFIG -o DIR/, 'deposit --help: usage');
($st, $out) = escrow('restore', '--help');
like($out, qr/usage: escrow restore -c CONFIG -d NEWDB/, 'restore --help');
($st, $out) = escrow('verify', '--help');
like($out, qr/usage: escrow verify/, 'verify --help');
($st, $out) = escrow('deposit', '-c', $t->conf);
is($st, 2, 'deposit without -o: usage error');
($st, $out) = escrow('frobnicate');
is($st, 2, 'unknown command: usage error');

EPPTest::done();
