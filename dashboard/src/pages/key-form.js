// Creating or editing a virtual key: its labels, its scopes (gateways, models, stored provider
// keys it may spend), its expiry and its settings. Editing sends only what changed.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { Dialog } from '../ui/dialog.js';
import { ErrorNote } from '../ui/states.js';
import { fromLocalInput, toLocalInput } from '../format.js';
import { OverrideFields, overridesBody, overridesState } from './override-fields.js';

const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);

function formState(key) {
  return {
    name: key?.name ?? '',
    owner: key?.owner ?? '',
    gateways: (key?.gateways ?? ['*']).join(', '),
    models: (key?.models ?? ['*']).join(', '),
    provider_keys: (key?.provider_keys ?? []).join(', '),
    expires_at: toLocalInput(key?.expires_at),
    metadata: key && Object.keys(key.metadata).length ? JSON.stringify(key.metadata) : '',
    limits: key?.limits && Object.keys(key.limits).length ? JSON.stringify(key.limits) : '',
  };
}

function bodyOf(f, overrides) {
  let metadata = {};
  if (f.metadata.trim()) {
    try { metadata = JSON.parse(f.metadata); } catch { throw new Error('Metadata must be a JSON object, e.g. {"team": "search"}.'); }
  }
  let limits = null;
  if (f.limits.trim()) {
    try { limits = JSON.parse(f.limits); } catch { throw new Error('Limits must be a JSON object, e.g. {"requests": {"limit": 60, "interval": 60}}.'); }
  }
  return {
    limits,
    name: f.name.trim(),
    owner: f.owner.trim() || null,
    gateways: list(f.gateways),
    models: list(f.models),
    provider_keys: list(f.provider_keys),
    expires_at: f.expires_at ? Number(fromLocalInput(f.expires_at)) : null,
    metadata,
    ...overridesBody(overrides),
  };
}

/** `key` null creates; `onDone(answer)` gets the API's answer (`{key, secret}` on creation). */
export function KeyForm({ record: existing, onClose, onDone }) {
  const [f, setF] = useState(() => formState(existing));
  const [overrides, setOverrides] = useState(() => overridesState(existing?.defaults));
  const [state, setState] = useState({ busy: false, error: null });
  const input = (k) => ({ id: `k-${k}`, name: k, value: f[k], onInput: (e) => setF({ ...f, [k]: e.target.value }) });
  const submit = async (e) => {
    e.preventDefault();
    setState({ busy: true, error: null });
    try {
      const body = bodyOf(f, overrides);
      if (existing) {
        // Only what changed: an unchanged expiry in the past would be refused, for one.
        const before = bodyOf(formState(existing), overridesState(existing.defaults));
        for (const k of Object.keys(body)) if (JSON.stringify(body[k]) === JSON.stringify(before[k])) delete body[k];
      }
      const answer = existing
        ? await api(`/api/keys/${encodeURIComponent(existing.id)}`, { method: 'PATCH', body })
        : await api('/api/keys', { method: 'POST', body });
      onDone(answer);
    } catch (error) {
      setState({ busy: false, error: error.status === undefined ? { status: 400, message: error.message } : error });
    }
  };
  return html`<${Dialog} title=${existing ? `Edit ${existing.name}` : 'New virtual key'} onClose=${onClose} wide>
    <form class="dialog-body stack" onSubmit=${submit}>
      <div class="grid-2">
        <div class="field"><label for="k-name">Name</label><input type="text" required maxlength="128" autofocus ...${input('name')} /></div>
        <div class="field"><label for="k-owner">Owner (optional)</label><input type="text" maxlength="128" ...${input('owner')} /></div>
      </div>
      <fieldset class="stack">
        <legend>Scopes (comma-separated patterns; <code>*</code> matches anything; empty allows nothing)</legend>
        <div class="field"><label for="k-gateways">Gateways</label><input type="text" ...${input('gateways')} /></div>
        <div class="field"><label for="k-models">Models</label><input type="text" placeholder="openai/*, claude-*" ...${input('models')} /></div>
        <div class="field"><label for="k-provider_keys">Stored provider keys it may spend (exact secret names)</label>
          <input type="text" placeholder="OPENAI_API_KEY" ...${input('provider_keys')} /></div>
      </fieldset>
      <div class="grid-2">
        <div class="field"><label for="k-expires_at">Expires (empty: never)</label><input type="datetime-local" ...${input('expires_at')} /></div>
        <div class="field"><label for="k-metadata">Metadata (JSON object)</label><input type="text" placeholder='{"team": "search"}' ...${input('metadata')} /></div>
      </div>
      <div class="field"><label for="k-limits">Limits (JSON object; empty: none)</label>
        <input type="text" placeholder='{"requests": {"limit": 60, "interval": 60}, "budgets": [{"usd": 10, "window": "month"}]}' ...${input('limits')} /></div>
      <${OverrideFields} state=${overrides} set=${setOverrides} prefix="k" />
      <${ErrorNote} error=${state.error} />
      <footer class="dialog-actions">
        <button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary" disabled=${state.busy}>${state.busy ? 'Saving…' : existing ? 'Save' : 'Create key'}</button>
      </footer>
    </form>
  <//>`;
}
