# Daemons.pm: the daemons a test started (rdapd.t, whoisd.t): stopped with
# SIGTERM on request, killed when the test exits.
#
#   use FindBin; use lib "$FindBin::Bin/lib"; use Daemons qw(track stop);
#   track($pid, $log);          # killed at exit unless stopped before
#   my $status = stop($pid);    # SIGTERM and wait: exit status, or -1
package Daemons;

use strict;
use warnings;
use Exporter qw(import);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep);

our @EXPORT_OK = qw(track stop);

my %daemons;	# pid => log file

sub track {
	my ($pid, $log) = @_;
	$daemons{$pid} = $log;
}

# SIGTERM and wait up to five seconds, then SIGKILL; returns the exit status.
sub stop {
	my ($pid) = @_;
	kill('TERM', $pid);
	for (1 .. 100) {
		if (waitpid($pid, WNOHANG) == $pid) {
			delete $daemons{$pid};
			return $? >> 8;
		}
		sleep 0.05;
	}
	kill('KILL', $pid);
	waitpid($pid, 0);
	delete $daemons{$pid};
	return -1;
}

END { kill('KILL', $_) for keys %daemons }

1;
