#!/usr/bin/env node
// `npm test`: builds (tsc + bundles), then runs mocha with this run's emulator certificate trusted. Extra
// arguments go to mocha (e.g. `npm test -- --grep SmokeTest`).
'use strict';
const { build, runTrusted } = require('./trusted-node');
const { ensureInferenceRuntime } = require('./python-runtime');

build();
ensureInferenceRuntime();
process.exit(runTrusted([require.resolve('mocha/bin/mocha.js'), ...process.argv.slice(2)], { isolateTemp: true }));
