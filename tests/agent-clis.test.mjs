// The Claude Code and Codex command-line agents, run as a user runs them, through the gateway to
// the mock upstream: each with the configuration docs/compat.md ("Coding agents") gives, asked to
// show a file, for a model behind each provider dialect. The mock calls the agent's file or shell
// tool first, so each agent sends a second request with the tool's result; the test checks what
// the provider received on that second turn (the result, and the thinking's signatures where the
// model thinks) and the agent's final answer, the mock's `tool said: <result>`.
// The agents are found in AGENT_CLI_BIN_DIR (default node_modules/.bin); each runs with a
// temporary home and config directory, its telemetry off, and is killed if it outlives its time.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { ROOT, startGateway } from './support/gateway.mjs';
import { ENCRYPTED_REASONING } from './support/mock-responses.mjs';
import { REDACTED_THINKING, THINKING, THOUGHT_SIGNATURE, anthropicSignature } from './support/mock-thinking.mjs';

const BIN_DIR = path.resolve(ROOT, process.env.AGENT_CLI_BIN_DIR ?? 'node_modules/.bin');
const CLAUDE = path.join(BIN_DIR, 'claude');
const CODEX = path.join(BIN_DIR, 'codex');
const missing = [CLAUDE, CODEX].filter((bin) => !fs.existsSync(bin));
const SKIP = missing.length ? `not installed: ${missing.join(', ')} (set AGENT_CLI_BIN_DIR)` : false;
/** The longest an agent may take for its two turns. */
const AGENT_TIMEOUT_MS = 30_000;
const FILE_TEXT = 'Hello from the file';

let mock, gw, tmp, work;
before(async () => {
  if (SKIP) return;
  mock = await startMockUpstream();
  gw = await startGateway(mock.url);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-clis-'));
  work = path.join(tmp, 'work');
  fs.mkdirSync(work);
  fs.writeFileSync(path.join(work, 'hello.txt'), `${FILE_TEXT}\n`);
});
after(async () => {
  await gw?.close();
  await mock?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => mock?.reset());

/**
 * Runs `bin` with `args` in the work directory, with only `env` (and a PATH for its shell) in its
 * environment; its stdout, stderr and exit code. The whole process group is killed after
 * AGENT_TIMEOUT_MS, which fails the test.
 */
function run(bin, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: work, env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      reject(new Error(`${path.basename(bin)} did not finish in ${AGENT_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`));
    }, AGENT_TIMEOUT_MS);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      // Nothing of the agent outlives it (a shell it started for a tool, say).
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* none left */ }
      resolve({ code, stdout, stderr });
    });
  });
}

/** A fresh directory for one agent's home and configuration. */
function home(name) {
  const dir = path.join(tmp, `${name}-${Math.random().toString(36).slice(2)}`);
  fs.mkdirSync(dir);
  return dir;
}

/** The chat requests the mock received (the agents' other calls, if any, left out). */
async function turns() {
  const seen = await mock.requests();
  return seen.filter((r) => r.method === 'POST' && /messages$|responses$|completions$|Content$/.test(r.path)).map((r) => r.payload);
}

/** An agent's run was one tool round trip: two turns reached the mock (the second checked by
 * `checkSecondTurn`), and the agent exited printing the answer the tool's result led to. */
async function assertToolLoop({ code, stdout, stderr }, checkSecondTurn) {
  const [first, second, ...more] = await turns();
  assert.ok(first && second, `two turns: ${stdout}\n${stderr}`);
  assert.equal(more.length, 0, 'the final answer ends the loop');
  checkSecondTurn(second);
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  assert.match(stdout, new RegExp(`^tool said: [\\s\\S]*${FILE_TEXT}`));
}

// --- Claude Code: Anthropic Messages, to compat/v1/messages or the anthropic provider URL ---

/** Runs `claude -p` through `baseUrl` on `model`, thinking, the mock calling its Read tool. */
function claude(baseUrl, model) {
  const dir = home('claude');
  return run(CLAUDE, ['-p', 'Show hello.txt', '--model', model, '--allowedTools', 'Read'], {
    HOME: dir,
    CLAUDE_CONFIG_DIR: dir,
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: 'sk-client',
    MAX_THINKING_TOKENS: '2048',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    ANTHROPIC_CUSTOM_HEADERS: `x-mock-tool: Read\nx-mock-tool-args: ${JSON.stringify({ file_path: path.join(work, 'hello.txt') })}`,
  });
}

