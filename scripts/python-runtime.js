'use strict';
// The emulator runs scoring scripts on a python3 that stands in for Azure ML's curated inference environments
// (scikit-learn, joblib, pandas, numpy). The test command and the demo set it up where they can: apt-get on Debian
// when running as root, as CI does. Otherwise they stop with one line saying what to install.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function runtime() {
  // Compiled by the build that runs first; a fresh require so a retry after apt-get probes again.
  const file = path.join(root, 'out', 'emulator', 'runtime', 'python-runtime.js');
  delete require.cache[require.resolve(file)];
  return require(file);
}

function apt(args) {
  return spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
}

/** Returns when the runtime is complete; exits with one clear line when it is not and cannot be installed here. */
function ensureInferenceRuntime() {
  let rt = runtime();
  let { missing, python } = rt.inferenceRuntime();
  if (!missing.length) return;
  const packages = rt.debianPackages(missing);
  const canApt = process.getuid?.() === 0 && fs.existsSync('/etc/debian_version') && spawnSync('apt-get', ['--version']).status === 0;
  if (canApt) {
    console.log(`Installing the emulator's inference runtime: ${packages.join(' ')} (apt-get)...`);
    const install = ['install', '-y', '--no-install-recommends', ...packages];
    if (!apt(install)) apt(['update', '-qq']) && apt(install);
    rt = runtime();
    ({ missing, python } = rt.inferenceRuntime());
    if (!missing.length) return;
  }
  console.error(
    `Stopped: the emulator's inference runtime needs python3 with ${missing.join(', ')} (${python} lacks ${missing.length > 1 ? 'them' : 'it'}); install ${packages.join(' ')} (Debian/Ubuntu: sudo apt-get install ${packages.join(' ')}) or set AML_EMULATOR_PYTHON to a python3 that has them, then run again.`,
  );
  process.exit(1);
}

module.exports = { ensureInferenceRuntime };
