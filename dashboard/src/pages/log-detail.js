// One log entry: what was asked and answered (bodies pretty-printed), its timing, tokens, cost,
// cache and attempts, its metadata, feedback, and deleting it or purging the answer it cached.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { hashOf, navigate } from '../router.js';
import { useApi } from '../ui/use-api.js';
import { ConfirmDialog } from '../ui/dialog.js';
import { ErrorNote, Loading } from '../ui/states.js';
import { fmtCost, fmtDateTime, fmtInt, fmtMs, prettyBody } from '../format.js';
import { StatusBadge } from './log-table.js';
import { FeedbackForm } from './log-feedback.js';

function Facts({ e }) {
  const rows = [
    ['Time', fmtDateTime(e.created_at_ms)],
    ['Gateway', e.gateway],
    ['Provider', e.provider],
    ['Model', e.model || '—'],
    ['Endpoint', html`<code>${e.method} ${e.endpoint}</code>`],
    ['Status', html`<${StatusBadge} entry=${e} /> ${e.success ? 'succeeded' : 'failed'}`],
    ['Duration', fmtMs(e.duration_ms)],
    ['Time to first byte', e.ttfb_ms === null ? 'no response from the provider' : fmtMs(e.ttfb_ms)],
    ['Tokens in / out', `${fmtInt(e.tokens_in)} / ${fmtInt(e.tokens_out)}${e.tokens_estimated ? ' (estimated)' : ''}`],
    ['Cached input tokens', fmtInt(e.tokens_cached)],
    ['Cost', e.cost === null ? 'unknown (model not priced)' : fmtCost(e.cost)],
    ['Cache', e.cache_status === 'NONE' ? 'not used' : e.cache_status],
    ['Fallback step / attempts', `${e.step} / ${e.attempts}`],
    ['Virtual key', e.virtual_key_id ? `${e.virtual_key_name ?? ''} (${e.virtual_key_id})` : '—'],
    ['User agent', e.user_agent ?? '—'],
  ];
  return html`<dl class="facts">${rows.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

function Body({ title, text, id }) {
  return html`<section class="card body-card" aria-labelledby=${id}>
    <h2 id=${id}>${title}</h2>
    ${text ? html`<pre class="code body" tabindex="0" data-body=${id}>${prettyBody(text)}</pre>` : html`<p class="muted">Not kept (payload logging off, or a binary answer).</p>`}
  </section>`;
}

export function LogDetail({ id, params }) {
  const entry = useApi(`/api/logs/${encodeURIComponent(id)}`);
  const [current, setCurrent] = useState(null);
  const [dialog, setDialog] = useState(null);
  const [notice, setNotice] = useState('');
  const e = current ?? entry.data;
  const back = hashOf('logs', null, params);
  const purge = async () => {
    const r = await api(`/api/gateways/${encodeURIComponent(e.gateway)}/cache/purge`, { method: 'POST', body: { log_id: e.id } });
    setNotice(r.deleted ? 'The cached answer this request stored was purged.' : 'Nothing was cached under this request any more.');
  };
  return html`<div class="page">
    <p><a href=${back}>← Back to the logs</a></p>
    ${entry.loading && !e && html`<${Loading} what="Loading the entry" />`}
    <${ErrorNote} error=${entry.error} retry=${entry.reload} />
    ${e && html`
      <header class="page-head">
        <h1>${e.provider} · ${e.model || e.endpoint}</h1>
        <div class="actions">
          ${e.cache_status === 'MISS' && html`<button type="button" class="secondary" onClick=${() => setDialog('purge')}>Purge cached answer…</button>`}
          <button type="button" class="danger-outline" onClick=${() => setDialog('delete')}>Delete entry…</button>
        </div>
      </header>
      <p class="muted mono">${e.id}</p>
      ${notice && html`<p class="success-note" role="status">${notice}</p>`}
      ${e.error && html`<div class="state error"><strong>Error</strong><span>${e.error}</span></div>`}
      ${e.cache_error && html`<div class="state warn"><strong>Cache error</strong><span>${e.cache_error}</span></div>`}
      ${e.limit_error && html`<div class="state warn"><strong>Limiter</strong><span>${e.limit_error}</span></div>`}
      ${e.guardrails && html`<div class="state info"><strong>Guardrails</strong><span>${JSON.parse(e.guardrails).map((g) => `${g.plugin}: ${g.action} (${g.rule})`).join(', ')}</span></div>`}
      <div class="detail-grid">
        <section class="card"><h2>Request</h2><${Facts} e=${e} /></section>
        <div class="stack">
          <${FeedbackForm} entry=${e} onSaved=${setCurrent} />
          <section class="card"><h2>Metadata</h2>
            ${Object.keys(e.metadata).length ? html`<dl class="facts">${Object.entries(e.metadata).map(([k, v]) => html`<div><dt>${k}</dt><dd>${String(v)}</dd></div>`)}</dl>`
              : html`<p class="muted">None (send <code>cf-aig-metadata</code> to tag requests).</p>`}
          </section>
        </div>
      </div>
      <${Body} title="Request body" text=${e.request_body} id="request-body" />
      <${Body} title="Response body" text=${e.response_body} id="response-body" />`}
    ${dialog === 'delete' && html`<${ConfirmDialog} title="Delete this entry" confirmLabel="Delete" onClose=${() => setDialog(null)}
      onConfirm=${async () => { await api(`/api/logs/${encodeURIComponent(e.id)}`, { method: 'DELETE' }); navigate('logs', null, params); }}>
      <p>The entry and its bodies are removed for good.</p><//>`}
    ${dialog === 'purge' && html`<${ConfirmDialog} title="Purge the cached answer" confirmLabel="Purge" onClose=${() => setDialog(null)} onConfirm=${purge}>
      <p>Deletes the answer this request stored in gateway <strong>${e.gateway}</strong>'s cache. Later identical requests reach the provider again.</p><//>`}
  </div>`;
}
