import { isTrue } from './pipeline-expressions';

/**
 * task.json input `validation` expressions, evaluated as Azure DevOps documents them: the task-condition expression
 * language with the input as `value` (azure-pipelines-tasks docs/taskinputvalidation.md).
 */
export function validInput(expression: string, value: string): boolean {
  return isTrue(expression, { variable: () => undefined, dependency: () => undefined, dependencyResults: () => [], value: () => value });
}
