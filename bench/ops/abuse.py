#!/usr/bin/python3
"""Issue 19, "How it must be shown": the abuse attacks 1-3 and 9 against the real daemon, with the
daemon's memory and the provider's webhook latency measured during each (docs/performance.md,
"Abuse"). For each attack: a fresh daemon (harness.Daemon: demo org, temp data dir, loopback
port, fsync), then

  baseline   signed voice + status webhooks at a steady rate (half over one keep-alive
             connection, half on a new connection each, as a provider that does not reuse
             connections would send them), daemon RSS (VmRSS) sampled every 100 ms;
  attack     the same load while an attacker (its own process, so it does not take the load's
             GIL) runs for a fixed time; the attacker reports what it got;
  after      RSS again once the attack has stopped and a moment has passed.

Attacks:
  0   no attack         the control: the load alone for the attack's time
  1   ping-flood        an agent stream sending {"type":"ping"} as fast as it can, never reading;
                        reconnects each time it is closed (2 at once)
  2   stream-flood      one agent key opening streams until the time is up (8 threads x 50 in
                        flight), keeping every stream it gets
  3   not-utf8          signed webhooks with non-UTF-8 form values in a loop, an agent connected,
                        GET /v1/calls/{sid}, /v1/calls and /v1/events polled: all valid UTF-8/JSON
  9   idle-connections  http.max_connections 64, idle TCP connections opened at
                        --idle-connect-rate per second, up to 1,000 held
  9s  idle-streams      http.max_connections 64, 12 agents x 5 idle streams (the WebSockets'
                        three quarters of the connections), more upgrades tried meanwhile

Exits 1 if a bound is broken: RSS more than --max-growth-mb over the baseline, any load webhook
not answered 200 with valid UTF-8, invalid UTF-8 or JSON seen by the attack-3 checks, or the
daemon not alive afterwards. A benchmark, not a test (minutes long, timing-bound).

  CALLROUTERD=/path/to/callrouterd /usr/bin/python3 bench/ops/abuse.py [--attacks 0,1,2,3,9,9s]
      [--baseline-s 10] [--attack-s 30] [--rate 50] [--daemon-cpu 1 --client-cpu 0]
      [--out bench/results/abuse.json]
"""
import argparse
import asyncio
import base64
import collections
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import select
import socket
import statistics
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "integration"))
from harness import DEMO_ACCOUNT, DEMO_NUMBER, DEMO_TOKEN, Daemon, call_sid, rss_kib, status_params, voice_params  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402
import websockets  # noqa: E402
import websockets.exceptions  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "results", "abuse.json")


def cpu_seconds(pid):
    """utime + stime of all the process's threads."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def signature_over_bytes(base, path, params):
    """As Twilio signs (URL + each name and value, sorted by name), over raw bytes: the twilio
    package cannot sign values that are not text."""
    data = (base + path).encode()
    for name in sorted(params):
        data += name.encode() + params[name]
    return base64.b64encode(hmac.new(DEMO_TOKEN.encode(), data, hashlib.sha1).digest()).decode()


def open_stream(port, key, rcvbuf=None, timeout=10):
    """The agent stream's WebSocket handshake over a raw socket: (socket, status code or the
    name of what went wrong)."""
    s = socket.socket()
    s.settimeout(timeout)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(upgrade_request(key))
        return s, read_status(s)
    except OSError as e:
        s.close()
        return None, type(e).__name__


def upgrade_request(key):
    nonce = base64.b64encode(os.urandom(16)).decode()
    return ("GET /v1/agents/stream?key=%s HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (key, nonce)).encode()


def read_status(s):
    """Reads a response head a byte at a time (so no frame after it is consumed): its status code,
    or "eof"."""
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            return "eof" if not head else "eof mid-head"
        head += chunk
    parts = head.split(b"\r\n")[0].split()
    return parts[1].decode() if len(parts) > 1 else "bad status line"


def close_code_in(data):
    """The close frame's code among server frames (unmasked), or None if there is none."""
    i = 0
    while i + 2 <= len(data):
        opcode, length = data[i] & 0x0F, data[i + 1] & 0x7F
        i += 2
        if length == 126:
            length = int.from_bytes(data[i:i + 2], "big")
            i += 2
        elif length == 127:
            length = int.from_bytes(data[i:i + 8], "big")
            i += 8
        if opcode == 0x8:
            return int.from_bytes(data[i:i + 2], "big") if length >= 2 else 1005
        i += length
    return None


