// Calls to the gateway's admin API (same origin, `Authorization: Bearer <admin token>`).
// A 401 means the token is wrong or was changed: every listener of onUnauthorized hears it, and
// the app goes back to the token form. A network failure is an ApiError with status 0.
import { loadToken } from './token.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const unauthorizedListeners = new Set();

/** Calls `listener` whenever the API refuses the token; returns the function that stops it. */
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** A query string from an object, skipping empty values; `''` when nothing is left. */
export function queryString(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * One admin call. `body` is sent as JSON; `raw` answers the Response itself (exports).
 * Throws ApiError with the API's own message (which names the bad field or parameter).
 */
export async function api(path, { method = 'GET', body, token = loadToken(), raw = false } = {}) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, `The gateway could not be reached (${err.message}). Check your connection and reload.`);
  }
  if (res.status === 401) {
    unauthorizedListeners.forEach((listener) => listener());
    throw new ApiError(401, 'The gateway refused the admin token.');
  }
  if (!res.ok) {
    const text = await res.text();
    let message = text.slice(0, 500) || res.statusText;
    try { message = JSON.parse(text).error?.message ?? message; } catch { /* not JSON: keep the text */ }
    throw new ApiError(res.status, `${res.status}: ${message}`);
  }
  if (raw) return res;
  return res.json();
}
