#!/usr/bin/env node
// Type-checks and compiles everything to out/ (tests and L0 run on it), then bundles each agent task with
// esbuild into tasks/<T>/dist/index.js: one self-contained file that runs without node_modules.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');

const agentTasks = () => require('./task-folders').taskFolders('index.ts');

function typecheck() {
  require('./gen-contracts').generate();
  fs.rmSync(path.join(root, 'out'), { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
}

/**
 * Packages a task needs only once it talks to Azure or reads YAML. They go into dist/vendor.js, which the task
 * requires on first use: the agent parses a small index.js before the task prints its first line.
 */
const VENDOR = { '@azure/identity': 'identity', '@azure/core-rest-pipeline': 'corePipeline', yaml: 'yaml' };
const VENDOR_FILTER = /^(@azure\/identity|@azure\/core-rest-pipeline|yaml)$/;

const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, keepNames: true, legalComments: 'none', logLevel: 'warning' };

async function bundle(task) {
  const dist = path.join(root, 'tasks', task, 'dist');
  fs.rmSync(dist, { recursive: true, force: true });
  const used = new Set();
  const vendorShim = {
    name: 'vendor-shim',
    setup(build) {
      build.onResolve({ filter: VENDOR_FILTER }, (args) => {
        used.add(args.path);
        return { path: args.path, namespace: 'vendor-shim' };
      });
      build.onLoad({ filter: /.*/, namespace: 'vendor-shim' }, (args) => ({
        contents: `module.exports = require("./vendor.js").${VENDOR[args.path]};`,
        loader: 'js',
      }));
      build.onResolve({ filter: /^\.\/vendor\.js$/ }, () => ({ path: './vendor.js', external: true }));
    },
  };
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'tasks', task, 'index.ts')], outfile: path.join(dist, 'index.js'), plugins: [vendorShim] });
  if (used.size) {
    // Getters, so each package is evaluated only when the task first asks for it.
    const contents = [...used]
      .sort()
      .map((p) => `Object.defineProperty(exports, ${JSON.stringify(VENDOR[p])}, { get: () => require(${JSON.stringify(p)}) });`)
      .join('\n');
    await esbuild.build({ ...common, stdin: { contents, resolveDir: root, loader: 'js' }, outfile: path.join(dist, 'vendor.js') });
  }
  return fs.readdirSync(dist).reduce((n, f) => n + fs.statSync(path.join(dist, f)).size, 0);
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