/** Checks the second Anthropic turn: the thinking first, signed and redacted, then the Read call, answered. */
function assertAnthropicThinkingKept(second) {
  const [assistant, result] = second.messages.slice(-2);
  assert.deepEqual(assistant.content.map((b) => b.type), ['thinking', 'redacted_thinking', 'tool_use']);
  assert.equal(assistant.content[0].signature, anthropicSignature(THINKING.call));
  assert.equal(assistant.content[1].data, REDACTED_THINKING);
  const answered = result.content.find((b) => b.type === 'tool_result');
  assert.equal(answered.tool_use_id, assistant.content[2].id);
  assert.match(JSON.stringify(answered.content), new RegExp(FILE_TEXT));
}

// Through compat Claude Code names `{provider}/{model}`, which every answer names back: it keeps
// the thinking of earlier turns only for answers naming the model it asked for.
const CLAUDE_ROUTES = [
  ['compat → anthropic', 'compat', 'anthropic/claude-sonnet-4-5', assertAnthropicThinkingKept],
  ['the anthropic provider URL', 'anthropic', 'claude-sonnet-4-5', assertAnthropicThinkingKept],
  ['compat → gemini', 'compat', 'google-ai-studio/gemini-2.5-flash', (second) => {
    const [model, user] = second.contents.slice(-2);
    assert.equal(model.parts.find((p) => p.functionCall)?.thoughtSignature, THOUGHT_SIGNATURE);
    assert.match(JSON.stringify(user.parts.find((p) => p.functionResponse).functionResponse.response), new RegExp(FILE_TEXT));
  }],
  ['compat → openai', 'compat', 'openai/gpt-5-mini', (second) => {
    const result = second.messages.find((m) => m.role === 'tool');
    assert.equal(result.tool_call_id, second.messages.find((m) => m.tool_calls)?.tool_calls[0].id);
    assert.match(result.content, new RegExp(FILE_TEXT));
  }],
];

for (const [label, route, model, checkSecondTurn] of CLAUDE_ROUTES) {
  test(`claude -p through ${label} (${model}): a Read round trip with thinking`, { skip: SKIP }, async () => {
    await assertToolLoop(await claude(`${gw.url}/v1/acct/gw/${route}`, model), checkSecondTurn);
  });
}

// --- Codex: the Responses API, to compat/responses ---

/** Runs `codex exec` on `model` through compat/responses, the mock calling its exec_command tool. */
function codex(model) {
  const dir = home('codex');
  fs.writeFileSync(path.join(dir, 'config.toml'), [
    'model_provider = "gateway"',
    `model = "${model}"`,
    'model_reasoning_effort = "low"',
    '[model_providers.gateway]',
    'name = "AI Gateway"',
    `base_url = "${gw.url}/v1/acct/gw/compat"`,
    'wire_api = "responses"',
    'env_key = "GATEWAY_KEY"',
    // The mock's steering, not part of the configuration a user needs.
    `http_headers = { "x-mock-tool" = "exec_command", "x-mock-tool-args" = '${JSON.stringify({ cmd: 'cat hello.txt' })}' }`,
  ].join('\n'));
  // The sandbox needs kernel features a container may lack; the command only reads a file.
  return run(CODEX, ['exec', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', 'Show hello.txt'], {
    HOME: dir, CODEX_HOME: dir, GATEWAY_KEY: 'sk-client',
  });
}

const CODEX_MODELS = [
  ['anthropic', 'anthropic/claude-sonnet-4-5', assertAnthropicThinkingKept],
  ['gemini', 'google-ai-studio/gemini-3-flash-preview', (second) => {
    const [model, user] = second.contents.slice(-2);
    assert.equal(model.parts.find((p) => p.functionCall)?.thoughtSignature, THOUGHT_SIGNATURE);
    assert.match(JSON.stringify(user.parts.find((p) => p.functionResponse).functionResponse.response), new RegExp(FILE_TEXT));
  }],
  ['openai (untranslated)', 'openai/gpt-5-mini', (second) => {
    assert.equal(second.model, 'gpt-5-mini');
    assert.ok(second.input.some((i) => i.type === 'reasoning' && i.encrypted_content === ENCRYPTED_REASONING), 'its own reasoning sent back');
    const output = second.input.find((i) => i.type === 'function_call_output');
    assert.equal(output.call_id, 'call_mock1');
    assert.match(JSON.stringify(output.output), new RegExp(FILE_TEXT));
  }],
];

for (const [label, model, checkSecondTurn] of CODEX_MODELS) {
  test(`codex exec through compat/responses → ${label} (${model}): a shell round trip with reasoning`, { skip: SKIP }, async () => {
    await assertToolLoop(await codex(model), checkSecondTurn);
  });
}
