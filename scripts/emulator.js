#!/usr/bin/env node
// `npm run -s emulator [-- --json]`: bundles the emulator on the fly (no prior build needed) and runs it.
'use strict';
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'out', 'emulator-cli.js');
esbuild.buildSync({
  entryPoints: [path.join(root, 'emulator', 'cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'error',
});
require(outfile);
