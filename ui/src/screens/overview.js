// Plan and credits: the wallet, a top-up, the auto-recharge settings, recording storage and usage
// by month.
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { credits, toMicro, when } from '../format.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { ErrorText, Field, Loading, Notice, useLoad } from './common.js';

// getRandomValues, not randomUUID: the latter exists only in secure contexts (https, localhost).
const newPaymentId = () => `console-${Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('')}`;

// Adds credits. The payment id is made once per amount typed, so pressing again after a lost
// answer cannot top up twice (the API answers the same payment id as a duplicate).
function TopUp({ onDone }) {
  const [amount, setAmount] = useState('');
  const [paymentId, setPaymentId] = useState(newPaymentId);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setNotice('');
    const micro = toMicro(amount);
    if (!micro) return setError({ message: t('badAmount'), code: 'invalid_amount' });
    try {
      const r = await api.post('/v1/wallet/topups', { amount_micro: micro, payment_id: paymentId });
      setNotice(`${t('toppedUp')} ${credits(micro)} ${t('credits')}${r.duplicate ? ` (${t('duplicate')})` : ''}`);
      setAmount('');
      setPaymentId(newPaymentId());
      onDone();
    } catch (err) { setError(err); }
  };
  return html`<form class="row" id="topup" onSubmit=${submit}>
    <${Field} id="topup-amount" label=${`${t('topUp')} (${t('credits')})`} value=${amount} inputmode="decimal"
      onInput=${(v) => { setAmount(v); setPaymentId(newPaymentId()); }} placeholder="10.00" />
    <button type="submit">${t('topUp')}</button>
    <${ErrorText} error=${error} /><${Notice} text=${notice} />
  </form>`;
}

function AutoRecharge({ settings, onDone }) {
  const shown = (micro) => (micro ? credits(micro) : '');
  const [form, setForm] = useState({ enabled: Boolean(settings.enabled), threshold: shown(settings.threshold_micro),
    amount: shown(settings.amount_micro), cap: shown(settings.monthly_cap_micro) });
  const [error, setError] = useState(null);
  const set = (k) => (v) => setForm({ ...form, [k]: v });
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    const micro = { threshold: toMicro(form.threshold || '0'), amount: toMicro(form.amount || '0'), cap: toMicro(form.cap || '0') };
    const bad = Object.entries(micro).find(([, v]) => v === null);
    if (bad) return setError({ message: `${t(bad[0] === 'cap' ? 'monthlyCap' : bad[0])}: ${t('badAmount')}`, code: 'invalid_settings' });
    try {
      await api.put('/v1/wallet/auto-recharge', { enabled: form.enabled, threshold_micro: micro.threshold,
        amount_micro: micro.amount, monthly_cap_micro: micro.cap });
      onDone();
    } catch (err) { setError(err); }
  };
  return html`<form class="grid" id="auto-recharge" onSubmit=${submit}>
    <${Field} id="ar-enabled" type="checkbox" label=${t('autoRecharge')} value=${form.enabled} onInput=${set('enabled')} />
    <${Field} id="ar-threshold" label=${t('threshold')} value=${form.threshold} onInput=${set('threshold')} inputmode="decimal" />
    <${Field} id="ar-amount" label=${t('amount')} value=${form.amount} onInput=${set('amount')} inputmode="decimal" />
    <${Field} id="ar-cap" label=${t('monthlyCap')} value=${form.cap} onInput=${set('cap')} inputmode="decimal" />
    <button type="submit">${t('saveSettings')}</button>
    <${ErrorText} error=${error} />
  </form>`;
}

