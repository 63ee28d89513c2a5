#!/usr/bin/env node
// `npm run package [-- --variant dev|release] [--publisher NAME]`: builds, stages exactly what ships into
// dist/stage (manifest, overview, images, each task's task.json, icon and bundle), then packs the VSIX with tfx
// into dist/. The dev variant gets its own extension id and task ids so it installs beside the release.
'use strict';
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const variant = arg('variant', 'release');
if (!['dev', 'release'].includes(variant)) {
  console.error(`--variant '${variant}' is not allowed; allowed values: dev, release.`);
  process.exit(1);
}
const publisher = arg('publisher', process.env.EXTENSION_PUBLISHER);

if (!args.includes('--no-build')) execFileSync(process.execPath, [path.join(__dirname, 'build.js')], { stdio: 'inherit', cwd: root });

const manifest = JSON.parse(fs.readFileSync(path.join(root, 'vss-extension.json'), 'utf8'));
const stage = path.join(root, 'dist', 'stage');
fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });
const copy = (rel) => fs.cpSync(path.join(root, rel), path.join(stage, rel), { recursive: true });
['vss-extension.json', 'overview.md', 'images'].forEach(copy);

/** A stable GUID derived from the release id, so the dev variant's tasks never collide with the release ones. */
function devTaskId(id) {
  const h = crypto.createHash('sha1').update(`dev:${id}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

for (const contribution of manifest.contributions) {
  const rel = contribution.properties.name;
  const task = JSON.parse(fs.readFileSync(path.join(root, rel, 'task.json'), 'utf8'));
  fs.mkdirSync(path.join(stage, rel), { recursive: true });
  if (variant === 'dev') {
    task.id = devTaskId(task.id);
    task.friendlyName = `${task.friendlyName.slice(0, 34)} (dev)`;
  }
  fs.writeFileSync(path.join(stage, rel, 'task.json'), `${JSON.stringify(task, null, 2)}\n`);
  fs.copyFileSync(path.join(root, rel, 'icon.png'), path.join(stage, rel, 'icon.png'));
  if (task.execution && Object.keys(task.execution).some((h) => h.startsWith('Node'))) copy(path.join(rel, 'dist'));
}

const outDir = path.join(root, 'dist');
const tfx = require.resolve('tfx-cli/_build/tfx-cli.js');
const tfxArgs = [
  'extension',
  'create',
  '--root',
  stage,
  '--manifests',
  'vss-extension.json',
  '--output-path',
  outDir,
  '--overrides-file',
  path.join(root, 'configs', `${variant}.json`),
  '--no-prompt',
  '--json',
];
if (publisher) tfxArgs.push('--publisher', publisher);
const result = JSON.parse(execFileSync(process.execPath, [tfx, ...tfxArgs], { cwd: root, encoding: 'utf8' }));
const size = fs.statSync(result.path).size;
console.log(`VSIX: ${path.relative(root, result.path)} (${(size / 1024).toFixed(0)} KB, ${variant})`);
