#!/usr/bin/env bash
# Build the lab's systemd base image of one Debian release from Debian packages (no registry).
# Usage: build.sh IMAGE SUITE LABEL=VALUE      (SUITE: bookworm | trixie)
# Changing this file changes the recipe hash, and lab.sh rebuilds the image.
#
# The host is reached as real sites reach theirs: over SSH as a normal user in group sudo
# (LAB_USER), with a sudo password (LAB_BECOME_PASSWORD) and root logins refused. The
# controller's public key is not baked in: lab.sh mounts it at /etc/ssh/relaykit-lab/authorized_keys.
set -euo pipefail
IMAGE=$1
SUITE=$2
RECIPE_LABEL=$3
LAB_USER=${LAB_USER:-ops}
LAB_BECOME_PASSWORD=${LAB_BECOME_PASSWORD:?set LAB_BECOME_PASSWORD (lab/lab.env)}
PACKAGES=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,openssh-server,iptables,iproute2,iputils-ping,procps,ca-certificates,cron,gnupg,kmod

case "$SUITE" in
  bookworm | trixie) ;;
  *) echo "build.sh: unknown Debian release '$SUITE' (bookworm or trixie)" >&2; exit 2 ;;
esac

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

# The SSH user: group sudo, a password for sudo only (no password logins), root logins off.
chroot "$root" useradd --create-home --shell /bin/bash --groups sudo "$LAB_USER"
printf '%s:%s\n' "$LAB_USER" "$LAB_BECOME_PASSWORD" | chroot "$root" chpasswd
mkdir -p "$root/etc/ssh/relaykit-lab"
cat >"$root/etc/ssh/sshd_config.d/relaykit-lab.conf" <<'SSHD'
# The lab's hosts are reached like a cloud VPS: key only, as a normal user, never as root.
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/relaykit-lab/authorized_keys
SSHD

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
