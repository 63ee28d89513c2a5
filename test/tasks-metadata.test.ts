import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../scripts/lib/run-bundle';
import { lintTask, taskContract } from './support/task-lint';

const TASKS_DIR = path.join(REPO_ROOT, 'tasks');
const tasks = fs.readdirSync(TASKS_DIR).filter((t) => fs.existsSync(path.join(TASKS_DIR, t, 'task.json')));
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'vss-extension.json'), 'utf8')) as {
  version: string;
  files: { path: string }[];
  contributions: { id: string; type: string; targets: string[]; properties: { name: string } }[];
  icons: { default: string };
  content: { details: { path: string } };
};

function pngSize(file: string): [number, number] {
  const buf = fs.readFileSync(file);
  assert.equal(buf.subarray(1, 4).toString('ascii'), 'PNG', `${file} is a PNG`);
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

describe('task.json lint', () => {
  it('finds tasks', () => assert.ok(tasks.length > 0));
  for (const task of tasks) {
    it(`${task} passes`, () => assert.deepEqual(lintTask(path.join(TASKS_DIR, task), pkg.version), []));
  }

  it('catches what it is meant to catch', () => {
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'lint-'));
    const bad = path.join(dir, 'BadTask');
    fs.mkdirSync(bad);
    fs.writeFileSync(
      path.join(bad, 'task.json'),
      JSON.stringify({
        id: 'nope',
        name: 'Other',
        friendlyName: 'x'.repeat(41),
        category: 'Misc',
        version: { Major: 0, Minor: 0, Patch: 1 },
        groups: [{ name: 'g1' }, { name: 'g2' }],
        inputs: [
          { name: 'a', type: 'string', visibleRule: 'b = 1 && a = 2 || a = 3', groupName: 'g2' },
          { name: 'a', type: 'pickList', label: 'A', helpMarkDown: 'h', defaultValue: 'z', options: { y: 'Y' }, groupName: 'g1' },
          { name: 'conn', type: 'connectedService:AzureRM', label: 'C', helpMarkDown: 'h' },
          { name: 'workspaceName', type: 'string', label: 'W', helpMarkDown: 'h' },
          { name: 'modelName', type: 'pickList', label: 'M', helpMarkDown: 'h' },
        ],
        dataSourceBindings: [
          {
            target: 'modelName',
            endpointId: '$(azureSubscription)',
            endpointUrl: 'https://management.azure.com/x/$(resourceGroupName)',
            resultSelector: '$.value',
          },
          { target: 'nothing', endpointId: '$(conn)', dataSourceName: 'AzureResourceGroups' },
        ],
        outputVariables: [{ name: 'o' }],
        execution: { Node16: { target: 'dist/index.js' } },
      }),
    );
    const problems = lintTask(bad, '1.0.0').join('\n');
    for (const expected of [
      /id 'nope' is not a GUID/,
      /name 'Other' differs/,
      /friendlyName must be 1-40/,
      /instanceNameFormat is missing/,
      /category 'Misc'/,
      /not in lockstep/,
      /input 'a' is declared twice/,
      /input 'a' has no label/,
      /mixes && and \|\|/,
      /names 'b', which is not an input/,
      /default 'z' is not one of its options/,
      /output variable 'o' has no description/,
      /no Node20_1 handler/,
      /no Node24 handler/,
      /handler Node16 is deprecated/,
      /input 'a' \(group 'g1'\) comes after an input of a later group/,
      /dataSourceBinding 'nothing' targets no input/,
      /'modelName': its input must be a pickList with EditableOptions True/,
      /'modelName': endpointId must be \$\(conn\)/,
      /'modelName': endpointUrl must start with/,
      /'modelName': endpointUrl has no api-version/,
      /uses \$\(resourceGroupName\), which is not an input/,
      /'modelName': resultSelector must be a jsonpath/,
      /input 'workspaceName' has no picker/,
    ]) {
      assert.match(problems, expected);
    }
  });
});

describe('extension manifest', () => {
  it('is in lockstep with package.json', () => assert.equal(manifest.version, pkg.version));

  it('contributes every task folder exactly once, with its files', () => {
    const contributed = manifest.contributions.map((c) => c.properties.name).sort();
    assert.deepEqual(contributed, tasks.map((t) => `tasks/${t}`).sort());
    for (const c of manifest.contributions) {
      assert.equal(c.type, 'ms.vss-distributed-task.task');
      assert.deepEqual(c.targets, ['ms.vss-distributed-task.tasks']);
      assert.ok(
        manifest.files.some((f) => f.path === c.properties.name),
        `${c.properties.name} is in files`,
      );
    }
  });

  it('has its icons and overview', () => {
    assert.deepEqual(pngSize(path.join(REPO_ROOT, manifest.icons.default)), [128, 128]);
    for (const task of tasks) assert.deepEqual(pngSize(path.join(TASKS_DIR, task, 'icon.png')), [32, 32]);
    assert.ok(fs.readFileSync(path.join(REPO_ROOT, manifest.content.details.path), 'utf8').length > 200);
  });
});

describe('task contracts', () => {
  const snapshotFile = path.join(REPO_ROOT, 'test', 'contracts', 'task-contracts.json');
  const snapshot = JSON.parse(fs.readFileSync(snapshotFile, 'utf8')) as Record<string, { inputs: string[]; outputs: string[] }>;
  for (const task of tasks) {
    it(`${task} keeps every released input and output name`, () => {
      const now = taskContract(path.join(TASKS_DIR, task));
      const released = snapshot[task];
      assert.ok(released, `add ${task} to test/contracts/task-contracts.json`);
      for (const name of released.inputs) assert.ok(now.inputs.includes(name), `input '${name}' was removed or renamed`);
      for (const name of released.outputs) assert.ok(now.outputs.includes(name), `output '${name}' was removed or renamed`);
    });
  }
});
