#!/usr/bin/env python3
"""Faults with figures; started by scripts/faults.sh, which builds the release binary and makes the
throwaway PostgreSQL cluster. Four parts, each printing what it measured:

  kill9     SIGKILL a node in the middle of writes and an import (SQLite, then PostgreSQL); restart it:
            acknowledged writes present, the import all or nothing, seconds to ready again.
  restart   the throwaway PostgreSQL cluster stopped and started under reads and writes: what reads
            and writes answered during the outage and how fast, when writes succeeded again.
  writers   three processes writing one SQLite file: answers by status, writes per second.
  mixed     two nodes; reads alone, then reads while publishers write and imports run: the reads'
            p50/p99 in each phase, 5xx count, and every acknowledged write on both nodes.

Exits non-zero when something that must hold whatever the timing does not: an acknowledged write
lost, an import applied in part, a 5xx other than the documented 503/507, a node not catching up.
Every request goes to 127.0.0.1, to nodes this script started, with a timeout; counts are bounded.
"""

import argparse
import http.client
import json
import os
import atexit
import signal
import socket
import subprocess
import sys
import threading
import time

BIN = "target/release/lantern"
KC = "tests/fixtures/meeting-guide/kc.json"
NEARBY = "/v1/meetings/nearby?lat=40.7128&lon=-74.0060&radius_km=100&limit=10&at=2026-12-07T18:00:00Z"
FAILURES = []
OUTAGE = 12  # seconds the throwaway cluster stays down: more than two database waits


def check(ok, what):
    if not ok:
        FAILURES.append(what)
        print(f"  FAILED: {what}")


