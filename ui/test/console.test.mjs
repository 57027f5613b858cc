// The console in headless Chromium (puppeteer-core, Debian's chromium), started by
// tests/browser/test_console.py against a real callrouterd. Each step checks what a person would
// see; any failed check exits non-zero. Screenshots of every screen go to SCREENSHOT_DIR.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set (run tests/browser/test_console.py)`);
  return process.env[name];
};
const url = env('CONSOLE_URL');
const adminKey = env('ADMIN_KEY');
const shots = env('SCREENSHOT_DIR');
const downloads = env('DOWNLOAD_DIR');
const hostile = env('HOSTILE');
const flowId = process.env.FLOW_ID || 'reception';  // flow ids are never reused: reruns against one daemon need another
mkdirSync(shots, { recursive: true });
mkdirSync(downloads, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const browser = await puppeteer.launch({
  executablePath: env('CHROMIUM'),
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--lang=en-US'],
  defaultViewport: { width: 1400, height: 900 },
});
const started = Date.now();
let step = 'start';
const problems = [];
let page;
try {
  page = await browser.newPage();
  // Nothing the page does may break its CSP or throw: both would be console defects.
  await page.evaluateOnNewDocument(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => d.accept());
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });

  const text = (sel) => page.$eval(sel, (el) => el.textContent);
  const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const go = async (hash, heading) => {
    await page.goto(`${url}#/${hash}`);
    await page.waitForSelector(heading);
  };
  const axe = async (name) => {
    await page.evaluate(axeSource);
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `axe on ${name}`);
  };
  // Replaces a field's text the way a user does: select all, delete, type. Setting `el.value` from
  // outside bypasses the input events, so the next render puts the old state back (the search once
  // went out as JP when a reload landed between the two steps).
  const retype = async (sel, value) => {
    await page.focus(sel);
    await page.keyboard.down('Control');
    await page.keyboard.press('a');
    await page.keyboard.up('Control');
    await page.keyboard.press('Backspace');
    await page.type(sel, value);
    assert.equal(await page.$eval(sel, (el) => el.value), value, `${sel} holds what was typed`);
  };
  // The daemon's own answer, to compare the page with.
  const apiGet = async (path) => {
    const r = await fetch(new URL(path, url), { headers: { Authorization: `Bearer ${adminKey}` } });
    assert.equal(r.status, 200, path);
    return r.json();
  };
  const until = async (fn, what) => {
    for (let i = 0; i < 100; ++i) {
      if (await fn()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  step = 'sign in';
  const first = await page.goto(url);
  assert.match(first.headers()['content-security-policy'], /script-src 'self'/);
  await page.waitForSelector('#key');
  await axe('sign-in');
  await shot('sign-in');
  await page.type('#key', 'crk_nobody_0000');
  await page.click('button[type=submit]');
  await page.waitForSelector('.signin .error');
  assert.match(await text('.signin .error'), /refused/);
  await retype('#key', adminKey);
  await page.click('button[type=submit]');
  await page.waitForSelector('#balance');
  assert.match(await text('#balance'), /^\d+\.\d\d credits$/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('callrouter.key')), adminKey);
  assert.equal(await page.evaluate(() => localStorage.getItem('callrouter.key')), null);
  await page.waitForFunction(() => document.querySelector('#ledger tbody')?.textContent.includes('20.00'));  // the test's top-up
  // A top-up of 12.50 credits: the balance grows by exactly that and the ledger shows it.
  const before = (await apiGet('/v1/wallet')).balance_micro;
  await page.type('#topup-amount', '12.5');
  await page.click('#topup button[type=submit]');
  await page.waitForSelector('#topup .notice');
  assert.match(await text('#topup .notice'), /12\.50/);
  assert.equal((await apiGet('/v1/wallet')).balance_micro, before + 12_500_000);
  await until(async () => (await text('#balance')) === `${((before + 12_500_000) / 1e6).toFixed(2)} credits`, 'the new balance');
  await until(async () => (await text('#ledger tbody')).includes('12.50'), 'the top-up in the ledger');
  // Auto-recharge: the API's refusal is shown, then the settings are saved and shown.
  await page.click('#ar-enabled');
  await retype('#ar-threshold', '5');
  await retype('#ar-amount', '0');
  await page.click('#auto-recharge button[type=submit]');
  await page.waitForSelector('#auto-recharge .error');
  assert.match(await text('#auto-recharge .error'), /positive.*invalid_settings/);
  await retype('#ar-amount', '20');
  await retype('#ar-cap', '100');
  await page.click('#auto-recharge button[type=submit]');
  await until(async () => /Enabled\s*Threshold 5\.00 · Amount 20\.00 · Monthly cap 100\.00/.test(await text('.cards')), 'the saved settings');
  assert.deepEqual((await apiGet('/v1/wallet')).auto_recharge,
    { enabled: true, threshold_micro: 5_000_000, amount_micro: 20_000_000, monthly_cap_micro: 100_000_000 });
  await axe('overview');
  await shot('overview');

  step = 'numbers';
  await go('numbers', '#numbers-title');
  await page.waitForFunction(() => document.body.textContent.includes('+815012345678'));
  await page.click('form.row button[type=submit]');  // JP local, as the form starts
  await page.waitForFunction(() => document.body.textContent.includes('+81355550101'));
  await shot('numbers');
  const buy = await page.$$('xpath/.//tr[td[contains(., "+81355550101")]]//button');
  await buy[0].click();
  await page.waitForSelector('.notice');
  assert.match(await text('.notice'), /\+81355550101/);
  await retype('#search-country', 'CN');
  await page.click('form.row button[type=submit]');
  await page.waitForSelector('.error');
  assert.match(await text('.error'), /country_blocked/);

  step = 'users';
  await go('users', '#users-title');
  await page.waitForSelector('td.user-name');
  const names = await page.$$eval('td.user-name', (tds) => tds.map((td) => td.textContent));
  assert.ok(names.includes(hostile), `the hostile name is shown as text: ${names}`);
  assert.equal(await page.$$eval('td.user-name img', (imgs) => imgs.length), 0);
  await page.select('#users-group', 'sales');
  await until(async () => (await page.$$('td.user-name')).length === 2, 'the sales filter');
  // Edit a user: the form opens with its fields; a phone is set, then cleared again (PATCH null).
  await page.click('button[aria-label="Edit u_sato"]');
  assert.equal(await page.$eval('#user-id', (el) => el.disabled), true, 'an id cannot be changed');
  assert.equal(await page.$eval('#user-groups', (el) => el.value), 'sales');
  await retype('#user-phone', '+815011112222');
  await page.click('#user-form button[type=submit]');
  await page.waitForFunction(() => [...document.querySelectorAll('tbody tr')].some((tr) => tr.textContent.includes('+815011112222')));
  let sato = await apiGet('/v1/users/u_sato');
  assert.equal(sato.phone, '+815011112222');
  assert.deepEqual(sato.groups, ['sales'], 'the memberships are kept');
  await page.click('button[aria-label="Edit u_sato"]');
  await retype('#user-phone', '');
  await page.click('#user-form button[type=submit]');
  await until(async () => (await apiGet('/v1/users/u_sato')).phone === null, 'the phone cleared');
  await page.click('button[aria-label="Edit u_sato"]');
  await retype('#user-phone', '0311112222');  // not E.164: the API's message is shown
  await page.click('#user-form button[type=submit]');
  await page.waitForSelector('.error');
  assert.match(await text('.error'), /field 'phone': must be an E\.164 number/);
  await axe('users');
  await shot('users');

  step = 'groups';
  await go('groups', '#groups-title');
  await page.waitForFunction(() => document.body.textContent.includes('u_sato, u_kato'));
  // Edit the group: ring order and wrap-up.
  await page.click('button[aria-label="Edit sales"]');
  await retype('#group-members', 'u_kato, u_sato');
  await retype('#group-wrap', '15');
  await page.click('#group-form button[type=submit]');
  await page.waitForFunction(() => document.body.textContent.includes('u_kato, u_sato'));
  const sales = await apiGet('/v1/groups/sales');
  assert.deepEqual([sales.members, sales.wrap_up_s], [['u_kato', 'u_sato'], 15]);
  await axe('groups');
  await shot('groups');

  step = 'flow designer';
  await go('flows', '#flows-title');
  await page.type('#flow-id', flowId);
  await page.type('#flow-name', 'Reception');
  await page.click('form.row button[type=submit]');
  await page.waitForSelector('.canvas');
  const canvasBox = await (await page.$('.canvas')).boundingBox();
  const dragTo = async (fromSel, x, y) => {
    const box = await (await page.$(fromSel)).boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(x, y, { steps: 8 });
    await page.mouse.up();
  };
  const spots = { say: [120, 80], menu: [360, 80], ring_group: [600, 80], voicemail: [600, 300] };
  for (const [type, [x, y]] of Object.entries(spots)) {
    await dragTo(`.palette-item[data-type=${type}]`, canvasBox.x + x, canvasBox.y + y);
    await page.waitForSelector(`.node[data-state=${type}]`);
  }
  const link = async (from, exit, to) => {
    const target = await (await page.$(`.node[data-state=${to}] .node-head`)).boundingBox();
    await dragTo(`.node[data-state=${from}] .port[data-exit="${exit}"]`, target.x + 40, target.y + 15);
    await page.waitForFunction((f, e, t) => document.querySelector(`.node[data-state=${f}] .port[data-exit="${e}"]`)
      ?.parentElement.textContent.includes(`→ ${t}`), {}, from, exit, to);
  };
  await link('say', 'next', 'menu');
  await page.click('.node[data-state=menu] .node-head');
  await page.click('#add-option');
  await page.click('#add-option');
  await page.waitForSelector('.node[data-state=menu] .port[data-exit="options.2"]');
  await link('menu', 'options.1', 'ring_group');
  await page.click('.node[data-state=ring_group] .node-head');
  await page.select('#field-group', 'sales');
  await link('ring_group', 'on.no_answer', 'voicemail');
  // Keyboard path: a palette button pressed with Enter adds a state, which is then removed again.
  await page.focus('.palette-item[data-type=hangup]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.node[data-state=hangup]');
  await page.click('xpath/.//aside[contains(@class,"panel")]//button[contains(., "Delete state")]');
  await until(async () => !(await page.$('.node[data-state=hangup]')), 'the hangup state to go');

  // Option 2 leads nowhere: the API refuses the draft and the error lands on that state and field.
  await page.click('#save-draft');
  await page.waitForSelector('.node[data-state=menu].has-error');
  const fieldError = await text('.option[data-option="2"] .field-error');
  assert.match(fieldError, /state 'menu': field 'options\.2'/);
  await axe('designer with an error');
  await shot('designer-error');
  await page.select('#option-2', 'voicemail');
  await page.click('#save-draft');
  await page.waitForFunction(() => document.querySelector('.notice')?.textContent.includes('Draft saved'));
  assert.equal(await page.$('.node.has-error'), null);
  await page.click('#compare');
  await page.waitForSelector('.diff');
  const added = await page.$$eval('.diff-state.added', (els) => els.map((e) => e.dataset.diffState).sort());
  assert.deepEqual(added, ['menu', 'ring_group', 'say', 'voicemail']);
  await page.click('#publish');
  await page.waitForFunction(() => document.querySelector('.notice')?.textContent.includes('Published version: 1'));
  await shot('designer');
  // A change after publishing shows as changed on both sides.
  await page.click('.node[data-state=say] .node-head');
  await retype('#field-say-text', 'Welcome to Demo.');
  await page.click('#compare');
  await page.waitForSelector('.diff-state.changed[data-diff-state=say]');
  assert.equal((await page.$$('.diff-state.changed[data-diff-state=say]')).length, 2);
  await shot('designer-diff');

  step = 'call history';
  await go('history', '#history-title');
  await page.waitForSelector('#calls tbody tr');
  assert.equal((await page.$$('#calls tbody tr')).length, 25);
  const froms = await page.$$eval('#calls td.from', (tds) => tds.map((td) => td.textContent));
  assert.ok(froms.includes(hostile), 'the hostile caller ID is shown as text');
  assert.equal(await page.$$eval('#calls img', (imgs) => imgs.length), 0);
  await page.click('#next-page');
  await until(async () => (await page.$$('#calls tbody tr')).length === Number(env('CALLS')) - 25, 'the second page');
  // Calls 10..19 come from +8190000000NN: a number filter with a direction, as a person would.
  await page.select('#f-direction', 'inbound');
  await page.type('#f-q', '900000001');
  await page.click('.filters button[type=submit]');
  await until(async () => {
    const shown = await page.$$eval('#calls td.from', (tds) => tds.map((td) => td.textContent));
    return shown.length === 10 && shown.every((f) => f.includes('900000001'));
  }, 'the number filter');
  const filteredRows = (await page.$$('#calls tbody tr')).length;
  await axe('history');
  await shot('history');
  await page.click('#csv');
  await until(() => readdirSync(downloads).some((f) => f.endsWith('.csv')), 'the CSV download');
  const csvName = readdirSync(downloads).find((f) => f.endsWith('.csv'));
  const csv = readFileSync(join(downloads, csvName), 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
  assert.match(csv[0], /^sid,direction,outcome,/);
  assert.equal(csv.length - 1, filteredRows, 'the CSV holds the filtered calls');
  assert.ok(csv.slice(1).every((row) => row.includes('900000001')), 'only the filtered calls');
  unlinkSync(join(downloads, csvName));  // the next download may take the same name

  step = 'workflows';
  await go('workflows', '#workflows-title');
  await page.waitForFunction(() => document.querySelector('#workflow-list')?.textContent.includes('missed_to_task'));
  await page.click('#workflow-list a');
  await page.waitForFunction(() => document.querySelectorAll('#deliveries tbody tr').length > 0);
  // A new rule from the form: the API's refusal first, then the rule, its secret shown once.
  await page.type('#wf-id', 'ended_to_crm');
  await page.select('#wf-trigger', 'incoming_call_end');
  await page.type('#wf-url', 'ftp://crm.example/hooks');
  await page.type('#wf-prefix', '+8190');
  await page.click('#workflow-form button[type=submit]');
  await page.waitForSelector('#workflow-form .error');
  assert.match(await text('#workflow-form .error'), /action\.url/);
  await retype('#wf-url', 'http://127.0.0.1:9/hooks/ended');
  await page.click('#workflow-form button[type=submit]');
  await page.waitForSelector('#wf-secret');
  assert.match(await text('#wf-secret code'), /^whsec_[A-Za-z0-9+/=]{40,}$/);
  const made = await apiGet('/v1/workflows/ended_to_crm');
  assert.deepEqual([made.trigger, made.action.url, made.conditions.rules], ['incoming_call_end', 'http://127.0.0.1:9/hooks/ended',
    [{ field: 'caller', op: 'prefix', value: '+8190' }]]);
  assert.equal(made.action.secret, undefined, 'the secret is never read back');
  await page.waitForFunction(() => document.querySelector('#workflow-list')?.textContent.includes('ended_to_crm'));
  // A test send to a receiver that is down: the page says it was not accepted.
  await page.click('button[aria-label="Send test ended_to_crm"]');
  await page.waitForSelector('#wf-tested .notice');
  assert.match(await text('#wf-tested .notice'), /ended_to_crm: the test event was not accepted/);
  await axe('workflows');
  await shot('workflows');
  step = 'analytics';
  await go('analytics', '#analytics-title');
  await page.waitForSelector('#analytics-total');
  // Today by hour on the org's clock: the page's total is the sum of the daemon's rows, and every
  // call placed for this test ended today.
  const hours = await apiGet('/v1/analytics?by=hour');
  const offered = hours.rows.reduce((n, r) => n + r.offered, 0);
  const missed = hours.rows.reduce((n, r) => n + r.missed, 0);
  assert.equal(offered, Number(env('CALLS')), 'every call placed is offered today');
  assert.equal(await text('#analytics-total [data-figure=offered]'), String(offered));
  assert.equal(await text('#analytics-total [data-figure=missed]'), String(missed));
  assert.equal((await page.$$('#analytics tbody tr')).length, hours.rows.length, 'one row per hour');
  assert.equal((await page.$$('#analytics-chart rect')).length, 3 * hours.rows.length, 'three bars per hour');
  await page.select('#a-by', 'day');
  await page.click('.filters button[type=submit]');
  await until(async () => (await page.$$('#analytics tbody tr')).length === 1, 'one row for today');
  assert.equal(await text('#analytics tbody [data-figure=offered]'), String(offered));
  await axe('analytics');
  await shot('analytics');

  step = 'live board';
  await go('board', '#live-title');
  await until(async () => (await text('#live-status')) === 'Live', 'the board to connect');
  await page.waitForSelector('#live-agents [data-state=available]');
  // An agent steps away: the board moves them within its 250 ms check, over the open socket.
  const away = await fetch(new URL('/v1/users/u_kato/presence', url), {
    method: 'PUT', headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ presence: 'away' }) });
  assert.equal(away.status, 200);
  await until(async () => (await text('#live-agents [data-state=away] .users')).split(', ').includes('u_kato'), 'u_kato shown away');
  // A call arrives (signed by the Python twilio library in test_console.py): its event shows up live.
  const call = await fetch(env('LIVE_CALL_URL'), {
    method: 'POST', body: env('LIVE_CALL_BODY'),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': env('LIVE_CALL_SIGNATURE') } });
  assert.equal(call.status, 200);
  const liveSid = env('LIVE_CALL_SID');
  await page.waitForSelector(`#live-events tr[data-type="call.ringing"][data-sid="${liveSid}"]`);
  assert.match(await text(`#live-events tr[data-sid="${liveSid}"]`), /\+819099990000/);
  // …and it is in progress: ringing, from the caller, until it ends.
  await page.waitForSelector(`#live-calls tr[data-sid="${liveSid}"]`);
  assert.match(await text(`#live-calls tr[data-sid="${liveSid}"]`), /\+819099990000.*Ringing/);
  // A board opened mid-call lists it too (from the snapshot).
  await page.reload();
  await page.waitForSelector(`#live-calls tr[data-sid="${liveSid}"]`);
  assert.equal((await page.$$('#live-events tbody tr')).length, 0, 'no event seen since the reload');
  await axe('live board');
  await shot('live');
  const ended = await fetch(env('LIVE_END_URL'), {
    method: 'POST', body: env('LIVE_END_BODY'),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': env('LIVE_END_SIGNATURE') } });
  assert.equal(ended.status, 200);
  await page.waitForSelector(`#live-events tr[data-type="call.ended"][data-sid="${liveSid}"]`);
  assert.equal((await page.$$(`#live-calls tr[data-sid="${liveSid}"]`)).length, 0, 'an ended call is no longer in progress');
  // …and the call history lists it, missed.
  await go('history', '#history-title');
  await page.waitForSelector(`#calls tr[data-sid="${liveSid}"]`);
  assert.match(await text(`#calls tr[data-sid="${liveSid}"]`), /Missed/);

  step = 'agent view';
  // An agent key signs in to its own phone: presence, offers, click-to-call, and its own calls.
  await page.click('header button');  // sign out
  await page.waitForSelector('#key');
  await page.type('#key', env('AGENT_KEY'));
  await page.click('button[type=submit]');
  await page.waitForSelector('#phone-title');
  await until(async () => (await text('#phone-title')).includes('Sato'), "the agent's name");
  await until(async () => (await text('#agent-status')) === 'Live', 'the agent stream');
  assert.deepEqual(await page.$$eval('header nav a', (as) => as.map((a) => a.getAttribute('href'))), ['#/phone', '#/history']);
  await page.select('#my-presence', 'away');
  await until(async () => (await apiGet('/v1/users/u_sato')).presence === 'away', 'the agent away');
  await until(async () => (await text('#engine-presence')).includes('Away'), 'presence.changed on the stream');
  await page.select('#my-presence', 'available');
  await until(async () => (await apiGet('/v1/users/u_sato')).presence === 'available', 'the agent back');
  await page.type('#call-to', '+81312345678');
  await page.click('#click-to-call button[type=submit]');
  await page.waitForSelector('#click-to-call .notice');
  assert.match(await text('#click-to-call .notice'), /^Calling \+81312345678 \(CA[0-9a-f]{32}; time limit \d+ s\)$/);
  const placed = /(CA[0-9a-f]{32})/.exec(await text('#click-to-call .notice'))[1];
  await axe('agent phone');
  await shot('agent');
  await go('history', '#history-title');
  await until(async () => (await page.$$eval('#calls tbody tr', (trs) => trs.map((tr) => tr.dataset.sid))).join() === placed,
    "only the agent's own call");
  await page.click('header button');
  await page.waitForSelector('#key');
  await page.type('#key', adminKey);
  await page.click('button[type=submit]');
  await page.waitForSelector('#balance');
  await go('history', '#history-title');

  step = 'japanese';
  await page.select('.lang select', 'ja');
  await page.waitForFunction(() => document.querySelector('#history-title')?.textContent === '通話の履歴');
  const nav = await page.$$eval('header nav a', (as) => as.map((a) => a.textContent));
  for (const word of ['電話番号', '通話フロー', '電話連携のユーザー', '電話連携のグループ', '通話の履歴', '分析', 'ライブボード', 'ワークフロー']) assert.ok(nav.includes(word), word);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ja');
  // Chromium holds a second download from one page until the user allows it: load the page anew
  // (the language is kept for the tab) as a person would before downloading again.
  await page.reload();
  await page.waitForFunction(() => document.querySelector('#history-title')?.textContent === '通話の履歴');
  await page.click('#csv');
  await until(() => readdirSync(downloads).some((f) => f.endsWith('.csv')), 'the Japanese CSV');
  const jaName = readdirSync(downloads).find((f) => f.endsWith('.csv'));
  assert.match(readFileSync(join(downloads, jaName), 'utf8'), /^\uFEFF?通話SID,方向,結果/);
  await shot('history-ja');

  step = 'page health';
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violation');
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no hostile script ran');
  assert.deepEqual(problems, []);
  console.log(`console browser test passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${shots}`);
} catch (e) {
  console.error(`console browser test failed at "${step}": ${e.stack || e}`);
  if (problems.length) console.error(problems.join('\n'));
  await page?.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
