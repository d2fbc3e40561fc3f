#!/usr/bin/env bash
# relaykit lab: real systemd hosts as containers on a local Docker Engine.
#
#   lab/lab.sh engine   install (Debian docker.io) and start a Docker Engine if none answers
#   lab/lab.sh image    build the systemd base image with debootstrap when it is missing/outdated
#   lab/lab.sh images   build the nginx and certbot images the vps/nas hosts run (lab/.state/images)
#   lab/lab.sh up       engine + image + network + hosts + lab services (idempotent)
#   lab/lab.sh down     remove the lab hosts, their volumes and the network
#   lab/lab.sh status   list the lab hosts and their addresses
#
# Nothing is pulled from a registry: the base image is built locally and cached.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$LAB_DIR")
IMAGE=${RELAYKIT_LAB_IMAGE:-relaykit/debian-systemd:bookworm}
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
  cat "$LAB_DIR/image/build.sh" | sha256sum | cut -c1-16
}

cmd_image() {
  cmd_engine
  # Tests reach lab hosts over SSH too (a real site's connection).
  command -v ssh >/dev/null 2>&1 || apt_install openssh-client
  local want have
  want=$(recipe_hash)
  have=$(docker image inspect --format "{{ index .Config.Labels \"$LABEL.recipe\" }}" "$IMAGE" 2>/dev/null || true)
  if [ "$have" = "$want" ]; then
    log "base image $IMAGE is current (recipe $want)"
    return 0
  fi
  apt_install debootstrap
  log "building base image $IMAGE (recipe $want, about 90 s)"
  bash "$LAB_DIR/image/build.sh" "$IMAGE" "$LABEL.recipe=$want"
}

# The service images (nginx, certbot) for the Docker Engine inside vps/nas hosts, saved in one
# archive that the docker_engine role loads there (docker_engine_image_archives in the lab inventory).
IMAGES_ARCHIVE=${RELAYKIT_LAB_IMAGES_ARCHIVE:-$LAB_DIR/.state/images/edge-images.tar}
cmd_images() {
  cmd_image
  bash "$LAB_DIR/images/build.sh" "$IMAGE" "$IMAGES_ARCHIVE" "$LABEL.recipe" 2> >(grep -v -e DEPRECATED -e 'legacy builder' -e buildx -e 'docs.docker.com/go/buildx' -e '^ *$' >&2)
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
  local volumes=()
  if docker container inspect "$container" >/dev/null 2>&1; then
    [ "$(docker container inspect --format '{{.State.Running}}' "$container")" = true ] \
      || docker start "$container" >/dev/null
  else
    [ "$docker_inside" = yes ] && volumes=(-v /var/lib/docker -v /var/lib/containerd)
    log "starting host $name ($(host_ip4 "$suffix"), $(host_ip6 "$suffix"))"
    docker run -d --name "$container" --hostname "$name" \
      --privileged --cgroupns=private \
      --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
      --network "$NETWORK" --ip "$(host_ip4 "$suffix")" --ip6 "$(host_ip6 "$suffix")" \
      --label "$LABEL=1" --label "$LABEL.host=$name" \
      "${volumes[@]}" "$IMAGE" >/dev/null
  fi
}

cmd_up() {
  cmd_images
  ensure_network
  local spec
  for spec in "${LAB_HOSTS[@]}"; do
    # shellcheck disable=SC2086
    ensure_host $spec
  done
  for spec in "${LAB_HOSTS[@]}"; do
    wait_running "relaykit-${spec%% *}"
  done
  log "hosts are running; provisioning lab services"
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
  log "lab is down (the base image $IMAGE stays cached)"
}

cmd_status() {
  docker ps -a --filter "label=$LABEL=1" \
    --format 'table {{.Names}}\t{{.Status}}\t{{.Label "org.relaykit.lab.host"}}'
  printf '\nnetwork %s: %s, %s\n' "$NETWORK" "$SUBNET4" "$SUBNET6"
}

case "${1:-}" in
  engine) cmd_engine ;;
  image) cmd_image ;;
  images) cmd_images ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
