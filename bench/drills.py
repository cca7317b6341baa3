#!/usr/bin/env python3
"""The HTTP side of bench/drills.sh (standard library only).

    drills.py writes BASE TOKEN SECONDS TAG OUT.json   writers creating volunteers until the
                                                        file OUT.json.stop appears (or SECONDS)
    drills.py outage OUT.json                           judges the writes around a restart
    drills.py race BASE TOKEN ROUNDS WRITERS            concurrent PATCHes with one If-Match
    drills.py hostile BASE TOKEN                        malformed, oversized and hostile input

Each judging command prints what it tried and what survived, and exits 1 on a failure.
"""

import http.client
import json
import sys
import threading
import time
import urllib.parse

PROBLEM = "application/problem+json"


def connect(base, timeout=10):
    url = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)


def call(base, method, path, token=None, body=None, headers=None, timeout=10):
    """One request on a fresh connection: (status, headers as a lower-case dict, body bytes)."""
    all_headers = {"Accept": "application/json"}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    conn = connect(base, timeout)
    try:
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def is_problem(headers):
    return headers.get("content-type", "").startswith(PROBLEM)


# --- writes under a database restart -------------------------------------------------------


def writes(base, token, seconds, tag, out):
    """Four writers create volunteers until `out`.stop exists (at most `seconds`); a fifth
    thread watches /health/ready. Every answer is recorded with the time it came."""
    import os

    deadline = time.monotonic() + float(seconds)
    started = time.monotonic()
    stop_file = out + ".stop"
    stopped = threading.Event()

    def running():
        if stopped.is_set() or time.monotonic() > deadline or os.path.exists(stop_file):
            stopped.set()
        return not stopped.is_set()

    answers, ready = [], []
    lock = threading.Lock()

    def writer(number):
        n = 0
        while running():
            n += 1
            body = {"given_name": f"W{number}x{n}", "family_name": tag, "notes": "drill",
                    "email": f"w{number}x{n}.{tag.lower()}@drill.example.no"}
            at = time.monotonic() - started
            try:
                status, headers, data = call(base, "POST", "/api/v1/volunteers", token, body, timeout=15)
                record = {"at": at, "status": status, "problem": is_problem(headers),
                          "retry_after": "retry-after" in headers}
                if 200 <= status < 300:
                    record["id"] = json.loads(data)["id"]
            except (OSError, http.client.HTTPException) as error:
                record = {"at": at, "status": 0, "error": str(error)}
                time.sleep(0.05)
            with lock:
                answers.append(record)
            if record["status"] == 503:
                time.sleep(0.05)

    def watcher():
        while running():
            at = time.monotonic() - started
            try:
                status, headers, _ = call(base, "GET", "/health/ready", timeout=5)
                ready.append({"at": at, "status": status, "problem": is_problem(headers)})
            except (OSError, http.client.HTTPException) as error:
                ready.append({"at": at, "status": 0, "error": str(error)})
            time.sleep(0.1)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    threads.append(threading.Thread(target=watcher))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(out, "w") as f:
        json.dump({"answers": answers, "ready": ready}, f)
    return 0


def outage(path):
    """Judges one writes run: no 5xx but 503 problem+json, every 2xx id listed for the
    database check, readiness back to 200 after it went 503, writes succeeding after it."""
    with open(path) as f:
        run = json.load(f)
    answers, ready = run["answers"], run["ready"]
    by_status = {}
    for a in answers:
        by_status[a["status"]] = by_status.get(a["status"], 0) + 1
    failures = []
    bad = [a for a in answers if not (200 <= a["status"] < 300)
           and not (a["status"] == 503 and a.get("problem"))]
    if bad:
        sample = bad[0]
        failures.append(f"{len(bad)} answers were neither 2xx nor 503 problem+json "
                        f"(first: {sample.get('status')} {sample.get('error', '')} at {sample['at']:.1f} s)")
    outage_answers = [a for a in answers if a["status"] == 503]
    if not outage_answers:
        failures.append("no write saw the outage (no 503): the restart did not happen in time")
    if any(a["status"] == 503 and not a.get("retry_after") for a in answers):
        failures.append("a 503 came without Retry-After")
    went_down = next((r["at"] for r in ready if r["status"] == 503), None)
    came_back = None
    if went_down is not None:
        came_back = next((r["at"] for r in ready if r["at"] > went_down and r["status"] == 200), None)
    if went_down is None:
        failures.append("/health/ready never answered 503")
    elif came_back is None:
        failures.append("/health/ready did not come back to 200")
    elif any(r["status"] not in (200, 503) for r in ready):
        failures.append("/health/ready answered something other than 200 or 503")
    last_503 = max((a["at"] for a in outage_answers), default=None)
    after = [a for a in answers if last_503 is not None and a["at"] > last_503 and 200 <= a["status"] < 300]
    if last_503 is not None and not after:
        failures.append("no write succeeded after the outage")
    acked = [a["id"] for a in answers if "id" in a]
    with open(path + ".acked", "w") as f:
        f.write("\n".join(acked) + ("\n" if acked else ""))
    summary = ", ".join(f"{n} x {s if s else 'no answer'}" for s, n in sorted(by_status.items()))
    print(f"    writes: {len(answers)} ({summary}); acknowledged {len(acked)}")
    if went_down is not None:
        down_for = f"{came_back - went_down:.1f} s" if came_back else "did not come back"
        print(f"    /health/ready: 503 from {went_down:.1f} s, 200 again after {down_for}; "
              f"first write after the outage succeeded: {'yes' if after else 'no'}")
    for failure in failures:
        print(f"    FAILED: {failure}")
    return 1 if failures else 0


