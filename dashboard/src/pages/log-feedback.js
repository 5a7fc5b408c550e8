// Feedback on one entry: 👍/👎, a score from 0 to 100 and a comment, saved with PATCH /api/logs/{id}.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { ErrorNote } from '../ui/states.js';
import { ThumbDown, ThumbUp } from '../ui/icons.js';

export function FeedbackForm({ entry, onSaved }) {
  const [feedback, setFeedback] = useState(entry.feedback ?? null);
  const [score, setScore] = useState(entry.score ?? '');
  const [comment, setComment] = useState(entry.comment ?? '');
  const [state, setState] = useState({ busy: false, error: null, saved: false });
  const save = async (e) => {
    e.preventDefault();
    if (feedback === null) return setState({ busy: false, saved: false, error: { status: 400, message: 'Choose Good or Bad first.' } });
    const body = { feedback };
    if (score !== '') body.score = Number(score);
    if (comment.trim()) body.comment = comment.trim();
    setState({ busy: true, error: null, saved: false });
    try {
      onSaved(await api(`/api/logs/${encodeURIComponent(entry.id)}`, { method: 'PATCH', body }));
      setState({ busy: false, error: null, saved: true });
    } catch (error) {
      setState({ busy: false, error, saved: false });
    }
  };
  const thumb = (value, Icon, label, text) => html`<button type="button" class=${`thumb ${value === 1 ? 'up' : 'down'} ${feedback === value ? 'on' : ''}`}
    aria-pressed=${feedback === value ? 'true' : 'false'} aria-label=${label} onClick=${() => setFeedback(value)}><${Icon} />${text}</button>`;
  return html`<form class="card feedback" onSubmit=${save} aria-labelledby="feedback-title">
    <h2 id="feedback-title">Feedback</h2>
    <div class="thumbs" role="group" aria-label="Rating">${thumb(1, ThumbUp, 'Good answer', 'Good')}${thumb(-1, ThumbDown, 'Bad answer', 'Bad')}</div>
    <div class="field"><label for="fb-score">Score (0–100, optional)</label>
      <input id="fb-score" type="number" min="0" max="100" step="1" value=${score} onInput=${(e) => setScore(e.target.value)} /></div>
    <div class="field"><label for="fb-comment">Comment (optional)</label>
      <textarea id="fb-comment" rows="3" maxlength="1000" value=${comment} onInput=${(e) => setComment(e.target.value)}></textarea></div>
    <${ErrorNote} error=${state.error} />
    <div class="row">
      <button type="submit" class="primary" disabled=${state.busy}>${state.busy ? 'Saving…' : 'Save feedback'}</button>
      ${state.saved && html`<span class="success-note" role="status">Saved.</span>`}
    </div>
  </form>`;
}
