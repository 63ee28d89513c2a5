// `npm run bench`: prints the benchmark figures as a table. `--quick` runs a short version (the tests use it to
// check that every benchmark still runs; they never assert a timing).
import * as os from 'node:os';
import { measurePlan } from './plan';

const quick = process.argv.includes('--quick');

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

function main(): void {
  console.log(`# Benchmarks (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version})\n`);
  const sizes: [number, number][] = quick ? [[2_000, 10]] : [[10_000, 50], [100_000, 50]];
  const plans = sizes.map(([count, groups]) => measurePlan(count, groups));
  console.log('## GroupManyModels plan (500 models per container)\n');
  console.log(table(
    ['models', 'groups', 'containers', 'first plan (ms)', 're-plan, no change (ms)', 'deployments after 1 version bump', 'RSS after (MB)'],
    plans.map((p) => [p.models, p.groups, p.containers, p.firstPlanMs.toFixed(0), p.replanMs.toFixed(0), p.bumpDeployments, p.rssMb.toFixed(0)]),
  ));
}

main();
