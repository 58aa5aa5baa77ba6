"""The chaos workers' own process. Python runs one thread of code at a time: were the
attackers in the process of the healthy clients and the observer, a busy moment of theirs
would delay the checkers' reading, and the server would be blamed for answering late. So they
run apart: `python3 -m chaos.attacker SPEC` (SPEC: JSON with ports, seed, workers, the
healthy clients' nicknames and rooms), until SIGTERM or SIGINT (or the end of its stdin);
then every worker's connections are closed and the figures are printed as one JSON line on
stdout.
"""

import asyncio
import json
import random
import signal
import sys
import threading

from . import attacks


def source(n):
    """The workers' loopback addresses, 127.1.N.1: about three workers share one, so that
    reconnect storms and nick races meet --max-per-address now and then."""
    return f"127.1.{n % 64}.1"


async def attack(spec):
    stats = attacks.Stats()
    ports = {k: int(v) for k, v in spec["ports"].items()}
    workers = [attacks.Worker(n, random.Random(f"{spec['seed']}/{n}"), ports, stats,
                              spec["healthy_nicks"], spec["healthy_rooms"], source(n))
               for n in range(spec["workers"])]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # Our parent holds our stdin: its end (the parent gone, however) is a stop too.
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stop.set)),
                     daemon=True).start()
    tasks = [asyncio.create_task(w.run()) for w in workers]
    print("ready", flush=True)
    await stop.wait()
    for w in workers:
        w.stopped = True
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for w in workers:
        w.end_all()
    await asyncio.sleep(0.1)  # lets the transports' closes reach the kernel
    return {"connections": stats.connections, "connect_failures": stats.connect_failures,
            "episodes": dict(sorted(stats.episodes.items())),
            "episodes_cut_short": stats.dropped, "bytes_sent": stats.bytes_sent,
            "client_errors": stats.client_errors}


def main():
    spec = json.loads(sys.argv[1])
    print(json.dumps(asyncio.run(attack(spec))), flush=True)


if __name__ == "__main__":
    main()
