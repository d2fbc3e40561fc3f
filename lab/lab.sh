#!/usr/bin/env bash
# relaykit lab: real systemd hosts as containers on a local Docker Engine.
#
#   lab/lab.sh engine              install (Debian docker.io) and start a Docker Engine if none answers
#   lab/lab.sh image [RELEASE...]  build the systemd base image of each release with debootstrap when missing/outdated
#   lab/lab.sh images [RELEASE...] and the nginx and certbot images the vps/nas hosts run (lab/.state/images)
#   lab/lab.sh up                  engine + images + network + hosts + lab services (idempotent)
#   lab/lab.sh down                remove the lab hosts, their volumes and the network
#   lab/lab.sh status              list the lab hosts and their addresses
#
# LAB_RELEASE picks the Debian release of the lab's hosts: trixie (Debian 13, the default) or
# bookworm (Debian 12); 13 and 12 are accepted too. RELEASE arguments default to LAB_RELEASE.
# Hosts are reached over SSH as LAB_USER with sudo (lab/lab.env), with a key made here once.
# Nothing is pulled from a registry: the base images are built locally and cached.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$LAB_DIR")
# shellcheck source=lab.env
. "$LAB_DIR/lab.env"
export LAB_USER LAB_BECOME_PASSWORD
release_name() {
  case "$1" in
    trixie | 13) echo trixie ;;
    bookworm | 12) echo bookworm ;;
    *) printf '[lab] error: LAB_RELEASE/release must be trixie (13) or bookworm (12), got %s\n' "$1" >&2; exit 2 ;;
  esac
}
RELEASE=$(release_name "${LAB_RELEASE:-trixie}")
image_of() { echo "relaykit/debian-systemd:$1"; }
IMAGE=$(image_of "$RELEASE")
SSH_DIR=$LAB_DIR/.state/ssh
NETWORK=relaykit-lab
SUBNET4=198.18.10.0/24
GATEWAY4=198.18.10.1
SUBNET6=fd00:18:10::/64
GATEWAY6=fd00:18:10::1
LABEL=org.relaykit.lab
DOCKERD_LOG=/var/log/relaykit-dockerd.log

# name  IPv4-suffix  docker-inside
LAB_HOSTS=(
  "relay    10 no"
  "upstream 20 no"
  "client   30 no"
  "vps      40 yes"
  "nas      50 yes"
  "services 60 no"
)

