// Loads an admin API path and keeps { data, error, loading, reload } for a component.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';

export function useApi(path) {
  const [state, setState] = useState({ data: null, error: null, loading: Boolean(path) });
  const latest = useRef(0);
  const load = useCallback(async () => {
    if (!path) return;
    const call = ++latest.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const data = await api(path);
      if (call === latest.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (call === latest.current) setState((s) => ({ ...s, error, loading: false }));
    }
  }, [path]);
  useEffect(() => { load(); }, [load]);
  return { ...state, reload: load };
}
