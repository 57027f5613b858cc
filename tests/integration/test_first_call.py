"""Issue 2: the first routed call, end to end against the real daemon."""
import json
import re
import signal
import socket
import threading
import time
import unittest
import xml.etree.ElementTree as ET

from harness import DEMO_NUMBER, DEMO_TOKEN, Daemon, call_sid, demo_first_answer, voice_params


class FirstCallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def parse_twiml(self, headers, body):
        self.assertEqual(headers["content-type"], "text/xml")
        self.assertTrue(body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), body)
        return ET.fromstring(body)

    def test_signed_call_to_demo_number_gets_japanese_greeting(self):
        status, headers, body = self.d.signed_form("/twilio/voice", voice_params(call_sid(1)))
        self.assertEqual(status, 200, body)
        root = self.parse_twiml(headers, body)
        self.assertEqual(root.tag, "Response")
        verbs, _ = demo_first_answer()
        self.assertEqual([c.tag for c in root], verbs)
        say = root[0]
        self.assertEqual(say.get("language"), "ja-JP")
        self.assertIn("お電話ありがとうございます", say.text)
        # Callbacks point back at this daemon, naming the state that waits.
        callback = root[1].get("action") or root[2].get("action")
        self.assertTrue(callback.startswith(self.d.base + "/twilio/"), callback)
        self.assertIn("?state=", callback)

    def test_get_webhook_signed_over_query(self):
        status, headers, body = self.d.signed_form("/twilio/voice", voice_params(call_sid(2)), method="GET")
        self.assertEqual(status, 200, body)
        self.assertEqual([c.tag for c in self.parse_twiml(headers, body)], demo_first_answer()[0])

    def test_unknown_number_is_rejected(self):
        status, headers, body = self.d.signed_form("/twilio/voice", voice_params(call_sid(3), to="+815000000000"))
        self.assertEqual(status, 200, body)
        root = self.parse_twiml(headers, body)
        self.assertEqual([c.tag for c in root], ["Reject"])

    def test_missing_signature_is_403_with_json_error(self):
        status, headers, body = self.d.request(
            "POST", "/twilio/voice", body="CallSid=%s&To=%%2B815012345678" % call_sid(4),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(body)["error"]["code"], "forbidden")

    def test_wrong_signature_is_403(self):
        params = voice_params(call_sid(5))
        good = self.d.signed_form  # sign with a wrong token instead
        status, _, body = good("/twilio/voice", params, token="f" * 32)
        self.assertEqual(status, 403, body)
        # A valid signature for other parameters does not cover tampered ones.
        from twilio.request_validator import RequestValidator
        import urllib.parse
        sig = RequestValidator(DEMO_TOKEN).compute_signature(self.d.base + "/twilio/voice", params)
        tampered = dict(params, From="+819099999999")
        status, _, _ = self.d.request("POST", "/twilio/voice", body=urllib.parse.urlencode(tampered), headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig})
        self.assertEqual(status, 403)

    def test_malformed_body_is_400(self):
        status, _, body = self.d.request("POST", "/twilio/voice", body="CallSid=%zz&To=%2",
                                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                                  "X-Twilio-Signature": "AAAA"})
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["error"]["code"], "bad_request")

    def test_signed_request_without_callsid_is_400(self):
        params = voice_params(call_sid(6))
        del params["CallSid"]
        status, _, _ = self.d.signed_form("/twilio/voice", params)
        self.assertEqual(status, 400)

    def test_health_ready_and_json_errors(self):
        self.assertEqual(self.d.request("GET", "/healthz")[0], 200)
        self.assertEqual(self.d.request("GET", "/readyz")[0], 200)
        status, _, body = self.d.request("GET", "/nope")
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["error"]["code"], "not_found")
        status, headers, body = self.d.request("DELETE", "/twilio/voice")
        self.assertEqual(status, 405)
        self.assertIn("POST", headers["allow"])
        self.assertEqual(json.loads(body)["error"]["code"], "method_not_allowed")

    def test_limits_431_and_413(self):
        status, _, _ = self.d.request("GET", "/healthz", headers={"X-Big": "a" * 20000})
        self.assertEqual(status, 431)
        status, _, _ = self.d.request("POST", "/twilio/voice", body="a=" + "b" * 100000,
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 413)
        # The daemon keeps serving after both.
        self.assertEqual(self.d.request("GET", "/healthz")[0], 200)

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=5)
        for _ in range(3):
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            resp.read()
        conn.close()

    def test_metrics_count_requests_by_route_and_status(self):
        self.d.signed_form("/twilio/voice", voice_params(call_sid(7)))
        self.d.request("POST", "/twilio/voice", body="x=1")
        status, headers, body = self.d.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        text = body.decode()
        ok = re.search(r'callrouter_http_requests_total\{route="/twilio/voice",status="200"\} (\d+)', text)
        forbidden = re.search(r'callrouter_http_requests_total\{route="/twilio/voice",status="403"\} (\d+)', text)
        self.assertTrue(ok and int(ok.group(1)) >= 1, text)
        self.assertTrue(forbidden and int(forbidden.group(1)) >= 1, text)
        self.assertIn("callrouter_http_request_duration_seconds_bucket", text)
        self.assertRegex(text, r"callrouter_http_open_connections \d+")


