"""Issue 5 (first part): telephony users, groups and presence over the API."""
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from harness import DEMO_NUMBER, Daemon, call_sid, voice_params

RING = {"name": "r", "start": "ring", "states": [
    {"id": "ring", "type": "ring_group", "group": "support", "on": {"no_answer": "bye"}},
    {"id": "bye", "type": "hangup"}]}


class UsersGroupsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        cls.admin = cls.d.demo_admin_key
        status, body = cls.d.api("POST", "/v1/keys", cls.admin, {"role": "agent", "user_id": "u_sato"})
        cls.agent = body["key"]

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def test_user_and_group_lifecycle(self):
        d, admin = self.d, self.admin
        status, body = d.api("POST", "/v1/groups", admin, {"id": "support", "name": "Support", "wrap_up_s": 15})
        self.assertEqual(status, 201, body)
        status, user = d.api("POST", "/v1/users", admin, {
            "id": "u_ito", "name": "Ito", "client": "ito", "groups": ["support"], "allow_outgoing": True,
            "caller_id": DEMO_NUMBER})
        self.assertEqual(status, 201, user)
        self.assertEqual(user["groups"], ["support"])
        self.assertEqual(user["presence"], "offline")
        self.assertIsNone(user["phone"])
        self.assertEqual(d.api("PUT", "/v1/users/u_ito/presence", admin, {"presence": "available"})[0], 200)
        self.assertEqual(d.api("POST", "/v1/users", admin, {"id": "u_ito"})[0], 409)
        for bad, field in [({"id": "u_x", "caller_id": "+819999999999"}, "caller_id"),
                           ({"id": "u_x", "groups": ["nope"]}, "groups"),
                           ({"id": "u_x", "phone": "12345"}, "phone"),
                           ({"id": "U X"}, "id"), ({"id": "u_x", "colour": 1}, "colour")]:
            status, body = d.api("POST", "/v1/users", admin, bad)
            self.assertEqual(status, 400, bad)
            self.assertIn(field, body["error"]["message"])
        status, listed = d.api("GET", "/v1/users?group=support", admin)
        self.assertEqual([u["id"] for u in listed["users"]], ["u_ito"])
        status, group = d.api("GET", "/v1/groups/support", admin)
        self.assertEqual(group["members"], ["u_ito"])

        # A flow ringing the group rings its members' softphones.
        d.api("PUT", "/v1/flows/ring/draft", admin, RING)
        self.assertEqual(d.api("POST", "/v1/flows/ring/publish", admin)[0], 200)
        d.api("PUT", "/v1/numbers/%s/flow" % urllib.parse.quote(DEMO_NUMBER), admin, {"flow_id": "ring"})
        status, _, body = d.signed_form("/twilio/voice", voice_params(call_sid(6000)))
        dial = ET.fromstring(body)[0]
        self.assertEqual([(c.tag, c.text) for c in dial], [("Client", "ito")])
        # Away agents are not rung: nobody left, no queue, so the flow takes on.no_answer.
        d.api("PUT", "/v1/users/u_ito/presence", admin, {"presence": "away"})
        status, _, body = d.signed_form("/twilio/voice", voice_params(call_sid(6001)))
        self.assertEqual([c.tag for c in ET.fromstring(body)], ["Hangup"])

        # Referenced by a published flow: cannot be removed.
        status, body = d.api("DELETE", "/v1/groups/support", admin)
        self.assertEqual(status, 409)
        self.assertIn("ring", body["error"]["message"])
        # Membership changes through the group (ordered) or the user.
        status, user = d.api("PATCH", "/v1/users/u_ito", admin, {"groups": []})
        self.assertEqual(user["groups"], [])
        status, group = d.api("PATCH", "/v1/groups/support", admin, {"members": ["u_sato", "u_ito"]})
        self.assertEqual(group["members"], ["u_sato", "u_ito"])
        self.assertEqual(d.api("PATCH", "/v1/groups/support", admin, {"members": ["ghost"]})[0], 400)
        d.restart()
        status, group = d.api("GET", "/v1/groups/support", admin)
        self.assertEqual(group["members"], ["u_sato", "u_ito"])
        self.assertEqual(d.api("GET", "/v1/users/u_ito", admin)[1]["groups"], ["support"])
        # Deleting a user takes it out of its groups and revokes its agent keys.
        status, body = d.api("POST", "/v1/keys", admin, {"role": "agent", "user_id": "u_ito"})
        ito_key = body["key"]
        self.assertEqual(d.api("GET", "/v1/users/u_ito", ito_key)[0], 200)
        self.assertEqual(d.api("DELETE", "/v1/users/u_ito", admin)[0], 200)
        self.assertEqual(d.api("GET", "/v1/users", ito_key)[0], 401)
        self.assertEqual(d.api("GET", "/v1/groups/support", admin)[1]["members"], ["u_sato"])

    def test_presence_is_the_agents_own(self):
        d = self.d
        status, user = d.api("PUT", "/v1/users/u_sato/presence", self.agent, {"presence": "available"})
        self.assertEqual(status, 200, user)
        self.assertEqual(user["presence"], "available")
        self.assertEqual(d.api("PUT", "/v1/users/u_sato/presence", self.agent, {"presence": "on_call"})[0], 400)
        # Another agent's presence looks like a missing user.
        self.assertEqual(d.api("PUT", "/v1/users/u_kato/presence", self.agent, {"presence": "away"}),
                         d.api("PUT", "/v1/users/u_nobody/presence", self.agent, {"presence": "away"}))
        self.assertEqual(d.api("GET", "/v1/users/u_kato", self.agent)[0], 404)
        self.assertEqual(d.api("GET", "/v1/users/u_sato", self.agent)[1]["presence"], "available")
        self.assertEqual(d.api("POST", "/v1/users", self.agent, {"id": "u_evil"})[0], 403)
        d.restart()
        self.assertEqual(d.api("GET", "/v1/users/u_sato", self.admin)[1]["presence"], "available")

    def test_users_of_a_published_flow_cannot_be_removed(self):
        status, body = self.d.api("DELETE", "/v1/users/u_sato", self.admin)
        self.assertEqual(status, 409)
        self.assertIn("main", body["error"]["message"])


if __name__ == "__main__":
    unittest.main()
