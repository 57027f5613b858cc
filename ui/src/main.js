// The console's shell: sign-in, the tabs of the seed's product (hash routes), the language switch.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, session } from './api.js';
import { html } from './html.js';
import { language, setLanguage, t } from './i18n.js';
import { Overview } from './screens/overview.js';
import { Numbers } from './screens/numbers.js';
import { Flows } from './screens/flows.js';
import { Users } from './screens/users.js';
import { Groups } from './screens/groups.js';
import { History } from './screens/history.js';
import { Workflows } from './screens/workflows.js';
import { Analytics } from './screens/analytics.js';
import { Live } from './screens/live.js';
import { AgentPhone } from './screens/agent.js';

const adminTabs = [
  ['overview', Overview], ['numbers', Numbers], ['flows', Flows],
  ['users', Users], ['groups', Groups], ['history', History], ['analytics', Analytics], ['board', Live], ['workflows', Workflows],
];
// An agent key sees its own phone and its own calls (the API answers an agent only with those).
const agentTabs = [['phone', AgentPhone], ['history', History]];

const currentRoute = () => location.hash.replace(/^#\/?/, '').split('/');

function SignIn({ onSignedIn }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    const k = key.trim();
    try {
      // An admin-only route proves the key and its role; an agent key is refused it (403) and
      // is then proved by reading its own user.
      let role = 'admin';
      try {
        await api.get('/v1/wallet', k);
      } catch (err) {
        if (err.status !== 403) throw err;
        await api.get('/v1/users', k);
        role = 'agent';
      }
      session.signIn(k, role);
      location.hash = '#/';  // a sign-in starts at the first screen of the role's tabs
      onSignedIn();
    } catch (err) {
      setError(`${t('badKey')} (${err.message})`);
    }
  };
  return html`<main class="signin">
    <h1>${t('app')}</h1>
    <form onSubmit=${submit}>
      <label for="key">${t('apiKey')}</label>
      <input id="key" name="key" type="password" autocomplete="off" value=${key} onInput=${(e) => setKey(e.target.value)} required />
      <p class="help">${t('keyHelp')}</p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button type="submit">${t('signIn')}</button>
    </form>
  </main>`;
}

function App() {
  const [lang, setLang] = useState(language());
  const [signedIn, setSignedIn] = useState(Boolean(session.key()));
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  setLanguage(lang);

  const switcher = html`<label class="lang">${t('language')}
    <select value=${lang} onChange=${(e) => setLang(e.target.value)}>
      <option value="en">English</option><option value="ja">日本語</option>
    </select></label>`;
  if (!signedIn) return html`<div>${switcher}<${SignIn} onSignedIn=${() => setSignedIn(true)} /></div>`;

  const [name, ...rest] = route;
  const tabs = session.role() === 'agent' ? agentTabs : adminTabs;
  const found = tabs.find(([n]) => n === name) ?? tabs[0];
  const Screen = found[1];
  return html`<div class="shell">
    <header>
      <span class="brand">${t('app')}</span>
      <nav aria-label="main">
        ${tabs.map(([n]) => html`<a href=${`#/${n}`} aria-current=${n === found[0] ? 'page' : undefined}>${t(n)}</a>`)}
      </nav>
      ${switcher}
      <button type="button" onClick=${() => { session.signOut(); setSignedIn(false); }}>${t('signOut')}</button>
    </header>
    <main id="screen"><${Screen} key=${found[0] + lang} args=${rest} lang=${lang} /></main>
  </div>`;
}

render(html`<${App} />`, document.getElementById('app'));
