// Checks every case of tests/data/twilio-signature-cross-vectors.json (computed by twilio-python,
// or hmac/hashlib where it has no shared-key support) with twilio-node, the npm `twilio` package:
// the same signature computed, and accepted or refused under each URL as the file says.
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
let twilio;
try {
  twilio = require("twilio");
} catch (e) {
  console.error(`twilio-node is not installed (${e.message}): run scripts/bootstrap, which runs npm ci in tests/node`);
  process.exit(1);
}

const vectorsPath = path.join(__dirname, "..", "data", "twilio-signature-cross-vectors.json");
const vectors = JSON.parse(fs.readFileSync(vectorsPath, "utf8"));

let passed = 0;
let failed = 0;
function check(name, fn) {
  try {
    fn();
    passed += 1;
  } catch (e) {
    failed += 1;
    console.error(`FAIL ${name}: ${e.message}`);
  }
}

// The signing secret and HMAC of a case, chosen as twilio.webhook() does: a settings header
// means the shared key, with the algorithm getSignatureAlgorithm reads from it.
function signing(c) {
  if (c.signature_settings === undefined) {
    return { secret: vectors.auth_token, algorithm: twilio.getSignatureAlgorithm(undefined) };
  }
  return { secret: vectors.shared_key, algorithm: twilio.getSignatureAlgorithm(c.signature_settings) };
}

function validates(c, url, signature) {
  const { secret, algorithm } = signing(c);
  if (c.body !== undefined) return twilio.validateRequestWithBody(secret, signature, url, c.body, algorithm);
  return twilio.validateRequest(secret, signature, url, c.params, algorithm);
}

assert.ok(vectors.cases.length >= 10, "the vectors file has its cases");
check("no settings header means HMAC_SHA1", () => assert.equal(twilio.getSignatureAlgorithm(""), twilio.HMAC_SHA1));
check("the header names HMAC_SHA256", () =>
  assert.equal(twilio.getSignatureAlgorithm("key=webhooks_sharedkey_x,algorithm=HMAC_SHA256"), twilio.HMAC_SHA256));
check("the settings header's name", () =>
  assert.equal(twilio.SIGNATURE_SETTINGS_HEADER, "X-Twilio-Webhooks-Signature-Settings"));

for (const c of vectors.cases) {
  const { secret, algorithm } = signing(c);
  check(`${c.name}: computes the same signature`, () => {
    const params = c.body !== undefined ? {} : c.params;
    assert.equal(twilio.getExpectedTwilioSignature(secret, c.url, params, algorithm), c.signature);
  });
  if (c.body !== undefined) {
    check(`${c.name}: body hash`, () => assert.equal(twilio.getExpectedBodyHash(c.body), c.body_sha256_hex));
    check(`${c.name}: a changed body fails`, () => assert.equal(validates({ ...c, body: c.body + " " }, c.url, c.signature), false));
  }
  for (const url of [c.url, ...c.valid_urls]) {
    check(`${c.name}: validates as ${url}`, () => assert.equal(validates(c, url, c.signature), true));
  }
  for (const url of c.invalid_urls) {
    check(`${c.name}: refused as ${url}`, () => assert.equal(validates(c, url, c.signature), false));
  }
  check(`${c.name}: the other secret or algorithm fails`, () => {
    const other = c.signature_settings === undefined ? vectors.shared_key : vectors.auth_token;
    assert.equal(c.body !== undefined
      ? twilio.validateRequestWithBody(other, c.signature, c.url, c.body, algorithm)
      : twilio.validateRequest(other, c.signature, c.url, c.params, algorithm), false);
    const flipped = algorithm === twilio.HMAC_SHA256 ? twilio.HMAC_SHA1 : twilio.HMAC_SHA256;
    assert.equal(c.body !== undefined
      ? twilio.validateRequestWithBody(secret, c.signature, c.url, c.body, flipped)
      : twilio.validateRequest(secret, c.signature, c.url, c.params, flipped), false);
  });
  if (c.body === undefined && Object.keys(c.params).length > 0) {
    check(`${c.name}: a tampered param fails`, () => {
      const name = Object.keys(c.params)[0];
      const tampered = { ...c.params, [name]: String(c.params[name]) + "0" };
      assert.equal(validates({ ...c, params: tampered }, c.url, c.signature), false);
    });
  }
}

console.log(`twilio-node ${require("twilio/package.json").version}, node ${process.version}`);
console.log(`node: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
