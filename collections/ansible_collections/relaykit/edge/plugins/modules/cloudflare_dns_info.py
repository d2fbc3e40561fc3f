#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cloudflare_dns_info
short_description: List the DNS records of a Cloudflare zone, or of one name
version_added: 0.1.0
description:
  - Read-only. Lists a zone's records (all pages), optionally only those of one name and/or type,
    normalised the way M(relaykit.edge.cloudflare_dns) compares them.
author:
  - relaykit contributors (@relaykit)
extends_documentation_fragment:
  - relaykit.edge.attributes.read_only
  - relaykit.edge.cloudflare
options:
  name:
    description: Only records of this name (relative names are completed with O(zone)).
    type: str
  type:
    description: Only records of this type.
    type: str
"""

EXAMPLES = r"""
- name: What does Cloudflare say panel.example.com is?
  relaykit.edge.cloudflare_dns_info:
    zone: example.com
    name: panel
  register: panel
"""

RETURN = r"""
records:
  description: The records, sorted by name, type and content.
  returned: success
  type: list
  elements: dict
zone_id:
  description: The zone's id.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._cloudflare_api import (
    Api,
    cloudflare_main,
    make_client,
)
from ansible_collections.relaykit.edge.plugins.module_utils._dns_plan import existing_view, normalize_name


def run(module: AnsibleModule) -> dict:
    params = module.params
    api = Api(make_client(params["api_token"], params["base_url"], params["retries"], params["timeout"]))
    zone_id = api.zone_id(params["zone"], params["zone_id"])
    filters: dict = {}
    if params["name"]:
        filters["name"] = {"exact": normalize_name(params["name"], params["zone"])}
    if params["type"]:
        filters["type"] = params["type"].strip().upper()
    records = [existing_view(record) for record in api.records(zone_id, **filters)]
    return {
        "changed": False,
        "zone_id": zone_id,
        "records": sorted(records, key=lambda r: (r["name"], r["type"], r["content"])),
    }


def main() -> None:
    cloudflare_main(
        {
            "name": {"type": "str"},
            "type": {"type": "str"},
        },
        run,
    )


if __name__ == "__main__":
    main()
