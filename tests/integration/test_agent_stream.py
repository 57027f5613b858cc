"""Issue 5: the agent WebSocket — snapshot, presence, call offers reaching exactly the agents
rung, and refusals — with a real WebSocket client (python3-websockets)."""
import asyncio
import json
import signal
import time
import unittest

import websockets
import websockets.exceptions

from harness import Daemon, call_sid, voice_params


class AgentStreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        admin = cls.d.demo_admin_key
        cls.admin = admin
        cls.sato = cls.d.api("POST", "/v1/keys", admin, {"role": "agent", "user_id": "u_sato"})[1]["key"]
        cls.kato = cls.d.api("POST", "/v1/keys", admin, {"role": "agent", "user_id": "u_kato"})[1]["key"]
        # A flow that rings the sales group right away.
        cls.d.api("PUT", "/v1/flows/ring/draft", admin, {"start": "ring", "states": [
            {"id": "ring", "type": "ring_group", "group": "sales", "on": {"no_answer": "bye"}},
            {"id": "bye", "type": "hangup"}]})
        cls.d.api("POST", "/v1/flows/ring/publish", admin)
        cls.d.api("PUT", "/v1/numbers/%2B815012345678/flow", admin, {"flow_id": "ring"})

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def url(self, key=None):
        base = "ws://127.0.0.1:%d/v1/agents/stream" % self.d.port
        return base + ("?key=" + key if key else "")

    async def next_of(self, ws, kind, timeout=5):
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), timeout))
            if msg["type"] == kind:
                return msg

    def test_snapshot_presence_and_offers(self):
        async def scenario():
            async with websockets.connect(self.url(self.sato)) as sato, \
                       websockets.connect(self.url(), extra_headers={"Authorization": "Bearer " + self.kato}) as kato:
                snap = await self.next_of(sato, "snapshot")
                self.assertEqual(snap["user"]["id"], "u_sato")
                self.assertEqual(snap["offers"], [])
                await self.next_of(kato, "snapshot")

                await sato.send(json.dumps({"type": "ping"}))
                await self.next_of(sato, "pong")
                await sato.send(json.dumps({"type": "presence", "presence": "away"}))
                changed = await self.next_of(sato, "presence.changed")
                self.assertEqual(changed, {"type": "presence.changed", "user_id": "u_sato", "presence": "away"})
                self.assertEqual(self.d.api("GET", "/v1/users/u_sato", self.admin)[1]["presence"], "away")

                # Sato is away: only Kato is offered the call.
                self.assertEqual(self.d.api("GET", "/v1/users/u_sato", self.sato)[1]["presence"], "away")
                sid = call_sid(7000)
                self.d.signed_form("/twilio/voice", voice_params(sid))
                offer = await self.next_of(kato, "call.offered")
                self.assertEqual(offer["call_sid"], sid)
                self.assertEqual(offer["from"], "+819012345678")
                self.assertEqual(offer["flow_path"], ["ring"])
                # A reconnect gets the offer in its snapshot.
                async with websockets.connect(self.url(self.kato)) as kato2:
                    snap = await self.next_of(kato2, "snapshot")
                    self.assertEqual([o["call_sid"] for o in snap["offers"]], [sid])
                params = dict(voice_params(sid), DialCallStatus="no-answer")
                self.d.signed_form("/twilio/dial?state=ring", params)
                ended = await self.next_of(kato, "call.ended")
                self.assertEqual(ended, {"type": "call.ended", "call_sid": sid, "outcome": "no-answer"})
                # Sato saw none of it.
                await sato.send(json.dumps({"type": "ping"}))
                msg = json.loads(await asyncio.wait_for(sato.recv(), 5))
                self.assertEqual(msg["type"], "pong")

                await sato.send("not json")
                self.assertEqual((await self.next_of(sato, "error"))["type"], "error")
                await sato.send(json.dumps({"type": "presence", "presence": "on_call"}))
                self.assertEqual((await self.next_of(sato, "error"))["status"], 400)
                await sato.send(json.dumps({"type": "presence", "presence": "available"}))
                await self.next_of(sato, "presence.changed")
        asyncio.run(scenario())
        self.assertEqual(self.d.request("GET", "/healthz")[0], 200)

    def test_the_agent_who_answers_gets_the_call(self):
        async def scenario():
            async with websockets.connect(self.url(self.sato)) as sato, websockets.connect(self.url(self.kato)) as kato:
                await self.next_of(sato, "snapshot")
                await self.next_of(kato, "snapshot")
                sid = call_sid(7100)
                self.d.signed_form("/twilio/voice", voice_params(sid))
                await self.next_of(sato, "call.offered")
                await self.next_of(kato, "call.offered")
                leg = dict(voice_params("CA" + "e" * 32), CallStatus="in-progress", ParentCallSid=sid,
                           To="client:kato", Direction="outbound-dial")
                self.assertEqual(self.d.signed_form("/twilio/status?agent=u_kato", leg)[0], 200)
                self.assertEqual((await self.next_of(kato, "call.connected"))["call_sid"], sid)
                self.assertEqual((await self.next_of(sato, "call.ended"))["outcome"], "answered_elsewhere")
                # The call is Kato's now: Kato's key reads it, Sato's does not.
                self.assertEqual(self.d.api("GET", "/v1/calls/" + sid, self.kato)[1]["user_id"], "u_kato")
                self.assertEqual(self.d.api("GET", "/v1/calls/" + sid, self.sato)[0], 404)
                leg["CallStatus"] = "completed"
                self.d.signed_form("/twilio/status?agent=u_kato", leg)
                self.assertEqual((await self.next_of(kato, "call.ended"))["outcome"], "completed")
        asyncio.run(scenario())

    def test_revoking_the_key_closes_the_stream(self):
        status, body = self.d.api("POST", "/v1/keys", self.admin, {"role": "agent", "user_id": "u_kato"})
        key, key_id = body["key"], body["id"]

        async def scenario():
            async with websockets.connect(self.url(key)) as ws:
                await self.next_of(ws, "snapshot")
                self.assertEqual(self.d.api("DELETE", "/v1/keys/" + key_id, self.admin)[0], 200)
                with self.assertRaises(websockets.exceptions.ConnectionClosed):
                    while True:
                        await asyncio.wait_for(ws.recv(), 5)
            with self.assertRaises(websockets.exceptions.InvalidStatusCode):
                async with websockets.connect(self.url(key)):
                    pass
        asyncio.run(scenario())

    def test_refusals(self):
        async def scenario():
            for url, headers, status in [(self.url(), {}, 401), (self.url("crk_bad"), {}, 401),
                                         (self.url(self.admin), {}, 403)]:
                with self.assertRaises(websockets.exceptions.InvalidStatusCode) as cm:
                    async with websockets.connect(url, extra_headers=headers):
                        pass
                self.assertEqual(cm.exception.status_code, status)
        asyncio.run(scenario())


class GracefulStopTest(unittest.TestCase):
    def test_sigterm_tells_connected_agents_the_server_is_going_away(self):
        d = Daemon().start()
        self.addCleanup(d.close)
        key = d.api("POST", "/v1/keys", d.demo_admin_key, {"role": "agent", "user_id": "u_sato"})[1]["key"]

        async def scenario():
            async with websockets.connect("ws://127.0.0.1:%d/v1/agents/stream?key=%s" % (d.port, key)) as ws:
                json.loads(await asyncio.wait_for(ws.recv(), 5))  # the snapshot
                started = time.monotonic()
                d.proc.send_signal(signal.SIGTERM)
                with self.assertRaises(websockets.exceptions.ConnectionClosed) as closed:
                    while True:
                        await asyncio.wait_for(ws.recv(), 5)
                self.assertEqual(closed.exception.code, 1001)
                return started

        started = asyncio.run(scenario())
        self.assertEqual(d.proc.wait(10), 0)
        # Well inside shutdown_timeout (10 s): the stop does not wait for agents to hang up.
        self.assertLess(time.monotonic() - started, 3)


if __name__ == "__main__":
    unittest.main()
