"""Billing wired into the daemon: the wallet API (balance, top-ups, auto-recharge, ledger, usage),
buying and releasing numbers through the provider's REST API, call charges (inbound legs, agent
legs, click-to-call with its time limit and reservation), restart and isolation between orgs —
against the real callrouterd, with a stand-in provider on loopback (provider_standin.py).

Every expected amount is worked out by hand below from config/rates.json (RateCardAssumptions checks
that the figures used here are still the ones in that file)."""
import datetime
import json
import os
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from harness import (DEMO_ACCOUNT, DEMO_NUMBER, DEMO_TOKEN, SOURCE_DIR, Daemon, call_sid, status_params,
                     voice_params)
from provider_standin import ProviderStandIn

M = 1_000_000  # micro-credits per credit

# From config/rates.json (decimal credits → micro-credits):
JP_LOCAL_INBOUND = 10_000      # countries.JP.numbers.local.inbound_per_minute "0.01"  (the demo number)
US_LOCAL_FEE = 1_150_000       # countries.US.numbers.local.monthly_fee "1.15"
US_TOLL_FREE_FEE = 2_150_000   # countries.US.numbers.toll_free.monthly_fee "2.15"
GB_MOBILE_FEE = 1_150_000      # countries.GB.numbers.mobile.monthly_fee "1.15"
AGENT_LEG = 4_000              # agent_leg_per_minute "0.004"
US_OUTBOUND = 14_000           # outbound.prefixes."1" "0.014" (longest prefix of +14155550100)
MIN_OUTBOUND = 500_000         # minimum_outbound_balance "0.50"
CLICK_TO_US = US_OUTBOUND + AGENT_LEG  # 18 000 per minute: the PSTN leg plus the agent's softphone leg
MAX_TIME_LIMIT_S = 14_400      # the provider's longest call

CALLER_ID = DEMO_NUMBER        # u_sato's and u_kato's caller_id in config/demo-seed.json
DESTINATION = "+14155550100"
CALLS = "Calls\\.json"
BUY = "IncomingPhoneNumbers\\.json"


def micro(text):
    """A rate card amount ("0.0085") in micro-credits, digit by digit like the daemon (no float)."""
    whole, _, frac = text.partition(".")
    assert len(frac) <= 6 and whole.isdigit() and (frac == "" or frac.isdigit()), text
    return int(whole) * M + int((frac + "000000")[:6])


