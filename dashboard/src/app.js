// The shell: the token gate, the navigation and the current page.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { onUnauthorized } from './api.js';
import { clearToken, loadToken, saveToken } from './token.js';
import { PAGES, hashOf, useRoute } from './router.js';
import { TokenForm } from './pages/token-form.js';
import { Overview } from './pages/overview.js';
import { Logs } from './pages/logs.js';
import { LogDetail } from './pages/log-detail.js';
import { Keys } from './pages/keys.js';
import { Gateways } from './pages/gateways.js';
import { Cache } from './pages/cache.js';

/** The page of a route; a new address is a new page (its state, such as a list's cursor, starts afresh). */
function Page({ route }) {
  switch (route.page) {
    case 'logs': return route.id ? html`<${LogDetail} id=${route.id} params=${route.params} />` : html`<${Logs} params=${route.params} />`;
    case 'keys': return html`<${Keys} />`;
    case 'gateways': return html`<${Gateways} />`;
    case 'cache': return html`<${Cache} params=${route.params} />`;
    default: return html`<${Overview} params=${route.params} />`;
  }
}

export function App() {
  const [token, setToken] = useState(loadToken);
  const [notice, setNotice] = useState('');
  const route = useRoute();
  useEffect(() => onUnauthorized(() => {
    clearToken();
    setToken('');
    setNotice('The gateway refused the saved token (it may have been changed). Sign in again.');
  }), []);
  useEffect(() => {
    const title = PAGES.find((p) => p.id === route.page)?.title;
    document.title = token ? `${title} · AI Gateway` : 'Sign in · AI Gateway';
  }, [route.page, token]);

  if (!token) {
    return html`<${TokenForm} notice=${notice} onToken=${(t) => { saveToken(t); setNotice(''); setToken(t); }} />`;
  }
  const signOut = () => { clearToken(); setNotice('Signed out.'); setToken(''); };
  return html`<a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
    <header class="topbar">
      <a class="brand" href="#/overview"><span class="logo" aria-hidden="true"></span>AI Gateway</a>
      <nav aria-label="Pages">
        <ul>
          ${PAGES.map((p) => html`<li><a href=${hashOf(p.id)} aria-current=${route.page === p.id ? 'page' : undefined}>${p.title}</a></li>`)}
        </ul>
      </nav>
      <button type="button" class="secondary signout" onClick=${signOut}>Sign out</button>
    </header>
    <main id="main" tabindex="-1"><${Page} key=${location.hash} route=${route} /></main>`;
}
