// Drives the gateway with the official MCP TypeScript SDK (a third-party client for our C# server).
// Usage: node client.mjs <calls.json | -> ; the file (or stdin) holds
//   { "url": "http://127.0.0.1:PORT/mcp" | "stdio": { "command": "dotnet", "args": [...], "env": {...}, "cwd": "..." },
//     "concurrent": false, "headers": { "Authorization": "Bearer …" }, "reportConnectError": false,
//     "calls": [ { "id": "a", "method": "tools/list" | "tools/call" | "ping", "name": "...", "arguments": {...} } ] }
// Prints one JSON line per call: { id, ok, ms, result } or { id, ok: false, ms, error: { code, message } },
// then { "done": true, "serverInfo": {...} }. "concurrent": true sends every call at once; "concurrency": N
// keeps N calls in flight, in order, and a call with "barrier": true waits until every earlier call is done.
// Sequential calls may use earlier results: a string "${id.path.to.value}" is replaced by that value
// (e.g. "${init.result.structuredContent.id}"), and "${...}" inside a longer string is interpolated.
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const source = process.argv[2] && process.argv[2] !== '-' ? process.argv[2] : 0;
const spec = JSON.parse(readFileSync(source, 'utf8'));

const client = new Client({ name: 'swarmcluster-gateway-tests', version: '1.0.0' });
// stdio: the SDK starts the server process itself, as Claude does; its stderr goes to ours. "headers" go on every
// HTTP request (Authorization: Bearer …); with "reportConnectError" a refused connection is reported as the result
// of a call with id "connect" instead of failing the run.
const transport = spec.stdio
  ? new StdioClientTransport({ command: spec.stdio.command, args: spec.stdio.args, env: { ...process.env, ...spec.stdio.env }, cwd: spec.stdio.cwd, stderr: 'inherit' })
  : new StreamableHTTPClientTransport(new URL(spec.url), spec.headers ? { requestInit: { headers: spec.headers } } : undefined);
const print = (line) => process.stdout.write(JSON.stringify(line) + '\n');
try {
  await client.connect(transport);
} catch (e) {
  if (!spec.reportConnectError) throw e;
  print({ id: 'connect', ok: false, ms: 0, error: { code: e.code ?? null, message: String(e.message ?? e) } });
  print({ done: true, serverInfo: null, instructions: null });
  process.exit(0);
}

const timeout = spec.timeoutMs ?? 120_000;
const done = {};
const lookup = (path) => path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), done);
function resolve(value) {
  if (typeof value === 'string') {
    const whole = /^\$\{([^}]+)\}$/.exec(value);
    if (whole) return lookup(whole[1]);
    return value.replace(/\$\{([^}]+)\}/g, (_, path) => String(lookup(path)));
  }
  if (Array.isArray(value)) return value.map(resolve);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  return value;
}

async function run(call) {
  const started = performance.now();
  try {
    let result;
    switch (call.method) {
      case 'tools/list': result = await client.listTools(undefined, { timeout }); break;
      case 'ping': result = await client.ping({ timeout }); break;
      case 'tools/call':
        result = await client.callTool({ name: call.name, arguments: resolve(call.arguments ?? {}) }, undefined, { timeout });
        break;
      default: throw new Error(`unknown method ${call.method}`);
    }
    return { id: call.id, ok: true, ms: performance.now() - started, result };
  } catch (e) {
    return { id: call.id, ok: false, ms: performance.now() - started, error: { code: e.code ?? null, message: String(e.message ?? e) } };
  }
}

if (spec.concurrent) {
  for (const line of await Promise.all(spec.calls.map(run))) print(line);
} else if (spec.concurrency > 1) {
  const inFlight = new Set();
  for (const call of spec.calls) {
    if (call.barrier) await Promise.all(inFlight);
    while (inFlight.size >= spec.concurrency) await Promise.race(inFlight);
    const task = run(call).then((line) => { print(line); inFlight.delete(task); });
    inFlight.add(task);
    if (call.barrier) await task;
  }
  await Promise.all(inFlight);
} else {
  for (const call of spec.calls) {
    const line = await run(call);
    done[call.id] = line;
    print(line);
  }
}
print({ done: true, serverInfo: client.getServerVersion() ?? null, instructions: client.getInstructions() ?? null });
await client.close();
