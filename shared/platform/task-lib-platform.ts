import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tlInternal from 'azure-pipelines-task-lib/internal';
import * as tl from 'azure-pipelines-task-lib/task';
import { InputError } from '../errors';
import type { EndpointAuth, Platform, TaskOutcome } from './platform';

const RESULTS: Record<TaskOutcome, tl.TaskResult> = {
  Succeeded: tl.TaskResult.Succeeded,
  SucceededWithIssues: tl.TaskResult.SucceededWithIssues,
  Failed: tl.TaskResult.Failed,
};

function required<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch {
    // task-lib throws a bare "Input required: x"; rethrow typed so the boundary reports it as user error.
    throw new InputError(name, 'is required but has no value.');
  }
}

/** The real platform: the agent's task-lib. Constructed once per process by `runTask`. */
export class TaskLibPlatform implements Platform {
  private summaryCount = 0;
  /** Values registered with setSecret, longest first: replaced in everything this task prints or writes itself. */
  private secrets: string[] = [];

  /**
   * The agent masks registered secrets in the log, but not in attachments or output variables, and a run outside an
   * agent (the local runner, a plain shell) masks nothing: so the task masks what it prints and writes too.
   */
  private mask(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return out;
  }

  input(name: string, isRequired: boolean): string | undefined {
    if (isRequired) return required(name, () => tl.getInputRequired(name));
    return tl.getInput(name, false);
  }

  secretInput(name: string): string | undefined {
    // getInput() prints `name=value` at debug level, so secrets are read from task-lib's vault directly.
    const fromVault = tlInternal._vault?.retrieveSecret(`INPUT_${tlInternal._getVariableKey(name)}`);
    return fromVault ?? tl.getInput(name, false);
  }

  variable(name: string): string | undefined {
    return tl.getVariable(name);
  }

  endpointUrl(id: string): string | undefined {
    return tl.getEndpointUrl(id, true);
  }

  endpointAuth(id: string): EndpointAuth | undefined {
    const auth = tl.getEndpointAuthorization(id, true);
    return auth ? { scheme: auth.scheme, parameters: auth.parameters ?? {} } : undefined;
  }

  endpointDataParameter(id: string, key: string): string | undefined {
    return tl.getEndpointDataParameter(id, key, true);
  }

  setOutput(name: string, value: string): void {
    tl.setVariable(name, this.mask(value), false, true);
  }

  setSecret(value: string): void {
    if (!value || this.secrets.includes(value)) return;
    tl.setSecret(value);
    // Our own pass skips values under 8 characters: masking every "k" would garble every message (the agent still
    // masks them in the log).
    if (value.length >= 8) this.secrets = [...this.secrets, value].sort((x, y) => y.length - x.length);
  }

  debug(message: string): void {
    tl.debug(this.mask(message));
  }

  info(message: string): void {
    console.log(this.mask(message));
  }

  warning(message: string): void {
    tl.warning(this.mask(message));
  }

  error(message: string): void {
    tl.error(this.mask(message));
  }

  startGroup(title: string): void {
    console.log(`##[group]${this.mask(title)}`);
  }

  endGroup(): void {
    console.log('##[endgroup]');
  }

  uploadSummary(title: string, markdown: string): void {
    this.summaryCount += 1;
    const safe = title.replace(/[^A-Za-z0-9._-]+/g, '-');
    const file = path.join(this.tempDir(), `${safe}-${process.pid}-${this.summaryCount}.md`);
    fs.writeFileSync(file, this.mask(markdown), 'utf8');
    tl.addAttachment('Distributedtask.Core.Summary', title, file);
  }

  setResult(outcome: TaskOutcome, message: string): void {
    tl.setResult(RESULTS[outcome], this.mask(message), true);
  }

  tempDir(): string {
    const dir = tl.getVariable('Agent.TempDirectory') || os.tmpdir();
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }
}
