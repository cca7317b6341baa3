#!/usr/bin/env python3
"""Reads the wrk and pgbench outputs that bench/run.sh left in a folder and prints one table.

    report.py endpoints DIR --mode full|small|hours --connections N [--only PREFIX]
    report.py scale DIR SIZE...

Exit status 1 when an endpoint did not answer 2xx or printed no figures (in every mode), or,
for the scaling run, when a size has no figures. Missed targets print MISS but never fail.
"""

import json
import re
import sys
from pathlib import Path

# name, label, pgbench ratio target (None: reported only), held to the p99 target, a latency
# target of its own as (percentile, ms) (None: none)
ENDPOINTS = [
    ("get_volunteer", "GET /volunteers/{id}", 0.5, True, None),
    ("list_volunteers", "GET /volunteers?status=approved", None, True, None),
    ("clearance", "GET /volunteers/{id}/clearance", 0.3, True, None),
    ("status_feed", "GET /volunteer-status", None, True, None),
    ("visits_week", "GET /visits (one unit, one week)", None, True, None),
    ("need_candidates", "GET /needs/{id}/candidates", None, False, ("p50", 100.0)),
    ("need_candidates_alone", "  the same, 1 connection", None, False, ("p50", 100.0)),
    ("hours_unit", "GET /reports/hours by unit", None, False, None),
    ("hours_unit_alone", "  the same, 1 connection", None, False, ("p99", 200.0)),
    ("hours_activity_kind", "GET /reports/hours by activity kind", None, False, None),
    ("hours_activity_kind_alone", "  the same, 1 connection", None, False, ("p99", 200.0)),
    ("hours_volunteer", "GET /reports/hours by volunteer", None, False, None),
    ("hours_volunteer_alone", "  the same, 1 connection", None, False, ("p99", 200.0)),
    ("hours_month", "GET /reports/hours by month", None, False, None),
    ("hours_month_alone", "  the same, 1 connection", None, False, ("p99", 200.0)),
    ("token", "POST /auth/token (argon2id)", None, False, None),
    ("create", "POST /volunteers", None, False, None),
    ("create_keyed", "POST /volunteers + Idempotency-Key", None, False, None),
    ("create_placement", "POST /placements (with clearance)", None, False, None),
]
P99_TARGET_MS = 20.0
SCALE_TARGET = 1.5


