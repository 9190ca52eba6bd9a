// A worker as a Claude session would be one: its own MCP connection (official Node SDK), its own agent,
// and the claim → progress (heartbeat) → complete loop until the swarm has no open work.
// Usage: node worker.mjs <spec.json>; spec: { url, swarmId, name, leaseSeconds, beats, beatMs,
//   vanishAfterClaims (optional: exit without completing the n-th claimed task), deadlineMs,
//   agentId (optional: work as this existing agent instead of spawning one) }
// Prints one JSON line per event: { worker, kind: "agent"|"claimed"|"completed"|"vanished"|"refused"|"done", taskId?, at, detail? }.
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const client = new Client({ name: `swarmcluster-worker-${spec.name}`, version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(spec.url)));
const print = (event) => process.stdout.write(JSON.stringify({ worker: spec.name, at: new Date().toISOString(), ...event }) + '\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function call(name, args) {
  const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 });
  if (result.isError) return { error: result.content?.[0]?.text ?? 'error', structured: result.structuredContent };
  return { value: result.structuredContent };
}

let agentId = spec.agentId;
if (!agentId) {
  const spawned = await call('agent_spawn', { type: 'coder', name: spec.name, swarmId: spec.swarmId, requestId: `worker-${spec.name}` });
  if (spawned.error) { print({ kind: 'refused', detail: spawned.error }); process.exit(2); }
  agentId = spawned.value.id;
}
print({ kind: 'agent', detail: agentId });

const deadline = Date.now() + (spec.deadlineMs ?? 120_000);
let claims = 0;
while (Date.now() < deadline) {
  const claim = await call('task_claim', { agentId, swarmId: spec.swarmId, leaseSeconds: spec.leaseSeconds, requestId: `${spec.name}-claim-${claims}` });
  if (claim.error) { print({ kind: 'refused', detail: claim.error }); await sleep(200); continue; }
  if (!claim.value.claimed) {
    const q = claim.value.queue;
    if (q.ready + q.blocked + q.assigned + q.inProgress === 0) break; // nothing left anywhere
    await sleep(150);
    continue;
  }
  claims++;
  const taskId = claim.value.task.id;
  print({ kind: 'claimed', taskId, detail: claim.value.task.attempt });
  if (spec.vanishAfterClaims && claims === spec.vanishAfterClaims) {
    print({ kind: 'vanished', taskId });
    await client.close();
    process.exit(0); // holds the lease and never reports again
  }
  let lost = false;
  for (let b = 1; b <= spec.beats; b++) {
    await sleep(spec.beatMs);
    const beat = await call('task_progress', { taskId, agentId, progress: b / (spec.beats + 1), message: `step ${b}` });
    if (beat.error) { print({ kind: 'refused', taskId, detail: beat.error }); lost = true; break; }
  }
  if (lost) continue;
  const done = await call('task_complete', { taskId, agentId, success: true, output: `${taskId} done by ${spec.name}`, quality: 0.9, requestId: `${spec.name}-complete-${taskId}` });
  print(done.error ? { kind: 'refused', taskId, detail: done.error } : { kind: 'completed', taskId });
}
print({ kind: 'done', detail: claims });
await client.close();
