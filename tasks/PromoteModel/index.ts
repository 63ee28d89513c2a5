import { runTask } from '../../shared/run-task';
import { readInputs } from './src/inputs';
import { run } from './src/run';

void runTask(readInputs, run);
