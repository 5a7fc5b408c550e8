// The plaintext of a new or rotated virtual key: shown once, with a copy button.
import { useRef } from 'preact/hooks';
import { html } from '../html.js';
import { Dialog } from '../ui/dialog.js';
import { CopyButton } from '../ui/copy-button.js';

export function SecretDialog({ issued, rotated, onClose }) {
  const input = useRef(null);
  return html`<${Dialog} title=${rotated ? 'New secret for this key' : 'Key created'} onClose=${onClose}>
    <div class="dialog-body stack">
      <p><strong>Copy the secret now: it is shown only this once.</strong> The gateway keeps only its hash.
        ${rotated ? ' The previous secret no longer works.' : ''}</p>
      <label for="secret">Secret of <strong>${issued.key.name}</strong> (${issued.key.id})</label>
      <div class="row">
        <input id="secret" ref=${input} class="mono secret" readonly autofocus value=${issued.secret} onFocus=${(e) => e.target.select()} />
        <${CopyButton} text=${issued.secret} inputRef=${input} />
      </div>
      <p class="help">Use it as the API key of any SDK pointed at the gateway, or in <code>cf-aig-authorization: Bearer …</code>.</p>
    </div>
    <footer class="dialog-actions"><button type="button" class="secondary" onClick=${onClose}>I have copied it</button></footer>
  <//>`;
}
