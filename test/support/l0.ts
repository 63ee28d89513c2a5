import * as path from 'node:path';
import { MockTestRunner } from 'azure-pipelines-task-lib/mock-test';
import { REPO_ROOT } from '../../scripts/lib/run-bundle';

/** Runs a task's compiled L0 scenario file under task-lib's MockTestRunner, on this Node (never downloading one). */
export async function runL0(task: string, scenarioFile: string, env: Record<string, string>): Promise<MockTestRunner> {
  Object.assign(process.env, env);
  try {
    const tr = new MockTestRunner(scenarioFile, path.join(REPO_ROOT, 'tasks', task, 'task.json'));
    tr.nodePath = process.execPath; // ado-extension.md 6.2: the default downloads Node from nodejs.org
    await tr.runAsync();
    return tr;
  } finally {
    for (const key of Object.keys(env)) delete process.env[key];
  }
}
