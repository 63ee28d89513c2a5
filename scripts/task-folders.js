'use strict';
// The task folders under tasks/ that hold `marker` (task.json: every task; index.ts: the agent tasks with a bundle).
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function taskFolders(marker) {
  const dir = path.join(root, 'tasks');
  return fs
    .readdirSync(dir)
    .filter((t) => fs.existsSync(path.join(dir, t, marker)))
    .sort();
}

module.exports = { taskFolders };
