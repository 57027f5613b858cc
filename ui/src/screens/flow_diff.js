// Draft vs published side by side: each state of each side, added / removed / changed states
// highlighted, with the changed fields the API's diff lists.
import { html } from '../html.js';
import { t } from '../i18n.js';

function Side({ title, definition, mark, fieldsOf }) {
  const states = definition?.states ?? [];
  return html`<div class="diff-side"><h3>${title}</h3>
    ${states.length === 0 && html`<p>—</p>`}
    ${states.map((s) => html`<div class=${`diff-state ${mark(s.id)}`} data-diff-state=${s.id}>
      <strong>${s.id}</strong> <small>${s.type}</small>
      ${mark(s.id) && html`<span class="badge">${t(mark(s.id))}</span>`}
      ${fieldsOf(s.id).length > 0 && html`<ul>${fieldsOf(s.id).map((f) => html`<li><code>${f.path}</code> ${f.change}</li>`)}</ul>`}
      <pre>${JSON.stringify(s, null, 1)}</pre>
    </div>`)}
  </div>`;
}

export function FlowDiff({ diff, published, draft }) {
  const changed = new Map(diff.states.changed.map((c) => [c.id, c.fields ?? []]));
  const fieldsOf = (id) => changed.get(id) ?? [];
  const markPublished = (id) => (diff.states.removed.includes(id) ? 'removed' : changed.has(id) ? 'changed' : '');
  const markDraft = (id) => (diff.states.added.includes(id) ? 'added' : changed.has(id) ? 'changed' : '');
  return html`<section class="diff" aria-labelledby="diff-title">
    <h2 id="diff-title">${t('diff')}</h2>
    ${diff.identical && html`<p role="status">${t('identical')}</p>`}
    ${diff.flow.changed.length > 0 && html`<ul>${diff.flow.changed.map((f) => html`<li><code>${f.field}</code> ${f.change}</li>`)}</ul>`}
    ${diff.start && html`<p>${t('start')}: ${diff.start.from ?? '—'} → ${diff.start.to ?? '—'}</p>`}
    <div class="diff-sides">
      <${Side} title=${`${t('published')}`} definition=${published} mark=${markPublished} fieldsOf=${fieldsOf} />
      <${Side} title=${t('draft')} definition=${draft} mark=${markDraft} fieldsOf=${fieldsOf} />
    </div>
  </section>`;
}
