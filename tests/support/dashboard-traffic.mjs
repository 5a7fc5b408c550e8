// Traffic for the dashboard's tests: requests through the gateway with the official SDKs, across
// gateways, providers, models and a virtual key, some failing, one cached and hit, one streamed,
// each with a prompt no other request has. Resolves once every entry is in the log.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { adminApi } from './log-api.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The Worker variables the traffic needs: the virtual key pepper and the stored OpenAI key. */
export const TRAFFIC_VARS = { VIRTUAL_KEY_PEPPER: 'dash-pepper-Rt5Wq8Lm2Xc', OPENAI_API_KEY: 'sk-proj-st0redDash7Hb3Kq' };

/** The prompt of the request whose answer is cached (sent twice: a MISS, then a HIT). */
export const CACHED_PROMPT = 'a question worth caching';

/** The cached request; answers the `cf-aig-cache-status` it got (MISS, then HIT while cached). */
export async function cachedCall(gw) {
  const client = new OpenAI({ apiKey: 'sk-client-0wnKey5Tz', baseURL: `${gw.url}/v1/acct/prod/openai`, maxRetries: 0 });
  const { response } = await client.chat.completions
    .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: CACHED_PROMPT }] }, { headers: { 'cf-aig-metadata': '{"user":"cy"}', 'cf-aig-cache-ttl': '600' } })
    .withResponse();
  return response.headers.get('cf-aig-cache-status');
}

/** Sends the traffic; answers `{ count, prompts, key }` (the virtual key it created and used). */
export async function sendTraffic(gw) {
  const created = await adminApi(gw, '/api/keys', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'search-app', owner: 'search team', provider_keys: ['OPENAI_API_KEY'] }),
  });
  if (created.status !== 201) throw new Error(`creating a key: ${created.status} ${await created.text()}`);
  const key = await created.json();
  const openai = (gateway, apiKey = 'sk-client-0wnKey5Tz') => new OpenAI({ apiKey, baseURL: `${gw.url}/v1/acct/${gateway}/openai`, maxRetries: 0 });
  const anthropic = (gateway) => new Anthropic({ apiKey: 'sk-ant-client-9Lp2', baseURL: `${gw.url}/v1/acct/${gateway}/anthropic`, maxRetries: 0 });
  const meta = (user) => ({ 'cf-aig-metadata': JSON.stringify({ user }) });
  const prompts = [];
  const ask = (n) => { const p = `prompt-${n} about the weather`; prompts.push(p); return [{ role: 'user', content: p }]; };
  let n = 0;
  const calls = [
    () => openai('prod').chat.completions.create({ model: 'gpt-4o-mini', messages: ask(++n) }, { headers: meta('ada') }),
    () => openai('prod').chat.completions.create({ model: 'gpt-4o-mini', messages: ask(++n) }, { headers: meta('ada') }),
    () => openai('prod').chat.completions.create({ model: 'gpt-4o', messages: ask(++n) }, { headers: meta('cy') }),
    () => openai('staging').chat.completions.create({ model: 'gpt-4o-mini', messages: ask(++n) }, { headers: meta('ada') }),
    () => anthropic('staging').messages.create({ model: 'claude-opus-4-1', max_tokens: 64, messages: ask(++n) }, { headers: meta('bob') }),
    () => anthropic('staging').messages.create({ model: 'claude-opus-4-1', max_tokens: 64, messages: ask(++n) }, { headers: meta('bob') }),
    async () => {
      const stream = await anthropic('prod').messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, stream: true, messages: ask(++n) }, { headers: meta('bob') });
      for await (const _ of stream);
    },
    // A cached answer, then the hit that reads it.
    async () => { if ((await cachedCall(gw)) !== 'MISS') throw new Error('the first cached call was not a MISS'); },
    async () => { if ((await cachedCall(gw)) !== 'HIT') throw new Error('the second cached call was not a HIT'); },
    // Failures the provider reports.
    () => openai('prod').chat.completions.create({ model: 'gpt-4o-mini', messages: ask(++n) }, { headers: { ...meta('ada'), 'x-mock-status': '500' } }).catch(() => {}),
    () => openai('staging').chat.completions.create({ model: 'gpt-4o-mini', messages: ask(++n) }, { headers: { ...meta('cy'), 'x-mock-status': '429' } }).catch(() => {}),
    // The virtual key as the SDK's API key: the gateway spends the stored OpenAI key.
    () => openai('prod', key.secret).chat.completions.create({ model: 'gpt-4o-mini', messages: ask(++n) }, { headers: meta('dee') }),
    () => openai('prod', key.secret).chat.completions.create({ model: 'gpt-4o-mini', messages: ask(++n) }, { headers: meta('dee') }),
  ];
  for (const call of calls) await call();
  const count = calls.length;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await adminApi(gw, '/api/logs?limit=1000');
    const { entries } = await res.json();
    if (entries.length >= count) break;
    if (Date.now() > deadline) throw new Error(`${entries.length} of ${count} log entries were written`);
    await sleep(100);
  }
  return { count, prompts, key };
}
