# nginx from the base image's Debian release, shaped like the official image: config in /etc/nginx,
# runs in the foreground, a graceful stop on SIGQUIT. The stream module is a dynamic
# module in Debian (libnginx-mod-stream), loaded through /etc/nginx/modules-enabled.
ARG BASE
FROM ${BASE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx libnginx-mod-stream >/dev/null \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
ENV container=
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
