#!/usr/bin/env python3
"""How long a write through one node takes to reach another node's nearby answers, and how far
behind followers fall under a stream of writes. Started by scripts/follow.sh, which starts the nodes.

    follow.py WRITER_URL FOLLOWER_URL [FOLLOWER_URL...] --token TOKEN --service-body ID

Prints, for single writes, the time from the write's 201 until the meeting is in every follower's
nearby answer (p50, p99, max); then sends writes from several clients at once for a few seconds and
prints the write rate and the followers' lag (sampled from /readyz) at p50 and p99, and how long after
the last write both followers held it.
Talks to the URLs it is given only, which follow.sh points at 127.0.0.1.
"""

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.request

AT = "2026-12-07T09:50:00%2B01:00"  # a Monday, ten minutes before the meetings below start
LAT, LON = 6.4541, 3.3947  # Lagos


def call(method, url, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as res:
        return res.status, json.loads(res.read() or b"null")


def meeting(name, service_body, i):
    # Each new meeting is nearer the query point than the one before, so it heads the answer.
    return {
        "name": name,
        "fellowship": "aa",
        "service_body_id": service_body,
        "attendance": "in_person",
        "schedule": {"days": ["monday"], "start_time": "10:00", "duration_minutes": 60,
                     "time_zone": "Africa/Lagos"},
        "location": {"name": "Hall", "latitude": LAT + (10000 - i) * 1e-5, "longitude": LON},
        "types": ["O"],
        "languages": ["en"],
    }


def nearest_name(base):
    url = f"{base}/v1/meetings/nearby?lat={LAT}&lon={LON}&radius_km=50&limit=1&at={AT}"
    _, body = call("GET", url)
    results = body["results"]
    return results[0]["meeting"]["name"] if results else None


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("writer")
    ap.add_argument("followers", nargs="+")
    ap.add_argument("--token", required=True)
    ap.add_argument("--service-body", type=int, required=True)
    ap.add_argument("--writes", type=int, default=100)
    ap.add_argument("--burst-seconds", type=float, default=5.0)
    ap.add_argument("--label", default="")
    ap.add_argument("--writers", type=int, default=4, help="concurrent writing clients in the burst")
    a = ap.parse_args()

    delays = []
    for i in range(a.writes):
        name = f"Follow probe {a.label} {i} {time.time_ns()}"
        status, _ = call("POST", f"{a.writer}/v1/meetings", a.token, meeting(name, a.service_body, i))
        assert status == 201, status
        written = time.monotonic()
        pending = set(a.followers)
        while pending:
            for f in list(pending):
                if nearest_name(f) == name:
                    pending.discard(f)
            if time.monotonic() - written > 10:
                sys.exit(f"not visible on {pending} after 10 s")
            if pending:
                time.sleep(0.002)
        delays.append((time.monotonic() - written) * 1000)
    print(f"{a.label}: write on one node -> in {len(a.followers)} other node(s)' nearby answers, "
          f"{len(delays)} writes: p50 {statistics.median(delays):.0f} ms, "
          f"p99 {percentile(delays, 99):.0f} ms, max {max(delays):.0f} ms")

    # A stream of writes through the writer while the followers' lag is sampled.
    stop = threading.Event()
    lags = []

    def sample():
        while not stop.is_set():
            for f in a.followers:
                try:
                    _, body = call("GET", f"{f}/readyz")
                    lags.append(body["lag_seconds"])
                except Exception as e:  # a 503 (lagging) still tells the lag
                    body = json.loads(e.read()) if hasattr(e, "read") else None
                    if body and "lag_seconds" in body:
                        lags.append(body["lag_seconds"])
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    counts = [0] * a.writers

    def writer(n):
        while time.monotonic() - started < a.burst_seconds:
            i = a.writes + n * 100000 + counts[n]
            status, _ = call("POST", f"{a.writer}/v1/meetings", a.token,
                             meeting(f"Burst {a.label} {n} {counts[n]} {time.time_ns()}", a.service_body, i))
            assert status == 201, status
            counts[n] += 1

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(a.writers)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    elapsed = time.monotonic() - started
    # Until the followers hold the last write: the lag samples continue to the end.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        heads = []
        for f in a.followers:
            _, body = call("GET", f"{f}/readyz")
            heads.append(body["applied_seq"] >= body["head_seq"])
        if all(heads):
            break
        time.sleep(0.05)
    caught_up = time.monotonic() - started - elapsed
    stop.set()
    sampler.join()
    written = sum(counts)
    print(f"{a.label}: {written} writes in {elapsed:.1f} s ({written / elapsed:.0f}/s) through one node from "
          f"{a.writers} clients; followers' lag over {len(lags)} samples: p50 {percentile(lags, 50):.3f} s, "
          f"p99 {percentile(lags, 99):.3f} s, max {max(lags):.3f} s; caught up {caught_up:.2f} s after the last write")


if __name__ == "__main__":
    main()