def to_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(path):
    """Requests/s, p50, p99 (ms), request count, non-2xx count and socket errors of one run."""
    if not path.exists():
        return None
    text = path.read_text(errors="replace")
    result = {"rps": None, "p50": None, "p99": None, "requests": 0, "non2xx": 0, "errors": 0}
    for line in text.splitlines():
        line = line.strip()
        if m := re.match(r"Requests/sec:\s+([\d.]+)", line):
            result["rps"] = float(m.group(1))
        elif m := re.match(r"50%\s+(\S+)", line):
            result["p50"] = to_ms(m.group(1))
        elif m := re.match(r"99%\s+(\S+)", line):
            result["p99"] = to_ms(m.group(1))
        elif m := re.match(r"(\d+) requests in", line):
            result["requests"] = int(m.group(1))
        elif m := re.match(r"Non-2xx or 3xx responses:\s+(\d+)", line):
            result["non2xx"] = int(m.group(1))
        elif m := re.match(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", line):
            result["errors"] = sum(int(g) for g in m.groups())
    return result


def parse_pgbench(path):
    if not path.exists():
        return None
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", path.read_text())
    if not match:
        match = re.search(r"tps = ([\d.]+)", path.read_text())
    latency = re.search(r"latency average = ([\d.]+) ms", path.read_text())
    return {
        "tps": float(match.group(1)) if match else None,
        "avg_ms": float(latency.group(1)) if latency else None,
    }


def read(path, default=""):
    return path.read_text().strip() if path.exists() else default


def fmt(value, digits=1):
    return "-" if value is None else f"{value:,.{digits}f}"


def endpoints(folder, mode, connections, only=""):
    pg = parse_pgbench(folder / "pgbench.txt") or {"tps": None, "avg_ms": None}
    tps = pg["tps"]
    problems = []
    rows = []
    for name, label, ratio_target, p99_held, latency_target in ENDPOINTS:
        if not name.startswith(only):
            continue
        wrk = parse_wrk(folder / f"{name}.wrk")
        probe = read(folder / f"{name}.probe", "none")
        rss = read(folder / f"{name}.rss", "-")
        if not (probe.isdigit() and 200 <= int(probe) < 300):
            problems.append(f"{label}: the probe request answered {probe}, not 2xx")
        if wrk is None or wrk["rps"] is None or wrk["p99"] is None:
            problems.append(f"{label}: wrk printed no figures")
            wrk = wrk or {"rps": None, "p50": None, "p99": None, "requests": 0, "non2xx": 0, "errors": 0}
        elif wrk["non2xx"]:
            problems.append(f"{label}: {wrk['non2xx']} of {wrk['requests']} answers were not 2xx")
        own = read(folder / f"{name}.connections", str(connections))
        if own not in (str(connections), "1"):
            label = f"{label} (c{own})"
        ratio = wrk["rps"] / tps if tps and wrk["rps"] is not None else None
        targets, verdicts = [], []
        if ratio_target is not None:
            targets.append(f">={ratio_target:.2f}x")
            verdicts.append(ratio is not None and ratio >= ratio_target)
        if p99_held:
            targets.append(f"p99<{P99_TARGET_MS:.0f}ms")
            verdicts.append(wrk["p99"] is not None and wrk["p99"] < P99_TARGET_MS)
        if latency_target is not None:
            percentile, limit = latency_target
            targets.append(f"{percentile}<{limit:.0f}ms")
            verdicts.append(wrk[percentile] is not None and wrk[percentile] < limit)
        if not targets:
            verdict = "report"
        elif mode not in ("full", "hours"):
            verdict = "(small)"
        else:
            verdict = "PASS" if all(verdicts) else "MISS"
        rows.append([label, fmt(wrk["rps"]), fmt(wrk["p50"], 2), fmt(wrk["p99"], 2),
                     fmt(ratio, 2), " ".join(targets) or "-", verdict, rss,
                     str(wrk["errors"])])

    header = ["endpoint", "req/s", "p50 ms", "p99 ms", "x pgbench", "target", "result",
              "peak RSS MiB", "sock err"]
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    print("-" * len(line))
    print(f"pgbench -S -c {connections}: {fmt(tps)} tps, average latency {fmt(pg['avg_ms'], 3)} ms")
    print(f"server resident size: {read(folder / 'rss_idle.txt', '-')} MiB idle after start, "
          f"peak (VmHWM) {read(folder / 'rss_peak.txt', '-')} MiB over the run")
    summary = {"mode": mode, "connections": connections, "pgbench_tps": tps, "rows": rows}
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    if tps is None:
        problems.append("pgbench printed no tps")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def scale(folder, sizes):
    rows, p99s, problems = [], {}, []
    for size in sizes:
        wrk = parse_wrk(folder / f"list_{size}.wrk")
        probe = read(folder / f"list_{size}.probe", "none")
        largest = read(folder / f"list_{size}.largest", "-")
        if probe != "200" or wrk is None or wrk["p99"] is None:
            problems.append(f"{size} volunteers: no figures (probe answered {probe})")
            continue
        p99s[size] = wrk["p99"]
        rows.append((size, largest, wrk))
    print(f"{'volunteers':>10}  {'in its municipality':>19}  {'req/s':>9}  {'p50 ms':>7}  {'p99 ms':>7}")
    for size, largest, wrk in rows:
        print(f"{int(size):>10,}  {int(largest):>19,}  {fmt(wrk['rps']):>9}  "
              f"{fmt(wrk['p50'], 2):>7}  {fmt(wrk['p99'], 2):>7}")
    if len(p99s) >= 2:
        small, large = sizes[0], sizes[-1]
        if small in p99s and large in p99s:
            factor = p99s[large] / p99s[small]
            verdict = "PASS" if factor <= SCALE_TARGET else "MISS"
            print(f"p99 at {int(large):,} / p99 at {int(small):,} = {factor:.2f} "
                  f"(target <= {SCALE_TARGET}): {verdict}")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "endpoints":
        mode = argv[argv.index("--mode") + 1] if "--mode" in argv else "full"
        connections = argv[argv.index("--connections") + 1] if "--connections" in argv else "?"
        only = argv[argv.index("--only") + 1] if "--only" in argv else ""
        return endpoints(Path(argv[1]), mode, connections, only)
    if len(argv) >= 3 and argv[0] == "scale":
        return scale(Path(argv[1]), argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
