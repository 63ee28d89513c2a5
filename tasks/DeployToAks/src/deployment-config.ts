import * as fs from 'node:fs';
import { once } from '../../../shared/lazy-modules';
import { readDeploymentFile, type DeploymentFile } from '../../../shared/deploy/deployment-yaml';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = once(() => require('yaml') as typeof import('yaml'));

/** Deployment settings in ARM's OnlineDeployment property names, and the instance count (the sku's capacity). */
export type DeploymentSettings = { instanceCount?: number } & Record<string, unknown>;

export type LoadedConfig = { format: 'v1'; settings: DeploymentSettings; warnings: string[] } | { format: 'v2'; deployment: DeploymentFile };

const seconds = (s: number) => `PT${s}S`;
const ms = (n: number) => `PT${n / 1000}S`;

/** A deployment file's mapping as written: any shape, checked key by key below. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- YAML as the user wrote it
type YamlMap = Record<string, any>;

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

const V1_KEYS = ['computeType', 'autoScaler', 'containerResourceRequirements', 'numReplicas', 'scoringTimeoutMs', 'authEnabled'];

/** The deployment YAML: Azure ML CLI v2 (everything, read by the shared reader) or MLOpsPython's v1 config (settings). */
export function loadDeploymentConfig(file: string, computeType: 'managed' | 'kubernetes' | undefined): LoadedConfig {
  let doc: unknown;
  try {
    doc = yaml().parse(fs.readFileSync(file, 'utf8'));
  } catch {
    doc = undefined; // the v2 reader reports it with its line
  }
  const map = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as YamlMap) : undefined;
  if (map && V1_KEYS.some((k) => k in map)) {
    const warnings: string[] = [];
    return { format: 'v1', settings: fromV1(map, warnings), warnings };
  }
  return { format: 'v2', deployment: readDeploymentFile(file, 'deploymentConfigFile', computeType) };
}
