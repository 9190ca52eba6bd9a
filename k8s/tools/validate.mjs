// Validates rendered Kubernetes manifests (multi-document YAML on stdin) offline:
// 1. every object against the Kubernetes JSON schema of its apiVersion/kind (kubernetes-models),
// 2. SwarmCluster's own rules (probes, resources, Orleans labels/env, references that resolve),
// 3. security: NetworkPolicies keep the silo ports to SwarmCluster pods and open only the gateway's HTTP port and,
//    to Prometheus alone, each silo's metrics port; no gateway (nor anything an Ingress or an external Service
//    reaches) runs without authentication, and no Ingress publishes the open /healthz or /metrics.
// Usage: kubectl kustomize k8s/overlays/dev | node validate.mjs --overlay dev [--external-secret NAME]...
import { parseAllDocuments } from "yaml";

const args = process.argv.slice(2);
const overlay = args[args.indexOf("--overlay") + 1] ?? "?";
const externalSecrets = new Set(args.flatMap((a, i) => (a === "--external-secret" ? [args[i + 1]] : [])));

const input = await new Promise((resolve) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
});

const errors = [];
const fail = (obj, message) => errors.push(`${obj?.kind ?? "?"}/${obj?.metadata?.name ?? "?"}: ${message}`);

const objects = [];
for (const doc of parseAllDocuments(input)) {
  if (doc.errors.length) {
    errors.push(`YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
    continue;
  }
  const obj = doc.toJS();
  // kustomize wraps long base64 values in Secret data at 70 columns; the API server's decoder skips the
  // newlines, the schema's "byte" format does not: compare like the server does.
  if (obj?.kind === "Secret" && obj.data) {
    for (const key of Object.keys(obj.data)) obj.data[key] = String(obj.data[key]).replace(/\s+/g, "");
  }
  if (obj) objects.push(obj);
}
if (objects.length === 0) errors.push("no objects rendered");

// 1. Schema validation: kubernetes-models/<group>/<version>/<Kind> (core group: kubernetes-models/v1/<Kind>).
for (const obj of objects) {
  if (!obj.apiVersion || !obj.kind) {
    fail(obj, "missing apiVersion or kind");
    continue;
  }
  const modulePath = `kubernetes-models/${obj.apiVersion}/${obj.kind}`;
  let Model;
  try {
    Model = (await import(modulePath))[obj.kind];
  } catch {
    fail(obj, `no schema for ${obj.apiVersion} ${obj.kind} (unknown or removed API)`);
    continue;
  }
  try {
    new Model(obj).validate();
  } catch (e) {
    fail(obj, `schema: ${e.message}`);
  }
}

// 2. Project rules.
const byKind = (kind) => objects.filter((o) => o.kind === kind);
const names = (kind) => new Set(byKind(kind).map((o) => o.metadata.name));
const workloads = [...byKind("Deployment"), ...byKind("StatefulSet"), ...byKind("Job")];
const secrets = new Set([...names("Secret"), ...externalSecrets]);
const configMaps = names("ConfigMap");
const serviceAccounts = names("ServiceAccount");
const podLabels = workloads.map((w) => w.spec?.template?.metadata?.labels ?? {});
const matches = (selector) =>
  selector && Object.keys(selector).length > 0 && podLabels.some((labels) => Object.entries(selector).every(([k, v]) => labels[k] === v));

for (const w of workloads) {
  const pod = w.spec?.template?.spec ?? {};
  const labels = w.spec?.template?.metadata?.labels ?? {};
  const isSilo = w.metadata.name.startsWith("swarmcluster-") && w.kind !== "Job";
  for (const c of pod.containers ?? []) {
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) fail(w, `container ${c.name}: resources.requests cpu/memory required`);
    if (!c.resources?.limits?.memory) fail(w, `container ${c.name}: resources.limits.memory required`);
    if (w.kind !== "Job" && (!c.readinessProbe || !c.livenessProbe)) fail(w, `container ${c.name}: readiness and liveness probes required`);
    if (isSilo) {
      for (const [probe, path] of [["startupProbe", "/healthz"], ["readinessProbe", "/healthz/ready"], ["livenessProbe", "/healthz/live"]]) {
        if (c[probe]?.httpGet?.path !== path) fail(w, `container ${c.name}: ${probe} must GET ${path}`);
      }
      const env = new Set((c.env ?? []).map((e) => e.name));
      for (const name of ["POD_NAME", "POD_NAMESPACE", "POD_IP", "SwarmCluster__RedisConnectionString", "SwarmCluster__PostgresConnectionString"]) {
        if (!env.has(name)) fail(w, `container ${c.name}: env ${name} required for Orleans Kubernetes hosting/clustering`);
      }
    }
    for (const e of c.env ?? []) {
      const s = e.valueFrom?.secretKeyRef?.name;
      if (s && !secrets.has(s)) fail(w, `env ${e.name} refers to Secret ${s}, which is neither rendered nor declared external`);
      const m = e.valueFrom?.configMapKeyRef?.name;
      if (m && !configMaps.has(m)) fail(w, `env ${e.name} refers to missing ConfigMap ${m}`);
    }
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef && !configMaps.has(from.configMapRef.name)) fail(w, `envFrom ConfigMap ${from.configMapRef.name} missing`);
      if (from.secretRef && !secrets.has(from.secretRef.name)) fail(w, `envFrom Secret ${from.secretRef.name} missing`);
    }
  }
  if (isSilo) {
    if (!labels["orleans/serviceId"] || !labels["orleans/clusterId"]) fail(w, "silo pods need orleans/serviceId and orleans/clusterId labels");
    if (!serviceAccounts.has(pod.serviceAccountName)) fail(w, `service account ${pod.serviceAccountName} missing (Kubernetes hosting watches pods)`);
    const config = byKind("ConfigMap").find((m) => m.metadata.name === "swarmcluster-config");
    if (config && (config.data.SwarmCluster__ClusterId !== labels["orleans/clusterId"] || config.data.SwarmCluster__ServiceId !== labels["orleans/serviceId"]))
      fail(w, "orleans/* pod labels must equal SwarmCluster__ClusterId/ServiceId");
    // Every silo serves /metrics on its HTTP port: Prometheus must be told where.
    const notes = w.spec.template.metadata?.annotations ?? {};
    const ports = new Set((pod.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => String(p.containerPort))));
    if (notes["prometheus.io/scrape"] !== "true" || notes["prometheus.io/path"] !== "/metrics" || !ports.has(notes["prometheus.io/port"]))
      fail(w, "silo pods need prometheus.io/scrape \"true\", path /metrics and a port the container declares");
  }
  if (w.kind === "Job" && !(w.spec.template.spec.containers ?? []).some((c) => (c.args ?? [])[0] === "migrate"))
    fail(w, "migration Job must run the `migrate` command");
}

for (const s of byKind("Service")) if (!matches(s.spec?.selector)) fail(s, "selector matches no pod template");
for (const p of byKind("PodDisruptionBudget")) if (!matches(p.spec?.selector?.matchLabels)) fail(p, "selector matches no pod template");
for (const h of byKind("HorizontalPodAutoscaler")) {
  const ref = h.spec.scaleTargetRef;
  if (!objects.some((o) => o.kind === ref.kind && o.metadata.name === ref.name)) fail(h, `scale target ${ref.kind}/${ref.name} missing`);
}
for (const i of byKind("Ingress"))
  for (const rule of i.spec.rules ?? [])
    for (const path of rule.http?.paths ?? [])
      if (!names("Service").has(path.backend.service?.name)) fail(i, `backend service ${path.backend.service?.name} missing`);
for (const rb of byKind("RoleBinding")) {
  if (!names("Role").has(rb.roleRef.name)) fail(rb, `role ${rb.roleRef.name} missing`);
  for (const s of rb.subjects ?? []) if (s.kind === "ServiceAccount" && !serviceAccounts.has(s.name)) fail(rb, `service account ${s.name} missing`);
}
if (!workloads.some((w) => w.kind === "Job")) errors.push("no migration Job rendered");

// 3. Security.
const config = byKind("ConfigMap").find((m) => m.metadata.name === "swarmcluster-config");
const siloPorts = [Number(config?.data?.SwarmCluster__SiloPort ?? 11111), Number(config?.data?.SwarmCluster__GatewayPort ?? 30000)];
const silos = workloads.filter((w) => w.kind !== "Job" && w.metadata.name.startsWith("swarmcluster-"));
const isGateway = (w) => w.spec?.template?.metadata?.labels?.["app.kubernetes.io/component"] === "gateway";
const selectorMatches = (selector, labels) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (selector?.matchExpressions ?? []).every((e) =>
    e.operator === "In" ? e.values.includes(labels[e.key]) :
    e.operator === "NotIn" ? !e.values.includes(labels[e.key]) :
    e.operator === "Exists" ? e.key in labels : !(e.key in labels));
const containerPort = (w, port) => {
  for (const c of w.spec.template.spec.containers ?? [])
    for (const p of c.ports ?? []) if (p.name === port || p.containerPort === port) return p;
  return null;
};
// A peer that can only be a SwarmCluster pod of this namespace.
const onlySwarmPods = (peer) => !peer.ipBlock && !peer.namespaceSelector && peer.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "swarmcluster";
// Prometheus, the one peer from another namespace besides the gateway's entry (the assumption documented with the
// NetworkPolicy swarmcluster-metrics): exactly these labels, namespace and pods in ONE peer so that both must match.
const exactly = (selector, labels) =>
  !!selector && !(selector.matchExpressions ?? []).length &&
  Object.keys(selector.matchLabels ?? {}).length === Object.keys(labels).length &&
  Object.entries(labels).every(([k, v]) => selector.matchLabels[k] === v);
const prometheusPeer = (peer) =>
  !peer.ipBlock &&
  exactly(peer.namespaceSelector, { "kubernetes.io/metadata.name": "monitoring" }) &&
  exactly(peer.podSelector, { "app.kubernetes.io/name": "prometheus" });
const policies = byKind("NetworkPolicy").filter((p) => (p.spec.policyTypes ?? ["Ingress"]).includes("Ingress"));
for (const w of silos) {
  const labels = w.spec.template.metadata.labels ?? {};
  const applying = policies.filter((p) => selectorMatches(p.spec.podSelector, labels));
  if (applying.length === 0) {
    fail(w, `no NetworkPolicy selects its pods: the silo ports ${siloPorts.join("/")} would be open to every pod`);
    continue;
  }
  const http = containerPort(w, "http")?.containerPort;
  const metrics = Number(w.spec.template.metadata.annotations?.["prometheus.io/port"]);
  let prometheusAdmitted = false;
  // Every rule is one of: silo ports from SwarmCluster pods of this namespace; the gateway's HTTP port (its entry,
  // authenticated; prod narrows the sources to the ingress controller); the metrics port from Prometheus. Nothing
  // else admits traffic from outside the namespace, and a worker's HTTP port admits no other pod at all.
  for (const p of applying)
    for (const [i, rule] of (p.spec.ingress ?? []).entries()) {
      const ports = (rule.ports ?? []).map((port) => containerPort(w, port.port)?.containerPort ?? port.port);
      const opensSilo = ports.length === 0 || ports.some((port) => siloPorts.includes(port));
      const fromAnywhere = !rule.from || rule.from.length === 0;
      if (opensSilo && (fromAnywhere || !rule.from.every(onlySwarmPods)))
        fail(p, `ingress rule ${i} opens ${ports.length ? "silo port(s) " + ports.filter((x) => siloPorts.includes(x)).join("/") : "every port"} of ${w.metadata.name} to more than SwarmCluster pods`);
      const fromPrometheus = !fromAnywhere && rule.from.every(prometheusPeer);
      for (const port of ports.filter((x) => !siloPorts.includes(x))) {
        if (isGateway(w) && port === http) continue;
        if (port === metrics && fromPrometheus) continue;
        fail(p, port === metrics
          ? `ingress rule ${i} opens the metrics port ${port} of ${w.metadata.name} to more than Prometheus (one peer: namespace monitoring and pods app.kubernetes.io/name: prometheus)`
          : `ingress rule ${i} exposes port ${port} of ${w.metadata.name}: only the gateway's HTTP port, and the metrics port to Prometheus, may be exposed`);
      }
      if ((ports.length === 0 || ports.includes(metrics)) && (fromAnywhere || rule.from.some(prometheusPeer))) prometheusAdmitted = true;
    }
  // The prometheus.io annotations ask Prometheus to scrape: the policies must let it.
  if (!prometheusAdmitted)
    fail(w, `no NetworkPolicy admits Prometheus (namespace monitoring, pods app.kubernetes.io/name: prometheus) to its metrics port ${metrics}`);
}
for (const s of byKind("Service")) {
  if (!["NodePort", "LoadBalancer"].includes(s.spec?.type)) continue;
  const targets = silos.filter((w) => selectorMatches({ matchLabels: s.spec.selector }, w.spec.template.metadata.labels ?? {}));
  if (targets.some((w) => !isGateway(w)) || (s.spec.ports ?? []).some((p) => p.targetPort !== "http"))
    fail(s, `a ${s.spec.type} Service may publish only the gateway's http port`);
}

