"""Issue 20: the committed call events on NATS JetStream (events.nats_url). Against a real
nats-server -js: every event the daemon's change feed shows arrives in the stream exactly once
(Nats-Msg-Id org:seq), on callrouter.events.<org>.<type>, in seq order per org — with NATS down
at start, across kill -9 of the daemon and kill -9 of nats-server, while calls keep coming."""
import collections
import http.client
import json
import os
import signal
import subprocess
import threading
import time
import unittest
import urllib.parse

from twilio.request_validator import RequestValidator

from harness import DAEMON, DEMO_ACCOUNT, DEMO_NUMBER, DEMO_TOKEN, SOURCE_DIR, Daemon, status_params, voice_params
from jetstream import NATS_SERVER, JetStream, NatsServer

STREAM = "CALLROUTER_EVENTS"
ACME_ACCOUNT = "AC" + "fe" * 16
ACME_TOKEN = "fedcba9876543210fedcba9876543210"
ACME_NUMBER = "+815098765432"
OUTAGE_LOG = "committed events wait in the journal"


def two_org_seed(directory):
    """The demo org and a second org, acme, whose number says hello and hangs up."""
    with open(os.path.join(SOURCE_DIR, "config", "demo-seed.json")) as f:
        seed = json.load(f)
    seed["orgs"].append({
        "id": "acme", "name": "Acme", "account_sid": ACME_ACCOUNT, "auth_token": ACME_TOKEN, "timezone": "UTC",
        "numbers": [{"number": ACME_NUMBER, "country": "JP", "type": "local", "flow_id": "hello"}],
        "users": [], "groups": [],
        "flows": [{"id": "hello", "enabled": True, "definition": {"name": "Hello", "start": "hi", "states": [
            {"id": "hi", "type": "say", "say": {"text": "Hello"}, "next": "bye"}, {"id": "bye", "type": "hangup"}]}}]})
    path = os.path.join(directory, "two-orgs.json")
    with open(path, "w") as f:
        json.dump(seed, f)
    return path


ORGS = {"demo": (DEMO_ACCOUNT, DEMO_TOKEN, DEMO_NUMBER), "acme": (ACME_ACCOUNT, ACME_TOKEN, ACME_NUMBER)}


class Caller(threading.Thread):
    """Calls of one org (voice webhook, then the call's end) until stopped or the daemon dies;
    keeps each webhook's status and latency."""

    def __init__(self, d, org, first):
        super().__init__(daemon=True)
        self.d, self.org, self.next = d, org, first
        self.account, token, self.number = ORGS[org]
        self.validator = RequestValidator(token)
        self.stop = threading.Event()
        self.answers = []  # (status, seconds, sent at)

    def send(self, conn, path, params):
        body = urllib.parse.urlencode(params)
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": self.validator.compute_signature(self.d.base + path, params)}
        started = time.time()
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        self.answers.append((resp.status, time.time() - started, started))

    def call(self, conn):
        """One call: it rings, then ends (the demo flow or acme's hello answers it)."""
        sid = "CA%032x" % self.next
        self.next += 1
        self.send(conn, "/twilio/voice", voice_params(sid, to=self.number, AccountSid=self.account))
        self.send(conn, "/twilio/status", status_params(sid, "completed", 3, to=self.number,
                                                        account=self.account, CallDuration="7"))

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=10)
        try:
            while not self.stop.is_set():
                self.call(conn)
        except (OSError, http.client.HTTPException):
            return  # the daemon was killed
        finally:
            conn.close()


def feed(d, key):
    """The org's committed events, from the daemon's own change feed."""
    out, after = [], 0
    while True:
        status, body = d.api("GET", "/v1/events?after=%d&limit=1000" % after, key)
        assert status == 200, (status, body)
        if not body["events"]:
            return out
        out.extend(body["events"])
        after = body["events"][-1]["seq"]


