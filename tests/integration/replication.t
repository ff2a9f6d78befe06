#!/usr/bin/perl
# replication.t: bin/replica between a master and replicas on loopback.
#
# A master made by regctl and gendata, a feed and an agent with
# certificates from a throw-away CA. Shown: writes appear on the replica;
# an agent killed with SIGKILL in the middle of a stream resumes and ends
# with the master's public content (a sorted dump of every public table
# of both); a corrupted changeset, a bad digest, a truncated changeset, a
# sequence gap, a truncated or foreign snapshot and a schema mismatch are
# refused and change nothing; a replica seeded while writes go on ends
# identical; trimming keeps a replica within the log following and makes
# one below it re-seed; the replica holds no secret (no private rows, no
# password hash or authInfo value anywhere in its files); a client
# without a valid certificate or from an address outside the allow-list
# is refused; status and the agent's log line show the lag.
use strict;
use warnings;
use Cwd qw(abs_path);
use Digest::SHA qw(sha256_hex);
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
# Forked children leave with POSIX::_exit, so that they never run the
# END block that stops the daemons.
use Test::More;
use Time::HiRes qw(sleep time);

$SIG{PIPE} = "IGNORE";

my $root = abs_path(dirname(__FILE__) . '/../..');
my $bin = $ENV{BIN} // "$root/bin";
for my $prog (qw(replica regctl gendata)) {
	plan skip_all => "$bin/$prog not built" unless -x "$bin/$prog";
}
for my $tool (qw(sqlite3 openssl)) {
	plan skip_all => "$tool not installed" if system("command -v $tool >/dev/null") != 0;
}
eval { require IO::Socket::SSL; IO::Socket::SSL->import(qw(SSL_VERIFY_PEER SSL_VERIFY_NONE
    SSL_VERIFY_FAIL_IF_NO_PEER_CERT)); 1 }
    or plan skip_all => 'IO::Socket::SSL (libio-socket-ssl-perl) not installed';

