// Plan and credits: the wallet, auto-recharge, recording storage and usage by month.
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { credits, when } from '../format.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { ErrorText, Loading, useLoad } from './common.js';

export function Overview() {
  const wallet = useLoad(() => api.get('/v1/wallet'));
  const usage = useLoad(() => api.get('/v1/wallet/usage'));
  // The ledger is oldest first, paged by `after`: purchase history a page of 50 at a time.
  const [after, setAfter] = useState(0);
  const ledger = useLoad(() => api.get(`/v1/wallet/ledger${query({ after, limit: 50 })}`), [after]);
  if (wallet.loading) return html`<${Loading} />`;
  if (wallet.error) return html`<${ErrorText} error=${wallet.error} />`;
  const w = wallet.data;
  const ar = w.auto_recharge ?? {};
  const low = ar.enabled && w.balance_micro < ar.threshold_micro;
  const months = usage.data?.months ?? [];
  const top = Math.max(1, ...months.map((m) => Math.max(m.credits_micro, m.debits_micro)));
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
    <h2>${t('usage')}</h2>
    <${ErrorText} error=${usage.error} />
    <table>
      <thead><tr><th scope="col">${t('month')}</th><th scope="col">${t('creditsIn')}</th><th scope="col">${t('debits')}</th><th scope="col"><span class="sr-only">chart</span></th></tr></thead>
      <tbody>${months.map((m) => html`<tr>
        <td>${m.month}</td><td>${credits(m.credits_micro)}</td><td>${credits(m.debits_micro)}</td>
        <td class="bars" aria-hidden="true"><meter min="0" max=${top} value=${m.debits_micro}></meter></td></tr>`)}</tbody>
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
