// Asks for the admin token (the Worker's ADMIN_TOKEN secret) and checks it against the API before
// keeping it for the browser session.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';

export function TokenForm({ notice, onToken }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const value = token.trim();
    if (!value) return setError('Enter the admin token.');
    setBusy(true);
    setError('');
    try {
      // Any answer but 401 means the token was accepted (a route may fail for other reasons).
      await api('/api/logs?limit=1', { token: value }).catch((err) => { if (err.status === 401 || err.status === 0) throw err; });
      onToken(value);
    } catch (err) {
      setError(err.status === 401 ? 'The gateway refused this token. Check the ADMIN_TOKEN secret of the Worker.' : err.message);
      setBusy(false);
    }
  };
  return html`<main class="signin" id="main">
    <form class="card signin-card" onSubmit=${submit} aria-describedby="signin-help">
      <h1><span class="logo" aria-hidden="true"></span>AI Gateway</h1>
      ${notice && html`<p class="notice" role="status">${notice}</p>`}
      <label for="token">Admin token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus
        value=${token} onInput=${(e) => setToken(e.target.value)} aria-invalid=${error ? 'true' : 'false'} />
      <p id="signin-help" class="help">The Worker's <code>ADMIN_TOKEN</code> secret. It is kept in this tab until you close it or sign out.</p>
      ${error && html`<p class="field-error" role="alert">${error}</p>`}
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Checking…' : 'Sign in'}</button>
    </form>
  </main>`;
}
