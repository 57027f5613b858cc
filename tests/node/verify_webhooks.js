// Verifies workflow webhooks as a CRM would, with the npm `standardwebhooks` package (the
// Standard Webhooks reference implementation), not with callrouter's code. Reads a JSON array of
// {"secret", "headers": {"webhook-id", "webhook-timestamp", "webhook-signature"}, "body"} on
// stdin; writes a JSON array of {"ok": true} or {"ok": false, "error": "…"} in the same order.
// Used by tests/integration/test_workflows.py.
"use strict";

let Webhook;
try {
  ({ Webhook } = require("standardwebhooks"));
} catch (e) {
  console.error(`standardwebhooks is not installed (${e.message}): run scripts/bootstrap, which runs npm ci in tests/node`);
  process.exit(2);
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const results = JSON.parse(input).map(({ secret, headers, body }) => {
    try {
      // verify() checks the signature and that the timestamp is within 5 minutes of now.
      new Webhook(secret).verify(body, headers);
      return { ok: true };
    } catch (e) {
      return { ok: false, error: String(e.message || e) };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
