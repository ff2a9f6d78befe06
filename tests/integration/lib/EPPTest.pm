# EPPTest.pm: the shared harness of the EPP integration tests.
#
# Sets up a throw-away registry in a temporary folder (a CA, a server
# certificate for localhost/127.0.0.1, a client certificate per registrar,
# registry.conf for TLD "test", master.db made by regctl), starts
# $BIN/eppd on a free loopback port and hands out clients:
#
#   use FindBin; use lib "$FindBin::Bin/lib"; use EPPTest;
#   my $t = EPPTest->new(epp => { rate_limit => 5 });   # [epp] overrides
#   my $c = $t->login('reg1');                # connected, logged in (1000)
#   my $r = $c->command('<info><domain:info xmlns:domain="..."><domain:name>'
#       . 'a.test</domain:name></domain:info></info>');
#   $t->code_is($r, 1000, 'info works');
#   print $r->text('//domain:roid'), $r->reason, $r->cltrid;
#   $c->logout;
#
# Every frame eppd sends is checked against the official schemas
# (../shared/reference/bundle/all.xsd, libxml2 in process), and kept; at
# the end (EPPTest::done(), which also calls done_testing) one more test
# runs xmllint --schema over all of them, so a test fails when any
# response is invalid.
#
# Options of new(): registrars => [handles] (default reg1, reg2; each with
# password "<handle>-Pw1", allow-list 127.0.0.1/32, its certificate,
# credit and balance 1000000), epp => {key => value}, registry =>
# {key => value}, periods => {...}, prices => {...} (config overrides),
# start => 0 (set up but do not start eppd).
#
# Clients: $t->client($clid, %o) connects with Net::EPP::Client over TLS
# and reads the greeting ($c->greeting); options cert => NAME (another
# certificate of the test CA: "rogue" is signed by another CA, "spare" by
# ours but registered for no one), no_cert => 1, local_addr => '127.0.0.2'.
# $c->login(pw => ..., newpw => ..., version => ..., lang => ...,
# objuris => [...], exturis => [...]), $c->logout, $c->hello, $c->poll_req,
# $c->poll_ack($id), $c->request($xml) (a whole document), $c->command($inner)
# (wrapped in <command> with a fresh clTRID), $c->raw_frame($bytes) and
# $c->read_response (for hand-made frames), $c->closed (true once the
# server closed the connection).
#
# A test that forks workers sets $EPPTest::VALIDATE = 0 in them (their
# responses are then only parsed) and leaves them with POSIX::_exit.
#
# Registry side: $t->regctl(@args) (dies on failure), $t->sql($query),
# $t->advance_clock('30d') (regctl clock advance, then waits for two
# housekeeping runs), $t->stop (SIGTERM, waits), $t->kill9 (SIGKILL to
# eppd and its writer), $t->start, $t->log_text (eppd's stderr so far),
# $t->wait_log(qr/.../, $count_before).
# Programs come from $BIN (default ./bin).
package EPPTest;

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use IO::Socket::SSL;
use Net::EPP::Client;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);
use XML::LibXML;

