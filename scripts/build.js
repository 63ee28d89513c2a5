#!/usr/bin/env node
// Type-checks and compiles everything to out/ (tests and L0 run on it), then bundles each agent task with
// esbuild into tasks/<T>/dist/index.js: one self-contained file that runs without node_modules.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');

function agentTasks() {
  const dir = path.join(root, 'tasks');
  return fs
    .readdirSync(dir)
    .filter((t) => fs.existsSync(path.join(dir, t, 'index.ts')))
    .sort();
}

function typecheck() {
  fs.rmSync(path.join(root, 'out'), { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
}

async function bundle(task) {
  const outfile = path.join(root, 'tasks', task, 'dist', 'index.js');
  fs.rmSync(path.dirname(outfile), { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [path.join(root, 'tasks', task, 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return fs.statSync(outfile).size;
}

async function main() {
  typecheck();
  for (const task of agentTasks()) {
    const size = await bundle(task);
    console.log(`bundled ${task}: ${(size / 1024).toFixed(0)} KB`);
  }
}

module.exports = { agentTasks, bundle };

if (require.main === module) {
  main().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
