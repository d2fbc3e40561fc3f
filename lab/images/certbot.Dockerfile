# certbot and its Cloudflare DNS plugin from PyPI, shaped like certbot/dns-cloudflare:
# the entrypoint is certbot, the state lives in /etc/letsencrypt.
ARG BASE
FROM ${BASE}
COPY wheels /tmp/wheels
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/certbot \
 && /opt/certbot/bin/pip install --quiet --no-index --find-links /tmp/wheels certbot certbot-dns-cloudflare \
 && rm -rf /tmp/wheels /root/.cache
ENV container=
STOPSIGNAL SIGTERM
VOLUME ["/etc/letsencrypt", "/var/lib/letsencrypt"]
ENTRYPOINT ["/opt/certbot/bin/certbot"]
CMD ["--help"]