def minutes(seconds):
    """Billed minutes of one leg: each started minute counts (⌈s/60⌉)."""
    return -(-seconds // 60)


def add_months(t, k):
    """t + k calendar months, the day clamped to the end of a shorter month (docs/billing.md)."""
    import calendar
    month = t.month - 1 + k
    year, month = t.year + month // 12, month % 12 + 1
    day = min(t.day, calendar.monthrange(year, month)[1])
    return t.replace(year=year, month=month, day=day)


def rfc3339(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def nonempty(query):
    return {k: v for k, v in query.items() if v}


def wait_until(probe, done, timeout=2.0):
    """probe() until done(value) or the deadline; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if done(value) or time.monotonic() >= deadline:
            return value
        time.sleep(0.01)


class RateCardAssumptions(unittest.TestCase):
    def test_the_figures_used_here_are_the_ones_in_rates_json(self):
        """If the sample rate card changes, the expected amounts in this file must be worked out again."""
        with open(os.path.join(SOURCE_DIR, "config", "rates.json")) as f:
            card = json.load(f)
        numbers = card["countries"]
        self.assertEqual(micro(numbers["JP"]["numbers"]["local"]["inbound_per_minute"]), JP_LOCAL_INBOUND)
        self.assertEqual(micro(numbers["US"]["numbers"]["local"]["monthly_fee"]), US_LOCAL_FEE)
        self.assertEqual(micro(numbers["US"]["numbers"]["toll_free"]["monthly_fee"]), US_TOLL_FREE_FEE)
        self.assertEqual(micro(numbers["GB"]["numbers"]["mobile"]["monthly_fee"]), GB_MOBILE_FEE)
        self.assertNotIn("mobile", numbers["US"]["numbers"])  # what number_type_unavailable is tested with
        self.assertEqual(micro(card["agent_leg_per_minute"]), AGENT_LEG)
        prefixes = card["outbound"]["prefixes"]
        self.assertEqual(micro(prefixes["1"]), US_OUTBOUND)
        self.assertFalse([p for p in prefixes if len(p) > 1 and DESTINATION[1:].startswith(p)])
        self.assertEqual(micro(card["minimum_outbound_balance"]), MIN_OUTBOUND)
        self.assertIn("CN", card["blocked_countries"])


class BillingCase(unittest.TestCase):
    """Helpers; each subclass starts its own daemon (and provider when it needs one)."""
    d = None
    provider = None

    @classmethod
    def start(cls, with_provider=False):
        extra = {}
        if with_provider:
            cls.provider = ProviderStandIn({DEMO_ACCOUNT: DEMO_TOKEN})
            cls.addClassCleanup(cls.provider.close)
            extra["provider"] = {"api_base_url": cls.provider.url}
        cls.d = Daemon(extra_config=extra)
        cls.addClassCleanup(cls.d.close)  # also when setUpClass fails part-way
        cls.d.start()
        cls.admin = cls.d.demo_admin_key

    @classmethod
    def agent_key(cls, user):
        status, body = cls.d.api("POST", "/v1/keys", cls.admin, {"role": "agent", "user_id": user})
        assert status == 201, body
        return body["key"]

    def api(self, method, path, body=None, key=None, expect=None):
        status, answer = self.d.api(method, path, key or self.admin, body)
        if expect is not None:
            self.assertEqual(status, expect, "%s %s → %s %s" % (method, path, status, answer))
        return status, answer

    def error(self, method, path, body, status, code, key=None):
        got, answer = self.api(method, path, body, key)
        self.assertEqual((got, answer["error"]["code"] if isinstance(answer, dict) and "error" in answer else answer),
                         (status, code), "%s %s %s" % (method, path, json.dumps(body)))
        self.assertIsInstance(answer["error"]["message"], str)

    def wallet(self, key=None):
        return self.api("GET", "/v1/wallet", key=key, expect=200)[1]

    def topup(self, amount, payment_id=None, key=None):
        body = {"amount_micro": amount}
        if payment_id is not None:
            body["payment_id"] = payment_id
        return self.api("POST", "/v1/wallet/topups", body, key, expect=201)[1]

    def ledger(self, key=None, **query):
        """Every entry (following next_after), oldest first."""
        entries, after = [], None
        while True:
            q = dict(query)
            if after is not None:
                q["after"] = after
            page = self.api("GET", "/v1/wallet/ledger?" + urllib.parse.urlencode(q), key=key, expect=200)[1]
            entries += page["entries"]
            previous, after = after, page["next_after"]
            if after is None:
                return entries
            self.assertTrue(page["entries"] and (previous is None or after > previous),
                            "next_after %r does not move on from %r" % (after, previous))

    def charges_of(self, sid, key=None):
        return [e for e in self.ledger(key, kind="call_charge") if e["ref"] == "call:" + sid]

    def call(self, sid):
        return self.api("GET", "/v1/calls/" + sid, expect=200)[1]

    def voice(self, params):
        status, _, body = self.d.signed_form("/twilio/voice", params)
        self.assertEqual(status, 200, body)
        return ET.fromstring(body)

    def status(self, params, path="/twilio/status", token_header=None):
        headers = {"I-Twilio-Idempotency-Token": token_header} if token_header else None
        status, _, body = self.d.signed_form(path, params, headers=headers)
        self.assertEqual(status, 200, body)

    def inbound_call(self, sid, duration_s, to=DEMO_NUMBER):
        """A caller rings `to`, the call is answered and ends after `duration_s` seconds."""
        root = self.voice(voice_params(sid, to=to))
        self.status(status_params(sid, "in-progress", 2, to=to))
        self.status(status_params(sid, "completed", 3, to=to, CallDuration=str(duration_s)))
        return root

    def charged(self, sid, expected):
        """The call record's charge_micro, waiting briefly for it to reach `expected`."""
        return wait_until(lambda: self.call(sid).get("charge_micro"), lambda v: v == expected)


class WalletApiTest(BillingCase):
    @classmethod
    def setUpClass(cls):
        cls.start()
        cls.first_wallet = cls.d.api("GET", "/v1/wallet", cls.admin)
        cls.agent = cls.agent_key("u_sato")

    def test_a_new_org_starts_with_an_empty_wallet(self):
        """The demo org, seeded just now, has no credits, no reservation and the default plan."""
        status, w = self.first_wallet
        self.assertEqual(status, 200, w)
        self.assertEqual((w["balance_micro"], w["reserved_micro"], w["available_micro"]), (0, 0, 0))
        self.assertEqual(w["auto_recharge"], {"enabled": False, "threshold_micro": 0, "amount_micro": 0,
                                              "monthly_cap_micro": 0})
        self.assertEqual(w["recording"], {"used_s": 0, "included_s": 60_000, "plan": "included"})

    def test_only_admins_see_or_change_the_wallet(self):
        """Agents get 403 on every wallet route, a missing key 401; nothing changes."""
        before = self.wallet()
        for method, path, body in [("GET", "/v1/wallet", None),
                                   ("POST", "/v1/wallet/topups", {"amount_micro": 5 * M, "payment_id": "agent-1"}),
                                   ("PUT", "/v1/wallet/auto-recharge", {"enabled": True, "threshold_micro": M,
                                                                        "amount_micro": 5 * M,
                                                                        "monthly_cap_micro": 10 * M}),
                                   ("GET", "/v1/wallet/ledger", None), ("GET", "/v1/wallet/usage", None)]:
            self.assertEqual(self.d.api(method, path, self.agent, body)[0], 403, path)
            self.assertEqual(self.d.api(method, path, None, body)[0], 401, path)
        self.assertEqual(self.wallet(), before)

    def test_topup_credits_the_wallet_once_per_payment(self):
        """A top-up adds its amount and a `topup` entry; the same payment id again changes nothing."""
        before = self.wallet()["balance_micro"]
        answer = self.topup(12_500_000, "pay-0001")
        self.assertEqual(answer["wallet"]["balance_micro"], before + 12_500_000)
        entry = answer["entry"]
        self.assertEqual((entry["kind"], entry["amount_micro"], entry["balance_after_micro"], entry["ref"]),
                         ("topup", 12_500_000, before + 12_500_000, "topup:pay-0001"))
        self.assertIsInstance(entry["seq"], int)
        rfc3339(entry["at"])
        # The CRM retries the same payment: 200, duplicate, nothing written.
        status, again = self.api("POST", "/v1/wallet/topups", {"amount_micro": 12_500_000, "payment_id": "pay-0001"})
        self.assertEqual(status, 200, again)
        self.assertIs(again["duplicate"], True)
        self.assertEqual(again["wallet"]["balance_micro"], before + 12_500_000)
        # The same payment id with another amount is a mistake, not a retry: 409, nothing applied.
        status, again = self.api("POST", "/v1/wallet/topups", {"amount_micro": 99 * M, "payment_id": "pay-0001"})
        self.assertEqual((status, again["error"]["code"]), (409, "payment_id_reused"), again)
        w = self.wallet()
        self.assertEqual((w["balance_micro"], w["available_micro"]), (before + 12_500_000, before + 12_500_000))
        self.assertEqual(len([e for e in self.ledger() if e["ref"] == "topup:pay-0001"]), 1)
        # Without a payment id every top-up is its own.
        self.topup(1_000_000)
        self.topup(1_000_000)
        self.assertEqual(self.wallet()["balance_micro"], before + 12_500_000 + 2 * 1_000_000)

    def test_topup_refuses_amounts_that_are_not_positive_integers(self):
        before = self.wallet()
        for i, amount in enumerate((0, -1, -5 * M, 1.5, "1000000", None, True)):
            with self.subTest(amount=amount):
                self.error("POST", "/v1/wallet/topups", {"amount_micro": amount, "payment_id": "bad-%d" % i},
                           400, "invalid_amount")
        self.error("POST", "/v1/wallet/topups", {"payment_id": "bad-missing"}, 400, "invalid_amount")
        self.assertEqual(self.wallet(), before)
        self.assertEqual([e for e in self.ledger() if e["ref"].startswith("topup:bad-")], [])

    def test_auto_recharge_settings_are_validated_and_kept(self):
        before = self.wallet()
        good = {"enabled": True, "threshold_micro": 2 * M, "amount_micro": 10 * M, "monthly_cap_micro": 50 * M}
        for bad in (dict(good, amount_micro=0),               # enabled with nothing to add
                    dict(good, monthly_cap_micro=5 * M),       # cap below one recharge
                    dict(good, threshold_micro=-1)):
            with self.subTest(bad=bad):
                self.error("PUT", "/v1/wallet/auto-recharge", bad, 400, "invalid_settings")
        self.assertEqual(self.wallet(), before)
        # The balance is above the threshold (top-ups first), so setting it recharges nothing.
        self.topup(3 * M, "pay-ar-settings")
        _, w = self.api("PUT", "/v1/wallet/auto-recharge", good, expect=200)
        self.assertEqual(w["auto_recharge"], good)
        self.assertEqual(w["balance_micro"], before["balance_micro"] + 3 * M)
        self.assertEqual(self.wallet()["auto_recharge"], good)
        off = dict(good, enabled=False)
        _, w = self.api("PUT", "/v1/wallet/auto-recharge", off, expect=200)
        self.assertEqual(w["auto_recharge"], off)
        self.assertEqual(self.wallet()["auto_recharge"], off)
        self.assertEqual([e["kind"] for e in self.ledger(kind="auto_recharge")], [])

    def test_ledger_pages_oldest_first_with_a_seq_cursor(self):
        """limit and after page through the entries; kind filters; the default page is 100."""
        for _ in range(105 - len(self.ledger())):
            self.topup(1_000)
        everything = self.ledger()
        seqs = [e["seq"] for e in everything]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(seqs)), len(seqs))
        for prev, e in zip(everything, everything[1:]):  # each balance_after chains from the one before
            self.assertEqual(e["balance_after_micro"], prev["balance_after_micro"] + e["amount_micro"])
        self.assertEqual(everything[-1]["balance_after_micro"], self.wallet()["balance_micro"])
        for e in everything:
            self.assertLessEqual({"seq", "kind", "amount_micro", "balance_after_micro", "at", "ref", "note"}, set(e))
        # limit=2 pages: full pages, then the rest, then next_after null.
        pages, after = [], None
        while True:
            q = "limit=2" + ("&after=%d" % after if after is not None else "")
            page = self.api("GET", "/v1/wallet/ledger?" + q, expect=200)[1]
            pages.append(page["entries"])
            after = page["next_after"]
            if after is None:
                break
            self.assertEqual(len(page["entries"]), 2)
            self.assertEqual(after, page["entries"][-1]["seq"])
        self.assertEqual([e for p in pages for e in p], everything)
        # The default limit is 100.
        page = self.api("GET", "/v1/wallet/ledger", expect=200)[1]
        self.assertEqual(page["entries"], everything[:100])
        self.assertEqual(page["next_after"], everything[99]["seq"])
        # after= is exclusive.
        page = self.api("GET", "/v1/wallet/ledger?after=%d&limit=3" % seqs[4], expect=200)[1]
        self.assertEqual(page["entries"], everything[5:8])
        # kind= filters.
        self.assertEqual(self.api("GET", "/v1/wallet/ledger?kind=number_purchase", expect=200)[1],
                         {"entries": [], "next_after": None})
        self.assertEqual(self.ledger(kind="topup"), [e for e in everything if e["kind"] == "topup"])

    def test_usage_sums_the_ledger_by_month_and_kind(self):
        """One 61 s inbound call on the demo number costs ⌈61/60⌉ = 2 min × 10 000 = 20 000; usage
        shows it as this month's only debit, and the credits as the sum of the top-ups."""
        self.topup(2 * M, "pay-usage")
        sid = call_sid(31_000)
        self.inbound_call(sid, 61)
        self.assertEqual(self.charged(sid, 20_000), 20_000)
        usage = self.api("GET", "/v1/wallet/usage", expect=200)[1]
        expected = {}
        for e in self.ledger():
            month = expected.setdefault(e["at"][:7], {"month": e["at"][:7], "credits_micro": 0, "debits_micro": 0,
                                                      "by_kind": {}})
            month["credits_micro" if e["amount_micro"] >= 0 else "debits_micro"] += e["amount_micro"]
            kind = month["by_kind"].setdefault(e["kind"], {"count": 0, "amount_micro": 0})
            kind["count"] += 1
            kind["amount_micro"] += e["amount_micro"]
        self.assertEqual(usage, {"months": [expected[k] for k in sorted(expected)]})
        this_month = usage["months"][-1]
        self.assertEqual(this_month["month"], datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m"))
        self.assertEqual(this_month["by_kind"]["call_charge"], {"count": 1, "amount_micro": -20_000})
        self.assertEqual(this_month["debits_micro"], -20_000)


class AutoRechargeTest(BillingCase):
    @classmethod
    def setUpClass(cls):
        cls.start()

    def test_a_charge_that_crosses_the_threshold_recharges_once_within_the_cap(self):
        self.topup(1_015_000, "pay-ar-1")
        settings = {"enabled": True, "threshold_micro": 1 * M, "amount_micro": 2 * M, "monthly_cap_micro": 2 * M}
        self.api("PUT", "/v1/wallet/auto-recharge", settings, expect=200)
        # 61 s: ⌈61/60⌉ = 2 min × 10 000 = 20 000 → 1 015 000 − 20 000 = 995 000 < 1 000 000:
        # one recharge of 2 000 000 → 2 995 000.
        first = call_sid(32_000)
        self.inbound_call(first, 61)
        self.assertEqual(self.charged(first, 20_000), 20_000)
        w = self.wallet()
        self.assertEqual(w["balance_micro"], 2_995_000)
        self.assertEqual(w["recharged_this_month_micro"], 2 * M)
        tail = [(e["kind"], e["amount_micro"], e["balance_after_micro"]) for e in self.ledger()][-2:]
        self.assertEqual(tail, [("call_charge", -20_000, 995_000), ("auto_recharge", 2 * M, 2_995_000)])
        # 12 000 s: 200 min × 10 000 = 2 000 000 → 995 000, below again; another recharge would make
        # 4 000 000 this month > the 2 000 000 cap, so none.
        second = call_sid(32_001)
        self.inbound_call(second, 12_000)
        self.assertEqual(self.charged(second, 2 * M), 2 * M)
        w = self.wallet()
        self.assertEqual((w["balance_micro"], w["recharged_this_month_micro"]), (995_000, 2 * M))
        self.assertEqual(len(self.ledger(kind="auto_recharge")), 1)


class CallChargeTest(BillingCase):
    """The demo org has no credits here: call charges are applied anyway (the call happened)."""

    @classmethod
    def setUpClass(cls):
        cls.start()

    def test_an_inbound_call_is_charged_once_whatever_the_callbacks_do(self):
        """61 s on the demo number (JP local): ⌈61/60⌉ = 2 min × 10 000 = 20 000, once, though
        `completed` comes three times and a stale `ringing` after it."""
        before = self.wallet()["balance_micro"]
        sid = call_sid(33_000)
        self.voice(voice_params(sid))
        self.status(status_params(sid, "in-progress", 2))
        done = status_params(sid, "completed", 3, CallDuration="61")
        self.status(done, token_header="tok-33000-a")
        self.status(done, token_header="tok-33000-b")  # a retry the provider gave a new token
        self.status(status_params(sid, "ringing", 1))
        self.status(done)
        self.assertEqual(self.charged(sid, 20_000), 20_000)
        charges = self.charges_of(sid)
        self.assertEqual([(e["kind"], e["amount_micro"]) for e in charges], [("call_charge", -20_000)])
        after = self.wallet()["balance_micro"]
        self.assertEqual(after, before - 20_000)
        self.assertLess(after, 0)  # no credits: the balance goes negative, the charge is not dropped
        self.assertEqual(charges[0]["balance_after_micro"], before - 20_000)

    def test_each_started_minute_is_billed(self):
        """Rounding per leg: 1→1, 59→1, 60→1, 61→2, 119→2, 120→2, 3600→60 minutes, × 10 000 each."""
        for i, (seconds, billed) in enumerate([(1, 1), (59, 1), (60, 1), (61, 2), (119, 2), (120, 2), (3600, 60)]):
            with self.subTest(seconds=seconds):
                self.assertEqual(minutes(seconds), billed)
                before = self.wallet()["balance_micro"]
                sid = call_sid(33_100 + i)
                self.inbound_call(sid, seconds)
                self.assertEqual(self.charged(sid, billed * JP_LOCAL_INBOUND), billed * JP_LOCAL_INBOUND)
                self.assertEqual(self.wallet()["balance_micro"], before - billed * JP_LOCAL_INBOUND)

    def test_a_call_that_never_connected_costs_nothing_and_writes_no_entry(self):
        before = len(self.ledger())
        sid = call_sid(33_200)
        self.voice(voice_params(sid))
        self.status(status_params(sid, "canceled", 2))
        call = self.call(sid)
        self.assertEqual((call["status"], call.get("charge_micro")), ("canceled", 0))
        self.assertEqual(len(self.ledger()), before)

    def test_completed_before_the_voice_webhook_is_charged_once(self):
        """Reordered: the final callback overtakes the voice webhook (delayed retry), then
        in-progress arrives last. Still ⌈125/60⌉ = 3 min × 10 000 = 30 000, once."""
        before = self.wallet()["balance_micro"]
        sid = call_sid(33_300)
        self.status(status_params(sid, "completed", 3, CallDuration="125"))
        self.voice(voice_params(sid))
        self.status(status_params(sid, "in-progress", 2))
        self.status(status_params(sid, "completed", 3, CallDuration="125"))
        self.assertEqual(self.charged(sid, 30_000), 30_000)
        self.assertEqual(len(self.charges_of(sid)), 1)
        self.assertEqual(self.wallet()["balance_micro"], before - 30_000)

    def test_agent_legs_are_charged_once_per_leg(self):
        """Sato's softphone leg: ⌈75/60⌉ = 2 min × 4 000 = 8 000; Kato's leg rang but was not
        answered: 0. The caller's leg: ⌈130/60⌉ = 3 min × 10 000 = 30 000. Total 38 000."""
        before = self.wallet()["balance_micro"]
        parent, sato_leg, kato_leg = call_sid(33_400), call_sid(33_401), call_sid(33_402)
        self.voice(voice_params(parent))
        self.status(status_params(parent, "in-progress", 2))

        def leg(sid, user, client, status, seq, **extra):
            return self.status(status_params(sid, status, seq, to="client:" + client, Direction="outbound-dial",
                                             ParentCallSid=parent, **extra), path="/twilio/status?agent=" + user)
        leg(sato_leg, "u_sato", "sato", "in-progress", 2)
        leg(kato_leg, "u_kato", "kato", "no-answer", 2, CallDuration="0")
        leg(sato_leg, "u_sato", "sato", "completed", 3, CallDuration="75")
        leg(sato_leg, "u_sato", "sato", "completed", 3, CallDuration="75")  # duplicate
        self.status(status_params(parent, "completed", 3, CallDuration="130"))
        leg(sato_leg, "u_sato", "sato", "completed", 3, CallDuration="75")  # late duplicate
        self.status(status_params(parent, "completed", 3, CallDuration="130"))
        self.assertEqual(self.charged(parent, 38_000), 38_000)
        self.assertEqual(self.wallet()["balance_micro"], before - 38_000)
        # The ledger holds exactly these debits, whatever refs they were split into.
        entries = [e for e in self.ledger(kind="call_charge") if parent in e["ref"] or sato_leg in e["ref"]
                   or kato_leg in e["ref"]]
        self.assertEqual(sum(e["amount_micro"] for e in entries), -38_000)


class NumbersTest(BillingCase):
    """Each test tops up exactly what it spends, so every test starts at a balance of 0."""

    @classmethod
    def setUpClass(cls):
        cls.start(with_provider=True)
        p = cls.provider
        for n in ("+14155550123", "+14155550188", "+13105550100"):
            p.offer("US", "Local", n, region="CA", locality="San Francisco" if n.startswith("+1415") else "Los Angeles")
        for n in ("+12125550100", "+12125550111", "+16465550100", "+16465550101", "+17185550100"):
            p.offer("US", "Local", n, region="NY", locality="New York")
        p.offer("US", "TollFree", "+18005550142")
        p.offer("GB", "Mobile", "+447400123457")
        cls.agent = cls.agent_key("u_sato")

    def listed(self):
        return {n["number"]: n for n in self.api("GET", "/v1/numbers", expect=200)[1]["numbers"]}

    def test_available_numbers_come_from_the_provider_with_our_monthly_fee(self):
        p = self.provider
        before = len(p.received("GET"))
        _, body = self.api("GET", "/v1/numbers/available?country=US&type=local&area_code=212", expect=200)
        ny = {"country": "US", "type": "local", "region": "NY", "locality": "New York", "monthly_fee_micro": US_LOCAL_FEE}
        self.assertEqual(body["numbers"], [dict(ny, number="+12125550100"), dict(ny, number="+12125550111")])
        asked = p.received("GET")[before:]
        self.assertEqual([(r.path, nonempty(r.query)) for r in asked],
                         [("/2010-04-01/Accounts/%s/AvailablePhoneNumbers/US/Local.json" % DEMO_ACCOUNT,
                           {"AreaCode": "212"})])
        self.assertEqual(asked[0].auth, (DEMO_ACCOUNT, DEMO_TOKEN))

        _, body = self.api("GET", "/v1/numbers/available?country=US&type=local&area_code=212&contains=0111", expect=200)
        self.assertEqual([n["number"] for n in body["numbers"]], ["+12125550111"])
        self.assertEqual(nonempty(p.received("GET")[-1].query), {"AreaCode": "212", "Contains": "0111"})

        _, body = self.api("GET", "/v1/numbers/available?country=US&type=toll_free", expect=200)
        self.assertEqual([(n["number"], n["type"], n["monthly_fee_micro"]) for n in body["numbers"]],
                         [("+18005550142", "toll_free", US_TOLL_FREE_FEE)])
        self.assertTrue(p.received("GET")[-1].path.endswith("/AvailablePhoneNumbers/US/TollFree.json"))
        _, body = self.api("GET", "/v1/numbers/available?country=GB&type=mobile", expect=200)
        self.assertEqual([(n["number"], n["country"], n["monthly_fee_micro"]) for n in body["numbers"]],
                         [("+447400123457", "GB", GB_MOBILE_FEE)])
        self.assertTrue(p.received("GET")[-1].path.endswith("/AvailablePhoneNumbers/GB/Mobile.json"))

    def test_searches_the_rate_card_refuses_never_reach_the_provider(self):
        before = len(self.provider.received())
        self.error("GET", "/v1/numbers/available?country=CN&type=local", None, 422, "country_blocked")
        self.error("GET", "/v1/numbers/available?country=US&type=mobile", None, 422, "number_type_unavailable")
        self.error("GET", "/v1/numbers/available?country=JP&type=mobile", None, 422, "number_type_unavailable")
        status, body = self.api("GET", "/v1/numbers/available?country=US&type=landline")
        self.assertEqual(status, 400, body)
        self.assertIn("code", body["error"])
        self.assertEqual(self.d.api("GET", "/v1/numbers/available?country=US&type=local", self.agent)[0], 403)
        self.assertEqual(len(self.provider.received()), before)

    def test_buying_a_number_charges_its_first_month_and_needs_the_balance(self):
        p = self.provider
        buy = {"number": "+14155550123", "type": "local"}
        purchases = len(p.received("POST", BUY))
        # 0 < 1 150 000: refused, and the provider is not asked to buy.
        self.assertEqual(self.wallet()["balance_micro"], 0)
        self.error("POST", "/v1/numbers", buy, 402, "insufficient_balance")
        self.assertEqual(len(p.received("POST", BUY)), purchases)
        self.assertNotIn("+14155550123", self.listed())
        self.assertEqual(self.d.api("POST", "/v1/numbers", self.agent, buy)[0], 403)
        # 1 149 999 is one micro-credit short.
        self.topup(US_LOCAL_FEE - 1, "pay-num-1")
        self.error("POST", "/v1/numbers", buy, 402, "insufficient_balance")
        self.assertEqual(len(p.received("POST", BUY)), purchases)
        self.topup(1, "pay-num-2")
        status, number = self.api("POST", "/v1/numbers", buy)
        self.assertEqual(status, 201, number)
        self.assertEqual({k: number[k] for k in ("number", "country", "type", "flow_id", "monthly_fee_micro", "overdue")},
                         {"number": "+14155550123", "country": "US", "type": "local", "flow_id": None,
                          "monthly_fee_micro": US_LOCAL_FEE, "overdue": False})
        bought_at = rfc3339(number["purchased_at"])
        self.assertLess(abs((bought_at - datetime.datetime.now(datetime.timezone.utc)).total_seconds()), 60)
        self.assertEqual(rfc3339(number["next_fee_at"]), add_months(bought_at, 1))
        (asked,) = p.received("POST", BUY)[purchases:]
        self.assertEqual(asked.path, "/2010-04-01/Accounts/%s/IncomingPhoneNumbers.json" % DEMO_ACCOUNT)
        self.assertEqual(asked.auth, (DEMO_ACCOUNT, DEMO_TOKEN))
        self.assertEqual({k: asked.form.get(k) for k in ("PhoneNumber", "VoiceUrl", "StatusCallback")},
                         {"PhoneNumber": "+14155550123", "VoiceUrl": self.d.base + "/twilio/voice",
                          "StatusCallback": self.d.base + "/twilio/status"})
        # 1 150 000 − 1 150 000 = 0, one number_purchase entry of the first month's fee.
        self.assertEqual(self.wallet()["balance_micro"], 0)
        entry = self.ledger()[-1]
        self.assertEqual((entry["kind"], entry["amount_micro"], entry["balance_after_micro"]),
                         ("number_purchase", -US_LOCAL_FEE, 0))
        listed = self.listed()["+14155550123"]
        for k in ("number", "country", "type", "flow_id", "monthly_fee_micro", "next_fee_at"):
            self.assertEqual(listed[k], number[k], k)

    def test_buying_by_country_and_area_takes_the_first_available(self):
        p = self.provider
        self.topup(US_LOCAL_FEE, "pay-num-area")
        searches = len(p.received("GET"))
        status, number = self.api("POST", "/v1/numbers", {"country": "US", "type": "local", "area_code": "646"})
        self.assertEqual(status, 201, number)
        self.assertEqual((number["number"], number["country"], number["type"], number["monthly_fee_micro"]),
                         ("+16465550100", "US", "local", US_LOCAL_FEE))
        (search,) = p.received("GET")[searches:]
        self.assertTrue(search.path.endswith("/AvailablePhoneNumbers/US/Local.json"), search.path)
        self.assertEqual(search.query.get("AreaCode"), "646")
        self.assertEqual(p.received("POST", BUY)[-1].form["PhoneNumber"], "+16465550100")
        self.assertIn("+16465550100", self.listed())
        self.assertEqual(self.wallet()["balance_micro"], 0)

    def test_purchases_the_rate_card_or_the_provider_refuse_cost_nothing(self):
        p = self.provider
        self.topup(US_LOCAL_FEE, "pay-num-refused")
        purchases = len(p.received("POST", BUY))
        ledger = self.ledger()
        self.error("POST", "/v1/numbers", {"number": "+8613812345678", "type": "mobile"}, 422, "country_blocked")
        self.error("POST", "/v1/numbers", {"country": "CN", "type": "local"}, 422, "country_blocked")
        self.error("POST", "/v1/numbers", {"country": "US", "type": "mobile"}, 422, "number_type_unavailable")
        self.assertEqual(len(p.received("POST", BUY)), purchases)
        # The provider refuses (the number was taken meanwhile): 502, nothing charged.
        p.fail("POST", BUY, 400, form={"PhoneNumber": "+13105550100"},
               body={"code": 21422, "message": "PhoneNumber +13105550100 is not available",
                     "more_info": "https://www.twilio.com/docs/errors/21422", "status": 400})
        self.error("POST", "/v1/numbers", {"number": "+13105550100", "type": "local"}, 502, "provider_error")
        self.assertEqual(len(p.received("POST", BUY)), purchases + 1)
        self.assertNotIn("+13105550100", self.listed())
        self.assertEqual(self.ledger(), ledger)
        # Spend the top-up so the next test starts at 0.
        status, number = self.api("POST", "/v1/numbers", {"number": "+14155550188", "type": "local"})
        self.assertEqual(status, 201, number)
        self.assertEqual(self.wallet()["balance_micro"], 0)

    def test_a_released_number_is_gone_and_its_calls_rejected_and_never_charged(self):
        p = self.provider
        self.topup(US_LOCAL_FEE, "pay-num-release")
        status, number = self.api("POST", "/v1/numbers", {"number": "+17185550100", "type": "local"})
        self.assertEqual(status, 201, number)
        pn_sid = [sid for sid, n in p.owned.items() if n["phone_number"] == "+17185550100"][0]
        # No flow yet: a call to it is rejected, and costs nothing even if the provider reports a duration.
        ledger = self.ledger()
        sid = call_sid(34_000)
        root = self.voice(voice_params(sid, to="+17185550100"))
        self.assertEqual([c.tag for c in root], ["Reject"])
        self.status(status_params(sid, "completed", 2, to="+17185550100", CallDuration="3"))
        self.status(status_params(sid, "completed", 2, to="+17185550100", CallDuration="3"))
        self.assertEqual(self.call(sid).get("charge_micro"), 0)
        self.assertEqual(self.ledger(), ledger)

        status, body = self.api("DELETE", "/v1/numbers/" + urllib.parse.quote("+17185550100", safe=""))
        self.assertEqual(status, 204, body)
        released = p.wait_for("DELETE", "IncomingPhoneNumbers/PN[0-9a-f]{32}\\.json")
        self.assertEqual([r.path for r in released],
                         ["/2010-04-01/Accounts/%s/IncomingPhoneNumbers/%s.json" % (DEMO_ACCOUNT, pn_sid)])
        self.assertEqual(released[0].auth, (DEMO_ACCOUNT, DEMO_TOKEN))
        self.assertNotIn("+17185550100", self.listed())
        root = self.voice(voice_params(call_sid(34_001), to="+17185550100"))
        self.assertEqual([c.tag for c in root], ["Reject"])
        self.assertEqual(self.wallet()["balance_micro"], 0)  # releasing refunds nothing, charges nothing
        self.assertEqual(self.api("DELETE", "/v1/numbers/" + urllib.parse.quote("+17185550100", safe=""))[0], 404)


class ClickToCallTest(BillingCase):
    @classmethod
    def setUpClass(cls):
        cls.start(with_provider=True)
        cls.sato = cls.agent_key("u_sato")
        cls.kato = cls.agent_key("u_kato")

    def test_click_to_call_is_limited_to_what_the_wallet_covers_and_charged_once(self):
        p, d = self.provider, self.d
        call = {"to": DESTINATION}
        # 0 and then 490 000 are below the 500 000 minimum: refused before the provider is asked.
        self.error("POST", "/v1/calls", call, 402, "below_minimum_balance", key=self.sato)
        self.topup(490_000, "pay-c2c-1")
        self.error("POST", "/v1/calls", call, 402, "below_minimum_balance", key=self.sato)
        self.assertEqual(p.received("POST", CALLS), [])
        self.topup(510_000, "pay-c2c-2")  # 1 000 000

        # 1 000 000 / 18 000 per minute = 55 whole minutes → time limit 55 × 60 = 3 300 s,
        # reserving 55 × 18 000 = 990 000.
        status, answer = self.api("POST", "/v1/calls", call, key=self.sato)
        self.assertEqual(status, 201, answer)
        (asked,) = p.wait_for("POST", CALLS)
        self.assertEqual((answer["sid"], answer["time_limit_s"]), (p.created_calls[0], 3_300))
        sid = answer["sid"]
        self.assertEqual(asked.auth, (DEMO_ACCOUNT, DEMO_TOKEN))
        self.assertEqual({k: asked.form.get(k) for k in ("To", "From", "Url", "StatusCallback")},
                         {"To": "client:sato", "From": CALLER_ID, "Url": d.base + "/twilio/voice",
                          "StatusCallback": d.base + "/twilio/status"})
        w = self.wallet()
        self.assertEqual((w["balance_micro"], w["reserved_micro"], w["available_micro"]), (M, 990_000, 10_000))

        # While it lasts, 10 000 is available: Kato's call is refused (the hold counts).
        self.error("POST", "/v1/calls", call, 402, "below_minimum_balance", key=self.kato)
        self.assertEqual(len(p.received("POST", CALLS)), 1)

        # Sato's softphone answers: the provider asks for TwiML and gets the limited Dial.
        root = self.voice(voice_params(sid, to="client:sato", frm=CALLER_ID, Direction="outbound-api",
                                       CallStatus="in-progress"))
        self.assertEqual([c.tag for c in root], ["Dial"])
        dial = root[0]
        self.assertEqual((dial.get("callerId"), dial.get("timeLimit")), (CALLER_ID, "3300"))
        self.assertEqual([(c.tag, c.text) for c in dial], [("Number", DESTINATION)])
        # Before the customer answers, the call is not answered (Sato's own softphone was).
        types = lambda: [e["type"] for e in self.api("GET", "/v1/events?limit=1000")[1]["events"] if e["call_sid"] == sid]
        self.assertEqual(types(), ["call.ringing"])
        # The customer talked 90 s: the Dial's result says so, and the call is answered, once.
        action = urllib.parse.urlsplit(dial.get("action"))
        result = {"CallSid": sid, "AccountSid": DEMO_ACCOUNT, "DialCallStatus": "completed", "DialCallSid": "CA" + "d" * 32,
                  "DialCallDuration": "90"}
        self.status(result, path=action.path + "?" + action.query)
        self.status(result, path=action.path + "?" + action.query)
        self.assertEqual(types(), ["call.ringing", "call.answered"])
        self.assertIsNotNone(self.call(sid)["connected_at"])

        # 95 s: ⌈95/60⌉ = 2 min × 18 000 = 36 000, once; the hold is released.
        ended = status_params(sid, "completed", 3, to="client:sato", frm=CALLER_ID, Direction="outbound-api",
                              CallDuration="95")
        self.status(status_params(sid, "in-progress", 2, to="client:sato", frm=CALLER_ID, Direction="outbound-api"))
        self.status(ended)
        self.status(ended)
        self.assertEqual(self.charged(sid, 36_000), 36_000)
        record = self.call(sid)
        self.assertEqual((record["direction"], record["user_id"], record["to"], record["charge_micro"]),
                         ("outbound", "u_sato", DESTINATION, 36_000))
        w = wait_until(self.wallet, lambda w: w["reserved_micro"] == 0)
        # 1 000 000 − 36 000 = 964 000.
        self.assertEqual((w["balance_micro"], w["reserved_micro"], w["available_micro"]), (964_000, 0, 964_000))
        self.assertEqual([e["amount_micro"] for e in self.charges_of(sid)], [-36_000])
        self.assertEqual(types(), ["call.ringing", "call.answered", "call.ended"])  # outbound: never missed

        # A large balance: 300 964 000 / 18 000 = 16 720 min, over the provider's 14 400 s cap;
        # the hold is ⌈14 400/60⌉ = 240 × 18 000 = 4 320 000.
        self.topup(300 * M, "pay-c2c-3")
        status, answer = self.api("POST", "/v1/calls", call, key=self.sato)
        self.assertEqual(status, 201, answer)
        self.assertEqual(answer["time_limit_s"], MAX_TIME_LIMIT_S)
        second = answer["sid"]
        self.assertEqual(second, p.created_calls[1])
        w = self.wallet()
        self.assertEqual((w["balance_micro"], w["reserved_micro"], w["available_micro"]),
                         (300_964_000, 4_320_000, 296_644_000))
        # Sato never answers: nothing to charge, no entry, the hold released.
        entries = len(self.ledger())
        self.status(status_params(second, "no-answer", 2, to="client:sato", frm=CALLER_ID, Direction="outbound-api",
                                  CallDuration="0"))
        w = wait_until(self.wallet, lambda w: w["reserved_micro"] == 0)
        self.assertEqual((w["balance_micro"], w["reserved_micro"]), (300_964_000, 0))
        self.assertEqual(self.call(second)["charge_micro"], 0)
        self.assertEqual(len(self.ledger()), entries)


class ClickToCallRefusalTest(BillingCase):
    @classmethod
    def setUpClass(cls):
        cls.start(with_provider=True)
        cls.sato = cls.agent_key("u_sato")
        cls.kato = cls.agent_key("u_kato")
        cls.d.api("POST", "/v1/wallet/topups", cls.admin, {"amount_micro": 10 * M, "payment_id": "pay-refusals"})

    def test_who_may_call_and_where(self):
        p = self.provider
        placed = len(p.received("POST", CALLS))
        # Only agents place calls (the call rings their softphone).
        self.assertEqual(self.api("POST", "/v1/calls", {"to": DESTINATION})[0], 403)
        # Kato may not call out any more.
        self.api("PATCH", "/v1/users/u_kato", {"allow_outgoing": False}, expect=200)
        self.error("POST", "/v1/calls", {"to": DESTINATION}, 403, "outgoing_not_allowed", key=self.kato)
        for to in ("14155550100", "+1 415 555 0100", "+1415555", "+10000000000", "+99912345678", "client:kato", ""):
            with self.subTest(to=to):
                self.error("POST", "/v1/calls", {"to": to}, 400, "invalid_destination", key=self.sato)
        for body in ({}, {"to": 14155550100}):
            self.assertEqual(self.api("POST", "/v1/calls", body, key=self.sato)[0], 400, body)
        # China is not served (DESIGN §1.7).
        for to in ("+8613800138000", "+861065529988"):
            self.error("POST", "/v1/calls", {"to": to}, 422, "destination_blocked", key=self.sato)
        self.assertEqual(len(p.received("POST", CALLS)), placed)
        w = self.wallet()
        self.assertEqual((w["balance_micro"], w["reserved_micro"]), (10 * M, 0))

    def test_a_call_the_provider_refuses_holds_nothing(self):
        p = self.provider
        placed = len(p.received("POST", CALLS))
        p.fail("POST", CALLS, 400, times=1, body={"code": 21210, "message": "'From' phone number not verified",
                                                   "more_info": "https://www.twilio.com/docs/errors/21210",
                                                   "status": 400})
        self.error("POST", "/v1/calls", {"to": DESTINATION}, 502, "provider_error", key=self.sato)
        self.assertEqual(len(p.received("POST", CALLS)), placed + 1)
        w = wait_until(self.wallet, lambda w: w["reserved_micro"] == 0)
        self.assertEqual((w["balance_micro"], w["reserved_micro"]), (10 * M, 0))


class RestartTest(BillingCase):
    @classmethod
    def setUpClass(cls):
        cls.start(with_provider=True)
        cls.provider.offer("US", "Local", "+14155550123", region="CA", locality="San Francisco")
        cls.sato = cls.agent_key("u_sato")

    def test_wallet_ledger_numbers_and_holds_survive_restart(self):
        # 20 000 000 − 1 150 000 (first month of a US local number) − 20 000 (61 s inbound:
        # 2 min × 10 000) = 18 830 000.
        self.topup(20 * M, "pay-restart")
        self.api("POST", "/v1/numbers", {"number": "+14155550123", "type": "local"}, expect=201)
        inbound = call_sid(35_000)
        self.inbound_call(inbound, 61)
        self.assertEqual(self.charged(inbound, 20_000), 20_000)
        # A click-to-call in progress: 18 830 000 / 18 000 = 1 046 min → capped at 14 400 s;
        # hold 240 × 18 000 = 4 320 000.
        _, answer = self.api("POST", "/v1/calls", {"to": DESTINATION}, key=self.sato, expect=201)
        live = answer["sid"]
        self.voice(voice_params(live, to="client:sato", frm=CALLER_ID, Direction="outbound-api",
                                CallStatus="in-progress"))
        self.status(status_params(live, "in-progress", 2, to="client:sato", frm=CALLER_ID, Direction="outbound-api"))
        wallet = self.wallet()
        self.assertEqual((wallet["balance_micro"], wallet["reserved_micro"], wallet["available_micro"]),
                         (18_830_000, 4_320_000, 14_510_000))
        ledger = self.ledger()
        usage = self.api("GET", "/v1/wallet/usage", expect=200)[1]
        numbers = self.api("GET", "/v1/numbers", expect=200)[1]

        self.d.restart()
        self.assertEqual(self.wallet(), wallet)
        self.assertEqual(self.ledger(), ledger)
        self.assertEqual(self.api("GET", "/v1/wallet/usage", expect=200)[1], usage)
        self.assertEqual(self.api("GET", "/v1/numbers", expect=200)[1], numbers)
        self.assertEqual(self.call(inbound)["charge_micro"], 20_000)
        # Callbacks retried after the restart charge nothing twice.
        self.status(status_params(inbound, "completed", 3, CallDuration="61"))
        self.assertEqual(self.ledger(), ledger)

        # The live call ends after the restart: ⌈30/60⌉ = 1 min × 18 000 = 18 000, hold released.
        ended = status_params(live, "completed", 3, to="client:sato", frm=CALLER_ID, Direction="outbound-api",
                              CallDuration="30")
        self.status(ended)
        self.status(ended)
        self.assertEqual(self.charged(live, 18_000), 18_000)
        w = wait_until(self.wallet, lambda w: w["reserved_micro"] == 0)
        self.assertEqual((w["balance_micro"], w["reserved_micro"]), (18_812_000, 0))
        self.assertEqual([e["amount_micro"] for e in self.charges_of(live)], [-18_000])
        self.d.restart()
        self.assertEqual(self.wallet(), w)


class ForwardChargeTest(BillingCase):
    FLOW = {"start": "fwd", "states": [
        {"id": "fwd", "type": "forward", "number": "+14155550100", "on": {"completed": "bye", "no_answer": "bye"}},
        {"id": "bye", "type": "hangup"}]}

    @classmethod
    def setUpClass(cls):
        cls.start()
        cls.d.api("PUT", "/v1/flows/fwd/draft", cls.admin, cls.FLOW)
        cls.d.api("POST", "/v1/flows/fwd/publish", cls.admin)
        cls.d.api("PUT", "/v1/numbers/%2B815012345678/flow", cls.admin, {"flow_id": "fwd"})

    def test_a_forwarded_leg_is_charged_once_by_destination(self):
        """The outside leg: ⌈61/60⌉ = 2 min × 14 000 (US outbound) = 28 000; the caller's own leg
        (JP local inbound): ⌈70/60⌉ = 2 min × 10 000 = 20 000. Total 48 000, once."""
        sid = call_sid(36_000)
        dial = self.voice(voice_params(sid))[0]
        self.assertEqual((dial.tag, dial[0].text), ("Dial", "+14155550100"))
        path = urllib.parse.urlsplit(dial.get("action"))
        for _ in range(2):  # the provider retries the Dial action: charged once
            status, _, _ = self.d.signed_form(path.path + "?" + path.query, dict(
                voice_params(sid), DialCallStatus="completed", DialCallSid=call_sid(36_001), DialCallDuration="61"))
            self.assertEqual(status, 200)
        self.status(status_params(sid, "completed", 3, CallDuration="70"))
        self.assertEqual(self.charged(sid, 48_000), 48_000)
        refs = sorted(e["ref"] for e in self.ledger(kind="call_charge"))
        self.assertEqual(refs, ["call:" + sid, "fwd:" + call_sid(36_001)])


class CustomCallerIdTest(BillingCase):
    """A user allowed custom caller IDs gets an outside number verified by the provider before
    presenting it; until then (and for users not allowed) click-to-call refuses it."""
    CUSTOM = "+14155550199"

    @classmethod
    def setUpClass(cls):
        cls.start(with_provider=True)
        cls.sato = cls.agent_key("u_sato")
        cls.kato = cls.agent_key("u_kato")
        cls.d.api("POST", "/v1/wallet/topups", cls.admin, {"amount_micro": 10 * M, "payment_id": "pay-cid"})

    def test_a_custom_caller_id_is_presented_only_once_verified(self):
        p = self.provider
        self.api("PATCH", "/v1/users/u_kato", {"allow_custom_caller_id": False}, expect=200)
        self.error("POST", "/v1/users/u_kato/caller-ids", {"number": self.CUSTOM}, 403, "custom_caller_id_not_allowed",
                   key=self.kato)
        self.api("PATCH", "/v1/users/u_sato", {"allow_custom_caller_id": True, "allow_outgoing": True}, expect=200)
        # Agents verify their own numbers only.
        self.assertEqual(self.api("POST", "/v1/users/u_sato/caller-ids", {"number": self.CUSTOM}, key=self.kato)[0], 403)
        self.error("POST", "/v1/users/u_sato/caller-ids", {"number": "+8613800138000"}, 422, "country_blocked",
                   key=self.sato)
        status, pending = self.api("POST", "/v1/users/u_sato/caller-ids", {"number": self.CUSTOM}, key=self.sato)
        self.assertEqual((status, pending["status"], pending["number"]), (202, "pending", self.CUSTOM))
        ask = p.received("POST", r"OutgoingCallerIds\.json")[-1]
        self.assertEqual(ask.form["PhoneNumber"], self.CUSTOM)
        self.assertEqual(ask.form["StatusCallback"], self.d.base + "/twilio/caller-id?user=u_sato")

        # Pending: not yet presentable.
        self.error("POST", "/v1/calls", {"to": DESTINATION, "caller_id": self.CUSTOM}, 422, "caller_id_not_allowed",
                   key=self.sato)
        self.assertEqual(len(p.received("POST", CALLS)), 0)

        # The provider reports the owner typed the code.
        status, _, _ = self.d.signed_form("/twilio/caller-id?user=u_sato", {
            "AccountSid": DEMO_ACCOUNT, "CallSid": call_sid(37_000), "VerificationStatus": "success",
            "PhoneNumber": self.CUSTOM, "OutgoingCallerIdSid": "PN" + "c" * 32})
        self.assertEqual(status, 200)
        user = self.api("GET", "/v1/users/u_sato", expect=200)[1]
        self.assertEqual(user["custom_caller_ids"], [{"number": self.CUSTOM, "status": "verified"}])

        status, placed = self.api("POST", "/v1/calls", {"to": DESTINATION, "caller_id": self.CUSTOM}, key=self.sato)
        self.assertEqual(status, 201, placed)
        self.assertEqual(p.received("POST", CALLS)[-1].form["From"], self.CUSTOM)
        self.api("PATCH", "/v1/users/u_sato", {"caller_id": self.CUSTOM}, expect=200)
        self.d.restart()
        user = self.api("GET", "/v1/users/u_sato", expect=200)[1]
        self.assertEqual((user["caller_id"], user["custom_caller_ids"][0]["status"]), (self.CUSTOM, "verified"))


class IsolationTest(BillingCase):
    @classmethod
    def setUpClass(cls):
        cls.start()
        d = cls.d
        status, body = d.api("POST", "/v1/orgs", d.system_key, {
            "id": "beta", "name": "Beta", "account_sid": "AC" + "b" * 32, "auth_token": "b" * 32,
            "timezone": "Europe/Berlin"})
        assert status == 201, body
        status, body = d.api("POST", "/v1/keys", d.system_key, {"org": "beta", "role": "admin"})
        assert status == 201, body
        cls.beta = body["key"]

    def test_each_org_has_its_own_wallet_and_ledger(self):
        self.topup(7 * M, "pay-shared-id")
        demo_ledger = self.ledger()
        # A new org starts empty and sees nothing of the demo org's.
        w = self.wallet(self.beta)
        self.assertEqual((w["balance_micro"], w["reserved_micro"], w["available_micro"]), (0, 0, 0))
        self.assertEqual(self.api("GET", "/v1/wallet/ledger", key=self.beta, expect=200)[1],
                         {"entries": [], "next_after": None})
        self.assertEqual(self.api("GET", "/v1/wallet/usage", key=self.beta, expect=200)[1], {"months": []})
        # The same payment id in another org is another payment, not a duplicate.
        answer = self.topup(3 * M, "pay-shared-id", key=self.beta)
        self.assertEqual(answer["wallet"]["balance_micro"], 3 * M)
        self.assertEqual([(e["kind"], e["amount_micro"]) for e in self.ledger(self.beta)], [("topup", 3 * M)])
        self.assertEqual(self.wallet()["balance_micro"], 7 * M)
        self.assertEqual(self.ledger(), demo_ledger)
        # Beta's settings are its own.
        self.api("PUT", "/v1/wallet/auto-recharge", {"enabled": True, "threshold_micro": M, "amount_micro": 5 * M,
                                                    "monthly_cap_micro": 5 * M}, key=self.beta, expect=200)
        self.assertIs(self.wallet()["auto_recharge"]["enabled"], False)


if __name__ == "__main__":
    unittest.main()
