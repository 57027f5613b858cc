"""Recording storage: each completed recording counts once against the org's quota (1,000 free
minutes); once it is used up, calls ring unrecorded and the CRM is told through billing events."""
import os
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from harness import DEMO_ACCOUNT, DEMO_TOKEN, SOURCE_DIR, Daemon, call_sid, status_params, voice_params
from provider_standin import ProviderStandIn

FLOW = {"start": "pick", "states": [
    {"id": "pick", "type": "branch", "rules": [{"if": {"caller_prefix": "+1"}, "next": "vm"}], "default": "ring"},
    {"id": "ring", "type": "ring_user", "user": "u_sato", "record": True,
     "on": {"no_answer": "vm", "busy": "vm", "unavailable": "vm"}},
    {"id": "vm", "type": "voicemail", "greeting": {"text": "Leave a message"}, "next": "bye"},
    {"id": "bye", "type": "hangup"}]}


def path_of(url):
    parts = urllib.parse.urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def start_with_flow(test, extra_config=None):
    """A daemon with the rate card and FLOW on the demo number, Sato available."""
    config = {"billing": {"rates_file": os.path.join(SOURCE_DIR, "config", "rates.json")}}
    config.update(extra_config or {})
    d = Daemon(extra_config=config).start()
    test.addCleanup(d.close)
    admin = d.demo_admin_key
    test.assertEqual(d.api("PUT", "/v1/flows/rq/draft", admin, FLOW)[0], 201)
    test.assertEqual(d.api("POST", "/v1/flows/rq/publish", admin)[0], 200)
    d.api("PUT", "/v1/numbers/%2B815012345678/flow", admin, {"flow_id": "rq"})
    d.api("PUT", "/v1/users/u_sato/presence", admin, {"presence": "available"})
    return d, admin


