#!/usr/bin/env node
// `npm test`: builds (tsc + bundles), makes this run's emulator certificate, and runs mocha with the certificate
// trusted (NODE_EXTRA_CA_CERTS only works when set before a process starts). Extra args go to mocha.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
execFileSync(process.execPath, [path.join(__dirname, 'build.js')], { stdio: 'inherit', cwd: root });

const tlsDir = path.join(root, 'out', 'test-tls');
fs.mkdirSync(tlsDir, { recursive: true });
const certFile = path.join(tlsDir, 'localhost.crt.pem');
const keyFile = path.join(tlsDir, 'localhost.key.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2', '-keyout', keyFile, '-out', certFile,
  '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'pipe' });

const env = { ...process.env, NODE_EXTRA_CA_CERTS: certFile, EMULATOR_TLS_CERT: certFile, EMULATOR_TLS_KEY: keyFile };
const result = spawnSync(process.execPath, [require.resolve('mocha/bin/mocha.js'), ...process.argv.slice(2)], { stdio: 'inherit', env, cwd: root });
process.exit(result.status ?? 1);
