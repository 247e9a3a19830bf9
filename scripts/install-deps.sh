#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Installs everything xendm needs to build, run its demo and run its
# whole test suite on Debian 12, as root.  Idempotent.
set -e
PKGS="build-essential autoconf automake libtool pkg-config gcc clang \
libclang-rt-14-dev libxen-dev libyajl-dev liburing-dev libvncserver-dev \
xenstore-utils qemu-system-x86 python3 socat"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-deps: need root to install:$missing" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
fi
