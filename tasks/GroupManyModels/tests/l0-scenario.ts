// One L0 scenario, chosen by L0_SCENARIO: input validation fails before any Azure call, so no mock is needed.
import * as path from 'node:path';
import { TaskMockRunner } from 'azure-pipelines-task-lib/mock-run';
import { setL0Connection } from '../../../test/support/l0-connection';

const tmr = new TaskMockRunner(path.join(__dirname, '..', 'index.js'));
const scenario = process.env.L0_SCENARIO;
setL0Connection(tmr);
const inputs: Record<string, string> = {
  modelTagFilter: 'ModelType=many-models',
  splittingTags: 'Brand',
  target: 'aci',
  environment: 'azureml:python:1',
  codePath: process.env.L0_CODE as string,
  maxContainerSize: '500',
};
if (scenario === 'badTarget') inputs.target = 'aks';
if (scenario === 'badSize') inputs.maxContainerSize = '5000';
if (scenario === 'badPrefix') inputs.servicePrefix = 'Many_Models';
if (scenario === 'badFilter') inputs.modelTagFilter = 'a=b=c';
if (scenario === 'noCompute') inputs.target = 'kubernetes';
if (scenario === 'repeatedTag') inputs.splittingTags = 'Brand, Brand';
for (const [name, value] of Object.entries(inputs)) tmr.setInput(name, value);
tmr.run();
