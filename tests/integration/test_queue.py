"""Issue 5: a caller waits in a ring group's queue and is moved to the first agent who becomes
available, through the provider REST API — served here by a stand-in provider on loopback."""
import base64
import http.server
import json
import signal
import threading
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from harness import DEMO_ACCOUNT, DEMO_TOKEN, Daemon, call_sid, free_port, status_params, voice_params

QUEUED = {"start": "sales", "states": [
    {"id": "sales", "type": "ring_group", "group": "sales", "strategy": "longest_idle", "ring_timeout_s": 15,
     "queue": {"max_callers": 5, "max_wait_s": 120, "music_url": "https://example.com/hold.mp3"},
     "on": {"no_answer": "bye", "timeout": "bye", "queue_full": "bye"}},
    {"id": "bye", "type": "hangup"}]}


class StandInProvider(http.server.BaseHTTPRequestHandler):
    """Accepts call updates like the provider's REST API and remembers them."""
    received = []
    delay_s = 0.0  # how long the provider takes to answer (a redirect in flight)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        StandInProvider.received.append((self.path, self.headers.get("Authorization"), urllib.parse.parse_qs(body)))
        time.sleep(StandInProvider.delay_s)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status":"in-progress"}')

    def log_message(self, *args):
        pass


def path_of(url):
    parts = urllib.parse.urlsplit(url)
    return parts.path + "?" + parts.query


class QueueTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        port = free_port()
        cls.provider = http.server.HTTPServer(("127.0.0.1", port), StandInProvider)
        threading.Thread(target=cls.provider.serve_forever, daemon=True).start()
        cls.d = Daemon(extra_config={"provider": {"api_base_url": "http://127.0.0.1:%d" % port}}).start()
        cls.admin = cls.d.demo_admin_key
        cls.d.api("PUT", "/v1/flows/queued/draft", cls.admin, QUEUED)
        cls.d.api("POST", "/v1/flows/queued/publish", cls.admin)
        cls.d.api("PUT", "/v1/numbers/%2B815012345678/flow", cls.admin, {"flow_id": "queued"})

    @classmethod
    def tearDownClass(cls):
        cls.d.close()
        cls.provider.shutdown()

    def set_presence(self, user, presence):
        status, _ = self.d.api("PUT", "/v1/users/%s/presence" % user, self.admin, {"presence": presence})
        self.assertEqual(status, 200)

    def wait_for_update(self, count, timeout=10):
        deadline = time.time() + timeout
        while len(StandInProvider.received) < count and time.time() < deadline:
            time.sleep(0.02)
        self.assertGreaterEqual(len(StandInProvider.received), count, "the provider was not asked")

    def test_queued_caller_goes_to_the_first_agent_free(self):
        d = self.d
        self.set_presence("u_sato", "away")
        self.set_presence("u_kato", "away")
        first, second = call_sid(8000), call_sid(8001)
        status, _, body = d.signed_form("/twilio/voice", voice_params(first))
        root = ET.fromstring(body)
        self.assertEqual([c.tag for c in root], ["Enqueue"])
        enqueue = root[0]
        self.assertEqual(enqueue.text, "demo:queued:sales")  # queue names are scoped to the org and flow
        status, _, body = d.signed_form(path_of(enqueue.get("waitUrl")), dict(voice_params(first), QueueTime="5"))
        self.assertEqual([c.tag for c in ET.fromstring(body)], ["Play"])
        status, _, body = d.signed_form(path_of(enqueue.get("waitUrl")), dict(voice_params(first), QueueTime="121"))
        self.assertEqual([c.tag for c in ET.fromstring(body)], ["Leave"])
        time.sleep(0.01)
        d.signed_form("/twilio/voice", voice_params(second))

        before = len(StandInProvider.received)
        StandInProvider.delay_s = 1.0  # the redirect stays in flight for a second
        self.addCleanup(setattr, StandInProvider, "delay_s", 0.0)
        self.set_presence("u_kato", "available")
        self.wait_for_update(before + 1)
        # The provider asks the wait URL again before the redirect lands: the caller holds on
        # (a Leave here would drop them), and a queue result in that window keeps the line open.
        status, _, body = d.signed_form(path_of(enqueue.get("waitUrl")), dict(voice_params(first), QueueTime="30"))
        self.assertEqual([c.tag for c in ET.fromstring(body)], ["Pause"])
        status, _, body = d.signed_form(path_of(enqueue.get("action")), dict(voice_params(first), QueueResult="leave"))
        self.assertEqual((status, [c.tag for c in ET.fromstring(body)]), (200, ["Pause"]))
        time.sleep(1.2)
        self.assertEqual(len(StandInProvider.received), before + 1, "one agent takes one caller")
        path, auth, form = StandInProvider.received[-1]
        # The longest-waiting caller, redirected by the REST API with the org's credentials.
        self.assertEqual(path, "/2010-04-01/Accounts/%s/Calls/%s.json" % (DEMO_ACCOUNT, first))
        self.assertEqual(base64.b64decode(auth.split()[1]).decode(), "%s:%s" % (DEMO_ACCOUNT, DEMO_TOKEN))
        dial = ET.fromstring(form["Twiml"][0])[0]
        self.assertEqual(dial.tag, "Dial")
        self.assertEqual([(c.tag, c.text) for c in dial], [("Client", "kato")])


        # The provider reports the caller left the queue (redirected): nothing more to do.
        status, _, body = d.signed_form(path_of(enqueue.get("action")), dict(voice_params(first), QueueResult="redirected"))
        self.assertEqual(status, 200)
        # Kato answers through the redirect's Dial.
        leg = dict(voice_params("CA" + "f" * 32), CallStatus="in-progress", ParentCallSid=first, To="client:kato")
        d.signed_form("/twilio/status?agent=u_kato", leg)
        call = d.api("GET", "/v1/calls/" + first, self.admin)[1]
        self.assertEqual(call["user_id"], "u_kato")
        self.assertIn("dequeue", [e["kind"] for e in call["events"]])

        # The second caller hangs up while queued: abandoned.
        status, _, body = d.signed_form(path_of(enqueue.get("action")), dict(voice_params(second), QueueResult="hangup"))
        self.assertEqual([c.tag for c in ET.fromstring(body)], ["Hangup"])
        d.signed_form("/twilio/status", status_params(second, "completed", 3))
        self.assertEqual(d.api("GET", "/v1/calls/" + second, self.admin)[1]["disposition"], "abandoned")
        # Kato is on a call now: Sato coming back finds no one left to take.
        before = len(StandInProvider.received)
        self.set_presence("u_sato", "available")
        time.sleep(0.3)
        self.assertEqual(len(StandInProvider.received), before)

    def test_a_move_cut_short_by_a_crash_leaves_the_caller_in_the_queue(self):
        """The daemon journals a move, then dies before the provider hears of it: the caller is
        still in the provider's queue, so after restart the wait URL keeps them waiting and a
        queue result takes the flow's exit, instead of an error the provider would hang up on."""
        d = self.d
        self.set_presence("u_sato", "away")
        self.set_presence("u_kato", "away")
        caller = call_sid(8300)
        enqueue = ET.fromstring(d.signed_form("/twilio/voice", voice_params(caller))[2])[0]
        self.assertEqual(enqueue.tag, "Enqueue")
        before = len(StandInProvider.received)
        StandInProvider.delay_s = 3.0
        self.addCleanup(setattr, StandInProvider, "delay_s", 0.0)
        self.set_presence("u_sato", "available")
        self.wait_for_update(before + 1)
        d.stop(signal.SIGKILL)
        StandInProvider.delay_s = 0.0
        d.start()
        body = d.signed_form(path_of(enqueue.get("waitUrl")), dict(voice_params(caller), QueueTime="40"))[2]
        self.assertEqual([c.tag for c in ET.fromstring(body)], ["Play"])
        status, _, body = d.signed_form(path_of(enqueue.get("action")), dict(voice_params(caller), QueueResult="leave"))
        self.assertEqual((status, [c.tag for c in ET.fromstring(body)]), (200, ["Hangup"]))  # on.timeout → bye
        self.set_presence("u_sato", "away")


