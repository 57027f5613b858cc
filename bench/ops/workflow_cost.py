#!/usr/bin/python3
"""What workflows cost the call path, and how fast the outbox delivers (docs/performance.md,
"Workflows"). Three runs, a fresh daemon (fsync) each, the same new-call voice webhooks
(pre-signed, several keep-alive connections):

  none       no workflow rules
  journaled  3 rules match every call, each to its own endpoint, delay_s 3600: every webhook
             journals 3 outbox deliveries in its event's batch, none is sent during the run
  delivered  the same 3 rules with delay_s 0, to 3 local receivers: the deliveries are sent
             while the webhooks come in

For each: webhooks/s, webhook latency p50/p99, daemon CPU per webhook (utime+stime of all its
threads); for `delivered` also deliveries/s until every one arrived.

  /usr/bin/python3 bench/ops/workflow_cost.py [--calls 6000] [--connections 4]
"""
import argparse
import asyncio
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "integration"))
from harness import DEMO_TOKEN, Daemon, call_sid, voice_params  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class FastReceiver:
    """A minimal HTTP/1.1 endpoint on asyncio in its own thread: answers 204 to each request and
    counts them (the daemon opens a connection per delivery)."""

    def __init__(self):
        self.count = 0
        self.first = self.last = None
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def handle(reader, writer):
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    await reader.readexactly(length)
                    now = time.perf_counter()
                    self.count += 1
                    self.first = self.first or now
                    self.last = now
                    writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()

        def run():
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096))
            self.port = self.server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait()

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def presigned(d, first, count):
    validator = RequestValidator(DEMO_TOKEN)
    out = []
    for n in range(first, first + count):
        params = voice_params(call_sid(n))
        out.append((urllib.parse.urlencode(params), validator.compute_signature(d.base + "/twilio/voice", params)))
    return out


def send_all(d, requests, connections):
    latencies = []
    lock = threading.Lock()

    def worker(part):
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=30)
        mine = []
        for body, signature in part:
            t0 = time.perf_counter()
            conn.request("POST", "/twilio/voice", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - t0)
            assert resp.status == 200, resp.status
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(requests[i::connections],)) for i in range(connections)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, sorted(latencies)


def run(mode, calls, connections):
    receivers = [FastReceiver() for _ in range(3)] if mode != "none" else []
    d = Daemon(extra_config={"workflows": {"allow_private_networks": True, "endpoint_concurrency": 16,
                                           "endpoint_rate_per_s": 100000}})
    try:
        d.start()
        for i, r in enumerate(receivers):
            status, body = d.api("POST", "/v1/workflows", d.demo_admin_key, {
                "id": "crm%d" % i, "trigger": "incoming_call_ring", "delay_s": 3600 if mode == "journaled" else 0,
                "action": {"url": "http://127.0.0.1:%d/hooks" % r.port, "secret": SECRET}})
            assert status == 201, body
        send_all(d, presigned(d, 9_000_000, 300), connections)  # warm-up
        requests = presigned(d, 1_000_000, calls)
        cpu0 = cpu_seconds(d.proc.pid)
        seconds, lat = send_all(d, requests, connections)
        expected = (calls + 300) * len(receivers) if mode == "delivered" else 0
        deadline = time.time() + 120
        while mode == "delivered" and sum(r.count for r in receivers) < expected and time.time() < deadline:
            time.sleep(0.01)
        cpu = cpu_seconds(d.proc.pid) - cpu0
        result = {"mode": mode, "webhooks": calls, "webhooks_per_s": round(calls / seconds),
                  "p50_us": round(lat[len(lat) // 2] * 1e6), "p99_us": round(lat[int(len(lat) * 0.99)] * 1e6),
                  "cpu_us_per_webhook": round(cpu / calls * 1e6), "load_avg": os.getloadavg()[0]}
        if mode == "delivered":
            got = sum(r.count for r in receivers)
            first = min(r.first for r in receivers if r.first)
            last = max(r.last for r in receivers if r.last)
            result.update({"deliveries": got, "deliveries_expected": expected,
                           "deliveries_per_s": round(got / (last - first)) if last > first else None})
        return result
    finally:
        d.close()
        for r in receivers:
            r.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=6000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    results = []
    for _ in range(args.rounds):
        for mode in ("none", "journaled", "delivered"):
            results.append(run(mode, args.calls, args.connections))
            print(json.dumps(results[-1]), flush=True)


if __name__ == "__main__":
    main()
