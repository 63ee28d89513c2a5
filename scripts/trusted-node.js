'use strict';
// Makes this run's emulator certificate and runs `node <args>` with it trusted: NODE_EXTRA_CA_CERTS is read only
// when a process starts, so the process that talks to the emulator must be started with it.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/**
 * Runs `node <args>` with the emulator certificate trusted. With `isolateTemp`, everything the run and its
 * processes put in the temporary folder (bundle work folders, emulator scratch, job steps) goes into one folder of
 * its own, removed when the run ends: a test run or a demo leaves nothing behind.
 */
function runTrusted(args, { isolateTemp = false } = {}) {
  const tlsDir = path.join(root, 'out', 'tls');
  fs.mkdirSync(tlsDir, { recursive: true });
  // The emulator's own certificate maker (compiled by the build that runs first).
  const { makeSelfSignedCert } = require(path.join(root, 'out', 'emulator', 'kit', 'cert.js'));
  const { certFile, keyFile } = makeSelfSignedCert(tlsDir);
  // Node reads one extra-CA file: a CA the caller already trusts (a running emulator's, a proxy's) joins ours.
  let trusted = certFile;
  const callers = process.env.NODE_EXTRA_CA_CERTS;
  if (callers && fs.existsSync(callers) && path.resolve(callers) !== certFile) {
    trusted = path.join(tlsDir, 'trusted-bundle.pem');
    fs.writeFileSync(trusted, `${fs.readFileSync(certFile, 'utf8')}\n${fs.readFileSync(callers, 'utf8')}`);
  }
  const scratch = isolateTemp ? fs.mkdtempSync(path.join(os.tmpdir(), 'aml-tasks-run-')) : undefined;
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: trusted, EMULATOR_TLS_CERT: certFile, EMULATOR_TLS_KEY: keyFile, ...(scratch ? { TMPDIR: scratch } : {}) };
  try {
    return spawnSync(process.execPath, args, { stdio: 'inherit', env, cwd: root }).status ?? 1;
  } finally {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function build() {
  execFileSync(process.execPath, [path.join(__dirname, 'build.js')], { stdio: 'inherit', cwd: root });
}

module.exports = { runTrusted, build, root };