// Authentication: what the gateway container's environment sets (env, ConfigMaps and rendered Secrets it imports).
const decoded = (secret) => ({
  ...Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), "base64").toString("utf8")])),
  ...(secret.stringData ?? {}),
});
const authKey = /^SwarmCluster__Auth__(ApiKeys__\d+__Hash|Jwt__(Authority|SigningKeys|SigningKeysFile))$/;
const authenticatedGateways = new Set();
for (const w of silos.filter(isGateway)) {
  for (const c of w.spec.template.spec.containers ?? []) {
    const values = new Map();
    const sources = [];
    let external = false;
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef) {
        const m = byKind("ConfigMap").find((x) => x.metadata.name === from.configMapRef.name);
        for (const [k, v] of Object.entries(m?.data ?? {})) values.set(k, v);
      } else if (from.secretRef) {
        const rendered = byKind("Secret").find((x) => x.metadata.name === from.secretRef.name);
        if (rendered) for (const [k, v] of Object.entries(decoded(rendered))) values.set(k, v);
        else if (externalSecrets.has(from.secretRef.name) && !from.secretRef.optional) {
          external = true; // created out of band: the overlay documents what goes in it
          sources.push(`Secret ${from.secretRef.name} (external)`);
        }
      }
    }
    for (const e of c.env ?? []) values.set(e.name, e.value ?? (e.valueFrom ? "<from a reference>" : ""));
    if (String(values.get("SwarmCluster__Auth__AllowAnonymous") ?? "").toLowerCase() === "true")
      fail(w, `container ${c.name}: SwarmCluster__Auth__AllowAnonymous=true serves the gateway without authentication`);
    else if ([...values.keys()].some((k) => authKey.test(k) && values.get(k)) || external)
      authenticatedGateways.add(w.metadata.name);
    else
      fail(w, `container ${c.name}: unauthenticated gateway: no API key hash (SwarmCluster__Auth__ApiKeys__N__Hash) or JWT authority/signing keys in its env, ConfigMaps or Secrets`);
  }
}
for (const i of byKind("Ingress"))
  for (const rule of i.spec.rules ?? [])
    for (const path of rule.http?.paths ?? []) {
      const service = byKind("Service").find((s) => s.metadata.name === path.backend.service?.name);
      if (!service) continue;
      const targets = silos.filter((w) => selectorMatches({ matchLabels: service.spec.selector }, w.spec.template.metadata.labels ?? {}));
      if (targets.length === 0 || targets.some((w) => !authenticatedGateways.has(w.metadata.name)))
        fail(i, `path ${path.path} reaches ${targets.map((w) => w.metadata.name).join(", ") || "no SwarmCluster pod"}: an Ingress may route only to authenticated gateways`);
      // /healthz* and /metrics answer without credentials: they stay inside the cluster (a Prefix "/" would publish them too).
      for (const open of ["/healthz", "/metrics"]) {
        const p = path.path.replace(/\/+$/, "") || "/";
        const under = p === open || p.startsWith(open + "/") || (open === "/healthz" && p.startsWith(open));
        const covers = path.pathType !== "Exact" && (p === "/" || open.startsWith(p + "/"));
        if (under || covers) fail(i, `path ${path.path} publishes ${open}, which answers without authentication`);
      }
    }

const kinds = {};
for (const o of objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
if (errors.length) {
  console.error(`overlay ${overlay}: ${errors.length} problem(s)`);
  for (const e of errors) console.error(`  - ${e}`);
  process.exit(1);
}
console.log(`overlay ${overlay}: ${objects.length} objects valid (${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(", ")})`);
