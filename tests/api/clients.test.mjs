// corral serve driven by the official `ollama` and `openai` npm client libraries, unchanged: the same calls a
// user's script or IDE makes against Ollama. Run by ctest (label api) with CORRAL_EXE, CORRAL_TESTMODEL_EXE
// and CORRAL_VOCAB set; `node --test tests/api/` by hand with the same variables.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ollama } from 'ollama';
import OpenAI from 'openai';

const exe = process.env.CORRAL_EXE;
const testmodel = process.env.CORRAL_TESTMODEL_EXE;
const vocab = process.env.CORRAL_VOCAB;
assert.ok(exe && testmodel && vocab, 'set CORRAL_EXE, CORRAL_TESTMODEL_EXE and CORRAL_VOCAB');

let dir, model, store, server, host, ollama, openai;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corral-api-'));
  model = join(dir, 'tiny.gguf');
  execFileSync(testmodel, ['--vocab', vocab, '--dim', '64', '--layers', '2', '--heads', '4', '--kv-heads', '2',
    '--ffn', '128', '--ctx', '2048', '--dtype', 'q8_0', '--seed', '9', '--logit-std', '64', '--out', model]);
  // A store with the same model under a name, its Modelfile setting a SYSTEM message and a parameter.
  store = join(dir, 'models');
  writeFileSync(join(dir, 'Modelfile'), `FROM ${model}\nSYSTEM You are terse.\nPARAMETER temperature 0\n`);
  execFileSync(exe, ['create', 'tiny-chat', '-f', join(dir, 'Modelfile')], { env: { ...process.env, CORRAL_MODELS: store },
                                                                             stdio: 'ignore' });
  const port = await freePort();
  host = `http://127.0.0.1:${port}`;
  server = spawn(exe, ['serve'], {
    env: { ...process.env, CORRAL_HOST: `127.0.0.1:${port}`, CORRAL_CONTEXT_LENGTH: '1024', CORRAL_MODELS: store },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  server.stderr.on('data', (d) => { log += d; });
  for (let i = 0; ; ++i) {
    try {
      if ((await fetch(host)).ok) break;
    } catch {
      // not listening yet
    }
    assert.ok(i < 300 && server.exitCode === null, `corral serve did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  ollama = new Ollama({ host });
  openai = new OpenAI({ baseURL: `${host}/v1`, apiKey: 'unused' });
});

after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.on('exit', r));
    server.kill('SIGTERM');
    await exited;
    assert.equal(server.exitCode, 0, 'corral serve exits cleanly on SIGTERM');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const greedy = { temperature: 0, num_predict: 8 };

test('ollama: generate, whole and streamed', async () => {
  const whole = await ollama.generate({ model, prompt: 'Why is the sky blue?', options: greedy });
  assert.equal(whole.done, true);
  assert.equal(whole.done_reason, 'length');
  assert.equal(whole.eval_count, 8);
  assert.ok(whole.prompt_eval_count > 0);
  assert.ok(Array.isArray(whole.context));

  let text = '';
  let last;
  for await (const part of await ollama.generate({ model, prompt: 'Why is the sky blue?', options: greedy, stream: true })) {
    text += part.response;
    last = part;
  }
  assert.equal(last.done, true);
  assert.equal(text, whole.response);
});

test('ollama: chat, whole and streamed', async () => {
  const messages = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello!' }];
  const whole = await ollama.chat({ model, messages, options: greedy });
  assert.equal(whole.message.role, 'assistant');
  assert.equal(whole.done_reason, 'length');
  let text = '';
  for await (const part of await ollama.chat({ model, messages, options: greedy, stream: true })) {
    text += part.message.content;
  }
  assert.equal(text, whole.message.content);
});

test('ollama: ps, version, errors', async () => {
  await ollama.generate({ model, prompt: '', keep_alive: '10m' });
  const ps = await ollama.ps();
  assert.ok(ps.models.some((m) => m.name === model && m.context_length === 1024));
  const { version } = await ollama.version();
  assert.match(version, /^\d+\.\d+\.\d+$/);
  await assert.rejects(ollama.generate({ model: 'no-such-model', prompt: 'x' }), (e) => {
    assert.equal(e.status_code, 404);
    assert.match(e.error, /not found/);
    return true;
  });
  await assert.rejects(ollama.generate({ model, prompt: 'x', options: { temperature: 'hot' } }), (e) => {
    assert.equal(e.status_code, 400);
    return true;
  });
});

test('openai: chat.completions, whole and streamed with usage', async () => {
  const request = { model, messages: [{ role: 'user', content: 'Say something.' }], max_tokens: 6, temperature: 0 };
  const whole = await openai.chat.completions.create(request);
  assert.equal(whole.object, 'chat.completion');
  assert.equal(whole.choices[0].finish_reason, 'length');
  assert.equal(whole.usage.completion_tokens, 6);
  assert.equal(whole.usage.total_tokens, whole.usage.prompt_tokens + 6);

  const stream = await openai.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let finish;
  let usage;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      text += choice.delta.content ?? '';
      finish = choice.finish_reason ?? finish;
    }
  }
  assert.equal(text, whole.choices[0].message.content);
  assert.equal(finish, 'length');
  assert.equal(usage.completion_tokens, 6);
});

test('openai: completions, whole and streamed, and errors', async () => {
  const c = await openai.completions.create({ model, prompt: 'Once upon a time', max_tokens: 5, temperature: 0 });
  assert.equal(c.object, 'text_completion');
  assert.equal(c.usage.completion_tokens, 5);
  let text = '';
  let finish;
  let usage;
  for await (const chunk of await openai.completions.create({ model, prompt: 'Once upon a time', max_tokens: 5,
                                                              temperature: 0, stream: true,
                                                              stream_options: { include_usage: true } })) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      text += choice.text;
      finish = choice.finish_reason ?? finish;
    }
  }
  assert.equal(text, c.choices[0].text);
  assert.equal(finish, 'length');
  assert.equal(usage.completion_tokens, 5);
  await assert.rejects(
    openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    (e) => {
      assert.equal(e.status, 404);
      return true;
    });
  await assert.rejects(openai.chat.completions.create({ model, messages: [] }), (e) => {
    assert.equal(e.status, 400);
    return true;
  });
});

test('several clients at once get what they get alone', async () => {
  const prompts = ['Alpha', 'Bravo charlie', 'Delta echo foxtrot', 'Golf', 'Hotel india', 'Juliet kilo lima'];
  const alone = [];
  for (const prompt of prompts) alone.push((await ollama.generate({ model, prompt, options: greedy })).response);
  const together = await Promise.all(prompts.map(async (prompt) => {
    let text = '';
    for await (const part of await ollama.generate({ model, prompt, options: greedy, stream: true })) text += part.response;
    return text;
  }));
  assert.deepEqual(together, alone);
});

test('embeddings through both clients', async () => {
  const e = await ollama.embed({ model, input: ['Hello world', 'Goodbye'] });
  assert.equal(e.embeddings.length, 2);
  const norm = Math.hypot(...e.embeddings[0]);
  assert.ok(Math.abs(norm - 1) < 1e-5);
  const o = await openai.embeddings.create({ model, input: 'Hello world' });
  assert.equal(o.data.length, 1);
  // The openai client asks for base64 and decodes it: the same floats as Ollama's first vector.
  assert.deepEqual(Array.from(o.data[0].embedding).map((x) => Math.fround(x)), e.embeddings[0].map((x) => Math.fround(x)));
  assert.ok(o.usage.prompt_tokens > 0);
});

test('structured output and stop strings through both clients', async () => {
  const schema = { type: 'object', properties: { city: { type: 'string', maxLength: 12 }, rain: { type: 'boolean' } },
                   required: ['city', 'rain'] };
  const r = await ollama.chat({ model, messages: [{ role: 'user', content: 'Weather?' }], format: schema,
                                options: { num_predict: 200, temperature: 0.5, seed: 3 } });
  const value = JSON.parse(r.message.content);
  assert.equal(typeof value.city, 'string');
  assert.equal(typeof value.rain, 'boolean');
  const o = await openai.chat.completions.create({
    model, messages: [{ role: 'user', content: 'Weather?' }], max_tokens: 200,
    response_format: { type: 'json_schema', json_schema: { name: 'weather', schema } } });
  assert.deepEqual(Object.keys(JSON.parse(o.choices[0].message.content)).sort(), ['city', 'rain']);
  // /v1/completions sends the prompt as it is: compare with Ollama's raw mode.
  const full = (await ollama.generate({ model, prompt: 'Count', raw: true, options: greedy })).response;
  const stop = full.slice(Math.floor(full.length / 2), Math.floor(full.length / 2) + 3);
  const cut = await openai.completions.create({ model, prompt: 'Count', max_tokens: 8, temperature: 0, stop: [stop] });
  assert.equal(cut.choices[0].text, full.slice(0, full.indexOf(stop)));
});

test('store models by name: list, generate, models', async () => {
  const { models } = await ollama.list();
  assert.deepEqual(models.map((m) => m.name), ['tiny-chat:latest']);
  assert.ok(models[0].size > 0);
  assert.match(models[0].digest, /^[0-9a-f]{64}$/);
  const r = await ollama.chat({ model: 'tiny-chat', messages: [{ role: 'user', content: 'Hi' }], options: { num_predict: 4 } });
  assert.equal(r.done, true);
  assert.equal(r.eval_count, 4);
  // The stored SYSTEM message goes before the user's: the prompt is longer than the same chat on the bare file.
  const bare = await ollama.chat({ model, messages: [{ role: 'user', content: 'Hi' }], options: { num_predict: 4 } });
  assert.ok(r.prompt_eval_count > bare.prompt_eval_count);
  const ps = await ollama.ps();
  assert.ok(ps.models.some((m) => m.name === 'tiny-chat:latest' && m.digest === models[0].digest));
  const list = await openai.models.list();
  assert.deepEqual(list.data.map((m) => m.id), ['tiny-chat:latest']);
  await assert.rejects(ollama.chat({ model: 'tiny-missing', messages: [{ role: 'user', content: 'x' }] }), (e) => e.status_code === 404);
});

test('copy and delete through the ollama client', async () => {
  await ollama.copy({ source: 'tiny-chat', destination: 'me/tiny-copy:v2' });
  let names = (await ollama.list()).models.map((m) => m.name).sort();
  assert.deepEqual(names, ['me/tiny-copy:v2', 'tiny-chat:latest']);
  const r = await ollama.generate({ model: 'me/tiny-copy:v2', prompt: 'Hi', options: { num_predict: 2 } });
  assert.equal(r.eval_count, 2);
  await ollama.delete({ model: 'me/tiny-copy:v2' });
  names = (await ollama.list()).models.map((m) => m.name);
  assert.deepEqual(names, ['tiny-chat:latest']);
  await assert.rejects(ollama.delete({ model: 'me/tiny-copy:v2' }), (e) => e.status_code === 404);
  await assert.rejects(ollama.copy({ source: 'nope', destination: 'x' }), (e) => e.status_code === 404);
});

test('show through the ollama client', async () => {
  const s = await ollama.show({ model: 'tiny-chat' });
  assert.match(s.modelfile, /^SYSTEM You are terse\.$/m);
  assert.match(s.modelfile, /^FROM .*sha256-[0-9a-f]{64}$/m);
  assert.match(s.parameters, /^temperature\s+0$/m);
  assert.equal(s.system, 'You are terse.');
  assert.equal(s.details.format, 'gguf');
  assert.equal(s.details.quantization_level, 'Q8_0');
  assert.equal(s.model_info['general.architecture'], 'llama');
  assert.equal(s.model_info['llama.embedding_length'], 64);
  assert.deepEqual(s.model_info['tokenizer.ggml.tokens'], []);  // long arrays only with verbose
  assert.ok(s.capabilities.includes('completion'));
  const verbose = await ollama.show({ model: 'tiny-chat', verbose: true });
  assert.equal(verbose.model_info['tokenizer.ggml.tokens'].length, 128256);
  await assert.rejects(ollama.show({ model: 'nope' }), (e) => e.status_code === 404);
});

test('create through the ollama client, and the blob upload `ollama create` makes', async () => {
  // ollama-js sends the Modelfile's fields; progress streams as NDJSON.
  const statuses = [];
  for await (const p of await ollama.create({ model: 'tiny-derived', from: 'tiny-chat', system: 'You are verbose.',
                                              parameters: { top_k: 5, stop: ['###', '@@'] }, stream: true })) {
    statuses.push(p.status);
  }
  assert.equal(statuses.at(-1), 'success');
  const s = await ollama.show({ model: 'tiny-derived' });
  assert.equal(s.system, 'You are verbose.');
  assert.match(s.parameters, /^top_k\s+5$/m);
  assert.match(s.parameters, /^temperature\s+0$/m);  // from tiny-chat
  assert.match(s.parameters, /^stop\s+"###"$/m);

  // The ollama CLI's way: HEAD the blob, upload the file the server lacks, create from its digest.
  const other = join(dir, 'other.gguf');
  execFileSync(testmodel, ['--vocab', vocab, '--dim', '64', '--layers', '1', '--heads', '4', '--kv-heads', '2',
    '--ffn', '128', '--dtype', 'q8_0', '--seed', '10', '--out', other]);
  const bytes = readFileSync(other);
  const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  assert.equal((await fetch(`${host}/api/blobs/${digest}`, { method: 'HEAD' })).status, 404);
  assert.equal((await fetch(`${host}/api/blobs/${digest}`, { method: 'POST', body: bytes })).status, 201);
  assert.equal((await fetch(`${host}/api/blobs/${digest}`, { method: 'HEAD' })).status, 200);
  const bad = await fetch(`${host}/api/blobs/sha256:${'0'.repeat(64)}`, { method: 'POST', body: 'junk' });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /digest mismatch/);
  const done = await ollama.create({ model: 'tiny-uploaded', files: { 'other.gguf': digest }, stream: false });
  assert.equal(done.status, 'success');
  const r = await ollama.generate({ model: 'tiny-uploaded', prompt: 'Hi', options: { num_predict: 3 } });
  assert.equal(r.eval_count, 3);

  await assert.rejects(ollama.create({ model: 'x' }), (e) => e.status_code === 400 && /neither 'from' or 'files'/.test(e.error));
  await assert.rejects(ollama.create({ model: 'x', from: 'no-such-model' }), (e) => e.status_code === 404);
  for (const name of ['tiny-derived', 'tiny-uploaded']) await ollama.delete({ model: name });
  assert.deepEqual((await ollama.list()).models.map((m) => m.name), ['tiny-chat:latest']);
});

test('tool calls through both clients', async () => {
  // A Llama 3.2 chat template, whose models call tools with a bare JSON object; the format schema makes this
  // random-weight model write exactly such a call, so the whole path (tools rendered into the prompt, the
  // output parsed back into tool_calls, both APIs' shapes, streamed and whole) runs for real.
  const withTools = join(dir, 'tools.gguf');
  execFileSync(testmodel, ['--vocab', vocab, '--dim', '64', '--layers', '2', '--heads', '4', '--kv-heads', '2',
    '--ffn', '128', '--ctx', '2048', '--dtype', 'q8_0', '--seed', '9', '--logit-std', '64',
    '--chat-template', join(vocab, '../../templates/meta-llama-Llama-3.2-3B-Instruct.jinja'), '--out', withTools]);
  writeFileSync(join(dir, 'Toolfile'), `FROM ${withTools}\nPARAMETER temperature 0\n`);
  execFileSync(exe, ['create', 'tiny-tools', '-f', join(dir, 'Toolfile')], { env: { ...process.env, CORRAL_MODELS: store },
                                                                             stdio: 'ignore' });
  const tools = [{ type: 'function', function: { name: 'get_weather', description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
  const call = { type: 'object', required: ['name', 'parameters'], properties: {
    name: { type: 'string', enum: ['get_weather'] },
    parameters: { type: 'object', properties: { city: { type: 'string', enum: ['Paris'] } }, required: ['city'] } } };
  const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];

  const r = await ollama.chat({ model: 'tiny-tools', messages, tools, format: call, options: { num_predict: 64 } });
  assert.equal(r.message.content, '');
  assert.deepEqual(r.message.tool_calls.map((c) => [c.function.name, c.function.arguments]), [['get_weather', { city: 'Paris' }]]);
  const streamed = [];
  for await (const part of await ollama.chat({ model: 'tiny-tools', messages, tools, format: call, stream: true,
                                               options: { num_predict: 64 } })) {
    streamed.push(...(part.message.tool_calls ?? []));
  }
  assert.deepEqual(streamed.map((c) => c.function), r.message.tool_calls.map((c) => c.function));

  // The tool's answer goes back in a `tool` message; the template renders it and the model answers.
  const followUp = await ollama.chat({ model: 'tiny-tools', tools, options: { num_predict: 4 }, messages: [
    ...messages, r.message, { role: 'tool', content: '{"temperature": 18}', tool_name: 'get_weather' }] });
  assert.equal(followUp.done, true);
  assert.ok(followUp.prompt_eval_count > r.prompt_eval_count);

  const request = { model: 'tiny-tools', messages, tools, max_tokens: 64,
                    response_format: { type: 'json_schema', json_schema: { name: 'call', schema: call } } };
  const o = await openai.chat.completions.create(request);
  assert.equal(o.choices[0].finish_reason, 'tool_calls');
  const [oc] = o.choices[0].message.tool_calls;
  assert.equal(oc.type, 'function');
  assert.equal(oc.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(oc.function.arguments), { city: 'Paris' });
  let name = '', args = '', finish;
  for await (const chunk of await openai.chat.completions.create({ ...request, stream: true })) {
    for (const choice of chunk.choices) {
      for (const t of choice.delta.tool_calls ?? []) {
        name += t.function?.name ?? '';
        args += t.function?.arguments ?? '';
      }
      finish = choice.finish_reason ?? finish;
    }
  }
  assert.equal(name, 'get_weather');
  assert.deepEqual(JSON.parse(args), { city: 'Paris' });
  assert.equal(finish, 'tool_calls');
  await ollama.delete({ model: 'tiny-tools' });
});