# --- concurrent updates with If-Match --------------------------------------------------------


def race(base, token, rounds, writers):
    failures = []
    status, headers, data = call(base, "POST", "/api/v1/volunteers", token,
                                 {"given_name": "Race", "family_name": "Drill",
                                  "email": "race@drill.example.no"})
    if status != 201:
        print(f"    FAILED: creating the volunteer answered {status}: {data[:200]!r}")
        return 1
    volunteer = json.loads(data)
    path = f"/api/v1/volunteers/{volunteer['id']}"
    for r in range(1, int(rounds) + 1):
        status, headers, data = call(base, "GET", path, token)
        etag = headers.get("etag")
        version = json.loads(data)["version"]
        barrier = threading.Barrier(int(writers))
        results = [None] * int(writers)

        def patch(i):
            body = json.dumps({"notes": f"round {r} writer {i}"}).encode()
            conn = connect(base, 30)
            try:
                conn.connect()
                barrier.wait()
                conn.request("PATCH", path, body=body, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "application/json",
                    "If-Match": etag})
                response = conn.getresponse()
                results[i] = (response.status, response.getheader("content-type", ""), response.read())
            except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as error:
                results[i] = (0, "", str(error).encode())
            finally:
                conn.close()

        threads = [threading.Thread(target=patch, args=(i,)) for i in range(int(writers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wins = [i for i, (s, _, _) in enumerate(results) if s == 200]
        stale = [i for i, (s, ct, _) in enumerate(results) if s == 412 and ct.startswith(PROBLEM)]
        other = [results[i][0] for i in range(int(writers)) if i not in wins and i not in stale]
        status, headers, data = call(base, "GET", path, token)
        final = json.loads(data)
        winner_note = f"round {r} writer {wins[0]}" if len(wins) == 1 else None
        ok = (len(wins) == 1 and len(stale) == int(writers) - 1 and final["version"] == version + 1
              and final.get("notes") == winner_note and headers.get("etag") == f'"{version + 1}"')
        print(f"    round {r}: If-Match {etag}: {len(wins)} x 200, {len(stale)} x 412"
              f"{', other: ' + str(other) if other else ''}; version {version} -> {final['version']}, "
              f"stored notes from the winner: {'yes' if final.get('notes') == winner_note else 'no'}"
              f" -> {'ok' if ok else 'FAILED'}")
        if not ok:
            failures.append(r)
    return 1 if failures else 0


# --- hostile input -----------------------------------------------------------------------------


def hostile(base, token):
    v = "/api/v1/volunteers"
    injection = "'; DROP TABLE volunteers; --"
    script = "<script>alert(1)</script>"
    deep_array = b"[" * 10000 + b"]" * 10000
    deep_object = b'{"a":' * 10000 + b"1" + b"}" * 10000
    json_type = {"Content-Type": "application/json"}
    # (what, method, path, body, extra headers, expectation); expectation "4xx" means a 4xx
    # problem+json; "echo:<field>" means a 201 whose field comes back verbatim.
    cases = [
        ("invalid UTF-8 in a JSON body", "POST", v, b'{"given_name":"\xff\xfe","family_name":"X"}', json_type, "4xx"),
        ("invalid UTF-8 in a form body", "POST", "/api/v1/auth/token",
         b"grant_type=password&username=\xff&password=\xfe",
         {"Content-Type": "application/x-www-form-urlencoded"}, "4xx"),
        ("number 1e999999", "POST", v, b'{"given_name":"A","family_name":"B","birth_year":1e999999}', json_type, "4xx"),
        ("number 99999999999999999999999", "POST", v,
         b'{"given_name":"A","family_name":"B","birth_year":99999999999999999999999}', json_type, "4xx"),
        ("number -1e308 as a year", "POST", v, b'{"given_name":"A","family_name":"B","birth_year":-1e308}', json_type, "4xx"),
        ("limit=99999999999999999999", "GET", v + "?limit=99999999999999999999", None, {}, "4xx"),
        ("limit=-1", "GET", v + "?limit=-1", None, {}, "4xx"),
        ("10 000-deep array", "POST", v, deep_array, json_type, "4xx"),
        ("10 000-deep object", "POST", v, deep_object, json_type, "4xx"),
        ("2 MB body", "POST", v, b'{"given_name":"' + b"A" * 2_000_000 + b'","family_name":"B"}', json_type, "4xx"),
        ("2 MB token request", "POST", "/api/v1/auth/token", b"grant_type=password&username=" + b"a" * 2_000_000,
         {"Content-Type": "application/x-www-form-urlencoded"}, "4xx"),
        ("SQL injection in a filter", "GET", v + "?status=" + urllib.parse.quote("approved' OR '1'='1"), None, {}, "4xx"),
        ("SQL injection in the search", "GET", v + "?q=" + urllib.parse.quote(injection), None, {}, "2xx"),
        ("script in the search", "GET", v + "?q=" + urllib.parse.quote(script), None, {}, "2xx"),
        ("invalid UTF-8 in the query", "GET", v + "?q=%FF%FE", None, {}, "4xx"),
        ("SQL injection as a name", "POST", v, {"given_name": injection, "family_name": "Drill", "email": "sql@drill.example.no"}, {}, "echo:given_name"),
        ("script as a name", "POST", v, {"given_name": script, "family_name": "Drill", "email": "script@drill.example.no"}, {}, "echo:given_name"),
        ("SQL injection as login", "POST", "/api/v1/auth/token",
         ("grant_type=password&username=" + urllib.parse.quote(injection) + "&password=x").encode(),
         {"Content-Type": "application/x-www-form-urlencoded"}, "4xx"),
        ("NUL byte in a name", "POST", v, {"given_name": "A\u0000B", "family_name": "Drill", "email": "nul@drill.example.no"}, {}, "4xx"),
        ("NUL byte in the search", "GET", v + "?q=a%00b", None, {}, "4xx-or-2xx"),
        ("text/plain body", "POST", v, b'{"given_name":"A","family_name":"B"}', {"Content-Type": "text/plain"}, "4xx"),
        ("XML body", "POST", v, b"<volunteer/>", {"Content-Type": "application/xml"}, "4xx"),
        ("no content type", "POST", v, b'{"given_name":"A","family_name":"B"}', {}, "4xx"),
        ("empty body", "POST", v, b"", json_type, "4xx"),
        ("JSON null", "POST", v, b"null", json_type, "4xx"),
        ("wrong JSON types", "POST", v, b'{"given_name":5,"family_name":[]}', json_type, "4xx"),
        ("path traversal as an id", "GET", v + "/..%2F..%2Fetc%2Fpasswd", None, {}, "4xx"),
        ("raw ../ in the path", "GET", "/api/v1/volunteers/../../../etc/passwd", None, {}, "4xx"),
        ("an id that is not a UUID", "GET", v + "/1%20OR%201=1", None, {}, "4xx"),
        ("If-Match that is no version", "PATCH", v + "/00000000-0000-7000-8000-000000000000",
         {"notes": "x"}, {"If-Match": '"; DROP TABLE'}, "4xx"),
        ("a token that is garbage", "GET", v, None, {"Authorization": "Bearer ' OR 1=1 --"}, "4xx-noauth"),
    ]
    failures = 0
    rows = []
    for what, method, path, body, headers, expect in cases:
        use_token = None if expect == "4xx-noauth" else token
        try:
            status, got, data = call(base, method, path, use_token, body, headers, timeout=30)
        except (OSError, http.client.HTTPException) as error:
            status, got, data = 0, {}, str(error).encode()
        problem = is_problem(got)
        note = False
        if expect == "4xx-known":
            ok = 400 <= status < 500 and problem
            if not ok and 200 <= status < 300:
                ok, note = True, True
        elif expect.startswith("4xx") and expect != "4xx-or-2xx":
            ok = 400 <= status < 500 and problem
        elif expect == "4xx-or-2xx":
            ok = (400 <= status < 500 and problem) or 200 <= status < 300
        elif expect == "2xx":
            ok = 200 <= status < 300
        else:
            field = expect.split(":", 1)[1]
            sent = body[field]
            ok = status == 201
            if ok:
                created = json.loads(data)
                s2, _, d2 = call(base, "GET", f"{v}/{created['id']}", token)
                ok = created.get(field) == sent and s2 == 200 and json.loads(d2).get(field) == sent
        failures += 0 if ok else 1
        shown = got.get("content-type", "-").split(";")[0]
        verdict = "NOTE: accepted (lossy decoding, known)" if note else ("ok" if ok else "FAILED")
        rows.append((what, f"{method} {path[:40]}", status, shown, verdict))
    # Still healthy, and the table the injections named still answers.
    status, _, _ = call(base, "GET", "/health/ready")
    list_status, _, _ = call(base, "GET", v + "?limit=1", token)
    healthy = status == 200 and list_status == 200
    rows.append(("afterwards: /health/ready and the volunteer list", "GET", f"{status}/{list_status}", "-",
                 "ok" if healthy else "FAILED"))
    failures += 0 if healthy else 1
    width = max(len(r[0]) for r in rows)
    for what, request, status, ctype, verdict in rows:
        print(f"    {what:<{width}}  {status!s:>7}  {ctype:<26}  {verdict}")
    print(f"    {len(cases)} hostile requests, {failures} failed")
    return 1 if failures else 0


def main(argv):
    commands = {
        "writes": (writes, 5),
        "outage": (outage, 1),
        "race": (race, 4),
        "hostile": (hostile, 2),
    }
    if not argv or argv[0] not in commands or len(argv) - 1 != commands[argv[0]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    function, _ = commands[argv[0]]
    return function(*argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
