/**
 * task.json input `validation` expressions, evaluated as Azure DevOps documents them (task condition syntax with
 * the input as `value`; `isMatch(value, regex, options)` with options `i`/`m`; `contains` ignores case; string
 * literals in single quotes, `''` for a quote, no backslash escapes). The subset our task.json files use: and, or,
 * not, eq, contains, startsWith, endsWith, isMatch.
 */
type Value = string | boolean;

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly value: string,
  ) {}

  parse(): Value {
    const v = this.expr();
    this.space();
    if (this.i !== this.text.length) throw new Error(`unexpected '${this.text.slice(this.i)}' in validation expression`);
    return v;
  }

  private space(): void {
    while (/\s/.test(this.text[this.i] ?? '')) this.i += 1;
  }

  private expr(): Value {
    this.space();
    if (this.text[this.i] === "'") return this.literal();
    const name = /^[A-Za-z]+/.exec(this.text.slice(this.i))?.[0];
    if (!name) throw new Error(`expected a value at '${this.text.slice(this.i)}'`);
    this.i += name.length;
    if (name === 'value') return this.value;
    if (name === 'true' || name === 'false') return name === 'true';
    this.space();
    if (this.text[this.i] !== '(') throw new Error(`expected '(' after ${name}`);
    this.i += 1;
    const args: Value[] = [];
    for (;;) {
      this.space();
      if (this.text[this.i] === ')') break;
      args.push(this.expr());
      this.space();
      if (this.text[this.i] === ',') this.i += 1;
    }
    this.i += 1;
    return call(name, args);
  }

  private literal(): string {
    let out = '';
    this.i += 1;
    for (;;) {
      if (this.i >= this.text.length) throw new Error('unterminated string literal in validation expression');
      if (this.text[this.i] === "'") {
        if (this.text[this.i + 1] !== "'") break;
        this.i += 1;
      }
      out += this.text[this.i++];
    }
    this.i += 1;
    return out;
  }
}

const truthy = (v: Value) => v === true || (typeof v === 'string' && v !== '');

function call(name: string, args: Value[]): Value {
  const s = (n: number) => String(args[n] ?? '');
  switch (name.toLowerCase()) {
    case 'and':
      return args.every(truthy);
    case 'or':
      return args.some(truthy);
    case 'not':
      return !truthy(args[0]);
    case 'eq':
      return s(0).toLowerCase() === s(1).toLowerCase();
    case 'contains':
      return s(0).toLowerCase().includes(s(1).toLowerCase());
    case 'startswith':
      return s(0).toLowerCase().startsWith(s(1).toLowerCase());
    case 'endswith':
      return s(0).toLowerCase().endsWith(s(1).toLowerCase());
    case 'ismatch':
      return new RegExp(s(1), s(2).replace(/[^im]/g, '')).test(s(0));
    default:
      throw new Error(`unknown function '${name}' in validation expression`);
  }
}

/** Whether `value` satisfies the expression. */
export function validInput(expression: string, value: string): boolean {
  return truthy(new Parser(expression, value).parse());
}
