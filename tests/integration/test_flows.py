"""Issue 4: flows over the API (draft, validation, publish, diff, enable/disable, delete,
numbers) and calls walked through a flow with signed webhooks, against the real daemon."""
import json
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from harness import DEMO_NUMBER, Daemon, call_sid, status_params, voice_params

WALK = {
    "name": "Walk", "description": "menu -> group -> voicemail", "start": "hello",
    "states": [
        {"id": "hello", "type": "say", "say": {"text": "Welcome <&> \"friends\"", "language": "en-US"}, "next": "menu"},
        {"id": "menu", "type": "menu", "prompt": {"text": "Press 1 for sales"}, "options": {"1": "sales"},
         "attempts": 2, "on": {"no_input": "vm", "invalid": "vm"}},
        {"id": "sales", "type": "ring_group", "group": "sales", "ring_timeout_s": 15,
         "on": {"no_answer": "vm"}},
        {"id": "vm", "type": "voicemail", "greeting": {"text": "Leave a message"}, "max_length_s": 60,
         "notify": {"group": "sales"}, "next": "bye"},
        {"id": "bye", "type": "hangup"},
    ],
}


def verbs(body):
    return [c.tag for c in ET.fromstring(body)]


def path_of(url):
    """The path and query of a callback URL, as the provider would request it."""
    parts = urllib.parse.urlsplit(url)
    return parts.path + "?" + parts.query


class FlowApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        cls.admin = cls.d.demo_admin_key
        status, body = cls.d.api("POST", "/v1/keys", cls.admin, {"role": "agent", "user_id": "u_sato"})
        assert status == 201, body
        cls.agent = body["key"]

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def publish_walk(self, flow_id="walk", definition=WALK):
        d = self.d
        status, body = d.api("PUT", "/v1/flows/%s/draft" % flow_id, self.admin, definition)
        self.assertIn(status, (200, 201), body)
        status, body = d.api("POST", "/v1/flows/%s/publish" % flow_id, self.admin)
        self.assertEqual(status, 200, body)
        status, body = d.api("PUT", "/v1/numbers/%s/flow" % urllib.parse.quote(DEMO_NUMBER), self.admin,
                             {"flow_id": flow_id})
        self.assertEqual(status, 200, body)
        return body

    def callback(self, path, sid, **params):
        base = dict(voice_params(sid), CallStatus="in-progress")
        base.update(params)
        return self.d.signed_form(path, base)

    def test_call_walks_menu_group_voicemail(self):
        d = self.d
        self.publish_walk()
        sid = call_sid(4000)
        status, headers, body = d.signed_form("/twilio/voice", voice_params(sid))
        self.assertEqual(status, 200, body)
        root = ET.fromstring(body)
        self.assertEqual(verbs(body), ["Say", "Gather"])
        self.assertEqual(root[0].text, 'Welcome <&> "friends"')  # escaped on the wire, intact when parsed
        gather = root[1]
        self.assertEqual(gather.get("action"), d.base + "/twilio/gather?state=menu&visit=2")
        self.assertEqual(gather.get("numDigits"), "1")
        self.assertEqual([c.tag for c in gather], ["Say"])

        status, _, body = self.callback(path_of(gather.get("action")), sid, Digits="1")
        self.assertEqual(status, 200, body)
        root = ET.fromstring(body)
        self.assertEqual(verbs(body), ["Dial"])
        dial = root[0]
        self.assertEqual(dial.get("action"), d.base + "/twilio/dial?state=sales&visit=3")
        self.assertEqual(sorted((c.tag, c.text) for c in dial), [("Client", "kato"), ("Client", "sato")])
        self.assertEqual(dial.get("timeout"), "15")

        # A callback naming another state is refused; the call stays where it is.
        status, _, _ = self.callback(path_of(gather.get("action")), sid, Digits="1")
        self.assertEqual(status, 200)  # a retry of the answered gather replays its answer
        status, _, _ = self.callback("/twilio/recording?state=vm", sid, RecordingUrl="https://x/r")
        self.assertEqual(status, 409)

        status, _, body = self.callback(path_of(dial.get("action")), sid, DialCallStatus="no-answer")
        self.assertEqual(status, 200, body)
        root = ET.fromstring(body)
        self.assertEqual(verbs(body), ["Say", "Record", "Redirect"])
        record = root[1]
        self.assertEqual(record.get("action"), d.base + "/twilio/recording?state=vm&visit=4")
        # The recording's status report shares the URL; it is recorded, not answered as a replay.
        status, _, body = self.callback(path_of(record.get("recordingStatusCallback")), sid,
                                        RecordingStatus="completed", RecordingSid="RE1")
        self.assertEqual((status, json.loads(body)), (200, {"status": "recorded"}))

        status, _, body = self.callback(path_of(record.get("action")), sid, RecordingUrl="https://x/r",
                                        RecordingDuration="12")
        self.assertEqual(status, 200, body)
        self.assertEqual(verbs(body), ["Hangup"])
        d.signed_form("/twilio/status", status_params(sid, "completed", 4, CallDuration="40"))

        status, call = d.api("GET", "/v1/calls/" + sid, self.admin)
        self.assertEqual(status, 200)
        self.assertEqual(call["flow_path"], ["hello", "menu", "sales", "vm", "bye"])
        self.assertEqual(call["disposition"], "voicemail")
        self.assertEqual(call["status"], "completed")
        kinds = [e["kind"] for e in call["events"]]
        self.assertEqual(kinds.count("gather"), 1)
        self.assertEqual(kinds.count("dial"), 1)
        self.assertEqual(kinds.count("recording"), 1)
        self.assertEqual(kinds.count("recording_status"), 1)  # the report is recorded, separately

    def test_a_flow_that_returns_to_a_menu_asks_afresh(self):
        loop = {"start": "menu", "states": [
            {"id": "menu", "type": "menu", "prompt": {"text": "1 info, 2 bye"}, "options": {"1": "info", "2": "bye"}},
            {"id": "info", "type": "say", "say": {"text": "Info"}, "next": "menu"},
            {"id": "bye", "type": "hangup"}]}
        self.publish_walk("loop", loop)
        sid = call_sid(4005)
        status, _, body = self.d.signed_form("/twilio/voice", voice_params(sid))
        first = ET.fromstring(body)[0].get("action")
        status, _, body = self.callback(path_of(first), sid, Digits="1")
        self.assertEqual(verbs(body), ["Say", "Gather"])
        second = ET.fromstring(body)[1].get("action")
        self.assertNotEqual(first, second)
        status, _, body = self.callback(path_of(second), sid, Digits="2")
        self.assertEqual(verbs(body), ["Hangup"])
        # The first visit's URL replays its own answer; it does not move the call again.
        status, _, body = self.callback(path_of(first), sid, Digits="1")
        self.assertEqual(verbs(body), ["Say", "Gather"])
        self.assertEqual(self.d.api("GET", "/v1/calls/" + sid, self.admin)[1]["flow_path"],
                         ["menu", "info", "menu", "bye"])

    def test_menu_retries_then_takes_no_input(self):
        self.publish_walk()
        sid = call_sid(4001)
        status, _, body = self.d.signed_form("/twilio/voice", voice_params(sid))
        first = ET.fromstring(body)[1].get("action")
        status, _, body = self.callback(path_of(first), sid, Digits="")
        self.assertEqual(verbs(body), ["Gather"])
        again = ET.fromstring(body)[0].get("action")
        self.assertIn("attempt=1", again)
        # The first attempt's URL is stale now: it replays its own answer.
        self.assertEqual(self.callback(path_of(first), sid, Digits="9")[2], body)
        status, _, body = self.callback(path_of(again), sid, Digits="")
        self.assertEqual(verbs(body), ["Say", "Record", "Redirect"])

    def test_publish_while_calls_are_mid_flow(self):
        d = self.d
        self.publish_walk("pinned")
        old_call = call_sid(4002)
        d.signed_form("/twilio/voice", voice_params(old_call))
        v2 = json.loads(json.dumps(WALK))
        v2["states"][1]["options"] = {"1": "bye", "2": "sales"}
        v2["states"][0]["say"]["text"] = "Version two"
        status, body = d.api("PUT", "/v1/flows/pinned/draft", self.admin, v2)
        self.assertEqual(status, 200, body)
        status, diff = d.api("GET", "/v1/flows/pinned/diff", self.admin)
        self.assertEqual(status, 200)
        changed = {c["id"]: [f["path"] for f in c["fields"]] for c in diff["states"]["changed"]}
        self.assertEqual(changed, {"hello": ["say.text"], "menu": ["options.1", "options.2"]})
        status, body = d.api("POST", "/v1/flows/pinned/publish", self.admin)
        self.assertEqual(body["version"], 2)
        # The call that started on version 1 finishes on version 1 ...
        status, _, body = self.callback("/twilio/gather?state=menu", old_call, Digits="1")  # no visit: not checked
        self.assertEqual(verbs(body), ["Dial"])
        # ... new calls get version 2.
        new_call = call_sid(4003)
        status, _, body = d.signed_form("/twilio/voice", voice_params(new_call))
        self.assertEqual(ET.fromstring(body)[0].text, "Version two")
        status, _, body = self.callback("/twilio/gather?state=menu", new_call, Digits="1")
        self.assertEqual(verbs(body), ["Hangup"])
        status, flow = d.api("GET", "/v1/flows/pinned", self.admin)
        self.assertEqual([v["version"] for v in flow["versions"]], [1, 2])
        self.assertEqual(flow["numbers"], [DEMO_NUMBER])
        # Survives a restart: versions and pinning.
        d.restart()
        status, flow = d.api("GET", "/v1/flows/pinned", self.admin)
        self.assertEqual(flow["published"]["version"], 2)

    def test_validation_errors_name_state_and_field(self):
        bad = json.loads(json.dumps(WALK))
        bad["states"][1]["options"] = {"1": "nowhere"}
        status, body = self.d.api("PUT", "/v1/flows/bad/draft", self.admin, bad)
        self.assertEqual(status, 422)
        self.assertEqual(body["error"]["message"], "state 'menu': field 'options.1': no state 'nowhere'")
        bad = json.loads(json.dumps(WALK))
        bad["states"][2]["group"] = "marketing"
        status, body = self.d.api("PUT", "/v1/flows/bad/draft", self.admin, bad)
        self.assertIn("state 'sales': field 'group': no telephony group 'marketing'", body["error"]["message"])
        status, _ = self.d.api("PUT", "/v1/flows/bad/draft", self.admin, "{nope")
        self.assertIn(status, (400, 422))
        # Unreachable states: saved with a warning, refused at publish.
        draft = json.loads(json.dumps(WALK))
        draft["states"].append({"id": "orphan", "type": "hangup"})
        status, body = self.d.api("PUT", "/v1/flows/warn/draft", self.admin, draft)
        self.assertEqual(status, 201, body)
        self.assertIn("orphan", body["warnings"][0])
        status, body = self.d.api("POST", "/v1/flows/warn/publish", self.admin)
        self.assertEqual(status, 422)
        self.assertIn("orphan", body["error"]["message"])

    def test_disable_enable_delete_and_admin_only(self):
        d = self.d
        self.publish_walk("toggle")
        self.assertEqual(d.api("POST", "/v1/flows/toggle/disable", self.admin)[0], 200)
        status, _, body = d.signed_form("/twilio/voice", voice_params(call_sid(4010)))
        self.assertEqual(verbs(body), ["Reject"])
        self.assertEqual(d.api("POST", "/v1/flows/toggle/enable", self.admin)[0], 200)
        status, _, body = d.signed_form("/twilio/voice", voice_params(call_sid(4011)))
        self.assertEqual(verbs(body), ["Say", "Gather"])
        # Deleting a flow that numbers run is refused, naming them.
        status, body = d.api("DELETE", "/v1/flows/toggle", self.admin)
        self.assertEqual(status, 409)
        self.assertIn(DEMO_NUMBER, body["error"]["message"])
        self.assertEqual(d.api("PUT", "/v1/numbers/%2B815012345678/flow", self.admin, {"flow_id": "main"})[0], 200)
        self.assertEqual(d.api("DELETE", "/v1/flows/toggle", self.admin)[0], 200)
        self.assertEqual(d.api("GET", "/v1/flows/toggle", self.admin)[0], 404)
        self.assertEqual(d.api("PUT", "/v1/numbers/%2B815012345678/flow", self.admin, {"flow_id": "toggle"})[0], 422)
        self.assertEqual(d.api("PUT", "/v1/numbers/%2B819999999999/flow", self.admin, {"flow_id": "main"})[0], 404)
        # Agents cannot configure.
        for method, path, body in [("GET", "/v1/flows", None), ("PUT", "/v1/flows/x/draft", WALK),
                                   ("POST", "/v1/flows/main/publish", None), ("GET", "/v1/numbers", None)]:
            self.assertEqual(d.api(method, path, self.agent, body)[0], 403, path)
        status, body = d.api("GET", "/v1/numbers", self.admin)
        self.assertEqual(body["numbers"][0]["number"], DEMO_NUMBER)

    def test_create_flow_then_draft_and_publish(self):
        d = self.d
        status, body = d.api("POST", "/v1/flows", self.admin, {"id": "created", "name": "Created", "description": "new"})
        self.assertEqual(status, 201, body)
        self.assertEqual(body["id"], "created")
        self.assertEqual(body["draft"], {"name": "Created", "description": "new", "states": []})
        self.assertIsNone(body["published"])
        self.assertTrue(body["enabled"])
        self.assertEqual(d.api("GET", "/v1/flows/created", self.admin)[1], body)
        # An empty draft is not publishable; the designer saves states first.
        self.assertEqual(d.api("POST", "/v1/flows/created/publish", self.admin)[0], 422)
        self.assertEqual(d.api("PUT", "/v1/flows/created/draft", self.admin, WALK)[0], 200)
        self.assertEqual(d.api("POST", "/v1/flows/created/publish", self.admin)[0], 200)
        # Without an id the first free flow-N is taken; an existing id conflicts.
        status, first = d.api("POST", "/v1/flows", self.admin, {"name": "Unnamed"})
        status2, second = d.api("POST", "/v1/flows", self.admin, {})
        self.assertEqual((status, status2), (201, 201))
        self.assertRegex(first["id"], r"^flow-\d+$")
        self.assertNotEqual(first["id"], second["id"])
        self.assertEqual(d.api("POST", "/v1/flows", self.admin, {"id": "created"})[0], 409)
        # A deleted flow's id stays taken: its versions still exist for the calls that ran on them.
        self.assertEqual(d.api("DELETE", "/v1/flows/" + second["id"], self.admin)[0], 200)
        self.assertEqual(d.api("POST", "/v1/flows", self.admin, {"id": second["id"]})[0], 409)
        for bad in [{"id": "Bad Id"}, {"name": 3}, {"colour": "red"}, "[]", "{"]:
            status, body = d.api("POST", "/v1/flows", self.admin, bad)
            self.assertEqual(status, 400, bad)
            self.assertEqual(body["error"]["code"], "invalid_request")
        self.assertEqual(d.api("POST", "/v1/flows", self.agent, {"id": "mine"})[0], 403)
        # It survives a restart like any saved draft.
        d.restart()
        self.assertEqual(d.api("GET", "/v1/flows/" + first["id"], self.admin)[1]["name"], "Unnamed")

    def test_other_orgs_see_no_flows(self):
        d = self.d
        status, body = d.api("POST", "/v1/orgs", d.system_key, {
            "id": "other", "account_sid": "AC" + "d" * 32, "auth_token": "d" * 32, "timezone": "UTC"})
        self.assertEqual(status, 201, body)
        status, body = d.api("POST", "/v1/keys", d.system_key, {"org": "other", "role": "admin"})
        other = body["key"]
        self.assertEqual(d.api("GET", "/v1/flows/main", other), d.api("GET", "/v1/flows/nothing", other))
        self.assertEqual(d.api("GET", "/v1/flows", other)[1], {"flows": []})
        self.assertEqual(d.api("PUT", "/v1/numbers/%2B815012345678/flow", other, {"flow_id": None})[0], 404)
        self.assertEqual(d.api("POST", "/v1/flows/main/disable", other)[0], 404)


if __name__ == "__main__":
    unittest.main()
