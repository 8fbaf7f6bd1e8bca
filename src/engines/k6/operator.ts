/**
 * k6-operator manifests for a distributed run: a ConfigMap holding the bundled scenario and the generated
 * config, and a TestRun with `parallelism` runners. Each runner writes its own NDJSON to a shared volume
 * (`/results/<pod>.ndjson`) with `--no-thresholds`: per-runner thresholds are not global verdicts
 * (FORMATS.md §13, grafana/k6-operator#392), so `loadgate merge /results/*.ndjson --sla suite.yaml` gives the
 * one verdict over the exactly merged histograms. Pure: returns YAML text.
 */
import { stringify } from 'yaml';

export interface OperatorOptions {
  /** Resource base name (DNS-1123), e.g. "loadgate-smoke". */
  name: string;
  namespace?: string;
  parallelism: number;
  /** The esbuild bundle of the scenario (plain ES module JS). */
  bundleJs: string;
  /** The generated config JSON (target, workload, thresholds). */
  configJson: string;
  /** PVC shared by the runners for their NDJSON. Default `<name>-results`. */
  resultsClaim?: string;
  /** Secret holding `apiKey` / `apiSecret` for signed endpoints. Default `<name>-credentials` (optional). */
  credentialsSecret?: string;
  /** Runner image. Default DEFAULT_K6_IMAGE. */
  image?: string;
  /** k6's `rps` limit of each runner (K6_RPS): target.maxRatePerSec's share of a closed workload ÷ parallelism. */
  rpsPerRunner?: number;
}

/**
 * The runner image `loadgate k6 operator` writes unless `--image` says otherwise: a current k6 release (the
 * bundles are ES2017 and also load on k6 0.48, the oldest supported version).
 */
export const DEFAULT_K6_IMAGE = 'grafana/k6:1.3.0';

/** A valid Kubernetes name from anything. */
export function k8sName(s: string): string {
  const n = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 52);
  return n === '' ? 'loadgate' : n;
}

export function operatorManifests(o: OperatorOptions): { configMap: string; testRun: string; pvc: string } {
  const ns = o.namespace ? { namespace: o.namespace } : {};
  const claim = o.resultsClaim ?? `${o.name}-results`;
  const secret = o.credentialsSecret ?? `${o.name}-credentials`;
  const labels = { 'app.kubernetes.io/managed-by': 'loadgate', 'loadgate/run': o.name };
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${o.name}-script`, ...ns, labels },
    data: { 'scenario.js': o.bundleJs, 'config.json': o.configJson },
  };
  const pvc = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claim, ...ns, labels },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '5Gi' } } },
  };
  const testRun = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name: o.name, ...ns, labels },
    spec: {
      parallelism: o.parallelism,
      script: { configMap: { name: `${o.name}-script`, file: 'scenario.js' } },
      // $(POD_NAME) is expanded by the kubelet from the env below: one NDJSON file per runner.
      arguments: '--out json=/results/$(POD_NAME).ndjson --no-thresholds',
      runner: {
        image: o.image ?? DEFAULT_K6_IMAGE,
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          // k6-operator mounts the script ConfigMap at /test, so config.json sits next to scenario.js.
          { name: 'LOADGATE_CONFIG', value: '/test/config.json' },
          ...(o.rpsPerRunner !== undefined ? [{ name: 'K6_RPS', value: String(o.rpsPerRunner) }] : []),
          { name: 'LOADGATE_API_KEY', valueFrom: { secretKeyRef: { name: secret, key: 'apiKey', optional: true } } },
          { name: 'LOADGATE_API_SECRET', valueFrom: { secretKeyRef: { name: secret, key: 'apiSecret', optional: true } } },
        ],
        volumes: [{ name: 'results', persistentVolumeClaim: { claimName: claim } }],
        volumeMounts: [{ name: 'results', mountPath: '/results' }],
      },
    },
  };
  return { configMap: stringify(configMap, { lineWidth: 0 }), testRun: stringify(testRun, { lineWidth: 0 }), pvc: stringify(pvc, { lineWidth: 0 }) };
}
