// Row 5: how many swarms (their FANN networks are built only when first used) and agents one process activates, in what time and
// resident memory; the per-activation cost is measured on a few hundred/thousand and extrapolated to the goal.
// Ours: a fresh gateway, 8 concurrent HTTP clients. ruv-swarm: a fresh process, sequential calls (concurrent
// spawns kill it) and at most 100 agents (agent_spawn only reaches its first swarm, capped at 100).
// Memory per activation = slope of a least-squares fit of RSS against activations, RSS read after each tenth.
import fs from 'node:fs';
import path from 'node:path';
import { findString, now, payloadOf, rssOf, sleep, startGateway } from '../lib/common.mjs';
import { connectOursHttp, freshDir, startPeer } from '../lib/ops.mjs';

const GOAL = { agents: 100_000, swarms: 10_000, bytes: 24 * 2 ** 30 };
const PEER_PACE_MS = 3;

function dirBytes(d) {
  let n = 0;
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return n;
}

function slope(points) {
  if (points.length < 2) return null;
  const n = points.length, mx = points.reduce((a, p) => a + p[0], 0) / n, my = points.reduce((a, p) => a + p[1], 0) / n;
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return sxx ? points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / sxx : null;
}

/** Runs count calls over conns, in tenths; RSS of pid after each tenth. Stops at the deadline. paceMs: least time per call. */
async function phase(conns, count, deadlineMs, pid, fn, paceMs = 0) {
  let ok = 0, failed = 0, lastError = null, next = 0;
  const points = [[0, rssOf(pid)]];
  const t0 = now();
  for (let tenth = 1; tenth <= 10 && now() - t0 < deadlineMs; tenth++) {
    const end = Math.round(count * tenth / 10);
    await Promise.all(conns.map(async c => {
      while (next < end && now() - t0 < deadlineMs) {
        const i = next++;
        const tc = now();
        const r = await fn(c, i);
        if (r.ok) ok++; else { failed++; lastError = r.error; }
        if (paceMs && now() - tc < paceMs) await sleep(paceMs - (now() - tc));
      }
    }));
    points.push([ok, rssOf(pid)]);
  }
  const ms = now() - t0;
  return { ok, failed, ms, perSec: ok / (ms / 1000), lastError, rssPoints: points, bytesPerActivation: slope(points) };
}

async function oursStats(conn) {
  const r = await conn.call('memory_usage', { detail: 'summary' });
  return r.ok ? payloadOf(r.result) : { error: r.error };
}

