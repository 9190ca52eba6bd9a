// Shared helpers: the MCP client (loaded from the bench's own npm directory), servers, timing, stats.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const now = () => performance.now();
export const sleep = ms => new Promise(r => setTimeout(r, ms));

/**
 * Waits (at most maxMs) until the machine's CPUs are mostly idle over half a second, so a row does not start in the
 * wake of the one before (processes exiting, a gateway deactivating grains after a burst). Returns the busy share
 * it saw last, and whether it settled.
 */
export async function settle(maxMs = 15000, busyBelow = 0.15) {
  const read = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
  };
  let busy = null;
  for (const t0 = Date.now(); Date.now() - t0 < maxMs;) {
    const a = read();
    await sleep(500);
    const b = read();
    busy = 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
    if (busy < busyBelow) return { busy, settled: true };
  }
  return { busy, settled: false };
}

let sdk;
// The SDK lives in the temporary npm directory, not in the repo: import it by path.
export async function loadSdk(nodeModules) {
  if (sdk) return sdk;
  const base = path.join(nodeModules, '@modelcontextprotocol/sdk/dist/esm/client');
  const imp = f => import(pathToFileURL(path.join(base, f)).href);
  const [{ Client }, { StdioClientTransport }, { StreamableHTTPClientTransport }] =
    await Promise.all([imp('index.js'), imp('stdio.js'), imp('streamableHttp.js')]);
  const version = JSON.parse(fs.readFileSync(path.join(nodeModules, '@modelcontextprotocol/sdk/package.json'))).version;
  sdk = { Client, StdioClientTransport, StreamableHTTPClientTransport, version };
  return sdk;
}

// ---- statistics -------------------------------------------------------------------------------------------

export function quantile(sorted, q) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : null;
  return { n: s.length, median: quantile(s, 0.5), p90: quantile(s, 0.9), p99: quantile(s, 0.99), min: s[0] ?? null, max: s.at(-1) ?? null, mean };
}

export const round = (x, d = 3) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);

// ---- MCP clients -----------------------------------------------------------------------------------------

/** A connected MCP client plus bookkeeping: non-JSON stdout lines, the process, and a tool-schema lookup. */
export class McpConn {
  constructor(label, client, transport, proc) {
    this.label = label; this.client = client; this.transport = transport; this.proc = proc;
    this.protocolErrors = 0; this.lastProtocolError = null; this.closed = false; this.tools = null;
  }

  async listTools() {
    const r = await this.client.listTools();
    this.tools = new Map(r.tools.map(t => [t.name, t]));
    return r;
  }

  hasTool(name) { return this.tools?.has(name) ?? false; }
  hasArg(tool, arg) { return !!this.tools?.get(tool)?.inputSchema?.properties?.[arg]; }

  /** Calls a tool; returns { ok, ms, result | error }. isError results and JSON-RPC errors are both failures. */
  async call(name, args, timeout = 30000) {
    const t0 = now();
    try {
      const result = await this.client.callTool({ name, arguments: args }, undefined, { timeout });
      const ms = now() - t0;
      return result.isError ? { ok: false, ms, error: textOf(result).slice(0, 300), result } : { ok: true, ms, result };
    } catch (e) {
      return { ok: false, ms: now() - t0, error: String(e?.message ?? e).slice(0, 300), rpc: true };
    }
  }

  async close() {
    this.closed = true;
    try { await this.client.close(); } catch { /* already gone */ }
    if (this.proc?.pid) killTree(this.proc.pid);
  }
}

export function textOf(result) {
  return (result?.content ?? []).filter(c => c.type === 'text').map(c => c.text).join('\n');
}

/** Parses a tool result's payload (structuredContent or the JSON text). */
export function payloadOf(result) {
  if (result?.structuredContent) return result.structuredContent;
  const t = textOf(result);
  try { return JSON.parse(t); } catch { return t; }
}

/** First string anywhere in v that matches re (ids are found this way in both servers' answers). */
export function findString(v, re) {
  if (typeof v === 'string') return re.test(v) ? v : null;
  if (Array.isArray(v)) { for (const x of v) { const f = findString(x, re); if (f) return f; } return null; }
  if (v && typeof v === 'object') { for (const x of Object.values(v)) { const f = findString(x, re); if (f) return f; } }
  return null;
}

/** Starts a stdio server and connects; non-JSON stdout lines are counted, not fatal (ruv-swarm prints them). */
export async function connectStdio(label, command, args, { cwd, env, stderrFile } = {}) {
  const { Client, StdioClientTransport } = sdk;
  const stderr = stderrFile ? fs.openSync(stderrFile, 'a') : 'ignore';
  const transport = new StdioClientTransport({ command, args, cwd, env: { ...process.env, ...env }, stderr });
  const client = new Client({ name: 'swarmcluster-bench', version: '1.0.0' });
  const conn = new McpConn(label, client, transport, null);
  client.onerror = e => { conn.protocolErrors++; conn.lastProtocolError = String(e?.message ?? e).slice(0, 200); };
  client.onclose = () => { conn.closed = true; };
  try {
    await client.connect(transport);
  } finally {
    if (typeof stderr === 'number') fs.closeSync(stderr);
  }
  conn.proc = { pid: track(transport.pid) };
  return conn;
}

