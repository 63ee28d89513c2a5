import * as fs from 'node:fs';

/** One answered request of the emulator's traffic log (secrets already masked). */
export interface TrafficLine {
  method: string;
  url: string;
  status: number;
  requestHeaders: Record<string, any>;
  requestBody: unknown;
  responseHeaders: Record<string, any>;
  responseBody: unknown;
}

/** The emulator's traffic log as written so far; none when it has no file yet. */
export function readTraffic(file: string): TrafficLine[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TrafficLine);
}
