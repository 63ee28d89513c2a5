import * as fs from 'node:fs';
import { once } from '../../../shared/lazy-modules';
import { InputError } from '../../../shared/errors';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = once(() => require('yaml') as typeof import('yaml'));

/** Deployment settings in ARM's OnlineDeployment property names. */
export interface DeploymentSettings {
  instanceType?: string;
  instanceCount?: number;
  scaleSettings?: Record<string, unknown>;
  requestSettings?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  appInsightsEnabled?: boolean;
  environmentVariables?: Record<string, string>;
  containerResourceRequirements?: Record<string, unknown>;
}

export interface LoadedConfig {
  format: 'v2' | 'v1';
  settings: DeploymentSettings;
  warnings: string[];
}

const seconds = (s: number) => `PT${s}S`;
const ms = (n: number) => `PT${n / 1000}S`;

function probe(p: Record<string, number> | undefined): Record<string, unknown> | undefined {
  if (!p) return undefined;
  return {
    ...(p.initial_delay !== undefined ? { initialDelay: seconds(p.initial_delay) } : {}),
    ...(p.period !== undefined ? { period: seconds(p.period) } : {}),
    ...(p.timeout !== undefined ? { timeout: seconds(p.timeout) } : {}),
    ...(p.success_threshold !== undefined ? { successThreshold: p.success_threshold } : {}),
    ...(p.failure_threshold !== undefined ? { failureThreshold: p.failure_threshold } : {}),
  };
}

