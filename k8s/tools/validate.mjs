// Validates rendered Kubernetes manifests (multi-document YAML on stdin) offline:
// 1. every object against the Kubernetes JSON schema of its apiVersion/kind (kubernetes-models),
// 2. SwarmCluster's own rules (probes, resources, Orleans labels/env, references that resolve).
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
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        if (c[probe]?.httpGet?.path !== "/healthz") fail(w, `container ${c.name}: ${probe} must GET /healthz`);
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

const kinds = {};
for (const o of objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
if (errors.length) {
  console.error(`overlay ${overlay}: ${errors.length} problem(s)`);
  for (const e of errors) console.error(`  - ${e}`);
  process.exit(1);
}
console.log(`overlay ${overlay}: ${objects.length} objects valid (${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(", ")})`);
