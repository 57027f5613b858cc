// Analytics: GET /v1/analytics over a range, by hour or day on the org's clock (a bar chart of
// offered / answered / missed and the table) or broken down by user, group, number or flow.
// Figures are the daemon's (docs/analytics.md); the console only adds the totals row's ratios.
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { dash } from '../format.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { ErrorText, Field, Select, useLoad } from './common.js';

const counts = ['offered', 'answered', 'missed', 'abandoned', 'voicemail', 'outbound_placed', 'outbound_answered', 'talk_s'];
const ratios = ['service_level', 'abandon_rate', 'asa_s', 'aht_s'];
const series = [['offered', 'bar-offered'], ['answered', 'bar-answered'], ['missed', 'bar-missed']];

// A row's key as a person reads it: the local hour or day, or the user, group, number or flow.
const keyText = (key) => {
  if (key.hour) return key.hour.slice(0, 16).replace('T', ' ');
  return key.day ?? key.user ?? key.group ?? key.number ?? key.flow ?? '';
};
const ratio = (v, percent) => (v === null || v === undefined ? '—' : percent ? `${(v * 100).toFixed(1)} %` : v.toFixed(1));

// Sums of the counts over the rows, with the ratios recomputed from the sums (never averaged).
function totals(rows) {
  const sum = (k) => rows.reduce((n, r) => n + (r[k] ?? 0), 0);
  const s = Object.fromEntries([...counts, 'queued', 'queued_answered', 'queued_abandoned', 'answer_wait_s_sum', 'handled', 'wrap_up_s']
    .map((k) => [k, sum(k)]));
  const within = rows.reduce((n, r) => n + (Object.values(r.answered_within ?? {})[0] ?? 0), 0);
  const div = (a, b) => (b > 0 ? a / b : null);
  return { ...s, service_level: div(within, s.queued), abandon_rate: div(s.queued_abandoned, s.queued),
    asa_s: div(s.answer_wait_s_sum, s.queued_answered), aht_s: div(s.talk_s + s.wrap_up_s, s.handled) };
}

// Grouped bars, one group per bucket; drawn as SVG shapes (no inline style, so the CSP holds).
function Chart({ rows }) {
  const top = Math.max(1, ...rows.flatMap((r) => series.map(([k]) => r[k])));
  const w = 24;
  const height = 160;
  return html`<figure class="chart">
    <svg id="analytics-chart" role="img" aria-label=${t('chartLabel')} width=${Math.max(200, rows.length * w + 8)} height=${height + 4}>
      ${rows.map((r, i) => series.map(([k, cls], j) => {
        const h = Math.round((r[k] / top) * height);
        return html`<rect class=${cls} x=${4 + i * w + j * 7} y=${height - h} width="6" height=${h}><title>${keyText(r.key)} ${t(k)}: ${r[k]}</title></rect>`;
      }))}
    </svg>
    <figcaption>${series.map(([k, cls]) => html`<span class=${`legend ${cls}`}>${t(k)}</span> `)}</figcaption>
  </figure>`;
}

export function Analytics() {
  // No dates: the daemon's default, today on the org's clock (not the browser's).
  const initial = { since: '', until: '', by: 'hour', tz: '' };
  const [draft, setDraft] = useState(initial);
  const [params, setParams] = useState(initial);
  const result = useLoad(() => api.get(`/v1/analytics${query(params)}`), [params]);
  const set = (k) => (v) => setDraft({ ...draft, [k]: v });
  const rows = result.data?.rows ?? [];
  const timed = params.by === 'hour' || params.by === 'day';
  const all = totals(rows);
  const cells = (r) => html`${counts.map((k) => html`<td data-figure=${k}>${r[k] ?? 0}</td>`)}
    ${ratios.map((k) => html`<td data-figure=${k}>${ratio(r[k], k.endsWith('level') || k.endsWith('rate'))}</td>`)}`;
  return html`<section aria-labelledby="analytics-title">
    <h1 id="analytics-title">${t('analytics')}</h1>
    <form class="grid filters" onSubmit=${(e) => { e.preventDefault(); setParams(draft); }}>
      <${Field} id="a-since" type="date" label=${t('since')} value=${draft.since} onInput=${set('since')} />
      <${Field} id="a-until" type="date" label=${t('until')} value=${draft.until} onInput=${set('until')} />
      <${Select} id="a-by" label=${t('by')} value=${draft.by} onChange=${set('by')}
        options=${['hour', 'day', 'user', 'group', 'number', 'flow'].map((b) => [b, t(`by_${b}`)])} />
      <${Field} id="a-tz" label=${t('timeZone')} value=${draft.tz} onInput=${set('tz')} placeholder="Asia/Tokyo" />
      <button type="submit">${t('apply')}</button>
    </form>
    <${ErrorText} error=${result.error} />
    ${result.data && html`<p class="help" id="analytics-range">${dash(result.data.since)} – ${dash(result.data.until)} (${dash(result.data.tz)})</p>`}
    ${timed && rows.length > 0 && html`<${Chart} rows=${rows} />`}
    <table id="analytics">
      <thead><tr><th scope="col">${t(timed ? `by_${params.by}` : params.by)}</th>
        ${[...counts, ...ratios].map((k) => html`<th scope="col">${t(k)}</th>`)}</tr></thead>
      <tbody>${rows.map((r) => html`<tr data-key=${keyText(r.key)}><th scope="row">${keyText(r.key)}</th>${cells(r)}</tr>`)}</tbody>
      ${rows.length > 0 && html`<tfoot><tr id="analytics-total"><th scope="row">${t('total')}</th>${cells(all)}</tr></tfoot>`}
    </table>
    ${!result.loading && rows.length === 0 && html`<p>${t('noCalls')}</p>`}
  </section>`;
}
