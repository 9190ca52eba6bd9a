// Row 8: `--stdio` as a bridge to the data directory's one gateway (issue 14).
// (a) the first session on a cold machine: bridge process start → first tools/list, the bridge starting the gateway
//     in the background and answering initialize and tools/list from the greeting its build wrote; (a') the same on
//     a directory used before, with no gateway running: from the greeting the last gateway recorded there; (b) a new session while that
//     gateway runs: bridge process start → first tools/list;
// (c) what the bridge adds to a call: the same calls interleaved on a private in-process stdio server (`--stdio
//     --private`, the stdio floor), on a bridge to the background gateway (on Linux it hands the client's stdin and
//     stdout to the gateway), on a bridge told to relay lines instead (SWARM_BRIDGE_MODE=relay, what other systems
//     get), and over HTTP straight to that gateway.
import fs from 'node:fs';
import path from 'node:path';
import { cpuMsOfAll, now, rotate, siloEnv, sleep, summarize } from '../lib/common.mjs';
import { connectOursHttp, doOp, freshDir, prepareSession, startOursBridge, startOursStdio } from '../lib/ops.mjs';

export const BRIDGE_OPS = ['ping', 'tools_list', 'swarm_status', 'memory_retrieve', 'memory_store'];

const owner = dir => JSON.parse(fs.readFileSync(path.join(dir, 'silo.json'), 'utf8'));

const isReady = dir => {
  try {
    const o = owner(dir);
    return o.state === 'ready' && fs.existsSync(`/proc/${o.pid}`);
  } catch { return false; }
};

async function waitFor(condition, what, timeoutMs = 60000) {
  for (const t0 = now(); now() - t0 < timeoutMs; await sleep(50)) if (condition()) return;
  throw new Error(`bridge row: timed out waiting for ${what}`);
}

/** The background gateway is in its own session (not our child): stop it through the pid its lock records. */
async function stopGateway(dir) {
  const { pid } = owner(dir);
  const cmdline = (() => { try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { return ''; } })();
  if (!cmdline.includes(dir)) return; // gone already, or the pid is someone else's now
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  for (let i = 0; i < 200 && fs.existsSync(`/proc/${pid}`); i++) await sleep(100);
  try { process.kill(pid, 'SIGKILL'); } catch { /* stopped */ }
}

export async function runBridge(ctx) {
  const { warmStarts, restartRounds, rounds, warmup } = ctx.smoke
    ? { warmStarts: 2, restartRounds: 1, rounds: 4, warmup: 2 } : { warmStarts: 20, restartRounds: 6, rounds: 300, warmup: 60 };
  const dir = freshDir(ctx, 'bridge-data');
  // A short idle limit: if the bench dies, the gateway it started does not outlive it by much.
  const env = { ...siloEnv(await ctx.freePort()), SwarmCluster__IdleShutdownSeconds: '120' };
  try {
    let t0 = now();
    const first = await startOursBridge(ctx, dir, env, 'bridge-first');
    const coldMs = now() - t0;
    ctx.log(`bridge: cold start (gateway started by the bridge) ${coldMs.toFixed(0)} ms`);
    await first.close();
    await waitFor(() => fs.existsSync(path.join(dir, 'bridge-greeting.json')), 'the gateway to record its bridge greeting');

    // No gateway running on a directory used before (it stopped when idle, or the machine restarted): the bridge
    // starts one and opens the session from the greeting meanwhile.
    const restarts = [];
    for (let i = 0; i < restartRounds; i++) {
      await waitFor(() => isReady(dir), 'the gateway to be ready');
      await stopGateway(dir);
      t0 = now();
      const c = await startOursBridge(ctx, dir, env, `bridge-restart-${i}`);
      restarts.push(now() - t0);
      await c.close();
    }
    await waitFor(() => isReady(dir), 'the gateway to be ready');
    const bridge = await startOursBridge(ctx, dir, env, 'bridge');

    const firstList = [];
    for (let i = 0; i < warmStarts; i++) {
      t0 = now();
      const c = await startOursBridge(ctx, dir, env, `bridge-${i}`);
      firstList.push(now() - t0);
      await c.close();
    }

    const conns = {
      private: await startOursStdio(ctx, 'private-stdio'),
      bridge,
      relay: await startOursBridge(ctx, dir, { ...env, SWARM_BRIDGE_MODE: 'relay' }, 'bridge-relay'),
      http: await connectOursHttp(ctx, 'bridge-http', owner(dir).url),
    };
    const kinds = Object.keys(conns);
    const state = {};
    for (const k of kinds) state[k] = await prepareSession(conns[k], `bridge-${k}`);
    const samples = Object.fromEntries(kinds.map(k => [k, Object.fromEntries(BRIDGE_OPS.map(o => [o, []]))]));
    const errors = Object.fromEntries(kinds.map(k => [k, 0]));
    // Server CPU per call: the processes that serve each kind (a bridge's own process counts too; after a handoff it
    // only waits). 10 ms ticks: only sums over many calls mean much.
    const gatewayPid = owner(dir).pid;
    const servers = { private: [conns.private.proc.pid], bridge: [gatewayPid, conns.bridge.proc.pid], relay: [gatewayPid, conns.relay.proc.pid], http: [gatewayPid] };
    const cpuOf = k => cpuMsOfAll(servers[k]);
    const cpu = Object.fromEntries(kinds.map(k => [k, Object.fromEntries(BRIDGE_OPS.map(o => [o, { ms: 0, n: 0 }]))]));
    for (let r = 0; r < warmup + rounds; r++) {
      for (const op of BRIDGE_OPS) {
        for (const k of rotate(kinds, r % kinds.length)) {
          const c0 = cpuOf(k);
          const res = await doOp(conns[k], op, state[k]);
          const c1 = cpuOf(k);
          if (!res || r < warmup) continue;
          if (Number.isFinite(c0) && Number.isFinite(c1)) { cpu[k][op].ms += c1 - c0; cpu[k][op].n++; }
          if (res.ok) samples[k][op].push(res.ms); else errors[k]++;
        }
      }
    }
    for (const c of Object.values(conns)) await c.close();

    const table = Object.fromEntries(BRIDGE_OPS.map(op => {
      const s = Object.fromEntries(kinds.map(k => [k, { ...summarize(samples[k][op]), serverCpuMsPerCall: cpu[k][op].n ? cpu[k][op].ms / cpu[k][op].n : null }]));
      return [op, { ...s, addedMs: s.bridge.median - s.private.median, relayAddedMs: s.relay.median - s.private.median, vsHttpMs: s.bridge.median - s.http.median }];
    }));
    return { rounds, warmup, coldMs, restartToolsList: summarize(restarts), firstToolsList: summarize(firstList), table, errors, gatewayPid };
  } finally {
    await stopGateway(dir);
  }
}
