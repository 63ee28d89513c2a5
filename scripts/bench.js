#!/usr/bin/env node
// `npm run bench [-- --quick]`: builds, then runs the benchmarks with the emulator certificate trusted.
'use strict';
const path = require('node:path');
const { build, runTrusted, root } = require('./trusted-node');

build();
process.exit(runTrusted([path.join(root, 'out', 'bench', 'run.js'), ...process.argv.slice(2)], { isolateTemp: true }));