class DurabilityAndShutdownTest(unittest.TestCase):
    def setUp(self):
        self.d = Daemon()

    def tearDown(self):
        self.d.close()

    def test_call_record_survives_restart(self):
        self.d.start()
        sid = call_sid(100)
        status, _, _ = self.d.signed_form("/twilio/voice", voice_params(sid))
        self.assertEqual(status, 200)
        rejected = call_sid(101)
        self.d.signed_form("/twilio/voice", voice_params(rejected, to="+815000000000"))
        self.assertEqual(self.d.stop(), 0)
        record = self.d.show_call("demo", sid)
        self.assertIsNotNone(record)
        self.assertEqual(record["sid"], sid)
        self.assertEqual(record["to"], DEMO_NUMBER)
        self.assertEqual(record["flow_id"], "main")
        self.assertEqual(record["flow_path"], demo_first_answer()[1])
        self.assertEqual(self.d.show_call("demo", rejected)["disposition"], "rejected")
        self.assertIsNone(self.d.show_call("demo", call_sid(999)))
        # And the restarted daemon serves again with the same data (no second seeding).
        self.d.start()
        status, _, _ = self.d.signed_form("/twilio/voice", voice_params(call_sid(102)))
        self.assertEqual(status, 200)
        self.assertEqual(self.d.stop(), 0)
        self.assertEqual(self.d.logs().count("seeded configuration"), 1)

    def test_forged_request_journals_nothing(self):
        self.d.start()
        sid = call_sid(200)
        status, _, _ = self.d.signed_form("/twilio/voice", voice_params(sid), token="e" * 32)
        self.assertEqual(status, 403)
        self.assertEqual(self.d.stop(), 0)
        self.assertIsNone(self.d.show_call("demo", sid))

    def test_sigterm_finishes_in_flight_requests_and_exits_zero(self):
        self.d.start()
        results = {}

        def caller(n):
            try:
                results[n] = self.d.signed_form("/twilio/voice", voice_params(call_sid(300 + n)))[0]
            except OSError as e:  # refused after the listener closed: never half-answered
                results[n] = type(e).__name__

        threads = [threading.Thread(target=caller, args=(n,)) for n in range(40)]
        for t in threads:
            t.start()
        time.sleep(0.01)
        started = time.time()
        code = self.d.stop(signal.SIGTERM)
        elapsed = time.time() - started
        for t in threads:
            t.join()
        self.assertEqual(code, 0, self.d.logs())
        self.assertLess(elapsed, 5)
        answered = [n for n, r in results.items() if r == 200]
        self.assertTrue(all(r == 200 or r in ("ConnectionRefusedError", "ConnectionResetError",
                                              "RemoteDisconnected") for r in results.values()), results)
        self.assertGreater(len(answered), 0)
        # Every call that was answered 200 is in the journal.
        for n in answered:
            self.assertIsNotNone(self.d.show_call("demo", call_sid(300 + n)), n)

    def test_idle_keep_alive_connection_does_not_block_shutdown(self):
        self.d.start()
        s = socket.create_connection(("127.0.0.1", self.d.port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(4096)
        started = time.time()
        self.assertEqual(self.d.stop(signal.SIGINT), 0)
        self.assertLess(time.time() - started, 3)
        s.close()


if __name__ == "__main__":
    unittest.main()
