#!/usr/bin/env node
// Writes each task's typed contract from its task.json: tasks/<T>/contract.generated.ts (input names, defaults,
// output names) and tasks/contracts.generated.ts (every task's, for the tests). The build runs it before tsc, so
// code and tests that name a removed or renamed input or output fail type-checking.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const HEADER = '// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.\n';

function contract(task) {
  const json = JSON.parse(fs.readFileSync(path.join(root, 'tasks', task, 'task.json'), 'utf8'));
  const inputs = (json.inputs ?? []).map((i) => i.name);
  const defaults = Object.fromEntries(
    (json.inputs ?? []).filter((i) => i.defaultValue !== undefined && i.defaultValue !== '').map((i) => [i.name, String(i.defaultValue)]),
  );
  const outputs = (json.outputVariables ?? []).map((o) => o.name);
  return { inputs, defaults, outputs };
}

const list = (names) => `[${names.map((n) => `'${n}'`).join(', ')}]`;

function generate() {
  const tasks = require('./task-folders').taskFolders('task.json');
  const written = [];
  const all = [];
  for (const task of tasks) {
    const c = contract(task);
    const text =
      HEADER +
      `\n/** The inputs (with their defaults) and outputs of ${task} as its task.json declares them. */\n` +
      `export const CONTRACT = { inputs: ${list(c.inputs)}, defaults: ${JSON.stringify(c.defaults)}, outputs: ${list(c.outputs)} } as const;\n` +
      "export type InputName = (typeof CONTRACT)['inputs'][number];\n" +
      "export type OutputName = (typeof CONTRACT)['outputs'][number];\n";
    const file = path.join(root, 'tasks', task, 'contract.generated.ts');
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) fs.writeFileSync(file, text);
    written.push(file);
    all.push(`  ${task}: { inputs: ${list(c.inputs)}, outputs: ${list(c.outputs)} },`);
  }
  const index =
    HEADER +
    "\n/** Every task's input and output names, for code and tests that address several tasks. */\n" +
    `export const CONTRACTS = {\n${all.join('\n')}\n} as const;\n\n` +
    'export type TaskName = keyof typeof CONTRACTS;\n' +
    "export type InputOf<T extends TaskName> = (typeof CONTRACTS)[T]['inputs'][number];\n" +
    "export type OutputOf<T extends TaskName> = (typeof CONTRACTS)[T]['outputs'][number];\n";
  const indexFile = path.join(root, 'tasks', 'contracts.generated.ts');
  if (!fs.existsSync(indexFile) || fs.readFileSync(indexFile, 'utf8') !== index) fs.writeFileSync(indexFile, index);
  return [...written, indexFile];
}

module.exports = { generate };
if (require.main === module) console.log(`wrote ${generate().length} contract files`);
