#!/usr/bin/env bash
# Makes sure OpenSSH's sshd is installed (Debian package openssh-server), for
# the clearinghouse connector's tests against a real sshd. Prints sshd's
# path. The tests start their own sshd on a loopback port with their own
# configuration; this script never starts or enables the system service.
set -euo pipefail
find_sshd() {
  for p in /usr/sbin/sshd /usr/local/sbin/sshd "$(command -v sshd 2>/dev/null || true)"; do
    if [ -n "$p" ] && [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  return 1
}
if p=$(find_sshd); then echo "$p"; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-sshd: sshd is missing and installing it needs root (apt-get install openssh-server)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Keep the package from starting the system service.
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
fi
trap '[ -n "$made_policy" ] && rm -f "$policy"' EXIT
# lib.sh's apt_install: one project run installs at a time, and apt waits
# for another program's dpkg lock.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
apt_install openssh-server
find_sshd