PRIORITY = {"start": "route", "states": [
    {"id": "route", "type": "branch", "rules": [{"if": {"caller_prefix": "+1"}, "next": "vip"}], "default": "regular"},
    {"id": "regular", "type": "ring_group", "group": "sales", "strategy": "top_down", "ring_timeout_s": 15,
     "queue": {"max_callers": 2, "max_wait_s": 300,
               "position_announcement": {"text": "You are number {position} in line."}},
     "on": {"no_answer": "bye", "timeout": "bye", "queue_full": "full"}},
    {"id": "vip", "type": "ring_group", "group": "sales", "strategy": "top_down", "ring_timeout_s": 15,
     "queue": {"max_callers": 5, "max_wait_s": 300, "priority": 10},
     "on": {"no_answer": "bye", "timeout": "bye", "queue_full": "full"}},
    {"id": "full", "type": "say", "say": {"text": "All our lines are busy."}, "next": "bye"},
    {"id": "bye", "type": "hangup"}]}


class QueuePriorityTest(unittest.TestCase):
    """max_callers, the caller's place in line, and higher-priority queues served first."""

    def test_full_queue_takes_its_exit_and_priority_callers_go_first(self):
        port = free_port()
        provider = http.server.HTTPServer(("127.0.0.1", port), StandInProvider)
        threading.Thread(target=provider.serve_forever, daemon=True).start()
        self.addCleanup(provider.server_close)
        self.addCleanup(provider.shutdown)
        d = Daemon(extra_config={"provider": {"api_base_url": "http://127.0.0.1:%d" % port}}).start()
        self.addCleanup(d.close)
        admin = d.demo_admin_key
        self.assertEqual(d.api("PUT", "/v1/flows/prio/draft", admin, PRIORITY)[0], 201)
        self.assertEqual(d.api("POST", "/v1/flows/prio/publish", admin)[0], 200)
        d.api("PUT", "/v1/numbers/%2B815012345678/flow", admin, {"flow_id": "prio"})
        for user in ("u_sato", "u_kato"):
            d.api("PUT", "/v1/users/%s/presence" % user, admin, {"presence": "away"})

        regular = [call_sid(8100 + i) for i in range(3)]
        waits = []
        for sid in regular[:2]:
            root = ET.fromstring(d.signed_form("/twilio/voice", voice_params(sid))[2])
            self.assertEqual([c.tag for c in root], ["Enqueue"])
            waits.append(path_of(root[0].get("waitUrl")))
        # A third regular caller finds the queue at max_callers: the queue_full exit, not the queue.
        root = ET.fromstring(d.signed_form("/twilio/voice", voice_params(regular[2]))[2])
        self.assertEqual([(c.tag, c.text) for c in root], [("Say", "All our lines are busy."), ("Hangup", None)])
        self.assertEqual(d.api("GET", "/v1/calls/" + regular[2], admin)[1]["flow_path"], ["route", "regular", "full", "bye"])

        # The second caller is told their place on arrival.
        body = d.signed_form(waits[1], dict(voice_params(regular[1]), QueueTime="0", QueuePosition="2"))[2]
        self.assertEqual([(c.tag, c.text) for c in ET.fromstring(body)][0], ("Say", "You are number 2 in line."))

        vip = call_sid(8200)
        root = ET.fromstring(d.signed_form("/twilio/voice", voice_params(vip, frm="+14155550100"))[2])
        self.assertEqual([c.tag for c in root], ["Enqueue"])

        before = len(StandInProvider.received)
        d.api("PUT", "/v1/users/u_kato/presence", admin, {"presence": "available"})
        deadline = time.time() + 10
        while len(StandInProvider.received) == before and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        moved = [p for p, _, _ in StandInProvider.received[before:]]
        # The VIP caller came last but waits in the higher-priority queue.
        self.assertEqual(moved, ["/2010-04-01/Accounts/%s/Calls/%s.json" % (DEMO_ACCOUNT, vip)])
        # The first regular caller is still first in their own line.
        body = d.signed_form(waits[0], dict(voice_params(regular[0]), QueueTime="30", QueuePosition="1"))[2]
        self.assertEqual([(c.tag, c.text) for c in ET.fromstring(body)][0], ("Say", "You are number 1 in line."))
        metrics = d.request("GET", "/metrics")[2].decode()
        self.assertIn("callrouter_queue_assigned_total 1\n", metrics)
        self.assertIn("callrouter_queued_callers 2\n", metrics)


if __name__ == "__main__":
    unittest.main()
