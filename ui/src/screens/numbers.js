// Phone numbers: the org's numbers (flow assignment, release) and a search of numbers to buy.
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { credits, when } from '../format.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { ErrorText, Field, Notice, Select, useLoad } from './common.js';

export function Numbers() {
  const numbers = useLoad(() => api.get('/v1/numbers'));
  const flows = useLoad(() => api.get('/v1/flows'));
  const [search, setSearch] = useState({ country: 'JP', type: 'local', contains: '' });
  const [found, setFound] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const act = async (fn) => {
    setError(null);
    setNotice('');
    try { await fn(); } catch (e) { setError(e); }
  };
  const flowOptions = [['', t('none')], ...(flows.data?.flows ?? []).map((f) => [f.id, f.name || f.id])];

  return html`<section aria-labelledby="numbers-title">
    <h1 id="numbers-title">${t('numbers')}</h1>
    <${ErrorText} error=${error || numbers.error} /><${Notice} text=${notice} />
    <table>
      <thead><tr><th scope="col">${t('number')}</th><th scope="col">${t('country')}</th><th scope="col">${t('type')}</th>
        <th scope="col">${t('flow')}</th><th scope="col">${t('monthlyFee')}</th><th scope="col">${t('nextFee')}</th><th scope="col"></th></tr></thead>
      <tbody>${(numbers.data?.numbers ?? []).map((n) => html`<tr>
        <td>${n.number}</td><td>${n.country}</td><td>${t(n.type)}</td>
        <td><select aria-label=${`${t('flow')} ${n.number}`} value=${n.flow_id ?? ''} onChange=${(e) => act(async () => {
          await api.put(`/v1/numbers/${encodeURIComponent(n.number)}/flow`, { flow_id: e.target.value || null });
          numbers.reload();
        })}>${flowOptions.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></td>
        <td>${credits(n.monthly_fee_micro)}</td><td>${when(n.next_fee_at)}</td>
        <td><button type="button" onClick=${() => confirm(t('confirmRelease')) && act(async () => {
          await api.del(`/v1/numbers/${encodeURIComponent(n.number)}`);
          setNotice(`${t('released')}: ${n.number}`);
          numbers.reload();
        })}>${t('release')}</button></td></tr>`)}</tbody>
    </table>
    <h2>${t('availableNumbers')}</h2>
    <form class="row" onSubmit=${(e) => { e.preventDefault(); act(async () => setFound((await api.get(`/v1/numbers/available${query(search)}`)).numbers)); }}>
      <${Field} id="search-country" label=${t('country')} value=${search.country} maxlength="2"
        onInput=${(v) => setSearch({ ...search, country: v.toUpperCase() })} />
      <${Select} id="search-type" label=${t('type')} value=${search.type} onChange=${(v) => setSearch({ ...search, type: v })}
        options=${[['local', t('local')], ['mobile', t('mobile')], ['toll_free', t('toll_free')]]} />
      <${Field} id="search-contains" label=${t('contains')} value=${search.contains} onInput=${(v) => setSearch({ ...search, contains: v })} />
      <button type="submit">${t('search')}</button>
    </form>
    ${found && html`<table><tbody>${found.map((n) => html`<tr>
      <td>${n.number ?? n.phone_number}</td><td>${n.region ?? n.locality ?? ''}</td><td>${credits(n.monthly_fee_micro)} ${t('credits')}</td>
      <td><button type="button" onClick=${() => act(async () => {
        const bought = await api.post('/v1/numbers', { number: n.number ?? n.phone_number, type: search.type });
        setNotice(`${t('bought')}: ${bought.number}`);
        setFound(null);
        numbers.reload();
      })}>${t('buy')}</button></td></tr>`)}</tbody></table>`}
  </section>`;
}
