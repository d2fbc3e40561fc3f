#!/usr/bin/env bash
# Build the lab's service images (nginx, certbot) from Debian and PyPI packages, with no
# registry, on top of the lab's base image, and save them into one archive that the
# docker_engine role loads into the Docker Engine of the lab's vps/nas hosts.
# Usage: build.sh BASE_IMAGE RELEASE ARCHIVE LABEL_KEY
# One pair per Debian release: relaykit/nginx:lab-RELEASE (that release's nginx) and
# relaykit/certbot:lab-RELEASE (certbot from PyPI on that release's Python).
# Changing this directory changes the recipe hash, and lab.sh rebuilds the images.
set -euo pipefail
BASE=$1
RELEASE=$2
ARCHIVE=$3
LABEL_KEY=$4
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CERTBOT_VERSION=5.8.0
NGINX_IMAGE=relaykit/nginx:lab-$RELEASE
CERTBOT_IMAGE=relaykit/certbot:lab-$RELEASE
# The wheels must match the Python of the base image.
case "$RELEASE" in
  bookworm) PYTHON_VERSION=3.11 ;;
  trixie) PYTHON_VERSION=3.13 ;;
  *) echo "images/build.sh: unknown release $RELEASE" >&2; exit 2 ;;
esac

recipe=$( (cat "$HERE"/build.sh "$HERE"/*.Dockerfile; docker image inspect --format '{{.Id}}' "$BASE") | sha256sum | cut -c1-16)
have=$(docker image inspect --format "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$CERTBOT_IMAGE" 2>/dev/null || true)
if [ "$have" = "$recipe" ] && [ -s "$ARCHIVE" ] \
   && [ "$(docker image inspect --format "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$NGINX_IMAGE" 2>/dev/null)" = "$recipe" ]; then
  echo "service images of $RELEASE are current (recipe $recipe)"
  exit 0
fi

context=$(mktemp -d /var/tmp/relaykit-images.XXXXXX)
trap 'rm -rf "$context"' EXIT
cp "$HERE"/*.Dockerfile "$context/"
# The wheels are fetched by the controller's pip (its index, proxy and CA settings apply),
# so the build needs no network access to PyPI from inside a container.
mkdir "$context/wheels"
python3 -m pip download --quiet --disable-pip-version-check --only-binary=:all: \
  --python-version "$PYTHON_VERSION" --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
  --platform manylinux_2_17_x86_64 --platform any \
  --dest "$context/wheels" "certbot==$CERTBOT_VERSION" "certbot-dns-cloudflare==$CERTBOT_VERSION"

docker build -q -f "$context/nginx.Dockerfile" --build-arg BASE="$BASE" \
  --label "$LABEL_KEY=$recipe" -t "$NGINX_IMAGE" "$context" >/dev/null
docker build -q -f "$context/certbot.Dockerfile" --build-arg BASE="$BASE" \
  --label "$LABEL_KEY=$recipe" -t "$CERTBOT_IMAGE" "$context" >/dev/null
mkdir -p "$(dirname "$ARCHIVE")"
docker save -o "$ARCHIVE.tmp" "$NGINX_IMAGE" "$CERTBOT_IMAGE"
mv "$ARCHIVE.tmp" "$ARCHIVE"
echo "built $NGINX_IMAGE and $CERTBOT_IMAGE into $ARCHIVE (recipe $recipe)"
