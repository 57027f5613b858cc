"""Monthly number fees on each purchase anniversary, across restarts and clock jumps: every month is
charged exactly once, months missed while the daemon was down are charged when it comes back, a
clock that jumps back charges nothing, and a fee the wallet cannot pay leaves the number overdue
until credits arrive. Time passes through the daemon's test hook CALLROUTER_CLOCK_OFFSET_S."""
import time
import unittest

from harness import DEMO_ACCOUNT, DEMO_TOKEN, Daemon
from provider_standin import ProviderStandIn

M = 1_000_000
FEE = 1_150_000  # config/rates.json: US local monthly_fee "1.15"
DAY = 86_400


class NumberFeesTest(unittest.TestCase):
    def setUp(self):
        self.provider = ProviderStandIn({DEMO_ACCOUNT: DEMO_TOKEN})
        self.addCleanup(self.provider.close)
        self.provider.offer("US", "Local", "+14155550123", region="CA", locality="San Francisco")
        self.d = Daemon(extra_config={"provider": {"api_base_url": self.provider.url}}).start()
        self.addCleanup(self.d.close)
        self.admin = self.d.demo_admin_key

    def api(self, method, path, body=None, expect=200):
        status, answer = self.d.api(method, path, self.admin, body)
        self.assertEqual(status, expect, "%s %s → %s %s" % (method, path, status, answer))
        return answer

    def restart_at(self, days):
        self.d.env["CALLROUTER_CLOCK_OFFSET_S"] = str(days * DAY)
        self.d.restart()

    def settle(self, balance):
        """The fee timer runs once the daemon is ready: wait for the balance it should reach."""
        deadline = time.time() + 5
        while time.time() < deadline:
            w = self.api("GET", "/v1/wallet")
            if w["balance_micro"] == balance:
                break
            time.sleep(0.05)
        time.sleep(0.2)  # and nothing more happens after it
        w = self.api("GET", "/v1/wallet")
        self.assertEqual(w["balance_micro"], balance)
        return w

    def fees(self):
        entries = self.api("GET", "/v1/wallet/ledger?kind=number_monthly_fee")["entries"]
        return [(e["amount_micro"], e["ref"].rsplit(":", 1)[1]) for e in entries]

    def number(self):
        return [n for n in self.api("GET", "/v1/numbers")["numbers"] if n["number"] == "+14155550123"][0]

    def test_each_anniversary_is_charged_once_across_restarts_and_clock_jumps(self):
        self.api("POST", "/v1/wallet/topups", {"amount_micro": 3 * M, "payment_id": "p1"}, expect=201)
        bought = self.api("POST", "/v1/numbers", {"number": "+14155550123", "type": "local"}, expect=201)
        self.assertEqual(bought["monthly_fee_micro"], FEE)
        self.settle(3 * M - FEE)
        self.assertEqual(self.fees(), [])

        # 40 days on: the first anniversary (28–31 days) has passed, the second (59–62) not.
        self.restart_at(40)
        self.settle(3 * M - 2 * FEE)
        self.assertEqual(self.fees(), [(-FEE, "1")])
        self.assertFalse(self.number()["overdue"])

        # Down until day 100: months 2 and 3 are due, but 700,000 cannot pay 1,150,000.
        self.restart_at(100)
        self.settle(3 * M - 2 * FEE)
        self.assertTrue(self.number()["overdue"])
        events = [e["event"]["kind"] for e in self.api("GET", "/v1/wallet/events")["events"]]
        self.assertIn("number.overdue", events)

        # Credits arrive: both missed months are paid at once, in order.
        self.api("POST", "/v1/wallet/topups", {"amount_micro": 5 * M, "payment_id": "p2"}, expect=201)
        self.settle(8 * M - 4 * FEE)
        self.assertEqual(self.fees(), [(-FEE, "1"), (-FEE, "2"), (-FEE, "3")])
        self.assertFalse(self.number()["overdue"])

        # The clock jumps back, then forward to where it was: nothing is charged again.
        self.restart_at(40)
        self.settle(8 * M - 4 * FEE)
        self.restart_at(100)
        self.settle(8 * M - 4 * FEE)
        self.assertEqual(len(self.fees()), 3)


if __name__ == "__main__":
    unittest.main()
