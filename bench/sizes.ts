import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { REPO_ROOT } from '../scripts/lib/run-bundle';

export interface SizeFigures {
  task: string;
  bundleBytes: number;
  bundleDeflated: number;
  unbundledFiles: number;
  unbundledBytes: number;
  unbundledDeflated: number;
}

export interface ColdStartFigures {
  task: string;
  bundledMs: number;
  unbundledMs: number;
  nodeMs: number;
}

function files(dir: string, keep: (f: string) => boolean = () => true): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? files(full, keep) : keep(full) ? [full] : [];
  });
}

/** Bytes, and bytes once deflated as a zip (the VSIX) stores them. */
function measure(list: string[]): { bytes: number; deflated: number } {
  let bytes = 0;
  let deflated = 0;
  for (const f of list) {
    const data = fs.readFileSync(f);
    bytes += data.length;
    deflated += zlib.deflateRawSync(data, { level: 9 }).length;
  }
  return { bytes, deflated };
}

/** The folders of the production dependencies, transitively, as npm would ship them with an unbundled task. */
export function productionDependencies(): string[] {
  const seen = new Set<string>();
  const visit = (name: string, from: string) => {
    let dir = from;
    for (;;) {
      const candidate = path.join(dir, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) {
        if (seen.has(candidate)) return;
        seen.add(candidate);
        const pkg = JSON.parse(fs.readFileSync(path.join(candidate, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
        for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, candidate);
        return;
      }
      if (dir === REPO_ROOT || dir === path.dirname(dir)) return;
      dir = path.dirname(dir);
    }
  };
  const root = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of Object.keys(root.dependencies)) visit(dep, REPO_ROOT);
  return [...seen];
}

export function agentTasks(): string[] {
  return fs
    .readdirSync(path.join(REPO_ROOT, 'tasks'))
    .filter((t) => fs.existsSync(path.join(REPO_ROOT, 'tasks', t, 'dist', 'index.js')))
    .sort();
}

/** Each bundle (dist/index.js and the vendor.js it loads on first use) beside the same task unbundled: its tsc output and the shared library, plus node_modules. */
export function measureSizes(): SizeFigures[] {
  const deps = productionDependencies().flatMap((d) => files(d));
  const shared = files(path.join(REPO_ROOT, 'out', 'shared'), (f) => f.endsWith('.js') && !f.endsWith('.test.js'));
  return agentTasks().map((task) => {
    const bundle = measure(files(path.join(REPO_ROOT, 'tasks', task, 'dist')));
    const own = files(path.join(REPO_ROOT, 'out', 'tasks', task), (f) => f.endsWith('.js') && !f.includes(`${path.sep}tests${path.sep}`));
    const unbundled = [...own, ...shared, ...deps];
    const u = measure(unbundled);
    return {
      task,
      bundleBytes: bundle.bytes,
      bundleDeflated: bundle.deflated,
      unbundledFiles: unbundled.length,
      unbundledBytes: u.bytes,
      unbundledDeflated: u.deflated,
    };
  });
}

/** Milliseconds from spawn to the first byte on stdout (or to exit, for a process that prints nothing). */
function firstOutput(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve(Number(process.hrtime.bigint() - started) / 1e6);
    };
    child.stdout.once('data', () => {
      finish();
      child.kill();
    });
    child.on('exit', finish);
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Cold start: median of `runs` from process start to the task's first output line (task-lib's first command),
 * for the bundle and for the unbundled tsc output, beside `node -e 0` in the same run; runs interleave.
 */
export async function measureColdStart(runs: number): Promise<ColdStartFigures[]> {
  const env = { AGENT_TEMPDIRECTORY: fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'cold-')) };
  const figures: ColdStartFigures[] = [];
  for (const task of agentTasks()) {
    const b: number[] = [];
    const u: number[] = [];
    const n: number[] = [];
    for (let i = 0; i < runs; i++) {
      n.push(await firstOutput(['-e', '0'], env));
      b.push(await firstOutput([path.join(REPO_ROOT, 'tasks', task, 'dist', 'index.js')], env));
      u.push(await firstOutput([path.join(REPO_ROOT, 'out', 'tasks', task, 'index.js')], env));
    }
    figures.push({ task, bundledMs: median(b), unbundledMs: median(u), nodeMs: median(n) });
  }
  return figures;
}
