// A modal dialog on the native <dialog> element: it traps focus, closes with Escape and gives
// focus back to what opened it, so forms and confirmations are keyboard-usable as they are.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { ErrorNote } from './states.js';

export function Dialog({ title, onClose, children, wide = false }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog.open) dialog.showModal();
    return () => dialog.open && dialog.close();
  }, []);
  return html`<dialog ref=${ref} class=${wide ? 'wide' : ''} aria-labelledby="dialog-title" onCancel=${(e) => { e.preventDefault(); onClose(); }}>
    <header class="dialog-head">
      <h2 id="dialog-title">${title}</h2>
      <button type="button" class="icon" aria-label="Close" onClick=${onClose}>✕</button>
    </header>
    ${children}
  </dialog>`;
}

/**
 * Asks before something that cannot be undone. `onConfirm` may be async; its error is shown in
 * the dialog, which closes only once it succeeded.
 */
export function ConfirmDialog({ title, children, confirmLabel, danger = true, onConfirm, onClose }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${title} onClose=${onClose}>
    <div class="dialog-body">${children}</div>
    <${ErrorNote} error=${error} />
    <footer class="dialog-actions">
      <button type="button" class="secondary" autofocus onClick=${onClose} disabled=${busy}>Cancel</button>
      <button type="button" class=${danger ? 'danger' : 'primary'} onClick=${confirm} disabled=${busy}>${busy ? 'Working…' : confirmLabel}</button>
    </footer>
  <//>`;
}
