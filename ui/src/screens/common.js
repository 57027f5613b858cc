// Pieces every screen uses: loading a resource, showing an API error, a labelled field.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { t } from '../i18n.js';

// Loads with `load()` on mount and whenever `deps` change; `reload()` loads again.
export function useLoad(load, deps = []) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then((data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }));
    return () => { live = false; };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

export const ErrorText = ({ error }) =>
  error ? html`<p class="error" role="alert">${t('error')}: ${error.message}${error.code ? ` (${error.code})` : ''}</p>` : null;

export const Notice = ({ text }) => (text ? html`<p class="notice" role="status">${text}</p>` : null);

export const Loading = () => html`<p aria-busy="true">${t('loading')}</p>`;

// A labelled input; `id` ties the label to it for screen readers and tests.
export function Field({ id, label, type = 'text', value, onInput, ...rest }) {
  if (type === 'checkbox') {
    return html`<label class="field check" for=${id}><input id=${id} type="checkbox" checked=${value}
      onChange=${(e) => onInput(e.target.checked)} ...${rest} /> ${label}</label>`;
  }
  return html`<label class="field" for=${id}><span>${label}</span><input id=${id} type=${type} value=${value ?? ''}
    onInput=${(e) => onInput(e.target.value)} ...${rest} /></label>`;
}

export function Select({ id, label, value, options, onChange }) {
  return html`<label class="field" for=${id}><span>${label}</span><select id=${id} value=${value ?? ''}
    onChange=${(e) => onChange(e.target.value)}>
    ${options.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
  </select></label>`;
}

// A row's delete button: asks first, DELETEs `path`, then `onDone()`; a refusal goes to `onError`
// (e.g. 409 while a published flow still uses the object).
export const DeleteButton = ({ id, path, onDone, onError }) => html`<button type="button" aria-label=${`${t('delete')} ${id}`}
  onClick=${async () => {
    if (!confirm(t('confirmDelete'))) return;
    try { await api.del(path); onDone(); } catch (err) { onError(err); }
  }}>${t('delete')}</button>`;
