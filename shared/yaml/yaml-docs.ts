import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LineCounter, Node, YAMLMap } from 'yaml';
import { InputError } from '../errors';
import { once } from '../lazy-modules';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const yaml = once(() => require('yaml') as typeof import('yaml'));

/** An error at a place in a YAML file the task input `input` names: `file:line: key 'k': reason`. */
export class YamlFileError extends InputError {
  constructor(input: string, file: string, line: number | undefined, key: string, reason: string) {
    super(input, `${file}${line ? `:${line}` : ''}: key '${key}': ${reason}`);
  }
}

export interface Loaded {
  file: string;
  map: YAMLMap;
  lines: LineCounter;
}

/**
 * A YAML file read with its lines, so every error names file:line:key: loading, key checks, scalars and maps.
 * The pipeline and deployment readers build on it; `input` is the task input that names the file.
 */
export class YamlDocs {
  constructor(
    private readonly root: string,
    readonly input: string,
  ) {}

  protected rel(file: string): string {
    return path.relative(this.root, file) || path.basename(file);
  }

  protected load(file: string, from?: { doc: Loaded; node: Node; key: string }): Loaded {
    if (!fs.existsSync(file)) {
      if (from) this.fail(from.doc, from.node, from.key, `the file '${this.rel(file)}' does not exist`);
      throw new InputError(this.input, `file '${file}' does not exist.`);
    }
    const lines = new (yaml().LineCounter)();
    const doc = yaml().parseDocument(fs.readFileSync(file, 'utf8'), { lineCounter: lines, uniqueKeys: true });
    if (doc.errors.length) {
      const e = doc.errors[0];
      throw new YamlFileError(this.input, this.rel(file), e.linePos?.[0].line, '(document)', `not valid YAML: ${e.message.split('\n')[0]}`);
    }
    if (!yaml().isMap(doc.contents)) throw new YamlFileError(this.input, this.rel(file), 1, '(document)', 'expected a mapping at the top level');
    return { file, map: doc.contents, lines };
  }

  fail(doc: Loaded, node: Node | null | undefined, key: string, reason: string): never {
    throw new YamlFileError(this.input, this.rel(doc.file), this.line(doc, node), key, reason);
  }

  private line(doc: Loaded, node: Node | null | undefined): number | undefined {
    return node?.range ? doc.lines.linePos(node.range[0]).line : undefined;
  }

  /** `file:line: key 'k': reason`, as errors name a place, for a warning. */
  where(doc: Loaded, node: Node | null | undefined, key: string, reason: string): string {
    const line = this.line(doc, node);
    return `${this.rel(doc.file)}${line ? `:${line}` : ''}: key '${key}': ${reason}`;
  }

  /** The map's entries, refusing keys outside `allowed`. */
  protected entries(doc: Loaded, map: YAMLMap, where: string, allowed: string[]): Map<string, Node> {
    const out = new Map<string, Node>();
    for (const pair of map.items) {
      const key = yaml().isScalar(pair.key) ? String(pair.key.value) : '';
      const keyPath = where ? `${where}.${key}` : key;
      if (!allowed.includes(key)) this.fail(doc, pair.key as Node, keyPath, `is not supported here; supported keys: ${allowed.join(', ')}`);
      out.set(key, pair.value as Node);
    }
    return out;
  }

  protected str(doc: Loaded, node: Node | undefined, key: string): string | undefined {
    if (node === undefined || (yaml().isScalar(node) && node.value === null)) return undefined;
    if (!yaml().isScalar(node) || typeof node.value === 'object') this.fail(doc, node, key, 'expected a text value');
    return String(node.value);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a YAML value as written, checked by the caller
  protected plain(node: Node | undefined): any {
    return node === undefined ? undefined : (node as { toJSON(): unknown }).toJSON();
  }

  protected stringMap(doc: Loaded, node: Node | undefined, key: string): Record<string, string> | undefined {
    if (node === undefined) return undefined;
    if (!yaml().isMap(node)) this.fail(doc, node, key, 'expected a mapping of names to values');
    return Object.fromEntries(Object.entries(this.plain(node) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
}
