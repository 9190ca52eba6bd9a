// Row 4: forward passes per second on [128,64,32,8] and [128,64,32,32] — C loop over libfann vs our binding in
// process (single Run, RunBatch: the managed SIMD forward pass) and through the neural_process tool (input /
// inputs) — plus training time per epoch. Symmetric sigmoid hidden layers and sigmoid outputs, as the swarm's
// routing network (libfann's default steepness on both sides), and RPROP. The C loop and the .NET console stay up
// and are asked in turn each round, so both are warm and see the same machine state.
import { LineProc, summarize } from '../lib/common.mjs';
import { connectOursHttp, initSwarm, NEURAL_INPUT } from '../lib/ops.mjs';

const SIGMOID = 3, SIGMOID_SYMMETRIC = 5, RPROP = 2, BATCH = 64;
const ACT = `${SIGMOID_SYMMETRIC} ${SIGMOID}`; // hidden, output
const SHAPES = [[128, 64, 32, 8], [128, 64, 32, 32]];

const perPassUs = r => { if (r.error) throw new Error(r.error); return r.ns / r.passes / 1000; };
// Both sides load the same weights and inputs, so the C loop's and our single-pass checksums must be equal.

export async function runNeural(ctx) {
  const cfg = ctx.smoke
    ? { rounds: 1, warmup: 1, passes: 2000, toolCalls: 3, samples: 64, epochs: 2 }
    : { rounds: 15, warmup: 2, passes: 20000, toolCalls: 30, samples: 256, epochs: 10 };
  const c = new LineProc(ctx.fannLoop, []);
  const dn = new LineProc('dotnet', [ctx.neuralDll], { stderrFile: `${ctx.logs}/neural-console.stderr.log` });
  const info = await dn.ask('info');
  const conn = ctx.httpUrl ? await connectOursHttp(ctx, 'neural-tool') : null; // null: in-process rows only
  const out = { config: { ...cfg, batch: BATCH, activation: 'sigmoid-symmetric/sigmoid', training: 'rprop' }, fann: info, shapes: {}, blobs: {} };
  try {
    // What swarm_init pays before any storage: build the network, save it in FANN's text format.
    for (const shape of [...SHAPES, [128, 64, 32, 100]]) {
      const key = shape.join(',');
      await dn.ask(`blob ${key} ${ACT} 2`);
      out.blobs[key] = await dn.ask(`blob ${key} ${ACT} ${ctx.smoke ? 3 : 30}`);
    }
    for (const shape of SHAPES) {
      const key = shape.join(',');
      const swarmId = conn ? await initSwarm(conn, shape.at(-1)) : null;
      const batchInputs = Array.from({ length: BATCH }, (_, i) => NEURAL_INPUT.map((x, j) => ((i * 7919 + j * 104729) % 1000) / 1000));
      const s = { c: [], single: [], batch: [], raw: [], paths: new Set(), toolSingle: [], toolBatch: [], toolErrors: [], trainC: [], trainOurs: [], mse: {}, maxAbsDiff: 0 };
      for (let r = 0; r < cfg.warmup + cfg.rounds; r++) {
        ctx.log(`neural: ${key} round ${r + 1}/${cfg.warmup + cfg.rounds}`);
        const keep = r >= cfg.warmup;
        const steps = [
          async () => { const res = await c.ask(`fwd ${key} ${ACT} ${BATCH} ${cfg.passes}`); s.sumC = res.checksum; const v = perPassUs(res); if (keep) s.c.push(v); },
          async () => {
            const res = await dn.ask(`fwd ${key} ${ACT} ${BATCH} ${cfg.passes} single`);
            s.sumOurs = res.checksum; s.maxAbsDiff = Math.max(s.maxAbsDiff, res.maxAbsDiffVsFann); s.paths.add(res.path);
            const v = perPassUs(res); if (keep) s.single.push(v);
          },
          async () => { const res = await dn.ask(`fwd ${key} ${ACT} ${BATCH} ${cfg.passes} batch`); s.paths.add(res.path); const v = perPassUs(res); if (keep) s.batch.push(v); },
          async () => { const v = perPassUs(await dn.ask(`fwd ${key} ${ACT} ${BATCH} ${cfg.passes} raw`)); if (keep) s.raw.push(v); },
          async () => {
            for (let i = 0; conn && i < cfg.toolCalls; i++) {
              const a = await conn.call('neural_process', { swarmId, input: NEURAL_INPUT });
              if (a.ok) { if (keep) s.toolSingle.push(a.ms * 1000); } else s.toolErrors.push(a.error);
              const b = await conn.call('neural_process', { swarmId, inputs: batchInputs });
              if (b.ok) { if (keep) s.toolBatch.push(b.ms * 1000 / BATCH); } else s.toolErrors.push(b.error);
            }
          },
          async () => {
            const res = await c.ask(`train ${key} ${ACT} ${RPROP} ${cfg.samples} ${cfg.epochs}`);
            if (res.error) throw new Error(res.error);
            if (keep) s.trainC.push(res.ns / res.epochs / 1e6); s.mse.c = res.mse;
          },
          async () => {
            const res = await dn.ask(`train ${key} ${ACT} ${RPROP} ${cfg.samples} ${cfg.epochs}`);
            if (res.error) throw new Error(res.error);
            if (keep) s.trainOurs.push(res.ns / res.epochs / 1e6); s.mse.ours = res.mse;
          },
        ];
        // Alternate who goes first: C/ours order flips every round.
        for (const step of r % 2 === 0 ? steps : [...steps].reverse()) await step();
      }
      out.shapes[key] = {
        cLoopUs: summarize(s.c), singleUs: summarize(s.single), batchUs: summarize(s.batch), rawUs: summarize(s.raw),
        toolSingleUs: summarize(s.toolSingle), toolBatchUs: summarize(s.toolBatch), toolErrors: [...new Set(s.toolErrors)].slice(0, 3),
        trainCMsPerEpoch: summarize(s.trainC), trainOursMsPerEpoch: summarize(s.trainOurs), lastMse: s.mse,
        maxAbsDiffVsFann: s.maxAbsDiff, oursPath: [...s.paths].join('+'), checksums: { c: s.sumC, ours: s.sumOurs }, sameOutputs: s.sumC === s.sumOurs,
      };
    }
  } finally {
    c.close(); dn.close(); await conn?.close();
  }
  return out;
}
