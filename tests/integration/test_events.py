"""Issue 12: the committed call events. GET /v1/events is the change feed: every event of every
acknowledged webhook once, in order, seqs without gaps — across kill -9 and restarts."""
import http.client
import random
import resource
import threading
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from twilio.request_validator import RequestValidator

from harness import DEMO_ACCOUNT, DEMO_TOKEN, Daemon, call_sid, kill_under_load, status_params, voice_params


def all_events(d, key, page=7):
    """Reads the whole feed in small pages, as a CRM catching up would."""
    out, after = [], 0
    while True:
        status, body = d.api("GET", "/v1/events?after=%d&limit=%d" % (after, page), key)
        assert status == 200, (status, body)
        if not body["events"]:
            return out
        out.extend(body["events"])
        after = body["events"][-1]["seq"]


class EventFeedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon()
        cls.d.start()
        cls.admin = cls.d.demo_admin_key

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def test_a_call_makes_ringing_then_ended_with_the_call_fields(self):
        d = self.d
        sid = call_sid(1)
        self.assertEqual(d.signed_form("/twilio/voice", voice_params(sid))[0], 200)
        self.assertEqual(d.signed_form("/twilio/status", status_params(sid, "busy", 1, CallDuration="0"))[0], 200)
        # A retried callback adds nothing.
        self.assertEqual(d.signed_form("/twilio/status", status_params(sid, "busy", 1, CallDuration="0"))[0], 200)
        mine = [e for e in all_events(d, self.admin) if e["call_sid"] == sid]
        self.assertEqual([e["type"] for e in mine], ["call.ringing", "call.missed", "call.ended"])
        first, last = mine[0], mine[-1]
        self.assertEqual(first["id"], "ev_demo_%d" % first["seq"])
        self.assertEqual(first["data"]["from"], "+819012345678")
        self.assertEqual(first["data"]["direction"], "inbound")
        self.assertEqual(last["data"]["status"], "busy")
        self.assertEqual(last["data"]["disposition"], "missed")
        self.assertTrue(last["at"].endswith("Z"))
        # The feed and the call agree.
        status, call = d.api("GET", "/v1/calls/" + sid, self.admin)
        self.assertEqual(status, 200)
        self.assertEqual(call["disposition"], last["data"]["disposition"])
        self.assertEqual(call["ended_at"], last["data"]["ended_at"])

    def test_paging_bounds_and_errors(self):
        d = self.d
        for n in range(10, 14):
            self.assertEqual(d.signed_form("/twilio/voice", voice_params(call_sid(n)))[0], 200)
        events = all_events(d, self.admin, page=1)
        seqs = [e["seq"] for e in events]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))
        self.assertEqual(d.api("GET", "/v1/events?after=%d" % seqs[-1], self.admin), (200, {"events": []}))
        status, body = d.api("GET", "/v1/events?after=1&limit=2", self.admin)
        self.assertEqual([e["seq"] for e in body["events"]], [2, 3])
        for bad in ["after=-1", "after=x", "limit=0", "limit=1001", "limit=1e3"]:
            status, body = d.api("GET", "/v1/events?" + bad, self.admin)
            self.assertEqual(status, 400, bad)
            self.assertEqual(body["error"]["code"], "invalid_request")
        self.assertEqual(d.api("GET", "/v1/events")[0], 401)
        # The last possible seq: nothing after it (not a wrap to the start).
        self.assertEqual(d.api("GET", "/v1/events?after=18446744073709551615", self.admin), (200, {"events": []}))

    def test_other_orgs_and_agents_see_nothing(self):
        d = self.d
        status, _ = d.api("POST", "/v1/orgs", d.system_key, {
            "id": "other", "name": "Other", "account_sid": "AC" + "1" * 32, "auth_token": "f" * 32,
            "timezone": "UTC"})
        self.assertEqual(status, 201)
        status, body = d.api("POST", "/v1/keys", d.system_key, {"org": "other", "role": "admin"})
        self.assertEqual(status, 201)
        other = body["key"]
        self.assertEqual(d.signed_form("/twilio/voice", voice_params(call_sid(20)))[0], 200)
        self.assertEqual(d.api("GET", "/v1/events", other), (200, {"events": []}))
        self.assertEqual(d.api("GET", "/v1/events", d.system_key)[0], 403)
        status, body = d.api("POST", "/v1/users", self.admin, {"id": "u_feed", "name": "Feed", "client": "feed"})
        self.assertEqual(status, 201, body)
        status, body = d.api("POST", "/v1/keys", self.admin, {"role": "agent", "user_id": "u_feed"})
        self.assertEqual(status, 201, body)
        self.assertEqual(d.api("GET", "/v1/events", body["key"])[0], 403)

    def test_metrics_count_events_by_type(self):
        d = self.d
        self.assertEqual(d.signed_form("/twilio/voice", voice_params(call_sid(30)))[0], 200)
        _, _, text = d.request("GET", "/metrics")
        line = [l for l in text.decode().splitlines() if l.startswith("callrouter_events_call_ringing_total ")]
        self.assertEqual(len(line), 1, text[-2000:])
        ringing = len([e for e in all_events(d, self.admin) if e["type"] == "call.ringing"])
        self.assertEqual(float(line[0].split()[1]), ringing)


