import { spawnSync } from 'node:child_process';

/**
 * What Azure ML's curated inference environments (sklearn-1.5, AzureML-sklearn-*, minimal-*-inference with the
 * usual conda file) bring that scoring scripts import: each module with the Debian package that provides it.
 */
export const CURATED_MODULES: { module: string; debian: string }[] = [
  { module: 'numpy', debian: 'python3-numpy' },
  { module: 'pandas', debian: 'python3-pandas' },
  { module: 'sklearn', debian: 'python3-sklearn' },
  { module: 'joblib', debian: 'python3-joblib' },
];

export interface PythonRuntime {
  /** The interpreter the emulator runs scoring scripts with. */
  python: string;
  /** Curated modules this interpreter cannot import (empty when it stands in for the curated environments). */
  missing: string[];
}

function missingModules(python: string): string[] | undefined {
  const probe = `import importlib.util, sys\nprint(",".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))`;
  const r = spawnSync(python, ['-c', probe, ...CURATED_MODULES.map((m) => m.module)], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return undefined;
  return r.stdout.trim().split(',').filter(Boolean);
}

let cached: PythonRuntime | undefined;

/**
 * The interpreter that stands in for the curated inference environments: `AML_EMULATOR_PYTHON` when set, else the
 * system's `/usr/bin/python3` (where Debian installs python3-sklearn and friends), else `python3` on the PATH; the
 * first that imports every curated module, or the first that runs at all, with what it lacks.
 */
export function inferenceRuntime(): PythonRuntime {
  if (cached) return cached;
  const candidates = [...new Set([process.env.AML_EMULATOR_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => Boolean(p)))];
  let first: PythonRuntime | undefined;
  for (const python of candidates) {
    const missing = missingModules(python);
    if (!missing) continue;
    if (!missing.length) return (cached = { python, missing });
    first ??= { python, missing };
  }
  return (cached = first ?? { python: 'python3', missing: CURATED_MODULES.map((m) => m.module) });
}

/** The Debian packages that would provide `modules`. */
export function debianPackages(modules: string[]): string[] {
  return CURATED_MODULES.filter((m) => modules.includes(m.module)).map((m) => m.debian);
}
