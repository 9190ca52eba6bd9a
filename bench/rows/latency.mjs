// Row 2: per-tool latency, ruv-swarm over stdio vs ours over stdio and over HTTP, one client library,
// interleaved op by op with the order rotated each round. Ours over stdio twice: `--stdio` as claude-register
// installs it (a new bridge process per session, handed to the data directory's running gateway, the one HTTP is
// measured on) and `--stdio --private` (a new process per session with its own silo).
import { cpuMsOfAll, rotate, summarize } from '../lib/common.mjs';
import { connectOursHttp, doOp, prepareSession, startOursBridge, startOursStdio, startPeer } from '../lib/ops.mjs';

export const LATENCY_OPS = ['swarm_init', 'agent_spawn', 'task_orchestrate', 'swarm_status', 'agent_list', 'task_status', 'memory_store', 'memory_retrieve', 'neural_process', 'tools_list', 'ping'];

export async function runLatency(ctx) {
  // 35 warm-up rounds: .NET promotes a method to optimised code after ~30 calls, but only once 100 ms pass without
  // new methods, so a fresh process is still recompiling here (gap-analysis.md, W); ruv-swarm's first swarm takes 100
  // agents, so warm-up + rounds + 2 stays under that.
  const { sessions, rounds, warmup } = ctx.smoke ? { sessions: 1, rounds: 4, warmup: 1 } : { sessions: 5, rounds: 60, warmup: 35 };
  const servers = ['peer', 'ours-bridge', 'ours-stdio', 'ours-http'];
  const samples = Object.fromEntries(servers.map(s => [s, Object.fromEntries(LATENCY_OPS.map(o => [o, []]))]));
  const errors = Object.fromEntries(servers.map(s => [s, Object.fromEntries(LATENCY_OPS.map(o => [o, { count: 0, last: null }]))]));
  // Server CPU charged to each call (read outside the timed window; 10 ms ticks, so only sums over many calls mean much).
  const cpu = Object.fromEntries(servers.map(s => [s, Object.fromEntries(LATENCY_OPS.map(o => [o, { ms: 0, n: 0 }]))]));
  const notes = [];
  let peerNonJsonLines = 0;

  for (let s = 0; s < sessions; s++) {
    ctx.log(`latency: session ${s + 1}/${sessions}`);
    const conns = {
      'ours-bridge': await startOursBridge(ctx, ctx.gatewayDataDir, {}),
      'ours-stdio': await startOursStdio(ctx),
      'ours-http': await connectOursHttp(ctx),
    };
    const state = {};
    for (const k of ['ours-bridge', 'ours-stdio', 'ours-http']) state[k] = await prepareSession(conns[k], `lat${s}-${k}`);
    try { // a peer that fails to start is reported, not fatal
      conns.peer = await startPeer(ctx);
      state.peer = await prepareSession(conns.peer, `lat${s}-peer`);
    } catch (e) {
      notes.push(`session ${s + 1}: ruv-swarm failed to start: ${String(e?.message ?? e).slice(0, 160)}`);
      conns.peer ??= { closed: true, protocolErrors: 0, close: async () => {}, proc: {} };
      conns.peer.closed = true;
    }
    // The processes serving each: a bridge's own process counts too (after the handoff it only waits).
    const pids = { peer: [conns.peer.proc?.pid], 'ours-bridge': [ctx.gatewayPid, conns['ours-bridge'].proc.pid], 'ours-stdio': [conns['ours-stdio'].proc.pid], 'ours-http': [ctx.gatewayPid] };
    const cpuOf = k => cpuMsOfAll(pids[k]);
    for (let r = 0; r < warmup + rounds; r++) {
      for (const op of LATENCY_OPS) {
        for (const k of rotate(servers, r % servers.length)) {
          const conn = conns[k];
          if (conn.closed) continue;
          const c0 = cpuOf(k);
          const res = await doOp(conn, op, state[k]);
          const c1 = cpuOf(k);
          if (!res || r < warmup) continue;
          if (Number.isFinite(c0) && Number.isFinite(c1)) { cpu[k][op].ms += c1 - c0; cpu[k][op].n++; }
          if (res.ok) samples[k][op].push(res.ms);
          else { errors[k][op].count++; errors[k][op].last = res.error; }
        }
      }
    }
    peerNonJsonLines += conns.peer.protocolErrors;
    if (conns.peer.closed) notes.push(`session ${s + 1}: ruv-swarm's connection closed before the end`);
    for (const c of Object.values(conns)) await c.close();
  }

  const table = {};
  for (const op of LATENCY_OPS) {
    table[op] = {};
    for (const k of servers) {
      table[op][k] = { ...summarize(samples[k][op]), errors: errors[k][op].count, lastError: errors[k][op].last,
        serverCpuMsPerCall: cpu[k][op].n ? cpu[k][op].ms / cpu[k][op].n : null };
    }
  }
  return { sessions, rounds, warmup, table, peerNonJsonLines, notes };
}
