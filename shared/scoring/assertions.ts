import { isDeepStrictEqual } from 'node:util';

/**
 * The small assertion language of SmokeTest, one assertion per line:
 *
 *   <subject> <operator> [<value>]
 *
 * subject:  a path into the JSON response: `$`, `$.predictions`, `$.predictions[0]`, `$["odd key"].x`,
 *           or `len(<path>)` for the length of an array, string or object.
 * operator: `==`, `!=`, `<`, `<=`, `>`, `>=` (numbers), `contains` (array element or substring), `exists`.
 * value:    a JSON literal (`2`, `"ok"`, `true`, `null`, `[1,2]`); a bare word is taken as a string.
 *
 * Examples: `$.predictions exists`, `len($.predictions) == 2`, `$.predictions[0] >= 0`, `$.status == "ok"`.
 */
export type Operator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'exists';

type Segment = string | number;

export interface Assertion {
  text: string;
  line: number;
  path: Segment[];
  length: boolean;
  operator: Operator;
  expected?: unknown;
}

export class AssertionSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly text: string,
    reason: string,
  ) {
    super(`line ${line} '${text}': ${reason}`);
  }
}

const OPERATORS: Operator[] = ['==', '!=', '<=', '>=', '<', '>', 'contains', 'exists'];

function parsePath(source: string, fail: (reason: string) => never): Segment[] {
  if (!source.startsWith('$')) fail("a path starts with '$', e.g. $.predictions[0]");
  const segments: Segment[] = [];
  let i = 1;
  while (i < source.length) {
    const rest = source.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\.([A-Za-z_][\w-]*)/.exec(rest))) segments.push(m[1]);
    else if ((m = /^\[(\d+)\]/.exec(rest))) segments.push(Number(m[1]));
    else if ((m = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest))) segments.push(JSON.parse(m[1]) as string);
    else fail(`cannot read the path at '${rest}'`);
    i += m[0].length;
  }
  return segments;
}

/** Length of the path at the start of `text`: up to the first space or ')' outside quotes. */
function pathLength(text: string): number {
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '\\') i++;
      else if (c === '"') inQuotes = false;
    } else if (c === '"') inQuotes = true;
    else if (/\s|\)/.test(c)) return i;
  }
  return text.length;
}

export function parseAssertion(text: string, line: number): Assertion {
  const fail = (reason: string): never => {
    throw new AssertionSyntaxError(line, text, reason);
  };
  let source = text.trim();
  const length = /^len\(\s*/.exec(source);
  if (length) source = source.slice(length[0].length);
  if (!source.startsWith('$')) fail("expected '<path> <operator> <value>', e.g. len($.predictions) == 2");
  const end = pathLength(source);
  const path = parsePath(source.slice(0, end), fail);
  let rest = source.slice(end).trim();
  if (length) {
    if (!rest.startsWith(')')) fail("len( is not closed with ')'");
    rest = rest.slice(1).trim();
  }
  const operator = OPERATORS.find((op) => rest.startsWith(op));
  if (!operator) fail(`expected an operator (${OPERATORS.join(' ')}) after the path`);
  const valueText = rest.slice((operator as string).length).trim();
  if (operator === 'exists') {
    if (valueText) fail("'exists' takes no value");
    return { text, line, path, length: !!length, operator };
  }
  if (!valueText) fail(`'${operator}' needs a value`);
  let expected: unknown;
  try {
    expected = JSON.parse(valueText);
  } catch {
    if (/^[\w.-]+$/.test(valueText)) expected = valueText;
    else fail(`the value '${valueText}' is not a JSON literal (quote strings: "text")`);
  }
  if (['<', '<=', '>', '>='].includes(operator as string) && typeof expected !== 'number')
    fail(`'${operator}' compares numbers; '${valueText}' is not a number`);
  return { text, line, path, length: !!length, operator: operator as Operator, expected };
}

function resolve(root: unknown, path: Segment[]): { found: boolean; value?: unknown } {
  let current: unknown = root;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(current) || seg >= current.length) return { found: false };
      current = current[seg];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !(seg in current)) return { found: false };
      current = (current as Record<string, unknown>)[seg];
    }
  }
  return { found: true, value: current };
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'undefined' : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Evaluates one assertion; returns undefined when it holds, else why it does not. */
export function evaluateAssertion(assertion: Assertion, body: unknown): string | undefined {
  const hit = resolve(body, assertion.path);
  if (assertion.operator === 'exists') return hit.found ? undefined : 'the path does not exist in the response';
  if (!hit.found) return 'the path does not exist in the response';
  let actual = hit.value;
  if (assertion.length) {
    if (Array.isArray(actual) || typeof actual === 'string') actual = actual.length;
    else if (actual && typeof actual === 'object') actual = Object.keys(actual).length;
    else return `len() needs an array, string or object, got ${show(actual)}`;
  }
  const expected = assertion.expected;
  let ok: boolean;
  switch (assertion.operator) {
    case '==':
      ok = isDeepStrictEqual(actual, expected);
      break;
    case '!=':
      ok = !isDeepStrictEqual(actual, expected);
      break;
    case 'contains':
      ok = Array.isArray(actual) ? actual.some((v) => isDeepStrictEqual(v, expected)) : typeof actual === 'string' && actual.includes(String(expected));
      break;
    default: {
      if (typeof actual !== 'number') return `got ${show(actual)}, which is not a number`;
      const e = expected as number;
      ok = { '<': actual < e, '<=': actual <= e, '>': actual > e, '>=': actual >= e }[assertion.operator as '<'];
    }
  }
  return ok ? undefined : `got ${show(actual)}`;
}
