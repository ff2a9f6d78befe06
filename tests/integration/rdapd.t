#!/usr/bin/perl
# rdapd.t: bin/rdapd answering from a registry database used as the
# replica, driven with curl: every lookup (domains in A-label and U-label
# form, name servers, contacts, registrars by handle and IANA id, help)
# and every search (domains by name, U-label prefix, server name and
# address; name servers by name and address; entities by name and
# handle), success and failure; every JSON answer validated against
# ICANN's RDAP JSON schemas (../shared/reference/check.sh) and checked
# for the members RFC 9083 and the profile ask for; RFC 9537 redaction on
# (paths that select what they claim, checked against the unredacted
# answer) and off; the HTTP side: media type, CORS on every answer, HEAD,
# ETag and 304, Cache-Control, 405, junk paths, bad percent-encodings,
# overlong targets, keep-alive; the rate limit (429 with Retry-After) per
# /24 and /56, behind a trusted proxy; "last update of RDAP database"
# from the changelog and from a replica's position; HTTPS through
# deploy/nginx-rdap.conf; -n, --help and bad configurations.
#
# Data: regctl init, two registrars, gendata --demo (example.test with
# in-zone name servers, räksmörgås.test, secure.test with two DS records,
# held.test on serverHold, shop.test, parked.test), gendata -n 300 for
# searches, and special cases made with sqlite3.
use strict;
use warnings;
use utf8;
use Cwd qw(abs_path);
use Encode qw(decode_utf8 encode_utf8);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use Daemons qw(track stop);
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep);

