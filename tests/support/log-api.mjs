// Reading a test gateway's request log through its admin API.
import { ADMIN_TOKEN } from './gateway.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A call to the admin API of `gw`. */
export function adminApi(gw, pathAndQuery, init = {}) {
  return fetch(`${gw.url}${pathAndQuery}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers } });
}

/**
 * The log entry of the request tagged `cf-aig-metadata: {"tag": tag}`, bodies included, once it
 * is written (the sink batches after the response); throws when none is within `timeoutMs`.
 * Found by its metadata rather than by `cf-aig-log-id`, so that an answer that lost the header
 * still has its entry checked.
 */
export async function waitForTaggedLog(gw, tag, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await adminApi(gw, `/api/logs?metadata.tag=${encodeURIComponent(tag)}&bodies=true`);
    if (res.status !== 200) throw new Error(`GET /api/logs answered ${res.status}: ${await res.text()}`);
    const { entries } = await res.json();
    if (entries.length > 1) throw new Error(`${entries.length} entries are tagged ${tag}`);
    if (entries.length === 1) return entries[0];
    if (Date.now() > deadline) throw new Error(`no log entry tagged ${tag} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** The log entry `id` of the gateway at `url`, once written; fails the test after ~5 s. */
export async function waitForLogEntry(url, id) {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${url}/api/logs/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (res.status === 200) return res.json();
    await sleep(25);
  }
  throw new Error(`log entry ${id} was never written`);
}

let tags = 0;
/** A tag no other request of this process carries, and the header that puts it on a request. */
export function newTag(name) {
  const tag = `${name}-${process.pid}-${++tags}-${Date.now()}`;
  return { tag, header: { 'cf-aig-metadata': JSON.stringify({ tag }) } };
}