my $dir = tempdir('replication.XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{KEEP});
my $tls = "$dir/tls";
my $master = "$dir/master.db";
my $replica = "$dir/replica.db";
my %pids;		# pid => what, for the END block
my $PASSWORD = 'Pw12345x';

sub slurp { my ($f) = @_; open(my $fh, '<:raw', $f) or return ''; local $/; my $s = <$fh>; return $s // '' }
sub spew { my ($f, $s) = @_; open(my $fh, '>:raw', $f) or die "$f: $!"; print $fh $s; close $fh }

# --- processes -----------------------------------------------------------------

sub start {
	my ($what, $log, @cmd) = @_;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open(STDOUT, '>>', $log) or die;
		open(STDERR, '>&', \*STDOUT) or die;
		$ENV{TMPDIR} = "$dir/tmp";
		exec(@cmd) or POSIX::_exit(127);
	}
	$pids{$pid} = $what;
	return $pid;
}

sub stop {
	my ($pid, $sig) = @_;
	return unless $pid && $pids{$pid};
	kill($sig // 'TERM', $pid);
	waitpid($pid, 0);
	delete $pids{$pid};
}

END {
	for my $pid (keys %pids) {
		kill('TERM', $pid);
		waitpid($pid, 0);
	}
}

# Runs a program to its end; returns (exit status, output with stderr).
sub run {
	my (@cmd) = @_;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open(STDOUT, '>', "$dir/run.out") or die;
		open(STDERR, '>&', \*STDOUT) or die;
		$ENV{TMPDIR} = "$dir/tmp";
		exec(@cmd) or POSIX::_exit(127);
	}
	waitpid($pid, 0);
	return ($? >> 8, slurp("$dir/run.out"));
}

sub ok_run {
	my ($name, @cmd) = @_;
	my ($st, $out) = run(@cmd);
	is($st, 0, $name) or diag("@cmd: $out");
	return $out;
}

sub wait_until {
	my ($cond, $secs) = @_;
	my $end = time + ($secs // 15);
	while (time < $end) {
		return 1 if $cond->();
		sleep(0.05);
	}
	return $cond->();
}

sub free_port {
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Listen => 1, ReuseAddr => 1) or die "no port: $!";
	my $port = $s->sockport;
	close $s;
	return $port;
}

# --- databases -----------------------------------------------------------------

sub sql {
	my ($db, $q) = @_;
	my $out = `sqlite3 -batch -cmd '.timeout 5000' '$db' "$q" 2>&1`;
	die "sqlite3 $db: $q: $out" if $?;
	chomp $out;
	return $out;
}

sub replica_seq { my ($db) = @_; return -e ($db // $replica) ?
    sql($db // $replica, "SELECT value FROM meta WHERE key = 'replica_seq'") || 0 : -1 }
sub master_seq { return sql($master, 'SELECT max(seq) FROM changelog') || 0 }

# The public tables, read from core/schema.c so that a new one is compared too.
my @PUBLIC = do {
	my ($list) = slurp("$root/core/schema.c") =~ /public_tables\[\]\s*=\s*\{(.*?)\};/s;
	$list =~ /"(\w+)"/g;
};
my @PRIVATE = qw(registrar_secret authinfo registrar_acl registrar_cert registrar_account
    ledger grace poll history changelog);

# Every public table, rows as SQL literals, sorted: equal for equal content.
# One sqlite3 run reads them all; a marker line heads each table.
sub dump_public {
	my ($db) = @_;
	my $q = join('', map { "SELECT '-- $_'; SELECT * FROM $_;" } @PUBLIC);
	my $out = `sqlite3 -batch -cmd '.timeout 5000' -cmd '.mode quote' '$db' "$q"`;
	die "sqlite3 $db: dump failed" if $?;
	my @parts = split /^('-- \w+')\n/m, $out;
	shift @parts;
	my $dump = '';
	while (my ($head, $rows) = splice(@parts, 0, 2)) {
		$dump .= "$head\n" . join("\n", sort split(/\n/, $rows // '')) . "\n";
	}
	return $dump;
}

sub same_as_master {
	my ($name, $db) = @_;
	my ($m, $r) = (dump_public($master), dump_public($db // $replica));
	ok($m eq $r && $m =~ /^'nic\.test'/m && $m =~ /^'-- domain'/m, $name) or diag(length($m) . " vs " . length($r) . " bytes of dump");
}

sub caught_up {
	my ($db) = @_;
	return wait_until(sub { replica_seq($db) == master_seq() }, 20);
}

# The changeset `seq` of a database, as bytes.
sub blob { my ($db, $seq) = @_; return pack('H*', sql($db, "SELECT hex(changeset) FROM changelog WHERE seq = $seq")) }
sub blob_ts { my ($db, $seq) = @_; return sql($db, "SELECT ts FROM changelog WHERE seq = $seq") }
# Replaces a changeset and, unless $keep_digest, its commit-time digest
# too, so that the feed sends it and the agent's own checks are tested.
sub set_blob {
	my ($db, $seq, $bytes, $keep_digest) = @_;
	my $digest = $keep_digest ? '' : ", sha256 = '" . sha256_hex($bytes) . "'";
	sql($db, "UPDATE changelog SET changeset = X'" . unpack('H*', $bytes) . "'$digest WHERE seq = $seq");
}

# --- certificates and configuration ------------------------------------------------

sub make_ca {
	my ($name) = @_;
	system("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
	    . "-subj '/CN=$name' -addext 'basicConstraints=critical,CA:TRUE' "
	    . "-addext 'keyUsage=critical,keyCertSign,cRLSign' "
	    . "-keyout $tls/$name.key -out $tls/$name.crt 2>/dev/null") == 0 or die "CA $name";
}

sub make_leaf {
	my ($name, $ca, $ext) = @_;
	spew("$tls/$name.ext", "$ext\n");
	system("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=$name' "
	    . "-keyout $tls/$name.key -out $tls/$name.csr 2>/dev/null && "
	    . "openssl x509 -req -in $tls/$name.csr -CA $tls/$ca.crt -CAkey $tls/$ca.key "
	    . "-set_serial 0x" . unpack('H*', pack('N', int(rand(1 << 31)))) . " -days 2 "
	    . "-extfile $tls/$name.ext -out $tls/$name.crt 2>/dev/null") == 0 or die "leaf $name";
}

mkdir $tls;
mkdir "$dir/tmp";
make_ca('ca');
make_ca('rogue-ca');
make_leaf('feed', 'ca', "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth");
make_leaf('replica1', 'ca', "extendedKeyUsage=clientAuth");
make_leaf('intruder', 'rogue-ca', "extendedKeyUsage=clientAuth");

my $feed_port = free_port();
my $conf = "$dir/registry.conf";	# the registry host's
sub write_conf {
	my ($path, %o) = @_;
	my $cert = $o{cert} // 'replica1';
	spew($path, <<EOF);
[registry]
tld = test
idn_table = $root/data/idn/test.txt
[database]
master = $o{master}
replica = $o{replica}
[replication]
listen = 127.0.0.1:@{[$o{listen} // $feed_port]}
feed = 127.0.0.1:$o{port}
cert = tls/$cert.crt
key = tls/$cert.key
ca = tls/ca.crt
allow = 127.0.0.1/32
heartbeat = 1s
timeout = 3s
status_interval = 1s
EOF
}
write_conf($conf, master => $master, replica => $replica, port => $feed_port, cert => 'feed');
my $pub = "$dir/public.conf";
write_conf($pub, master => "$dir/absent.db", replica => $replica, port => $feed_port);

# One request to a feed; returns what came back (or the TLS error).
sub ask {
	my ($port, $line, %o) = @_;
	my $s = IO::Socket::SSL->new(PeerAddr => '127.0.0.1', PeerPort => $port,
	    LocalAddr => $o{from} // '127.0.0.1', Timeout => 5, SSL_verify_mode => SSL_VERIFY_NONE(),
	    $o{cert} ? (SSL_cert_file => "$tls/$o{cert}.crt", SSL_key_file => "$tls/$o{cert}.key") : ())
	    or return "refused: $IO::Socket::SSL::SSL_ERROR";
	print $s $line;
	my $out = '';
	while (defined(my $l = <$s>)) { $out .= $l; last if length($out) > 1000 }
	return $out;
}

# --- help ------------------------------------------------------------------------

for my $cmd (qw(feed follow status seed trim)) {
	my ($st, $out) = run("$bin/replica", $cmd, '--help');
	ok($st == 0 && $out =~ /usage: replica $cmd/, "replica $cmd --help");
}
{
	my ($st, $out) = run("$bin/replica", 'frobnicate');
	is($st, 2, 'unknown command: exit 2');
	($st, $out) = run("$bin/replica", 'status', '--once', '-c', $pub);
	is($st, 2, 'an option of another command: exit 2');
}

# --- a master, a feed, an agent ------------------------------------------------------

ok_run('regctl init', "$bin/regctl", '-c', $conf, 'init');
ok_run('registrar with a password', "$bin/regctl", '-c', $conf, 'registrar', 'create', 'rar1',
    '--name', 'Registrar One', '--password', $PASSWORD, '--allow', '127.0.0.1/32');
ok_run('a reserved name', "$bin/regctl", '-c', $conf, 'reserved', 'add', 'nic.test', 'reserved',
    '--reason', 'registry');

my $feed_log = "$dir/feed.log";
my $follow_log = "$dir/follow.log";
my $feed = start('feed', $feed_log, "$bin/replica", 'feed', '-c', $conf);
ok(wait_until(sub { slurp($feed_log) =~ /serving/ }, 10), 'the feed starts') or diag(slurp($feed_log));
my $agent = start('agent', $follow_log, "$bin/replica", 'follow', '-c', $pub);
ok(caught_up(), 'a new replica seeds itself and catches up') or diag(slurp($follow_log));
like(slurp($follow_log), qr/seeded from a snapshot at changeset 2/, 'it seeded from a snapshot');
same_as_master('the seeded replica has the master\'s public content');

ok_run('a write on the master', "$bin/regctl", '-c', $conf, 'reserved', 'add', 'www.test', 'blocked',
    '--reason', 'test');
ok(wait_until(sub { sql($replica, "SELECT kind FROM reserved WHERE name = 'www.test'") eq 'blocked' }, 5),
    'the write appears on the replica');

# --- SIGKILL in the middle of a stream ----------------------------------------------------

{
	my $start = replica_seq();
	my $gen = start('gendata', "$dir/gendata.log", "$bin/gendata", '-c', $conf, '-n', 1200,
	    '--batch', 10, '--registrars', 5);
	ok(wait_until(sub { replica_seq() >= $start + 20 }, 20), 'changesets stream while gendata writes');
	my $gen_running = !waitpid($gen, WNOHANG);
	stop($agent, 'KILL');
	my $killed_at = replica_seq();
	note("agent killed at changeset $killed_at, master at " . master_seq()
	    . ($gen_running ? ', gendata still writing' : ''));
	waitpid($gen, 0);
	delete $pids{$gen};
	is($? >> 8, 0, 'gendata finished') or diag(slurp("$dir/gendata.log"));
	ok(master_seq() > $killed_at, 'the master went on past the killed agent');
	ok_run('more writes while the agent is down', "$bin/regctl", '-c', $conf, 'registrar', 'update',
	    'rar1', '--name', 'Registrar One, renamed');
	$agent = start('agent', $follow_log, "$bin/replica", 'follow', '-c', $pub);
	ok(caught_up(), 'the restarted agent catches up') or diag(slurp($follow_log));
	same_as_master('after SIGKILL and restart the replica equals the master');
	unlike(slurp($follow_log) =~ s/.*seeded from a snapshot at changeset 2//sr, qr/seeded/,
	    'it resumed from its position without a new snapshot');
}

# --- status and lag --------------------------------------------------------------------------

{
	my $out = ok_run('replica status', "$bin/replica", 'status', '-c', $pub);
	my $seq = master_seq();
	like($out, qr/^applied: $seq$/m, 'status: the applied sequence');
	like($out, qr/^master: $seq$/m, 'status: the master\'s newest');
	like($out, qr/^lag: 0 changesets, 0 seconds$/m, 'status: no lag');
	like(slurp($follow_log), qr/follow: at changeset \d+, master at \d+: lag \d+ changesets, \d+ s/,
	    'the agent logs its lag');
}

# --- no secrets on the public host ---------------------------------------------------------

{
	my $hash = sql($master, "SELECT pw_hash FROM registrar_secret WHERE registrar_id = "
	    . "(SELECT id FROM registrar WHERE handle = 'rar1')");
	my $auth = sql($master, 'SELECT pw FROM authinfo ORDER BY roid LIMIT 1');
	ok(length($hash) > 20 && length($auth) > 5, 'the master holds a password hash and authInfo');
	my $m = slurp($master) . slurp("$master-wal");
	ok(index($m, $hash) >= 0 && index($m, $auth) >= 0, 'the master\'s files contain them');
	for my $t (@PRIVATE) {
		is(sql($replica, "SELECT count(*) FROM $t"), 0, "replica: no rows in $t");
	}
	is(sql($replica, "SELECT count(*) FROM meta WHERE key NOT LIKE 'replica%'"), 0,
	    'replica: meta holds only its position');
	my $r = slurp($replica) . slurp("$replica-wal");
	ok(index($r, $hash) < 0, 'the password hash is nowhere in the replica\'s files');
	ok(index($r, $auth) < 0, 'the authInfo value is nowhere in the replica\'s files');
	ok(index($r, $PASSWORD) < 0, 'nor the password');
	# A snapshot being made exists for a moment (it is unlinked once open).
	# Only the feed's own files count: the agent killed above can leave a
	# SQLite temporary file (etilqs_*) that SIGKILL caught between its
	# creation and its unlink.
	ok(wait_until(sub { my @f = glob("$dir/tmp/replica-snapshot.*"); !@f }, 10),
	    'the feed left no snapshot file behind') or diag(join(' ', glob("$dir/tmp/*")));
}

# --- refusals: a second feed on a corrupted copy, fake feeds ------------------------------

stop($agent);
ok_run('writes for the refusal tests', "$bin/regctl", '-c', $conf, 'reserved', 'add', 'a1.test',
    'reserved', '--reason', 'x');
ok_run('another', "$bin/regctl", '-c', $conf, 'reserved', 'add', 'a2.test', 'reserved', '--reason', 'x');
my $at = replica_seq();
my $before = dump_public($replica);

# Runs `replica ARGS` against a feed on $port with the replica's config.
sub against {
	my ($port, @args) = @_;
	my $c = "$dir/against-$port.conf";
	write_conf($c, master => "$dir/absent.db", replica => $replica, port => $port);
	return run("$bin/replica", @args, '-c', $c);
}

sub unchanged {
	my ($what) = @_;
	is(replica_seq(), $at, "$what: the replica stays at its last good changeset");
	ok(dump_public($replica) eq $before, "$what: its content is unchanged");
}

{
	my $copy = "$dir/corrupt.db";
	sql($master, ".backup '$copy'");
	my $copy_conf = "$dir/corrupt.conf";
	my $port = free_port();
	write_conf($copy_conf, master => $copy, replica => "$dir/none.db", port => $port,
	    listen => $port, cert => 'feed');
	my $next = $at + 1;
	my $good = blob($copy, $next);
	my $bad = $good;
	substr($bad, 0, 1) = chr(ord(substr($bad, 0, 1)) ^ 1);
	my $feed2 = start('corrupt feed', "$dir/feed2.log", "$bin/replica", 'feed', '-c', $copy_conf);
	wait_until(sub { slurp("$dir/feed2.log") =~ /serving/ }, 10);

	# Damaged on the master after its commit: the feed does not send it.
	set_blob($copy, $next, $bad, 1);
	my ($st, $out) = against($port, 'follow', '--once');
	isnt($st, 0, 'a changeset damaged on the master: the agent fails');
	ok(wait_until(sub { slurp("$dir/feed2.log") =~
	    /changeset $next no longer matches the digest taken at its commit/ }, 10),
	    'the feed refuses to send it and says why') or diag(slurp("$dir/feed2.log"));
	unchanged('damaged on the master');

	# The same bytes with a matching digest reach the agent, which refuses them.
	set_blob($copy, $next, $bad);
	($st, $out) = against($port, 'follow', '--once');
	is($st, 1, 'a corrupted changeset: exit 1');
	like($out, qr/changeset $next is malformed/, 'a corrupted changeset: the reason');
	unchanged('corrupted changeset');

	my $renamed = $good =~ s/reserved/reservex/r;
	isnt($renamed, $good, 'the changeset names its table');
	set_blob($copy, $next, $renamed);
	($st, $out) = against($port, 'follow', '--once');
	is($st, 1, 'a changeset naming another table: exit 1');
	like($out, qr/names table 'reservex', which is not replicated/, 'another table: the reason');
	unchanged('another table');

	# A master whose history differs from the one the replica followed
	# (asked by hand: the agent would re-seed from this copy).
	my $sha = sql($replica, "SELECT value FROM meta WHERE key = 'replica_sha256'");
	my $schema = sql($replica, 'PRAGMA user_version');
	set_blob($copy, $at, blob($copy, $at) . "\0");
	like(ask($port, "FOLLOW $next $schema $sha\n", cert => 'replica1'),
	    qr/^SEED the replica's changeset $at is not the master's/,
	    'a replaced master is told by the digest of the last changeset');
	stop($feed2);
}

# A fake feed: serves each link with $serve->($socket, $request_line).
sub fake_feed {
	my ($serve) = @_;
	my $srv = IO::Socket::SSL->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5,
	    ReuseAddr => 1, SSL_server => 1, SSL_cert_file => "$tls/feed.crt",
	    SSL_key_file => "$tls/feed.key", SSL_ca_file => "$tls/ca.crt",
	    SSL_verify_mode => SSL_VERIFY_PEER() | SSL_VERIFY_FAIL_IF_NO_PEER_CERT())
	    or die "fake feed: $IO::Socket::SSL::SSL_ERROR";
	my $port = $srv->sockport;
	my $pid = fork // die;
	if ($pid == 0) {
		while (my $c = $srv->accept) {
			my $req = <$c> // '';
			$serve->($c, $req);
			$c->close(SSL_fast_shutdown => 1);
		}
		POSIX::_exit(0);
	}
	$pids{$pid} = 'fake feed';
	$srv->close(SSL_no_shutdown => 1);
	return ($pid, $port);
}

# Serves FOLLOW with one record: the changeset after the replica's,
# shaped by $shape->($seq, $bytes) returning (seq, bytes, digest).
sub fake_follow {
	my ($name, $shape, $want) = @_;
	my ($pid, $port) = fake_feed(sub {
		my ($c, $req) = @_;
		my ($next) = $req =~ /^FOLLOW (\d+) / or return;
		my ($seq, $bytes, $sha, $len) = $shape->($next, blob($master, $next));
		$len //= length($bytes);
		print $c "OK " . master_seq() . "\nC $seq " . blob_ts($master, $seq) . " $len $sha\n" . $bytes;
	});
	my ($st, $out) = against($port, 'follow', '--once');
	is($st, 1, "$name: exit 1");
	like($out, $want, "$name: the reason");
	unchanged($name);
	stop($pid);
}

fake_follow('a digest mismatch', sub {
	my ($seq, $b) = @_;
	my $sha = sha256_hex($b);
	substr($b, -1, 1) = chr(ord(substr($b, -1, 1)) ^ 0x20);
	return ($seq, $b, $sha);
}, qr/changeset \d+: digest mismatch .*refused/);
fake_follow('a truncated changeset', sub {
	my ($seq, $b) = @_;
	return ($seq, substr($b, 0, length($b) / 2), sha256_hex($b), length($b));
}, qr/changeset \d+ truncated: \d+ of \d+ bytes arrived.*refused/);
fake_follow('a sequence gap', sub {
	my ($seq) = @_;
	my $b = blob($master, $seq + 1);
	return ($seq + 1, $b, sha256_hex($b));
}, qr/sequence gap: the replica is at \d+, changeset \d+ is not the next/);

# Fake snapshots for `replica seed`.
sub fake_seed {
	my ($name, $image, $cut, $want) = @_;
	my ($pid, $port) = fake_feed(sub {
		my ($c, $req) = @_;
		print $c "IMAGE 1 1 " . length($image) . " " . sha256_hex($image) . "\n"
		    . substr($image, 0, length($image) - $cut);
	});
	my ($st, $out) = against($port, 'seed');
	is($st, 1, "$name: exit 1");
	like($out, $want, "$name: the reason");
	unchanged($name);
	stop($pid);
}

{
	sql($replica, ".backup '$dir/image.db'");
	my $image = slurp("$dir/image.db");
	fake_seed('a truncated snapshot', $image, 4096, qr/snapshot truncated: \d+ of \d+ bytes/);
	sql("$dir/image.db", 'PRAGMA user_version = 99');
	fake_seed('a snapshot of another schema', slurp("$dir/image.db"), 0,
	    qr/schema version 99, this program needs/);
	sql("$dir/image.db", 'PRAGMA user_version = ' . sql($replica, 'PRAGMA user_version'));
	sql("$dir/image.db", "INSERT INTO authinfo VALUES ('X1-TEST', 'leak')");
	fake_seed('a snapshot with secrets', slurp("$dir/image.db"), 0,
	    qr/holds 1 rows of private table authinfo: refused/);
}

# --- the feed's own refusals ------------------------------------------------------------------

like(ask($feed_port, "STATUS 0\n", cert => 'replica1'), qr/^LAST \d+ \d+ \d+ \d+$/m,
    'a replica with its certificate is answered');
like(ask($feed_port, "FOLLOW 1 99 -\n", cert => 'replica1'),
    qr/^ERR schema version mismatch: the replica has 99, the master \d+/, 'a schema mismatch is refused');
like(ask($feed_port, "FOLLOW x\n", cert => 'replica1'), qr/^ERR FOLLOW takes 4 words/,
    'a malformed request is refused');
like(ask($feed_port, ("\x01\xff" x 300) . "\n", cert => 'replica1'), qr/^ERR line longer than \d+ bytes/,
    'an overlong line of junk is refused');
unlike(ask($feed_port, "STATUS 0\n"), qr/LAST/, 'a client without a certificate gets nothing');
unlike(ask($feed_port, "STATUS 0\n", cert => 'intruder'), qr/LAST/,
    'a certificate from another CA gets nothing');
unlike(ask($feed_port, "STATUS 0\n", cert => 'replica1', from => '127.0.0.2'), qr/LAST/,
    'an address outside the allow-list gets nothing');
{
	my $rogue = "$dir/rogue.conf";
	write_conf($rogue, master => "$dir/absent.db", replica => $replica, port => $feed_port,
	    cert => 'intruder');
	my ($st, $out) = run("$bin/replica", 'status', '-c', $rogue);
	is($st, 1, 'status with a rogue certificate: exit 1');
	like($out, qr/master: unreachable/, 'status says the master is unreachable');
	my $log = slurp($feed_log);
	like($log, qr/TLS handshake failed: .*(peer did not return a certificate|certificate)/i,
	    'the feed logs the refused handshake');
	like($log, qr/127\.0\.0\.2:\d+: refused: not in replication\.allow/,
	    'the feed logs the address it refused');
}

# --- a replica seeded while writes continue ----------------------------------------------------

{
	my $second = "$dir/second.db";
	my $conf2 = "$dir/second.conf";
	write_conf($conf2, master => "$dir/absent.db", replica => $second, port => $feed_port);
	my $writer = fork // die;
	if ($writer == 0) {
		for my $i (1 .. 20) {
			system("$bin/regctl -c $conf reserved add zw$i.test reserved --reason w >/dev/null 2>&1");
		}
		POSIX::_exit(0);
	}
	$pids{$writer} = 'writer';
	sleep(0.2);
	my $agent2 = start('second agent', "$dir/follow2.log", "$bin/replica", 'follow', '-c', $conf2);
	waitpid($writer, 0);
	delete $pids{$writer};
	is(sql($master, "SELECT count(*) FROM reserved WHERE name GLOB 'zw*.test'"), 20, 'the writes went on');
	ok(caught_up($second), 'the replica seeded during writes catches up') or diag(slurp("$dir/follow2.log"));
	like(slurp("$dir/follow2.log"), qr/seeded from a snapshot/, 'it began with a snapshot');
	same_as_master('the replica seeded during writes equals the master', $second);
	stop($agent2);
}

# --- trimming ---------------------------------------------------------------------------------------

{
	$agent = start('agent', $follow_log, "$bin/replica", 'follow', '-c', $pub);
	ok(caught_up(), 'the agent catches up again');
	my $seeds = () = slurp($follow_log) =~ /seeded from a snapshot/g;
	my $out = ok_run('trim the log down to its newest changeset', "$bin/replica", 'trim', '-c', $conf,
	    '--size', 1);
	my $last = master_seq();
	like($out, qr/^trimmed \d+ changesets; the log holds $last to $last$/m, 'trim keeps the newest');
	ok_run('a write after the trim', "$bin/regctl", '-c', $conf, 'reserved', 'add', 't1.test',
	    'reserved', '--reason', 't');
	ok(caught_up(), 'a replica within the log keeps following');
	my $now = () = slurp($follow_log) =~ /seeded from a snapshot/g;
	is($now, $seeds, 'without a new snapshot');
	stop($agent);

	ok_run('writes while the agent is down', "$bin/regctl", '-c', $conf, 'reserved', 'add',
	    't2.test', 'reserved', '--reason', 't');
	ok_run('another', "$bin/regctl", '-c', $conf, 'reserved', 'add', 't3.test', 'reserved',
	    '--reason', 't');
	ok_run('trim below the replica', "$bin/replica", 'trim', '-c', $conf, '--size', 1);
	my ($st, $status) = run("$bin/replica", 'status', '-c', $pub);
	like($status, qr/^lag: 2 changesets, unknown seconds \(changeset \d+ is no longer logged/m,
	    'status shows the lag of a replica that fell out of the log');
	($st, $out) = run("$bin/replica", 'follow', '-c', $pub, '--once');
	is($st, 0, 'the agent below the log re-seeds and catches up') or diag($out);
	like($out, qr/the feed asks for a snapshot: changeset \d+ is no longer logged/,
	    'it was told to re-seed');
	is(replica_seq(), master_seq(), 'it is at the master\'s newest changeset');
	same_as_master('the re-seeded replica equals the master');
	($st, $out) = run("$bin/replica", 'trim', '-c', $conf, '--size', 'lots');
	is($st, 2, 'trim --size needs a number');
}

stop($feed);
like(slurp($feed_log), qr/feed: stopping/, 'the feed stops on SIGTERM');
done_testing();
