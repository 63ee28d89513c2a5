// One L0 scenario, chosen by L0_SCENARIO: input validation fails before any Azure call, so no mock is needed.
import * as path from 'node:path';
import { TaskMockRunner } from 'azure-pipelines-task-lib/mock-run';
import { setL0Connection } from '../../../test/support/l0-connection';

const tmr = new TaskMockRunner(path.join(__dirname, '..', 'index.js'));
const scenario = process.env.L0_SCENARIO;
setL0Connection(tmr);
tmr.setInput('modelName', 'diabetes');
tmr.setInput('containerGroupName', scenario === 'badName' ? 'Diabetes QA' : 'diabetes-qa');
tmr.setInput('imageSource', scenario === 'badSource' ? 'dockerfile' : 'image');
tmr.setInput('image', 'myregistry.azurecr.io/diabetes:1');
if (scenario === 'badCpu') tmr.setInput('cpu', '8');
tmr.run();