export async function connectHttp(label, url) {
  const { Client, StreamableHTTPClientTransport } = sdk;
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: 'swarmcluster-bench', version: '1.0.0' });
  const conn = new McpConn(label, client, transport, null);
  client.onerror = e => { conn.protocolErrors++; conn.lastProtocolError = String(e?.message ?? e).slice(0, 200); };
  await client.connect(transport);
  return conn;
}

// ---- processes -------------------------------------------------------------------------------------------

// Every process the bench starts, so none outlives it (exit, Ctrl-C, SIGTERM from run.sh).
const children = new Set();
export const track = pid => { if (pid) children.add(pid); return pid; };
const killAll = () => { for (const pid of children) killTree(pid); children.clear(); };
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killAll(); process.exit(130); });

/** Signals a child of this process (and its process group when it leads one); anything else is left alone. */
export function killTree(pid, signal = 'SIGKILL') {
  if (!isOurChild(pid)) return;
  try { process.kill(-pid, signal); } catch { /* not a group leader */ }
  try { process.kill(pid, signal); } catch { /* gone */ }
}

function isOurChild(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid;
  } catch { return false; }
}

/** Resident set size of a process in bytes (VmRSS), or null. */
export function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch { return null; }
}

/** CPU time (user + system, all threads) a process has used, in ms (/proc, 100 ticks per second), or null. */
export function cpuMsOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch { return null; }
}

/** CPU ms of several processes together (a bridge and its gateway); NaN when any of them is gone. */
export const cpuMsOfAll = pids => pids.reduce((sum, pid) => sum + (cpuMsOf(pid) ?? NaN), 0);

/** The real server process under a launcher (npx/sh → node): the deepest descendant, else pid itself. */
export function leafPid(pid) {
  for (let i = 0; i < 5; i++) {
    let kids = [];
    try { kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean); } catch { break; }
    if (!kids.length) break;
    pid = Number(kids[0]);
  }
  return pid;
}

/** Each of our processes hosts a silo: give it its own silo port and no Orleans client gateway port. */
export const siloEnv = siloPort => ({ SwarmCluster__SiloPort: String(siloPort), SwarmCluster__GatewayPort: '0' });

/** Starts our gateway in HTTP mode on a free loopback port and waits until it answers tools/list. */
export async function startGateway({ dll, dataDir, port, siloPort, logFile, env = {}, timeoutMs = 120000, pollMs = 100 }) {
  fs.mkdirSync(dataDir, { recursive: true });
  const url = `http://127.0.0.1:${port}/mcp`;
  const log = fs.openSync(logFile, 'a');
  const t0 = now();
  // cwd = the build output, so the gateway's own appsettings.json applies as in a deployment.
  const proc = spawn('dotnet', [dll, '--data-dir', dataDir, '--urls', `http://127.0.0.1:${port}`], {
    stdio: ['ignore', log, log], detached: true, cwd: path.dirname(dll),
    env: { ...process.env, ...siloEnv(siloPort), ...env },
  });
  fs.closeSync(log);
  track(proc.pid);
  let exited = null;
  proc.on('exit', (code, sig) => { exited = { code, sig }; });
  let lastErr;
  while (now() - t0 < timeoutMs) {
    if (exited) throw new Error(`gateway exited during start (${JSON.stringify(exited)}); see ${logFile}`);
    try {
      const c = await connectHttp('probe', url);
      await c.listTools();
      await c.close();
      const startMs = now() - t0;
      const stop = async () => {
        if (exited) return;
        const gone = new Promise(r => proc.once('exit', r));
        killTree(proc.pid, 'SIGTERM');
        const t = setTimeout(() => killTree(proc.pid), 10000);
        await gone; clearTimeout(t);
      };
      return { proc, url, pid: proc.pid, startMs, stop };
    } catch (e) { lastErr = e; await sleep(pollMs); }
  }
  killTree(proc.pid);
  throw new Error(`gateway did not answer within ${timeoutMs} ms: ${lastErr}; see ${logFile}`);
}

/** Line-oriented child process (the C loop, the .NET console): send a command, await one JSON line. */
export class LineProc {
  constructor(command, args, opts = {}) {
    this.proc = spawn(command, args, { stdio: ['pipe', 'pipe', opts.stderrFile ? fs.openSync(opts.stderrFile, 'a') : 'ignore'], env: { ...process.env, ...opts.env } });
    track(this.proc.pid);
    this.buf = ''; this.waiters = [];
    this.proc.stdout.on('data', d => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i).trim(); this.buf = this.buf.slice(i + 1);
        if (!line.startsWith('{')) continue;
        const w = this.waiters.shift();
        if (w) w.resolve(JSON.parse(line));
      }
    });
    this.proc.on('exit', code => { for (const w of this.waiters.splice(0)) w.reject(new Error(`${command} exited (${code})`)); });
  }
  ask(line, timeoutMs = 600000) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout: ${line}`)), timeoutMs);
      this.waiters.push({ resolve: v => { clearTimeout(t); resolve(v); }, reject: e => { clearTimeout(t); reject(e); } });
      this.proc.stdin.write(line + '\n');
    });
  }
  close() { try { this.proc.stdin.end('quit\n'); } catch { /* gone */ } setTimeout(() => killTree(this.proc.pid), 2000).unref(); }
}

/** Rotates an array by k: used to alternate who goes first in each interleaved round. */
export const rotate = (arr, k) => arr.map((_, i) => arr[(i + k) % arr.length]);