def metric(d, name):
    _, _, text = d.request("GET", "/metrics")
    for line in text.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


@unittest.skipIf(NATS_SERVER is None, "nats-server is not installed (scripts/bootstrap installs Debian's nats-server)")
class NatsEventsTest(unittest.TestCase):
    def setUp(self):
        self.nats = NatsServer()  # not started yet: NATS is down when the daemon starts
        self.d = Daemon(extra_config={"events": {"nats_url": self.nats.url}})
        self.d.write_config(dict(self.d.config, seed={"file": two_org_seed(self.d.dir), "admin_key_file": "demo-admin-key"}))

    def tearDown(self):
        self.d.close()
        self.nats.close()

    def calls(self, org, first, count):
        """`count` calls placed one after another; each webhook must be answered 200."""
        c = Caller(self.d, org, first)
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=10)
        for _ in range(count):
            c.call(conn)
        conn.close()
        self.assertEqual({s for s, _, _ in c.answers}, {200})

    def load(self, first):
        callers = [Caller(self.d, org, first + i * 100000) for i, org in enumerate(sorted(ORGS) * 2)]
        for c in callers:
            c.start()
        return callers

    def kill_daemon(self):
        self.d.proc.send_signal(signal.SIGKILL)
        self.d.proc.wait()
        self.d.log.close()
        self.d.proc = None

    def wait_published(self, timeout=30):
        """Until the stream holds as many messages as the feeds have events and nothing is
        pending; returns the seconds it took."""
        started = time.time()
        want = sum(len(feed(self.d, k)) for k in self.keys.values())
        while time.time() - started < timeout:
            with JetStream(self.nats.port) as js:
                info = js.stream_info(STREAM)
            if "state" in info and info["state"]["messages"] >= want and metric(self.d, "callrouter_nats_backlog") == 0:
                return time.time() - started
            time.sleep(0.05)
        self.fail("stream has %s of %d events after %ss; backlog %s\n%s" % (
            info.get("state", info), want, timeout, metric(self.d, "callrouter_nats_backlog"), self.d.logs()[-3000:]))

    def check_stream(self):
        """Every committed event once, with its subject, Msg-Id and JSON; in seq order per org."""
        expected = {}
        for org, key in self.keys.items():
            events = feed(self.d, key)
            self.assertEqual([e["seq"] for e in events], list(range(1, len(events) + 1)))
            for e in events:
                expected["%s:%d" % (org, e["seq"])] = (org, e)
        with JetStream(self.nats.port) as js:
            messages = js.messages(STREAM)
        ids = [m["headers"].get("Nats-Msg-Id") for m in messages]
        repeated = sorted(i for i, n in collections.Counter(ids).items() if n > 1)
        self.assertEqual(repeated, [], "events stored twice")
        self.assertEqual(set(expected) - set(ids), set(), "committed events missing from the stream")
        self.assertEqual(set(ids) - set(expected), set(), "stream messages that are no committed event")
        last = {org: 0 for org in ORGS}
        for m, msg_id in zip(messages, ids):
            org, event = expected[msg_id]
            self.assertEqual(m["subject"], "callrouter.events.%s.%s" % (org, event["type"]))
            self.assertEqual(m["data"], event)  # the body is the change feed's event
            self.assertEqual(event["seq"], last[org] + 1, "%s out of order in the stream" % msg_id)
            last[org] = event["seq"]
        return len(messages)

    def test_every_committed_event_once_in_order_across_crashes_and_outages(self):
        d, nats = self.d, self.nats
        d.start()  # NATS down at start is not fatal
        status, body = d.api("POST", "/v1/keys", d.system_key, {"org": "acme", "role": "admin"})
        self.assertEqual(status, 201, body)
        self.keys = {"demo": d.demo_admin_key, "acme": body["key"]}

        # 1. NATS is down: calls are answered; the events wait in the journal. Then it starts.
        self.calls("demo", 1, 40)
        self.calls("acme", 60000, 40)
        want = sum(len(feed(d, k)) for k in self.keys.values())
        self.assertGreaterEqual(want, 160)  # at least ringing and ended of 80 calls
        deadline = time.time() + 5  # the gauge follows within the publisher's retry delay
        while metric(d, "callrouter_nats_backlog") != want and time.time() < deadline:
            time.sleep(0.05)
        backlog = metric(d, "callrouter_nats_backlog")
        self.assertEqual(backlog, want)
        self.assertEqual(metric(d, "callrouter_nats_connected"), 0)
        self.assertIn(OUTAGE_LOG, d.logs())  # and logged (once: counted at the end)
        nats.start()
        drained = self.wait_published()
        first = self.check_stream()
        with JetStream(nats.port) as js:
            config = js.stream_info(STREAM)["config"]
        self.assertEqual((config["subjects"], config["storage"]), (["callrouter.events.>"], "file"))

        # 2. kill -9 of the daemon under load, and a restart: it resumes from its cursor.
        callers = self.load(1000)
        time.sleep(0.8)
        self.kill_daemon()
        for c in callers:
            c.join()
        with JetStream(nats.port) as js:
            stored_before = js.stream_info(STREAM)["state"]["messages"]
        d.start()
        self.wait_published()
        second = self.check_stream()
        self.assertGreater(second, first + 50, "too little load to prove anything")
        # The restart resumed from the journaled cursor, not from the start: what it sent again
        # (JetStream acknowledged it as a duplicate) is the last window and the cursor's last
        # 100 ms, never the events of step 1, whose cursor was journaled seconds before the kill.
        resent = metric(d, "callrouter_nats_published_total") - (second - stored_before)
        self.assertLessEqual(resent, stored_before - first, "resent %d of %d stored events" % (resent, stored_before))

        # 3. kill -9 of nats-server under load: calls go on at their speed; then it comes back
        # with its store and the backlog drains, in order, without a duplicate.
        callers = self.load(5000)
        time.sleep(0.5)
        nats.kill()
        outage_started = time.time()
        time.sleep(1.5)
        nats.start()
        outage_ended = time.time()
        time.sleep(0.5)
        for c in callers:
            c.stop.set()
            c.join()
        during = [(s, t) for c in callers for s, t, at in c.answers if outage_started <= at < outage_ended]
        self.assertGreater(len(during), 20, "too few calls during the outage")
        self.assertEqual({s for s, _ in during}, {200})
        # A call path that waited on NATS would stall for the ack timeout (2 s) or the reconnect;
        # 1 s leaves room for a busy CI machine's fsyncs.
        slowest = max(t for _, t in during)
        self.assertLess(slowest, 1.0, "a webhook waited on NATS")
        self.wait_published()
        third = self.check_stream()
        self.assertGreater(third, second + 50)

        # Once per outage (start, nats-server killed), not once per event.
        outages = d.logs().count(OUTAGE_LOG)
        self.assertGreaterEqual(outages, 2)
        self.assertLessEqual(outages, 3, d.logs()[-3000:])
        print("daemon kill -9: %d already stored events sent again after the restart" % resent)
        print("NATS down at start: %d events drained in %.2f s; %d events in the stream after kill -9 of "
              "the daemon and of nats-server (%d webhooks during the outage, slowest %.1f ms)"
              % (backlog, drained, third, len(during), slowest * 1000))


class NatsUrlConfigTest(unittest.TestCase):
    def test_a_bad_nats_url_is_refused_at_start_naming_the_key(self):
        d = Daemon(extra_config={"events": {"nats_url": "http://127.0.0.1:4222"}})
        try:
            out = subprocess.run([DAEMON, "--config", d.config_path], capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 1)
            self.assertIn("config key 'events.nats_url': must be a nats://host:port URL", out.stderr)
        finally:
            d.close()


if __name__ == "__main__":
    unittest.main()
