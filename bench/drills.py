#!/usr/bin/env python3
"""The HTTP side of bench/drills.sh (standard library only).

    drills.py writes BASE TOKEN SECONDS TAG OUT.json   writers creating volunteers until the
                                                        file OUT.json.stop appears (or SECONDS)
    drills.py outage OUT.json                           judges the writes around a restart
    drills.py race BASE TOKEN ROUNDS WRITERS            concurrent PATCHes with one If-Match
    drills.py hostile BASE TOKEN                        malformed, oversized and hostile input
    drills.py bombs BASE PID                            zstd and gzip bombs to the public endpoints,
                                                        watching the server's peak memory
    drills.py slow BASE CONNECTIONS SECONDS             bodies sent one byte at a time while
                                                        /health/live and a login are timed
    drills.py receiver PORT LOG MODEFILE                a webhook receiver: logs "webhook-id
                                                        answer" per request; MODEFILE says
                                                        "hang" (no answer for 30 s) or "200"
    drills.py events BASE TOKEN COUNT TAG               COUNT volunteer.status_changed events:
                                                        COUNT volunteers made and moved to
                                                        in_screening, eight at a time
    drills.py delivered LOG EXPECTED                    judges the receiver's log against the
                                                        webhook-ids of EXPECTED (one per line)

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
    thread watches /health/ready. Every answer is recorded with the time it came. Each create
    carries an Idempotency-Key, and a writer retries a create that was not answered 2xx (a 503,
    a broken connection) with the same key until it is, as a careful client would; at the stop
    it finishes the create it is on (for at most 30 s more)."""
    import os

    deadline = time.monotonic() + float(seconds)
    started = time.monotonic()
    stop_file = out + ".stop"
    stopped = threading.Event()

    def running():
        if stopped.is_set() or time.monotonic() > deadline or os.path.exists(stop_file):
            stopped.set()
        return not stopped.is_set()

    answers, ready, unfinished = [], [], []
    lock = threading.Lock()

    def writer(number):
        n = 0
        while running():
            n += 1
            key = f"{tag}-{number}-{n}"
            body = {"given_name": f"W{number}x{n}", "family_name": tag, "notes": "drill",
                    "email": f"w{number}x{n}.{tag.lower()}@drill.example.no"}
            give_up = None
            while True:
                at = time.monotonic() - started
                try:
                    status, headers, data = call(base, "POST", "/api/v1/volunteers", token, body,
                                                 {"Idempotency-Key": key}, timeout=15)
                    record = {"at": at, "status": status, "problem": is_problem(headers),
                              "retry_after": "retry-after" in headers, "key": key}
                    if 200 <= status < 300:
                        record["id"] = json.loads(data)["id"]
                except (OSError, http.client.HTTPException) as error:
                    record = {"at": at, "status": 0, "error": str(error), "key": key}
                with lock:
                    answers.append(record)
                if "id" in record:
                    break
                if not running():
                    give_up = give_up or time.monotonic() + 30
                    if time.monotonic() > give_up:
                        with lock:
                            unfinished.append(key)
                        break
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
        json.dump({"answers": answers, "ready": ready, "unfinished": unfinished}, f)
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
    # A retry may also meet its first attempt still running (409 problem+json).
    bad = [a for a in answers if not (200 <= a["status"] < 300)
           and not (a["status"] in (503, 409) and a.get("problem"))]
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
    acked = sorted({a["id"] for a in answers if "id" in a})
    with open(path + ".acked", "w") as f:
        f.write("\n".join(acked) + ("\n" if acked else ""))
    keys = {a["key"] for a in answers if "key" in a}
    retried = {a["key"] for a in answers if "key" in a and not (200 <= a["status"] < 300)}
    replays = len([a for a in answers if "id" in a]) - len(acked)
    ids_per_key = {}
    for a in answers:
        if "id" in a:
            ids_per_key.setdefault(a["key"], set()).add(a["id"])
    if any(len(ids) > 1 for ids in ids_per_key.values()):
        failures.append("a key was answered with two different records")
    if run.get("unfinished"):
        failures.append(f"{len(run['unfinished'])} creates were never answered 2xx")
    print(f"    creates: {len(keys)} keys, {len(retried)} retried after a 503 or a broken connection, "
          f"{replays} answered again from a kept answer")
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