def call(port, method, path, token=None, body=None, timeout=30):
    """One request to 127.0.0.1:port: (status, parsed body or text, seconds); status 0 if no answer."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
    try:
        conn.request(method, path, body=data, headers=headers)
        res = conn.getresponse()
        raw = res.read()
        status = res.status
    except (OSError, http.client.HTTPException):
        return 0, None, time.perf_counter() - started
    finally:
        conn.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return status, parsed, time.perf_counter() - started


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def free_port():
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    running = []  # every node started, killed at exit whatever happens

    def __init__(self, url, work, *flags):
        self.url, self.flags, self.work = url, flags, work
        self.start()

    def start(self):
        self.port = free_port()
        log = open(os.path.join(self.work, f"node-{self.port}.log"), "w")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--database-url", self.url, "--bind", f"127.0.0.1:{self.port}",
             "--follow-sources", "false", *self.flags],
            stdout=log, stderr=log, env={**os.environ, "RUST_LOG": "warn"})
        Node.running.append(self.proc)
        started = time.perf_counter()
        while time.perf_counter() - started < 180:
            if self.proc.poll() is not None:
                sys.exit(f"a node exited at start; see {log.name}")
            if call(self.port, "GET", "/readyz", timeout=2)[0] == 200:
                self.ready_after = time.perf_counter() - started
                return
            time.sleep(0.05)
        sys.exit("a node never became ready")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def admin_key(url):
    out = subprocess.run([BIN, "keys", "create", "--database-url", url, "--role", "admin", "--name", "faults"],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def meeting(body, name):
    return {"name": name, "fellowship": "aa", "service_body_id": body, "attendance": "in_person",
            "schedule": {"days": ["monday"], "start_time": "13:00", "duration_minutes": 60,
                         "time_zone": "America/New_York"},
            "location": {"name": "Hall", "latitude": 40.7, "longitude": -74.0},
            "types": ["O"], "languages": ["en"]}


def new_body(node, token, name, others=()):
    """A new service body through `node`; returns once every node in `others` has followed it (a
    write naming it through a node that has not is refused 422 until it has)."""
    status, answer, _ = call(node.port, "POST", "/v1/service-bodies", token,
                             {"name": name, "kind": "intergroup", "parent_id": None, "fellowship": "aa",
                              "time_zone": "America/Chicago"})
    assert status == 201, (status, answer)
    for other in others:
        deadline = time.perf_counter() + 15
        while call(other.port, "GET", f"/v1/service-bodies/{answer['id']}")[0] != 200:
            assert time.perf_counter() < deadline, "a node never followed the new service body"
            time.sleep(0.05)
    return answer["id"]


def feed(copies, tag):
    kc = json.load(open(KC))
    return json.dumps([{**m, "slug": f"{tag}-{c}-{n}"} for c in range(copies) for n, m in enumerate(kc)]), copies * len(kc)


def listed(node, token, query=""):
    """Every meeting the node lists with the key: id -> slug."""
    ids, cursor = {}, ""
    for _ in range(2000):
        status, page, _ = call(node.port, "GET", f"/v1/meetings?limit=200{query}{cursor}", token)
        assert status == 200, (status, page)
        ids.update((m["id"], m["slug"]) for m in page["results"])
        if not page.get("next_cursor"):
            return ids
        cursor = f"&cursor={page['next_cursor']}"
    raise RuntimeError("too many pages")


class Writers:
    """Threads that each POST meetings until stopped; records every answer."""

    def __init__(self, node, token, body, count, label, pause=0.0):
        self.node, self.acked, self.answers, self.stop_flag = node, [], [], threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(token, body, f"{label} {w}", pause), daemon=True)
                        for w in range(count)]
        for t in self.threads:
            t.start()

    def run(self, token, body, label, pause):
        for n in range(100_000):
            if self.stop_flag.is_set():
                return
            at = time.perf_counter()
            status, answer, took = call(self.node.port, "POST", "/v1/meetings", token, meeting(body, f"{label} {n}"))
            self.answers.append((at, status, took, answer))
            if status == 201:
                self.acked.append(answer["id"])
            elif status == 0 and self.stop_flag.is_set():
                return
            time.sleep(pause)

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join()


class Readers:
    """Threads that alternate nearby searches and list pages over the given nodes; record each answer."""

    def __init__(self, nodes, count):
        self.nodes, self.answers, self.stop_flag = nodes, [], threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(r,), daemon=True) for r in range(count)]
        for t in self.threads:
            t.start()

    def run(self, r):
        n = r
        while not self.stop_flag.is_set():
            node = self.nodes[n % len(self.nodes)]
            path = NEARBY if n % 2 == 0 else "/v1/meetings?limit=50&fellowship=aa"
            at = time.perf_counter()
            status, _, took = call(node.port, "GET", path)
            self.answers.append((at, status, took))
            n += 1

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join()


def kill9(url, work, label):
    token = admin_key(url)
    node = Node(url, work)
    body = new_body(node, token, f"Killed {label}")
    import_feed, size = feed(10, "killed")
    imported = {}
    writers = Writers(node, token, body, 4, f"kill9 {label}")
    importer = threading.Thread(daemon=True, target=lambda: imported.update(answer=call(
        node.port, "POST", f"/v1/service-bodies/{body}/imports/meeting-guide", token, import_feed, timeout=120)))
    importer.start()
    time.sleep(1.0)
    node.kill9()
    writers.stop()
    importer.join()
    node.start()
    acked = set(writers.acked)
    kept = listed(node, token, f"&service_body={body}")
    imported_count = sum(1 for slug in kept.values() if slug.startswith("killed-"))
    writes_kept = acked & set(kept)
    # Stored but never acknowledged: at most the one write each writer had in flight.
    in_flight = len(kept) - imported_count - len(writes_kept)
    answered = imported.get("answer", (0,))[0]
    print(f"kill9 {label}: killed after {len(acked)} acknowledged writes, import "
          f"{'acknowledged' if answered == 200 else 'in flight'}; restarted and ready in {node.ready_after:.2f} s; "
          f"{len(writes_kept)}/{len(acked)} acknowledged writes present; "
          f"{'all' if imported_count >= size else 'none'} of the import ({size} meetings)")
    check(writes_kept == acked, f"kill9 {label}: lost {sorted(acked - set(kept))[:10]}")
    check(imported_count in (0, size), f"kill9 {label}: {imported_count} of {size} imported meetings stored")
    check(in_flight <= 4, f"kill9 {label}: {in_flight} writes stored that were never sent or answered")
    check(answered != 200 or imported_count >= size, f"kill9 {label}: an acknowledged import is missing")
    node.stop()


def pg_restart(cluster, url, work):
    token = admin_key(url)
    node = Node(url, work)
    body = new_body(node, token, "Restart")
    readers = Readers([node], 4)
    writers = Writers(node, token, body, 2, "restart", pause=0.05)
    time.sleep(3)
    stopped = time.perf_counter()
    cluster("stop")
    down = time.perf_counter()
    time.sleep(OUTAGE)
    cluster("start")
    up = time.perf_counter()
    time.sleep(8)
    readers.stop()
    writers.stop()
    # Requests whose time overlapped the outage (from the stop command to the start's return).
    during = lambda a: a[0] < up and a[0] + a[2] > stopped
    outage_reads = [a for a in readers.answers if during(a)]
    outage_writes = [a for a in writers.answers if during(a)]
    after = sorted(a[0] + a[2] for a in writers.answers if a[0] >= up and a[1] == 201)
    statuses = {}
    for a in outage_writes:
        statuses[a[1]] = statuses.get(a[1], 0) + 1
    kinds = sorted({a[3].get("type", "?").rsplit(":", 1)[-1] for a in outage_writes if a[1] == 503 and isinstance(a[3], dict)})
    refused = [a[2] for a in outage_writes if a[1] == 503]
    bad = [a for a in readers.answers + [w[:3] for w in writers.answers] if a[1] >= 500 and a[1] not in (503,)]
    print(f"restart: PostgreSQL stopped in {down - stopped:.1f} s and kept down {up - down:.1f} s (default --database-wait-ms 5000); "
          f"reads overlapping the outage: {sum(1 for a in outage_reads if a[1] == 200)}/{len(outage_reads)} answered 200, "
          f"p99 {pct([a[2] for a in outage_reads], 99) * 1000:.0f} ms; writes overlapping it: {statuses}, the 503s "
          f"({', '.join(kinds)}) after {min(refused or [0]):.2f}-{max(refused or [0]):.2f} s; first write started after the "
          f"restart acknowledged {(after[0] - up) if after else float('nan'):.2f} s after it; other 5xx: {len(bad)}")
    acked = set(writers.acked)
    kept = set(listed(node, token, f"&service_body={body}"))
    print(f"restart: {len(acked & kept)}/{len(acked)} acknowledged writes present")
    check(acked <= kept, "restart: acknowledged writes lost")
    check(not bad, f"restart: {len(bad)} answers 5xx other than 503")
    check(all(a[1] == 200 for a in outage_reads), "restart: a read failed during the outage")
    check(bool(after), "restart: no write succeeded after the database came back")
    check(set(statuses) <= {201, 503} and 503 in statuses, f"restart: writes during the outage answered {statuses}")
    node.stop()


def sqlite_writers(work):
    url = os.path.join(work, "writers.db")
    token = admin_key(url)
    nodes = [Node(url, work) for _ in range(3)]
    body = new_body(nodes[0], token, "Writers", nodes)
    started = time.perf_counter()
    pools = [Writers(n, token, body, 3, f"writers {i}") for i, n in enumerate(nodes)]
    time.sleep(5)
    for p in pools:
        p.stop()
    took = time.perf_counter() - started
    answers = [a for p in pools for a in p.answers]
    statuses = {}
    for a in answers:
        statuses[a[1]] = statuses.get(a[1], 0) + 1
    locked = sum(1 for a in answers if "locked" in json.dumps(a[3]))
    acked = {i for p in pools for i in p.acked}
    # Each process follows the others' writes: wait (bounded) until the first holds all of them.
    deadline = time.perf_counter() + 15
    while not acked <= set(listed(nodes[0], token, f"&service_body={body}")) and time.perf_counter() < deadline:
        time.sleep(0.2)
    kept = set(listed(nodes[0], token, f"&service_body={body}"))
    print(f"writers: 3 processes x 3 clients on one SQLite file for {took:.1f} s: {statuses}, "
          f"{len(acked) / took:.0f} acknowledged writes/s, 'database is locked' seen {locked} times, "
          f"{len(acked & kept)}/{len(acked)} acknowledged writes stored")
    odd = [a[3] for a in answers if a[1] not in (201, 503)][:2]
    check(set(statuses) <= {201, 503}, f"writers: answers {statuses}, such as {odd}")
    check(locked == 0, "writers: 'database is locked' reached a client")
    check(acked == kept, "writers: stored writes differ from the acknowledged ones")
    for n in nodes:
        n.stop()


def mixed(url, work, label, seconds):
    token = admin_key(url)
    nodes = [Node(url, work), Node(url, work)]
    body = new_body(nodes[0], token, f"Mixed {label}", nodes)
    import_body = new_body(nodes[0], token, f"Mixed import {label}", nodes)
    feeds = [feed(2, "mixed-a")[0], feed(2, "mixed-b")[0]]
    for n in nodes:  # warm up
        for _ in range(50):
            call(n.port, "GET", NEARBY)
    readers = Readers(nodes, 8)
    time.sleep(seconds)
    readers.stop()
    alone = [a[2] for a in readers.answers]
    alone_bad = [a for a in readers.answers if a[1] != 200]
    readers = Readers(nodes, 8)
    writers = [Writers(n, token, body, 1, f"mixed {label} {i}", pause=0.02) for i, n in enumerate(nodes)]
    imports, stop = [], threading.Event()

    def importer():
        i = 0
        while not stop.is_set():
            status, _, took = call(nodes[i % 2].port, "POST", f"/v1/service-bodies/{import_body}/imports/meeting-guide",
                                   token, feeds[i % 2], timeout=120)
            imports.append((status, took))
            i += 1

    t = threading.Thread(target=importer, daemon=True)
    t.start()
    time.sleep(seconds)
    stop.set()
    t.join()
    for w in writers:
        w.stop()
    readers.stop()
    loaded = [a[2] for a in readers.answers]
    fivexx = [a for a in readers.answers if a[1] >= 500] + [a for w in writers for a in w.answers if a[1] >= 500] \
        + [a for a in imports if a[0] >= 500]
    acked = {i for w in writers for i in w.acked}
    caught_up = []
    for n in nodes:
        deadline = time.perf_counter() + 30
        while not acked <= set(listed(n, token, f"&service_body={body}")) and time.perf_counter() < deadline:
            time.sleep(0.2)
        caught_up.append(acked <= set(listed(n, token, f"&service_body={body}")))
    ratio = pct(loaded, 99) / pct(alone, 99)
    print(f"mixed {label}: reads alone {len(alone)} in {seconds} s, p50 {pct(alone, 50) * 1000:.1f} ms, "
          f"p99 {pct(alone, 99) * 1000:.1f} ms; with {len(acked)} writes and {len(imports)} imports "
          f"({sum(1 for s, _ in imports if s == 200)} answered 200): {len(loaded)} reads, "
          f"p50 {pct(loaded, 50) * 1000:.1f} ms, p99 {pct(loaded, 99) * 1000:.1f} ms ({ratio:.2f}x the read-only p99); "
          f"5xx: {len(fivexx)}; acknowledged writes on every node: {all(caught_up)}")
    check(not fivexx and not alone_bad, f"mixed {label}: {len(fivexx)} answers 5xx, {len(alone_bad)} failed reads alone")
    check(all(caught_up), f"mixed {label}: a node is missing acknowledged writes")
    for n in nodes:
        n.stop()


def kill_nodes():
    for proc in Node.running:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main():
    atexit.register(kill_nodes)
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--postgres-url", help="a database on the shared server (killing nodes, not the server)")
    ap.add_argument("--cluster-url", help="a database on the throwaway cluster that faults.sh restarts")
    ap.add_argument("--cluster-ctl", help="command that takes 'stop' or 'start' for the throwaway cluster")
    ap.add_argument("--seconds", type=float, default=10, help="length of each phase of the mixed load")
    ap.add_argument("parts", nargs="*", default=["kill9", "restart", "writers", "mixed"])
    a = ap.parse_args()

    def cluster(action):
        subprocess.run([*a.cluster_ctl.split(), action], check=True, capture_output=True)

    if "kill9" in a.parts:
        kill9(os.path.join(a.work, "kill9.db"), a.work, "sqlite")
        if a.postgres_url:
            kill9(a.postgres_url, a.work, "postgres")
    if "restart" in a.parts and a.cluster_url:
        pg_restart(cluster, a.cluster_url, a.work)
    if "writers" in a.parts:
        sqlite_writers(a.work)
    if "mixed" in a.parts:
        mixed(os.path.join(a.work, "mixed.db"), a.work, "sqlite", a.seconds)
        if a.postgres_url:
            mixed(a.postgres_url.replace("faults_kill", "faults_mixed"), a.work, "postgres", a.seconds)
    if FAILURES:
        sys.exit(f"{len(FAILURES)} failures: {FAILURES}")
    print("faults: every check held")


if __name__ == "__main__":
    main()
