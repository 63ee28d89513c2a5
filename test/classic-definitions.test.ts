import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../scripts/lib/run-bundle';
import { visible } from './support/sample-check';

interface TaskJson {
  id: string;
  name: string;
  version: { Major: number };
  runsOn?: string[];
  inputs: { name: string; required?: boolean; defaultValue?: string; visibleRule?: string }[];
}

interface WorkflowTask {
  taskId: string;
  version: string;
  name: string;
  refName: string;
  definitionType: string;
  inputs: Record<string, string>;
}

const TASKS = fs
  .readdirSync(path.join(REPO_ROOT, 'tasks'))
  .filter((t) => fs.existsSync(path.join(REPO_ROOT, 'tasks', t, 'task.json')))
  .map((t) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tasks', t, 'task.json'), 'utf8')) as TaskJson);
const CLASSIC = path.join(REPO_ROOT, 'samples', 'classic');

/** Problems of one exported release definition against the task.json files; empty when it imports and runs. */
function checkDefinition(def: any): string[] {
  const problems: string[] = [];
  if (!Array.isArray(def.environments) || !def.environments.length) problems.push('no environments (stages)');
  if (!def.artifacts?.some((a: any) => a.type === 'Build' && a.isPrimary)) problems.push('no primary Build artifact');
  if (!(def.variableGroups ?? []).length) problems.push('no variable group placeholder');
  for (const env of def.environments ?? []) {
    for (const phase of env.deployPhases ?? []) {
      const server = phase.phaseType === 'runOnServer';
      if (!['runOnServer', 'agentBasedDeployment'].includes(phase.phaseType)) problems.push(`${env.name}/${phase.name}: phaseType ${phase.phaseType}`);
      if (!server && !String(phase.deploymentInput?.queueId ?? '').length) problems.push(`${env.name}/${phase.name}: an agent phase needs a queue`);
      for (const t of (phase.workflowTasks ?? []) as WorkflowTask[]) {
        const where = `${env.name}/${phase.name}/${t.name}`;
        const spec = TASKS.find((s) => s.id === t.taskId);
        if (!spec) {
          problems.push(`${where}: task id ${t.taskId} is not a task of this extension`);
          continue;
        }
        if (t.definitionType !== 'task' || t.version !== `${spec.version.Major}.*`)
          problems.push(`${where}: ${spec.name} version '${t.version}' (expected ${spec.version.Major}.*)`);
        const serverTask = (spec.runsOn ?? ['Agent']).includes('Server');
        if (serverTask !== server)
          problems.push(`${where}: ${spec.name} is ${serverTask ? 'a server' : 'an agent'} task in a ${server ? 'server' : 'agent'} phase`);
        const known = new Set(spec.inputs.map((i) => i.name));
        for (const name of Object.keys(t.inputs)) if (!known.has(name)) problems.push(`${where}: ${spec.name} has no input '${name}'`);
        const values = { ...Object.fromEntries(spec.inputs.map((i) => [i.name, i.defaultValue ?? ''])), ...t.inputs };
        for (const input of spec.inputs) {
          if (input.required && !input.defaultValue && !t.inputs[input.name] && visible(input.visibleRule, values))
            problems.push(`${where}: ${spec.name} needs input '${input.name}'`);
        }
      }
    }
  }
  return problems;
}

describe('classic release definitions (samples/classic), importable as Azure DevOps exports them', () => {
  const load = (f: string) => JSON.parse(fs.readFileSync(path.join(CLASSIC, f), 'utf8'));

  it('the retraining release: an agentless phase runs the pipeline, then an agent phase gates and registers', () => {
    const def = load('retraining-release.json');
    assert.deepEqual(checkDefinition(def), []);
    const [retrain] = def.environments;
    assert.deepEqual(
      retrain.deployPhases.map((p: any) => [p.phaseType, p.workflowTasks.map((t: WorkflowTask) => TASKS.find((s) => s.id === t.taskId)?.name)]),
      [
        ['runOnServer', ['RunAmlPipelineAgentless']],
        ['agentBasedDeployment', ['EvaluateAndRegister']],
      ],
    );
  });

  it('the deployment release: QA automatic (DeployToAci + SmokeTest), Production behind a manual approval (DeployToAks + SmokeTest)', () => {
    const def = load('deployment-release.json');
    assert.deepEqual(checkDefinition(def), []);
    const [qa, prod] = def.environments;
    const names = (e: any) => e.deployPhases.flatMap((p: any) => p.workflowTasks.map((t: WorkflowTask) => TASKS.find((s) => s.id === t.taskId)?.name));
    assert.deepEqual([qa.name, names(qa)], ['QA', ['DeployToAci', 'SmokeTest']]);
    assert.deepEqual([prod.name, names(prod)], ['Production', ['DeployToAks', 'SmokeTest']]);
    assert.equal(qa.preDeployApprovals.approvals[0].isAutomated, true);
    assert.equal(prod.preDeployApprovals.approvals[0].isAutomated, false);
    assert.match(prod.preDeployApprovals.approvals[0].approver.id, /^__[A-Z_]+__$/, 'the approver is a placeholder');
    assert.deepEqual(prod.conditions, [{ name: 'QA', conditionType: 'environmentState', value: '4' }], 'after QA succeeded');
    const smoke = prod.deployPhases[0].workflowTasks[1];
    assert.equal(smoke.inputs.endpointName, '$(aks.endpointName)', 'reads the deploy step output by its reference name');
    assert.equal(prod.deployPhases[0].workflowTasks[0].refName, 'aks');
  });

  it('the check catches what it is meant to catch', () => {
    const def = load('deployment-release.json');
    const broken = JSON.parse(JSON.stringify(def));
    const [aci, smoke] = broken.environments[0].deployPhases[0].workflowTasks;
    delete aci.inputs.containerGroupName;
    smoke.inputs.scoringUrl = smoke.inputs.scoringUri;
    broken.environments[1].deployPhases[0].phaseType = 'runOnServer';
    const problems = checkDefinition(broken);
    assert.ok(
      problems.some((p) => /needs input 'containerGroupName'/.test(p)),
      problems.join('\n'),
    );
    assert.ok(problems.some((p) => /has no input 'scoringUrl'/.test(p)));
    assert.ok(problems.some((p) => /DeployToAks is an agent task in a server phase/.test(p)));
  });
});