QUEUED = {"start": "sales", "states": [
    {"id": "sales", "type": "ring_group", "group": "sales", "ring_timeout_s": 15,
     "queue": {"max_callers": 5, "max_wait_s": 120},
     "on": {"no_answer": "bye", "timeout": "bye", "queue_full": "bye"}},
    {"id": "bye", "type": "hangup"}]}


class QueueEventsTest(unittest.TestCase):
    """A caller who hangs up in the queue is abandoned and missed, once, whichever of the
    provider's two reports (status callback, queue result) comes first."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        cls.admin = cls.d.demo_admin_key
        d = cls.d
        assert d.api("PUT", "/v1/flows/queued/draft", cls.admin, QUEUED)[0] in (200, 201)
        assert d.api("POST", "/v1/flows/queued/publish", cls.admin)[0] == 200
        assert d.api("PUT", "/v1/numbers/%2B815012345678/flow", cls.admin, {"flow_id": "queued"})[0] == 200
        for user in ("u_sato", "u_kato"):
            assert d.api("PUT", "/v1/users/%s/presence" % user, cls.admin, {"presence": "away"})[0] == 200

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def queue(self, sid):
        status, _, body = self.d.signed_form("/twilio/voice", voice_params(sid))
        self.assertEqual(status, 200)
        enqueue = ET.fromstring(body)[0]
        self.assertEqual(enqueue.tag, "Enqueue")
        parts = urllib.parse.urlsplit(enqueue.get("action"))
        return parts.path + "?" + parts.query

    def types_of(self, sid):
        return [e["type"] for e in all_events(self.d, self.admin) if e["call_sid"] == sid]

    def test_hang_up_reported_first(self):
        sid = call_sid(900)
        result = self.queue(sid)
        self.assertEqual(self.d.signed_form("/twilio/status", status_params(sid, "completed", 2, CallDuration="20"))[0], 200)
        self.assertEqual(self.d.signed_form(result, {"CallSid": sid, "AccountSid": DEMO_ACCOUNT, "QueueResult": "hangup",
                                                     "QueueTime": "19"})[0], 200)
        self.assertEqual(self.types_of(sid), ["call.ringing", "queue.joined", "queue.abandoned", "call.missed", "call.ended"])

    def test_queue_result_reported_first(self):
        sid = call_sid(901)
        result = self.queue(sid)
        self.assertEqual(self.d.signed_form(result, {"CallSid": sid, "AccountSid": DEMO_ACCOUNT, "QueueResult": "hangup",
                                                     "QueueTime": "19"})[0], 200)
        self.assertEqual(self.d.signed_form("/twilio/status", status_params(sid, "completed", 2, CallDuration="20"))[0], 200)
        self.assertEqual(self.types_of(sid), ["call.ringing", "queue.joined", "queue.abandoned", "call.missed", "call.ended"])


class EventsAcrossWriteErrorsTest(unittest.TestCase):
    def test_refused_writes_leave_no_event_and_no_gap(self):
        d = Daemon()
        try:
            d.start()
            admin = d.demo_admin_key
            self.assertEqual(d.signed_form("/twilio/voice", voice_params(call_sid(1)))[0], 200)
            # Every journal write fails (as on a full disk) while webhooks keep arriving.
            resource.prlimit(d.proc.pid, resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))
            refused = [d.signed_form("/twilio/voice", voice_params(call_sid(n)))[0] for n in range(2, 8)]
            self.assertEqual(refused, [503] * 6)
            resource.prlimit(d.proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            deadline, code = time.time() + 10, 503
            while code == 503 and time.time() < deadline:
                code = d.signed_form("/twilio/voice", voice_params(call_sid(8)))[0]
                time.sleep(0.05)
            self.assertEqual(code, 200, d.logs()[-2000:])
            self.assertEqual(d.signed_form("/twilio/voice", voice_params(call_sid(9)))[0], 200)
            for restarted in (False, True):
                events = all_events(d, admin)
                self.assertEqual([e["seq"] for e in events], list(range(1, len(events) + 1)))
                ringing = [e["call_sid"] for e in events if e["type"] == "call.ringing"]
                self.assertEqual(ringing, [call_sid(1), call_sid(8), call_sid(9)], "restarted=%s" % restarted)
                d.restart()
        finally:
            d.close()


class Caller(threading.Thread):
    """Per call: the voice webhook, then the terminal status callback, on one keep-alive
    connection, until the daemon dies. Remembers what was acknowledged."""

    def __init__(self, d, first, calls):
        super().__init__(daemon=True)
        self.d = d
        self.sids = [call_sid(first + i) for i in range(calls)]
        self.acked = []  # (sid, "voice" | "completed")
        self.validator = RequestValidator(DEMO_TOKEN)

    def send(self, conn, path, params):
        body = urllib.parse.urlencode(params)
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": self.validator.compute_signature(self.d.base + path, params)}
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return 200 <= resp.status < 300

    def run(self):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=5)
            for sid in self.sids:
                if self.send(conn, "/twilio/voice", voice_params(sid)):
                    self.acked.append((sid, "voice"))
                if self.send(conn, "/twilio/status", status_params(sid, "completed", 3, CallDuration="12")):
                    self.acked.append((sid, "completed"))
        except (OSError, http.client.HTTPException):
            return  # killed


class EventsAcrossCrashesTest(unittest.TestCase):
    def test_kill_9_loses_no_event_of_an_acknowledged_webhook_and_leaves_no_gap(self):
        d = Daemon()
        rng = random.Random(20261202)
        try:
            acked = kill_under_load(d, 6, rng, lambda n: [Caller(d, 100000 + n * 30000 + i * 10000, 2000) for i in range(3)],
                                    run_s=(0.2, 0.6))
            self.assertGreater(len(acked), 200, "too little load to prove anything")

            d.start()
            events = all_events(d, d.demo_admin_key, page=1000)
            seqs = [e["seq"] for e in events]
            self.assertEqual(seqs, list(range(1, len(seqs) + 1)), "gap or repeat in the feed")
            seen = {}
            for e in events:
                if e["type"] in ("call.ringing", "call.ended"):
                    k = (e["call_sid"], e["type"])
                    self.assertNotIn(k, seen, "event twice: %s" % (k,))
                    seen[k] = e["seq"]
            for sid, what in acked:
                self.assertIn((sid, "call.ringing"), seen, "acknowledged %s of %s: no call.ringing" % (what, sid))
                if what == "completed":
                    self.assertIn((sid, "call.ended"), seen, "acknowledged end of %s: no call.ended" % sid)
                    self.assertLess(seen[(sid, "call.ringing")], seen[(sid, "call.ended")])
            # Numbering goes on after the crashes without reusing a seq.
            sid = call_sid(1)
            self.assertEqual(d.signed_form("/twilio/voice", voice_params(sid))[0], 200)
            tail = d.api("GET", "/v1/events?after=%d" % seqs[-1], d.demo_admin_key)[1]["events"]
            self.assertEqual(tail[0]["seq"], seqs[-1] + 1)
            self.assertEqual(tail[0]["call_sid"], sid)
            print("kill -9 x6: %d acknowledged webhooks, %d events, seqs 1..%d without a gap"
                  % (len(acked), len(events), seqs[-1]))
        finally:
            d.close()


if __name__ == "__main__":
    unittest.main()
