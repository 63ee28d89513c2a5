import type { Node } from 'yaml';
import { yaml, type Loaded, type YamlDocs } from '../yaml/yaml-docs';

/**
 * The online-deployment YAML keys that are settings (not model, code or environment), each turned into its ARM
 * OnlineDeployment property as `az ml` sends it. Values are checked against the schema's allowed values.
 */

type Docs = Pick<YamlDocs, 'fail'>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- YAML as the user wrote it, checked below
type Plain = any;

const plain = (node: Node): Plain => (node as { toJSON(): unknown }).toJSON();
const iso = (seconds: number) => `PT${seconds}S`;

export function number(docs: Docs, doc: Loaded, node: Node, key: string, opts: { min?: number; integer?: boolean } = {}): number {
  const v = Number(plain(node));
  if (!Number.isFinite(v) || (opts.integer && !Number.isInteger(v)) || (opts.min !== undefined && v < opts.min))
    docs.fail(
      doc,
      node,
      key,
      `expected ${opts.integer ? 'a whole number' : 'a number'}${opts.min !== undefined ? ` of at least ${opts.min}` : ''}, not '${plain(node)}'`,
    );
  return v;
}

export function choice(docs: Docs, doc: Loaded, node: Node, key: string, allowed: string[]): string {
  const v = String(plain(node)).toLowerCase();
  if (!allowed.includes(v)) docs.fail(doc, node, key, `'${plain(node)}' is not allowed; allowed values: ${allowed.join(', ')}`);
  return v;
}

export function mapping(docs: Docs, doc: Loaded, node: Node, key: string, allowed: string[]): Map<string, Node> {
  if (!yaml().isMap(node)) docs.fail(doc, node, key, `expected a mapping with ${allowed.join(', ')}`);
  const out = new Map<string, Node>();
  for (const pair of node.items) {
    const name = String((pair.key as { value: unknown }).value);
    if (!allowed.includes(name)) docs.fail(doc, pair.key as Node, `${key}.${name}`, `is not supported here; supported keys: ${allowed.join(', ')}`);
    out.set(name, pair.value as Node);
  }
  return out;
}

const PROBE: Record<string, string> = {
  initial_delay: 'initialDelay',
  period: 'period',
  timeout: 'timeout',
  success_threshold: 'successThreshold',
  failure_threshold: 'failureThreshold',
};

function probe(docs: Docs, doc: Loaded, node: Node, key: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of mapping(docs, doc, node, key, Object.keys(PROBE))) {
    const n = number(docs, doc, v, `${key}.${k}`, { min: k === 'initial_delay' ? 0 : 1, integer: true });
    out[PROBE[k]] = k.endsWith('threshold') ? n : iso(n);
  }
  return out;
}

function requestSettings(docs: Docs, doc: Loaded, node: Node, key: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of mapping(docs, doc, node, key, ['request_timeout_ms', 'max_concurrent_requests_per_instance', 'max_queue_wait_ms'])) {
    const n = number(docs, doc, v, `${key}.${k}`, { min: 1, integer: true });
    if (k === 'request_timeout_ms') {
      if (n > 180_000) docs.fail(doc, v, `${key}.${k}`, `${n} ms is over the 180000 ms (180 s) limit of online endpoints`);
      out.requestTimeout = iso(n / 1000);
    } else if (k === 'max_queue_wait_ms') out.maxQueueWait = iso(n / 1000);
    else out.maxConcurrentRequestsPerInstance = n;
  }
  return out;
}

function scaleSettings(docs: Docs, doc: Loaded, node: Node, key: string): Record<string, unknown> {
  const keys = ['type', 'min_instances', 'max_instances', 'polling_interval', 'target_utilization_percentage'];
  const m = mapping(docs, doc, node, key, keys);
  const typeNode = m.get('type');
  const type = typeNode ? choice(docs, doc, typeNode, `${key}.type`, ['default', 'target_utilization']) : 'default';
  if (type === 'default') {
    const extra = [...m.keys()].find((k) => k !== 'type');
    if (extra) docs.fail(doc, m.get(extra), `${key}.${extra}`, "applies to type 'target_utilization' only");
    return { scaleType: 'Default' };
  }
  const n = (k: string, min: number) => (m.get(k) ? number(docs, doc, m.get(k) as Node, `${key}.${k}`, { min, integer: true }) : undefined);
  const polling = n('polling_interval', 1);
  return {
    scaleType: 'TargetUtilization',
    minInstances: n('min_instances', 0) ?? 1,
    maxInstances: n('max_instances', 1) ?? 1,
    targetUtilizationPercentage: n('target_utilization_percentage', 1) ?? 70,
    ...(polling !== undefined ? { pollingInterval: iso(polling) } : {}),
  };
}

function resources(docs: Docs, doc: Loaded, node: Node, key: string): Record<string, unknown> {
  const part = (name: string, v: Node) => {
    const out: Record<string, string> = {};
    for (const [k, q] of mapping(docs, doc, v, `${key}.${name}`, ['cpu', 'memory', 'nvidia.com/gpu'])) {
      const text = String(plain(q));
      if (k === 'memory' && !/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$/.test(text))
        docs.fail(doc, q, `${key}.${name}.memory`, `'${text}' is not a Kubernetes quantity (for example 512Mi or 2Gi)`);
      if (k !== 'memory' && !/^\d+(\.\d+)?m?$/.test(text)) docs.fail(doc, q, `${key}.${name}.${k}`, `'${text}' is not a count (for example 0.5, 500m or 2)`);
      out[k === 'nvidia.com/gpu' ? 'gpu' : k] = text;
    }
    return out;
  };
  const m = mapping(docs, doc, node, key, ['requests', 'limits']);
  return {
    ...(m.get('requests') ? { containerResourceRequests: part('requests', m.get('requests') as Node) } : {}),
    ...(m.get('limits') ? { containerResourceLimits: part('limits', m.get('limits') as Node) } : {}),
  };
}

