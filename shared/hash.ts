import { createHash } from 'node:crypto';

/** Hex SHA-256 of a buffer or string: content addresses and change checks. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
