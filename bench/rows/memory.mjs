// Row 10: shared memory at scale — memory_usage store (persist: true) and retrieve (ours over HTTP) in a namespace
// holding 10 entries and in one holding 10,000 (smoke: 200), interleaved call by call. Every entry is its own storage
// row, so a persisted store commits one row whatever the namespace holds: the goal is a flat cost, ≤ 1.3× between the two.
import { sleep, summarize } from '../lib/common.mjs';
import { connectOursHttp } from '../lib/ops.mjs';

// 2 KiB of JSON per entry: 10,000 of them make a 20 MiB namespace, which a whole-namespace write would rewrite every time.
const VALUE_BYTES = 2048;
const valueOf = (i, round) => ({ i, round, pad: 'x'.repeat(VALUE_BYTES - 40) });

async function must(conn, args) {
  const r = await conn.call('memory_usage', args, 60000);
  if (!r.ok) throw new Error(`memory_usage ${args.action}: ${r.error}`);
  return r.result.structuredContent;
}

async function namespaceWith(conns, entries, ns) {
  // The measured key is one of the entries, so the big namespace stays at its size (and under the 10,000-entry cap).
  let next = 0;
  await Promise.all(conns.map(async conn => {
    while (next < entries) {
      const i = next++;
      await must(conn, { action: 'store', namespace: ns, key: i === 0 ? 'probe' : `entry-${i}`, value: valueOf(i, -1) });
    }
  }));
  return ns;
}

export async function runMemory(ctx) {
  const cfg = ctx.smoke ? { big: 200, rounds: 10, warmup: 3, loaders: 4 } : { big: 10_000, rounds: 150, warmup: 30, loaders: 8 };
  const conns = [];
  for (let i = 0; i < cfg.loaders; i++) conns.push(await connectOursHttp(ctx, `ours-http-${i}`));
  try {
    const t0 = performance.now();
    const stamp = Date.now();
    const small = await namespaceWith(conns, 10, `mem-small-${stamp}`);
    const big = await namespaceWith(conns, cfg.big, `mem-big-${stamp}`);
    // The fill was written behind; let the flush timer (1 s by default) land it before measuring.
    await sleep(2500);
    const setupSeconds = (performance.now() - t0) / 1000;
    ctx.log(`memory: namespaces with 10 and ${cfg.big} entries ready in ${setupSeconds.toFixed(1)} s`);

    const samples = { store: { small: [], big: [] }, retrieve: { small: [], big: [] } };
    const [c] = conns;
    for (let r = 0; r < cfg.warmup + cfg.rounds; r++) {
      for (const [name, ns] of (r % 2 ? [['big', big], ['small', small]] : [['small', small], ['big', big]])) {
        const s = await c.call('memory_usage', { action: 'store', namespace: ns, key: 'probe', value: valueOf(0, r), persist: true });
        const g = await c.call('memory_usage', { action: 'retrieve', namespace: ns, key: 'probe' });
        if (!s.ok || !g.ok) throw new Error(`memory: ${s.error ?? g.error}`);
        if (!s.result.structuredContent?.durable) throw new Error('memory: a persisted store answered durable=false');
        if (r >= cfg.warmup) { samples.store[name].push(s.ms); samples.retrieve[name].push(g.ms); }
      }
    }

    const stats = await must(c, { detail: 'detailed' });
    const held = Object.fromEntries((stats.memory?.byNamespace ?? []).filter(n => n.namespace === small || n.namespace === big)
      .map(n => [n.namespace === big ? 'big' : 'small', n.entries]));
    const table = {};
    for (const op of ['store', 'retrieve']) {
      const a = summarize(samples[op].small), b = summarize(samples[op].big);
      table[op] = { small: a, big: b, ratio: b.median / a.median };
    }
    return { entriesSmall: held.small ?? 10, entriesBig: held.big ?? cfg.big, valueBytes: VALUE_BYTES, rounds: cfg.rounds, warmup: cfg.warmup, setupSeconds, table };
  } finally {
    for (const conn of conns) await conn.close();
  }
}
