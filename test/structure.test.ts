import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { REPO_ROOT } from '../scripts/lib/run-bundle';

/** The house rules a reviewer would otherwise check by hand: no import cycle, small files and functions. */
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 80;
const SIZED = /^(tasks|shared|emulator)\//;
const GENERATED = /\.generated\.ts$/;

function sourceFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return listed.split('\n').filter((f) => f && fs.existsSync(path.join(REPO_ROOT, f)) && !f.includes('node_modules/'));
}

interface Parsed {
  file: string;
  lines: number;
  imports: string[];
  functions: { name: string; line: number; lines: number }[];
}

function parse(file: string): Parsed {
  const text = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: Parsed = { file, lines: text.split('\n').length, imports: [], functions: [] };
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const isSuiteBody = (n: ts.Node) =>
    ts.isCallExpression(n.parent) && ts.isIdentifier(n.parent.expression) && ['describe', 'it'].includes(n.parent.expression.text);
  const visit = (n: ts.Node): void => {
    if (
      (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) &&
      n.moduleSpecifier &&
      ts.isStringLiteral(n.moduleSpecifier) &&
      n.moduleSpecifier.text.startsWith('.')
    ) {
      const target = path.normalize(path.join(path.dirname(file), n.moduleSpecifier.text));
      out.imports.push(target);
    }
    if (ts.isFunctionLike(n) && 'body' in n && n.body && !isSuiteBody(n)) {
      const name =
        n.name && ts.isIdentifier(n.name)
          ? n.name.text
          : ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name)
            ? n.parent.name.text
            : '(anonymous)';
      out.functions.push({ name, line: lineOf(n.getStart()), lines: lineOf(n.end) - lineOf(n.getStart()) + 1 });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Strongly connected components of more than one module (Tarjan), type-only imports included. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const strong = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) strong(v);
  return found;
}

describe('house rules (structure)', () => {
  const parsed = sourceFiles().map(parse);

  it('has no import cycle anywhere in the repository', () => {
    const modules = new Set(parsed.map((p) => p.file.replace(/\.ts$/, '')));
    const resolve = (m: string) => (modules.has(m) ? m : modules.has(`${m}/index`) ? `${m}/index` : undefined);
    const graph = new Map(parsed.map((p) => [p.file.replace(/\.ts$/, ''), p.imports.map(resolve).filter((m): m is string => m !== undefined)]));
    assert.ok(graph.size > 100, `read ${graph.size} modules`);
    assert.deepEqual(cycles(graph), []);
  });

  it(`keeps files in tasks/, shared/ and emulator/ under ${MAX_FILE_LINES} lines (generated files excepted)`, () => {
    const long = parsed.filter((p) => SIZED.test(p.file) && !GENERATED.test(p.file) && p.lines > MAX_FILE_LINES).map((p) => `${p.file}: ${p.lines}`);
    assert.deepEqual(long, []);
  });

  it(`keeps functions in tasks/, shared/ and emulator/ under ${MAX_FUNCTION_LINES} lines (test suites' describe bodies aside)`, () => {
    const long = parsed
      .filter((p) => SIZED.test(p.file))
      .flatMap((p) => p.functions.filter((f) => f.lines > MAX_FUNCTION_LINES).map((f) => `${p.file}:${f.line} ${f.name}: ${f.lines}`));
    assert.deepEqual(long, []);
  });

  it('catches what it is meant to catch', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    assert.deepEqual(cycles(graph), [['a', 'b', 'c']]);
    const fn = parse('test/structure.test.ts').functions.find((f) => f.name === 'cycles');
    assert.ok(fn && fn.lines > 20 && fn.lines < 40, JSON.stringify(fn));
  });
});