class RecordingQuotaTest(unittest.TestCase):
    def test_recordings_count_once_and_a_used_quota_stops_call_recording(self):
        provider = ProviderStandIn({DEMO_ACCOUNT: DEMO_TOKEN})
        self.addCleanup(provider.close)
        d, admin = start_with_flow(self, {"provider": {"api_base_url": provider.url}})

        def dial_of(sid):
            root = ET.fromstring(d.signed_form("/twilio/voice", voice_params(sid))[2])
            self.assertEqual(root[0].tag, "Dial")
            return root[0]

        dial = dial_of(call_sid(9100))
        self.assertEqual(dial.get("record"), "record-from-answer")
        # The call's recording reports its length: counted once, however often it is reported.
        for _ in range(2):
            status, _, _ = d.signed_form(urllib.parse.urlsplit(dial.get("recordingStatusCallback")).path, dict(
                voice_params(call_sid(9100)), RecordingSid="RE" + "0" * 32, RecordingStatus="completed",
                RecordingDuration="30", RecordingUrl="https://x/RE0"))
            self.assertEqual(status, 200)
        d.signed_form("/twilio/status", status_params(call_sid(9100), "completed", 1, CallDuration="40"))

        def voicemail(sid, recording_sid, seconds):
            root = ET.fromstring(d.signed_form("/twilio/voice", voice_params(sid, frm="+14155550100"))[2])
            record = [c for c in root if c.tag == "Record"][0]
            params = dict(voice_params(sid, frm="+14155550100"), RecordingSid=recording_sid, RecordingStatus="completed",
                          RecordingDuration=str(seconds), RecordingUrl="https://x/" + recording_sid)
            for _ in range(2):  # the provider may send it twice: counted once
                status, _, _ = d.signed_form(path_of(record.get("recordingStatusCallback")), params)
                self.assertEqual(status, 200)

        voicemail(call_sid(9101), "RE" + "1" * 32, 90)
        recording = d.api("GET", "/v1/wallet", admin)[1]["recording"]
        self.assertEqual((recording["used_s"], recording["included_s"]), (120, 60000))
        def quota_events():
            return [e for e in d.api("GET", "/v1/wallet/events", admin)[1]["events"]
                    if e["event"]["kind"] == "recording.quota_used"]
        self.assertEqual(quota_events(), [])

        # One long recording uses the rest of the quota: the admin is told, once.
        voicemail(call_sid(9102), "RE" + "2" * 32, 59_950)
        self.assertEqual(d.api("GET", "/v1/wallet", admin)[1]["recording"]["used_s"], 60_070)
        self.assertEqual(len(quota_events()), 1)
        # The next call still rings, unrecorded.
        dial = dial_of(call_sid(9103))
        self.assertIsNone(dial.get("record"))
        self.assertEqual([c.tag for c in dial], ["Client"])

        d.restart()
        self.assertEqual(d.api("GET", "/v1/wallet", admin)[1]["recording"]["used_s"], 60_070)
        d.signed_form("/twilio/status", status_params(call_sid(9103), "canceled", 1))

        # Deleting the long recording (at the provider too) gives its seconds back, once.
        self.assertEqual(d.api("DELETE", "/v1/recordings/RE" + "2" * 32, admin)[0], 204)
        self.assertEqual(len(provider.received("DELETE", r"Recordings/RE2{32}\.json")), 1)
        self.assertEqual(d.api("GET", "/v1/wallet", admin)[1]["recording"]["used_s"], 120)
        self.assertEqual(d.api("DELETE", "/v1/recordings/RE" + "2" * 32, admin)[0], 404)
        self.assertEqual(dial_of(call_sid(9104)).get("record"), "record-from-answer")
        d.signed_form("/twilio/status", status_params(call_sid(9104), "canceled", 1))

    def test_a_finished_recording_is_linked_from_its_call_and_the_log(self):
        d, admin = start_with_flow(self)

        def report(sid, caller, tag, recording_sid, status, url):
            root = ET.fromstring(d.signed_form("/twilio/voice", voice_params(sid, frm=caller))[2])
            element = [c for c in root.iter() if c.tag == tag][0]
            params = dict(voice_params(sid, frm=caller), RecordingSid=recording_sid, RecordingStatus=status,
                          RecordingDuration="12", RecordingUrl=url)
            return d.signed_form(path_of(element.get("recordingStatusCallback")), params)

        def call(sid):
            status, body = d.api("GET", "/v1/calls/" + sid, admin)
            self.assertEqual(status, 200, body)
            return body

        talked, left, hostile = call_sid(9200), call_sid(9201), call_sid(9202)
        rec_url = "https://api.twilio.com/2010-04-01/Accounts/%s/Recordings/RE%s" % (DEMO_ACCOUNT, "3" * 32)
        self.assertEqual(report(talked, "+819011110000", "Dial", "RE" + "3" * 32, "in-progress", rec_url)[0], 200)
        self.assertNotIn("recording_url", call(talked))  # not finished: no link yet
        self.assertEqual(report(talked, "+819011110000", "Dial", "RE" + "3" * 32, "completed", rec_url)[0], 200)
        self.assertEqual(call(talked)["recording_url"], rec_url)
        d.signed_form("/twilio/status", status_params(talked, "completed", 1, CallDuration="40"))  # Sato is free again

        vm_url = "https://api.twilio.com/2010-04-01/Accounts/%s/Recordings/RE%s" % (DEMO_ACCOUNT, "4" * 32)
        self.assertEqual(report(left, "+14155550100", "Record", "RE" + "4" * 32, "completed", vm_url)[0], 200)
        self.assertEqual(call(left)["voicemail_url"], vm_url)
        self.assertNotIn("recording_url", call(left))

        # What is not an https URL is refused (it would become a link and a CSV cell), and not kept.
        status, _, body = report(hostile, "+819011110002", "Dial", "RE" + "5" * 32, "completed", "javascript:alert(1)")
        self.assertEqual(status, 400, body)
        self.assertNotIn("recording_url", call(hostile))

        d.restart()
        listed = {c["sid"]: c for c in d.api("GET", "/v1/calls", admin)[1]["calls"]}
        self.assertEqual((listed[talked]["recording_url"], listed[talked]["voicemail_url"]), (rec_url, None))
        self.assertEqual((listed[left]["recording_url"], listed[left]["voicemail_url"]), (None, vm_url))
        self.assertEqual((listed[hostile]["recording_url"], listed[hostile]["voicemail_url"]), (None, None))
        feed = d.api("GET", "/v1/events?limit=500", admin)[1]["events"]
        linked = [(e["call_sid"], e["data"].get("recording_url"), e["data"].get("voicemail_url"))
                  for e in feed if e["type"] == "call.recording"]
        self.assertEqual(linked, [(talked, rec_url, None), (left, None, vm_url)])
        csv = d.request("GET", "/v1/calls.csv", headers={"Authorization": "Bearer " + admin})[2].decode("utf-8-sig")
        rows = [line.split(",") for line in csv.split("\r\n")[1:] if line]
        by_sid = {r[0]: r for r in rows}
        self.assertEqual(by_sid[talked][-2:], [rec_url, ""])
        self.assertEqual(by_sid[left][-2:], ["", vm_url])

    def test_a_bigger_recording_plan_is_paid_once_a_month(self):
        d = Daemon(extra_config={"billing": {"rates_file": os.path.join(SOURCE_DIR, "config", "rates.json")}}).start()
        self.addCleanup(d.close)
        admin = d.demo_admin_key
        status, body = d.api("PUT", "/v1/wallet/recording-plan", admin, {"plan": "plus"})
        self.assertEqual((status, body["error"]["code"]), (402, "insufficient_balance"))
        d.api("POST", "/v1/wallet/topups", admin, {"amount_micro": 5_000_000, "payment_id": "rp"})
        for _ in range(2):  # asked twice: paid once (config/rates.json: plus is 2.00 a month)
            status, wallet = d.api("PUT", "/v1/wallet/recording-plan", admin, {"plan": "plus"})
            self.assertEqual(status, 200)
            self.assertEqual((wallet["balance_micro"], wallet["recording"]["plan"], wallet["recording"]["included_s"]),
                             (3_000_000, "plus", 300_000))
        status, body = d.api("PUT", "/v1/wallet/recording-plan", admin, {"plan": "gold"})
        self.assertEqual((status, body["error"]["code"]), (422, "unknown_plan"))
        kinds = [e["kind"] for e in d.api("GET", "/v1/wallet/ledger", admin)[1]["entries"]]
        self.assertEqual(kinds, ["topup", "recording_storage"])


if __name__ == "__main__":
    unittest.main()