def raw_request(base, data):
    """Sends bytes as they are and returns the status of the answer (0 without one)."""
    import socket
    url = urllib.parse.urlsplit(base)
    try:
        with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
            sock.sendall(data)
            answer = sock.recv(4096)
        return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    except (OSError, ValueError, IndexError):
        return 0


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
    # Requests the HTTP/1 parser refuses before the application sees them: the status is all
    # actix lets through (no body can be shaped there), and the server must stay up.
    raw_cases = [
        ("Content-Length that is no number", b"POST /api/v1/registrations HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
        ("Content-Length and Transfer-Encoding", b"POST /api/v1/registrations HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("two different Content-Lengths", b"POST /api/v1/registrations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
         b"Content-Length: 3\r\n\r\n{}", 400),
        ("200 headers", b"GET /health/live HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: 1\r\n" % i for i in range(200)) + b"\r\n", 431),
        ("bytes that are not UTF-8 in the path", b"GET /api/v1/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ]
    for what, raw, expected in raw_cases:
        status = raw_request(base, raw)
        ok = status == expected
        failures += 0 if ok else 1
        rows.append((what, "(raw)", status, "-", "ok" if ok else "FAILED"))
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
    print(f"    {len(cases) + len(raw_cases)} hostile requests, {failures} failed")
    return 1 if failures else 0


# --- compression bombs -------------------------------------------------------------------------


def zstd_bomb(inflated):
    """A zstd frame of RLE blocks (RFC 8878 3.1.1.2): 4 bytes for every 128 KiB of zeros."""
    block = 128 * 1024
    count = inflated // block
    # Magic number; frame header: no content size, no single segment, window 2^(10+7) = 128 KiB.
    frame = bytearray(b"\x28\xb5\x2f\xfd\x00\x38")
    for i in range(count):
        last = 1 if i == count - 1 else 0
        header = last | (1 << 1) | (block << 3)  # Block_Type 1 = RLE
        frame += header.to_bytes(3, "little") + b"\x00"
    return bytes(frame)


def gzip_bomb(limit):
    """The largest gzip stream of zeros that stays under `limit` bytes."""
    import gzip
    inflated = limit * 1000
    while True:
        data = gzip.compress(b"\0" * inflated, 9)
        if len(data) <= limit:
            return data, inflated
        inflated = inflated * 9 // 10


def peak_rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return -1


def bombs(base, pid):
    """Sends bombs of under 64 KiB that inflate to gigabytes to the endpoints anyone may call;
    each must be refused (415, or 413) as problem+json while the server's peak memory stays
    under 150 MiB."""
    zstd_inflated = 15 * 2 ** 27  # 1.875 GiB in 61 KB
    zstd = zstd_bomb(zstd_inflated)
    gz, gz_inflated = gzip_bomb(60_000)
    before = peak_rss_mib(pid)
    failures = []
    rows = []
    for name, coding, data, inflated in [("zstd", "zstd", zstd, zstd_inflated), ("gzip", "gzip", gz, gz_inflated)]:
        for path, media in [("/api/v1/auth/token", "application/x-www-form-urlencoded"),
                            ("/api/v1/registrations", "application/json")]:
            try:
                status, headers, _ = call(base, "POST", path, None, data,
                                          {"Content-Encoding": coding, "Content-Type": media}, timeout=30)
            except (OSError, http.client.HTTPException) as error:
                status, headers = 0, {"error": str(error)}
            ok = status in (413, 415) and is_problem(headers)
            rows.append(f"    {name} bomb ({len(data) // 1000} KB -> {inflated / 1024 ** 2:,.0f} MiB) to {path}: "
                        f"{status} {headers.get('content-type', '-')}: {'ok' if ok else 'FAILED'}")
            if not ok:
                failures.append(f"{name} to {path} answered {status}")
    after = peak_rss_mib(pid)
    status, _, _ = call(base, "GET", "/health/live")
    for row in rows:
        print(row)
    print(f"    server peak RSS: {before:.0f} MiB before, {after:.0f} MiB after (limit 150); /health/live {status}")
    if not 0 < after < 150:
        failures.append(f"peak RSS {after:.0f} MiB")
    if status != 200:
        failures.append("the server is not live afterwards")
    for failure in failures:
        print(f"    FAILED: {failure}")
    return 1 if failures else 0


# --- slow bodies -------------------------------------------------------------------------------


def slow(base, connections, seconds):
    """Keeps CONNECTIONS requests open for SECONDS whose bodies trickle in, one byte every 2 s:
    half announce a 10 000-byte body to the token endpoint, half send a chunked body to
    /registrations. Each one the server closes is opened again at once. Meanwhile /health/live
    is asked every 0.25 s and a password login is made every 2 s. Every health answer must come
    within 1 s, every login must succeed, and every slow request must be answered 408 and
    closed by the server within the body deadline (plus a little)."""
    import select
    import socket

    url = urllib.parse.urlsplit(base)
    kinds = {
        "length": (f"POST /api/v1/auth/token HTTP/1.1\r\nHost: {url.hostname}\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n").encode(),
        "chunked": (f"POST /api/v1/registrations HTTP/1.1\r\nHost: {url.hostname}\r\n"
                    "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode(),
    }
    piece = {"length": b"a", "chunked": b"1\r\n{\r\n"}
    deadline = time.monotonic() + float(seconds)
    live = {}  # socket -> (kind, opened at)
    failed_opens = 0

    def open_one(kind):
        nonlocal failed_opens
        try:
            sock = socket.create_connection((url.hostname, url.port), timeout=5)
            sock.sendall(kinds[kind])
            sock.setblocking(False)
            live[sock] = (kind, time.monotonic())
        except OSError:
            failed_opens += 1

    for i in range(int(connections)):
        open_one("length" if i % 2 == 0 else "chunked")
    statuses, lifetimes = {}, []
    health, logins = [], []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            started = time.monotonic()
            try:
                status, _, _ = call(base, "GET", "/health/live", timeout=5)
            except (OSError, http.client.HTTPException):
                status = 0
            health.append((time.monotonic() - started, status))
            time.sleep(0.25)

    def login():
        body = b"grant_type=password&username=koordinator%40demo.samspill.no&password=samspill-demo-2026"
        while not stop.is_set():
            started = time.monotonic()
            try:
                status, _, _ = call(base, "POST", "/api/v1/auth/token", None, body,
                                    {"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
            except (OSError, http.client.HTTPException):
                status = 0
            logins.append((time.monotonic() - started, status))
            time.sleep(2)

    watchers = [threading.Thread(target=watch), threading.Thread(target=login)]
    for t in watchers:
        t.start()
    last_byte = 0.0
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now - last_byte >= 2:
            last_byte = now
            for sock, (kind, _) in list(live.items()):
                try:
                    sock.send(piece[kind])
                except OSError:
                    pass
        readable, _, _ = select.select(list(live), [], [], 0.2)
        for sock in readable:
            kind, opened = live.pop(sock)
            try:
                data = sock.recv(4096)
            except OSError:
                data = b""
            status = data.split(b"\r\n", 1)[0].decode(errors="replace") if data else "closed without an answer"
            statuses[(kind, status)] = statuses.get((kind, status), 0) + 1
            try:
                while sock.recv(4096):
                    pass
            except OSError:
                pass
            sock.close()
            lifetimes.append(time.monotonic() - opened)
            open_one(kind)
    stop.set()
    for t in watchers:
        t.join()
    for sock in live:
        sock.close()
    worst = max((d for d, _ in health), default=0)
    bad_health = [s for _, s in health if s != 200]
    worst_login = max((d for d, _ in logins), default=0)
    login_statuses = sorted({s for _, s in logins})
    longest = max(lifetimes, default=0)
    print(f"    {connections} slow requests held open for {seconds} s, reopened as the server closed them: "
          f"{len(lifetimes)} closed by the server, longest held {longest:.1f} s; {failed_opens} could not connect")
    for (kind, status), n in sorted(statuses.items()):
        print(f"      {kind:<8} {n:>5} x {status}")
    print(f"    /health/live: {len(health)} checks, worst {worst * 1000:.0f} ms, {len(bad_health)} not 200; "
          f"logins: {len(logins)}, worst {worst_login * 1000:.0f} ms, statuses {login_statuses}")
    failures = []
    if worst >= 1 or bad_health:
        failures.append("/health/live was slow or failed")
    if not lifetimes:
        failures.append("the server closed no slow request")
    if longest > 14:
        failures.append(f"a slow request was held {longest:.1f} s")
    if any(status != "HTTP/1.1 408 Request Timeout" for (_, status) in statuses):
        failures.append("a slow request was not answered 408")
    if not logins or any(s != 200 for _, s in logins):
        failures.append("a login during the drill did not succeed")
    if failed_opens:
        failures.append(f"{failed_opens} connections could not be opened")
    for failure in failures:
        print(f"    FAILED: {failure}")
    return 1 if failures else 0

# --- the outbox when the service is killed ---------------------------------------------------


def receiver(port, log, modefile):
    """A webhook receiver. Each request is logged as "webhook-id answer"; while MODEFILE says
    "hang" it holds the request 30 s without answering (the sender times out), else it answers
    200."""
    import http.server

    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("content-length", "0"))
            self.rfile.read(length)
            webhook_id = self.headers.get("webhook-id", "-")
            with open(modefile) as f:
                mode = f.read().strip()
            if mode == "hang":
                with lock, open(log, "a") as f:
                    f.write(f"{webhook_id} hang\n")
                time.sleep(30)
                self.close_connection = True
                return
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            with lock, open(log, "a") as f:
                f.write(f"{webhook_id} 200\n")

    class Server(http.server.ThreadingHTTPServer):
        # A whole batch of deliveries connects at once: with the default backlog of 5 the
        # kernel drops some handshakes and the sender retries them seconds later, so requests
        # the killed service had sent would only reach the receiver after it answers 200.
        request_queue_size = 256

    server = Server(("127.0.0.1", int(port)), Handler)
    server.daemon_threads = True
    server.serve_forever()


def events(base, token, count, tag):
    """COUNT volunteers made and each moved to in_screening: COUNT status-change events."""
    count = int(count)
    failures = []
    next_index = [0]
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= count:
                return
            status, _, body = call(base, "POST", "/api/v1/volunteers", token,
                                   {"given_name": f"Hendelse{i}", "family_name": tag,
                                    "email": f"hendelse{i}.{tag.lower()}@example.no",
                                    "activity_kinds": ["companionship"]}, timeout=30)
            if status != 201:
                failures.append(f"create {i}: {status}")
                continue
            volunteer = json.loads(body)["id"]
            status, _, _ = call(base, "POST", f"/api/v1/volunteers/{volunteer}/transitions", token,
                                {"to": "in_screening", "reason": "drill"}, timeout=30)
            if status != 200:
                failures.append(f"transition {i}: {status}")

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"    {count - len(failures)} events made in {time.monotonic() - started:.1f} s")
    for failure in failures[:5]:
        print(f"    FAILED: {failure}")
    return 1 if failures else 0


def delivered(log, expected):
    """Every expected webhook-id answered 200 once, and none twice."""
    with open(expected) as f:
        wanted = {line.strip() for line in f if line.strip()}
    answered = {}
    requests = 0
    hung = set()
    with open(log) as f:
        for line in f:
            webhook_id, answer = line.split()
            requests += 1
            if answer == "200":
                answered[webhook_id] = answered.get(webhook_id, 0) + 1
            else:
                hung.add(webhook_id)
    missing = wanted - set(answered)
    twice = [i for i, n in answered.items() if n > 1]
    resent = len(hung & set(answered))
    print(f"    {len(wanted)} events; receiver saw {requests} requests; {len(hung)} were held"
          f" unanswered when the service was killed and {resent} of those were sent again after"
          f" the restart; delivered: {len(wanted & set(answered))}; missing: {len(missing)};"
          f" answered 2xx twice: {len(twice)}")
    return 1 if missing or twice else 0


def main(argv):
    commands = {
        "writes": (writes, 5),
        "outage": (outage, 1),
        "race": (race, 4),
        "hostile": (hostile, 2),
        "bombs": (bombs, 2),
        "slow": (slow, 3),
        "receiver": (receiver, 3),
        "events": (events, 4),
        "delivered": (delivered, 2),
    }
    if not argv or argv[0] not in commands or len(argv) - 1 != commands[argv[0]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    function, _ = commands[argv[0]]
    return function(*argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
