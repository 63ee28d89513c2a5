// One L0 scenario, chosen by L0_SCENARIO: input validation fails before any Azure call, so no mock is needed.
import * as path from 'node:path';
import { TaskMockRunner } from 'azure-pipelines-task-lib/mock-run';
import { setL0Connection } from '../../../test/support/l0-connection';

const tmr = new TaskMockRunner(path.join(__dirname, '..', 'index.js'));
const scenario = process.env.L0_SCENARIO;
setL0Connection(tmr);
tmr.setInput('endpointName', 'diabetes-prod');
tmr.setInput('computeType', scenario === 'badComputeType' ? 'aci' : 'kubernetes');
tmr.setInput('computeName', 'aks-prod');
tmr.setInput('modelName', 'diabetes');
tmr.setInput('environment', 'azureml:python:1');
tmr.setInput('codePath', process.env.L0_CODE as string);
tmr.setInput('trafficStrategy', 'canary');
tmr.setInput('canarySteps', scenario === 'badSteps' ? '10,50' : '10,100');
tmr.run();