our $ROOT = abs_path(dirname(__FILE__) . '/../../..');
our $BIN = abs_path($ENV{BIN} // "$ROOT/bin") // ($ENV{BIN} // "$ROOT/bin");
our $REF = abs_path("$ROOT/../shared/reference") // "$ROOT/../shared/reference";
our $TIMEOUT = 15;	# seconds any single wait may take
our $VALIDATE = 1;	# 0 in forked workers: no tests outside the main process

our %NS = (
	epp => 'urn:ietf:params:xml:ns:epp-1.0',
	domain => 'urn:ietf:params:xml:ns:domain-1.0',
	host => 'urn:ietf:params:xml:ns:host-1.0',
	contact => 'urn:ietf:params:xml:ns:contact-1.0',
	secDNS => 'urn:ietf:params:xml:ns:secDNS-1.1',
	rgp => 'urn:ietf:params:xml:ns:rgp-1.0',
);
our @OBJURIS = @NS{qw(domain host contact)};
our @EXTURIS = @NS{qw(secDNS rgp)};

$SIG{PIPE} = 'IGNORE';	# a server that closed shows as a failed write

my $schema;	# all.xsd, compiled once per test script
my @instances;	# every test object, for the closing xmllint pass

# Whether the programs a test needs are there; skips the whole test if not.
sub require_programs {
	my (@progs) = @_;
	for my $p (@progs) {
		plan skip_all => "$BIN/$p is not built" unless -x "$BIN/$p";
	}
	for my $tool (qw(openssl sqlite3 xmllint)) {
		plan skip_all => "$tool is not installed"
		    if system("command -v $tool >/dev/null 2>&1") != 0;
	}
	plan skip_all => "$REF/bundle/all.xsd is missing" unless -f "$REF/bundle/all.xsd";
}

sub new {
	my ($class, %o) = @_;
	my $self = bless {
		dir => tempdir('epptest.XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{EPPTEST_KEEP}),
		registrars => $o{registrars} // [qw(reg1 reg2)],
		opts => \%o,
		seq => 0,
		responses => 0,
	}, $class;
	require_programs(qw(eppd regctl));
	push @instances, $self;
	$self->{port} = free_port();
	$self->make_tls;
	$self->write_conf;
	$self->make_db;
	$self->start unless defined $o{start} && !$o{start};
	return $self;
}

sub dir { $_[0]{dir} }
sub port { $_[0]{port} }
sub conf { "$_[0]{dir}/registry.conf" }
sub db { "$_[0]{dir}/master.db" }
sub password { my ($self, $clid) = @_; return "$clid-Pw1" }

sub free_port {
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Proto => 'tcp', Listen => 1) or die "no free port: $!";
	my $port = $s->sockport;
	close $s;
	return $port;
}

sub slurp { my ($f) = @_; open(my $fh, '<', $f) or return ''; local $/; my $s = <$fh>; return $s // '' }
sub spew { my ($f, $s) = @_; open(my $fh, '>', $f) or die "$f: $!"; print $fh $s; close $fh }

sub run_quiet {
	my ($self, @cmd) = @_;
	my $out = "$self->{dir}/cmd.out";
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open(STDOUT, '>', $out) or die;
		open(STDERR, '>&', \*STDOUT) or die;
		exec(@cmd) or exit 127;
	}
	waitpid($pid, 0);
	return ($? >> 8, slurp($out));
}

# --- certificates --------------------------------------------------------------

sub openssl {
	my ($self, @args) = @_;
	my ($st, $out) = $self->run_quiet('openssl', @args);
	die "openssl @args: $out" if $st;
}

sub make_ca {
	my ($self, $name) = @_;
	my $d = "$self->{dir}/tls";
	$self->openssl(qw(req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30),
	    '-subj', "/CN=$name test CA", '-addext', 'basicConstraints=critical,CA:TRUE',
	    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
	    '-keyout', "$d/$name.key", '-out', "$d/$name.crt");
}

sub make_leaf {
	my ($self, $name, $ca, $ext) = @_;
	my $d = "$self->{dir}/tls";
	spew("$d/$name.ext", "$ext\n");
	$self->openssl(qw(req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes),
	    '-subj', "/CN=$name", '-keyout', "$d/$name.key", '-out', "$d/$name.csr");
	$self->openssl(qw(x509 -req -days 30 -set_serial), int(rand(1 << 30)) + 1,
	    '-in', "$d/$name.csr", '-CA', "$d/$ca.crt", '-CAkey', "$d/$ca.key",
	    '-extfile', "$d/$name.ext", '-out', "$d/$name.crt");
}

sub make_tls {
	my ($self) = @_;
	mkdir "$self->{dir}/tls" or die;
	$self->make_ca('ca');
	$self->make_ca('rogueca');
	$self->make_leaf('server', 'ca', "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
	    . "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature");
	my $client = "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature";
	$self->make_leaf($_, 'ca', $client) for @{$self->{registrars}}, 'spare';
	$self->make_leaf('rogue', 'rogueca', $client);
}

sub cert { my ($self, $name) = @_; return "$self->{dir}/tls/$name.crt" }
sub key { my ($self, $name) = @_; return "$self->{dir}/tls/$name.key" }

# --- configuration and database -----------------------------------------------

sub section {
	my ($name, $defaults, $over) = @_;
	my %v = (%$defaults, %{$over // {}});
	return "[$name]\n" . join('', map { "$_ = $v{$_}\n" } sort keys %v) . "\n";
}

sub write_conf {
	my ($self) = @_;
	my $o = $self->{opts};
	my $d = $self->{dir};
	my $text = section('registry', { tld => 'test', idn_table => "$ROOT/data/idn/test.txt",
	    adjustable_clock => 'yes', name => 'EPPTest registry' }, $o->{registry})
	    . section('database', { master => "$d/master.db", replica => "$d/replica.db" })
	    . section('periods', {}, $o->{periods})
	    . section('prices', { create => 1000, renew => 1000, transfer => 1000,
	      restore => 4000 }, $o->{prices})
	    . section('epp', { listen => "127.0.0.1:$self->{port}", cert => "$d/tls/server.crt",
	      key => "$d/tls/server.key", ca => "$d/tls/ca.crt", schema_dir => "$ROOT/data/xsd",
	      housekeeping => '1s', login_timeout => '10s', idle_timeout => '60s' }, $o->{epp});
	spew($self->conf, $text);
}

sub regctl {
	my ($self, @args) = @_;
	my ($st, $out) = $self->run_quiet("$BIN/regctl", '-c', $self->conf, @args);
	die "regctl @args: exit $st: $out" if $st;
	return $out;
}

sub make_db {
	my ($self) = @_;
	$self->regctl('init');
	for my $clid (@{$self->{registrars}}) {
		$self->regctl('registrar', 'create', $clid, '--name', "Registrar $clid",
		    '--email', "$clid\@example.net", '--password', $self->password($clid),
		    '--allow', '127.0.0.1/32', '--cert', $self->cert($clid),
		    '--credit', 1000000, '--balance', 1000000);
	}
}

sub sql {
	my ($self, $q) = @_;
	my ($st, $out) = $self->run_quiet('sqlite3', '-batch', $self->db, $q);
	die "sqlite3 $q: $out" if $st;
	chomp $out;
	return $out;
}

# --- the daemon ------------------------------------------------------------------

sub logfile { "$_[0]{dir}/eppd.log" }
sub log_text { slurp($_[0]->logfile) }

sub start {
	my ($self) = @_;
	my $log = $self->logfile;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		setpgrp(0, 0);	# eppd and its writer: one group for kill9
		open(STDOUT, '>>', $log) or die;
		open(STDERR, '>>', $log) or die;
		exec("$BIN/eppd", '-d', '-c', $self->conf) or exit 127;
	}
	$self->{pid} = $pid;
	my $ready = $self->wait_log(qr/writer ready/, $self->count_log(qr/writer ready/));
	die "eppd did not start:\n" . $self->log_text unless $ready;
	return $pid;
}

sub pid { $_[0]{pid} }
sub running { my ($self) = @_; return $self->{pid} && kill(0, $self->{pid}) }

sub count_log {
	my ($self, $re) = @_;
	my @n = $self->log_text =~ /$re/g;
	return scalar @n;
}

# Waits until the log holds more than $have lines matching $re.
sub wait_log {
	my ($self, $re, $have, $timeout) = @_;
	my $until = time + ($timeout // $TIMEOUT);
	while (time < $until) {
		return 1 if $self->count_log($re) > $have;
		if ($self->{pid} && waitpid($self->{pid}, WNOHANG) == $self->{pid}) {
			$self->{pid} = undef;	# it exited
			return $self->count_log($re) > $have;
		}
		sleep 0.05;
	}
	return 0;
}

# Waits for eppd to exit; its exit status, or undef after the timeout.
sub reap {
	my ($self, $timeout) = @_;
	my $until = time + ($timeout // $TIMEOUT);
	while (time < $until) {
		my $r = waitpid($self->{pid}, WNOHANG);
		if ($r == $self->{pid} || $r < 0) {
			$self->{pid} = undef;
			return $? >> 8;
		}
		sleep 0.05;
	}
	return undef;
}

sub stop {
	my ($self) = @_;
	return 0 unless $self->{pid};
	kill('TERM', $self->{pid});
	my $st = $self->reap;
	if (!defined $st) {
		kill('KILL', -$self->{pid});
		$st = $self->reap;
	}
	return $st;
}

sub kill9 {
	my ($self) = @_;
	return unless $self->{pid};
	kill('KILL', -$self->{pid});
	$self->reap;
}

sub advance_clock {
	my ($self, $by) = @_;
	my $re = qr/housekeeping: /;
	my $have = $self->count_log($re);
	$self->regctl('clock', 'advance', $by);
	# The run in progress may have read the old clock: wait for two more.
	return $self->wait_log($re, $have + 1);
}

sub DESTROY {
	my ($self) = @_;
	local $?;
	$self->kill9 if $self->{pid};
}

# --- validation --------------------------------------------------------------------

sub schema {
	$schema //= XML::LibXML::Schema->new(location => "$REF/bundle/all.xsd");
	return $schema;
}

# Checks one frame from the server against all.xsd; keeps it for xmllint.
sub validate {
	my ($self, $xml, $what) = @_;
	return eval { XML::LibXML->load_xml(string => $xml) } unless $VALIDATE;
	my $file = sprintf('%s/resp-%05d.xml', $self->{dir}, ++$self->{responses});
	spew($file, $xml);
	my $doc = eval { XML::LibXML->load_xml(string => $xml) };
	if (!$doc) {
		fail("$what: response is well-formed XML");
		diag($@);
		return undef;
	}
	eval { schema()->validate($doc) };
	if ($@) {
		fail("$what: response validates against all.xsd");
		diag("$@\n$xml");
	}
	return $doc;
}

# One test: xmllint agrees that every response so far is valid.
sub xmllint_all {
	my ($self) = @_;
	my @files = glob("$self->{dir}/resp-*.xml");
	return unless @files;
	my ($st, $out) = $self->run_quiet('xmllint', '--noout', '--schema',
	    "$REF/bundle/all.xsd", @files);
	is($st, 0, scalar(@files) . ' responses validate with xmllint --schema all.xsd')
	    or diag($out);
}

# Ends the test script: the xmllint pass over every response and a look
# for sanitizer reports in eppd's log, then done_testing().
sub done {
	for my $t (grep { defined } @instances) {
		$t->xmllint_all;
		unlike($t->log_text, qr/AddressSanitizer|LeakSanitizer|runtime error:/,
		    'no sanitizer reports in the eppd log');
	}
	@instances = ();
	done_testing();
}

# --- assertions ------------------------------------------------------------------------

# The response's result code is $code (and the response exists).
sub code_is {
	my ($self, $r, $code, $name) = @_;
	my $ok = is($r ? $r->code : 'no response', $code, $name);
	diag($r->xml) if !$ok && $r;
	return $ok;
}

# --- clients ------------------------------------------------------------------------------

sub client {
	my ($self, $clid, %o) = @_;
	return EPPTest::Client->new($self, $clid, %o);
}

# A client logged in as $clid (a failing test if the login is refused).
sub login {
	my ($self, $clid, %o) = @_;
	my $c = $self->client($clid, %o);
	my $r = $c->login(%o);
	$self->code_is($r, 1000, "login as $clid") or return $c;
	return $c;
}

sub next_cltrid {
	my ($self) = @_;
	return sprintf('TEST-%d-%04d', $$, ++$self->{seq});
}

package EPPTest::Client;

use strict;
use warnings;
use IO::Socket::SSL;
use Test::More;

sub new {
	my ($class, $t, $clid, %o) = @_;
	my $self = bless { t => $t, clid => $clid, closed => 0 }, $class;
	my $cert = $o{cert} // $clid;
	my %ssl = (
		SSL_ca_file => $t->cert('ca'),
		SSL_verify_mode => SSL_VERIFY_PEER,
		SSL_verifycn_name => 'localhost',
		SSL_verifycn_scheme => 'default',
		Timeout => $EPPTest::TIMEOUT,
	);
	if (!$o{no_cert}) {
		$ssl{SSL_cert_file} = $t->cert($cert);
		$ssl{SSL_key_file} = $t->key($cert);
	}
	$ssl{LocalAddr} = $o{local_addr} if $o{local_addr};
	$self->{epp} = Net::EPP::Client->new(host => '127.0.0.1', port => $t->port, ssl => 1);
	my $greeting = eval { local $SIG{ALRM} = sub { die "timeout\n" };
	    alarm($EPPTest::TIMEOUT); my $g = $self->{epp}->connect(%ssl); alarm(0); $g };
	alarm(0);
	if (!defined $greeting || $@) {
		$self->{error} = $@ || 'no greeting';
		$self->{closed} = 1;
		return $self;
	}
	$self->{greeting} = EPPTest::Response->new($t, $greeting, 'greeting');
	return $self;
}

sub connected { my ($self) = @_; return defined $self->{greeting} }
sub greeting { $_[0]{greeting} }
sub error { $_[0]{error} }
sub closed { $_[0]{closed} }
sub socket { $_[0]{epp}{connection} }

# Reads one frame; undef (and closed) if the server closed the connection.
sub read_response {
	my ($self, $what) = @_;
	return undef if $self->{closed};
	my $xml = eval { local $SIG{ALRM} = sub { die "timeout\n" };
	    alarm($EPPTest::TIMEOUT); my $x = $self->{epp}->get_frame; alarm(0); $x };
	alarm(0);
	if (!defined $xml || $xml eq '' || $@) {
		$self->{closed} = 1;
		$self->{error} = $@;
		return undef;
	}
	return EPPTest::Response->new($self->{t}, $xml, $what // 'response');
}

# Sends a whole document; the parsed answer (undef if none came).
sub request {
	my ($self, $xml, $what) = @_;
	return undef if $self->{closed};
	my $sent = eval { $self->{epp}->send_frame($xml, 0) };
	if (!$sent) {
		$self->{closed} = 1;
		return undef;
	}
	return $self->read_response($what);
}

# Sends raw bytes (a hand-made frame) on the TLS connection.
sub raw_frame {
	my ($self, $bytes) = @_;
	my $s = $self->socket;
	return eval { local $SIG{PIPE} = 'IGNORE'; $s->print($bytes) && $s->flush } ? 1 : 0;
}

# True once the server has closed the connection (waits a little).
sub wait_closed {
	my ($self, $timeout) = @_;
	return 1 if $self->{closed};
	my $s = $self->socket;
	my $buf;
	my $n = eval { local $SIG{ALRM} = sub { die "timeout\n" };
	    alarm($timeout // $EPPTest::TIMEOUT); my $r = sysread($s, $buf, 1); alarm(0); $r };
	alarm(0);
	$self->{closed} = 1 if defined $n && $n == 0 || !defined $n && $@ ne "timeout\n";
	return $self->{closed};
}

sub command {
	my ($self, $inner, %o) = @_;
	my $cltrid = exists $o{cltrid} ? $o{cltrid} : $self->{t}->next_cltrid;
	my $ext = $o{extension} ? "<extension>$o{extension}</extension>" : '';
	my $tr = defined $cltrid ? "<clTRID>$cltrid</clTRID>" : '';
	return $self->request(qq{<?xml version="1.0" encoding="UTF-8"?>\n}
	    . qq{<epp xmlns="$EPPTest::NS{epp}"><command>$inner$ext$tr</command></epp>},
	    $o{what});
}

sub hello {
	my ($self) = @_;
	return $self->request(qq{<?xml version="1.0" encoding="UTF-8"?>}
	    . qq{<epp xmlns="$EPPTest::NS{epp}"><hello/></epp>}, 'hello');
}

sub login {
	my ($self, %o) = @_;
	my $t = $self->{t};
	my $clid = $o{clid} // $self->{clid};
	my $pw = $o{pw} // $t->password($clid);
	my $newpw = defined $o{newpw} ? "<newPW>$o{newpw}</newPW>" : '';
	my $objs = join('', map { "<objURI>$_</objURI>" } @{$o{objuris} // \@EPPTest::OBJURIS});
	my @ext = @{$o{exturis} // \@EPPTest::EXTURIS};
	my $exts = @ext ? '<svcExtension>' . join('', map { "<extURI>$_</extURI>" } @ext)
	    . '</svcExtension>' : '';
	my $r = $self->command("<login><clID>$clid</clID><pw>$pw</pw>$newpw<options>"
	    . '<version>' . ($o{version} // '1.0') . '</version><lang>' . ($o{lang} // 'en')
	    . "</lang></options><svcs>$objs$exts</svcs></login>", what => 'login');
	return $r;
}

sub logout {
	my ($self) = @_;
	return $self->command('<logout/>', what => 'logout');
}

sub poll_req {
	my ($self) = @_;
	return $self->command('<poll op="req"/>', what => 'poll req');
}

sub poll_ack {
	my ($self, $id) = @_;
	return $self->command(qq{<poll op="ack" msgID="$id"/>}, what => 'poll ack');
}

sub close {
	my ($self) = @_;
	eval { $self->{epp}->disconnect } unless $self->{closed};
	$self->{closed} = 1;
}

package EPPTest::Response;

use strict;
use warnings;

sub new {
	my ($class, $t, $xml, $what) = @_;
	my $doc = $t->validate($xml, $what);
	my $xpc = XML::LibXML::XPathContext->new($doc // XML::LibXML::Document->new);
	$xpc->registerNs($_, $EPPTest::NS{$_}) for keys %EPPTest::NS;
	return bless { xml => $xml, doc => $doc, xpc => $xpc }, $class;
}

sub xml { $_[0]{xml} }
sub doc { $_[0]{doc} }
sub nodes { my ($self, $path) = @_; return $self->{xpc}->findnodes($path) }
sub text {
	my ($self, $path) = @_;
	my @n = $self->{xpc}->findnodes($path);
	return @n ? $n[0]->textContent : undef;
}
sub texts { my ($self, $path) = @_; return map { $_->textContent } $self->{xpc}->findnodes($path) }
sub attr {
	my ($self, $path, $name) = @_;
	my @n = $self->{xpc}->findnodes($path);
	return @n ? $n[0]->getAttribute($name) : undef;
}
sub code { my ($self) = @_; return $self->attr('/epp:epp/epp:response/epp:result', 'code') // 'none' }
sub msg { $_[0]->text('/epp:epp/epp:response/epp:result/epp:msg') }
sub reason { $_[0]->text('//epp:result/epp:extValue/epp:reason') }
sub cltrid { $_[0]->text('//epp:trID/epp:clTRID') }
sub svtrid { $_[0]->text('//epp:trID/epp:svTRID') }
sub is_greeting { defined $_[0]->text('/epp:epp/epp:greeting/epp:svID') }

1;
