/**
 * The part of Azure Pipelines' expression language the sample pipelines use, for conditions and `$[ ]` runtime
 * variables: and, or, not, eq, ne, in, startsWith, endsWith, contains, succeeded, failed, always, succeededOrFailed;
 * string literals (`''` for a quote), true/false, numbers; `variables['x']` / `variables.x`;
 * `dependencies.<job>.outputs['<step>.<var>']` and `.result`; `stageDependencies.<stage>.<job>.outputs[...]` and
 * `.result`. Task input validation uses the same language with the input as `value` and `isMatch(value, regex,
 * options)` (options `i`, `m`), as documented in azure-pipelines-tasks' taskinputvalidation.md.
 */
export interface ExpressionContext {
  variable(name: string): string | undefined;
  /** `dependencies...` / `stageDependencies...` with the path after the keyword, e.g. ['Gate', 'outputs', 'gate.registered']. */
  dependency(kind: 'dependencies' | 'stageDependencies', path: string[]): string | undefined;
  /** Results of what the condition's item depends on, for succeeded() and failed(). */
  dependencyResults(): string[];
  /** In an input validation expression: the input's value. */
  value?: () => string;
}

type Value = string | boolean | number | undefined;

const truthy = (v: Value) => (typeof v === 'string' ? v !== '' && v.toLowerCase() !== 'false' : Boolean(v));
const text = (v: Value) => (v === undefined ? '' : String(v));

class Parser {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly ctx: ExpressionContext,
  ) {}

  parse(): Value {
    const value = this.expression();
    this.space();
    if (this.pos < this.src.length) throw new Error(`unexpected '${this.src.slice(this.pos)}' in expression '${this.src}'`);
    return value;
  }

  private space(): void {
    while (/\s/.test(this.src[this.pos] ?? '')) this.pos++;
  }

  private expect(ch: string): void {
    this.space();
    if (this.src[this.pos] !== ch) throw new Error(`expected '${ch}' at ${this.pos} in expression '${this.src}'`);
    this.pos++;
  }

  private expression(): Value {
    this.space();
    const ch = this.src[this.pos];
    if (ch === "'") return this.literal();
    const word = /^[A-Za-z_][\w.]*/.exec(this.src.slice(this.pos))?.[0];
    if (!word) {
      const num = /^-?\d+(\.\d+)?/.exec(this.src.slice(this.pos))?.[0];
      if (num) {
        this.pos += num.length;
        return Number(num);
      }
      throw new Error(`unexpected '${this.src.slice(this.pos)}' in expression '${this.src}'`);
    }
    this.pos += word.length;
    this.space();
    if (this.src[this.pos] === '(') {
      this.pos++;
      const args: Value[] = [];
      this.space();
      if (this.src[this.pos] !== ')') {
        for (;;) {
          args.push(this.expression());
          this.space();
          if (this.src[this.pos] === ',') this.pos++;
          else break;
        }
      }
      this.expect(')');
      return this.call(word, args);
    }
    return this.reference(word);
  }

  /** A single-quoted string; `''` inside is one quote, and a backslash is an ordinary character. */
  private literal(): string {
    let out = '';
    for (let i = this.pos + 1; i < this.src.length; i++) {
      if (this.src[i] !== "'") out += this.src[i];
      else if (this.src[i + 1] === "'") out += this.src[++i];
      else {
        this.pos = i + 1;
        return out;
      }
    }
    throw new Error(`unterminated string in expression '${this.src}'`);
  }

  private reference(word: string): Value {
    if (word === 'true' || word === 'false') return word === 'true';
    const parts = word.split('.');
    while (this.src[this.pos] === '[') {
      this.pos++;
      const key = this.expression();
      this.expect(']');
      parts.push(text(key));
      if (this.src[this.pos] === '.') {
        const more = /^\.([A-Za-z_][\w.]*)/.exec(this.src.slice(this.pos))?.[1] ?? '';
        this.pos += more.length + 1;
        parts.push(...more.split('.'));
      }
    }
    const [head, ...rest] = parts;
    if (head === 'value' && rest.length === 0 && this.ctx.value) return this.ctx.value();
    if (head === 'variables') return this.ctx.variable(rest.join('.'));
    if (head === 'dependencies' || head === 'stageDependencies') return this.ctx.dependency(head, rest);
    throw new Error(`unknown name '${word}' in expression '${this.src}'`);
  }

  private call(name: string, args: Value[]): Value {
    // As in Azure Pipelines, a skipped dependency is not a success: what depends on it is skipped too.
    const ok = (r: string) => ['succeeded', 'succeededwithissues'].includes(r.toLowerCase());
    switch (name.toLowerCase()) {
      case 'and':
        return args.every(truthy);
      case 'or':
        return args.some(truthy);
      case 'not':
        return !truthy(args[0]);
      case 'eq':
        return text(args[0]).toLowerCase() === text(args[1]).toLowerCase();
      case 'ne':
        return text(args[0]).toLowerCase() !== text(args[1]).toLowerCase();
      case 'in':
        return args.slice(1).some((a) => text(a).toLowerCase() === text(args[0]).toLowerCase());
      case 'startswith':
        return text(args[0]).toLowerCase().startsWith(text(args[1]).toLowerCase());
      case 'endswith':
        return text(args[0]).toLowerCase().endsWith(text(args[1]).toLowerCase());
      case 'contains':
        return text(args[0]).toLowerCase().includes(text(args[1]).toLowerCase());
      case 'ismatch':
        return new RegExp(text(args[1]), text(args[2]).replace(/[^im]/g, '')).test(text(args[0]));
      case 'always':
        return true;
      case 'succeeded':
        return this.ctx.dependencyResults().every(ok);
      case 'failed':
        return this.ctx.dependencyResults().some((r) => r.toLowerCase() === 'failed');
      case 'succeededorfailed':
        return this.ctx.dependencyResults().every((r) => r.toLowerCase() !== 'canceled');
      default:
        throw new Error(`unknown function '${name}' in expression '${this.src}'`);
    }
  }
}

export function evaluate(expression: string, ctx: ExpressionContext): Value {
  return new Parser(expression, ctx).parse();
}

export function isTrue(expression: string, ctx: ExpressionContext): boolean {
  return truthy(evaluate(expression, ctx));
}
