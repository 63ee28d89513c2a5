import * as path from 'node:path';
import type { Node } from 'yaml';
import { yaml, YamlDocs, type Loaded } from '../yaml/yaml-docs';

/** An online endpoint YAML (`az ml online-endpoint create -f`), in the terms the deploy tasks use. */
export interface EndpointFile {
  file: string;
  name?: string;
  authMode?: 'key' | 'aml_token' | 'aad_token';
  /** The Kubernetes compute's name (`compute: azureml:<name>`): the file makes a Kubernetes endpoint. */
  computeName?: string;
  description?: string;
  tags?: Record<string, string>;
  /** ARM's ManagedServiceIdentity. */
  identity?: { type: string; userAssignedIdentities?: Record<string, object> };
  publicNetworkAccess?: 'Enabled' | 'Disabled';
  where: Record<string, string>;
  warnings: string[];
}

const KEYS = [
  '$schema',
  'name',
  'auth_mode',
  'compute',
  'description',
  'tags',
  'identity',
  'traffic',
  'mirror_traffic',
  'public_network_access',
  'kind',
  'properties',
];
const IDENTITY_TYPES: Record<string, string> = {
  system_assigned: 'SystemAssigned',
  user_assigned: 'UserAssigned',
  'system_assigned,user_assigned': 'SystemAssigned,UserAssigned',
  none: 'None',
};

class EndpointReader extends YamlDocs {
  read(file: string): EndpointFile {
    const doc = this.load(file);
    const e = this.entries(doc, doc.map, '', KEYS);
    const out: EndpointFile = { file, where: {}, warnings: [] };
    for (const pair of doc.map.items)
      out.where[String((pair.key as { value: unknown }).value)] = this.where(doc, pair.key as Node, '', '').replace(/: key '': $/, '');
    out.name = this.str(doc, e.get('name'), 'name');
    const auth = this.str(doc, e.get('auth_mode'), 'auth_mode')?.toLowerCase();
    if (auth !== undefined && !['key', 'aml_token', 'aad_token'].includes(auth))
      this.fail(doc, e.get('auth_mode'), 'auth_mode', `'${auth}' is not allowed; allowed values: key, aml_token, aad_token`);
    out.authMode = auth as EndpointFile['authMode'];
    const compute = this.str(doc, e.get('compute'), 'compute');
    if (compute) out.computeName = compute.replace(/^azureml:/, '');
    if (compute && auth === 'aad_token') this.fail(doc, e.get('auth_mode'), 'auth_mode', 'Kubernetes online endpoints take key or aml_token');
    out.description = this.str(doc, e.get('description'), 'description');
    out.tags = this.stringMap(doc, e.get('tags'), 'tags');
    const access = this.str(doc, e.get('public_network_access'), 'public_network_access')?.toLowerCase();
    if (access !== undefined && access !== 'enabled' && access !== 'disabled')
      this.fail(doc, e.get('public_network_access'), 'public_network_access', `'${access}' is not allowed; allowed values: enabled, disabled`);
    if (access) out.publicNetworkAccess = access === 'enabled' ? 'Enabled' : 'Disabled';
    if (e.get('identity')) out.identity = this.identity(doc, e.get('identity') as Node);
    for (const key of ['traffic', 'mirror_traffic'])
      if (e.has(key)) out.warnings.push(this.where(doc, e.get(key), key, 'is not applied: the task moves traffic by its trafficStrategy'));
    return out;
  }

  private identity(doc: Loaded, node: Node): EndpointFile['identity'] {
    if (!yaml().isMap(node)) this.fail(doc, node, 'identity', 'expected a mapping with type (and user_assigned_identities)');
    const e = this.entries(doc, node, 'identity', ['type', 'user_assigned_identities']);
    const type = (this.str(doc, e.get('type'), 'identity.type') ?? '').toLowerCase().replace(/\s/g, '');
    if (!IDENTITY_TYPES[type])
      this.fail(doc, e.get('type') ?? node, 'identity.type', `'${type}' is not allowed; allowed values: ${Object.keys(IDENTITY_TYPES).join(', ')}`);
    const list = e.get('user_assigned_identities');
    const ids = list ? (this.plain(list) as unknown[]) : [];
    if (!Array.isArray(ids)) this.fail(doc, list, 'identity.user_assigned_identities', 'expected a list of {resource_id: ...}');
    const userAssigned = Object.fromEntries(ids.map((i) => [String((i as { resource_id?: string }).resource_id ?? i), {}]));
    return { type: IDENTITY_TYPES[type], ...(ids.length ? { userAssignedIdentities: userAssigned } : {}) };
  }
}

export function readEndpointFile(file: string, input: string): EndpointFile {
  const full = path.resolve(file);
  return new EndpointReader(path.dirname(full), input).read(full);
}
