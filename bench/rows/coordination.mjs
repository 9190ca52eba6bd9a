// Row 7: coordination at scale — task_orchestrate and task_claim (ours over HTTP) in a swarm holding 10 tasks
// and in one holding 9,800 open ones (smoke: 200), interleaved call by call. The swarm's writes touch one index page, so
// the goal is a flat cost: ≤ 1.3× between the two.
import { summarize } from '../lib/common.mjs';
import { connectOursHttp } from '../lib/ops.mjs';

async function must(conn, tool, args) {
  const r = await conn.call(tool, args, 60000);
  if (!r.ok) throw new Error(`${tool}: ${r.error}`);
  return r.result.structuredContent;
}

async function swarmWith(conns, tasks, tag) {
  const [c] = conns;
  const swarm = (await must(c, 'swarm_init', { topology: 'mesh', maxAgents: 4, requestId: `${tag}-swarm` })).id;
  const agent = (await must(c, 'agent_spawn', { type: 'coder', swarmId: swarm })).id;
  // Existing tasks: queued (open) ones, the kind the queue and the index must carry.
  let next = 0;
  await Promise.all(conns.map(async conn => {
    while (next < tasks) {
      const i = next++;
      await must(conn, 'task_orchestrate', { task: `existing task ${i}`, assign: false, priority: 'low', swarmId: swarm });
    }
  }));
  return { swarm, agent };
}

export async function runCoordination(ctx) {
  // A swarm holds at most 10,000 open tasks (TaskLimits.MaxOpenTasks) and every measured round leaves one more
  // open (claimed), so the big swarm starts with 9,800.
  const cfg = ctx.smoke ? { big: 200, rounds: 10, warmup: 3, loaders: 4 } : { big: 9_800, rounds: 150, warmup: 30, loaders: 8 };
  const conns = [];
  for (let i = 0; i < cfg.loaders; i++) conns.push(await connectOursHttp(ctx, `ours-http-${i}`));
  try {
    const t0 = performance.now();
    const small = await swarmWith(conns, 10, `coord-small-${Date.now()}`);
    const big = await swarmWith(conns, cfg.big, `coord-big-${Date.now()}`);
    const setupSeconds = (performance.now() - t0) / 1000;
    ctx.log(`coordination: swarms with 10 and ${cfg.big} tasks ready in ${setupSeconds.toFixed(1)} s`);

    const samples = { orchestrate: { small: [], big: [] }, claim: { small: [], big: [] } };
    const [c] = conns;
    for (let r = 0; r < cfg.warmup + cfg.rounds; r++) {
      for (const [name, s] of (r % 2 ? [['big', big], ['small', small]] : [['small', small], ['big', big]])) {
        // A medium task: above the existing low ones, so the claim takes it (the work a claim does is the same).
        const o = await c.call('task_orchestrate', { task: `measured task ${r}`, assign: false, priority: 'medium', swarmId: s.swarm });
        const cl = await c.call('task_claim', { agentId: s.agent, swarmId: s.swarm, leaseSeconds: 3600 });
        if (!o.ok || !cl.ok) throw new Error(`coordination: ${o.error ?? cl.error}`);
        if (r >= cfg.warmup) { samples.orchestrate[name].push(o.ms); samples.claim[name].push(cl.ms); }
      }
    }

    const table = {};
    for (const op of ['orchestrate', 'claim']) {
      const a = summarize(samples[op].small), b = summarize(samples[op].big);
      table[op] = { small: a, big: b, ratio: b.median / a.median };
    }
    return { existingSmall: 10, existingBig: cfg.big, rounds: cfg.rounds, warmup: cfg.warmup, setupSeconds, table };
  } finally {
    for (const conn of conns) await conn.close();
  }
}
