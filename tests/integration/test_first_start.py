"""Issue 19, defect 10: the daemon as a newcomer first meets it. A fresh data dir is not an error in
the log, and with no provider reachable the number search says so in words, naming the setting."""
import unittest

from harness import Daemon


class FirstStartTest(unittest.TestCase):
    def setUp(self):
        # The harness points provider.api_base_url at a closed port: as good as no internet.
        self.d = Daemon()
        self.d.start()

    def tearDown(self):
        self.d.close()

    def test_a_fresh_data_dir_logs_no_error(self):
        logs = self.d.logs()
        self.assertIn("first start", logs)
        self.assertNotIn("[error]", logs)
        self.assertNotIn("[critical]", logs)

    def test_an_unreachable_provider_is_named_with_its_setting(self):
        status, body = self.d.api("GET", "/v1/numbers/available?country=US", self.d.demo_admin_key)
        self.assertEqual(status, 502, body)
        self.assertEqual(body["error"]["code"], "provider_error")
        message = body["error"]["message"]
        self.assertIn("could not be reached", message)
        self.assertIn("http://127.0.0.1:9", message)
        self.assertIn("provider.api_base_url", message)


if __name__ == "__main__":
    unittest.main()
