#!/usr/bin/env node
// Writes package.json's version into vss-extension.json and every task.json (npm's `version` lifecycle runs it).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
const [Major, Minor, Patch] = version.split('.').map(Number);
const rewrite = (file, change) => {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  change(json);
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
};
rewrite(path.join(root, 'vss-extension.json'), (m) => (m.version = version));
for (const task of fs.readdirSync(path.join(root, 'tasks'))) {
  const file = path.join(root, 'tasks', task, 'task.json');
  if (fs.existsSync(file)) rewrite(file, (t) => (t.version = { Major, Minor, Patch }));
}
console.log(`stamped ${version}`);
