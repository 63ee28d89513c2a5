'use strict';
// Makes this run's emulator certificate and runs `node <args>` with it trusted: NODE_EXTRA_CA_CERTS is read only
// when a process starts, so the process that talks to the emulator must be started with it.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function runTrusted(args) {
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
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: trusted, EMULATOR_TLS_CERT: certFile, EMULATOR_TLS_KEY: keyFile };
  return spawnSync(process.execPath, args, { stdio: 'inherit', env, cwd: root }).status ?? 1;
}

function build() {
  execFileSync(process.execPath, [path.join(__dirname, 'build.js')], { stdio: 'inherit', cwd: root });
}

module.exports = { runTrusted, build, root };
