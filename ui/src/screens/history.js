// Call history: the filters of GET /v1/calls, paging by cursor, and the CSV of the whole
// filtered result (GET /v1/calls.csv with the same filters, in the console's language).
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { credits, dash, when } from '../format.js';
import { html } from '../html.js';
import { language, t } from '../i18n.js';
import { ErrorText, Field, Notice, Select, useLoad } from './common.js';

const noFilters = { direction: '', outcome: '', user: '', group: '', number: '', flow: '', since: '', until: '', q: '' };
const outcomes = ['answered', 'missed', 'abandoned', 'voicemail', 'rejected', 'failed', 'unanswered'];

export function History() {
  const [draft, setDraft] = useState(noFilters);
  const [filters, setFilters] = useState(noFilters);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const page = useLoad(() => api.get(`/v1/calls${query({ ...filters, limit: 25, cursor })}`), [filters, cursor]);
  const set = (k) => (v) => setDraft({ ...draft, [k]: v });
  const apply = (e) => {
    e.preventDefault();
    setCursor(null);
    setFilters(draft);
  };
  const download = async () => {
    setError(null);
    try {
      const name = await api.download(`/v1/calls.csv${query({ ...filters, lang: language() })}`, 'calls.csv');
      setNotice(name);
    } catch (err) { setError(err); }
  };
  const calls = page.data?.calls ?? [];
  return html`<section aria-labelledby="history-title">
    <h1 id="history-title">${t('history')}</h1>
    <form class="grid filters" onSubmit=${apply}>
      <${Select} id="f-direction" label=${t('direction')} value=${draft.direction} onChange=${set('direction')}
        options=${[['', t('any')], ['inbound', t('inbound')], ['outbound', t('outbound')]]} />
      <${Select} id="f-outcome" label=${t('outcome')} value=${draft.outcome} onChange=${set('outcome')}
        options=${[['', t('any')], ...outcomes.map((o) => [o, t(o)])]} />
      <${Field} id="f-user" label=${t('user')} value=${draft.user} onInput=${set('user')} />
      <${Field} id="f-group" label=${t('group')} value=${draft.group} onInput=${set('group')} />
      <${Field} id="f-number" label=${t('number')} value=${draft.number} onInput=${set('number')} />
      <${Field} id="f-flow" label=${t('flow')} value=${draft.flow} onInput=${set('flow')} />
      <${Field} id="f-since" type="date" label=${t('since')} value=${draft.since} onInput=${set('since')} />
      <${Field} id="f-until" type="date" label=${t('until')} value=${draft.until} onInput=${set('until')} />
      <${Field} id="f-q" label=${t('q')} value=${draft.q} onInput=${set('q')} />
      <button type="submit">${t('apply')}</button>
    </form>
    <p class="row"><button type="button" id="csv" onClick=${download}>${t('downloadCsv')}</button></p>
    <${ErrorText} error=${error || page.error} /><${Notice} text=${notice} />
    <table id="calls">
      <thead><tr>${['started', 'direction', 'outcome', 'from', 'to', 'user', 'flow', 'duration', 'charge']
        .map((k) => html`<th scope="col">${t(k)}</th>`)}</tr></thead>
      <tbody>${calls.map((c) => html`<tr data-sid=${c.sid}>
        <td>${when(c.started_at)}</td><td>${t(c.direction)}</td>
        <td>${c.outcome ? t(c.outcome) : html`<em>${t('live')}</em>`}</td>
        <td class="from">${dash(c.from)}</td><td>${dash(c.to)}</td><td>${dash(c.user_id)}</td><td>${dash(c.flow_id)}</td>
        <td>${dash(c.duration_s)}</td><td>${credits(c.charge_micro)}</td></tr>`)}</tbody>
    </table>
    ${!page.loading && calls.length === 0 && html`<p>${t('noCalls')}</p>`}
    <p class="row">
      ${cursor && html`<button type="button" onClick=${() => setCursor(null)}>${t('first')}</button>`}
      ${page.data?.next_cursor && html`<button type="button" id="next-page" onClick=${() => setCursor(page.data.next_cursor)}>${t('next')}</button>`}
    </p>
  </section>`;
}
