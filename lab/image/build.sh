#!/usr/bin/env bash
# Build the lab's systemd base image from Debian packages (no registry).
# Usage: build.sh IMAGE LABEL=VALUE
# Changing this file changes the recipe hash, and lab.sh rebuilds the image.
set -euo pipefail
IMAGE=$1
RECIPE_LABEL=$2
SUITE=bookworm
PACKAGES=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,openssh-server,iptables,iproute2,iputils-ping,procps,ca-certificates,cron,gnupg,kmod

mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
security=${mirror%/debian}/debian-security

root=$(mktemp -d /var/tmp/relaykit-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT

debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$mirror" >/dev/null

cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror $SUITE main
deb $mirror $SUITE-updates main
deb $security $SUITE-security main
SOURCES

: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
# Units that cannot work in a container and would boot the host "degraded".
for unit in getty@tty1.service serial-getty@ttyS0.service console-getty.service \
            proc-sys-fs-binfmt_misc.automount systemd-firstboot.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log
# The package lists are empty: date them to the epoch, so apt's cache_valid_time sees them as stale.
touch -d @0 "$root/var/lib/apt/lists"

tar -C "$root" -c . | docker import \
  -c 'CMD ["/lib/systemd/systemd"]' -c 'ENV container=docker' - "$IMAGE-rootfs" >/dev/null
# docker import of Docker 20.10 rejects STOPSIGNAL: add it (and the recipe label) with a build.
printf 'FROM %s\nSTOPSIGNAL SIGRTMIN+3\nLABEL %s\n' "$IMAGE-rootfs" "$RECIPE_LABEL" \
  | docker build -q -t "$IMAGE" - >/dev/null
docker rmi "$IMAGE-rootfs" >/dev/null
echo "built $IMAGE"
