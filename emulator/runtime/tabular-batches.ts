import * as fs from 'node:fs';
import * as path from 'node:path';

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** A tabular mini_batch_size ("100kb", "1mb", or a byte count) in bytes. */
function sizeInBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!m) throw new Error(`mini_batch_size '${text}' is not a size such as 100kb or 1mb`);
  return Math.max(1, Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]));
}

/** The delimited files of a table: the file itself, or the .csv/.tsv files of an MLTable folder. */
function tableFiles(input: string): string[] {
  if (!fs.statSync(input).isDirectory()) return [input];
  return fs
    .readdirSync(input, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(csv|tsv)$/i.test(f))
    .sort()
    .map((f) => path.join(input, f));
}

/**
 * Splits a table into CSV chunk files, each with the header: by size (`mini_batch_size`), or one chunk per
 * distinct value of `partition_keys` (Azure ML's partitioned parallel jobs). Rows are lines: quoted fields that
 * span lines are not supported here.
 */
export function tabularBatches(input: string, miniBatchSize: string, partitionKeys: unknown, outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  let header = '';
  const rows: string[] = [];
  for (const file of tableFiles(input)) {
    const [first, ...rest] = fs
      .readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '');
    header ||= first;
    rows.push(...rest);
  }
  const chunks: string[][] = [];
  const keys = Array.isArray(partitionKeys) ? partitionKeys.map(String) : typeof partitionKeys === 'string' ? JSON.parse(partitionKeys) : undefined;
  if (keys?.length) {
    const columns = header.split(',').map((c) => c.trim());
    const at = keys.map((k: string) => columns.indexOf(k));
    if (at.some((i: number) => i < 0)) throw new Error(`partition_keys ${keys.join(', ')} are not all columns of the table (${columns.join(', ')})`);
    const groups = new Map<string, string[]>();
    for (const row of rows) {
      const cells = row.split(',');
      const key = at.map((i: number) => cells[i]).join('\u0000');
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    chunks.push(...groups.values());
  } else {
    const limit = sizeInBytes(miniBatchSize);
    let current: string[] = [];
    let bytes = 0;
    for (const row of rows) {
      if (current.length && bytes + row.length + 1 > limit) {
        chunks.push(current);
        current = [];
        bytes = 0;
      }
      current.push(row);
      bytes += row.length + 1;
    }
    if (current.length) chunks.push(current);
  }
  return chunks.map((chunk, i) => {
    const file = path.join(outDir, `mini-batch-${String(i).padStart(5, '0')}.csv`);
    fs.writeFileSync(file, `${header}\n${chunk.join('\n')}\n`);
    return file;
  });
}
