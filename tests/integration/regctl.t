#!/usr/bin/perl
# regctl.t: drives bin/regctl through every subcommand against a fresh
# master database, success and failure. Every refusal is checked for its
# exit status (1 failed, 2 wrong arguments), its message and that nothing
# changed. Domains are inserted with sqlite3 into the schema of
# core/schema.c, since creating them is eppd's business.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use Test::More;

my $root = abs_path(dirname(__FILE__) . '/../..');
my $bin = $ENV{BIN} // "$root/bin";
my $regctl = "$bin/regctl";
my $dir = tempdir('regctl.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $db = "$dir/master.db";

plan skip_all => "$regctl not built" unless -x $regctl;
for my $tool (qw(sqlite3 openssl)) {
	plan skip_all => "$tool not installed" if system("command -v $tool >/dev/null") != 0;
}

sub slurp { my ($f) = @_; open(my $fh, '<', $f) or return ''; local $/; my $s = <$fh>; return $s // '' }
sub spew { my ($f, $s) = @_; open(my $fh, '>', $f) or die "$f: $!"; print $fh $s; close $fh }

# Runs regctl with the given config; returns (exit status, stdout, stderr).
sub run_conf {
	my ($conf, @args) = @_;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open(STDOUT, '>', "$dir/out") or die;
		open(STDERR, '>', "$dir/err") or die;
		exec($regctl, defined $conf ? ('-c', $conf) : (), @args) or exit 127;
	}
	waitpid($pid, 0);
	return ($? >> 8, slurp("$dir/out"), slurp("$dir/err"));
}

my $conf = "$dir/registry.conf";
sub rc { return run_conf($conf, @_) }

# A command that must succeed; returns its stdout.
sub ok_run {
	my ($name, @args) = @_;
	my ($st, $out, $err) = rc(@args);
	is($st, 0, $name) or diag("regctl @args: $err");
	return $out;
}

# A command that must fail with exit status $want and a message matching $re.
sub refused {
	my ($name, $want, $re, @args) = @_;
	my ($st, $out, $err) = rc(@args);
	is($st, $want, "$name: exit $want");
	like($err, $re, "$name: message");
}

sub sql {
	my ($q) = @_;
	my $out = `sqlite3 -batch '$db' "$q"`;
	die "sqlite3 failed: $q" if $?;
	chomp $out;
	return $out;
}

sub domain_statuses {
	my ($name) = @_;
	return join(' ', split /\n/, sql("SELECT status FROM status WHERE kind = 'domain' AND "
	    . "object_id = (SELECT id FROM domain WHERE name = '$name') ORDER BY status"));
}

my $idn_table = "$root/data/idn/test.txt";
sub write_conf {
	my ($path, $extra) = @_;
	spew($path, "[registry]\ntld = test\nidn_table = $idn_table\n$extra\n"
	    . "[database]\nmaster = $db\n");
}
write_conf($conf, '');

# --- help and argument errors ------------------------------------------------

{
	my ($st, $out) = rc('help');
	is($st, 0, 'help: exit 0');
	like($out, qr/registrar create.*domain status set.*reserved import.*clock advance/s,
	    'help lists the commands');
	($st, $out) = rc('registrar', 'create', '--help');
	is($st, 0, 'registrar create --help: exit 0');
	like($out, qr/usage: regctl .*registrar create HANDLE --name NAME/, 'usage of one command');
	($st, $out) = rc('help', 'domain');
	like($out, qr/domain lock.*domain unlock/s, 'help domain lists the domain commands');
	($st, $out) = rc('registrar', 'help');
	is($st, 0, 'registrar help: exit 0');
	refused('no command', 2, qr/usage: regctl/);
	refused('unknown command', 2, qr/unknown command 'frobnicate'/, 'frobnicate');
	refused('incomplete command', 2, qr/registrar: missing or unknown subcommand/, 'registrar');
	refused('unknown option', 2, qr/unknown option --colour/, 'registrar', 'list', '--colour');
	refused('missing argument', 2, qr/missing arguments/, 'domain', 'status', 'set', 'x.test');
	refused('extra argument', 2, qr/unexpected argument 'extra'/, 'registrar', 'list', 'extra');
}

# --- configuration and init ----------------------------------------------------

like(ok_run('check-config', 'check-config'), qr/^configuration OK$/m, 'check-config says OK');
{
	my $bad = "$dir/bad.conf";
	spew($bad, "[registry]\ntld = test\nlsten = 1\n");
	my ($st, $out, $err) = run_conf($bad, 'check-config');
	is($st, 1, 'bad config: exit 1');
	like($err, qr/\Q$bad\E:3: unknown key 'lsten'/, 'bad config names file:line');
	($st, $out, $err) = run_conf("$dir/absent.conf", 'check-config');
	is($st, 1, 'missing config: exit 1');
	like($err, qr/absent\.conf/, 'missing config is named');
	local $ENV{REGISTRY_CONF} = $conf;
	($st, $out) = run_conf(undef, 'check-config');
	is($st, 0, 'REGISTRY_CONF names the default config');
}

refused('before init', 1, qr/\Q$db\E/, 'registrar', 'list');
like(ok_run('init', 'init'), qr/schema version \d+ \(created\)/, 'init creates the database');
my $version = sql('PRAGMA user_version');
ok($version >= 1, "schema version $version");
like(ok_run('init again', 'init'), qr/schema version $version$/m, 'init again changes nothing');
is(sql('PRAGMA user_version'), $version, 'still the same schema version');

# --- registrars ----------------------------------------------------------------

my $fp_colon = join(':', ('AB') x 31, 'CD');
(my $fp = lc $fp_colon) =~ s/://g;
{
	my $out = ok_run('registrar create with a random password', 'registrar', 'create', 'alpha',
	    '--name', 'Alpha Registrar', '--email', 'ops@alpha.example', '--random-password',
	    '--allow', '192.0.2.0/24', '--allow', '2001:DB8::/32', '--cert-sha256', $fp_colon,
	    '--credit', '500', '--balance', '1000', '--iana-id', '9999');
	like($out, qr/^password: [A-Za-z0-9]{16}$/m, 'the random password is printed once');
	like(sql("SELECT pw_hash FROM registrar_secret JOIN registrar ON id = registrar_id "
	    . "WHERE handle = 'alpha'"), qr/^\$scrypt\$/, 'only its hash is stored');
}
ok_run('registrar create with a password', 'registrar', 'create', 'beta', '--name', 'Beta',
    '--password', 'Secret-pw1');

my $show = ok_run('registrar show', 'registrar', 'show', 'alpha');
like($show, qr/^name:\s+Alpha Registrar$/m, 'show: name');
like($show, qr/^state:\s+ok$/m, 'show: state');
like($show, qr/^iana-id:\s+9999$/m, 'show: IANA id');
like($show, qr/^balance:\s+1000$/m, 'show: balance');
like($show, qr/^credit:\s+500$/m, 'show: credit');
like($show, qr/^allow:\s+192\.0\.2\.0\/24$/m, 'show: IPv4 prefix');
like($show, qr/^allow:\s+2001:db8::\/32$/m, 'show: IPv6 prefix in canonical form');
like($show, qr/^cert-sha256:\s+$fp$/m, 'show: fingerprint normalised to lower-case hex');
like($show, qr/^password:\s+set$/m, 'show: a password is set');
unlike($show, qr/scrypt/, 'show never prints the password hash');

my $list = ok_run('registrar list', 'registrar', 'list');
like($list, qr/^alpha\s+Alpha Registrar\s+ok\s+1000\s+500\s+2$/m, 'list: alpha row');
like($list, qr/^beta\s+Beta\s+ok\s+0\s+0\s+0$/m, 'list: beta row');

refused('duplicate handle', 1, qr/registrar alpha already exists/,
    'registrar', 'create', 'alpha', '--name', 'Other');
refused('bad prefix', 2, qr/bad prefix '192\.0\.2\.1\/24'/,
    'registrar', 'create', 'gamma', '--name', 'G', '--allow', '192.0.2.1/24');
refused('bad fingerprint', 2, qr/not a SHA-256 fingerprint/,
    'registrar', 'create', 'gamma', '--name', 'G', '--cert-sha256', 'abcd');
refused('weak password', 2, qr/password/i,
    'registrar', 'create', 'gamma', '--name', 'G', '--password', 'abc');
refused('password given twice', 2, qr/not both/,
    'registrar', 'create', 'gamma', '--name', 'G', '--password', 'Secret-pw1',
    '--random-password');
refused('missing name', 2, qr/--name is required/, 'registrar', 'create', 'gamma');
refused('short handle', 2, qr/handle 'ab'/, 'registrar', 'create', 'ab', '--name', 'A');
refused('credit not a number', 2, qr/--credit needs a whole number/,
    'registrar', 'create', 'gamma', '--name', 'G', '--credit', 'lots');
refused('refused create left nothing', 1, qr/no registrar gamma/, 'registrar', 'show', 'gamma');
is(ok_run('list after refusals', 'registrar', 'list'), $list, 'list unchanged by refusals');

# A certificate file: its fingerprint must equal what openssl prints.
{
	my $pem = "$dir/client.pem";
	system("openssl req -x509 -newkey rsa:2048 -nodes -keyout $dir/client.key -out $pem "
	    . "-days 1 -subj /CN=alpha >/dev/null 2>&1") == 0 or BAIL_OUT('openssl req failed');
	my ($want) = `openssl x509 -in $pem -noout -fingerprint -sha256` =~ /=([0-9A-F:]+)/;
	$want = lc($want =~ s/://gr);
	ok_run('update --cert-add FILE', 'registrar', 'update', 'alpha', '--cert-add', $pem);
	like(ok_run('show', 'registrar', 'show', 'alpha'), qr/^cert-sha256:\s+$want$/m,
	    'PEM fingerprint matches openssl x509 -fingerprint -sha256');
	ok_run('update --cert-del', 'registrar', 'update', 'alpha', '--cert-del', uc $want);
	unlike(ok_run('show', 'registrar', 'show', 'alpha'), qr/$want/, 'certificate removed');
	ok_run('create with --cert FILE', 'registrar', 'create', 'gamma', '--name', 'Gamma',
	    '--cert', $pem);
	like(ok_run('show', 'registrar', 'show', 'gamma'), qr/^cert-sha256:\s+$want$/m,
	    'create --cert FILE stores the fingerprint');
}

ok_run('registrar update', 'registrar', 'update', 'alpha', '--name', 'Alpha Two',
    '--state', 'readonly', '--allow-add', '198.51.100.0/24', '--allow-del', '192.0.2.0/24',
    '--credit', '700', '--deposit', '250', '--password', 'Other-pw2');
$show = ok_run('show after update', 'registrar', 'show', 'alpha');
like($show, qr/^name:\s+Alpha Two$/m, 'update: name');
like($show, qr/^state:\s+readonly$/m, 'update: state');
like($show, qr/^balance:\s+1250$/m, 'update: deposit added to the balance');
like($show, qr/^credit:\s+700$/m, 'update: credit');
like($show, qr/^allow:\s+198\.51\.100\.0\/24$/m, 'update: prefix added');
unlike($show, qr/192\.0\.2\.0/, 'update: prefix removed');
is(sql("SELECT count(*) FROM ledger WHERE operation = 'deposit' AND amount = 250"), 1,
    'the deposit is in the ledger');

# Refused updates: each leaves `registrar show` exactly as it was.
for my $case (
    [ 'bad state', 2, qr/--state must be ok, readonly or terminated/, '--state', 'gone' ],
    [ 'bad prefix', 2, qr/bad prefix/, '--name', 'X', '--allow-add', '300.0.0.0/8' ],
    [ 'bad fingerprint', 2, qr/neither a SHA-256 fingerprint/, '--cert-add', 'zz' ],
    [ 'weak password', 2, qr/password/i, '--password', 'short' ],
    [ 'absent prefix', 1, qr/not on the allow-list/, '--name', 'X', '--allow-del', '10.0.0.0/8' ],
    [ 'duplicate prefix', 1, qr/already on the allow-list/, '--allow-add', '198.51.100.0/24' ],
    [ 'absent certificate', 1, qr/not listed/, '--name', 'X', '--cert-del', $fp_colon =~ s/CD$/EF/r ],
    [ 'overdraft', 1, qr/balance and credit do not cover/, '--name', 'X', '--deposit', '-5000' ],
    [ 'no options', 2, qr/nothing to update/ ],
) {
	my ($name, $want, $re, @opts) = @$case;
	refused("update refused: $name", $want, $re, 'registrar', 'update', 'alpha', @opts);
	is(ok_run('show', 'registrar', 'show', 'alpha'), $show, "$name: nothing changed");
}
refused('update unknown registrar', 1, qr/no registrar nobody/,
    'registrar', 'update', 'nobody', '--name', 'N');

# --- domain statuses -------------------------------------------------------------

my $now = time;
my $alpha_id = sql("SELECT id FROM registrar WHERE handle = 'alpha'");
for my $d ([ 'example.test', 'D1-TEST' ], [ 'xn--rksmrgs-5wao1o.test', 'D2-TEST' ],
    [ 'dying.test', 'D3-TEST' ]) {
	sql("INSERT INTO domain(name, roid, sponsor_id, creator_id, created, expires) "
	    . "VALUES ('$d->[0]', '$d->[1]', $alpha_id, $alpha_id, $now, $now + 31536000); "
	    . "INSERT INTO status(kind, object_id, status) VALUES "
	    . "('domain', last_insert_rowid(), 'ok')");
}
sql("UPDATE status SET status = 'pendingDelete' WHERE object_id = "
    . "(SELECT id FROM domain WHERE name = 'dying.test')");

ok_run('status set serverHold', 'domain', 'status', 'set', 'example.test', 'serverHold',
    '--reason', 'court order');
is(domain_statuses('example.test'), 'serverHold', 'ok is removed with the first other status');
is(sql("SELECT reason FROM status WHERE status = 'serverHold'"), 'court order', 'reason stored');
refused('set a status it has', 1, qr/already has status serverHold/,
    'domain', 'status', 'set', 'example.test', 'serverHold');
ok_run('status set serverRenewProhibited', 'domain', 'status', 'set', 'EXAMPLE.test',
    'serverRenewProhibited');
ok_run('status clear serverHold', 'domain', 'status', 'clear', 'example.test', 'serverHold');
is(domain_statuses('example.test'), 'serverRenewProhibited', 'one status left, still no ok');
ok_run('status clear the last', 'domain', 'status', 'clear', 'example.test',
    'serverRenewProhibited');
is(domain_statuses('example.test'), 'ok', 'ok is back when the last status goes');
refused('clear a status it lacks', 1, qr/does not have status serverHold/,
    'domain', 'status', 'clear', 'example.test', 'serverHold');
is(domain_statuses('example.test'), 'ok', 'refused clear changed nothing');
refused('client status', 2, qr/clientHold is not a registry status/,
    'domain', 'status', 'set', 'example.test', 'clientHold');
refused('unknown status', 2, qr/'serverNap' is not a domain status/,
    'domain', 'status', 'set', 'example.test', 'serverNap');
refused('ok by hand', 2, qr/ok is not a registry status/,
    'domain', 'status', 'set', 'example.test', 'ok');
refused('unknown domain', 1, qr/no domain nowhere\.test/,
    'domain', 'status', 'set', 'nowhere.test', 'serverHold');
refused('malformed name', 2, qr/./, 'domain', 'status', 'set', 'bad_name!.test', 'serverHold');
ok_run('status set on an IDN by its U-label', 'domain', 'status', 'set', "r\x{c3}\x{a4}ksm\x{c3}\x{b6}rg\x{c3}\x{a5}s.test",
    'serverHold');
is(domain_statuses('xn--rksmrgs-5wao1o.test'), 'serverHold', 'IDN found by its A-label');

ok_run('lock', 'domain', 'lock', 'example.test');
is(domain_statuses('example.test'),
    'serverDeleteProhibited serverTransferProhibited serverUpdateProhibited', 'lock: three statuses');
refused('lock twice', 1, qr/already locked/, 'domain', 'lock', 'example.test');
ok_run('unlock', 'domain', 'unlock', 'example.test');
is(domain_statuses('example.test'), 'ok', 'unlock: back to ok');
refused('unlock twice', 1, qr/not locked/, 'domain', 'unlock', 'example.test');
refused('lock a pendingDelete domain', 1, qr/cannot be combined with pendingDelete/,
    'domain', 'lock', 'dying.test');
is(domain_statuses('dying.test'), 'pendingDelete', 'refused lock changed nothing');

# --- history ---------------------------------------------------------------------

{
	my $out = ok_run('history of a domain', 'history', 'example.test');
	my @lines = split /\n/, $out;
	is(scalar @lines, 6, 'one line per change') or diag($out);
	my @f = split /\t/, $lines[0];
	is(scalar @f, 6, 'time, actor, command, svTRID, clTRID, detail');
	like($f[0], qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/, 'time');
	is($f[1], 'registry', 'actor');
	is($f[2], 'regctl domain status set', 'command');
	like($f[3], qr/^regctl-\d+-\d+$/, 'svTRID');
	is($f[4], '-', 'no clTRID');
	is($f[5], '+serverHold (court order)', 'detail of the first change');
	like($lines[-1], qr/\tregctl domain unlock\t.*-serverUpdateProhibited/, 'oldest first');
	is(ok_run('history by ROID', 'history', 'D1-TEST'), $out, 'the same by ROID');
	like(ok_run('history of a registrar', 'history', 'alpha'),
	    qr/regctl registrar create\t.*\n.*regctl registrar update/, 'registrar history');
	refused('no history', 1, qr/no history for nothing\.test/, 'history', 'nothing.test');
}

# --- reserved names ----------------------------------------------------------------

ok_run('reserved add', 'reserved', 'add', 'NIC.test', 'reserved', '--reason', 'registry use');
ok_run('blocked add', 'reserved', 'add', "r\x{c3}\x{a4}v.test", 'blocked');
refused('reserved twice', 1, qr/already on the list/, 'reserved', 'add', 'nic.test', 'blocked');
refused('bad kind', 2, qr/kind must be reserved or blocked/, 'reserved', 'add', 'a.test', 'kept');
refused('outside our zones', 2, qr/example\.com/, 'reserved', 'add', 'example.com', 'reserved');
my $reserved = ok_run('reserved list', 'reserved', 'list');
is($reserved, "nic.test\treserved\tregistry use\nxn--rv-via.test\tblocked\t\n",
    'list: A-labels, kinds, reasons');
like(ok_run('history of a reserved name', 'history', 'nic.test'),
    qr/\tregctl reserved add\t.*\treserved: registry use$/m, 'reserved add is in the history');

spew("$dir/bad.txt", "# policy list\nwhois.test reserved registry service\n"
    . "rdap.test kept\nwww.test blocked\n");
refused('import with a bad line', 1, qr/\Q$dir\E\/bad\.txt:3: kind must be reserved or blocked/,
    'reserved', 'import', "$dir/bad.txt");
spew("$dir/dup.txt", "whois.test reserved\nnic.test blocked\n");
refused('import of a listed name', 1, qr/dup\.txt:2: nic\.test is already on the list/,
    'reserved', 'import', "$dir/dup.txt");
is(ok_run('list after failed imports', 'reserved', 'list'), $reserved, 'failed imports import nothing');
spew("$dir/good.txt", "# policy list\n\nwhois.test reserved registry service\n"
    . "rdap.test\tblocked\n");
like(ok_run('import', 'reserved', 'import', "$dir/good.txt"), qr/2 names imported/, 'import counts');
like(ok_run('list after import', 'reserved', 'list'),
    qr/^rdap\.test\tblocked\t\n.*^whois\.test\treserved\tregistry service$/ms, 'imported names listed');
refused('import a missing file', 1, qr/absent\.txt/, 'reserved', 'import', "$dir/absent.txt");
ok_run('reserved del', 'reserved', 'del', 'nic.test');
unlike(ok_run('list after del', 'reserved', 'list'), qr/^nic\.test/m, 'nic.test released');
refused('del absent', 1, qr/nic\.test is not on the list/, 'reserved', 'del', 'nic.test');

# --- the test clock ------------------------------------------------------------------

refused('clock show without adjustable_clock', 1, qr/adjustable_clock/, 'clock', 'show');
refused('clock advance without adjustable_clock', 1, qr/adjustable_clock/,
    'clock', 'advance', '1d');
write_conf($conf, "adjustable_clock = yes\n");
like(ok_run('clock show', 'clock', 'show'), qr/^offset: 0 s$/m, 'offset starts at 0');
ok_run('clock advance', 'clock', 'advance', '400d');
like(ok_run('clock show', 'clock', 'show'), qr/^offset: 34560000 s$/m, 'offset moved 400 days');
refused('bad duration', 2, qr/not a duration/, 'clock', 'advance', 'soon');
ok_run('status set under the moved clock', 'domain', 'status', 'set', 'example.test', 'serverHold');
{
	my @lines = split /\n/, ok_run('history', 'history', 'example.test');
	my ($y) = $lines[-1] =~ /^(\d{4})/;
	my $want = (gmtime($now + 400 * 86400))[5] + 1900;
	is($y, $want, 'history uses the registry clock');
}
ok_run('clock reset', 'clock', 'reset');
like(ok_run('clock show', 'clock', 'show'), qr/^offset: 0 s$/m, 'offset back to 0');

done_testing();
