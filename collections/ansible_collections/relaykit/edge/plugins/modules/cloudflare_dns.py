#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cloudflare_dns
short_description: Declarative Cloudflare DNS record sets, updated in place
version_added: 0.1.0
description:
  - The records listed for one name and type are the desired set for that name and type. A changed address
    updates the existing record in place (same id) instead of adding a second one; records of that name and type
    that are not listed are removed.
  - A field that is not given (O(records[].ttl), O(records[].proxied), O(records[].comment), O(records[].tags)) is
    left as it is on an existing record. Given fields are compared after normalisation (IPv6 canonical form,
    trailing dots, name case, TXT quoting, ttl as an integer).
  - At most one zone lookup per run (none with O(zone_id)), one listing of the zone (paginated), and all changes
    in one atomic batch request.
  - HTTP 429 and 5xx answers are retried by the SDK with backoff, honouring C(Retry-After).
  - Conflicts are found before anything is written - a CNAME on a name that should get A/AAAA records (or the
    other way round), or A/AAAA records of one name that would mix proxied and DNS-only.
  - The API token is never logged or returned.
author:
  - relaykit contributors (@relaykit)
extends_documentation_fragment:
  - relaykit.edge.cloudflare
attributes:
  check_mode:
    support: full
    description: Reads the zone and reports the plan; writes nothing.
  diff_mode:
    support: full
    description: The managed records before and after.
  idempotent:
    support: full
    description: A second run with the same records makes no write.
options:
  records:
    description: The records. Names may be relative to O(zone) (C(@) is the apex).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The record's name.
        type: str
        required: true
      type:
        description: The record type (A, AAAA, CNAME, TXT, MX, ...).
        type: str
        required: true
      content:
        description:
          - The value. Required with O(state=present).
          - With O(state=absent) and no content, every record of the name and type is removed.
        type: str
      ttl:
        description: Seconds (30 to 86400), or 1 for automatic. Left as it is when not given; new records get 1.
        type: int
      proxied:
        description: Whether Cloudflare proxies the record. Left as it is when not given; new records are not proxied.
        type: bool
      comment:
        description: A comment on the record. Left as it is when not given.
        type: str
      tags:
        description: Tags of the record. Left as they are when not given.
        type: list
        elements: str
      priority:
        description: Priority of MX, SRV and URI records. Left as it is when not given.
        type: int
  state:
    description: C(present) makes each listed name and type hold exactly the listed records; C(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: One URL, two paths - A to the VPS, AAAA to the NAS
  relaykit.edge.cloudflare_dns:
    api_token: "{{ vault_cloudflare_api_token }}"
    zone: example.com
    records:
      - { name: panel.example.com, type: A, content: 203.0.113.10, ttl: 300, proxied: false }
      - { name: panel.example.com, type: AAAA, content: "2001:db8::10" }

- name: Remove every TXT record of a name
  relaykit.edge.cloudflare_dns:
    zone_id: "{{ zone_id }}"
    records:
      - { name: _acme-challenge.panel.example.com, type: TXT }
    state: absent
"""

RETURN = r"""
records:
  description: The managed names and types as they are after the run (in check mode, as they would be).
  returned: success
  type: list
  elements: dict
  sample:
    - {id: 023e105f4ecef8ad9ca31a8372d0c353, name: panel.example.com, type: A, content: 203.0.113.10, ttl: 300}
zone_id:
  description: The zone's id.
  returned: success
  type: str
api_calls:
  description: How many API requests the run made (the SDK's retries not counted).
  returned: success
  type: int
created:
  description: How many records were (or would be) created.
  returned: success
  type: int
updated:
  description: How many records were (or would be) updated in place.
  returned: success
  type: int
deleted:
  description: How many records were (or would be) deleted.
  returned: success
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._cloudflare_api import (
    Api,
    cloudflare_main,
    existing_for,
    make_client,
)
from ansible_collections.relaykit.edge.plugins.module_utils._dns_plan import existing_view, normalize_wanted, plan

RECORD_SPEC = {
    "name": {"type": "str", "required": True},
    "type": {"type": "str", "required": True},
    "content": {"type": "str"},
    "ttl": {"type": "int"},
    "proxied": {"type": "bool"},
    "comment": {"type": "str"},
    "tags": {"type": "list", "elements": "str", "no_log": False},
    "priority": {"type": "int"},
}


def run(module: AnsibleModule) -> dict:
    params = module.params
    wanted = normalize_wanted(params["records"], params["zone"], params["state"])
    api = Api(make_client(params["api_token"], params["base_url"], params["retries"], params["timeout"]))
    zone_id = api.zone_id(params["zone"], params["zone_id"])
    existing = existing_for(api, zone_id, wanted)
    changes = plan(wanted, existing, params["state"])
    result = {
        "changed": changes.changed,
        "zone_id": zone_id,
        "created": len(changes.creates),
        "updated": len(changes.patches),
        "deleted": len(changes.deletes),
        "records": sorted(changes.after, key=lambda r: (r["name"], r["type"], r["content"])),
    }
    if changes.changed and not module.check_mode:
        api.batch(zone_id, changes.creates, changes.patches, changes.deletes)
        names = {(item.name, item.type) for item in wanted}
        after = [existing_view(r) for r in existing_for(api, zone_id, wanted)]
        result["records"] = sorted(
            (r for r in after if (r["name"], r["type"]) in names), key=lambda r: (r["name"], r["type"], r["content"])
        )
    result["api_calls"] = api.calls
    if module._diff:
        key = "{name} {type} {content} ttl={ttl} proxied={proxied}"
        result["diff"] = {
            "before": "".join(key.format(**r) + "\n" for r in sorted(changes.before, key=lambda r: key.format(**r))),
            "after": "".join(key.format(**r) + "\n" for r in sorted(changes.after, key=lambda r: key.format(**r))),
        }
    return result


def main() -> None:
    cloudflare_main(
        {
            "records": {"type": "list", "elements": "dict", "required": True, "options": RECORD_SPEC},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        run,
    )


if __name__ == "__main__":
    main()
