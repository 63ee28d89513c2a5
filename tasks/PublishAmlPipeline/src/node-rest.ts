import type { PipelineNode } from './pipeline-model';

/**
 * The wire shapes of a pipeline component's nodes, as the Azure ML SDK sends them (recorded bodies in the wire
 * evidence): `componentId`/`computeId` camelCase, inputs as `job_input_type`, outputs as `job_output_type`, and
 * the node's own keys (resources, limits, search_space, ...) in the YAML schema's snake_case.
 */

function typeOfLiteral(value: unknown): string {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return 'string';
}

/** Pipeline inputs as component inputs: a bare literal becomes a typed input with that default. */
export function componentInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, v]) => [name, v !== null && typeof v === 'object' ? v : { type: typeOfLiteral(v), default: v }]),
  );
}

export function nodeInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, v]) => {
      if (v !== null && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        return [
          name,
          o.path !== undefined
            ? { job_input_type: String(o.type ?? 'uri_folder'), uri: o.path, ...(o.mode ? { mode: o.mode } : {}) }
            : { job_input_type: 'literal', value: String(o.value ?? '') },
        ];
      }
      return [name, { job_input_type: 'literal', value: String(v) }];
    }),
  );
}

export function nodeOutputs(outputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, v]) => {
      if (v === null) return [name, { job_output_type: 'uri_folder' }];
      if (typeof v === 'object') {
        const { type, path, ...rest } = v as Record<string, unknown>;
        return [name, { job_output_type: String(type ?? 'uri_folder'), ...(path !== undefined ? { uri: path } : {}), ...rest }];
      }
      return [name, { job_output_type: 'literal', value: String(v) }];
    }),
  );
}

const DISTRIBUTION_TYPES: Record<string, string> = { pytorch: 'PyTorch', mpi: 'Mpi', tensorflow: 'TensorFlow', ray: 'Ray' };
const IDENTITY_TYPES: Record<string, string> = { user_identity: 'UserIdentity', managed: 'Managed', managed_identity: 'Managed', aml_token: 'AMLToken' };

/**
 * The node keys whose wire form differs from the YAML's, as the SDK's node serialisation writes them (recorded
 * node bodies): `distribution.type` becomes `distribution_type` ('PyTorch', 'Mpi', 'TensorFlow', 'Ray'),
 * `identity.type` becomes `identity_type` ('UserIdentity', 'Managed', 'AMLToken'), and a command's `limits.timeout`
 * in seconds becomes `{job_limits_type: 'Command', timeout: 'PT<n>S'}`. Other keys keep the YAML's snake_case.
 */
function wireFields(type: string, fields: Record<string, unknown>): Record<string, unknown> {
  const out = { ...fields };
  const typed = (value: unknown, names: Record<string, string>, key: string) => {
    if (!value || typeof value !== 'object') return value;
    const { type: t, ...rest } = value as Record<string, unknown>;
    return t === undefined ? value : { [key]: names[String(t).toLowerCase()] ?? t, ...rest };
  };
  if (out.distribution) out.distribution = typed(out.distribution, DISTRIBUTION_TYPES, 'distribution_type');
  if (out.identity) out.identity = typed(out.identity, IDENTITY_TYPES, 'identity_type');
  const limits = out.limits as Record<string, unknown> | undefined;
  if (type === 'command' && limits && typeof limits.timeout === 'number')
    out.limits = { job_limits_type: 'Command', ...limits, timeout: `PT${limits.timeout}S` };
  return out;
}

/** One node of the graph; `componentId` is an ARM id or a registry URI, absent for automl nodes. */
export function nodeBody(node: PipelineNode, componentId: string | undefined, inputs: Record<string, unknown>): Record<string, unknown> {
  return {
    ...wireFields(node.type, node.fields),
    type: node.type,
    ...(componentId ? { componentId } : {}),
    ...(node.type === 'sweep' && componentId ? { trial: { componentId } } : {}),
    ...(node.compute ? { computeId: node.compute } : {}),
    ...(node.displayName ? { display_name: node.displayName } : {}),
    inputs: nodeInputs(inputs),
    outputs: nodeOutputs(node.outputs),
  };
}