export function Overview() {
  const wallet = useLoad(() => api.get('/v1/wallet'));
  const usage = useLoad(() => api.get('/v1/wallet/usage'));
  // The ledger is oldest first, paged by `after`: purchase history a page of 50 at a time.
  const [after, setAfter] = useState(0);
  const ledger = useLoad(() => api.get(`/v1/wallet/ledger${query({ after, limit: 50 })}`), [after]);
  if (wallet.loading && !wallet.data) return html`<${Loading} />`;  // a reload keeps the page (and its forms) up
  if (wallet.error) return html`<${ErrorText} error=${wallet.error} />`;
  const w = wallet.data;
  const ar = w.auto_recharge ?? {};
  const low = ar.enabled && w.balance_micro < ar.threshold_micro;
  const months = usage.data?.months ?? [];
  // Debits are negative amounts (money out); the bars show their size.
  const top = Math.max(1, ...months.map((m) => Math.max(m.credits_micro, Math.abs(m.debits_micro))));
  return html`<section aria-labelledby="overview-title">
    <h1 id="overview-title">${t('overview')}</h1>
    ${low && html`<p class="warning" role="alert">${t('lowBalance')}</p>`}
    <dl class="cards">
      <div><dt>${t('balance')}</dt><dd id="balance">${credits(w.balance_micro)} ${t('credits')}</dd></div>
      <div><dt>${t('available')}</dt><dd>${credits(w.available_micro)}</dd></div>
      <div><dt>${t('reserved')}</dt><dd>${credits(w.reserved_micro)}</dd></div>
      <div><dt>${t('autoRecharge')}</dt><dd>${ar.enabled ? t('enabled') : t('disabled')}
        ${ar.enabled && html`<br/><small>${t('threshold')} ${credits(ar.threshold_micro)} · ${t('amount')} ${credits(ar.amount_micro)} · ${t('monthlyCap')} ${credits(ar.monthly_cap_micro)}</small>`}</dd></div>
      <div><dt>${t('recording')}</dt><dd>${Math.round((w.recording?.used_s ?? 0) / 60)} / ${Math.round((w.recording?.included_s ?? 0) / 60)} ${t('minutes')}
        <br/><small>${t('plan')}: ${w.recording?.plan ?? '—'}</small></dd></div>
    </dl>
    <h2>${t('topUp')}</h2>
    <${TopUp} onDone=${() => { wallet.reload(); ledger.reload(); usage.reload(); }} />
    <h2>${t('autoRecharge')}</h2>
    <${AutoRecharge} settings=${ar} onDone=${wallet.reload} />
    <h2>${t('usage')}</h2>
    <${ErrorText} error=${usage.error} />
    <table>
      <thead><tr><th scope="col">${t('month')}</th><th scope="col">${t('creditsIn')}</th><th scope="col">${t('debits')}</th><th scope="col"><span class="sr-only">chart</span></th></tr></thead>
      <tbody>${months.map((m) => html`<tr>
        <td>${m.month}</td><td>${credits(m.credits_micro)}</td><td>${credits(m.debits_micro)}</td>
        <td class="bars" aria-hidden="true"><meter min="0" max=${top} value=${Math.abs(m.debits_micro)}></meter></td></tr>`)}</tbody>
    </table>
    <h2>${t('ledger')}</h2>
    <${ErrorText} error=${ledger.error} />
    <table id="ledger">
      <thead><tr>${['when', 'kind', 'amount', 'balanceAfter', 'note'].map((k) => html`<th scope="col">${t(k)}</th>`)}</tr></thead>
      <tbody>${(ledger.data?.entries ?? []).map((e) => html`<tr>
        <td>${when(e.at)}</td><td>${e.kind}</td><td>${credits(e.amount_micro)}</td><td>${credits(e.balance_after_micro)}</td><td>${e.note}</td></tr>`)}</tbody>
    </table>
    <p class="row">
      ${after > 0 && html`<button type="button" onClick=${() => setAfter(0)}>${t('first')}</button>`}
      ${ledger.data?.next_after && html`<button type="button" onClick=${() => setAfter(ledger.data.next_after)}>${t('next')}</button>`}
    </p>
  </section>`;
}
