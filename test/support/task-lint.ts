import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TaskJson {
  id: string;
  name: string;
  friendlyName: string;
  description?: string;
  category?: string;
  instanceNameFormat?: string;
  version: { Major: number; Minor: number; Patch: number };
  groups?: { name: string }[];
  inputs?: {
    name: string;
    type: string;
    label?: string;
    helpMarkDown?: string;
    visibleRule?: string;
    groupName?: string;
    defaultValue?: string;
    options?: Record<string, string>;
    properties?: Record<string, string>;
  }[];
  outputVariables?: { name: string; description?: string }[];
  dataSourceBindings?: {
    target?: string;
    endpointId?: string;
    dataSourceName?: string;
    endpointUrl?: string;
    resultSelector?: string;
    resultTemplate?: string;
  }[];
  execution?: Record<string, { target?: string }>;
  runsOn?: string[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CATEGORIES = ['Build', 'Utility', 'Test', 'Package', 'Deploy', 'Azure Pipelines'];
const INPUT_READERS =
  /\b(?:requiredString|optionalString|secret|bool|int|optionalInt|enumOf|lines|keyValues|jsonObject|existingFile|positiveNumber|pair)\(\s*'([A-Za-z][A-Za-z0-9]*)'/g;
/** Inputs that name an Azure resource the connection can list: the classic designer offers them as pickers. */
export const PICKERS = ['resourceGroupName', 'workspaceName', 'computeName', 'modelName', 'endpointName', 'containerGroupName'];

/** Input names a task's own code reads (tasks/<T>/src/*.ts), so a rename in task.json cannot go unnoticed. */
function inputsReadByCode(taskDir: string): string[] {
  const src = path.join(taskDir, 'src');
  if (!fs.existsSync(src)) return [];
  const names = new Set<string>();
  for (const file of fs.readdirSync(src).filter((f) => f.endsWith('.ts'))) {
    for (const m of fs.readFileSync(path.join(src, file), 'utf8').matchAll(INPUT_READERS)) names.add(m[1]);
  }
  return [...names];
}

/** Problems with one task.json; an empty list means it passes. */
export function lintTask(taskDir: string, packageVersion: string): string[] {
  const problems: string[] = [];
  const task = JSON.parse(fs.readFileSync(path.join(taskDir, 'task.json'), 'utf8')) as TaskJson;
  const folder = path.basename(taskDir);
  const p = (msg: string) => problems.push(`${folder}: ${msg}`);
  if (!GUID.test(task.id ?? '')) p(`id '${task.id}' is not a GUID`);
  if (task.name !== folder) p(`name '${task.name}' differs from its folder`);
  if (!/^[A-Za-z0-9-]+$/.test(task.name ?? '')) p('name has characters tfx refuses');
  if (!task.friendlyName || task.friendlyName.length > 40) p(`friendlyName must be 1-40 characters (has ${task.friendlyName?.length ?? 0})`);
  if (!task.instanceNameFormat) p('instanceNameFormat is missing');
  if (!task.description) p('description is missing');
  if (!CATEGORIES.includes(task.category ?? '')) p(`category '${task.category}' is not one of ${CATEGORIES.join(', ')}`);
  const v = task.version;
  if (`${v?.Major}.${v?.Minor}.${v?.Patch}` !== packageVersion)
    p(`version ${v?.Major}.${v?.Minor}.${v?.Patch} is not in lockstep with package.json ${packageVersion}`);

  const inputs = task.inputs ?? [];
  const names = new Set<string>();
  const groups = new Set((task.groups ?? []).map((g) => g.name));
  for (const input of inputs) {
    if (names.has(input.name)) p(`input '${input.name}' is declared twice`);
    names.add(input.name);
    if (!input.label) p(`input '${input.name}' has no label`);
    if (!input.helpMarkDown) p(`input '${input.name}' has no helpMarkDown`);
    if (input.groupName && !groups.has(input.groupName)) p(`input '${input.name}' names a group '${input.groupName}' that does not exist`);
    if (input.type === 'pickList' && input.defaultValue && input.options && !(input.defaultValue in input.options)) {
      p(`input '${input.name}' default '${input.defaultValue}' is not one of its options`);
    }
  }
  for (const input of inputs.filter((i) => i.visibleRule)) {
    const rule = input.visibleRule as string;
    if (rule.includes('&&') && rule.includes('||')) p(`input '${input.name}' visibleRule mixes && and ||`);
    for (const clause of rule.split(/&&|\|\|/)) {
      const ref = /^\s*([A-Za-z0-9_]+)\s*(=|!=|<|>|<=|>=|NotEndsWith|EndsWith|NotContains|Contains)/.exec(clause)?.[1];
      if (!ref) p(`input '${input.name}' visibleRule clause '${clause.trim()}' is not of the form <input> <op> <value>`);
      else if (!names.has(ref)) p(`input '${input.name}' visibleRule names '${ref}', which is not an input`);
    }
  }
  // The designer shows groups in the order declared; inputs of a group belong together, in that order.
  const order = (task.groups ?? []).map((g) => g.name);
  let lastGroup = -1;
  for (const input of inputs.filter((i) => i.groupName)) {
    const at = order.indexOf(input.groupName as string);
    if (at < lastGroup) p(`input '${input.name}' (group '${input.groupName}') comes after an input of a later group`);
    lastGroup = Math.max(lastGroup, at);
  }

  const connection = inputs.find((i) => i.type.startsWith('connectedService:AzureRM'))?.name;
  const bound = new Set<string>();
  for (const b of task.dataSourceBindings ?? []) {
    const target = inputs.find((i) => i.name === b.target);
    const label = `dataSourceBinding '${b.target}'`;
    if (!target) {
      p(`${label} targets no input`);
      continue;
    }
    bound.add(target.name);
    if (target.type !== 'pickList' || target.properties?.EditableOptions !== 'True')
      p(`${label}: its input must be a pickList with EditableOptions True (so a variable can still be typed)`);
    if (!connection || b.endpointId !== `$(${connection})`) p(`${label}: endpointId must be $(${connection ?? '<the AzureRM connection input>'})`);
    if (!b.dataSourceName && !b.endpointUrl) p(`${label} has neither dataSourceName nor endpointUrl`);
    if (b.endpointUrl) {
      if (!b.endpointUrl.startsWith('{{{endpoint.url}}}subscriptions/{{{endpoint.subscriptionId}}}/'))
        p(`${label}: endpointUrl must start with {{{endpoint.url}}}subscriptions/{{{endpoint.subscriptionId}}}/ (the connection's cloud and subscription)`);
      if (!/[?&]api-version=\d{4}-\d{2}-\d{2}/.test(b.endpointUrl)) p(`${label}: endpointUrl has no api-version`);
      for (const m of b.endpointUrl.matchAll(/\$\((\w+)\)/g)) if (!names.has(m[1])) p(`${label}: endpointUrl uses $(${m[1]}), which is not an input`);
      if (!b.resultSelector?.startsWith('jsonpath:')) p(`${label}: resultSelector must be a jsonpath: selector`);
      if (!b.resultTemplate?.includes('"Value"')) p(`${label}: resultTemplate must give Value and DisplayValue`);
    }
  }
  if (connection) for (const name of PICKERS) if (names.has(name) && !bound.has(name)) p(`input '${name}' has no picker (dataSourceBinding)`);

  for (const out of task.outputVariables ?? []) {
    if (!out.description) p(`output variable '${out.name}' has no description`);
  }
  for (const read of inputsReadByCode(taskDir)) {
    if (!names.has(read)) p(`the code reads input '${read}', which task.json does not declare`);
  }

  const execution = task.execution ?? {};
  if (task.runsOn?.includes('Server')) {
    if (!execution.HttpRequest) p('a server task needs an HttpRequest execution');
  } else {
    for (const handler of ['Node20_1', 'Node24']) {
      const target = execution[handler]?.target;
      if (!target) p(`execution has no ${handler} handler`);
      else if (!fs.existsSync(path.join(taskDir, target))) p(`${handler} target '${target}' does not exist (run the build)`);
    }
    for (const handler of Object.keys(execution)) {
      if (['Node', 'Node10', 'Node16', 'Node20'].includes(handler)) p(`handler ${handler} is deprecated or not an agent handler`);
    }
  }
  return problems;
}

/** A task's public contract: input names, output names. Removing or renaming either breaks pipelines. */
export function taskContract(taskDir: string): { inputs: string[]; outputs: string[] } {
  const task = JSON.parse(fs.readFileSync(path.join(taskDir, 'task.json'), 'utf8')) as TaskJson;
  return { inputs: (task.inputs ?? []).map((i) => i.name).sort(), outputs: (task.outputVariables ?? []).map((o) => o.name).sort() };
}