# --- the provider's webhooks, measured --------------------------------------------------------

class WebhookLoad(threading.Thread):
    """New calls at a constant rate, each a voice webhook and then its terminal status callback.
    `fresh`: a new TCP connection per webhook; else one keep-alive connection (reopened if it
    fails). Latency in ms from sending to the whole answer, of the webhooks answered 200 (a 503
    comes back fast and would flatter the figures); late = sent > 50 ms after its time."""

    def __init__(self, port, first_sid, rate, seconds, fresh):
        super().__init__(daemon=True)
        self.port, self.first_sid, self.rate, self.seconds, self.fresh = port, first_sid, rate, seconds, fresh
        self.base = "http://127.0.0.1:%d" % port
        self.sent = 0
        self.latencies = []
        self.errors = collections.Counter()
        self.late = 0

    def run(self):
        validator = RequestValidator(DEMO_TOKEN)
        conn = None
        start = time.perf_counter()
        n = 0
        while True:
            due = start + n / self.rate
            if due - start >= self.seconds and n % 2 == 0:
                break  # only after a call's status: a call left ringing would keep its agent busy
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            elif now - due > 0.05:
                self.late += 1
            sid = call_sid(self.first_sid + n // 2)
            if n % 2 == 0:
                path, params = "/twilio/voice", voice_params(sid)
            else:
                path, params = "/twilio/status", status_params(sid, "completed", 1, CallDuration="1")
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "X-Twilio-Signature": validator.compute_signature(self.base + path, params)}
            t0 = time.perf_counter()
            self.sent += 1
            try:
                if conn is None or self.fresh:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("POST", path, body=urllib.parse.urlencode(params), headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                if resp.status != 200:
                    self.errors["%d%s" % (resp.status, " Retry-After" if resp.getheader("Retry-After") else "")] += 1
                else:
                    body.decode("utf-8")
                    self.latencies.append((time.perf_counter() - t0) * 1000)
                if self.fresh or resp.will_close:
                    conn.close()
                    conn = None
            except UnicodeDecodeError:
                self.errors["invalid UTF-8 answer"] += 1
            except (OSError, http.client.HTTPException) as e:
                self.errors[type(e).__name__] += 1
                if conn is not None:
                    conn.close()
                conn = None
            n += 1
        if conn is not None:
            conn.close()


class RssSampler(threading.Thread):
    """The daemon's VmRSS every `period` seconds, for the whole run."""

    def __init__(self, pid, period=0.1):
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.samples = []  # (monotonic s, KiB)
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            try:
                self.samples.append((time.monotonic(), rss_kib(self.pid)))
            except OSError:
                return
            self.stopped.wait(self.period)

    def between(self, t0, t1):
        return [kib for t, kib in self.samples if t0 <= t <= t1]

    def trace_mb(self, t0, t1, step=1.0):
        """The highest sample in each `step` seconds from t0 to t1, in MB: the shape of growth."""
        trace, t = [], t0
        while t < t1:
            window = self.between(t, t + step)
            if window:
                trace.append(round(max(window) / 1024, 1))
            t += step
        return trace


def load_figures(loads):
    lat = [x for load in loads for x in load.latencies]
    errors = collections.Counter()
    for load in loads:
        errors.update(load.errors)
    figures = {"webhooks": sum(load.sent for load in loads), "p50_ms": round(percentile(lat, 0.5), 2), "p99_ms": round(percentile(lat, 0.99), 2),
               "max_ms": round(max(lat), 1) if lat else None, "errors": sum(errors.values()),
               "error_kinds": dict(errors), "late_sends": sum(load.late for load in loads)}
    for mode in ("kept", "fresh"):  # --rate 0 runs no load at all
        figures["errors_" + mode], figures["p50_p99_ms_" + mode] = 0, [float("nan")] * 2
    for load in loads:
        mode = "fresh" if load.fresh else "kept"
        figures["errors_" + mode] = sum(load.errors.values())
        figures["p50_p99_ms_" + mode] = [round(percentile(load.latencies, 0.5), 2), round(percentile(load.latencies, 0.99), 2)]
    return figures


def run_load(port, first_sid, rate, seconds):
    """Half the rate over one keep-alive connection, half with a new connection per webhook."""
    if rate <= 0:
        return []
    loads = [WebhookLoad(port, first_sid, rate / 2, seconds, fresh=False),
             WebhookLoad(port, first_sid + 10_000_000, rate / 2, seconds, fresh=True)]
    for load in loads:
        load.start()
    return loads


# --- the attackers (each runs in its own process and returns a dict) --------------------------

def ping_flood(port, key, seconds, flooders=2):
    """Attack 1: agent streams that send pings as fast as they can and never read; each one the
    daemon closes is opened again until the time is up."""
    ping = b'{"type":"ping"}'
    frame = bytes([0x81, 0x80 | len(ping)]) + b"\0\0\0\0" + ping  # masked with mask 0
    batch_frames = 1000
    batch = frame * batch_frames
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    out = {"streams": 0, "pings_sent": 0, "refused": collections.Counter(), "ended": collections.Counter(),
           "close_codes": collections.Counter(), "seconds_to_close": [], "pings_per_stream": []}

    def flooder():
        while time.monotonic() < deadline:
            s, status = open_stream(port, key, rcvbuf=4096)
            if status != "101":
                with lock:
                    out["refused"][status] += 1
                if s:
                    s.close()
                time.sleep(0.05)
                continue
            t0, sent = time.monotonic(), 0
            s.settimeout(5)
            try:
                while time.monotonic() < deadline:
                    s.sendall(batch)
                    sent += batch_frames
                ended = "still open at the end"
            except BrokenPipeError:
                ended = "closed by the daemon (EPIPE)"
            except ConnectionResetError:
                ended = "closed by the daemon (RST)"
            except socket.timeout:
                ended = "send blocked 5 s (daemon stopped reading)"
            # What the daemon managed to send before it gave up on us: a close frame, if any.
            received = b""
            s.settimeout(0.5)
            try:
                while len(received) < 8 << 20:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    received += chunk
            except OSError:
                pass
            s.close()
            code = close_code_in(received)
            with lock:
                out["streams"] += 1
                out["pings_sent"] += sent
                out["pings_per_stream"].append(sent)
                out["ended"][ended] += 1
                out["close_codes"]["close frame %d" % code if code else "no close frame received"] += 1
                if ended != "still open at the end":
                    out["seconds_to_close"].append(time.monotonic() - t0)

    threads = [threading.Thread(target=flooder) for _ in range(flooders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    closes = out.pop("seconds_to_close")
    per_stream = out.pop("pings_per_stream")
    out["median_s_to_close"] = round(statistics.median(closes), 2) if closes else None
    out["median_pings_per_stream"] = int(statistics.median(per_stream)) if per_stream else None
    return out


def stream_flood(port, key, seconds, attempts=None, threads=8, in_flight=50):
    """Attack 2: one agent key opening streams, `attempts` of them or (None) until the time is
    up; every stream it gets is kept open."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    out = {"attempts": 0, "outcomes": collections.Counter(), "held_at_end": 0}
    held = []
    started = time.monotonic()

    def worker():
        while time.monotonic() < deadline:
            with lock:
                n = in_flight if attempts is None else min(in_flight, attempts - out["attempts"])
                out["attempts"] += max(n, 0)
            if n <= 0:
                return
            pending = []
            for _ in range(n):
                s = socket.socket()
                s.settimeout(10)
                try:
                    s.connect(("127.0.0.1", port))
                    s.sendall(upgrade_request(key))
                    pending.append(s)
                except OSError as e:
                    s.close()
                    with lock:
                        out["outcomes"][type(e).__name__] += 1
            for s in pending:
                try:
                    status = read_status(s)
                except OSError as e:
                    status = type(e).__name__
                with lock:
                    out["outcomes"][status] += 1
                    if status == "101":
                        held.append(s)
                        continue
                s.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out["attempts_seconds"] = round(time.monotonic() - started, 2)
    # Holds what it got until the attack's time is up, so the load runs against held streams.
    time.sleep(max(0.0, deadline - time.monotonic()))
    out["held_at_end"] = sum(1 for s in held if not socket_closed(s))
    for s in held:
        s.close()
    return out


def socket_closed(s):
    readable, _, _ = select.select([s], [], [], 0)
    if not readable:
        return False
    try:
        return s.recv(65536, socket.MSG_PEEK) == b""
    except OSError:
        return True


# Values with bytes that are not UTF-8: a stray byte, an overlong '/', a surrogate, a 5-byte
# form, a cut-off sequence, a lone continuation byte, the BOM of UTF-16; and control characters
# (UTF-8, but JSON must escape them).
NOT_UTF8 = [b"+81\xff90", b"+81\xc0\xaf90", b"+81\xed\xa0\x8090", b"+81\xf8\x88\x80\x80\x8090",
            b"+81\xe4\xbd", b"\x80+8190", b"\xfe\xff+8190", b"+81\x0190\x1f", b"\xe4\xbd\x90\xe8\x97\xa4 \xc0\xaf"]


def not_utf8(port, key, admin, seconds, first_sid):
    """Attack 3: signed voice and status webhooks with non-UTF-8 values in a loop over one
    keep-alive connection, while an agent of the ringing group is connected and the calls are
    read back over the API; every byte that comes back must be UTF-8 and every body JSON."""
    base = "http://127.0.0.1:%d" % port
    deadline = time.monotonic() + seconds
    out = {"webhooks": 0, "webhook_answers": collections.Counter(), "answers_not_utf8": 0,
           "api_reads": 0, "api_not_utf8": 0, "api_not_json": 0, "api_statuses": collections.Counter(),
           "replacement_char_seen": 0, "agent_frames": 0, "agent_offers": 0, "agent_not_json": 0,
           "agent_closes": collections.Counter(), "agent_connects": 0}
    latest = {"sid": None}
    lock = threading.Lock()

    def webhooks():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = 0
        while time.monotonic() < deadline:
            sid = call_sid(first_sid + n)
            bad = NOT_UTF8[n % len(NOT_UTF8)]
            other = NOT_UTF8[(n + 3) % len(NOT_UTF8)]
            voice = {"CallSid": sid.encode(), "AccountSid": DEMO_ACCOUNT.encode(), "From": bad, "Caller": bad,
                     "To": DEMO_NUMBER.encode(), "Called": DEMO_NUMBER.encode(), "CallStatus": b"ringing",
                     "ApiVersion": b"2010-04-01", "Direction": b"inbound", "CallerName": other,
                     "FromCity": other, "FromCountry": bad, "ForwardedFrom": other}
            status = dict(voice, CallStatus=b"completed", CallDuration=b"1", SequenceNumber=b"1",
                          CallbackSource=b"call-progress-events")
            for path, params in (("/twilio/voice", voice), ("/twilio/status", status)):
                try:
                    conn.request("POST", path, body=urllib.parse.urlencode(params), headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "X-Twilio-Signature": signature_over_bytes(base, path, params)})
                    resp = conn.getresponse()
                    body = resp.read()
                    code = str(resp.status)
                    try:
                        body.decode("utf-8")
                    except UnicodeDecodeError:
                        with lock:
                            out["answers_not_utf8"] += 1
                except (OSError, http.client.HTTPException) as e:
                    code = type(e).__name__
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                with lock:
                    out["webhooks"] += 1
                    out["webhook_answers"][code] += 1
                if path == "/twilio/voice":
                    latest["sid"] = sid
                    # Keeps the call ringing a moment, so the agent is offered it and the poller
                    # reads it live.
                    time.sleep(0.005)
            n += 1
        conn.close()

    def poller():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        auth = {"Authorization": "Bearer " + admin}
        n = 0
        while time.monotonic() < deadline:
            sid = latest["sid"]
            if sid is None:
                time.sleep(0.01)
                continue
            path = ("/v1/calls/" + sid, "/v1/calls?limit=20", "/v1/events?after=0&limit=50",
                    "/v1/calls/" + sid)[n % 4]
            n += 1
            try:
                conn.request("GET", path, headers=auth)
                resp = conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    out["api_statuses"][type(e).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            with lock:
                out["api_reads"] += 1
                out["api_statuses"][str(resp.status)] += 1
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    out["api_not_utf8"] += 1
                    continue
                try:
                    json.loads(text)
                except ValueError:
                    out["api_not_json"] += 1
                if "\ufffd" in text:
                    out["replacement_char_seen"] += 1
        conn.close()

    async def agent():
        url = "ws://127.0.0.1:%d/v1/agents/stream?key=%s" % (port, key)
        while time.monotonic() < deadline:
            try:
                # The client library checks every text frame is UTF-8 and fails with 1007 if not.
                async with websockets.connect(url, max_size=1 << 20) as ws:
                    out["agent_connects"] += 1
                    while time.monotonic() < deadline:
                        try:
                            text = await asyncio.wait_for(ws.recv(), timeout=max(0.01, deadline - time.monotonic()))
                        except asyncio.TimeoutError:
                            break
                        out["agent_frames"] += 1
                        try:
                            if json.loads(text).get("type") == "call.offered":
                                out["agent_offers"] += 1
                        except ValueError:
                            out["agent_not_json"] += 1
            except websockets.exceptions.ConnectionClosed as e:
                code = e.rcvd.code if e.rcvd else (e.sent.code if e.sent else 1006)
                out["agent_closes"]["closed %d" % code] += 1
                await asyncio.sleep(0.1)
            except (OSError, websockets.exceptions.InvalidStatusCode) as e:
                out["agent_closes"][type(e).__name__] += 1
                await asyncio.sleep(0.1)

    threads = [threading.Thread(target=webhooks), threading.Thread(target=poller)]
    for t in threads:
        t.start()
    asyncio.run(agent())
    for t in threads:
        t.join()
    out["webhooks_per_s"] = round(out["webhooks"] / seconds)
    return out


def idle_connections(port, seconds, connect_rate, batch, pool=1000):
    """Attack 9: TCP connections that send nothing, as many as `pool` held, new ones opened at
    `connect_rate` per second (0: as fast as it can) in bursts of `batch`, reopened when the
    daemon closes them. Each new one is classed by what it gets within a second: the 503 with
    Retry-After, a close with no answer, a reset, or nothing (the daemon took it: held)."""
    deadline = time.monotonic() + seconds
    batch_period = batch / connect_rate if connect_rate else 0.0
    out = {"opened": 0, "first_second": collections.Counter(), "held_closed_by_daemon": 0,
           "held_seconds_before_close": [], "held_max": 0}
    held = {}  # socket -> when it was opened

    def classify(s):
        try:
            data = s.recv(4096)
        except ConnectionResetError:
            return "reset"
        except OSError as e:
            return type(e).__name__
        if not data:
            return "closed with no answer"
        head = data.split(b"\r\n\r\n")[0]
        if head.startswith(b"HTTP/1.1 503") and b"retry-after" in head.lower():
            return "503 with Retry-After"
        return "other: " + head.split(b"\r\n")[0].decode("latin-1")

    while time.monotonic() < deadline:
        # Held connections the daemon has closed since (its read timeout) free places to refill;
        # one answered now was still in the listen backlog a second after connecting.
        if held:
            readable, _, _ = select.select(list(held), [], [], 0)
            for s in readable:
                try:
                    gone = s.recv(4096, socket.MSG_PEEK) == b""
                except OSError:
                    gone = True
                opened = held.pop(s)
                if gone:
                    out["held_closed_by_daemon"] += 1
                    out["held_seconds_before_close"].append(time.monotonic() - opened)
                else:
                    out["first_second"]["held (accepted, idle)"] -= 1
                    out["first_second"]["after > 1 s in the backlog: " + classify(s)] += 1
                s.close()
        next_batch = time.monotonic() + batch_period
        fresh = []
        for _ in range(min(batch, pool - len(held))):
            s = socket.socket()
            s.settimeout(2)
            try:
                s.connect(("127.0.0.1", port))
                fresh.append(s)
            except OSError as e:
                out["first_second"]["connect: " + type(e).__name__] += 1
                s.close()
            out["opened"] += 1
        waiting, until = set(fresh), time.monotonic() + 1.0
        while waiting and time.monotonic() < until:
            readable, _, _ = select.select(list(waiting), [], [], max(0.0, until - time.monotonic()))
            for s in readable:
                waiting.discard(s)
                out["first_second"][classify(s)] += 1
                s.close()
        for s in waiting:
            out["first_second"]["held (accepted, idle)"] += 1
            held[s] = time.monotonic()
        out["held_max"] = max(out["held_max"], len(held))
        time.sleep(max(0.0, next_batch - time.monotonic()) if fresh else 0.1)
    for s in held:
        s.close()
    waits = out.pop("held_seconds_before_close")
    out["median_s_held_before_close"] = round(statistics.median(waits), 1) if waits else None
    return out


def idle_streams(port, keys, seconds, per_agent=5):
    """Attack 9, streams: every agent opens as many streams as it may and never sends; one more
    upgrade is tried every 100 ms while they are held."""
    deadline = time.monotonic() + seconds
    out = {"first_round": collections.Counter(), "extra_attempts": collections.Counter()}
    held = []
    for key in keys:
        for _ in range(per_agent):
            s, status = open_stream(port, key)
            out["first_round"][status] += 1
            if status == "101":
                held.append(s)
            elif s:
                s.close()
    n = 0
    while time.monotonic() < deadline:
        s, status = open_stream(port, keys[n % len(keys)])
        n += 1
        out["extra_attempts"][status] += 1
        if status == "101":
            held.append(s)
        elif s:
            s.close()
        time.sleep(0.1)
    out["held_at_end"] = sum(1 for s in held if not socket_closed(s))
    for s in held:
        s.close()
    return out


def in_process(queue, attacker, args, niceness):
    # Below the load and the daemon on these shared cores: the attacker takes what CPU they leave,
    # so the load's latency is less this client's starvation (an attacker on another machine
    # would not share our cores).
    os.nice(niceness)
    result = attacker(*args)
    queue.put(json.loads(json.dumps(result)))  # Counters become plain dicts


# --- one attack, end to end -------------------------------------------------------------------

def agent_key(d, user):
    return d.api("POST", "/v1/keys", d.demo_admin_key, {"role": "agent", "user_id": user})[1]["key"]


def ring_sales_group(d):
    """Every call to the demo number rings the sales group at once (no menu, no hours)."""
    admin = d.demo_admin_key
    d.api("PUT", "/v1/flows/ring/draft", admin, {"start": "ring", "states": [
        {"id": "ring", "type": "ring_group", "group": "sales", "on": {"no_answer": "bye"}},
        {"id": "bye", "type": "hangup"}]})
    d.api("POST", "/v1/flows/ring/publish", admin)
    d.api("PUT", "/v1/numbers/%2B815012345678/flow", admin, {"flow_id": "ring"})


def no_attack(seconds):
    """The control: the load alone for the attack's time, so growth the load itself causes (the
    calls it journals) is not taken for the attack's."""
    time.sleep(seconds)
    return {}


def prepare(name, d, seconds, args):
    """The attacker and its arguments for attack `name` on daemon d."""
    if name == "0":
        return no_attack, (seconds,)
    if name == "1":
        return ping_flood, (d.port, agent_key(d, "u_sato"), seconds)
    if name == "2":
        return stream_flood, (d.port, agent_key(d, "u_sato"), seconds)
    if name == "3":
        ring_sales_group(d)
        return not_utf8, (d.port, agent_key(d, "u_sato"), d.demo_admin_key, seconds, 50_000_000)
    if name == "9":
        return idle_connections, (d.port, seconds, args.idle_connect_rate, args.idle_batch)
    if name == "9s":
        keys = []
        for i in range(12):
            user = "u_idle%02d" % i
            status, body = d.api("POST", "/v1/users", d.demo_admin_key, {"id": user, "name": "Idle %d" % i})
            assert status == 201, (status, body)
            keys.append(agent_key(d, user))
        return idle_streams, (d.port, keys, seconds)
    raise ValueError("unknown attack " + name)


CONFIGS = {"9": {"http": {"max_connections": 64}}, "9s": {"http": {"max_connections": 64}}}
TITLES = {"0": "no attack (control)", "1": "ping flood, never reading", "2": "one key opening streams", "3": "non-UTF-8 form values",
          "9": "idle connections past http.max_connections (64)", "9s": "idle agent streams, http.max_connections 64"}


def pin(pid, cpu):
    """Every thread of process pid onto one core (threads it starts later inherit it)."""
    for task in os.listdir("/proc/%d/task" % pid):
        os.sched_setaffinity(int(task), {cpu})


def run_attack(name, args, first_sid):
    d = Daemon(dict({"log": {"level": "warn"}}, **CONFIGS.get(name, {}))).start()
    try:
        if args.daemon_cpu is not None:
            pin(d.proc.pid, args.daemon_cpu)
        attacker, attacker_args = prepare(name, d, args.attack_s, args)
        pid = d.proc.pid
        sampler = RssSampler(pid)
        sampler.start()
        t0, cpu0 = time.monotonic(), cpu_seconds(pid)
        baseline = run_load(d.port, first_sid, args.rate, args.baseline_s)
        for load in baseline:
            load.join()
        time.sleep(max(0.0, t0 + args.baseline_s - time.monotonic()))  # with --rate 0 too
        t1, cpu1 = time.monotonic(), cpu_seconds(pid)
        rss_before = sampler.between(t1 - 1, t1)[-1]

        # The load first, so its keep-alive connection is open before the attack begins (a
        # provider's pooled connection); the attacker is spawned, not forked, as the load's
        # threads are running by then.
        during = run_load(d.port, first_sid + 1_000_000, args.rate, args.attack_s)
        spawn = multiprocessing.get_context("spawn")
        queue = spawn.Queue()
        attack_proc = spawn.Process(target=in_process, args=(queue, attacker, attacker_args, args.attacker_nice), daemon=True)
        attack_proc.start()
        for load in during:
            load.join()
        outcome = queue.get(timeout=args.attack_s + 120)
        attack_proc.join()
        t2, cpu2 = time.monotonic(), cpu_seconds(pid)
        time.sleep(args.settle_s)
        t3 = time.monotonic()
        sampler.stopped.set()
        sampler.join()
        alive = d.proc.poll() is None
        healthz = d.request("GET", "/healthz")[0] if alive else None
        base_rss, attack_rss = sampler.between(t0, t1), sampler.between(t1, t2)
        log = d.logs()
        result = {
            "attack": name, "title": TITLES[name], "config": CONFIGS.get(name, {}),
            "baseline": dict(load_figures(baseline), rss_mb_peak=round(max(base_rss) / 1024, 1),
                             daemon_cpu_share=round((cpu1 - cpu0) / (t1 - t0), 3)),
            "during": dict(load_figures(during), rss_mb_peak=round(max(attack_rss) / 1024, 1),
                           daemon_cpu_share=round((cpu2 - cpu1) / (t2 - t1), 3)),
            "rss_mb_before": round(rss_before / 1024, 1),
            "rss_mb_after": round(sampler.between(t3 - 1, t3 + 1)[-1] / 1024, 1),
            "rss_samples_during": len(attack_rss),
            "rss_mb_trace_1s": sampler.trace_mb(t1, t3),  # from the attack's start to "after"
            "attacker": outcome,
            "daemon_alive_after": alive, "healthz_after": healthz,
            "log_lines": {"peer does not read": log.count("peer does not read"), "error": log.count("[error]")},
        }
        result["rss_mb_growth"] = round((max(attack_rss) - rss_before) / 1024, 1)
        # The load journals calls, which grows RSS by itself (RocksDB's memtables): its rate in
        # the baseline, to set the attack's growth against (attack 0 measures it at length).
        result["baseline_rss_mb_per_s"] = round((base_rss[-1] - base_rss[0]) / 1024 / (t1 - t0), 3)
        return result
    finally:
        d.close()


def broken_bounds(r, max_growth_mb):
    broken = []
    if r["rss_mb_growth"] > max_growth_mb:
        broken.append("RSS grew %.1f MB during the attack (bound %d)" % (r["rss_mb_growth"], max_growth_mb))
    for phase in ("baseline", "during"):
        if r[phase]["errors"]:
            broken.append("%s: %d webhooks not answered 200: %s" % (phase, r[phase]["errors"], r[phase]["error_kinds"]))
    if not r["daemon_alive_after"] or r["healthz_after"] != 200:
        broken.append("daemon not serving after the attack")
    a = r["attacker"]
    if r["attack"] == "3":
        for field in ("answers_not_utf8", "api_not_utf8", "api_not_json", "agent_not_json"):
            if a[field]:
                broken.append("attack 3: %s = %d" % (field, a[field]))
        if any(not k.startswith("closed 1000") for k in a["agent_closes"]):
            broken.append("attack 3: the agent stream was closed: %s" % a["agent_closes"])
        if not a["agent_offers"] or not a["replacement_char_seen"]:
            broken.append("attack 3 did not reach its targets (offers %d, U+FFFD seen %d)"
                          % (a["agent_offers"], a["replacement_char_seen"]))
    return broken


def table(r):
    b, d = r["baseline"], r["during"]
    rows = ["| | baseline | during the attack |", "|---|---:|---:|"]
    rows.append("| webhooks sent (not answered 200) | %d (%d) | %d (%d) |" % (b["webhooks"], b["errors"], d["webhooks"], d["errors"]))
    rows.append("| errors: keep-alive / new connection | %d / %d | %d / %d |"
                % (b["errors_kept"], b["errors_fresh"], d["errors_kept"], d["errors_fresh"]))
    for k in ("p50_ms", "p99_ms", "max_ms"):
        rows.append("| webhook %s ms | %s | %s |" % (k.split("_")[0], b[k], d[k]))
    rows.append("| webhook p50 / p99 ms: keep-alive; new connection | %s; %s | %s; %s |"
                % tuple("%s / %s" % tuple(x[k]) for x in (b, d) for k in ("p50_p99_ms_kept", "p50_p99_ms_fresh")))
    rows.append("| load sends > 50 ms late (client starved) | %d | %d |" % (b["late_sends"], d["late_sends"]))
    rows.append("| daemon CPU (share of one core) | %s | %s |" % (b["daemon_cpu_share"], d["daemon_cpu_share"]))
    rows.append("| RSS MB before / peak / after | %s / %s | %s / %s / %s |"
                % (r["rss_mb_before"], b["rss_mb_peak"], r["rss_mb_before"], d["rss_mb_peak"], r["rss_mb_after"]))
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attacks", default="0,1,2,3,9,9s")
    ap.add_argument("--baseline-s", type=float, default=10)
    ap.add_argument("--attack-s", type=float, default=30)
    ap.add_argument("--settle-s", type=float, default=3)
    ap.add_argument("--rate", type=float, default=50,
                    help="load webhooks per second (voice + status); 0: none, the attack's own cost alone")
    ap.add_argument("--idle-connect-rate", type=float, default=200,
                    help="attack 9: new idle connections per second (0: as fast as the client can)")
    ap.add_argument("--idle-batch", type=int, default=20,
                    help="attack 9: connections opened at once (past 64 refusals at once the daemon closes without an answer)")
    ap.add_argument("--max-growth-mb", type=float, default=50)
    ap.add_argument("--out", default=RESULTS)
    ap.add_argument("--attacker-nice", type=int, default=10, help="the attacker process's niceness (0: as the load)")
    ap.add_argument("--daemon-cpu", type=int, help="pin the daemon to this core")
    ap.add_argument("--client-cpu", type=int, help="pin this script (load and attackers) to this core")
    args = ap.parse_args()
    if args.client_cpu is not None:
        os.sched_setaffinity(0, {args.client_cpu})
    results, failures = [], []
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    for i, name in enumerate(args.attacks.split(",")):
        load_before = os.getloadavg()[0]
        r = run_attack(name, args, 100_000_000 * (i + 1))
        r["loadavg_1m_before"] = round(load_before, 2)
        results.append(r)
        broken = broken_bounds(r, args.max_growth_mb)
        failures += ["attack %s: %s" % (name, b) for b in broken]
        print("## attack %s: %s\n%s\nattacker: %s\n%s\n" % (name, r["title"], table(r), json.dumps(r["attacker"]),
                                                           "\n".join("BOUND BROKEN: " + b for b in broken) or "bounds held"),
              flush=True)
    with open(args.out, "w") as f:
        json.dump({"started": started, "daemon": os.environ.get("CALLROUTERD", "build/callrouterd"),
                   "args": vars(args), "nproc": os.cpu_count(), "results": results, "broken": failures}, f, indent=1)
    if failures:
        print("\n".join(["bounds broken:"] + failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
