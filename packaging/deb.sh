#!/usr/bin/env bash
# deb.sh BINARY DEBARCH VERSION OUTDIR: ginit_VERSION_DEBARCH.deb from a
# static binary, with dpkg-deb alone (no debhelper, no fakeroot). Every
# timestamp is SOURCE_DATE_EPOCH (default: the commit's time), gzip stores
# no name or time, and dpkg-deb writes root:root: two runs are identical.
set -euo pipefail
bin=$1 arch=$2 version=$3 out=$4
here=$(cd "$(dirname "$0")/.." && pwd)
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH=$epoch
root=$(mktemp -d)
chmod 0755 "$root"
trap 'rm -rf "$root"' EXIT

install -D -m 0755 "$bin" "$root/usr/bin/ginit"
install -D -m 0644 "$here/doc/ginit.1" "$root/usr/share/man/man1/ginit.1"
gzip -9n "$root/usr/share/man/man1/ginit.1"
doc=$root/usr/share/doc/ginit
install -D -m 0644 "$here/README.md" "$doc/README.md"
gzip -9n "$doc/README.md"
# Debian's copyright file names the license in full.
{ printf 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n'
  printf 'Upstream-Name: ginit\nSource: https://github.com/ginit-dev/ginit\n\n'
  printf 'Files: *\nCopyright: 2026 The ginit authors\nLicense: MIT\n'
  sed -e 's/^$/./' -e 's/^/ /' "$here/LICENSE"; } > "$doc/copyright"
chmod 0644 "$doc/copyright"

mkdir -p "$root/DEBIAN"
cat > "$root/DEBIAN/control" <<CONTROL
Package: ginit
Version: $version
Architecture: $arch
Maintainer: The ginit authors <ginit@users.noreply.github.com>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Section: admin
Priority: optional
Homepage: https://github.com/ginit-dev/ginit
Description: tiny init for containers, a drop-in replacement for tini
 ginit runs as a container's PID 1: it starts the application as its child,
 forwards signals to it, reaps zombies, and on shutdown lets the
 application and whatever it left behind finish before SIGKILL. It takes
 tini's flags, environment variables and exit codes.
CONTROL
find "$root" -exec touch -h -d "@$epoch" {} +
mkdir -p "$out"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out/ginit_${version}_${arch}.deb" >/dev/null
echo "$out/ginit_${version}_${arch}.deb"
