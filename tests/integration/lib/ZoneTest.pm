# ZoneTest.pm: helpers of the zonegen tests (zonegen.t, zonegen_serve.t).
#
#   use FindBin; use lib "$FindBin::Bin/lib"; use ZoneTest;
#   my $t = ZoneTest->new;                  # temp folder, skips without tools
#   my ($st, $out, $err) = $t->zonegen('sign', -c => $conf, ...);
#   $t->keygen_bind('keys', 'test.', ksk => 1);   $t->keygen_ldns(...);
#   $t->verified($file, 'test.', 'name');   # ldns, BIND and Knot agree
#   my @rr = $t->records($file);           # [owner, ttl, type, rdata]
#
# Every helper runs real programs: bin/zonegen, bin/regctl, bin/gendata,
# and the verifiers of three independent DNS implementations.
package ZoneTest;

use strict;
use warnings;
use Cwd qw(abs_path getcwd);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use POSIX qw(strftime);
use Test::More;

our $ROOT = abs_path(dirname(__FILE__) . '/../../..');
our $BIN = $ENV{BIN} // "$ROOT/bin";
my @TOOLS = qw(sqlite3 ldns-verify-zone ldns-keygen dnssec-verify dnssec-keygen kzonecheck);

sub new {
	my ($class) = @_;
	plan skip_all => "$BIN/zonegen not built" unless -x "$BIN/zonegen";
	for my $tool (@TOOLS) {
		plan skip_all => "$tool not installed (mk/packages.txt)"
		    if system("command -v $tool >/dev/null 2>&1") != 0;
	}
	my $dir = tempdir('zonegen.XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{KEEP});
	diag("kept in $dir") if $ENV{KEEP};
	return bless { dir => $dir }, $class;
}

sub dir { return $_[0]{dir} }
sub path { my ($self, $f) = @_; return $f =~ m{^/} ? $f : "$self->{dir}/$f" }

sub slurp { my ($f) = @_; open(my $fh, '<', $f) or return ''; local $/; my $s = <$fh>; return $s // '' }
sub spew { my ($f, $s) = @_; open(my $fh, '>', $f) or die "$f: $!"; print $fh $s; close $fh }

# Runs a program; returns (exit status, stdout, stderr).
sub run {
	my ($self, @cmd) = @_;
	my ($out, $err) = ("$self->{dir}/.out", "$self->{dir}/.err");
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open(STDOUT, '>', $out) or die;
		open(STDERR, '>', $err) or die;
		exec(@cmd) or exit 127;
	}
	waitpid($pid, 0);
	return ($? >> 8, slurp($out), slurp($err));
}

sub zonegen { my ($self, @args) = @_; return $self->run("$BIN/zonegen", @args) }
sub regctl { my ($self, $conf, @args) = @_; return $self->run("$BIN/regctl", '-c', $conf, @args) }

# A UTC time as zonegen's --now takes it, $off seconds from now.
sub stamp { my ($off) = @_; return strftime('%Y%m%d%H%M%S', gmtime(time + ($off // 0))) }

# --- keys ---------------------------------------------------------------------

# dnssec-keygen: published and active since a month, so that tests may
# sign "in the past" with --now.
sub keygen_bind {
	my ($self, $dir, $zone, %o) = @_;
	my $d = $self->path($dir);
	mkdir $d;
	my @cmd = ('dnssec-keygen', '-q', '-K', $d, '-P', 'now-30d', '-A', 'now-30d',
	    '-a', $o{alg} // 'ECDSAP256SHA256');
	push @cmd, '-b', $o{bits} if $o{bits};
	push @cmd, '-f', 'KSK' if $o{ksk};
	my ($st, $out, $err) = $self->run(@cmd, $zone);
	die "dnssec-keygen: $err" if $st;
	chomp $out;
	return "$d/$out";
}

# ldns-keygen writes into the current folder and prints the base name.
sub keygen_ldns {
	my ($self, $dir, $zone, %o) = @_;
	my $d = $self->path($dir);
	mkdir $d;
	my $cwd = getcwd();
	chdir $d or die;
	my @cmd = ('ldns-keygen', '-a', $o{alg} // 'ECDSAP256SHA256');
	push @cmd, '-b', $o{bits} if $o{bits};
	push @cmd, '-k' if $o{ksk};
	my ($st, $out, $err) = $self->run(@cmd, $zone);
	chdir $cwd;
	die "ldns-keygen: $err" if $st;
	chomp $out;
	unlink "$d/$out.ds";
	return "$d/$out";
}

# --- zone files ---------------------------------------------------------------

# The records of a zone file zonegen generated ($ORIGIN, relative owners,
# no TTL or class): [absolute owner, type, rdata].
sub gen_records {
	my ($self, $file) = @_;
	my ($origin, @rr) = ('.');
	for my $line (split /\n/, slurp($self->path($file))) {
		next if $line =~ /^\s*(;|$)/;
		if ($line =~ /^\$ORIGIN\s+(\S+)/) {
			$origin = lc $1;
			next;
		}
		next if $line =~ /^\$/;
		my ($owner, $type, $rdata) = split /\t/, $line, 3;
		$owner = $owner eq '@' ? $origin : $owner =~ /\.$/ ? lc $owner : lc "$owner.$origin";
		push @rr, [$owner, $type, $rdata];
	}
	return @rr;
}

# The records of a zone file zonegen signed: [owner, ttl, type, rdata].
sub records {
	my ($self, $file) = @_;
	my @rr;
	for my $line (split /\n/, slurp($self->path($file))) {
		next if $line =~ /^\s*(;|$)/;
		my ($owner, $ttl, $class, $type, $rdata) = split /\t/, $line, 5;
		push @rr, [lc $owner, $ttl, $type, $rdata];
	}
	return @rr;
}

# The canonical sort key of a name (RFC 4034 6.1) for LDH names.
sub canon_key {
	my ($name) = @_;
	$name = lc $name;
	$name =~ s/\.$//;
	return join('', map { "$_\0" } reverse split /\./, $name);
}

# --- verifiers ----------------------------------------------------------------

# ldns-verify-zone, dnssec-verify and kzonecheck each accept the file.
# csk => 1 for a zone signed by one key. knot => 'strip' checks with kzonecheck a copy without NSEC3 records
# (Knot 3.2's kzonecheck crashes on NSEC3 without an NSEC3PARAM; servers
# answer from such a zone with NSEC).
sub verified {
	my ($self, $file, $zone, $name, %o) = @_;
	$file = $self->path($file);
	my ($st, $out, $err) = $self->run('ldns-verify-zone', $file);
	is($st, 0, "$name: ldns-verify-zone") or diag($out . $err);
	# -z: a combined signing key is both KSK and ZSK.
	($st, $out, $err) = $self->run('dnssec-verify', '-q', $o{csk} ? ('-z') : (), '-o', $zone,
	    $file);
	is($st, 0, "$name: dnssec-verify") or diag($out . $err);
	my $k = $file;
	if (($o{knot} // '') eq 'strip') {
		$k = "$file.knot";
		spew($k, join('', grep { !/\tNSEC3\t|\tRRSIG\tNSEC3 / } split /^/, slurp($file)));
	}
	($st, $out, $err) = $self->run('kzonecheck', '-o', $zone, '-d', 'on', $k);
	is($st, 0, "$name: kzonecheck" . ($k ne $file ? ' (without the NSEC3 records)' : ''))
	    or diag($out . $err);
}

1;
