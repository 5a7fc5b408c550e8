// Creating or editing a gateway's stored settings. Editing sends only what changed.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { Dialog } from '../ui/dialog.js';
import { ErrorNote } from '../ui/states.js';
import { OverrideFields, overridesBody, overridesState } from './override-fields.js';

const providerKeysText = (map = {}) => Object.entries(map).map(([p, s]) => `${p}=${s}`).join(', ');

function parseProviderKeys(text) {
  const out = {};
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`Provider keys are provider=SECRET_NAME pairs separated by commas; "${pair}" is not one.`);
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

function bodyOf(f, overrides, creating) {
  const keys = parseProviderKeys(f.provider_keys);
  return {
    ...(creating ? { id: f.id.trim() } : {}),
    authentication: f.authentication,
    byok_only: f.byok_only,
    provider_keys: Object.keys(keys).length ? keys : null,
    ...overridesBody(overrides),
  };
}

/** `record` null creates. */
export function GatewayForm({ record, onClose, onDone }) {
  const [f, setF] = useState({ id: record?.id ?? '', authentication: record?.authentication ?? false, byok_only: record?.byok_only ?? false, provider_keys: providerKeysText(record?.provider_keys) });
  const [overrides, setOverrides] = useState(() => overridesState(record?.defaults));
  const [state, setState] = useState({ busy: false, error: null });
  const submit = async (e) => {
    e.preventDefault();
    setState({ busy: true, error: null });
    try {
      const body = bodyOf(f, overrides, !record);
      if (record) {
        const before = bodyOf({ ...f, authentication: record.authentication, byok_only: record.byok_only, provider_keys: providerKeysText(record.provider_keys) }, overridesState(record.defaults), false);
        for (const k of Object.keys(body)) if (JSON.stringify(body[k]) === JSON.stringify(before[k])) delete body[k];
      }
      onDone(record
        ? await api(`/api/gateways/${encodeURIComponent(record.id)}`, { method: 'PATCH', body })
        : await api('/api/gateways', { method: 'POST', body }));
    } catch (error) {
      setState({ busy: false, error: error.status === undefined ? { status: 400, message: error.message } : error });
    }
  };
  const check = (k, label, help) => html`<label class="checkbox"><input type="checkbox" checked=${f[k]} onChange=${(e) => setF({ ...f, [k]: e.target.checked })} />
    <span>${label}<span class="help block">${help}</span></span></label>`;
  return html`<${Dialog} title=${record ? `Edit gateway ${record.id}` : 'New gateway'} onClose=${onClose} wide>
    <form class="dialog-body stack" onSubmit=${submit}>
      ${!record && html`<div class="field"><label for="g-id">Id (the <code>{gateway_id}</code> of request URLs)</label>
        <input id="g-id" type="text" required autofocus pattern="[A-Za-z0-9_\\-]{1,64}" title="1 to 64 letters, digits, _ or -" value=${f.id} onInput=${(e) => setF({ ...f, id: e.target.value })} /></div>`}
      ${check('authentication', 'Require authentication', 'Requests must carry a virtual key or the gateway token.')}
      ${check('byok_only', 'Stored keys only (BYOK)', 'Refuse requests that bring their own provider key.')}
      <div class="field"><label for="g-provider_keys">Stored provider key per provider</label>
        <input id="g-provider_keys" type="text" placeholder="openai=OPENAI_KEY_TEAM_A" value=${f.provider_keys} onInput=${(e) => setF({ ...f, provider_keys: e.target.value })} />
        <span class="help">The names of Worker secrets, never their values.</span></div>
      <${OverrideFields} state=${overrides} set=${setOverrides} prefix="g" />
      <${ErrorNote} error=${state.error} />
      <footer class="dialog-actions">
        <button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary" disabled=${state.busy}>${state.busy ? 'Saving…' : record ? 'Save' : 'Create gateway'}</button>
      </footer>
    </form>
  <//>`;
}
