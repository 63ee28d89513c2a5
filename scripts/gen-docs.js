#!/usr/bin/env node
// `npm run docs`: writes tasks/<T>/README.md from each task.json, with a YAML example cut from the sample
// pipelines (samples/pipelines), so the docs say what the task really takes. The tests fail when a README is stale.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const SAMPLES = path.join(root, 'samples', 'pipelines');

const cell = (text) =>
  String(text ?? '')
    .replace(/\r?\n/g, ' ')
    .replace(/\|/g, '\\|');

/** The first step in the samples that uses `ref`, as written there (comments and block scalars kept). */
function example(ref) {
  for (const file of fs
    .readdirSync(SAMPLES)
    .filter((f) => f.endsWith('.yml'))
    .sort()) {
    const lines = fs.readFileSync(path.join(SAMPLES, file), 'utf8').split('\n');
    const start = lines.findIndex((l) => l.trim() === `- task: ${ref}`);
    if (start < 0) continue;
    const indent = lines[start].indexOf('-');
    let end = start + 1;
    while (end < lines.length && (lines[end].trim() === '' || lines[end].search(/\S/) > indent)) end++;
    return {
      file,
      text: lines
        .slice(start, end)
        .map((l) => l.slice(indent))
        .join('\n')
        .trimEnd(),
    };
  }
  return undefined;
}

function readme(taskDir) {
  const t = JSON.parse(fs.readFileSync(path.join(taskDir, 'task.json'), 'utf8'));
  const ref = `${t.name}@${t.version.Major}`;
  const server = Boolean(t.execution && t.execution.HttpRequest);
  const out = [`# ${t.friendlyName} (\`${ref}\`)`, '', t.description, '', t.helpMarkDown, ''];
  if (server) out.push('A server task: it runs in an agentless job (`pool: server`) and holds no agent while Azure ML works.', '');
  const ex = example(ref);
  if (ex) out.push('## YAML example', '', `From [samples/pipelines/${ex.file}](../../samples/pipelines/${ex.file}):`, '', '```yaml', ex.text, '```', '');
  out.push('## Inputs', '');
  const groups = [...(t.groups ?? []), { name: undefined, displayName: 'Other' }];
  for (const g of groups) {
    const inputs = t.inputs.filter((i) => i.groupName === g.name);
    if (!inputs.length) continue;
    out.push(`### ${g.displayName}`, '', '| Input | Label | Required | Default | Shown when | Description |', '|---|---|---|---|---|---|');
    for (const i of inputs) {
      const type =
        i.type === 'pickList' && i.options
          ? ` (${Object.keys(i.options)
              .map((o) => `\`${o}\``)
              .join(', ')})`
          : i.type.startsWith('connectedService')
            ? ' (service connection)'
            : '';
      out.push(
        `| \`${i.name}\`${type} | ${cell(i.label)} | ${i.required ? 'yes' : 'no'} | ${i.defaultValue ? `\`${cell(i.defaultValue)}\`` : ''} | ${i.visibleRule ? `\`${cell(i.visibleRule)}\`` : ''} | ${cell(i.helpMarkDown)} |`,
      );
    }
    out.push('');
  }
  out.push('## Outputs', '');
  if (t.outputVariables && t.outputVariables.length) {
    out.push('| Output variable | Description |', '|---|---|');
    for (const o of t.outputVariables) out.push(`| \`${o.name}\` | ${cell(o.description)} |`);
    out.push(
      '',
      'Give the step a `name:` and read them as `$(<name>.<output>)` in the same job, or through `dependencies` / `stageDependencies` from later jobs and stages.',
    );
  } else {
    out.push(server ? "The task's result is the Azure ML job's: Succeeded, Failed or Canceled." : 'None.');
  }
  out.push('');
  const pickers = (t.dataSourceBindings ?? []).map((b) => `\`${b.target}\``);
  if (pickers.length)
    out.push('## Classic designer', '', `Pickers list what the connection can see for ${pickers.join(', ')}; each also takes typed text or a variable.`, '');
  out.push('_Generated from `task.json` by `npm run docs`; edit the task.json or the samples, not this file._', '');
  return out.join('\n');
}

const tasks = () => require('./task-folders').taskFolders('task.json');

module.exports = { readme, tasks };

if (require.main === module) {
  for (const task of tasks()) {
    const file = path.join(root, 'tasks', task, 'README.md');
    fs.writeFileSync(file, readme(path.join(root, 'tasks', task)));
    console.log(`wrote ${path.relative(root, file)}`);
  }
}