/** A deployment file's mapping as written: any shape, checked key by key below. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- YAML as the user wrote it
type YamlMap = Record<string, any>;

const V2_KEYS = [
  '$schema',
  'name',
  'endpoint_name',
  'model',
  'environment',
  'code_configuration',
  'instance_type',
  'instance_count',
  'request_settings',
  'liveness_probe',
  'readiness_probe',
  'scale_settings',
  'app_insights_enabled',
  'environment_variables',
  'resources',
  'description',
  'tags',
  'type',
];

function fromV2(doc: YamlMap, warnings: string[]): DeploymentSettings {
  for (const key of Object.keys(doc))
    if (!V2_KEYS.includes(key)) throw new InputError('deploymentConfigFile', `key '${key}' is not supported; supported keys: ${V2_KEYS.join(', ')}.`);
  for (const key of ['model', 'environment', 'code_configuration', 'endpoint_name', 'name']) {
    if (doc[key] !== undefined) warnings.push(`deploymentConfigFile: '${key}' is taken from the task inputs, not from the file.`);
  }
  const rs = doc.request_settings ?? {};
  const sc = doc.scale_settings;
  const resources = doc.resources;
  const memory = (m: unknown) => (typeof m === 'number' ? `${m}Gi` : m);
  return {
    instanceType: doc.instance_type,
    instanceCount: doc.instance_count,
    requestSettings: doc.request_settings
      ? {
          ...(rs.request_timeout_ms !== undefined ? { requestTimeout: ms(rs.request_timeout_ms) } : {}),
          ...(rs.max_concurrent_requests_per_instance !== undefined ? { maxConcurrentRequestsPerInstance: rs.max_concurrent_requests_per_instance } : {}),
          ...(rs.max_queue_wait_ms !== undefined ? { maxQueueWait: ms(rs.max_queue_wait_ms) } : {}),
        }
      : undefined,
    scaleSettings: sc
      ? sc.type === 'target_utilization'
        ? {
            scaleType: 'TargetUtilization',
            minInstances: sc.min_instances,
            maxInstances: sc.max_instances,
            targetUtilizationPercentage: sc.target_utilization_percentage,
            pollingInterval: sc.polling_interval !== undefined ? seconds(sc.polling_interval) : undefined,
          }
        : { scaleType: 'Default' }
      : undefined,
    livenessProbe: probe(doc.liveness_probe),
    readinessProbe: probe(doc.readiness_probe),
    appInsightsEnabled: doc.app_insights_enabled,
    environmentVariables: doc.environment_variables,
    containerResourceRequirements: resources
      ? {
          containerResourceRequests: {
            cpu: resources.requests?.cpu !== undefined ? String(resources.requests.cpu) : undefined,
            memory: memory(resources.requests?.memory),
          },
          containerResourceLimits: resources.limits
            ? { cpu: resources.limits.cpu !== undefined ? String(resources.limits.cpu) : undefined, memory: memory(resources.limits.memory) }
            : undefined,
        }
      : undefined,
  };
}

/** MLOpsPython's v1 deployment_config_aks.yml, field by field; a warning for each setting v2 has no place for. */
function fromV1(doc: YamlMap, warnings: string[]): DeploymentSettings {
  const settings: DeploymentSettings = {};
  const request: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    switch (key) {
      case 'computeType':
        break;
      case 'autoScaler': {
        const a = value as YamlMap;
        if (a.autoscaleEnabled) {
          settings.scaleSettings = {
            scaleType: 'TargetUtilization',
            minInstances: a.minReplicas ?? 1,
            maxInstances: a.maxReplicas ?? 10,
            targetUtilizationPercentage: a.targetUtilization ?? 70,
            ...(a.refreshPeriodInSeconds ? { pollingInterval: seconds(a.refreshPeriodInSeconds) } : {}),
          };
        } else {
          settings.scaleSettings = { scaleType: 'Default' };
        }
        break;
      }
      case 'numReplicas':
        settings.instanceCount = Number(value);
        break;
      case 'containerResourceRequirements': {
        const c = value as Record<string, number>;
        settings.containerResourceRequirements = {
          containerResourceRequests: {
            ...(c.cpu !== undefined ? { cpu: String(c.cpu) } : {}),
            ...(c.memoryInGB !== undefined ? { memory: `${c.memoryInGB}Gi` } : {}),
          },
        };
        if (c.cpu_limit !== undefined || c.memory_in_gb_limit !== undefined) {
          (settings.containerResourceRequirements as Record<string, unknown>).containerResourceLimits = {
            ...(c.cpu_limit !== undefined ? { cpu: String(c.cpu_limit) } : {}),
            ...(c.memory_in_gb_limit !== undefined ? { memory: `${c.memory_in_gb_limit}Gi` } : {}),
          };
        }
        break;
      }
      case 'appInsightsEnabled':
        settings.appInsightsEnabled = Boolean(value);
        break;
      case 'scoringTimeoutMs':
        request.requestTimeout = ms(Number(value));
        break;
      case 'maxConcurrentRequestsPerContainer':
        request.maxConcurrentRequestsPerInstance = Number(value);
        break;
      case 'maxQueueWaitMs':
        request.maxQueueWait = ms(Number(value));
        break;
      case 'periodSeconds':
      case 'initialDelaySeconds':
      case 'timeoutSeconds':
      case 'successThreshold':
      case 'failureThreshold': {
        const field = {
          periodSeconds: 'period',
          initialDelaySeconds: 'initialDelay',
          timeoutSeconds: 'timeout',
          successThreshold: 'successThreshold',
          failureThreshold: 'failureThreshold',
        }[key];
        settings.livenessProbe = { ...(settings.livenessProbe ?? {}), [field]: key.endsWith('Seconds') ? seconds(Number(value)) : Number(value) };
        break;
      }
      case 'authEnabled':
      case 'tokenAuthEnabled':
        warnings.push(`deploymentConfigFile: '${key}' has no v2 deployment setting; authentication is the endpoint's authMode input.`);
        break;
      default:
        warnings.push(`deploymentConfigFile: '${key}' has no v2 equivalent and is ignored.`);
    }
  }
  if (Object.keys(request).length) settings.requestSettings = request;
  return settings;
}

export function loadDeploymentConfig(file: string): LoadedConfig {
  let doc: unknown;
  try {
    doc = yaml().parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError('deploymentConfigFile', `'${file}' is not valid YAML (${(err as Error).message.split('\n')[0]}).`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError('deploymentConfigFile', `'${file}' must hold a YAML mapping.`);
  const warnings: string[] = [];
  const map = doc as YamlMap;
  const v1 = ['computeType', 'autoScaler', 'containerResourceRequirements', 'numReplicas', 'scoringTimeoutMs', 'authEnabled'].some((k) => k in map);
  return v1 ? { format: 'v1', settings: fromV1(map, warnings), warnings } : { format: 'v2', settings: fromV2(map, warnings), warnings };
}
