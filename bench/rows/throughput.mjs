// Row 3: throughput of a mixed workload with 1, 8 and 64 concurrent clients, bounded in count and time.
// ruv-swarm speaks stdio only, so its "clients" are concurrent requests on its one connection; ours over HTTP
// gets one MCP client per concurrent client, ours over stdio (`--stdio` as registered: a bridge to the running gateway;
// and `--stdio --private`) gets the same single-connection treatment.
// Each burst starts from a fresh ruv-swarm (empty DB) and a fresh swarm on our side; rounds alternate order.
import { cpuMsOfAll, now, sleep } from '../lib/common.mjs';
import { connectOursHttp, doOp, prepareSession, startOursBridge, startOursStdio, startPeer } from '../lib/ops.mjs';

export const MIX = ['swarm_status', 'agent_spawn', 'task_orchestrate', 'memory_store', 'memory_retrieve'];
const WARM = ['swarm_status', 'task_orchestrate', 'memory_store', 'memory_retrieve']; // no spawns: keep the agent budget

/** Sequential untimed calls so every server runs optimised code when the burst starts. */
async function warmUp(conn, st, n) {
  for (let i = 0; i < n && !conn.closed; i++) await doOp(conn, WARM[i % WARM.length], st);
}

// serverPids: whose CPU time to charge to the burst; the client's own CPU is charged too (same machine).
async function burst(conns, st, totalOps, deadlineMs, serverPids) {
  const cpuMs = () => cpuMsOfAll(serverPids);
  let next = 0, ok = 0, failed = 0, crashedAt = null;
  const errors = new Map();
  const cpu0 = cpuMs(), client0 = process.cpuUsage();
  const t0 = now();
  const loop = async conn => {
    while (next < totalOps && now() - t0 < deadlineMs) {
      if (conn.closed) { crashedAt ??= now() - t0; return; }
      const i = next++;
      const res = await doOp(conn, MIX[i % MIX.length], st);
      if (res?.ok) ok++;
      else { failed++; const key = `${MIX[i % MIX.length]}: ${res?.error ?? 'n/a'}`.slice(0, 140); errors.set(key, (errors.get(key) ?? 0) + 1); }
      if (conn.closed) { crashedAt ??= now() - t0; return; }
    }
  };
  await Promise.all(conns.map(loop));
  const elapsedMs = now() - t0;
  const cpu1 = cpuMs(), client = process.cpuUsage(client0);
  const done = ok + failed;
  return {
    ok, failed, elapsedMs, opsPerSec: ok / (elapsedMs / 1000), crashedAtMs: crashedAt, errors: [...errors].slice(0, 5).map(([e, n]) => `${n}× ${e}`),
    serverCpuMsPerOp: Number.isFinite(cpu0) && Number.isFinite(cpu1) && done ? (cpu1 - cpu0) / done : null,
    clientCpuMsPerOp: done ? (client.user + client.system) / 1000 / done : null,
  };
}

// ruv-swarm gets a fresh process per burst (its first swarm fills up; it may die); ours over stdio keeps one
// process per mode for the row (a fresh swarm per burst), restarted only if it died.
const oursStdio = {};
const startStdio = { 'ours-stdio': ctx => startOursStdio(ctx), 'ours-bridge': ctx => startOursBridge(ctx, ctx.gatewayDataDir, {}) };

async function oneBurst(ctx, kind, clients, totalOps, deadlineMs, tag) {
  if (kind === 'peer' || startStdio[kind]) {
    if (kind !== 'peer' && (!oursStdio[kind] || oursStdio[kind].closed)) oursStdio[kind] = await startStdio[kind](ctx);
    const conn = kind === 'peer' ? await startPeer(ctx) : oursStdio[kind];
    // A bridge's calls are served by the gateway it handed the client to; its own process counts too.
    const pids = kind === 'ours-bridge' ? [ctx.gatewayPid, conn.proc.pid] : [conn.proc.pid];
    try {
      const st = await prepareSession(conn, tag);
      await warmUp(conn, st, ctx.smoke ? 4 : 120);
      const errorsBefore = conn.protocolErrors;
      const r = await burst(Array(clients).fill(conn), st, totalOps, deadlineMs, pids);
      await sleep(300); // let a dying process finish dying before we judge it
      r.processDied = conn.closed;
      r.nonJsonStdoutLines = conn.protocolErrors - errorsBefore;
      return r;
    } finally { if (kind === 'peer') await conn.close(); }
  }
  const conns = [];
  try {
    for (let i = 0; i < clients; i++) conns.push(await connectOursHttp(ctx, `tp-${i}`));
    const st = await prepareSession(conns[0], tag);
    await warmUp(conns[0], st, ctx.smoke ? 4 : 120);
    return await burst(conns, st, totalOps, deadlineMs, [ctx.gatewayPid]);
  } finally { for (const c of conns) await c.close(); }
}

export async function runThroughput(ctx) {
  const { rounds, totalOps, deadlineMs } = ctx.smoke ? { rounds: 1, totalOps: 30, deadlineMs: 5000 } : { rounds: 3, totalOps: 480, deadlineMs: 20000 };
  const levels = [1, 8, 64];
  const kinds = ['peer', 'ours-http', 'ours-bridge', 'ours-stdio'];
  const out = {};
  for (const clients of levels) {
    out[clients] = Object.fromEntries(kinds.map(k => [k, []]));
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? kinds : [...kinds].reverse();
      for (const k of order) {
        ctx.log(`throughput: ${clients} clients, round ${r + 1}/${rounds}, ${k}`);
        try {
          out[clients][k].push(await oneBurst(ctx, k, clients, totalOps, deadlineMs, `tp${clients}-${r}-${k}`));
        } catch (e) {
          out[clients][k].push({ ok: 0, failed: 0, opsPerSec: 0, setupError: String(e?.message ?? e).slice(0, 200) });
        }
      }
    }
  }
  for (const [kind, conn] of Object.entries(oursStdio)) {
    await conn.close();
    delete oursStdio[kind];
  }
  return { rounds, totalOps, deadlineMs, mix: MIX, levels, results: out };
}