log() { printf '\033[1m[lab]\033[0m %s\n' "$*" >&2; }
die() { printf '[lab] error: %s\n' "$*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "run as root (installs packages and starts dockerd)"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Root without CAP_SYS_RESOURCE in its bounding set (bit 24) cannot run --privileged on Docker 20.10.
lacks_cap_sys_resource() {
  local capbnd
  capbnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
  (( (16#$capbnd & (1 << 24)) == 0 ))
}

configure_daemon() {
  mkdir -p /etc/docker
  local wrapper=""
  if lacks_cap_sys_resource; then
    wrapper=/usr/local/libexec/relaykit/runc-no-sys-resource
    install -D -m 0755 "$LAB_DIR/runc-wrapper.py" "$wrapper"
    log "CAP_SYS_RESOURCE is missing: registering runtime wrapper $wrapper"
  fi
  # Merge only the keys this lab needs and the file does not already set.
  WRAPPER="$wrapper" python3 - <<'PY'
import json, os
path = "/etc/docker/daemon.json"
conf = {}
if os.path.exists(path):
    with open(path, encoding="utf-8") as handle:
        conf = json.load(handle)
conf.setdefault("bip", "198.18.200.1/24")
conf.setdefault("default-address-pools", [{"base": "198.19.0.0/16", "size": 24}])
wrapper = os.environ["WRAPPER"]
if wrapper:
    conf.setdefault("runtimes", {})["relaykit-runc"] = {"path": wrapper}
    conf["default-runtime"] = "relaykit-runc"
with open(path + ".tmp", "w", encoding="utf-8") as handle:
    json.dump(conf, handle, indent=2)
os.replace(path + ".tmp", path)
PY
}

cmd_engine() {
  if docker info >/dev/null 2>&1; then
    log "Docker Engine answers: $(docker version --format '{{.Server.Version}}')"
    return 0
  fi
  need_root
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  configure_daemon
  if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
    log "starting docker.service"
    systemctl restart docker
  else
    log "no systemd as PID 1: starting dockerd by hand (log: $DOCKERD_LOG)"
    nohup setsid dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && { log "Docker Engine is up"; return 0; }
    sleep 1
  done
  tail -n 20 "$DOCKERD_LOG" >&2 || true
  die "dockerd did not come up in 60 s"
}

recipe_hash() {
  (cat "$LAB_DIR/image/build.sh" "$LAB_DIR/lab.env"; echo "$1") | sha256sum | cut -c1-16
}

# The controller's key for the lab user, made once; hosts mount the public half.
ensure_ssh_key() {
  command -v ssh >/dev/null 2>&1 || apt_install openssh-client
  [ -s "$SSH_DIR/id_ed25519" ] && [ -s "$SSH_DIR/id_ed25519.pub" ] && return 0
  mkdir -p "$SSH_DIR" && chmod 0700 "$SSH_DIR"
  rm -f "$SSH_DIR/id_ed25519" "$SSH_DIR/id_ed25519.pub"
  ssh-keygen -q -t ed25519 -N '' -C relaykit-lab -f "$SSH_DIR/id_ed25519"
  log "made the lab's SSH key $SSH_DIR/id_ed25519"
}

# Which key a host was started with (a label): a host that outlived the key it mounted (a new
# clone at the same path makes a new key; a running container keeps the old file) is replaced.
ssh_key_id() {
  sha256sum <"$SSH_DIR/id_ed25519.pub" | cut -c1-16
}

build_base_image() {
  local release=$1 image want have
  image=$(image_of "$release")
  want=$(recipe_hash "$release")
  have=$(docker image inspect --format "{{ index .Config.Labels \"$LABEL.recipe\" }}" "$image" 2>/dev/null || true)
  if [ "$have" = "$want" ]; then
    log "base image $image is current (recipe $want)"
    return 0
  fi
  apt_install debootstrap
  log "building base image $image (recipe $want, about 90 s)"
  bash "$LAB_DIR/image/build.sh" "$image" "$release" "$LABEL.recipe=$want"
}

# Releases named on the command line, or LAB_RELEASE.
releases_of() {
  if [ $# -eq 0 ]; then echo "$RELEASE"; return; fi
  local release
  for release in "$@"; do release_name "$release"; done
}

cmd_image() {
  cmd_engine
  ensure_ssh_key
  local release
  for release in $(releases_of "$@"); do build_base_image "$release"; done
}

# The service images (nginx, certbot) for the Docker Engine inside vps/nas hosts, one archive per
# release (edge-images-RELEASE.tar, images relaykit/nginx:lab-RELEASE and relaykit/certbot:lab-RELEASE),
# which the docker_engine role loads there (docker_engine_image_archives in the lab inventory).
IMAGES_DIR=${RELAYKIT_LAB_IMAGES_DIR:-$LAB_DIR/.state/images}
cmd_images() {
  local release
  cmd_image "$@"
  for release in $(releases_of "$@"); do
    bash "$LAB_DIR/images/build.sh" "$(image_of "$release")" "$release" "$IMAGES_DIR/edge-images-$release.tar" "$LABEL.recipe" \
      2> >(grep -v -e DEPRECATED -e 'legacy builder' -e buildx -e 'docs.docker.com/go/buildx' -e '^ *$' >&2)
  done
}

host_ip4() { echo "198.18.10.$1"; }
host_ip6() { echo "fd00:18:10::$1"; }

ensure_network() {
  docker network inspect "$NETWORK" >/dev/null 2>&1 && return 0
  log "creating dual-stack network $NETWORK ($SUBNET4, $SUBNET6)"
  docker network create --driver bridge --ipv6 \
    --subnet "$SUBNET4" --gateway "$GATEWAY4" \
    --subnet "$SUBNET6" --gateway "$GATEWAY6" \
    --label "$LABEL=1" "$NETWORK" >/dev/null
}

wait_running() {
  local container=$1 state=""
  for _ in $(seq 1 60); do
    state=$(docker exec "$container" systemctl is-system-running 2>/dev/null || true)
    case "$state" in
      running) return 0 ;;
      degraded)
        docker exec "$container" systemctl --failed --no-legend >&2 || true
        die "$container booted degraded" ;;
    esac
    sleep 1
  done
  die "$container did not reach 'running' (last state: ${state:-none})"
}

ensure_host() {
  local name=$1 suffix=$2 docker_inside=$3 container="relaykit-$1"
  local volumes=() have
  if docker container inspect "$container" >/dev/null 2>&1; then
    have=$(docker container inspect --format "{{ index .Config.Labels \"$LABEL.release\" }}" "$container")
    if [ "$have" != "$RELEASE" ]; then
      log "host $name runs ${have:-an older lab image}, LAB_RELEASE is $RELEASE: replacing it"
      docker rm -f -v "$container" >/dev/null
    elif [ "$(docker container inspect --format "{{ index .Config.Labels \"$LABEL.key\" }}" "$container")" != "$(ssh_key_id)" ]; then
      log "host $name was started with another SSH key than $SSH_DIR/id_ed25519: replacing it"
      docker rm -f -v "$container" >/dev/null
    fi
  fi
  if docker container inspect "$container" >/dev/null 2>&1; then
    [ "$(docker container inspect --format '{{.State.Running}}' "$container")" = true ] \
      || docker start "$container" >/dev/null
  else
    # Hosts with Docker inside load the service images from the archives, mounted where they are.
    [ "$docker_inside" = yes ] && volumes=(-v /var/lib/docker -v /var/lib/containerd -v "$IMAGES_DIR:/var/lib/relaykit-lab/images:ro")
    log "starting host $name ($RELEASE, $(host_ip4 "$suffix"), $(host_ip6 "$suffix"))"
    docker run -d --name "$container" --hostname "$name" \
      --privileged --cgroupns=private \
      --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
      --network "$NETWORK" --ip "$(host_ip4 "$suffix")" --ip6 "$(host_ip6 "$suffix")" \
      --label "$LABEL=1" --label "$LABEL.host=$name" --label "$LABEL.release=$RELEASE" --label "$LABEL.key=$(ssh_key_id)" \
      -v "$SSH_DIR/id_ed25519.pub:/etc/ssh/relaykit-lab/authorized_keys:ro" \
      "${volumes[@]}" "$IMAGE" >/dev/null
  fi
}

# Ansible reaches the hosts over SSH: wait until each accepts the lab user's key.
wait_ssh() {
  local address=$1
  for _ in $(seq 1 30); do
    ssh -q -i "$SSH_DIR/id_ed25519" -o BatchMode=yes -o ConnectTimeout=2 \
      -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      "$LAB_USER@$address" true 2>/dev/null && return 0
    sleep 1
  done
  die "$address does not accept SSH logins as $LAB_USER"
}

cmd_up() {
  cmd_images
  ensure_network
  mkdir -p "$LAB_DIR/.state"
  echo "$RELEASE" >"$LAB_DIR/.state/release"
  local spec
  for spec in "${LAB_HOSTS[@]}"; do
    # shellcheck disable=SC2086
    ensure_host $spec
  done
  for spec in "${LAB_HOSTS[@]}"; do
    # shellcheck disable=SC2086
    set -- $spec
    wait_running "relaykit-$1"
    wait_ssh "$(host_ip4 "$2")"
  done
  log "hosts are running ($RELEASE); provisioning lab services"
  (cd "$REPO_DIR" && ansible-playbook lab/provision.yml)
  cmd_status
}

cmd_down() {
  local containers
  containers=$(docker ps -aq --filter "label=$LABEL=1" 2>/dev/null || true)
  if [ -n "$containers" ]; then
    log "removing lab hosts"
    # shellcheck disable=SC2086
    docker rm -f -v $containers >/dev/null
  fi
  if docker network inspect "$NETWORK" >/dev/null 2>&1; then
    docker network rm "$NETWORK" >/dev/null
  fi
  log "lab is down (the base images stay cached)"
}

cmd_status() {
  docker ps -a --filter "label=$LABEL=1" \
    --format 'table {{.Names}}\t{{.Status}}\t{{.Label "org.relaykit.lab.host"}}\t{{.Label "org.relaykit.lab.release"}}'
  printf '\nnetwork %s: %s, %s\n' "$NETWORK" "$SUBNET4" "$SUBNET6"
}

case "${1:-}" in
  engine) cmd_engine ;;
  image) shift; cmd_image "$@" ;;
  images) shift; cmd_images "$@" ;;
  ssh-key) ensure_ssh_key ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
