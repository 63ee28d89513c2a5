// One L0 scenario, chosen by L0_SCENARIO: input validation runs before any Azure call, so no mock is needed.
import * as path from 'node:path';
import { TaskMockRunner } from 'azure-pipelines-task-lib/mock-run';
import { setL0Connection } from '../../../test/support/l0-connection';

const tmr = new TaskMockRunner(path.join(__dirname, '..', 'index.js'));
const scenario = process.env.L0_SCENARIO;
const sample = process.env.L0_SAMPLE as string;
setL0Connection(tmr);
tmr.setInput('pipelineFile', scenario === 'missingFile' ? path.join(path.dirname(sample), 'nope.yml') : sample);
tmr.setInput('componentVersion', '5');
if (scenario === 'badName') tmr.setInput('componentName', 'Not-Valid');
if (scenario === 'badBool') tmr.setInput('dryRun', 'maybe');
tmr.run();
