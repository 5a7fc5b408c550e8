// The loading, error and empty states every page shows the same way.
import { html } from '../html.js';

export const Loading = ({ what = 'Loading' }) => html`<p class="state loading" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>${what}…</p>`;

export function ErrorNote({ error, retry }) {
  if (!error) return null;
  const unreachable = error.status === 0;
  return html`<div class="state error" role="alert">
    <strong>${unreachable ? 'The API is unreachable.' : 'Something went wrong.'}</strong>
    <span>${error.message}</span>
    ${retry && html`<button type="button" class="secondary" onClick=${retry}>Try again</button>`}
  </div>`;
}

export const Empty = ({ children }) => html`<div class="state empty">${children}</div>`;
