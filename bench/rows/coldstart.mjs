// Row 6: cold start (process start → initialize → first tools/list answered) for both stdio servers, our
// HTTP gateway's process start → first tools/list, and connect + initialize + tools/list on a running gateway.
import path from 'node:path';
import { now, startGateway, summarize } from '../lib/common.mjs';
import { connectOursHttp, freshDir, startOursStdio, startPeer } from '../lib/ops.mjs';

async function timed(fn) {
  const t0 = now();
  const conn = await fn();
  const ms = now() - t0;
  await conn.close();
  return ms;
}

export async function runColdStart(ctx) {
  const rounds = ctx.smoke ? 1 : 6, warmConnects = ctx.smoke ? 5 : 50;
  const peer = [], oursStdio = [], oursHttpProcess = [], warm = [], peerErrors = [];
  for (let r = 0; r < rounds; r++) {
    ctx.log(`cold start: round ${r + 1}/${rounds}`);
    const a = () => timed(() => startPeer(ctx)).then(ms => peer.push(ms), e => peerErrors.push(String(e?.message ?? e).slice(0, 160)));
    const b = () => timed(() => startOursStdio(ctx)).then(ms => oursStdio.push(ms));
    if (r % 2 === 0) { await a(); await b(); } else { await b(); await a(); }
    const port = await ctx.freePort();
    const gw = await startGateway({ dll: ctx.gatewayDll, dataDir: freshDir(ctx, 'cold-http'), port, siloPort: await ctx.freePort(), logFile: path.join(ctx.logs, 'gateway-cold.log'), pollMs: 20 });
    oursHttpProcess.push(gw.startMs);
    await gw.stop();
  }
  for (let i = 0; i < warmConnects; i++) warm.push(await timed(() => connectOursHttp(ctx, 'warm')));
  return {
    rounds, peerErrors,
    peerStdio: summarize(peer), oursStdio: summarize(oursStdio), oursHttpProcess: summarize(oursHttpProcess),
    oursHttpConnect: summarize(warm),
  };
}
