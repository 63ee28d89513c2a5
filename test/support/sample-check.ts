import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../scripts/lib/run-bundle';

/** Built-in Azure Pipelines tasks the samples may use. */
const BUILT_IN = new Set(['Delay@1']);

interface TaskSpec {
  name: string;
  version: { Major: number };
  inputs: { name: string; required?: boolean; defaultValue?: string; visibleRule?: string; aliases?: string[] }[];
  outputVariables?: { name: string }[];
}

type Yaml = Record<string, any>;

function tasks(): Map<string, TaskSpec> {
  const dir = path.join(REPO_ROOT, 'tasks');
  const specs = new Map<string, TaskSpec>();
  for (const t of fs.readdirSync(dir)) {
    const file = path.join(dir, t, 'task.json');
    if (fs.existsSync(file)) specs.set(t, JSON.parse(fs.readFileSync(file, 'utf8')) as TaskSpec);
  }
  return specs;
}

/** Whether a task.json visibleRule (`a = x`, `a != x`, joined by && or ||) holds for the given values. */
export function visible(rule: string | undefined, values: Record<string, string>): boolean {
  if (!rule) return true;
  const clause = (c: string) => {
    const m = /^\s*(\w+)\s*(!=|=)\s*(.*?)\s*$/.exec(c);
    if (!m) return true;
    const actual = (values[m[1]] ?? '').toLowerCase();
    return m[2] === '=' ? actual === m[3].toLowerCase() : actual !== m[3].toLowerCase();
  };
  return rule.includes('||') ? rule.split('||').some(clause) : rule.split('&&').every(clause);
}

interface StepRef {
  task?: TaskSpec;
  script?: string;
}

/** Problems in one YAML pipeline: unknown tasks or inputs, missing required inputs, dangling output references. */
export function checkPipeline(label: string, text: string): string[] {
  const specs = tasks();
  const problems: string[] = [];
  const doc = parse(text.replace(/\$\{\{\s*parameters\.\w+\s*\}\}/g, 'parameter')) as Yaml;
  const stages = (doc.stages ?? [{ stage: 'Stage', jobs: doc.jobs ?? [{ job: 'Job', steps: doc.steps ?? [] }] }]) as Yaml[];
  // stage -> job -> step name -> what declares its outputs
  const steps = new Map<string, Map<string, Map<string, StepRef>>>();
  const refs: { where: string; stage: string; job: string; text: string }[] = [];
  for (const stage of stages) {
    const jobs = new Map<string, Map<string, StepRef>>();
    steps.set(String(stage.stage), jobs);
    if (stage.condition) refs.push({ where: `stage ${stage.stage} condition`, stage: String(stage.stage), job: '', text: String(stage.condition) });
    for (const job of (stage.jobs ?? []) as Yaml[]) {
      const jobName = String(job.job ?? job.deployment);
      const named = new Map<string, StepRef>();
      jobs.set(jobName, named);
      const where = `${label} ${stage.stage}/${jobName}`;
      for (const v of Object.values(job.variables ?? {})) refs.push({ where, stage: String(stage.stage), job: jobName, text: String(v) });
      const list = ((job.deployment ? job.strategy?.runOnce?.deploy?.steps : job.steps) ?? []) as Yaml[];
      for (const step of list) {
        const stepWhere = `${where} step ${step.name ?? step.displayName ?? step.task ?? 'script'}`;
        refs.push({
          where: stepWhere,
          stage: String(stage.stage),
          job: jobName,
          text: JSON.stringify(step.inputs ?? {}) + String(step.script ?? step.bash ?? '') + String(step.condition ?? ''),
        });
        if (!step.task) {
          if (step.name) named.set(String(step.name), { script: String(step.script ?? step.bash ?? '') });
          continue;
        }
        const [taskName, major] = String(step.task).split('@');
        // Azure Pipelines' own tasks the samples use (the local runner implements them).
        if (BUILT_IN.has(`${taskName}@${major}`)) continue;
        const spec = specs.get(taskName);
        if (!spec) {
          problems.push(`${stepWhere}: task '${taskName}' is not a task of this extension`);
          continue;
        }
        if (String(spec.version.Major) !== major) problems.push(`${stepWhere}: ${taskName}@${major} does not exist (version ${spec.version.Major})`);
        const inputs = Object.fromEntries(Object.entries(step.inputs ?? {}).map(([k, v]) => [k, String(v)]));
        const known = new Set(spec.inputs.flatMap((i) => [i.name, ...(i.aliases ?? [])]));
        for (const name of Object.keys(inputs)) if (!known.has(name)) problems.push(`${stepWhere}: ${taskName} has no input '${name}'`);
        const values = { ...Object.fromEntries(spec.inputs.map((i) => [i.name, i.defaultValue ?? ''])), ...inputs };
        for (const input of spec.inputs) {
          if (input.required && !input.defaultValue && !(input.name in inputs) && visible(input.visibleRule, values))
            problems.push(`${stepWhere}: ${taskName} needs input '${input.name}'`);
        }
        if (step.name) named.set(String(step.name), { task: spec });
      }
    }
  }
  const declares = (ref: StepRef | undefined, variable: string) =>
    ref?.task ? ref.task.outputVariables?.some((o) => o.name === variable) : ref?.script?.includes(`variable=${variable};`);
  for (const ref of refs) {
    for (const m of ref.text.matchAll(/\$\((\w+)\.(\w+)\)/g)) {
      const [, step, variable] = m;
      if (['System', 'Build', 'Agent', 'Pipeline', 'Common'].includes(step)) continue;
      const target = steps.get(ref.stage)?.get(ref.job)?.get(step);
      if (!declares(target, variable)) problems.push(`${ref.where}: $(${step}.${variable}) names no output '${variable}' of a step '${step}' in this job`);
    }
    for (const m of ref.text.matchAll(/(stageDependencies|dependencies)\.(\w+)(?:\.(\w+))?\.outputs\[\\?'([\w.]+)\\?'\]/g)) {
      const [, kind, first, second, key] = m;
      const parts = key.split('.');
      let target: StepRef | undefined;
      if (kind === 'stageDependencies')
        target = steps
          .get(first)
          ?.get(second ?? '')
          ?.get(parts[0]);
      else if (ref.job === '') target = steps.get(first)?.get(parts[0])?.get(parts[1]);
      else target = steps.get(ref.stage)?.get(first)?.get(parts[0]);
      if (!declares(target, parts[parts.length - 1])) problems.push(`${ref.where}: ${m[0]} names no declared output`);
    }
  }
  return problems;
}

