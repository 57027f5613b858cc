#!/usr/bin/python3
"""Does POST /v1/system/backup stall the event loop? Fills a daemon's journal with N calls (voice
webhooks over keep-alive), then polls GET /healthz back to back while a backup runs, and prints
the backup's duration and the /healthz latencies seen meanwhile (docs/operations.md, "Backup").

  /usr/bin/python3 bench/ops/backup_stall.py [--calls 20000] [--rounds 3]
  CALLROUTERD=/path/to/other/callrouterd /usr/bin/python3 bench/ops/backup_stall.py   # compare builds
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "integration"))
from harness import Daemon, voice_calls  # noqa: E402


def backup_while_polling(d, target):
    """Returns (backup seconds, status, [healthz latencies in s] sent while the backup ran)."""
    result = {}

    def run_backup():
        t0 = time.perf_counter()
        result["status"] = d.api("POST", "/v1/system/backup", d.system_key, {"dir": target})[0]
        result["seconds"] = time.perf_counter() - t0

    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=30)
    backup = threading.Thread(target=run_backup)
    latencies = []
    backup.start()
    while backup.is_alive():
        t0 = time.perf_counter()
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        latencies.append(time.perf_counter() - t0)
    backup.join()
    conn.close()
    return result["seconds"], result["status"], latencies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    d = Daemon().start()
    try:
        t0 = time.perf_counter()
        voice_calls(d, 1_000_000, args.calls)
        fill_s = time.perf_counter() - t0
        rounds = []
        for r in range(args.rounds):
            if r > 0:
                voice_calls(d, 2_000_000 + r * args.calls, args.calls // 4)  # memtables hold something again
            seconds, status, lat = backup_while_polling(d, os.path.join(d.dir, "backup-%d" % r))
            lat.sort()
            rounds.append({"backup_ms": round(seconds * 1000, 1), "status": status, "healthz_answered": len(lat),
                           "healthz_p50_ms": round(lat[len(lat) // 2] * 1000, 2) if lat else None,
                           "healthz_max_ms": round(lat[-1] * 1000, 2) if lat else None})
        print(json.dumps({"daemon": os.environ.get("CALLROUTERD", "build/callrouterd"), "calls": args.calls,
                          "fill_s": round(fill_s, 1), "rounds": rounds}, indent=1))
    finally:
        d.close()


if __name__ == "__main__":
    main()
