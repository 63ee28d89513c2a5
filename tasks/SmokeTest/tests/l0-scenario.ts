// One L0 scenario, chosen by L0_SCENARIO: runs the compiled entry under task-lib's mock runner.
import * as path from 'node:path';
import { TaskMockRunner } from 'azure-pipelines-task-lib/mock-run';

const tmr = new TaskMockRunner(path.join(__dirname, '..', 'index.js'));
const scenario = process.env.L0_SCENARIO;
tmr.setInput('target', 'url');
tmr.setInput('scoringUri', process.env.L0_SCORING_URI ?? 'http://127.0.0.1:9/score');
tmr.setInput('readyDeadlineSeconds', '0');
if (scenario !== 'missingPayload') tmr.setInput('payload', '{"data": [[1, 2], [3, 4]]}');
if (scenario === 'success') {
  tmr.setInput('assertions', 'len($.predictions) == 2\n$.predictions[1] == 7');
  tmr.setInput('requestCount', '3');
}
if (scenario === 'badAssertion') tmr.setInput('assertions', '$.predictions\n');
if (scenario === 'badCount') tmr.setInput('requestCount', 'many');
tmr.run();