function dataCollector(docs: Docs, doc: Loaded, node: Node, key: string): Record<string, unknown> {
  const m = mapping(docs, doc, node, key, ['collections', 'sampling_rate', 'rolling_rate', 'request_logging', 'destination']);
  const rate = m.get('sampling_rate') ? number(docs, doc, m.get('sampling_rate') as Node, `${key}.sampling_rate`, { min: 0 }) : undefined;
  const collections: Record<string, unknown> = {};
  const cNode = m.get('collections');
  if (cNode && !yaml().isMap(cNode)) docs.fail(doc, cNode, `${key}.collections`, 'expected a mapping of collection names (model_inputs, model_outputs, ...)');
  for (const pair of cNode && yaml().isMap(cNode) ? cNode.items : []) {
    const name = String((pair.key as { value: unknown }).value);
    const c = mapping(docs, doc, pair.value as Node, `${key}.collections.${name}`, ['enabled', 'data', 'client_id', 'sampling_rate']);
    const enabled = c.get('enabled') ? choice(docs, doc, c.get('enabled') as Node, `${key}.collections.${name}.enabled`, ['true', 'false']) : 'true';
    const data = c.get('data') ? plain(c.get('data') as Node) : undefined;
    collections[name] = {
      dataCollectionMode: enabled === 'true' ? 'Enabled' : 'Disabled',
      ...(c.get('client_id') ? { clientId: String(plain(c.get('client_id') as Node)) } : {}),
      ...(data ? { dataId: typeof data === 'string' ? data : `azureml:${data.name}:${data.version}` } : {}),
      ...(rate !== undefined || c.get('sampling_rate') ? { samplingRate: c.get('sampling_rate') ? Number(plain(c.get('sampling_rate') as Node)) : rate } : {}),
    };
  }
  const rolling = m.get('rolling_rate')
    ? choice(docs, doc, m.get('rolling_rate') as Node, `${key}.rolling_rate`, ['minute', 'hour', 'day', 'month', 'year'])
    : undefined;
  const logging = m.get('request_logging') ? mapping(docs, doc, m.get('request_logging') as Node, `${key}.request_logging`, ['capture_headers']) : undefined;
  return {
    collections,
    ...(rolling ? { rollingRate: rolling[0].toUpperCase() + rolling.slice(1) } : {}),
    ...(logging?.get('capture_headers') ? { requestLogging: { captureHeaders: plain(logging.get('capture_headers') as Node) } } : {}),
  };
}

type Converter = (docs: Docs, doc: Loaded, node: Node, key: string) => [string, unknown];

const env = (docs: Docs, doc: Loaded, node: Node, key: string): Record<string, string> => {
  if (!yaml().isMap(node)) docs.fail(doc, node, key, 'expected a mapping of variable names to values');
  return Object.fromEntries(Object.entries(plain(node) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
};

/** Each settings key, its ARM name and value; `only` marks the keys of one endpoint type. */
export const SETTINGS: Record<string, { only?: 'managed' | 'kubernetes'; convert: Converter }> = {
  instance_type: { convert: (_, __, n) => ['instanceType', String(plain(n))] },
  app_insights_enabled: { convert: (d, doc, n, k) => ['appInsightsEnabled', choice(d, doc, n, k, ['true', 'false']) === 'true'] },
  environment_variables: { convert: (d, doc, n, k) => ['environmentVariables', env(d, doc, n, k)] },
  request_settings: { convert: (d, doc, n, k) => ['requestSettings', requestSettings(d, doc, n, k)] },
  liveness_probe: { convert: (d, doc, n, k) => ['livenessProbe', probe(d, doc, n, k)] },
  readiness_probe: { convert: (d, doc, n, k) => ['readinessProbe', probe(d, doc, n, k)] },
  startup_probe: { convert: (d, doc, n, k) => ['startupProbe', probe(d, doc, n, k)] },
  scale_settings: { convert: (d, doc, n, k) => ['scaleSettings', scaleSettings(d, doc, n, k)] },
  model_mount_path: { convert: (_, __, n) => ['modelMountPath', String(plain(n))] },
  description: { convert: (_, __, n) => ['description', String(plain(n))] },
  properties: { convert: (d, doc, n, k) => ['properties', env(d, doc, n, k)] },
  egress_public_network_access: {
    only: 'managed',
    convert: (d, doc, n, k) => ['egressPublicNetworkAccess', choice(d, doc, n, k, ['enabled', 'disabled']) === 'enabled' ? 'Enabled' : 'Disabled'],
  },
  // The deprecated spelling of egress_public_network_access: disabled.
  private_network_connection: {
    only: 'managed',
    convert: (d, doc, n, k) => ['egressPublicNetworkAccess', choice(d, doc, n, k, ['true', 'false']) === 'true' ? 'Disabled' : 'Enabled'],
  },
  data_collector: { only: 'managed', convert: (d, doc, n, k) => ['dataCollector', dataCollector(d, doc, n, k)] },
  resources: { only: 'kubernetes', convert: (d, doc, n, k) => ['containerResourceRequirements', resources(d, doc, n, k)] },
};
