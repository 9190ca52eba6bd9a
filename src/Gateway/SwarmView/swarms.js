// The swarm view: polls /swarms/api/* (one grain call each) and draws with SVG. No libraries, nothing fetched
// from elsewhere. Every number shown comes from the JSON; elements carry data-* attributes naming what they show.
'use strict';
(() => {
  const REFRESH_MS = 2000;
  const SVG = 'http://www.w3.org/2000/svg';
  const STATUS_COLORS = {
    pending: '#9aa3b2', blocked: '#b08bd6', assigned: '#e3a52b', in_progress: '#2f6fde',
    completed: '#2e9e5b', failed: '#d64545', cancelled: '#5d6470',
  };
  let selected = decodeURIComponent(location.hash.slice(1)) || null;
  let timer = null;

  const $ = (id) => document.getElementById(id);
  function el(tag, attrs = {}, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(tag, attrs = {}, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const fmt = (x, digits = 3) => (x === null || x === undefined ? '–' : Number(x).toPrecision(digits));
  const pct = (x) => (x === null || x === undefined ? '–' : Math.round(x * 100) + '%');
  const bytes = (n) => (n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KiB' : (n / 1048576).toFixed(1) + ' MiB');
  const shortId = (id) => id.length > 28 ? '…' + id.slice(-26) : id;

  async function getJson(path) {
    const response = await fetch(path, { headers: { accept: 'application/json' } });
    const body = await response.json();
    if (!response.ok) throw new Error(body?.error?.message ?? response.status + ' ' + response.statusText);
    return body;
  }

  async function refresh() {
    try {
      const cluster = await getJson('/swarms/api/cluster');
      drawSwarmList(cluster);
      const ids = cluster.swarms.map((s) => s.info.id);
      if (!selected || !ids.includes(selected)) selected = ids.length ? ids[ids.length - 1] : null;
      if (selected) drawSwarm(await getJson('/swarms/api/swarms/' + encodeURIComponent(selected)));
      else $('swarm').hidden = true;
      $('refreshed').textContent = `${cluster.totalSwarms} swarm(s) · updated ${new Date().toLocaleTimeString()} · refreshes every ${REFRESH_MS / 1000} s`;
      document.body.dataset.loaded = 'true';
    } catch (e) {
      $('refreshed').textContent = 'could not load: ' + e.message;
    } finally {
      clearTimeout(timer);
      timer = setTimeout(refresh, REFRESH_MS);
    }
  }

  function drawSwarmList(cluster) {
    const box = $('swarms');
    box.replaceChildren();
    if (!cluster.swarms.length) box.append(el('p', { class: 'muted' }, 'No swarms yet: call swarm_init.'));
    for (const s of cluster.swarms.slice().reverse()) {
      const card = el('div', { class: 'swarm-card' + (s.info.id === selected ? ' selected' : ''), 'data-swarm-id': s.info.id });
      card.append(el('div', { class: 'name' }, s.info.name), el('div', { class: 'id' }, s.info.id),
        el('div', {}, `${s.info.agentCount}/${s.info.maxAgents} agents · ${s.info.topology} · ${countTotal(s.tasks)} tasks`),
        stackedBar(s.tasks, 190, 10));
      card.onclick = () => { selected = s.info.id; location.hash = encodeURIComponent(selected); refresh(); };
      box.append(card);
    }
  }

  const countTotal = (c) => c.total ?? Object.values(c).reduce((a, b) => a + b, 0);

  function stackedBar(counts, width, height) {
    const s = svg('svg', { width, height, class: 'task-bar' });
    const total = countTotal(counts) || 1;
    let x = 0;
    for (const [key, color] of Object.entries(STATUS_COLORS)) {
      const n = counts[key.replace(/_(.)/g, (_, c) => c.toUpperCase())] ?? 0;
      if (!n) continue;
      const w = (n / total) * width;
      s.append(svg('rect', { x, y: 0, width: w, height, fill: color }, undefined));
      s.lastChild.append(svg('title', {}, `${key}: ${n}`));
      x += w;
    }
    return s;
  }

  function drawSwarm(view) {
    const { info, agents, tasks, neural } = view.status;
    $('swarm').hidden = false;
    $('swarm-title').textContent = info.name;
    $('swarm-facts').textContent = `${info.id} · ${info.topology} topology · ${info.strategy} strategy · ` +
      `${agents.length}/${info.maxAgents} agents · ${countTotal(tasks)} tasks` + (info.objective ? ' · objective: ' + info.objective : '');
    drawAgents(agents);
    drawGraph(view.graph);
    drawNetwork(neural);
    drawCurve(view.trainings, neural);
    const learning = neural.learning;
    $('accuracy').textContent = (view.heldOutAccuracy === null || view.heldOutAccuracy === undefined
      ? 'Held-out routing accuracy: not yet measured (no outcome held out yet).'
      : `Held-out routing accuracy: ${pct(view.heldOutAccuracy)} on ${learning.heldOutOutcomes} held-out outcomes`) +
      (learning ? ` · trains by itself every ${learning.trainEveryOutcomes} outcomes (${learning.outcomesUntilTraining} to go)` +
        (learning.trainingRunning ? ' · training now' : '') : '');
    $('accuracy').dataset.heldOutAccuracy = view.heldOutAccuracy ?? '';
    drawDecisions(view.recentDecisions, agents);
    drawMemory(view.namespaces);
  }

  function drawAgents(agents) {
    const box = $('agents');
    box.replaceChildren();
    if (!agents.length) { box.append(el('p', { class: 'muted' }, 'No agents: agent_spawn adds one.')); return; }
    const maxDone = Math.max(1, ...agents.map((a) => a.metrics.tasksCompleted + a.metrics.tasksFailed));
    const table = el('table');
    const head = el('tr');
    for (const h of ['agent', 'type', 'status', 'slot', 'done / failed', 'success', 'avg quality', 'avg duration', 'leases expired', 'current task']) head.append(el('th', {}, h));
    table.append(head);
    for (const a of agents) {
      const m = a.metrics;
      const row = el('tr', { 'data-agent-id': a.id, 'data-status': a.status });
      const name = el('td'); name.append(el('strong', {}, a.name), el('div', { class: 'muted' }, shortId(a.id)));
      const status = el('td'); status.append(el('span', { class: 'badge', style: `background:${a.status === 'busy' ? STATUS_COLORS.in_progress : STATUS_COLORS.pending}` }, a.status));
      const done = el('td');
      const bar = svg('svg', { width: 120, height: 12 });
      bar.append(svg('rect', { x: 0, y: 1, width: (m.tasksCompleted / maxDone) * 120, height: 10, fill: STATUS_COLORS.completed }),
        svg('rect', { x: (m.tasksCompleted / maxDone) * 120, y: 1, width: (m.tasksFailed / maxDone) * 120, height: 10, fill: STATUS_COLORS.failed }));
      done.append(bar, document.createTextNode(` ${m.tasksCompleted} / ${m.tasksFailed}`));
      row.append(name, el('td', {}, a.type), status, el('td', {}, String(a.slot)), done, el('td', {}, pct(m.successRate)),
        el('td', {}, fmt(m.averageQuality, 2)), el('td', {}, m.averageDurationMs === null ? '–' : Math.round(m.averageDurationMs) + ' ms'),
        el('td', {}, String(m.leasesExpired)), el('td', {}, a.currentTaskId ? shortId(a.currentTaskId) : '–'));
      table.append(row);
    }
    box.append(table);
  }

  // Layered DAG: a task's column is the length of the longest dependency chain before it.
  function drawGraph(graph) {
    const box = $('task-graph');
    box.replaceChildren();
    const tasks = graph.tasks;
    if (!tasks.length) { box.append(el('p', { class: 'muted' }, 'No tasks: task_orchestrate creates some.')); return; }
    const byId = new Map(tasks.map((t) => [t.id, t]));
    const depth = new Map();
    const depthOf = (t, seen = new Set()) => {
      if (depth.has(t.id)) return depth.get(t.id);
      seen.add(t.id);
      const d = Math.max(-1, ...t.dependsOn.filter((p) => byId.has(p) && !seen.has(p)).map((p) => depthOf(byId.get(p), seen))) + 1;
      depth.set(t.id, d);
      return d;
    };
    tasks.forEach((t) => depthOf(t));
    const columns = [];
    for (const t of tasks) (columns[depth.get(t.id)] ??= []).push(t);
    const W = 190, H = 44, GX = 60, GY = 14, PAD = 10;
    const rows = Math.max(...columns.map((c) => c.length));
    const width = PAD * 2 + columns.length * W + (columns.length - 1) * GX;
    const height = PAD * 2 + rows * H + rows * GY; // one more gap below: room for long edges
    const s = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, 'data-tasks': tasks.length });
    const defs = svg('defs');
    const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#8a93a3' }));
    defs.append(marker);
    s.append(defs);
    const pos = new Map();
    columns.forEach((col, c) => col.forEach((t, r) => pos.set(t.id, { x: PAD + c * (W + GX), y: PAD + r * (H + GY) })));
    const critical = new Set(graph.criticalPath);
    for (const t of tasks) {
      for (const p of t.dependsOn) {
        if (!pos.has(p)) continue;
        const a = pos.get(p), b = pos.get(t.id);
        const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
        // An edge over more than one column runs in the gap below the rows it passes, not through their boxes.
        const yb = Math.max(a.y, b.y) + H + GY / 2;
        const d = b.x - a.x > W + GX
          ? `M ${x1} ${y1} C ${x1 + GX / 2} ${y1}, ${x1 + GX / 2} ${yb}, ${x1 + GX} ${yb} L ${x2 - GX} ${yb} C ${x2 - GX / 2} ${yb}, ${x2 - GX / 2} ${y2}, ${x2} ${y2}`
          : `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}`;
        s.append(svg('path', { d, fill: 'none', stroke: '#8a93a3', 'stroke-width': 1.5,
          'marker-end': 'url(#arrow)', 'data-edge': `${p}->${t.id}` }));
      }
    }
    for (const t of tasks) {
      const { x, y } = pos.get(t.id);
      const g = svg('g', { 'data-task-id': t.id, 'data-status': t.status });
      g.append(svg('title', {}, `${t.id}\n${t.summary}\nstatus: ${t.status}${t.statusReason ? ' (' + t.statusReason + ')' : ''}` +
        (t.assignedAgents.length ? `\nheld by ${t.assignedAgents.join(', ')}` : '')));
      g.append(svg('rect', { x, y, width: W, height: H, rx: 6, fill: '#fff', stroke: STATUS_COLORS[t.status] ?? '#999',
        'stroke-width': critical.has(t.id) ? 3 : 1.5 }));
      g.append(svg('rect', { x, y, width: 6, height: H, rx: 2, fill: STATUS_COLORS[t.status] ?? '#999' }));
      const label = t.key ? `${t.key}: ${t.summary}` : t.summary;
      g.append(svg('text', { x: x + 12, y: y + 17 }, label.length > 30 ? label.slice(0, 29) + '…' : label));
      g.append(svg('text', { x: x + 12, y: y + 33, fill: STATUS_COLORS[t.status] }, t.status.replace('_', ' ') + (t.attempt > 1 ? ` · attempt ${t.attempt}` : '')));
      s.append(g);
    }
    box.append(s);
    const legend = $('task-legend');
    legend.replaceChildren();
    for (const [k, c] of Object.entries(STATUS_COLORS)) { const i = el('span'); i.append(el('i', { style: `background:${c}` }), document.createTextNode(k.replace('_', ' '))); legend.append(i); }
    if (graph.criticalPath.length) legend.append(el('span', {}, 'thick border: critical path'));
  }

  // The network's layers as columns of units (at most 10 drawn per layer, the real size written under it).
  function drawNetwork(neural) {
    const box = $('network');
    box.replaceChildren();
    const layers = neural.layers, W = 360, H = 190, MAX = 10;
    const s = svg('svg', { width: W, height: H + 30, 'data-layers': layers.join(',') });
    const xs = layers.map((_, i) => 30 + (i * (W - 60)) / Math.max(1, layers.length - 1));
    const ys = layers.map((n) => { const k = Math.min(n, MAX); return Array.from({ length: k }, (_, j) => 12 + ((j + 0.5) * (H - 24)) / k); });
    for (let i = 0; i + 1 < layers.length; i++)
      for (const y1 of ys[i]) for (const y2 of ys[i + 1]) s.append(svg('line', { x1: xs[i], y1, x2: xs[i + 1], y2, stroke: '#c9cfda', 'stroke-width': 0.5 }));
    layers.forEach((n, i) => {
      for (const y of ys[i]) s.append(svg('circle', { cx: xs[i], cy: y, r: 5, fill: i === 0 ? '#9aa3b2' : i === layers.length - 1 ? '#2f6fde' : '#5d6470' }));
      s.append(svg('text', { x: xs[i], y: H + 14, 'text-anchor': 'middle' }, String(n)));
    });
    box.append(s);
    box.append(el('p', { class: 'muted' }, `${layers.join(' → ')} · ${neural.connectionCount} connections · ${neural.hiddenActivation}/${neural.outputActivation} · ` +
      `${neural.trainingAlgorithm} · ${neural.epochsTrained} epochs · last MSE ${fmt(neural.lastMse)} · ${neural.recordedSamples} recorded outcomes · ` +
      (neural.routingUsesNetwork ? 'routing uses the network' : 'routing by capability match until trained')));
    const custom = neural.custom;
    if (custom) box.append(el('p', { class: 'muted', id: 'custom-network', 'data-trained': String(custom.trained) }, custom.trained
      ? `Custom network (neural_train samples, never routes): ${custom.epochsTrained} epochs · last MSE ${fmt(custom.lastMse)} · ${custom.lastSamples} samples last time`
      : 'Custom network (neural_train samples, never routes): not trained.'));
  }

  // Each training on recorded outcomes is one line on the network's epoch axis (stored: every stride-th epoch and the last).
  function drawCurve(trainings, neural) {
    const box = $('training-curve');
    box.replaceChildren();
    const lines = trainings.map((t) => ({ t, points: t.mse.map((v, i) => ({ epoch: i === t.mse.length - 1 ? t.firstEpoch + t.epochs - 1 : t.firstEpoch + i * t.stride, v })) }));
    const all = lines.flatMap((l) => l.points);
    box.dataset.points = all.length;
    box.dataset.trainings = trainings.length;
    if (!all.length) { box.append(el('p', { class: 'muted' }, 'Not trained yet: the routing network trains by itself every few outcomes, or on neural_train.')); return; }
    box.dataset.lastMse = all[all.length - 1].v;
    const W = 380, H = 200, L = 52, R = 10, T = 10, B = 30;
    const lo = Math.min(...all.map((p) => p.v)), hi = Math.max(...all.map((p) => p.v));
    const span = hi - lo || Math.abs(hi) || 1;
    const y0 = Math.max(0, lo - span * 0.1), y1 = hi + span * 0.1;
    const e0 = all[0].epoch, e1 = all[all.length - 1].epoch;
    const X = (e) => L + (e1 === e0 ? (W - L - R) / 2 : ((e - e0) * (W - L - R)) / (e1 - e0));
    const Y = (v) => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
    const s = svg('svg', { width: W, height: H });
    for (let k = 0; k <= 4; k++) {
      const v = y0 + ((y1 - y0) * k) / 4;
      s.append(svg('line', { class: 'grid-line', x1: L, x2: W - R, y1: Y(v), y2: Y(v) }), svg('text', { x: L - 4, y: Y(v) + 4, 'text-anchor': 'end' }, fmt(v, 2)));
    }
    s.append(svg('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }), svg('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
    s.append(svg('text', { x: L, y: H - B + 16 }, 'epoch ' + e0), svg('text', { x: W - R, y: H - B + 16, 'text-anchor': 'end' }, 'epoch ' + e1));
    for (const { t, points } of lines) {
      const color = t.trigger === 'automatic' ? '#2f6fde' : '#d9822b';
      const d = points.map((p, i) => `${i ? 'L' : 'M'} ${X(p.epoch).toFixed(1)} ${Y(p.v).toFixed(1)}`).join(' ');
      s.append(svg('path', { class: 'curve', d, fill: 'none', stroke: color, 'stroke-width': 2, 'data-points': points.length, 'data-trigger': t.trigger }));
      if (all.length <= 80) points.forEach((p) => { const c = svg('circle', { cx: X(p.epoch), cy: Y(p.v), r: 2.5, fill: color }); c.append(svg('title', {}, `epoch ${p.epoch}: ${p.v}`)); s.append(c); });
    }
    box.append(s);
    box.append(el('p', { class: 'legend' }, 'blue: automatic trainings · orange: manual (neural_train)'));
    const list = el('ol', { class: 'trainings' });
    for (const t of trainings) {
      list.append(el('li', { 'data-trigger': t.trigger, 'data-before': t.heldOutAccuracyBefore ?? '', 'data-after': t.heldOutAccuracyAfter ?? '' },
        `${t.trigger} · ${t.samples} outcomes · epochs ${t.firstEpoch}–${t.firstEpoch + t.epochs - 1} · final MSE ${fmt(t.mse[t.mse.length - 1], 4)} · held-out accuracy ` +
        (t.heldOutAccuracyBefore === null && t.heldOutAccuracyAfter === null ? 'not measured' : `${pct(t.heldOutAccuracyBefore)} → ${pct(t.heldOutAccuracyAfter)}`)));
    }
    box.append(list);
    box.append(el('p', { class: 'muted' }, `${trainings.length} training(s) shown · ${neural.epochsTrained} epochs trained in all · final MSE ${fmt(all[all.length - 1].v, 4)}`));
  }

  function drawDecisions(decisions, agents) {
    const box = $('decisions');
    box.replaceChildren();
    if (!decisions.length) { box.append(el('p', { class: 'muted' }, 'No routing decisions recorded yet: tasks are routed when they are assigned or claimed.')); return; }
    const names = new Map(agents.map((a) => [a.id, a.name]));
    for (const d of decisions) {
      const div = el('div', { class: 'decision', 'data-decision-task': d.taskId });
      div.append(el('div', { class: 'task' }, `${d.summary}`), el('div', { class: 'muted' }, `${d.taskId} · ${d.status.replace('_', ' ')} · ${d.decision.method.replace('_', ' ')}: ${d.decision.reason}`));
      const ranking = d.decision.ranking.slice(0, 6), W = 420, RH = 16;
      const s = svg('svg', { width: W, height: ranking.length * RH + 4 });
      ranking.forEach((r, i) => {
        const y = i * RH + 2;
        s.append(svg('text', { x: 0, y: y + 11 }, (names.get(r.agentId) ?? shortId(r.agentId)).slice(0, 22)));
        s.append(svg('rect', { x: 150, y, width: Math.max(1, Math.min(1, r.score) * 200), height: RH - 4, fill: i === 0 ? '#2e9e5b' : '#9aa3b2', 'data-score': r.score }));
        s.append(svg('text', { x: 356, y: y + 11 }, fmt(r.score) + (r.networkScore !== null ? ` (net ${fmt(r.networkScore, 2)})` : '')));
      });
      div.append(s);
      box.append(div);
    }
  }

  function drawMemory(namespaces) {
    const box = $('memory');
    box.replaceChildren();
    if (!namespaces.length) { box.append(el('p', { class: 'muted' }, 'No memory namespaces: memory_usage action=store creates one.')); return; }
    const max = Math.max(1, ...namespaces.map((n) => n.bytes)), RH = 18, W = 560;
    const s = svg('svg', { width: W, height: namespaces.length * RH + 4 });
    namespaces.forEach((n, i) => {
      const y = i * RH + 2;
      const g = svg('g', { 'data-namespace': n.namespace });
      g.append(svg('text', { x: 0, y: y + 12 }, n.namespace.slice(0, 26)),
        svg('rect', { x: 180, y, width: Math.max(1, (n.bytes / max) * 250), height: RH - 5, fill: '#5d6470' }),
        svg('text', { x: 436, y: y + 12 }, `${n.entries} entries · ${bytes(n.bytes)}`));
      s.append(g);
    });
    box.append(s);
  }

  window.addEventListener('hashchange', () => { selected = decodeURIComponent(location.hash.slice(1)) || selected; refresh(); });
  refresh();
})();
