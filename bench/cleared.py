#!/usr/bin/env python3
"""Asks the service which volunteers are cleared, one clearance request each over one connection.

    cleared.py BASE TOKEN QUERY IDS_IN IDS_OUT

BASE is the server's URL, TOKEN a bearer token, QUERY the clearance question as a query string
(activity_kind=...&setting=...). Writes the ids whose answer says `cleared: true` to IDS_OUT and
prints "<cleared> of <asked>". Exit status 1 when an answer is not 200 or none is cleared.
"""

import http.client
import json
import sys
from urllib.parse import urlsplit


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    base, token, query, ids_in, ids_out = argv
    url = urlsplit(base)
    ids = [line.strip() for line in open(ids_in, encoding="utf-8") if line.strip()]
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    cleared = []
    for volunteer in ids:
        conn.request("GET", f"/api/v1/volunteers/{volunteer}/clearance?{query}", headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            print(f"clearance of {volunteer} answered {response.status}: {body[:300]!r}", file=sys.stderr)
            return 1
        if json.loads(body).get("cleared") is True:
            cleared.append(volunteer)
    with open(ids_out, "w", encoding="utf-8") as out:
        out.writelines(f"{volunteer}\n" for volunteer in cleared)
    print(f"{len(cleared)} of {len(ids)}")
    return 0 if cleared else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
