// The admin token, kept for this browser session only (sessionStorage: gone when the tab closes,
// never sent anywhere but this origin's /api/).
const KEY = 'ai-gateway.admin-token';

export function loadToken() {
  try { return sessionStorage.getItem(KEY) || ''; } catch { return ''; }
}

export function saveToken(token) {
  try { sessionStorage.setItem(KEY, token); } catch { /* private mode: the token lives in memory only */ }
}

export function clearToken() {
  try { sessionStorage.removeItem(KEY); } catch { /* nothing kept */ }
}
