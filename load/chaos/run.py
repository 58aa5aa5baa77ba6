"""A chaos run, start to end:

1. the server starts (server_process), the observer and the healthy clients connect, and each
   healthy client joins its room (#hc0 ...);
2. for the duration, the chaos workers (attacks) run their episodes while the healthy clients
   say tagged messages (about two a second each, under any --rate) and the observer times its
   probes; with --csv, the server's RSS and the kernel's TCP memory are sampled as well;
3. the workers stop and close all their connections; the healthy clients wait (up to a
   deadline) for every message sent to their room;
4. a quiet moment: the metrics must show only the healthy clients and the observer connected,
   /who of each healthy room must be exactly its healthy members, /rooms must agree;
5. everyone leaves: no connection, nickname, membership, room but #lobby or queued byte may
   be left (read from /metrics);
6. the server is stopped with SIGTERM and must exit 0 without a sanitizer report.

Any failed check is an invariant violation; the exit status is 1 when there is any.
"""

import argparse
import asyncio
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import healthy, observer, sampling
from .checker import Tally
from .server_process import ServerFailed, ServerProcess

DRAIN_DEADLINE = 15.0   # for every sent message to arrive, once the chaos stops
SETTLE_DEADLINE = 20.0  # for the server to notice every chaos connection closed


