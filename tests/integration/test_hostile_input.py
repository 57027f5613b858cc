"""Issue 19: hostile input at the provider edge, against the real daemon. Text with bytes that are
not UTF-8 is made valid where it enters, once: the call record, its JSON and the change feed are
valid UTF-8 with U+FFFD where the stray bytes were."""
import base64
import hashlib
import hmac
import unittest
import urllib.parse

from harness import DEMO_ACCOUNT, DEMO_NUMBER, DEMO_TOKEN, Daemon, call_sid


def signed_bytes_form(d, path, params):
    """Signs as Twilio does (URL + each name and value, sorted by name) over raw bytes, which the
    twilio package cannot do for values that are not text."""
    data = (d.base + path).encode()
    for name in sorted(params):
        data += name.encode() + params[name]
    signature = base64.b64encode(hmac.new(DEMO_TOKEN.encode(), data, hashlib.sha1).digest()).decode()
    body = urllib.parse.urlencode(params)
    return d.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                       "X-Twilio-Signature": signature})


class NotUtf8Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        cls.admin = cls.d.demo_admin_key

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def test_a_caller_number_with_a_stray_byte_is_stored_as_valid_text(self):
        sid = call_sid(7100)
        params = {"CallSid": sid.encode(), "AccountSid": DEMO_ACCOUNT.encode(), "From": b"+81\xff90",
                  "To": DEMO_NUMBER.encode(), "CallStatus": b"ringing", "Direction": b"inbound",
                  "CallerName": b"\xe4\xbd\x90\xe8\x97\xa4 \xc0\xaf"}  # 佐藤 then an overlong '/'
        status, _, body = signed_bytes_form(self.d, "/twilio/voice", params)
        self.assertEqual(status, 200, body)
        body.decode("utf-8")  # the TwiML answer is valid text too

        status, raw_headers, raw = self.d.request("GET", "/v1/calls/" + sid,
                                                  headers={"Authorization": "Bearer " + self.admin})
        self.assertEqual(status, 200, raw)
        text = raw.decode("utf-8")  # strict: raises on invalid UTF-8
        self.assertIn("+81\ufffd90", text)
        status, feed = self.d.api("GET", "/v1/events?after=0&limit=1000", self.admin)
        self.assertEqual(status, 200)
        ours = [e for e in feed["events"] if e["call_sid"] == sid]
        self.assertTrue(ours)
        self.assertEqual(ours[0]["data"]["from"], "+81\ufffd90")

    def test_the_signature_is_checked_over_the_bytes_as_sent(self):
        # Replacing the stray byte before checking would make this forged form (signed over the
        # replacement character) pass; it must not.
        sid = call_sid(7101)
        params = {"CallSid": sid.encode(), "AccountSid": DEMO_ACCOUNT.encode(), "From": "+81\ufffd90".encode(),
                  "To": DEMO_NUMBER.encode(), "CallStatus": b"ringing"}
        data = (self.d.base + "/twilio/voice").encode()
        for name in sorted(params):
            data += name.encode() + params[name]
        signature = base64.b64encode(hmac.new(DEMO_TOKEN.encode(), data, hashlib.sha1).digest()).decode()
        sent = dict(params, From=b"+81\xff90")
        status, _, _ = self.d.request("POST", "/twilio/voice", body=urllib.parse.urlencode(sent), headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
        self.assertEqual(status, 403)


if __name__ == "__main__":
    unittest.main()
