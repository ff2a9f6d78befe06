#!/bin/sh
# Install the Debian packages listed in mk/packages.txt that are missing.
# Quiet and quick when everything is there; needs root (or sudo) otherwise.
set -eu
list="$(dirname "$0")/packages.txt"
missing=""
for pkg in $(grep -v '^#' "$list"); do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $pkg" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing python3-idna python3-rfc3987 >/dev/null
