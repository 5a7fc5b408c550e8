// The table of log entries: one row per request, its time a link to the entry.
import { html } from '../html.js';
import { hashOf } from '../router.js';
import { fmtCost, fmtInt, fmtMs, fmtTime } from '../format.js';
import { ThumbDown, ThumbUp } from '../ui/icons.js';

export function StatusBadge({ entry }) {
  const kind = entry.success ? 'ok' : entry.status >= 500 || entry.status === 0 ? 'bad' : 'warn';
  return html`<span class=${`badge ${kind}`} title=${entry.success ? 'succeeded' : 'failed'}>${entry.status}</span>`;
}

function Feedback({ value }) {
  if (value === 1) return html`<span class="fb up" title="positive feedback"><${ThumbUp} /><span class="visually-hidden">positive feedback</span></span>`;
  if (value === -1) return html`<span class="fb down" title="negative feedback"><${ThumbDown} /><span class="visually-hidden">negative feedback</span></span>`;
  return null;
}

/** The time of an entry: the date part only where there is room for it. */
function When({ ms }) {
  const text = fmtTime(ms);
  const at = text.lastIndexOf(', ');
  return at < 0 ? text : html`<span class="wide-only">${text.slice(0, at + 2)}</span>${text.slice(at + 2)}`;
}

export function LogTable({ entries, fresh, params }) {
  return html`<div class="table-wrap"><table class="data logs">
    <caption class="visually-hidden">Log entries, newest first</caption>
    <thead><tr>
      <th scope="col">Time</th><th scope="col">Status</th><th scope="col" class="opt">Gateway</th><th scope="col">Model</th><th scope="col" class="num opt">Tokens in / out</th><th scope="col" class="num">Cost</th>
      <th scope="col" class="num opt">Duration</th><th scope="col" class="opt">Cache</th><th scope="col" class="opt">Key</th>
      <th scope="col"><span class="visually-hidden">Feedback</span></th>
    </tr></thead>
    <tbody>${entries.map((e) => html`<tr key=${e.id} data-log-id=${e.id} class=${fresh.has(e.id) ? 'fresh' : ''}>
      <td><a href=${hashOf('logs', e.id, params)}><${When} ms=${e.created_at_ms} /></a></td>
      <td><${StatusBadge} entry=${e} /></td>
      <td class="opt">${e.gateway}</td>
      <td class="model">${e.model || '—'}<span class="provider">${e.provider}</span></td>
      <td class="num opt">${fmtInt(e.tokens_in)} / ${fmtInt(e.tokens_out)}${e.tokens_estimated ? '*' : ''}</td>
      <td class="num cost">${fmtCost(e.cost)}</td>
      <td class="num opt">${fmtMs(e.duration_ms)}</td>
      <td class="opt"><span class=${`cache ${e.cache_status.toLowerCase()}`}>${e.cache_status === 'NONE' ? '—' : e.cache_status}</span></td>
      <td class="opt">${e.virtual_key_name ?? ''}</td>
      <td class="feedback-cell"><${Feedback} value=${e.feedback} /></td>
    </tr>`)}</tbody>
  </table></div>`;
}
