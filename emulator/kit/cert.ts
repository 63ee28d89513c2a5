import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/**
 * A self-signed certificate for `subject` (with SANs) made by the openssl CLI into `dir`. The emulator's
 * clients trust it through NODE_EXTRA_CA_CERTS, which must be set before their process starts.
 */
export function makeSelfSignedCert(dir: string, subject = 'localhost', sans = 'IP:127.0.0.1,DNS:localhost'): TlsFiles {
  fs.mkdirSync(dir, { recursive: true });
  const certFile = path.join(dir, `${subject}.crt.pem`);
  const keyFile = path.join(dir, `${subject}.key.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '7',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      `/CN=${subject}`,
      '-addext',
      `subjectAltName=${sans}`,
    ],
    { stdio: 'pipe' },
  );
  return { certFile, keyFile };
}
