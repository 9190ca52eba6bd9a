// Row 9: does routing learn? Six look-alike agents (same type, same capabilities), three families of tasks that
// differ only in their words, each agent secretly good at one family (success 0.9 there, 0.2 elsewhere). Tasks go
// through task_orchestrate (the router picks the agent) and task_complete (that agent reports a result drawn from
// its hidden skill); nobody calls neural_train. After 150 outcomes, the share of new tasks routed to a skilled
// agent is measured (chance: 1/3; goal ≥ 80 %). The peer's routing does not learn from outcomes this way: not run.
import { connectOursHttp } from '../lib/ops.mjs';

const FAMILY_WORDS = [
  ['invoice', 'refund', 'payment', 'ledger', 'tax', 'receipt', 'subscription', 'charge'],
  ['index', 'query', 'ranking', 'relevance', 'tokenizer', 'synonym', 'facet', 'crawler'],
  ['android', 'ios', 'gesture', 'push', 'notification', 'offline', 'screen', 'tablet'],
];
const SHARED_WORDS = ['update', 'module', 'service', 'handle', 'improve', 'support', 'customer', 'release', 'issue', 'flow',
  'check', 'broken', 'slow', 'team', 'legacy', 'config', 'error', 'request', 'report', 'cleanup'];

// A small seeded generator (mulberry32), so every run draws the same tasks and outcomes.
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function must(conn, tool, args) {
  const r = await conn.call(tool, args, 60000);
  if (!r.ok) throw new Error(`${tool}: ${r.error}`);
  return r.result.structuredContent;
}

export async function runRouting(ctx) {
  const cfg = ctx.smoke ? { learn: 40, measure: 20, seeds: [7] } : { learn: 150, measure: 120, seeds: [7, 19, 31] };
  const conn = await connectOursHttp(ctx, 'ours-routing');
  try {
    const runs = [];
    for (const seed of cfg.seeds) {
      const random = generator(seed);
      const pick = words => words[Math.floor(random() * words.length)];
      const swarm = (await must(conn, 'swarm_init', { topology: 'mesh', strategy: 'adaptive', maxAgents: 8 })).id;
      const skill = {};
      for (let i = 0; i < 6; i++) {
        const agent = await must(conn, 'agent_spawn', { type: 'coder', name: `a${i}`, capabilities: ['general'], swarmId: swarm });
        skill[agent.id] = (i * 5) % 3; // skill does not follow the slot order
      }

      let skilled = 0, callMs = 0, calls = 0;
      const total = cfg.learn + cfg.measure;
      for (let n = 0; n < total; n++) {
        const family = Math.floor(random() * 3);
        const words = [0, 1, 2, 3].map(() => pick(FAMILY_WORDS[family]));
        for (let k = 0; k < 3; k++) words.splice(Math.floor(random() * (words.length + 1)), 0, pick(SHARED_WORDS));
        const text = `${words.join(' ')} ticket ${1000 + Math.floor(random() * 9000)}`;
        const o = await conn.call('task_orchestrate', { task: text, swarmId: swarm }, 60000);
        if (!o.ok) throw new Error(`task_orchestrate: ${o.error}`);
        const agent = o.result.structuredContent.assignedAgents[0];
        const good = skill[agent] === family;
        const success = random() < (good ? 0.9 : 0.2);
        const c = await conn.call('task_complete', { taskId: o.result.structuredContent.id, agentId: agent, success, output: success ? 'done' : undefined, error: success ? undefined : 'could not do it' }, 60000);
        if (!c.ok) throw new Error(`task_complete: ${c.error}`);
        callMs += o.ms + c.ms; calls += 2;
        if (n >= cfg.learn && good) skilled++;
      }

      const status = (await must(conn, 'neural_status', { swarmId: swarm })).network;
      runs.push({
        seed, swarm, share: skilled / cfg.measure, trainings: status.learning.trainings,
        heldOutAccuracy: status.learning.heldOutAccuracy, heldOutOutcomes: status.learning.heldOutOutcomes,
        meanCallMs: callMs / calls,
      });
      ctx.log(`routing: seed ${seed}: ${(100 * skilled / cfg.measure).toFixed(1)} % of ${cfg.measure} new tasks to a skilled agent after ${cfg.learn} outcomes; ${status.learning.trainings} trainings`);
      await must(conn, 'swarm_destroy', { swarmId: swarm });
    }

    const mean = runs.reduce((s, r) => s + r.share, 0) / runs.length;
    return { learn: cfg.learn, measure: cfg.measure, chance: 1 / 3, meanShare: mean, runs };
  } finally {
    await conn.close();
  }
}
