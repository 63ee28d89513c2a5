#!/usr/bin/env node
// `npx aml-tasks run <TaskName> --inputs inputs.yml [--connection emulator|environment]`: the local task runner
// (scripts/local-run.ts). Builds on first use, then runs with the emulator certificate trusted; relative paths
// (the inputs file, filePath inputs) stay relative to the folder it was started from.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { build, runTrusted, root } = require('./trusted-node');

const entry = path.join(root, 'out', 'scripts', 'local-run.js');
const tasks = fs.readdirSync(path.join(root, 'tasks')).filter((t) => fs.existsSync(path.join(root, 'tasks', t, 'index.ts')));
if (!fs.existsSync(entry) || tasks.some((t) => !fs.existsSync(path.join(root, 'tasks', t, 'dist', 'index.js')))) build();
process.env.AML_TASKS_CWD = process.cwd();
process.exit(runTrusted([entry, ...process.argv.slice(2)]));
