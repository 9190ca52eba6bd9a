// Row 1: the seed's path, one `ruv-swarm <command>` process per operation (the commands never exit: we time
// the first output byte and the line that carries the result, then kill), vs the same operation as one HTTP
// tool call on our running gateway. Interleaved: each round runs the CLI op, then ours.
import { spawn } from 'node:child_process';
import { killTree, now, summarize, track } from '../lib/common.mjs';
import { connectOursHttp, doOp, prepareSession, resetPeerDb } from '../lib/ops.mjs';

// CLI command, the marker of its answer on stdout/stderr, the same operation on our side.
const CLI_OPS = [
  { cli: ['init', 'mesh', '5'], marker: /Swarm initialized:|❌/, op: 'swarm_init' },
  { cli: ['spawn', 'researcher', 'bench-agent'], marker: /Agent spawned:|❌/, op: 'agent_spawn' },
  { cli: ['orchestrate', 'bench task: write and test a parser'], marker: /Task orchestrated:|❌/, op: 'task_orchestrate' },
  { cli: ['status'], marker: /Global Status|Swarm Status|❌/, op: 'swarm_status' },
];

// graceMs: after the answer the process may still be writing its DB; it gets that long (untimed) before the kill.
export function runCli(ctx, args, marker, { timeoutMs = 20000, graceMs = 1500 } = {}) {
  return new Promise(resolve => {
    const t0 = now();
    const p = spawn('node', [ctx.ruvBin, ...args], { cwd: ctx.peerCwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    track(p.pid);
    let first = null, answer = null, text = '', done = false;
    const finish = extra => {
      if (done) return;
      done = true; clearTimeout(timer); killTree(p.pid);
      const line = (text.split('\n').find(l => marker.test(l)) ?? '').trim();
      resolve({ firstMs: first, answerMs: answer, ok: answer != null && !line.includes('❌'), line: line.slice(0, 160), ...extra });
    };
    const onData = d => {
      const t = now() - t0;
      if (first == null) first = t;
      text += d;
      if (answer == null && marker.test(text)) { answer = t; setTimeout(() => finish({}), graceMs); }
    };
    p.stdout.on('data', onData); p.stderr.on('data', onData);
    p.on('exit', code => finish({ exitCode: code, exitedMs: now() - t0 }));
    const timer = setTimeout(() => finish({ timedOut: true }), timeoutMs);
  });
}

export async function runSeedCli(ctx) {
  const rounds = ctx.smoke ? 1 : 8, oursPerRound = ctx.smoke ? 3 : 20, graceMs = ctx.smoke ? 800 : 1500;
  resetPeerDb(ctx);
  const conn = await connectOursHttp(ctx, 'ours-http-seed');
  const st = await prepareSession(conn, 'seed');
  await doOp(conn, 'swarm_status', st); // warm the path
  const rows = Object.fromEntries(CLI_OPS.map(o => [o.op, { first: [], answer: [], ours: [], peerFailures: [], oursErrors: 0, cli: o.cli.join(' ') }]));
  for (let r = 0; r < rounds; r++) {
    ctx.log(`seed-cli: round ${r + 1}/${rounds}`);
    for (const o of CLI_OPS) {
      const row = rows[o.op];
      const cliFirst = r % 2 === 0;
      const ours = async () => {
        for (let i = 0; i < oursPerRound; i++) {
          const res = await doOp(conn, o.op, st);
          if (res.ok) row.ours.push(res.ms); else row.oursErrors++;
        }
      };
      if (!cliFirst) await ours();
      const c = await runCli(ctx, o.cli, o.marker, { graceMs });
      if (c.firstMs != null) row.first.push(c.firstMs);
      if (c.answerMs != null) row.answer.push(c.answerMs);
      if (!c.ok) row.peerFailures.push(c.timedOut ? 'no answer within 20 s' : c.line || `exited ${c.exitCode}`);
      if (cliFirst) await ours();
    }
  }
  await conn.close();
  const table = {};
  for (const [op, row] of Object.entries(rows)) {
    table[op] = {
      cli: row.cli, peerFirstOutput: summarize(row.first), peerAnswer: summarize(row.answer), ours: summarize(row.ours),
      oursErrors: row.oursErrors, peerFailures: [...new Set(row.peerFailures)], peerFailureCount: row.peerFailures.length,
    };
  }
  return { rounds, oursPerRound, graceMs, table };
}
