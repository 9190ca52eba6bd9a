// The servers under test and the operations both are asked to do, with the arguments each one accepts.
import fs from 'node:fs';
import path from 'node:path';
import { connectHttp, connectStdio, findString, now, payloadOf, siloEnv, sleep } from './common.mjs';

export const NEURAL_INPUT = Array.from({ length: 128 }, (_, j) => ((j * 104729) % 1000) / 1000);

/** ruv-swarm keeps its SQLite DB inside its package: every peer session starts from an empty one. */
export function resetPeerDb(ctx) {
  const dir = path.join(path.dirname(path.dirname(ctx.ruvBin)), 'data');
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (f.startsWith('ruv-swarm.db')) fs.rmSync(path.join(dir, f), { force: true });
  }
}

let seq = 0;
export const freshDir = (ctx, tag) => {
  const d = path.join(ctx.tmp, `${tag}-${process.pid}-${++seq}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

export async function startPeer(ctx, label = 'ruv-swarm') {
  resetPeerDb(ctx);
  const conn = await connectStdio(label, 'node', [ctx.ruvBin, 'mcp', 'start'],
    { cwd: ctx.peerCwd, stderrFile: path.join(ctx.logs, 'ruv-swarm.stderr.log') });
  conn.kind = 'peer';
  await conn.listTools();
  return conn;
}

/** Our stdio server with its own in-process silo (`--stdio --private`); plain `--stdio` is a bridge (row 8). */
export async function startOursStdio(ctx, label = 'ours-stdio') {
  const conn = await connectStdio(label, 'dotnet', [ctx.gatewayDll, '--stdio', '--private', '--data-dir', freshDir(ctx, 'stdio-data')],
    { cwd: path.dirname(ctx.gatewayDll), env: siloEnv(await ctx.freePort()), stderrFile: path.join(ctx.logs, 'ours-stdio.stderr.log') });
  conn.kind = 'ours';
  await conn.listTools();
  return conn;
}

/**
 * Our `--stdio` as claude-register installs it: a bridge to the data directory's one gateway (started in the
 * background when none runs; on Linux the client's stdin and stdout are handed to it).
 */
export async function startOursBridge(ctx, dir, env, label = 'ours-bridge') {
  const conn = await connectStdio(label, 'dotnet', [ctx.gatewayDll, '--stdio', '--data-dir', dir, '--urls', 'http://127.0.0.1:0'],
    { cwd: path.dirname(ctx.gatewayDll), env, stderrFile: path.join(ctx.logs, 'bridge.stderr.log') });
  conn.kind = 'ours';
  await conn.listTools();
  return conn;
}

export async function connectOursHttp(ctx, label = 'ours-http', url = ctx.httpUrl) {
  const conn = await connectHttp(label, url);
  conn.kind = 'ours';
  await conn.listTools();
  return conn;
}

/** Adds swarmId when the server's schema takes it (ours does; ruv-swarm's pattern rejects its own ids). */
function withSwarm(conn, tool, args, swarmId) {
  return conn.kind === 'ours' && swarmId && conn.hasArg(tool, 'swarmId') ? { ...args, swarmId } : args;
}

/**
 * Operation name → [tool, args] for a connection, or null when the server has no such operation.
 * st: per-connection state (main swarm, neural swarm, counters).
 */
export function opCall(conn, op, st) {
  const n = ++st.n;
  switch (op) {
    case 'swarm_init':
      return ['swarm_init', { topology: 'mesh', maxAgents: 8, strategy: 'balanced' }];
    case 'agent_spawn':
      return ['agent_spawn', withSwarm(conn, 'agent_spawn', { type: ['researcher', 'coder', 'analyst'][n % 3], capabilities: ['code', 'research'] }, st.mainSwarm)];
    case 'task_orchestrate':
      return ['task_orchestrate', withSwarm(conn, 'task_orchestrate', { task: `bench task ${n}: write and test a parser`, priority: 'medium', strategy: 'adaptive' }, st.mainSwarm)];
    case 'agent_list':
      return ['agent_list', withSwarm(conn, 'agent_list', { filter: 'all' }, st.mainSwarm)];
    case 'task_status':
      if (!st.taskId) return null;
      return ['task_status', { taskId: st.taskId }];
    case 'swarm_status':
      return ['swarm_status', withSwarm(conn, 'swarm_status', {}, st.statusSwarm)];
    case 'memory_store':
      if (conn.kind === 'peer') return ['memory_usage', { detail: 'summary' }];
      // persist: acknowledged only once the database has it (the durable write the goals name).
      return ['memory_usage', { action: 'store', namespace: 'bench', key: `k-${st.tag}-${n}`, value: { n, note: 'bench value', tags: ['a', 'b'] }, persist: true }];
    case 'memory_retrieve':
      if (conn.kind === 'peer') return ['memory_usage', { detail: 'summary' }];
      return ['memory_usage', { action: 'retrieve', namespace: 'bench', key: st.storedKey }];
    case 'neural_process':
      if (!conn.hasTool('neural_process')) return null;
      return ['neural_process', withSwarm(conn, 'neural_process', { input: NEURAL_INPUT }, st.neuralSwarm)];
    default:
      throw new Error(`unknown op ${op}`);
  }
}

export async function doOp(conn, op, st) {
  if (op === 'ping') { // the floor: one JSON-RPC round trip, no tool work; an error answer (ruv-swarm has no ping) is still one
    const t0 = now();
    try { await conn.client.ping(); return { ok: true, ms: now() - t0 }; } catch (e) { return { ok: true, ms: now() - t0, note: String(e?.message ?? e).slice(0, 120) }; }
  }
  if (op === 'tools_list') {
    const t0 = now();
    try { await conn.client.listTools(); return { ok: true, ms: now() - t0 }; } catch (e) { return { ok: false, ms: now() - t0, error: String(e?.message ?? e) }; }
  }
  const c = opCall(conn, op, st);
  if (!c) return null;
  const res = await conn.call(c[0], c[1]);
  if (op === 'memory_store' && res.ok && c[1].key) st.storedKey = c[1].key; // retrieve what is surely there
  if (op === 'task_orchestrate' && res.ok) st.taskId = findString(payloadOf(res.result), TASK_ID) ?? st.taskId;
  return res;
}

const TASK_ID = /^task-[A-Za-z0-9_-]+$/;

/** Creates a swarm and returns its id (found in either server's answer). */
export async function initSwarm(conn, maxAgents) {
  const r = await conn.call('swarm_init', { topology: 'mesh', maxAgents, strategy: 'balanced' });
  if (!r.ok) throw new Error(`${conn.label}: swarm_init failed: ${r.error}`);
  const id = findString(payloadOf(r.result), /^swarm-[A-Za-z0-9_-]+$/);
  if (!id) throw new Error(`${conn.label}: no swarm id in swarm_init answer`);
  return id;
}

/** Session state: one swarm (2 agents to start) for agents/tasks, like ruv-swarm's "first swarm"; ours also a [128,64,32,8] for neural. */
export async function prepareSession(conn, tag, { mainMax = 100 } = {}) {
  const st = { n: 0, tag };
  st.mainSwarm = await initSwarm(conn, mainMax);
  for (const type of ['coder', 'researcher']) { // so task_orchestrate has agents from the first call
    const r = await conn.call('agent_spawn', withSwarm(conn, 'agent_spawn', { type, capabilities: ['code', 'research'] }, st.mainSwarm));
    if (!r.ok) throw new Error(`${conn.label}: agent_spawn failed: ${r.error}`);
    await sleep(3); // ruv-swarm dies when two spawns share a millisecond (Date.now() ids)
  }
  // A task from the start, so task_status has one to read on both servers.
  const t = await conn.call('task_orchestrate', withSwarm(conn, 'task_orchestrate', { task: `bench task for status: ${tag}`, priority: 'medium', strategy: 'adaptive' }, st.mainSwarm));
  if (!t.ok) throw new Error(`${conn.label}: task_orchestrate failed: ${t.error}`);
  st.taskId = findString(payloadOf(t.result), TASK_ID);
  if (conn.kind === 'ours') {
    st.neuralSwarm = await initSwarm(conn, 8);
    st.storedKey = `k-${tag}-seed`;
    const r = await conn.call('memory_usage', { action: 'store', namespace: 'bench', key: st.storedKey, value: { seed: true } });
    if (!r.ok) throw new Error(`${conn.label}: memory store failed: ${r.error}`);
    st.statusSwarm = st.mainSwarm; // ours reports one swarm (default: the newest); ruv-swarm reports all
  }
  return st;
}
