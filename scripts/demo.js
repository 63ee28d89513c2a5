#!/usr/bin/env node
// `npm run demo`: builds, runs the demo flows on the bundles against the embedded emulator, packs the VSIX.
'use strict';
const path = require('node:path');
const { build, runTrusted } = require('./trusted-node');
const { ensureInferenceRuntime } = require('./python-runtime');

build();
ensureInferenceRuntime();
const status = runTrusted([path.join(__dirname, '..', 'out', 'scripts', 'demo-flow.js')], { isolateTemp: true });
if (status !== 0) process.exit(status);
process.exit(runTrusted([path.join(__dirname, 'package.js'), '--no-build']));
