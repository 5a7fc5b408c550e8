// Gateways: the stored settings of each gateway id, created, edited and deleted.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { hashOf } from '../router.js';
import { useApi } from '../ui/use-api.js';
import { ConfirmDialog } from '../ui/dialog.js';
import { Empty, ErrorNote, Loading } from '../ui/states.js';
import { fmtDateTime } from '../format.js';
import { GatewayForm } from './gateway-form.js';
import { overridesSummary } from './override-fields.js';

const yes = (b) => (b ? html`<span class="badge ok">on</span>` : html`<span class="muted">off</span>`);

export function Gateways() {
  const gateways = useApi('/api/gateways');
  const [dialog, setDialog] = useState(null);
  const close = () => setDialog(null);
  const done = () => { gateways.reload(); close(); };
  const list = gateways.data?.gateways ?? [];
  return html`<div class="page">
    <header class="page-head">
      <h1>Gateways</h1>
      <button type="button" class="primary" onClick=${() => setDialog({ kind: 'create' })}>New gateway</button>
    </header>
    <p class="muted">A gateway is the <code>{gateway_id}</code> of request URLs. Its stored settings apply when the Worker runs with <code>STORED_GATEWAYS=true</code> (or <code>GATEWAYS_STRICT=true</code>, which also refuses ids never created here).</p>
    <${ErrorNote} error=${gateways.error} retry=${gateways.reload} />
    ${gateways.loading && !gateways.data ? html`<${Loading} what="Loading gateways" />`
      : gateways.data && list.length === 0 ? html`<${Empty}><p><strong>No stored gateways.</strong> Every gateway id works with the Worker's defaults until you store settings for it.</p>
          <button type="button" class="primary" onClick=${() => setDialog({ kind: 'create' })}>New gateway</button><//>`
      : gateways.data && html`<div class="table-wrap"><table class="data gateways cards">
        <caption class="visually-hidden">Gateways</caption>
        <thead><tr><th scope="col">Id</th><th scope="col">Authentication</th><th scope="col">Stored keys only</th>
          <th scope="col" class="opt">Provider keys</th><th scope="col">Settings</th><th scope="col" class="opt">Updated</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${list.map((g) => html`<tr key=${g.id} data-gateway-id=${g.id}>
          <th scope="row"><a href=${hashOf('logs', null, { gateway: g.id })} title="Logs of this gateway">${g.id}</a></th>
          <td data-label="Authentication">${yes(g.authentication)}</td><td data-label="Stored keys only">${yes(g.byok_only)}</td>
          <td data-label="Provider keys" class="opt small">${Object.entries(g.provider_keys ?? {}).map(([p, s]) => `${p} → ${s}`).join(', ') || '—'}</td>
          <td data-label="Settings" class="small">${overridesSummary(g.defaults)}</td>
          <td data-label="Updated" class="opt small">${fmtDateTime(g.updated_at)}</td>
          <td class="row-actions">
            <button type="button" class="secondary small" aria-label=${`Edit ${g.id}`} onClick=${() => setDialog({ kind: 'edit', gateway: g })}>Edit</button>
            <button type="button" class="danger-outline small" aria-label=${`Delete ${g.id}`} onClick=${() => setDialog({ kind: 'delete', gateway: g })}>Delete</button>
          </td>
        </tr>`)}</tbody>
      </table></div>`}
    ${dialog?.kind === 'create' && html`<${GatewayForm} record=${null} onClose=${close} onDone=${done} />`}
    ${dialog?.kind === 'edit' && html`<${GatewayForm} record=${dialog.gateway} onClose=${close} onDone=${done} />`}
    ${dialog?.kind === 'delete' && html`<${ConfirmDialog} title=${`Delete gateway ${dialog.gateway.id}`} confirmLabel="Delete gateway" onClose=${close}
      onConfirm=${async () => { await api(`/api/gateways/${encodeURIComponent(dialog.gateway.id)}`, { method: 'DELETE' }); gateways.reload(); }}>
      <p>Its stored settings are removed; requests to this id then use the Worker's defaults (or are refused with <code>GATEWAYS_STRICT=true</code>). Its logs and cached answers stay.</p><//>`}
  </div>`;
}
