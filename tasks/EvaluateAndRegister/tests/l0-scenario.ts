// One L0 scenario, chosen by L0_SCENARIO: input validation fails before any Azure call, so no mock is needed.
import * as path from 'node:path';
import { TaskMockRunner } from 'azure-pipelines-task-lib/mock-run';
import { setL0Connection } from '../../../test/support/l0-connection';

const tmr = new TaskMockRunner(path.join(__dirname, '..', 'index.js'));
const scenario = process.env.L0_SCENARIO;
setL0Connection(tmr);
tmr.setInput('jobName', 'job-1');
tmr.setInput('modelName', 'diabetes');
tmr.setInput('rules', scenario === 'badRule' ? 'mse lower\nr2 higher threshold=high' : 'mse lower');
if (scenario === 'badChampion') tmr.setInput('champion', 'production');
if (scenario === 'badOnNotBetter') tmr.setInput('onNotBetter', 'ignore');
tmr.run();
