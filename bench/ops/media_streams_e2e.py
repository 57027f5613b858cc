#!/usr/bin/python3
"""Media Streams end to end (docs/media.md, "Cost"): N real WebSocket streams into a real
daemon, each sending a 20 ms frame on both tracks every 20 ms (100 messages/s), while a thread
sends new-call voice webhooks at a steady rate over one keep-alive connection. Measures the
daemon's CPU (utime+stime) during the streaming window, per stream, and webhook latency p50/p99
with and without the streams. The client is Python: it, not the daemon, limits N here.

  /usr/bin/python3 bench/ops/media_streams_e2e.py [--streams 200] [--seconds 10] [--webhooks-per-s 100]
"""
import argparse
import asyncio
import base64
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "integration"))
from harness import DEMO_TOKEN, Daemon, call_sid, rss_kib, voice_params  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402
import websockets  # noqa: E402


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


class Webhooks(threading.Thread):
    """New calls at a constant rate; latencies in ms."""

    def __init__(self, d, first, rate, seconds):
        super().__init__()
        self.d, self.first, self.rate, self.seconds = d, first, rate, seconds
        self.latencies = []

    def run(self):
        validator = RequestValidator(DEMO_TOKEN)
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=10)
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < self.seconds:
            due = start + n / self.rate
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            params = voice_params(call_sid(self.first + n))
            sig = validator.compute_signature(self.d.base + "/twilio/voice", params)
            t0 = time.perf_counter()
            conn.request("POST", "/twilio/voice", body=urllib.parse.urlencode(params), headers={
                "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig})
            conn.getresponse().read()
            self.latencies.append((time.perf_counter() - t0) * 1000)
            n += 1


def frames(count):
    rng = random.Random(7)
    out = []
    for i in range(count):
        pair = []
        for track in (0, 1):
            talk = (i // 50) % 2 == track
            audio = bytes(rng.randrange(256) if talk else 0xFF for _ in range(160))
            pair.append((("inbound", "outbound")[track], base64.b64encode(audio).decode()))
        out.append(pair)
    return out


async def stream_all(d, sids, seconds, measured):
    url = "ws://127.0.0.1:%d/twilio/media" % d.port
    sig = RequestValidator(DEMO_TOKEN).compute_signature(url, {})
    conns = []
    rss_before = rss_kib(d.proc.pid)
    for n, sid in enumerate(sids):
        ws = await websockets.connect(url, extra_headers={"X-Twilio-Signature": sig})
        await ws.send(json.dumps({"event": "start", "sequenceNumber": "1", "streamSid": "MZ%d" % n, "start": {
            "accountSid": "AC0123456789abcdef0123456789abcdef", "callSid": sid, "streamSid": "MZ%d" % n,
            "tracks": ["inbound", "outbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"org": "demo", "call": sid}}}))
        conns.append(ws)
    audio = frames(seconds * 50)
    await asyncio.sleep(0.5)
    measured["rss_kib_per_stream_open"] = round((rss_kib(d.proc.pid) - rss_before) / len(sids), 1)
    sent = 0
    cpu0, t0 = cpu_seconds(d.proc.pid), time.perf_counter()
    late_ticks = 0
    for i, pair in enumerate(audio):
        due = t0 + i * 0.02
        now = time.perf_counter()
        if due > now:
            await asyncio.sleep(due - now)
        else:
            late_ticks += 1
        for n, ws in enumerate(conns):
            for track, payload in pair:
                await ws.send('{"event":"media","sequenceNumber":"%d","streamSid":"MZ%d","media":{"track":"%s",'
                              '"chunk":"%d","timestamp":"%d","payload":"%s"}}' % (i, n, track, i + 1, i * 20, payload))
                sent += 1
    elapsed = time.perf_counter() - t0
    measured["rss_kib_per_stream_streaming"] = round((rss_kib(d.proc.pid) - rss_before) / len(sids), 1)
    measured.update(cpu=cpu_seconds(d.proc.pid) - cpu0, elapsed=elapsed, sent=sent, late_ticks=late_ticks)
    for n, (ws, sid) in enumerate(zip(conns, sids)):
        await ws.send(json.dumps({"event": "stop", "sequenceNumber": "999999", "streamSid": "MZ%d" % n,
                                  "stop": {"accountSid": "AC0123456789abcdef0123456789abcdef", "callSid": sid}}))
    for ws in conns:
        await ws.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--webhooks-per-s", type=int, default=100)
    args = ap.parse_args()
    d = Daemon(extra_config={"log": {"level": "warn"}}).start()
    try:
        admin = d.demo_admin_key
        d.api("PUT", "/v1/flows/heard/draft", admin, {"analyze_audio": True, "start": "hi", "states": [
            {"id": "hi", "type": "say", "say": {"text": "hello"}, "next": "bye"}, {"id": "bye", "type": "hangup"}]})
        d.api("POST", "/v1/flows/heard/publish", admin)
        d.api("PUT", "/v1/numbers/%2B815012345678/flow", admin, {"flow_id": "heard"})

        quiet = Webhooks(d, 10_000_000, args.webhooks_per_s, args.seconds)
        cpu0 = cpu_seconds(d.proc.pid)
        quiet.start()
        quiet.join()
        quiet_cpu = cpu_seconds(d.proc.pid) - cpu0

        sids = [call_sid(1 + n) for n in range(args.streams)]
        for sid in sids:
            d.signed_form("/twilio/voice", voice_params(sid))
        busy = Webhooks(d, 20_000_000, args.webhooks_per_s, args.seconds)
        measured = {}
        busy.start()
        asyncio.run(stream_all(d, sids, args.seconds, measured))
        busy.join()
        time.sleep(1)
        status, call = d.api("GET", "/v1/calls/" + sids[0], admin)
        webhook_cpu = quiet_cpu / args.seconds
        media_cpu_share = measured["cpu"] / measured["elapsed"] - webhook_cpu
        result = {
            "streams": args.streams, "seconds": args.seconds, "messages_sent": measured["sent"],
            "messages_per_s": round(measured["sent"] / measured["elapsed"]),
            "client_late_ticks": measured["late_ticks"],
            "rss_kib_per_stream_open": measured["rss_kib_per_stream_open"],
            "rss_kib_per_stream_streaming": measured["rss_kib_per_stream_streaming"],
            "daemon_cpu_share_with_streams": round(measured["cpu"] / measured["elapsed"], 4),
            "daemon_cpu_share_webhooks_only": round(webhook_cpu, 4),
            "cpu_us_per_stream_second": round(media_cpu_share / args.streams * 1e6, 1),
            "projected_core_share_1000_streams": round(media_cpu_share / args.streams * 1000, 3),
            "webhook_ms_p50_p99_without": [round(percentile(quiet.latencies, 0.5), 3), round(percentile(quiet.latencies, 0.99), 3)],
            "webhook_ms_p50_p99_with": [round(percentile(busy.latencies, 0.5), 3), round(percentile(busy.latencies, 0.99), 3)],
            "figures_of_stream_0": call.get("audio") if status == 200 else None,
        }
        print(json.dumps(result, indent=1))
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "results", "media-e2e.json"), "w") as f:
            json.dump(result, f, indent=1)
    finally:
        d.close()


if __name__ == "__main__":
    main()