def parse_args(argv):
    p = argparse.ArgumentParser(prog="parley-chaos", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", required=True, help="the parley-server binary to start")
    p.add_argument("--duration", type=float, default=60.0, help="seconds of chaos (60)")
    p.add_argument("--seed", type=int, default=1, help="the random seed (1)")
    p.add_argument("--workers", type=int, default=200,
                   help="chaos workers, each one episode (one or more connections) at a time")
    p.add_argument("--healthy", type=int, default=4,
                   help="healthy clients per protocol and transport (4: 24 in all)")
    p.add_argument("--rooms", type=int, default=4, help="rooms the healthy clients share (4)")
    p.add_argument("--deadline", type=float, default=2.0,
                   help="seconds the observer waits for an answer (2)")
    p.add_argument("--csv", help="sample RSS and TCP memory into this CSV file")
    p.add_argument("--sample-every", type=float, default=5.0, help="seconds between samples")
    p.add_argument("--json", help="write the summary as JSON to this file too")
    p.add_argument("--server-arg", action="append", default=[],
                   help="one more argument for the server (repeatable)")
    return p.parse_args(argv)


def source(a, b):
    """A loopback source address: 127.a.b.1 (each counts apart for --max-per-address)."""
    return f"127.{a}.{b}.1"


async def wait_until(pred, deadline, every=0.1):
    """Polls the async `pred` until it is true or `deadline` seconds pass; its last value."""
    end = time.monotonic() + deadline
    while True:
        value = await pred()
        if value or time.monotonic() > end:
            return value
        await asyncio.sleep(every)


async def start_attacker(args, ports, clients, rooms):
    """The chaos workers' process (attacker.py), once it says it is ready."""
    spec = {"ports": ports, "seed": args.seed, "workers": args.workers,
            "healthy_nicks": [c.nick for c in clients], "healthy_rooms": rooms}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-B", "-m", "chaos.attacker", json.dumps(spec), stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, cwd=str(Path(__file__).resolve().parents[1]))
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    if line.strip() != b"ready":
        raise ConnectionError(f"the chaos workers did not start: {line!r}")
    return proc


async def stop_attacker(proc):
    """Stops the workers (SIGTERM: they close everything) and returns their figures."""
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        return json.loads(out.decode().strip().splitlines()[-1])
    except (asyncio.TimeoutError, ValueError, IndexError) as e:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        return {"client_errors": [f"the chaos workers' figures were lost: {e!r}"]}


async def chaos_run(args, server, violations, summary):
    ports = server.ports
    rooms = [f"#hc{i}" for i in range(args.rooms)]
    obs = observer.Observer(ports, violations, args.deadline, rooms[0])
    await obs.start(source(3, 0))

    # Each room gets one of every kind in turn, so that every room mixes protocols and
    # transports (with the defaults, exactly one of each).
    clients = []
    for i in range(args.healthy * len(healthy.KINDS)):
        kind = healthy.KINDS[i % len(healthy.KINDS)]
        room = rooms[(i // len(healthy.KINDS)) % len(rooms)]
        clients.append(healthy.Healthy(i, kind, room, ports, violations, source(2, i)))
    await asyncio.gather(*(c.start() for c in clients))

    attacker = await start_attacker(args, ports, clients, rooms)
    stop = asyncio.Event()
    probe = asyncio.create_task(obs.run(stop))
    sampler = None
    if args.csv:
        sampler = asyncio.create_task(
            sampling.sample_into(args.csv, server.proc.pid, ports["metrics"], args.sample_every,
                                 stop))
    talk_rng = random.Random(f"{args.seed}/healthy")
    started = time.monotonic()
    while time.monotonic() - started < args.duration:
        for c in clients:
            if talk_rng.random() < 0.5:
                c.say_next()
        if not server.alive():
            violations.append("the server exited during the run:\n" + server.tail())
            break
        await asyncio.sleep(0.25)
    chaos_seconds = time.monotonic() - started

    # 3. The chaos stops: every worker's connections are closed (reset or FIN, at random).
    stop.set()
    stats = await stop_attacker(attacker)
    await probe
    if sampler:
        await sampler
    sent_by_room = {}
    for c in clients:
        sent_by_room.setdefault(c.room, {})[c.id] = c.sent

    def expected(c):
        """What `c` must get: its room's messages, its own too on WebSocket (the echo)."""
        return {k: n for k, n in sent_by_room[c.room].items() if k != c.id or c.proto == "ws"}

    async def all_arrived():
        return all(c.checker.missing(expected(c)) == 0 for c in clients)
    await wait_until(all_arrived, DRAIN_DEADLINE)
    tally = Tally()
    for c in clients:
        t = c.checker.finish(expected(c))
        if not t.clean():
            violations.append(f"healthy {c.nick} ({c.kind}) in {c.room}: lost {t.lost}, "
                              f"duplicated {t.duplicated}, out of order {t.out_of_order}, "
                              f"unexpected {t.unexpected}")
        tally.add(t)

    # 4. The quiet moment: only the healthy clients and the observer's two connections.
    want = len(clients) + 2

    async def settled():
        m = await observer.scrape(ports["metrics"], 5.0)
        return m if m.get("parley_connections") == want else None
    m = await wait_until(settled, SETTLE_DEADLINE, 0.5)
    if not m:
        m = await observer.scrape(ports["metrics"], 5.0)
        violations.append(f"quiet moment: parley_connections is {m.get('parley_connections')}, "
                          f"not {want} (the healthy clients and the observer)")
    listed = await obs.rooms()
    for room in rooms:
        members = {c.nick for c in clients if c.room == room}
        who = await obs.who(room)
        if who != members:
            violations.append(f"/who {room} lists {sorted(who or [])}, "
                              f"not {sorted(members)}")
        if listed.get(room) != len(members):
            violations.append(f"/rooms says {room} has {listed.get(room)} members, "
                              f"not {len(members)}")
    extra = set(listed) - set(rooms) - {"#lobby"}
    if extra:
        violations.append(f"/rooms lists rooms nobody is in: {sorted(extra)}")
    # The observer's plain connection is in #lobby; the WebSocket clients parted it.
    lobby = 1 + sum(1 for c in clients if c.proto == "plain" and c.room == "#lobby")
    if listed.get("#lobby") != lobby:
        violations.append(f"/rooms says #lobby has {listed.get('#lobby')} members, not {lobby}")

    # 5. Everybody leaves: nothing may be left.
    await asyncio.gather(*(c.quit() for c in clients))
    await obs.quit()
    end_state = {"parley_connections": 0, "parley_nicknames": 0, "parley_room_members": 0,
                 "parley_rooms": 1, "parley_outbox_bytes": 0,
                 "parley_http_connections": 1}  # the scrape's own

    async def empty():
        m = await observer.scrape(ports["metrics"], 5.0)
        return m if all(m.get(k) == v for k, v in end_state.items()) else None
    m = await wait_until(empty, SETTLE_DEADLINE, 0.5)
    if not m:
        m = await observer.scrape(ports["metrics"], 5.0)
        for k, v in end_state.items():
            if m.get(k) != v:
                violations.append(f"after everyone left: {k} is {m.get(k)}, not {v}")

    # The server's own account of the run, by label, non-zero counters only.
    counted = await observer.scrape(ports["metrics"], 5.0, labelled=True)
    families = ("parley_connections_accepted_total", "parley_connections_refused_total",
                "parley_disconnects_total", "parley_evictions_total")
    server_figures = {k: int(v) for k, v in sorted(counted.items())
                      if v and k.partition("{")[0] in families}
    summary.update({
        "seed": args.seed, "seconds": round(chaos_seconds, 1), "workers": args.workers,
        "healthy": len(clients),
        "connections": stats.get("connections", 0) + len(clients) + 2,
        "chaos_connections": stats.get("connections"),
        "connect_failures": stats.get("connect_failures"),
        "episodes": stats.get("episodes"), "episodes_cut_short": stats.get("episodes_cut_short"),
        "chaos_bytes_sent": stats.get("bytes_sent"),
        "healthy_messages_sent": sum(c.sent for c in clients),
        "messages_checked": tally.checked, "lost": tally.lost, "duplicated": tally.duplicated,
        "out_of_order": tally.out_of_order, "unexpected": tally.unexpected,
        "probes": obs.probes, "slowest_probe_s": round(obs.slowest, 3),
        "refused_lines": int(m.get("parley_refused_lines_total", 0)),
        "server": server_figures,
        "client_errors": stats.get("client_errors", []),
    })


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    # SIGTERM (a CI timeout) as Ctrl-C: the server is still stopped and checked on the way out.
    signal.signal(signal.SIGTERM, _interrupted)
    server = ServerProcess(args.server, args.server_arg)
    violations, summary = [], {}
    try:
        server.start()
    except ServerFailed as e:
        print(f"parley-chaos: {e}", file=sys.stderr)
        return 1
    try:
        asyncio.run(asyncio.wait_for(chaos_run(args, server, violations, summary),
                                     args.duration + 180))
    except (asyncio.TimeoutError, ConnectionError, OSError, KeyboardInterrupt) as e:
        violations.append(f"the run could not finish: {e!r}")
    finally:
        violations.extend(server.stop())
    summary["violations"] = violations
    print(json.dumps({k: v for k, v in summary.items() if k != "violations"}, indent=1))
    for v in violations:
        print(f"VIOLATION: {v}")
    for e in summary.get("client_errors", []):
        print(f"chaos client error (not the server's): {e}")
    print(f"chaos: seed {args.seed}, {summary.get('seconds', 0)} s, "
          f"{summary.get('connections', 0)} connections, "
          f"{summary.get('messages_checked', 0)} messages checked, "
          f"lost {summary.get('lost', '?')}, duplicated {summary.get('duplicated', '?')}, "
          f"out of order {summary.get('out_of_order', '?')}, "
          f"slowest answer {summary.get('slowest_probe_s', '?')} s, "
          f"{len(violations)} invariant violations: {'FAIL' if violations else 'PASS'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
    if violations:
        print(f"the server's log and data are kept in {server.dir}")
        return 1
    server.remove()
    return 0
