#!/usr/bin/env node
// Runs the benchmark rows against ruv-swarm and our gateway and writes the raw results JSON.
// Normally started by bench/run.sh, which installs and builds everything first.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadSdk, now, settle, startGateway } from './lib/common.mjs';
import { freshDir } from './lib/ops.mjs';
import { runBridge } from './rows/bridge.mjs';
import { runColdStart } from './rows/coldstart.mjs';
import { runCoordination } from './rows/coordination.mjs';
import { runRouting } from './rows/routing.mjs';
import { runLatency } from './rows/latency.mjs';
import { runMemory } from './rows/memory.mjs';
import { runNeural } from './rows/neural.mjs';
import { runScale } from './rows/scale.mjs';
import { runSeedCli } from './rows/seed_cli.mjs';
import { runThroughput } from './rows/throughput.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const need = name => opt(name) ?? (() => { throw new Error(`--${name} is required`); })();

const ctx = {
  smoke: argv.includes('--smoke'),
  nodeModules: need('node-modules'),
  gatewayDll: need('gateway-dll'),
  neuralDll: need('neural-dll'),
  fannLoop: need('fann-loop'),
  tmp: need('tmp'),
  out: need('out'),
};
ctx.ruvBin = path.join(ctx.nodeModules, 'ruv-swarm/bin/ruv-swarm-secure.js');
ctx.logs = path.join(ctx.tmp, 'logs');
ctx.peerCwd = freshDir(ctx, 'peer-cwd');
fs.mkdirSync(ctx.logs, { recursive: true });
const t00 = now();
ctx.log = msg => console.error(`[bench ${((now() - t00) / 1000).toFixed(1)}s] ${msg}`);
ctx.freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer().once('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

const rowsWanted = (opt('rows', '1,2,3,4,5,6,7,8,9,10')).split(',').map(Number);
const sh = cmd => { try { return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; } };
const pkgVersion = p => { try { return JSON.parse(fs.readFileSync(path.join(ctx.nodeModules, p, 'package.json'))).version; } catch { return null; } };

function machine() {
  const osRelease = sh('. /etc/os-release && echo "$PRETTY_NAME"');
  return {
    date: new Date().toISOString(),
    nproc: Number(sh('nproc')) || os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    memoryBytes: os.totalmem(),
    os: `${osRelease ?? os.type()} (kernel ${os.release()})`,
    dotnet: sh('dotnet --version'),
    node: process.version,
    gcc: sh('gcc -dumpfullversion'),
    libfann: sh("dpkg-query -W -f='${Version}' libfann2"),
    ruvSwarm: pkgVersion('ruv-swarm'),
    mcpSdk: pkgVersion('@modelcontextprotocol/sdk'),
    gitCommit: sh(`git -C "${path.dirname(new URL(import.meta.url).pathname)}" rev-parse --short HEAD`),
    gitDirty: !!sh(`git -C "${path.dirname(new URL(import.meta.url).pathname)}" status --porcelain -- src native`),
    loadAverageAtStart: os.loadavg(),
    gatewayDll: ctx.gatewayDll,
  };
}

async function main() {
  await loadSdk(ctx.nodeModules);
  const results = { mode: ctx.smoke ? 'smoke' : 'full', machine: machine(), rows: {}, errors: {} };
  const save = () => fs.writeFileSync(ctx.out, JSON.stringify(results, null, 2) + '\n');
  ctx.log(`mode ${results.mode}; rows ${rowsWanted.join(',')}`);

  let gw = null;
  const needGateway = rowsWanted.some(r => [1, 2, 3, 4, 6, 7, 9, 10].includes(r));
  if (needGateway) {
    ctx.gatewayDataDir = freshDir(ctx, 'gateway-data'); // row 2's bridges reach this gateway through it
    // Rows 2 and 3 create about 1,400 swarms on this gateway, all as the one local caller: above a tenant's default
    // quota of 1,000 (the quota check costs the same at any limit: usage totals are kept as owners change).
    gw = await startGateway({ dll: ctx.gatewayDll, dataDir: ctx.gatewayDataDir, port: await ctx.freePort(), siloPort: await ctx.freePort(),
      logFile: path.join(ctx.logs, 'gateway.log'), env: { SwarmCluster__Quotas__Swarms: '10000', SwarmCluster__Quotas__Agents: '200000' } });
    ctx.httpUrl = gw.url; ctx.gatewayPid = gw.pid;
    ctx.log(`gateway up at ${gw.url} in ${gw.startMs.toFixed(0)} ms`);
  }
  const rows = [
    [1, 'seedCli', runSeedCli], [2, 'latency', runLatency], [3, 'throughput', runThroughput],
    [4, 'neural', runNeural], [6, 'coldStart', runColdStart], [7, 'coordination', runCoordination], [10, 'memory', runMemory], [9, 'routing', runRouting], [8, 'bridge', runBridge], [5, 'scale', runScale],
  ];
  try {
    for (const [n, name, fn] of rows) {
      if (!rowsWanted.includes(n)) continue;
      if (n === 5 && gw) { await gw.stop(); gw = null; } // scale measures its own fresh gateway
      if (!ctx.smoke) {
        const quiet = await settle();
        if (!quiet.settled) ctx.log(`row ${n}: the machine stayed ${(100 * quiet.busy).toFixed(0)} % busy for 15 s; starting anyway`);
      }
      const t0 = now();
      ctx.log(`row ${n} (${name})`);
      try {
        results.rows[name] = { ...(await fn(ctx)), seconds: (now() - t0) / 1000 };
      } catch (e) {
        results.errors[name] = String(e?.stack ?? e);
        ctx.log(`row ${n} failed: ${e?.message ?? e}`);
      }
      save();
    }
  } finally {
    if (gw) await gw.stop();
  }
  results.machine.loadAverageAtEnd = os.loadavg();
  results.seconds = (now() - t00) / 1000;
  save();
  ctx.log(`done in ${results.seconds.toFixed(1)} s → ${ctx.out}`);
  process.exit(Object.keys(results.errors).length ? 1 : 0);
}

main().catch(e => { console.error(e); process.exit(2); });