my $root = abs_path(dirname(__FILE__) . '/../..');
my $bin = $ENV{BIN} // "$root/bin";
my $check = abs_path("$root/../shared/reference/check.sh") // '';
my $dir = tempdir('rdapd.XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{KEEP});
my $db = "$dir/master.db";

for my $p (qw(rdapd regctl gendata)) {
	plan skip_all => "$bin/$p not built" unless -x "$bin/$p";
}
for my $tool (qw(sqlite3 curl)) {
	plan skip_all => "$tool not installed" if system("command -v $tool >/dev/null") != 0;
}
plan skip_all => "no schema checker at $check" unless -x $check;

my $json = JSON::PP->new->utf8->canonical;

sub slurp { my ($f) = @_; open(my $fh, '<', $f) or return ''; local $/; my $s = <$fh>; return $s // '' }
sub spew { my ($f, $s) = @_; open(my $fh, '>', $f) or die "$f: $!"; print $fh $s; close $fh }

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

sub sql {
	my ($q) = @_;
	my $cmd = encode_utf8("sqlite3 -batch '$db' \"$q\"");
	my $out = decode_utf8(`$cmd`);
	die "sqlite3 failed: $q" if $?;
	chomp $out;
	return $out;
}

# Percent-encodes a query value (RFC 3986 unreserved characters stay).
sub pct {
	my ($s) = @_;
	(my $e = encode_utf8($s)) =~ s/([^A-Za-z0-9._~*-])/sprintf('%%%02X', ord $1)/ge;
	return $e;
}

sub run {
	my (@cmd) = @_;
	my $out = `@cmd 2>&1`;
	return ($? >> 8, $out);
}

# A configuration: the .test registry, the database as its replica, and
# [rdap] keys (a free port unless given).
sub conf {
	my ($name, %rdap) = @_;
	my $path = "$dir/$name.conf";
	$rdap{listen} //= '127.0.0.1:0';
	$rdap{base_url} //= 'https://rdap.nic.test/';
	my $r = join('', map { "$_ = $rdap{$_}\n" } sort keys %rdap);
	spew($path, "[registry]\ntld = test\nroid_suffix = TEST\nname = The .test registry\n"
	    . "idn_table = $root/data/idn/test.txt\nwhois_server = whois.nic.test\n"
	    . "url = https://www.nic.test/\n\n[database]\nmaster = $db\nreplica = $db\n\n"
	    . "[rdap]\n$r");
	return $path;
}

# --- the database ------------------------------------------------------------

my $setup = conf('setup');
my ($st, $out) = run("$bin/regctl", '-c', $setup, 'init');
is($st, 0, 'regctl init') or diag($out);
for (['demo', 'Demo Registrar AB', 'https://demo.example', 'ops@demo.example', 9999],
    ['demo2', 'Second Registrar', 'https://two.example', 'hostmaster@two.example', 9998]) {
	($st, $out) = run("$bin/regctl", '-c', $setup, 'registrar', 'create', $_->[0],
	    '--name', "'$_->[1]'", '--url', $_->[2], '--email', $_->[3], '--iana-id', $_->[4],
	    '--password', 'Pw12345x', '--allow', '127.0.0.1/32');
	is($st, 0, "registrar $_->[0] created") or diag($out);
}
($st, $out) = run("$bin/gendata", '-c', $setup, '--demo');
is($st, 0, 'gendata --demo') or diag($out);
($st, $out) = run("$bin/gendata", '-c', $setup, '-n', 300, '--seed', 7);
is($st, 0, 'gendata -n 300') or diag($out);

# demo-c1 (registrant and admin of example.test) discloses its int name,
# phone and e-mail; demo-c2 (tech) nothing. demo2-c1 has a local-script
# name only, disclosed. shop.test gets DS key data and a second admin
# contact; parked.test is in redemption; räksmörgås.test gets an in-zone
# name server with an IDN name and glue.
sql("UPDATE contact SET disclose = 1 | 64 | 256 WHERE handle = 'demo-c1'");
sql("UPDATE contact SET disclose = 0 WHERE handle = 'demo-c2'");
sql("UPDATE contact SET int_name = NULL, loc_name = 'Åsa Öberg', loc_city = 'Göteborg', "
    . "loc_cc = 'SE', disclose = 2 WHERE handle = 'demo2-c1'");
sql("INSERT INTO domain_ds(domain_id, key_tag, alg, digest_type, digest, key_flags, "
    . "key_protocol, key_alg, key_pub) SELECT id, 4242, 13, 2, 'ABCDEF0123', 257, 3, 13, "
    . "'AwEAAbase64key==' FROM domain WHERE name = 'shop.test'");
sql("INSERT INTO domain_contact(domain_id, type, contact_id) SELECT d.id, 'admin', c.id "
    . "FROM domain d, contact c WHERE d.name = 'shop.test' AND c.handle = 'demo-c2'");
# A third admin whose handle sorts first but whose row came last.
sql("INSERT INTO domain_contact(domain_id, type, contact_id) SELECT d.id, 'admin', "
    . "(SELECT id FROM contact WHERE handle < 'demo' ORDER BY id DESC LIMIT 1) "
    . "FROM domain d WHERE d.name = 'shop.test'");
sql("UPDATE domain SET rgp = 'redemptionPeriod', deleted = strftime('%s', 'now') "
    . "WHERE name = 'parked.test'");
sql("INSERT INTO status(kind, object_id, status) SELECT 'domain', id, 'pendingDelete' "
    . "FROM domain WHERE name = 'parked.test'");
sql("INSERT INTO host(name, roid, sponsor_id, creator_id, domain_id, created) "
    . "SELECT 'ns.xn--rksmrgs-5wao1o.test', 'H9000-TEST', sponsor_id, sponsor_id, id, "
    . "created FROM domain WHERE name = 'xn--rksmrgs-5wao1o.test'");
sql("INSERT INTO host_addr(host_id, addr, family) SELECT id, '192.0.2.77', 4 FROM host "
    . "WHERE name = 'ns.xn--rksmrgs-5wao1o.test'");
sql("INSERT INTO status(kind, object_id, status) SELECT 'host', id, 'ok' FROM host "
    . "WHERE name = 'ns.xn--rksmrgs-5wao1o.test'");
sql("INSERT INTO domain_ns(domain_id, host_id) SELECT d.id, h.id FROM domain d, host h "
    . "WHERE d.name = 'xn--rksmrgs-5wao1o.test' AND h.name = 'ns.xn--rksmrgs-5wao1o.test'");
my $c1_name = sql("SELECT int_name FROM contact WHERE handle = 'demo-c1'");
my $c2_name = sql("SELECT int_name FROM contact WHERE handle = 'demo-c2'");
my $c2_email = sql("SELECT email FROM contact WHERE handle = 'demo-c2'");

# --- running rdapd -----------------------------------------------------------

# Starts rdapd with conf; returns (pid, base URL of its port, log file).
sub start {
	my ($conf) = @_;
	(my $log = $conf) =~ s/\.conf$/.log/;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open(STDERR, '>', $log) or die;
		open(STDOUT, '>', '/dev/null') or die;
		exec("$bin/rdapd", '-c', $conf) or exit 127;
	}
	track($pid, $log);
	my $port;
	for (1 .. 200) {
		last if ($port) = slurp($log) =~ /listening on 127\.0\.0\.1:(\d+)/;
		last if waitpid($pid, WNOHANG) == $pid;
		sleep 0.05;
	}
	die "rdapd did not start: " . slurp($log) unless $port;
	return ($pid, "http://127.0.0.1:$port", $log);
}

my ($pid, $url, $log) = start(conf('main', max_results => 5, rate_limit => 100000,
    rate_burst => 100000));
unlike(slurp($log), qr/warning/, 'rdapd starts without a warning');

# curl: GET (or $o{method}, $o{head}) $path with extra headers; returns
# { code, h => {lower-case name => value}, body, json }.
my $nreq = 0;
sub req {
	my ($path, %o) = @_;
	my $base = $o{base} // $url;
	my $n = ++$nreq;
	my @args = ('curl', '-s', '--path-as-is', '-D', "$dir/h$n", '-o', "$dir/b$n", '-w', '%{http_code}');
	push @args, '-I' if $o{head};
	push @args, '-k' if $o{insecure};
	push @args, '-X', $o{method}, '--data', 'x=1' if $o{method};
	push @args, '-H', $_ for @{$o{headers} // []};
	push @args, "$base$path";
	my $code = `@{[map { "'$_'" } @args]}`;
	my %h;
	for (split /\r?\n/, slurp("$dir/h$n")) {
		$h{lc $1} = $2 if /^([^:]+):\s*(.*)$/;
	}
	my $body = slurp("$dir/b$n");
	my $doc = eval { $json->decode($body) };
	return { code => $code + 0, h => \%h, body => $body, json => $doc, file => "$dir/b$n" };
}

# Answers to validate against each schema at the end: schema => [files].
my %validate;

# The ICANN schemas predate RFC 9537 and allow no "redacted" member; it
# is validated here instead (RFC 9537 4.2) and left out of the copy the
# schema sees. An array of results is validated item by item.
sub schema_file {
	my ($r, $schema, $key) = @_;
	my %copy = %{$r->{json}};
	delete $copy{redacted};
	my @docs = defined $key ? @{$copy{$key} // []} : (\%copy);
	for my $i (0 .. $#docs) {
		my $f = "$r->{file}.$i.json";
		spew($f, $json->encode($docs[$i]));
		push @{$validate{$schema}}, $f;
	}
}

# Every answer: the status, the RDAP media type and CORS; a JSON body
# with rdapConformance and lang at the top.
sub answer_ok {
	my ($r, $code, $what) = @_;
	is($r->{code}, $code, "$what: HTTP $code");
	is($r->{h}{'content-type'}, 'application/rdap+json', "$what: media type");
	is($r->{h}{'access-control-allow-origin'}, '*', "$what: CORS");
	ok(ref $r->{json} eq 'HASH', "$what: JSON object") or diag($r->{body});
	ok((grep { $_ eq 'rdap_level_0' } @{$r->{json}{rdapConformance} // []}),
	    "$what: rdapConformance has rdap_level_0");
	is($r->{json}{lang}, 'en', "$what: lang");
}

# An error: the status, an RFC 9083 error object, no cache.
sub error_ok {
	my ($path, $code, $what, %o) = @_;
	my $r = req($path, %o);
	answer_ok($r, $code, $what);
	is($r->{json}{errorCode}, $code, "$what: errorCode");
	ok(ref $r->{json}{description} eq 'ARRAY' && @{$r->{json}{description}},
	    "$what: description") or diag($r->{body});
	schema_file($r, 'rdap_error.json') if ref $r->{json} eq 'HASH';
	return $r;
}

sub titles { return [map { $_->{title} } @{$_[0]{notices} // []}] }
sub events { return { map { ($_->{eventAction} => $_->{eventDate}) } @{$_[0]{events} // []} } }
sub roles { return [map { join('+', @{$_->{roles} // []}) } @{$_[0]{entities} // []}] }
sub entity { my ($o, $role) = @_; return (grep { ($_->{roles} // [])->[0] eq $role } @{$o->{entities}})[0] }
sub vcard {
	my ($e, $prop) = @_;
	return [grep { $_->[0] eq $prop } @{$e->{vcardArray}[1] // []}];
}
sub self_link {
	my ($o) = @_;
	return (map { $_->{href} } grep { $_->{rel} eq 'self' } @{$o->{links} // []})[0];
}

# --- a small JSONPath (RFC 9535) for the paths RFC 9537 answers carry:
# $ .name [n] [?(@<rel>=='v' && ...)] with <rel> made of .name and [n].

sub jp_rel {
	my ($node, $rel) = @_;
	while ($rel =~ /\G(?:\.(\w+)|\[(\d+)\])/gc) {
		if (defined $1) {
			return undef unless ref $node eq 'HASH';
			$node = $node->{$1};
		} else {
			return undef unless ref $node eq 'ARRAY';
			$node = $node->[$2];
		}
	}
	return $node;
}

sub jp_filter {
	my ($node, $filter) = @_;
	for my $cond (split /\s*&&\s*/, $filter) {
		my ($rel, $want) = $cond =~ /^@((?:\.\w+|\[\d+\])*)\s*==\s*'([^']*)'$/
		    or die "unsupported filter $cond";
		my $got = jp_rel($node, $rel);
		return 0 unless defined $got && !ref $got && $got eq $want;
	}
	return 1;
}

sub jsonpath {
	my ($doc, $path) = @_;
	my @nodes = ($doc);
	die "not a path: $path" unless $path =~ s/^\$//;
	while (length $path) {
		my @next;
		if ($path =~ s/^\.(\w+)//) {
			@next = map { ref $_ eq 'HASH' && exists $_->{$1} ? ($_->{$1}) : () } @nodes;
		} elsif ($path =~ s/^\[(\d+)\]//) {
			my $i = $1;
			@next = map { ref $_ eq 'ARRAY' && $i < @$_ ? ($_->[$i]) : () } @nodes;
		} elsif ($path =~ s/^\[\?\((.*?)\)\]//) {
			my $f = $1;
			@next = map { ref $_ eq 'ARRAY' ? (grep { jp_filter($_, $f) } @$_) : () } @nodes;
		} else {
			die "unsupported path at $path";
		}
		@nodes = @next;
	}
	return @nodes;
}

# RFC 9537 4.2: each entry names the field and says how it went; removed
# fields are gone from this answer and were in the unredacted one
# ($full), emptied ones are "" here and were not in $full.
sub redactions_ok {
	my ($r, $full, $what) = @_;
	my @red = @{$r->{json}{redacted} // []};
	for my $e (@red) {
		my $name = $e->{name}{type} // $e->{name}{description};
		ok(defined $name && length $name, "$what: redaction has a name");
		if (($e->{method} // 'removal') eq 'removal') {
			my @now = jsonpath($r->{json}, $e->{prePath});
			my @was = jsonpath($full, $e->{prePath});
			is(scalar @now, 0, "$what: $name removed ($e->{prePath})");
			ok(@was > 0, "$what: $name was there unredacted");
		} else {
			is($e->{method}, 'emptyValue', "$what: $name method");
			my @now = jsonpath($r->{json}, $e->{postPath});
			my @was = jsonpath($full, $e->{postPath});
			ok(@now > 0 && !grep({ ref $_ ? @$_ : length $_ } @now),
			    "$what: $name emptied ($e->{postPath})");
			ok((grep { ref $_ ? @$_ : length $_ } @was), "$what: $name had a value");
		}
	}
	return scalar @red;
}

# --- lookups: domains ---------------------------------------------------------

my $d = req('/domain/example.test');
answer_ok($d, 200, 'domain example.test');
schema_file($d, 'rdap_domain.json');
my $o = $d->{json};
is($o->{objectClassName}, 'domain', 'objectClassName');
is($o->{handle}, sql("SELECT roid FROM domain WHERE name = 'example.test'"), 'handle is the ROID');
like($o->{handle}, qr/-TEST$/, 'ROID with the registry suffix');
is($o->{ldhName}, 'example.test', 'ldhName');
ok(!exists $o->{unicodeName}, 'no unicodeName for an ASCII name');
is_deeply($o->{status}, ['active'], 'status ok -> active (RFC 8056)');
my $ev = events($o);
ok($ev->{$_}, "event $_") for ('registration', 'expiration', 'last update of RDAP database');
like($ev->{registration}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'RFC 3339 dates');
is_deeply(roles($o), ['registrant', 'administrative', 'technical', 'registrar'],
    'entities: registrant, administrative, technical, registrar');
my $reg = entity($o, 'registrant');
is($reg->{handle}, 'demo-c1', 'registrant handle');
is($reg->{vcardArray}[0], 'vcard', 'jCard');
is_deeply(vcard($reg, 'version'), [['version', {}, 'text', '4.0']], 'jCard version 4.0');
is(vcard($reg, 'fn')->[0][3], $c1_name, 'disclosed name shown');
ok(@{vcard($reg, 'email')}, 'disclosed e-mail shown');
like(vcard($reg, 'tel')->[0][3], qr/^tel:\+\d+\.\d+/, 'phone as a tel URI');
is(vcard($reg, 'adr')->[0][1]{cc}, sql("SELECT int_cc FROM contact WHERE handle = 'demo-c1'"),
    'country code stays');
is(vcard($reg, 'adr')->[0][3][3], '', 'undisclosed city emptied');
my $tech = entity($o, 'technical');
is(vcard($tech, 'fn')->[0][3], '', 'undisclosed name emptied');
is(scalar @{vcard($tech, 'email')}, 0, 'undisclosed e-mail removed');
my $rar = entity($o, 'registrar');
is($rar->{handle}, 'demo', 'registrar entity');
is(vcard($rar, 'fn')->[0][3], 'Demo Registrar AB', 'registrar name');
is_deeply($rar->{publicIds}, [{ type => 'IANA Registrar ID', identifier => '9999' }],
    'registrar IANA id');
ok((grep { $_->{rel} eq 'about' && $_->{href} eq 'https://demo.example' } @{$rar->{links}}),
    'registrar about link');
is(($rar->{entities}[0]{roles} // [])->[0], 'abuse', 'registrar abuse contact');
is_deeply([map { $_->{ldhName} } @{$o->{nameservers}}], ['ns1.example.test', 'ns2.example.test'],
    'name servers');
ok($o->{nameservers}[0]{ipAddresses}{v4} && $o->{nameservers}[0]{ipAddresses}{v6},
    'in-zone name server with its glue');
is($o->{secureDNS}{delegationSigned}, JSON::PP::false, 'not signed');
is(self_link($o), 'https://rdap.nic.test/domain/example.test', 'self link');
ok((grep { $_->{rel} eq 'related' && $_->{href} =~ m{/entity/demo$} } @{$o->{links}}),
    'related link to the registrar');
is($o->{port43}, 'whois.nic.test', 'port43');
is_deeply(titles($o), ['Terms of Use', 'Status Codes', 'RDDS Inaccuracy Complaint Form'],
    'notices: terms, status codes, inaccuracy');
ok((grep { $_->{rel} eq 'terms-of-service' } @{$o->{notices}[0]{links}}), 'terms link');
is_deeply($o->{rdapConformance}, ['rdap_level_0', 'redacted', 'icann_rdap_response_profile_1',
    'icann_rdap_technical_implementation_guide_1'], 'rdapConformance');
like($d->{h}{etag}, qr/^"[0-9a-f]{16}"$/, 'ETag');
like($d->{h}{'cache-control'}, qr/max-age=\d+/, 'Cache-Control');
ok(@{$o->{redacted}} > 0, 'redacted fields listed');

my $idn = req('/domain/r%C3%A4ksm%C3%B6rg%C3%A5s.test');
answer_ok($idn, 200, 'IDN by U-label');
schema_file($idn, 'rdap_domain.json');
is($idn->{json}{ldhName}, 'xn--rksmrgs-5wao1o.test', 'IDN ldhName is the A-label');
is($idn->{json}{unicodeName}, 'räksmörgås.test', 'IDN unicodeName');
my $idn_a = req('/domain/XN--RKSMRGS-5WAO1O.TEST.');
is($idn_a->{code}, 200, 'IDN by A-label, upper case, final dot');
is($idn_a->{json}{handle}, $idn->{json}{handle}, 'the same domain');
my ($idn_ns) = grep { $_->{ldhName} eq 'ns.xn--rksmrgs-5wao1o.test' } @{$idn->{json}{nameservers}};
is($idn_ns->{unicodeName}, 'ns.räksmörgås.test', 'IDN name server unicodeName');
is_deeply($idn_ns->{ipAddresses}, { v4 => ['192.0.2.77'] }, 'IDN name server glue');

my $sec = req('/domain/Secure.Test');
answer_ok($sec, 200, 'secure.test');
schema_file($sec, 'rdap_domain.json');
is($sec->{json}{secureDNS}{delegationSigned}, JSON::PP::true, 'delegationSigned');
is(scalar @{$sec->{json}{secureDNS}{dsData}}, 2, 'two DS records');
my $ds = $sec->{json}{secureDNS}{dsData}[0];
ok(defined $ds->{keyTag} && defined $ds->{algorithm} && defined $ds->{digestType} &&
    $ds->{digest} =~ /^[0-9A-F]+$/, 'dsData members');
ok((grep { $_ eq 'client transfer prohibited' } @{$sec->{json}{status}}),
    'clientTransferProhibited -> client transfer prohibited');

my $shop = req('/domain/shop.test');
schema_file($shop, 'rdap_domain.json');
is_deeply($shop->{json}{secureDNS}{keyData}, [{ flags => 257, protocol => 3, algorithm => 13,
    publicKey => 'AwEAAbase64key==' }], 'keyData');
my @admins = map { $_->{handle} } grep { $_->{roles}[0] eq 'administrative' }
    @{$shop->{json}{entities}};
is(scalar(@admins), 3, 'three admin contacts');
is_deeply(\@admins, [sort @admins], 'contacts of one role in handle order');
isnt(join(' ', @admins), sql("SELECT group_concat(handle, ' ') FROM (SELECT c.handle FROM "
    . "domain_contact dc JOIN contact c ON c.id = dc.contact_id JOIN domain d ON "
    . "d.id = dc.domain_id WHERE d.name = 'shop.test' AND dc.type = 'admin' ORDER BY c.id)"),
    '(which is not the order of their rows)');

my $held = req('/domain/held.test');
schema_file($held, 'rdap_domain.json');
is_deeply($held->{json}{status}, ['server hold'], 'serverHold -> server hold');
my $parked = req('/domain/parked.test');
schema_file($parked, 'rdap_domain.json');
is_deeply([sort @{$parked->{json}{status}}], ['inactive', 'pending delete', 'redemption period'],
    'redemption: inactive, pending delete, redemption period');
ok(!exists $parked->{json}{nameservers}, 'no name servers, no nameservers member');

# From the gendata names: a billing contact, a transfer.
my $billed = sql("SELECT d.name FROM domain d JOIN domain_contact dc ON dc.domain_id = d.id "
    . "WHERE dc.type = 'billing' LIMIT 1");
my $b = req("/domain/$billed");
schema_file($b, 'rdap_domain.json');
ok((grep { $_ eq 'billing' } @{roles($b->{json})}), 'billing contact: role billing');
my $moved = sql("SELECT name FROM domain WHERE transferred IS NOT NULL LIMIT 1");
my $m = req("/domain/$moved");
schema_file($m, 'rdap_domain.json');
is(events($m->{json})->{transfer}, sql("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', transferred, "
    . "'unixepoch') FROM domain WHERE name = '$moved'"), 'transfer event');

error_ok('/domain/nosuch.test', 404, 'domain not found');
error_ok('/domain/example.other', 404, 'a name in no zone of ours');
error_ok('/domain/-bad-.test', 400, 'malformed domain name');
error_ok('/domain/ex*.test', 400, 'a wildcard in a lookup');

# --- lookups: name servers, entities, help --------------------------------------

my $ns = req('/nameserver/NS1.example.test');
answer_ok($ns, 200, 'nameserver lookup');
schema_file($ns, 'rdap_nameserver.json');
is($ns->{json}{objectClassName}, 'nameserver', 'nameserver objectClassName');
is($ns->{json}{ldhName}, 'ns1.example.test', 'nameserver ldhName');
like($ns->{json}{handle}, qr/^H\d+-TEST$/, 'nameserver ROID');
ok($ns->{json}{ipAddresses}{v4}, 'nameserver addresses');
ok(events($ns->{json})->{'last update of RDAP database'}, 'nameserver database event');
is(roles($ns->{json})->[0], 'registrar', 'nameserver sponsor');
my $ext = sql("SELECT h.name FROM host h JOIN domain_ns n ON n.host_id = h.id "
    . "WHERE h.domain_id IS NULL LIMIT 1");
my $extr = req("/nameserver/$ext");
schema_file($extr, 'rdap_nameserver.json');
ok(!exists $extr->{json}{ipAddresses}, 'external name server: no addresses');
error_ok('/nameserver/ns9.nosuch.test', 404, 'nameserver not found');
error_ok('/nameserver/bad..name', 400, 'malformed nameserver name');

my $full_c2;	# filled from the unredacted server below
my $c2 = req('/entity/demo-c2');
answer_ok($c2, 200, 'contact lookup');
schema_file($c2, 'rdap_entity.json');
is($c2->{json}{objectClassName}, 'entity', 'entity objectClassName');
is($c2->{json}{handle}, 'demo-c2', 'contact handle');
is(vcard($c2->{json}, 'fn')->[0][3], '', 'contact name redacted');
ok((grep { ($_->{name}{description} // '') =~ /^Contact / } @{$c2->{json}{redacted}}),
    'redaction names a contact without a role "Contact ..."');
is(roles($c2->{json})->[0], 'registrar', 'contact with its sponsor');
is($c2->{json}{port43}, 'whois.nic.test', 'contact port43');

my $c3 = req('/entity/demo2-c1');
schema_file($c3, 'rdap_entity.json');
is(vcard($c3->{json}, 'fn')->[0][3], 'Åsa Öberg', 'loc-only contact: disclosed local name');

my $r1 = req('/entity/demo');
answer_ok($r1, 200, 'registrar by handle');
schema_file($r1, 'rdap_entity.json');
ok(!exists $r1->{json}{redacted}, 'registrar: nothing redacted');
ok(!grep({ $_ eq 'redacted' } @{$r1->{json}{rdapConformance}}), 'no redacted conformance');
my $r2 = req('/entity/9998');
is($r2->{code}, 200, 'registrar by IANA id');
is($r2->{json}{handle}, 'demo2', 'the registrar with that IANA id');
error_ok('/entity/nobody', 404, 'entity not found');
error_ok('/entity/0', 404, 'IANA id 0');

my $help = req('/help');
answer_ok($help, 200, 'help');
schema_file($help, 'rdap_help.json');
ok((grep { $_ eq 'redacted' } @{$help->{json}{rdapConformance}}),
    'help lists every supported extension');
ok((grep { $_ eq 'Terms of Use' } @{titles($help->{json})}), 'help: terms of use');
ok((grep { $_ eq 'Searches' } @{titles($help->{json})}), 'help: searches');

# --- searches --------------------------------------------------------------------

sub search_ok {
	my ($path, $key, $schema, $what) = @_;
	my $r = req($path);
	answer_ok($r, 200, $what);
	ok(ref $r->{json}{$key} eq 'ARRAY' && @{$r->{json}{$key}}, "$what: $key")
	    or diag($r->{body});
	if ($schema eq 'rdap_nameservers.json') {
		schema_file($r, $schema);
	} else {
		schema_file($r, $schema, $key);
	}
	return $r;
}

sub truncated {
	my ($r) = @_;
	return scalar grep { ($_->{type} // '') =~ /^result set truncated/ } @{$r->{json}{notices}};
}

my $s = search_ok('/domains?name=exa*', 'domainSearchResults', 'rdap_domain.json',
    'domains?name=exa*');
ok((grep { $_->{ldhName} eq 'example.test' } @{$s->{json}{domainSearchResults}}), 'found example.test');
ok(!grep({ $_->{ldhName} !~ /^exa/ } @{$s->{json}{domainSearchResults}}), 'only names that match');
$s = search_ok('/domains?name=shop.test', 'domainSearchResults', 'rdap_domain.json', 'exact name');
is(scalar @{$s->{json}{domainSearchResults}}, 1, 'exact: one result');
$s = search_ok('/domains?name=r%C3%A4k*.test', 'domainSearchResults', 'rdap_domain.json',
    'U-label prefix');
is($s->{json}{domainSearchResults}[0]{unicodeName}, 'räksmörgås.test', 'U-label search finds the IDN');
$s = search_ok('/domains?name=xn--rks*', 'domainSearchResults', 'rdap_domain.json', 'A-label prefix');
$s = search_ok('/domains?nsLdhName=ns1.exa*', 'domainSearchResults', 'rdap_domain.json',
    'domains by name server pattern');
is($s->{json}{domainSearchResults}[0]{ldhName}, 'example.test', 'delegated to ns1.example.test');
$s = search_ok('/domains?nsIp=198.18.0.1', 'domainSearchResults', 'rdap_domain.json',
    'domains by name server address');
my $prefix = sql("SELECT substr(name, 1, 2) p FROM domain GROUP BY p ORDER BY count(*) DESC LIMIT 1");
$s = search_ok("/domains?name=$prefix*", 'domainSearchResults', 'rdap_domain.json',
    'a pattern with many matches');
is(scalar @{$s->{json}{domainSearchResults}}, 5, 'capped at rdap.max_results');
ok(truncated($s), 'truncation notice (RFC 9083 9)');
ok(!truncated(req('/domains?name=shop.test')), 'no truncation notice when all fit');
my $hoster = sql("SELECT h.name FROM host h JOIN domain_ns n ON n.host_id = h.id "
    . "WHERE h.domain_id IS NULL GROUP BY h.id ORDER BY count(*) DESC LIMIT 1");
$s = search_ok("/domains?nsLdhName=$hoster", 'domainSearchResults', 'rdap_domain.json',
    'domains of a busy name server');
ok(truncated($s), 'busy name server: truncated');
my $busy = $s;

$s = search_ok('/nameservers?name=ns*.example.test', 'nameserverSearchResults',
    'rdap_nameservers.json', 'nameservers?name=');
is(scalar @{$s->{json}{nameserverSearchResults}}, 2, 'ns1 and ns2');
$s = search_ok('/nameservers?ip=2001:DB8:0:2:0:0:0:1', 'nameserverSearchResults',
    'rdap_nameservers.json', 'nameservers?ip= (any IPv6 spelling)');
is($s->{json}{nameserverSearchResults}[0]{ldhName}, 'ns1.example.test', 'found by address');
$s = search_ok('/entities?handle=demo*', 'entitySearchResults', 'rdap_entity.json',
    'entities?handle=');
my %h = map { ($_->{handle} => 1) } @{$s->{json}{entitySearchResults}};
ok($h{'demo-c1'} && $h{'demo'}, 'contacts and registrars by handle');
$s = search_ok('/entities?fn=demo%20reg*', 'entitySearchResults', 'rdap_entity.json',
    'entities?fn= (ASCII case ignored)');
is($s->{json}{entitySearchResults}[0]{handle}, 'demo', 'registrar by name');
$s = search_ok('/entities?fn=' . pct(substr($c1_name, 0, 4)) . '*', 'entitySearchResults',
    'rdap_entity.json', 'entities?fn= disclosed contact name');
ok((grep { $_->{handle} eq 'demo-c1' } @{$s->{json}{entitySearchResults}}), 'found demo-c1');
$s = search_ok('/entities?fn=%C3%85sa*', 'entitySearchResults', 'rdap_entity.json',
    'entities?fn= local-script name');
my $hidden = req('/entities?fn=' . pct($c2_name));
is($hidden->{code}, 404, 'a name the contact does not disclose is not searchable');

error_ok('/domains?name=nosuchname*', 404, 'search without results');
error_ok('/domains?name=*', 422, 'bare *');
error_ok('/domains?name=e*', 422, 'too short a prefix');
error_ok('/domains?name=ex*ple.test', 422, '* inside a label');
error_ok('/domains?name=ex**', 422, 'two *');
error_ok('/domains?nsLdhName=ns1.r%C3%A4k*', 422, 'partial U-label of a host');
error_ok('/domains?nsIp=198.18.0.*', 422, 'partial address');
error_ok('/domains?nsIp=198.18.0.0/24', 422, 'address prefix');
error_ok('/domains?nsIp=not-an-ip', 400, 'bad address');
error_ok('/domains', 400, 'search without a parameter');
error_ok('/domains?registrant=x', 400, 'unknown parameters are ignored, none left');
error_ok('/domains?name=a.test&nsIp=192.0.2.1', 400, 'two search parameters');
error_ok('/entities?fn=Bo*by', 422, '* inside fn');
error_ok('/entities?handle=', 400, 'empty handle');
$s = req('/domains?name=shop.test&cachebust=1');
is($s->{code}, 200, 'unknown parameters are ignored (RFC 7480 4.3)');

# --- the HTTP side ---------------------------------------------------------------

my $head = req('/domain/example.test', head => 1);
is($head->{code}, 200, 'HEAD: 200');
# curl -I prints the headers where the body would go; a socket shows that
# nothing follows them.
my ($port) = $url =~ /:(\d+)$/;
my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die "connect: $!";
print $sock "HEAD /domain/example.test HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
my $raw = do { local $/; <$sock> };
close $sock;
like($raw, qr/\r\n\r\n\z/, 'HEAD: no body after the headers');
is($head->{h}{etag}, $d->{h}{etag}, 'HEAD: same ETag');
is($head->{h}{'content-length'}, length($d->{body}), 'HEAD: Content-Length of GET');
is($head->{h}{'access-control-allow-origin'}, '*', 'HEAD: CORS');
my $miss = req('/domain/nosuch.test', head => 1);
is($miss->{code}, 404, 'HEAD of a missing domain: 404');
my $nm = req('/domain/example.test', headers => ["If-None-Match: $d->{h}{etag}"]);
is($nm->{code}, 304, 'If-None-Match: 304');
is($nm->{h}{etag}, $d->{h}{etag}, '304 keeps the ETag');
is($nm->{h}{'access-control-allow-origin'}, '*', '304: CORS');
is(req('/domain/example.test', headers => ['If-None-Match: "0000"'])->{code}, 200,
    'another ETag: 200');
my $post = error_ok('/domain/example.test', 405, 'POST', method => 'POST');
is($post->{h}{allow}, 'GET, HEAD', 'Allow header');
is($post->{h}{'cache-control'}, 'no-store', 'errors are not cached');

error_ok('/', 400, 'no path');
error_ok('/foo', 400, 'unknown path');
error_ok('/domain', 400, 'lookup without a name');
error_ok('/domain/a.test/b', 400, 'too many segments');
error_ok('//domain/example.test', 400, 'empty segment');
error_ok('/help/', 400, 'trailing slash');
error_ok('/domain/ex%2', 400, 'truncated percent-encoding');
error_ok('/domain/ex%zzample.test', 400, 'bad hex in percent-encoding');
error_ok('/domain/ex%00ample.test', 400, 'encoded NUL');
error_ok('/domain/ex%0Aample.test', 400, 'encoded control character');
error_ok('/domain/%FF%FE.test', 400, 'not UTF-8');
error_ok('/domain/%C0%AE.test', 400, 'overlong UTF-8');
error_ok('/domains?name=%E2%82', 400, 'truncated UTF-8 in a parameter');
error_ok('/domain/' . ('a' x 3000) . '.test', 414, 'overlong request target');
error_ok('/ip/192.0.2.1', 501, 'ip queries are not served');
error_ok('/autnum/64496', 501, 'autnum queries are not served');
error_ok('/domain/a%2Fb.test', 400, 'an encoded slash is part of the name');

# Keep-alive: curl reuses one connection for two URLs.
my $two = `curl -sv -o /dev/null -o /dev/null '$url/help' '$url/domain/example.test' 2>&1`;
like($two, qr/Re-using existing connection/, 'keep-alive');

# --- redaction off ------------------------------------------------------------------

my ($pid2, $url2, $log2) = start(conf('open', redact => 'no', rate_limit => 100000,
    rate_burst => 100000));
my $open = req('/domain/example.test', base => $url2);
answer_ok($open, 200, 'redaction off');
schema_file($open, 'rdap_domain.json');
ok(!exists $open->{json}{redacted}, 'redaction off: no redacted member');
ok(!grep({ $_ eq 'redacted' } @{$open->{json}{rdapConformance}}), 'redaction off: no redacted conformance');
is(vcard(entity($open->{json}, 'technical'), 'fn')->[0][3], $c2_name, 'redaction off: name shown');
is(vcard(entity($open->{json}, 'technical'), 'email')->[0][3], $c2_email, 'redaction off: e-mail shown');
ok(redactions_ok($d, $open->{json}, 'example.test') >= 6, 'example.test: redactions checked');
ok(redactions_ok($shop, req('/domain/shop.test', base => $url2)->{json}, 'shop.test') > 0,
    'shop.test (two admins): redactions checked');
ok(redactions_ok($c2, req('/entity/demo-c2', base => $url2)->{json}, 'demo-c2') > 0,
    'contact lookup: redactions checked');
ok(redactions_ok($busy, req("/domains?nsLdhName=$hoster", base => $url2)->{json},
    'search') > 0, 'search answer: redactions checked');
my $open_search = req('/entities?fn=' . pct($c2_name), base => $url2);
is($open_search->{code}, 200, 'redaction off: any name is searchable');
is(stop($pid2), 0, 'second rdapd stops on SIGTERM');

# --- the rate limit ----------------------------------------------------------------

# Behind a trusted proxy (rdap.proxies), X-Real-IP names the client.
my ($pid3, $url3, $log3) = start(conf('slow', rate_limit => 1, rate_burst => 3,
    proxies => '127.0.0.1/32'));
sub from { my ($ip) = @_; return req('/help', base => $url3, headers => ["X-Real-IP: $ip"]) }
# n requests from ip in one curl over one connection, so that no token
# (one a second) comes back in between; their statuses.
sub codes {
	my ($ip, $n) = @_;
	my $out = `curl -s -H 'X-Real-IP: $ip' -w '%{http_code}\\n' @{[map { "-o /dev/null '$url3/help'" } 1 .. $n]}`;
	return [split /\n/, $out];
}
my $burst = codes('192.0.2.10', 10);
is_deeply([@$burst[0 .. 2]], [200, 200, 200], 'the burst passes');
ok((grep { $_ == 429 } @$burst) >= 6, 'beyond the burst: 429') or diag("@$burst");
my $r429;
for (1 .. 3) { last if ($r429 = from('192.0.2.10'))->{code} == 429 }
is($r429->{code}, 429, 'an empty bucket: 429');
like($r429->{h}{'retry-after'}, qr/^[1-9]\d*$/, 'Retry-After in seconds');
is($r429->{json}{errorCode}, 429, '429 error object');
is($r429->{h}{'access-control-allow-origin'}, '*', '429 with CORS');
schema_file($r429, 'rdap_error.json');
ok((grep { $_ == 429 } @{codes('192.0.2.200', 3)}) >= 2, 'the same /24 shares the bucket');
is_deeply(codes('198.51.100.7', 1), [200], 'another /24 has its own');
is_deeply(codes('2001:db8:1:ff00::1', 3), [200, 200, 200], 'an IPv6 burst');
ok((grep { $_ == 429 } @{codes('2001:db8:1:ffee::9', 3)}) >= 2, 'the same /56 shares the bucket');
is_deeply(codes('2001:db8:1:100::1', 1), [200], 'another /56 has its own');
like(slurp($log3), qr/192\.0\.2\.10 GET \/help 429 /, 'the log names the client behind the proxy');
sleep 2.2;
is(from('192.0.2.10')->{code}, 200, 'after Retry-After: served again');
is(stop($pid3), 0, 'third rdapd stops');
# Without rdap.proxies the header is the client's word and is ignored.
req('/help', headers => ['X-Real-IP: 203.0.113.5']);
unlike(slurp($log), qr/203\.0\.113\.5/, 'X-Real-IP from an untrusted peer is ignored');

# --- "last update of RDAP database" ---------------------------------------------------

# A copy that is no replica: the newest changelog entry. A replica: the
# master time of the changeset it applied last (read once a second).
sub updated { return events(req('/domain/example.test')->{json})->{'last update of RDAP database'} }
my $newest = sql("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', ts, 'unixepoch') FROM changelog "
    . "ORDER BY seq DESC LIMIT 1");
is(updated(), $newest, 'database age: the newest changelog entry');
sql("INSERT INTO meta(key, value) VALUES ('replica_seq', '42'), ('replica_ts', '1767225600'), "
    . "('replica_sha256', '" . ('ab' x 32) . "'), ('replica_applied', '1767225601')");
sleep 1.2;
is(updated(), '2026-01-01T00:00:00Z', 'database age: the replica\'s last changeset');

# --- snapshots ---------------------------------------------------------------------

# A worker answers from one snapshot for up to 10 ms: a write shows soon
# after, and a worker gone idle lets go of its snapshot, so that a
# checkpoint can start the WAL over (busy 0, nothing left in the log).
my $stamp = 1767312000;
sql("UPDATE domain SET updated = $stamp WHERE name = 'example.test'");
sleep 0.05;
is(events(req('/domain/example.test')->{json})->{'last changed'}, '2026-01-02T00:00:00Z',
    'snapshots: a write shows in the next answer after 10 ms');
req('/domain/example.test') for 1 .. 4;
sleep 0.2;
is(sql('PRAGMA wal_checkpoint(TRUNCATE)'), '0|0|0',
    'snapshots: an idle rdapd holds none (the WAL starts over)');

# --- the cache of shared objects ----------------------------------------------------

# Each worker keeps the registrar entity and the name servers it wrote
# for the replica's state; a change to the replica must show in the next
# snapshot's answers all the same (every worker warmed first).
sub sponsor_fn { return vcard(entity($_[0], 'registrar'), 'fn')->[0][3] }
sub ns1_v4 { return (grep { $_->{ldhName} eq 'ns1.example.test' } @{$_[0]{nameservers}})[0]{ipAddresses}{v4} }
my ($sponsor_id, $old_fn) = split(/\|/, sql("SELECT r.id, r.name FROM registrar r JOIN domain d "
    . "ON d.sponsor_id = r.id WHERE d.name = 'example.test'"));
my @warm = map { req('/domain/example.test')->{json} } 1 .. 8;
is(sponsor_fn($warm[-1]), $old_fn, 'cache: the sponsor as it was');
sql("UPDATE registrar SET name = 'Renamed Registrar AB' WHERE id = $sponsor_id");
sql("UPDATE host_addr SET addr = '192.0.2.201' WHERE family = 4 AND host_id = "
    . "(SELECT id FROM host WHERE name = 'ns1.example.test')");
sleep 0.05;
my @after = map { req('/domain/example.test')->{json} } 1 .. 8;
is_deeply([map { sponsor_fn($_) } @after], [('Renamed Registrar AB') x 8],
    'cache: a renamed sponsor shows in every answer after the change');
is_deeply([map { ns1_v4($_) } @after], [(['192.0.2.201']) x 8],
    'cache: a changed name server address too');
is(vcard(req('/entity/' . sql("SELECT handle FROM registrar WHERE id = $sponsor_id"))->{json},
    'fn')->[0][3], 'Renamed Registrar AB', 'cache: and the registrar lookup');

# --- damaged data ---------------------------------------------------------------------

# A replica applies changesets without foreign keys: a registrant or a
# role that names a contact that is not there is left out, and the
# server goes on.
my $damaged = sql("SELECT name FROM domain ORDER BY id DESC LIMIT 1");
sql("UPDATE domain SET registrant_id = 987654321 WHERE name = '$damaged'");
sql("INSERT INTO domain_contact(domain_id, type, contact_id) SELECT id, 'admin', 987654321 "
    . "FROM domain WHERE name = '$damaged'");
sql("INSERT INTO domain_contact(domain_id, type, contact_id) SELECT id, 'billing', 987654320 "
    . "FROM domain WHERE name = '$damaged'");
sleep 0.05;
my $dm = req("/domain/$damaged");
answer_ok($dm, 200, "domain $damaged with missing contacts");
is_deeply([grep { $_ eq 'registrant' || $_ eq 'billing' } @{roles($dm->{json})}], [],
    'missing contacts: no entity for them');
is(req('/domain/example.test')->{code}, 200, 'missing contacts: the server goes on');

# --- behind deploy/nginx-rdap.conf ---------------------------------------------------

sub free_port {
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)
	    or die "socket: $!";
	my $p = $s->sockport;
	close $s;
	return $p;
}

SKIP: {
	skip 'nginx or openssl not installed', 9
	    if system('command -v nginx >/dev/null && command -v openssl >/dev/null') != 0;
	my $ng = "$dir/nginx";
	mkdir $ng or die "$ng: $!";
	is(system("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
	    . "-subj /CN=rdap.nic.test -keyout $ng/key.pem -out $ng/cert.pem >/dev/null 2>&1"), 0,
	    'a throw-away certificate');
	my ($rport) = $url =~ /:(\d+)$/;
	my ($tls, $plain) = (free_port(), free_port());
	my $site = slurp("$root/deploy/nginx-rdap.conf");
	$site =~ s/server 127\.0\.0\.1:8080;/server 127.0.0.1:$rport;/;
	$site =~ s/listen 80;/listen 127.0.0.1:$plain;/;
	$site =~ s/listen 443 ssl http2;/listen 127.0.0.1:$tls ssl http2;/;
	$site =~ s/\n\s*listen \[::\]:\d+[^;]*;//g;
	$site =~ s{/etc/ssl/rdap/fullchain\.pem}{$ng/cert.pem};
	$site =~ s{/etc/ssl/rdap/privkey\.pem}{$ng/key.pem};
	spew("$ng/site.conf", $site);
	spew("$ng/nginx.conf", ($> == 0 ? "user root;\n" : '') . "daemon off;\npid $ng/nginx.pid;\n"
	    . "error_log $ng/error.log;\nevents {}\nhttp {\naccess_log off;\n"
	    . join('', map { "${_}_temp_path $ng;\n" } qw(client_body proxy fastcgi uwsgi scgi))
	    . "include $ng/site.conf;\n}\n");
	my ($ok, $why) = run('nginx', '-t', '-q', '-c', "$ng/nginx.conf");
	is($ok, 0, 'nginx accepts deploy/nginx-rdap.conf') or diag($why);
	my $npid = fork // die "fork: $!";
	if ($npid == 0) {
		open(STDERR, '>', "$ng/stderr") or die;
		exec('nginx', '-c', "$ng/nginx.conf") or exit 127;
	}
	track($npid, "$ng/error.log");
	for (1 .. 100) {
		last if IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $tls);
		sleep 0.05;
	}
	my $via = req('/domain/r%C3%A4ksm%C3%B6rg%C3%A5s.test', base => "https://127.0.0.1:$tls",
	    insecure => 1);
	is($via->{code}, 200, 'HTTPS through nginx: 200');
	is($via->{json}{unicodeName}, 'räksmörgås.test', 'the encoded target reaches rdapd as sent');
	is($via->{h}{'content-type'}, 'application/rdap+json', 'HTTPS: media type');
	is($via->{h}{'access-control-allow-origin'}, '*', 'HTTPS: CORS');
	like($via->{h}{'strict-transport-security'} // '', qr/max-age=/, 'HTTPS: HSTS');
	is(req('/domain/nosuch.test', base => "https://127.0.0.1:$tls", insecure => 1)->{code}, 404,
	    'HTTPS: rdapd errors pass through');
	my $redir = req('/help', base => "http://127.0.0.1:$plain");
	is($redir->{code}, 301, 'plain HTTP: redirect');
	like($redir->{h}{location} // '', qr{^https://[^/]+/help$}, 'to the same target over HTTPS');
	stop($npid);
}

# --- the schemas ----------------------------------------------------------------------

for my $schema (sort keys %validate) {
	my $report = `'$check' -v rdap $schema @{$validate{$schema}} 2>&1`;
	for my $f (@{$validate{$schema}}) {
		my ($b) = $f =~ m{/(b\d+(?:\.\d+)?)};
		ok($report =~ /PASS\s+rdap \Q$f\E vs \Q$schema\E valid/, "$schema: $b")
		    or diag(join("\n", grep { /\Q$f\E/ .. /^\S/ } split /\n/, $report));
	}
}
# The checker must be able to fail: a domain without ldhName.
my %bad = %{$d->{json}};
delete @bad{qw(ldhName redacted)};
spew("$dir/bad.json", $json->encode(\%bad));
isnt(system("'$check' rdap rdap_domain.json '$dir/bad.json' >/dev/null 2>&1"), 0,
    'the schema check rejects a domain without ldhName');

# --- the program ----------------------------------------------------------------------

($st, $out) = run("$bin/rdapd", '-n', '-c', conf('check'));
is($st, 0, '-n: exit 0');
like($out, qr/configuration OK/, '-n: configuration OK');
($st, $out) = run("$bin/rdapd", '--help');
is($st, 0, '--help: exit 0');
like($out, qr/usage: rdapd/, '--help: usage');
($st, $out) = run("$bin/rdapd", '-n', '-c', conf('badurl', base_url => 'ftp://x/'));
is($st, 1, 'a base_url that is not http(s): exit 1');
like($out, qr/base_url/, 'the message names base_url');
($st, $out) = run("$bin/rdapd", '-c', conf('badlisten', listen => 'nowhere'));
is($st, 1, 'a bad listen address: exit 1');
like($out, qr/rdap\.listen/, 'the message names rdap.listen');
my $gone = conf('gone');
(my $gone_text = slurp($gone)) =~ s/replica = \S+/replica = $dir\/missing.db/;
spew($gone, $gone_text);
($st, $out) = run("$bin/rdapd", '-c', $gone);
is($st, 1, 'a missing replica: exit 1');

is(stop($pid), 0, 'rdapd stops on SIGTERM');
my $logs = join('', map { slurp($_) } glob("$dir/*.log"));
like(slurp($log), qr/127\.0\.0\.1 GET \/domain\/example\.test 200 /, 'one log line per request');
unlike($logs, qr/AddressSanitizer|runtime error|LeakSanitizer/, 'no sanitizer reports');

done_testing();
