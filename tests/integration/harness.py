"""Starts the real callrouterd on a loopback port with a temp data dir, and talks to it over
real sockets. Signing uses Python's twilio package (Debian python3-twilio): a real client."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

from twilio.request_validator import RequestValidator

SOURCE_DIR = os.environ.get("CALLROUTER_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
DAEMON = os.environ.get("CALLROUTERD", os.path.join(SOURCE_DIR, "build", "callrouterd"))

DEMO_ACCOUNT = "AC0123456789abcdef0123456789abcdef"
DEMO_TOKEN = "0123456789abcdef0123456789abcdef"
DEMO_NUMBER = "+815012345678"


SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def sanitizer_reports(log):
    """ASan, LSan and UBSan reports in a daemon log, with the lines that follow each (its stack)."""
    lines = log.splitlines()
    found = [i for i, line in enumerate(lines) if any(m in line for m in SANITIZER_MARKERS)]
    return "\n".join("\n".join(lines[i:i + 30]) for i in found[:3])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    """A process's resident memory, KiB (VmRSS)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def call_sid(n):
    return "CA%032x" % n


class Daemon:
    """One callrouterd process; data survives restart() so durability can be checked."""

    def __init__(self, extra_config=None, env=None):
        self.dir = tempfile.mkdtemp(prefix="callrouter-test-")
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        config = {
            "listen": {"address": "127.0.0.1", "port": self.port},
            "public_base_url": self.base,
            "data_dir": "data",
            "auth": {"system_key_file": "system-key"},
            "provider": {"api_base_url": "http://127.0.0.1:9"},
            "log": {"level": "info"},
            "seed": {"file": os.path.join(SOURCE_DIR, "config", "demo-seed.json"),
                     "admin_key_file": "demo-admin-key"},
            "billing": {"rates_file": os.path.join(SOURCE_DIR, "config", "rates.json")},
        }
        for key, value in (extra_config or {}).items():
            config[key] = value
        self.config_path = os.path.join(self.dir, "callrouter.json")
        self.write_config(config)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.proc = None
        self.log_path = os.path.join(self.dir, "daemon.log")

    def write_config(self, config):
        self.config = config
        with open(self.config_path, "w") as f:
            json.dump(config, f)

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([DAEMON, "--config", self.config_path],
                                     stdout=self.log, stderr=self.log, env=self.env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("callrouterd exited with %s:\n%s" % (self.proc.returncode, self.logs()))
            try:
                status, _, _ = self.request("GET", "/readyz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("callrouterd not ready in %ss:\n%s" % (timeout, self.logs()))

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.log.close()
        self.proc = None
        return code

    def restart(self):
        self.stop()
        return self.start()

    def close(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.log.close()
        reports = sanitizer_reports(self.logs())
        shutil.rmtree(self.dir, ignore_errors=True)
        # Under `make test-sanitize` a report in the daemon's log fails the test that caused it.
        assert not reports, "the daemon's sanitizers reported:\n" + reports

    def logs(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), resp.read()
        finally:
            conn.close()

    def signed_form(self, path, params, token=DEMO_TOKEN, method="POST", headers=None):
        """Signs as Twilio would, against public_base_url + path, and sends it."""
        validator = RequestValidator(token)
        if method == "GET":
            full = path + ("&" if "?" in path else "?") + urllib.parse.urlencode(params)
            signature = validator.compute_signature(self.base + full, {})
            return self.request("GET", full, headers=dict(headers or {}, **{"X-Twilio-Signature": signature}))
        signature = validator.compute_signature(self.base + path, params)
        body = urllib.parse.urlencode(params)
        return self.request("POST", path, body=body, headers=dict(headers or {}, **{
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature}))

    @property
    def system_key(self):
        with open(os.path.join(self.dir, "system-key")) as f:
            return f.read().strip()

    @property
    def demo_admin_key(self):
        with open(os.path.join(self.dir, "demo-admin-key")) as f:
            return f.read().strip()

    def api(self, method, path, key=None, body=None):
        """A /v1 call; returns (status, parsed JSON or None)."""
        headers = {}
        if key is not None:
            headers["Authorization"] = "Bearer " + key
        data = None
        if body is not None:
            data = body if isinstance(body, (str, bytes)) else json.dumps(body)
            headers["Content-Type"] = "application/json"
        status, _, raw = self.request(method, path, body=data, headers=headers)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw

    def show_call(self, org, sid):
        """Reads a call record straight from the journal (daemon must be stopped)."""
        out = subprocess.run([DAEMON, "--config", self.config_path, "--show-call", "%s/%s" % (org, sid)],
                             capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            return None
        return json.loads(out.stdout)


def kill_under_load(d, rounds, rng, make_senders, run_s=(0.05, 0.4)):
    """Starts the daemon, lets the senders (threads with an `acked` list) load it for a random
    while, kills it with SIGKILL, `rounds` times; returns everything acknowledged."""
    acked = []
    for round_no in range(rounds):
        d.start()
        senders = make_senders(round_no)
        for s in senders:
            s.start()
        time.sleep(rng.uniform(*run_s))
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        d.log.close()
        d.proc = None
        for s in senders:
            s.join()
            acked.extend(s.acked)
    return acked


def status_params(sid, status, seq, to=DEMO_NUMBER, frm="+819012345678", account=DEMO_ACCOUNT, **extra):
    params = {"CallSid": sid, "AccountSid": account, "From": frm, "To": to, "CallStatus": status,
              "ApiVersion": "2010-04-01", "Direction": "inbound", "SequenceNumber": str(seq),
              "CallbackSource": "call-progress-events",
              "Timestamp": "Mon, 23 Nov 2026 12:00:%02d +0000" % min(seq, 59)}
    params.update(extra)
    return params


def voice_params(sid, to=DEMO_NUMBER, frm="+819012345678", **extra):
    params = {"CallSid": sid, "AccountSid": DEMO_ACCOUNT, "From": frm, "To": to,
              "CallStatus": "ringing", "ApiVersion": "2010-04-01", "Direction": "inbound",
              "Caller": frm, "Called": to}
    params.update(extra)
    return params


def voice_calls(d, first, count, threads=4):
    """`count` new inbound calls (voice webhooks, CallSids from call_sid(first)), sent over a few
    keep-alive connections at once: a quick way to give a journal some weight."""
    import threading
    validator = RequestValidator(DEMO_TOKEN)
    failures = []

    def worker(offset):
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=30)
        try:
            for n in range(first + offset, first + count, threads):
                params = voice_params(call_sid(n))
                conn.request("POST", "/twilio/voice", body=urllib.parse.urlencode(params), headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": validator.compute_signature(d.base + "/twilio/voice", params)})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    failures.append(resp.status)
        finally:
            conn.close()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if failures:
        raise RuntimeError("voice webhooks answered %s" % sorted(set(failures)))


def demo_is_open(now=None):
    """Whether the demo flow's business hours (config/demo-seed.json) are open now in Tokyo."""
    import datetime
    from zoneinfo import ZoneInfo
    t = (now or datetime.datetime.now(datetime.timezone.utc)).astimezone(ZoneInfo("Asia/Tokyo"))
    if t.strftime("%Y-%m-%d") in ("2026-12-31", "2027-01-01", "2027-01-02", "2027-01-03"):
        return False
    minute = t.hour * 60 + t.minute
    weekday = t.weekday()  # Monday 0
    if weekday <= 3:
        return 9 * 60 <= minute < 18 * 60
    if weekday == 4:
        return 9 * 60 <= minute < 12 * 60 or 13 * 60 <= minute < 18 * 60
    return False


def demo_first_answer():
    """The verbs and flow path the demo flow answers a new call with, at this moment."""
    if demo_is_open():
        return ["Say", "Gather"], ["greeting", "hours", "menu"]
    # Record is followed by a Redirect, so an empty recording still continues the flow (issue 11).
    return ["Say", "Say", "Record", "Redirect"], ["greeting", "hours", "after_hours"]
