// Hash routes (`#/logs?provider=openai`, `#/logs/<id>`): they need nothing from the server, and
// a page's filters live in its address, so reload, back and a shared link keep them.
import { useEffect, useState } from 'preact/hooks';

export const PAGES = [
  { id: 'overview', title: 'Overview' },
  { id: 'logs', title: 'Logs' },
  { id: 'keys', title: 'Keys' },
  { id: 'gateways', title: 'Gateways' },
  { id: 'cache', title: 'Cache' },
];

/** The current route: `{ page, id, params }` (params a plain object of the hash's query). */
export function parseHash(hash = location.hash) {
  const [pathPart, queryPart = ''] = hash.replace(/^#\/?/, '').split('?');
  const [page, id] = pathPart.split('/').map(decodeURIComponent);
  const known = PAGES.some((p) => p.id === page);
  return { page: known ? page : 'overview', id: known ? id || null : null, params: Object.fromEntries(new URLSearchParams(queryPart)) };
}

/** The hash of a route; empty params are left out. */
export function hashOf(page, id = null, params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const s = q.toString();
  return `#/${page}${id ? `/${encodeURIComponent(id)}` : ''}${s ? `?${s}` : ''}`;
}

export function navigate(page, id = null, params = {}) {
  location.hash = hashOf(page, id, params);
}

/** The current route, following hash changes. */
export function useRoute() {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const update = () => setRoute(parseHash());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
