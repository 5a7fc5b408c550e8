// Cache: purge a gateway's cached answers by key, by the log id of the request that stored one,
// or all of them (repeating the call while the API says there is more).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { useApi } from '../ui/use-api.js';
import { ConfirmDialog } from '../ui/dialog.js';
import { ErrorNote } from '../ui/states.js';
import { fmtInt } from '../format.js';

/** Most purge calls one "purge all" makes (900 deletions each). */
const MAX_ROUNDS = 50;

async function purge(gateway, body) {
  const path = `/api/gateways/${encodeURIComponent(gateway)}/cache/purge`;
  let deleted = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const r = await api(path, { method: 'POST', body });
    deleted += r.deleted;
    if (!r.more) return { deleted, more: false };
  }
  return { deleted, more: true };
}

function PurgeForm({ id, title, help, field, placeholder, onPurge }) {
  const [value, setValue] = useState('');
  return html`<form class="card stack" onSubmit=${(e) => { e.preventDefault(); onPurge({ [field]: value.trim() }); }}>
    <h2 id=${`${id}-title`}>${title}</h2>
    <p class="help">${help}</p>
    <div class="row">
      <label class="visually-hidden" for=${id}>${title}</label>
      <input id=${id} type="text" class="grow mono" required placeholder=${placeholder} value=${value} onInput=${(e) => setValue(e.target.value)} />
      <button type="submit" class="primary">Purge</button>
    </div>
  </form>`;
}

export function Cache({ params }) {
  const gateways = useApi('/api/gateways');
  const [gateway, setGateway] = useState(params.gateway ?? '');
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [confirmAll, setConfirmAll] = useState(false);
  const run = async (body) => {
    setError(null);
    setResult(null);
    if (!gateway.trim()) return setError({ status: 400, message: 'Name the gateway whose cache to purge.' });
    try {
      setResult({ ...(await purge(gateway.trim(), body)), gateway: gateway.trim() });
    } catch (err) {
      setError(err);
    }
  };
  return html`<div class="page narrow">
    <header class="page-head"><h1>Cache</h1></header>
    <p class="muted">Cached answers live in the Worker's KV namespace, per gateway. Other locations may serve a purged answer for up to a minute (KV's own caching).</p>
    <div class="card field">
      <label for="cache-gateway">Gateway</label>
      <input id="cache-gateway" type="text" list="gateway-ids" required placeholder="my-gateway" value=${gateway} onInput=${(e) => setGateway(e.target.value)} />
      <datalist id="gateway-ids">${(gateways.data?.gateways ?? []).map((g) => html`<option value=${g.id} />`)}</datalist>
    </div>
    <${ErrorNote} error=${error} />
    ${result && html`<p class="success-note" role="status">Purged ${fmtInt(result.deleted)} cache keys of ${result.gateway}${result.more ? '; more remain, purge again' : ''}.</p>`}
    <${PurgeForm} id="purge-key" title="By cache key" field="key" placeholder="v1/my-gateway/… or a cf-aig-cache-key value"
      help="A key as listed in KV, or a custom key that clients send in cf-aig-cache-key (every entry stored under it)." onPurge=${run} />
    <${PurgeForm} id="purge-log" title="By log id" field="log_id" placeholder="01JQ4Z8X1M7N3P5R7T9V0W2Y4A"
      help="The answer stored by that logged request (a cache MISS); its id is the cf-aig-log-id header and the Logs page's entry id." onPurge=${run} />
    <section class="card stack">
      <h2>Everything</h2>
      <p class="help">Every cached answer of the gateway.</p>
      <div><button type="button" class="danger" onClick=${() => (gateway.trim() ? setConfirmAll(true) : run({ all: true }))}>Purge all…</button></div>
    </section>
    ${confirmAll && html`<${ConfirmDialog} title=${`Purge the whole cache of ${gateway.trim()}`} confirmLabel="Purge all" onClose=${() => setConfirmAll(false)} onConfirm=${() => run({ all: true })}>
      <p>Every cached answer of <strong>${gateway.trim()}</strong> is deleted; the next requests reach the providers again.</p><//>`}
  </div>`;
}