/**
 * Problems in a markdown walkthrough: every `Name@N` is a task of this extension, and every (`input`) after a
 * task's heading line is one of its inputs; `$(ref.output)` names an output of a task given that reference name.
 */
export function checkWalkthrough(label: string, text: string): string[] {
  const specs = tasks();
  const problems: string[] = [];
  let current: TaskSpec | undefined;
  const referenced = new Map<string, TaskSpec>();
  for (const [i, line] of text.split('\n').entries()) {
    const taskRef = /\(`(\w+)@(\d+)`\)/.exec(line);
    if (taskRef) {
      current = specs.get(taskRef[1]);
      if (!current) problems.push(`${label}:${i + 1}: '${taskRef[1]}' is not a task of this extension`);
      const refName = /reference name `(\w+)`/.exec(line)?.[1];
      if (current && refName) referenced.set(refName, current);
      continue;
    }
    if (/^#/.test(line)) current = undefined;
    if (!current) continue;
    for (const m of line.matchAll(/\(`(\w+)`\)/g)) {
      if (!current.inputs.some((x) => x.name === m[1])) problems.push(`${label}:${i + 1}: ${current.name} has no input '${m[1]}'`);
    }
    for (const m of line.matchAll(/\$\((\w+)\.(\w+)\)/g)) {
      const spec = referenced.get(m[1]);
      if (spec && !spec.outputVariables?.some((o) => o.name === m[2])) problems.push(`${label}:${i + 1}: ${spec.name} has no output '${m[2]}'`);
      if (!spec && !['System', 'Common', 'Build'].includes(m[1])) problems.push(`${label}:${i + 1}: no task has the reference name '${m[1]}'`);
    }
  }
  return problems;
}