export async function runScale(ctx) {
  const cfg = ctx.smoke
    ? { swarms: 20, agents: 200, peerSwarms: 20, peerAgents: 20, deadlineMs: 20000, settleMs: 300 }
    : { swarms: 1000, agents: 10000, peerSwarms: 500, peerAgents: 100, deadlineMs: 240000, settleMs: 1500 };
  const perSwarm = Math.ceil(cfg.agents / cfg.swarms);
  const result = { config: { ...cfg, maxAgentsPerSwarm: perSwarm, peerPaceMs: PEER_PACE_MS }, goal: GOAL };
  const types = ['researcher', 'coder', 'analyst'];

  // ---- ours ----
  const dataDir = freshDir(ctx, 'scale-data');
  const gw = await startGateway({ dll: ctx.gatewayDll, dataDir, port: await ctx.freePort(), siloPort: await ctx.freePort(), logFile: path.join(ctx.logs, 'gateway-scale.log') });
  try {
    const conns = [];
    for (let i = 0; i < 8; i++) conns.push(await connectOursHttp(ctx, `scale-${i}`, gw.url));
    const c0 = conns[0];
    const warm = await c0.call('swarm_init', { topology: 'mesh', maxAgents: perSwarm, strategy: 'balanced' });
    await c0.call('agent_spawn', { type: 'coder', swarmId: findString(payloadOf(warm.result), /^swarm-/) });
    await sleep(cfg.settleMs);
    const rss0 = rssOf(gw.pid), stats0 = await oursStats(c0);
    const ids = [];
    ctx.log(`scale: ours, ${cfg.swarms} swarms`);
    const s = await phase(conns, cfg.swarms, cfg.deadlineMs, gw.pid, async c => {
      const r = await c.call('swarm_init', { topology: 'mesh', maxAgents: perSwarm, strategy: 'balanced' });
      if (r.ok) ids.push(findString(payloadOf(r.result), /^swarm-/));
      return r;
    });
    await sleep(cfg.settleMs);
    const rss1 = rssOf(gw.pid), stats1 = await oursStats(c0);
    ctx.log(`scale: ours, ${cfg.agents} agents`);
    const a = await phase(conns, cfg.agents, cfg.deadlineMs, gw.pid, (c, i) =>
      c.call('agent_spawn', { type: types[i % 3], swarmId: ids[i % Math.max(1, ids.length)] }));
    await sleep(cfg.settleMs);
    const rss2 = rssOf(gw.pid), stats2 = await oursStats(c0);
    const heap = x => x?.gc?.heapSizeBytes ?? x?.process?.gcHeapBytes ?? null;
    const acts = x => x?.activations?.total ?? null;
    const perSwarmB = s.bytesPerActivation, perAgentB = a.bytesPerActivation;
    // The managed share of the growth, from the server's own GC figures (heap size at its last collection).
    const gcHeapPerSwarm = heap(stats1) != null && s.ok ? (heap(stats1) - heap(stats0)) / s.ok : null;
    const gcHeapPerAgent = heap(stats2) != null && a.ok ? (heap(stats2) - heap(stats1)) / a.ok : null;
    // RSS moves with the GC as much as with small activations (an agent is a roster entry): where its slope is below
    // the managed heap's own growth per activation, that growth (a lower bound) is what the projection uses.
    const cost = (rssSlope, heapPer) => (rssSlope == null ? null : Math.max(rssSlope, heapPer ?? 0, 0));
    const projectedPerSwarm = cost(perSwarmB, gcHeapPerSwarm), projectedPerAgent = cost(perAgentB, gcHeapPerAgent);
    result.ours = {
      swarms: s, agents: a, rssBaseline: rss0, rssAfterSwarms: rss1, rssAfterAgents: rss2,
      bytesPerSwarm: perSwarmB, bytesPerAgent: perAgentB, dataDirBytes: dirBytes(dataDir),
      gcHeap: [heap(stats0), heap(stats1), heap(stats2)], activations: [acts(stats0), acts(stats1), acts(stats2)],
      gcHeapPerSwarm, gcHeapPerAgent,
      serverGc: stats2?.process?.serverGc ?? null, serverStats: stats2,
      projectedPerSwarm, projectedPerAgent,
      projectedBytesAtGoal: projectedPerSwarm != null && projectedPerAgent != null
        ? rss0 + GOAL.swarms * projectedPerSwarm + GOAL.agents * projectedPerAgent : null,
      projectedSecondsAtGoal: s.ok && a.ok ? GOAL.swarms / s.perSec + GOAL.agents / a.perSec : null,
    };
    for (const c of conns) await c.close();
  } finally { await gw.stop(); }

  // ---- ruv-swarm ----
  ctx.log(`scale: ruv-swarm, ${cfg.peerAgents} agents, ${cfg.peerSwarms} swarms`);
  let peer = null;
  try {
    peer = await startPeer(ctx, 'ruv-swarm-scale');
    const pid = peer.proc.pid;
    await peer.call('swarm_init', { topology: 'mesh', maxAgents: 100, strategy: 'balanced' });
    await sleep(cfg.settleMs);
    const rss0 = rssOf(pid);
    // Paced: two spawns in the same millisecond get the same Date.now() id and kill ruv-swarm (seen unpaced).
    const a = await phase([peer], cfg.peerAgents, cfg.deadlineMs, pid, (c, i) => c.call('agent_spawn', { type: types[i % 3] }), PEER_PACE_MS);
    const s = await phase([peer], cfg.peerSwarms, cfg.deadlineMs, pid, c => c.call('swarm_init', { topology: 'mesh', maxAgents: perSwarm, strategy: 'balanced' }), PEER_PACE_MS);
    await sleep(cfg.settleMs);
    const rss2 = rssOf(pid);
    const extra = await peer.call('agent_spawn', { type: 'coder' });
    result.peer = {
      swarms: s, agents: a, rssBaseline: rss0, rssAfterAll: rss2,
      bytesPerAgent: a.bytesPerActivation, bytesPerSwarm: s.bytesPerActivation,
      nextAgent: extra.ok ? 'accepted' : extra.error, processDied: peer.closed,
    };
  } catch (e) {
    result.peer = { ...(result.peer ?? {}), error: String(e?.message ?? e).slice(0, 200), processDied: peer?.closed ?? null };
  } finally { await peer?.close(); }
  return result;
}
