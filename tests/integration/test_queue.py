"""Issue 5: a caller waits in a ring group's queue and is moved to the first agent who becomes
available, through the provider REST API — served here by a stand-in provider on loopback."""
import base64
import http.server
import json
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

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        StandInProvider.received.append((self.path, self.headers.get("Authorization"), urllib.parse.parse_qs(body)))
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
        self.assertEqual(enqueue.text, "demo:sales")  # queue names are scoped to the org
        status, _, body = d.signed_form(path_of(enqueue.get("waitUrl")), dict(voice_params(first), QueueTime="5"))
        self.assertEqual([c.tag for c in ET.fromstring(body)], ["Play"])
        status, _, body = d.signed_form(path_of(enqueue.get("waitUrl")), dict(voice_params(first), QueueTime="121"))
        self.assertEqual([c.tag for c in ET.fromstring(body)], ["Leave"])
        time.sleep(0.01)
        d.signed_form("/twilio/voice", voice_params(second))

        before = len(StandInProvider.received)
        self.set_presence("u_kato", "available")
        self.wait_for_update(before + 1)
        time.sleep(0.2)
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


if __name__ == "__main__":
    unittest.main()
