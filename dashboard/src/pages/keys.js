// Keys: the virtual keys, created (secret shown once), edited, rotated and revoked, with each
// key's usage against its limits (GET /api/usage).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { useApi } from '../ui/use-api.js';
import { ConfirmDialog } from '../ui/dialog.js';
import { Empty, ErrorNote, Loading } from '../ui/states.js';
import { fmtDateTime } from '../format.js';
import { KeyForm } from './key-form.js';
import { SecretDialog } from './secret-panel.js';
import { overridesSummary } from './override-fields.js';

const meterText = (m) => {
  const n = (v) => (m.unit === 'usd' ? `$${v.toFixed(2)}` : Math.round(v).toLocaleString());
  return `${m.meter}: ${n(m.used + m.reserved)} / ${n(m.limit)}`;
};

/** Where each limit of key `k` stands; "no limits" for a key without any. */
function KeyUsage({ k }) {
  const limited = k.limits && Object.keys(k.limits).some((name) => ['requests', 'tokens', 'budgets'].includes(name));
  const usage = useApi(limited ? `/api/usage?key=${encodeURIComponent(k.id)}` : null);
  if (!limited) return html`<span class="muted">no limits</span>`;
  if (usage.error) return html`<span class="muted">unavailable</span>`;
  if (!usage.data) return html`<span class="muted">…</span>`;
  return html`<ul class="plain">${usage.data.meters.map((m) => html`<li key=${m.meter}>${meterText(m)}</li>`)}</ul>`;
}

function statusOf(k, now = Date.now()) {
  if (k.revoked) return ['revoked', 'bad'];
  if (k.expires_at && k.expires_at <= now) return ['expired', 'warn'];
  return ['active', 'ok'];
}

const patterns = (list) => (list.length ? list.join(', ') : html`<em>none</em>`);

export function Keys() {
  const keys = useApi('/api/keys');
  const [dialog, setDialog] = useState(null);
  const close = () => setDialog(null);
  const issued = (answer, rotated) => { keys.reload(); setDialog({ kind: 'secret', issued: answer, rotated }); };
  const list = keys.data?.keys ?? [];
  return html`<div class="page">
    <header class="page-head">
      <h1>Virtual keys</h1>
      <button type="button" class="primary" onClick=${() => setDialog({ kind: 'create' })}>New key</button>
    </header>
    <p class="muted">A virtual key is the API key you hand to one app or person: the gateway checks its scopes and spends the stored provider keys it names, so provider keys never leave the gateway.</p>
    <${ErrorNote} error=${keys.error} retry=${keys.reload} />
    ${keys.loading && !keys.data ? html`<${Loading} what="Loading keys" />`
      : keys.data && list.length === 0 ? html`<${Empty}><p><strong>No virtual keys yet.</strong> Create one to give an app its own credential.</p>
          <button type="button" class="primary" onClick=${() => setDialog({ kind: 'create' })}>New key</button><//>`
      : keys.data && html`<div class="table-wrap"><table class="data keys cards">
        <caption class="visually-hidden">Virtual keys</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Gateways</th><th scope="col">Models</th>
          <th scope="col" class="opt">Provider keys</th><th scope="col" class="opt">Settings</th><th scope="col" class="opt">Expires</th>
          <th scope="col" class="opt">Usage / limits</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${list.map((k) => {
          const [status, kind] = statusOf(k);
          return html`<tr key=${k.id} data-key-id=${k.id}>
            <th scope="row"><div>${k.name}</div><div class="muted mono small">${k.id}</div>${k.owner && html`<div class="muted small normal">${k.owner}</div>`}</th>
            <td data-label="Status"><span class=${`badge ${kind}`}>${status}</span></td>
            <td data-label="Gateways">${patterns(k.gateways)}</td>
            <td data-label="Models">${patterns(k.models)}</td>
            <td data-label="Provider keys" class="opt">${patterns(k.provider_keys)}</td>
            <td data-label="Settings" class="opt small">${overridesSummary(k.defaults)}</td>
            <td data-label="Expires" class="opt small">${k.expires_at ? fmtDateTime(k.expires_at) : 'never'}</td>
            <td data-label="Usage / limits" class="opt small"><${KeyUsage} k=${k} /></td>
            <td class="row-actions">${!k.revoked && html`
              <button type="button" class="secondary small" aria-label=${`Edit ${k.name}`} onClick=${() => setDialog({ kind: 'edit', key: k })}>Edit</button>
              <button type="button" class="secondary small" aria-label=${`Rotate ${k.name}`} onClick=${() => setDialog({ kind: 'rotate', key: k })}>Rotate</button>
              <button type="button" class="danger-outline small" aria-label=${`Revoke ${k.name}`} onClick=${() => setDialog({ kind: 'revoke', key: k })}>Revoke</button>`}</td>
          </tr>`;
        })}</tbody>
      </table></div>`}
    ${dialog?.kind === 'create' && html`<${KeyForm} record=${null} onClose=${close} onDone=${(answer) => issued(answer, false)} />`}
    ${dialog?.kind === 'edit' && html`<${KeyForm} record=${dialog.key} onClose=${close} onDone=${() => { keys.reload(); close(); }} />`}
    ${dialog?.kind === 'secret' && html`<${SecretDialog} issued=${dialog.issued} rotated=${dialog.rotated} onClose=${close} />`}
    ${dialog?.kind === 'rotate' && html`<${ConfirmDialog} title=${`Rotate ${dialog.key.name}`} confirmLabel="Rotate" danger=${false} onClose=${close}
      onConfirm=${async () => { const answer = await api(`/api/keys/${encodeURIComponent(dialog.key.id)}/rotate`, { method: 'POST' }); setTimeout(() => issued(answer, true)); }}>
      <p>Gives the key a new secret. The current secret stops working (within 5 seconds on every isolate); the key's id, scopes and settings stay.</p><//>`}
    ${dialog?.kind === 'revoke' && html`<${ConfirmDialog} title=${`Revoke ${dialog.key.name}`} confirmLabel="Revoke key" onClose=${close}
      onConfirm=${async () => { await api(`/api/keys/${encodeURIComponent(dialog.key.id)}/revoke`, { method: 'POST' }); keys.reload(); }}>
      <p>Requests with this key will be refused (within 5 seconds on every isolate). <strong>Revocation is final</strong>: the key cannot be used or rotated again.</p><//>`}
  </div>`;
}
