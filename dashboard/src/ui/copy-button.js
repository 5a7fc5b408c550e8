// Copies a text and says so. The Clipboard API needs a secure context (https or localhost); where
// it is missing, the text is selected and copied the older way.
import { useState } from 'preact/hooks';
import { html } from '../html.js';

async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!input) return false;
    input.select();
    return document.execCommand('copy');
  }
}

export function CopyButton({ text, inputRef, label = 'Copy' }) {
  const [state, setState] = useState('');
  const onClick = async () => setState((await copy(text, inputRef?.current)) ? 'Copied' : 'Select and copy it yourself');
  return html`<button type="button" class="primary" onClick=${onClick}>${label}</button>
    <span class="copy-state" role="status" aria-live="polite">${state}</span>`;
}
