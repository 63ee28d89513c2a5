/**
 * The mustache engine Azure DevOps evaluates server-task templates with, modelled on the two public copies of
 * Microsoft's own engine (azure-pipelines-agent 2017 and actions/runner 2019, `TextTemplating`). What each rule
 * rests on is marked: [documented] where the code or docs say it, [assumed] where the copies are our only evidence
 * that the live service behaves so.
 *
 * - Blocks nest on a stack; `{{else}}` splits `if`, `unless`, `equals`, `notEquals`; `{{^x}}` is an inverted block;
 *   a mismatched or missing end block, an unknown helper and an unterminated `{{` throw. [documented: M17/M19 Parse]
 * - Helper names are case-insensitive. [documented: OrdinalIgnoreCase]
 * - Arguments: `'...'`/`"..."` literals whose only escapes are `\'`, `\"`, `\\` (any other backslash throws);
 *   digits are numbers; `true`, `false`, `null` literals; anything else is a selector looked up in the context,
 *   case-sensitively. [documented: ParseArgumentExpressions; case-sensitive lookup assumed from JToken.SelectToken]
 * - `equals`/`notEquals` third argument: ignore case when it converts to true: the number 1, `true`, `'true'`; the
 *   string `'1'` does not convert and means case-sensitive. [documented: GetHelperArgument + converters]
 * - Truthiness: a missing, null or empty value is false; the string `'false'` is true. [documented: IsTokenTruthy]
 * - `{{x}}` is HTML-encoded, `{{{x}}}` raw; `\{{` is a literal `{{`. [documented default EncodeMethod; that the
 *   server keeps HTML encoding is assumed]
 */
export type Context = Record<string, string | undefined>;

export class MustacheError extends Error {}

type Arg = { literal: string | number | boolean | null } | { selector: string };

interface Tag {
  kind: 'open' | 'inverted' | 'else' | 'close' | 'value' | 'raw';
  name: string;
  args: Arg[];
}

type Piece = string | Tag;

const BLOCK_HELPERS = new Set(['if', 'unless', 'equals', 'notequals', 'with']);

function parseArgs(text: string): Arg[] {
  const args: Arg[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      i += 1;
    } else if (c === "'" || c === '"') {
      let value = '';
      i += 1;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\') {
          const next = text[i + 1];
          if (next !== "'" && next !== '"' && next !== '\\') throw new MustacheError(`invalid escape '\\${next ?? ''}' in string literal ${text}`);
          value += next;
          i += 2;
        } else value += text[i++];
      }
      if (text[i] !== c) throw new MustacheError(`unterminated string literal in ${text}`);
      i += 1;
      args.push({ literal: value });
    } else {
      const end = text.slice(i).search(/[\s]/);
      const word = end < 0 ? text.slice(i) : text.slice(i, i + end);
      i += word.length;
      if (/^-?\d+$/.test(word)) args.push({ literal: Number(word) });
      else if (word === 'true' || word === 'false') args.push({ literal: word === 'true' });
      else if (word === 'null') args.push({ literal: null });
      else args.push({ selector: word });
    }
  }
  return args;
}

function tag(inner: string, raw: boolean): Tag {
  const text = inner.trim();
  if (raw) return { kind: 'raw', name: text, args: [] };
  if (text === 'else') return { kind: 'else', name: 'else', args: [] };
  const sigil = text[0];
  if (sigil === '#' || sigil === '^' || sigil === '/') {
    const body = text.slice(1).trim();
    const name = body.split(/\s+/)[0];
    const kind = sigil === '#' ? 'open' : sigil === '^' ? 'inverted' : 'close';
    return { kind, name, args: parseArgs(body.slice(name.length)) };
  }
  return { kind: 'value', name: text, args: [] };
}

/** Splits a template into text and tags; `\{{` is text. */
function tokenize(template: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    if (template.startsWith('\\{{', i) || template.startsWith('\\}}', i)) {
      text += template.slice(i + 1, i + 3);
      i += 3;
      continue;
    }
    if (!template.startsWith('{{', i)) {
      text += template[i++];
      continue;
    }
    const raw = template.startsWith('{{{', i);
    const close = template.indexOf(raw ? '}}}' : '}}', i + (raw ? 3 : 2));
    if (close < 0) throw new MustacheError(`unterminated '{{' at offset ${i}`);
    const inner = template.slice(i + (raw ? 3 : 2), close);
    if (inner.includes('{{')) throw new MustacheError(`'{{' inside an expression at offset ${i}`);
    if (text) pieces.push(text);
    text = '';
    pieces.push(tag(inner, raw));
    i = close + (raw ? 3 : 2);
  }
  if (text) pieces.push(text);
  return pieces;
}

function htmlEncode(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function valueOf(arg: Arg | undefined, ctx: Context): string | number | boolean | null | undefined {
  if (!arg) return undefined;
  return 'literal' in arg ? arg.literal : ctx[arg.selector];
}

/** Whether `equals`' third argument converts to true, as Convert.ChangeType and the Boolean converter do. */
function ignoreCase(arg: Arg | undefined, ctx: Context): boolean {
  const v = valueOf(arg, ctx);
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'boolean') return v;
  return typeof v === 'string' && v.toLowerCase() === 'true';
}

const truthy = (v: unknown) => v !== undefined && v !== null && v !== '' && v !== false;

function condition(t: Tag, ctx: Context): boolean {
  const helper = t.name.toLowerCase();
  if (t.kind === 'inverted') return !truthy(ctx[t.name]);
  if (helper === 'if' || helper === 'with') return truthy(valueOf(t.args[0], ctx));
  if (helper === 'unless') return !truthy(valueOf(t.args[0], ctx));
  const [a, b] = [String(valueOf(t.args[0], ctx) ?? ''), String(valueOf(t.args[1], ctx) ?? '')];
  const same = ignoreCase(t.args[2], ctx) ? a.toLowerCase() === b.toLowerCase() : a === b;
  return helper === 'equals' ? same : !same;
}

/** Renders `template` against `ctx`; throws MustacheError where the server's parser throws. */
export function renderMustache(template: string, ctx: Context): string {
  const pieces = tokenize(template);
  const stack: { tag: Tag; emit: boolean; parentEmit: boolean; sawElse: boolean }[] = [];
  let out = '';
  let emit = true;
  for (const p of pieces) {
    if (typeof p === 'string') {
      if (emit) out += p;
      continue;
    }
    if (p.kind === 'open' || p.kind === 'inverted') {
      if (p.kind === 'open' && !BLOCK_HELPERS.has(p.name.toLowerCase())) throw new MustacheError(`unknown helper '${p.name}'`);
      const on: boolean = emit && condition(p, ctx);
      stack.push({ tag: p, emit: on, parentEmit: emit, sawElse: false });
      emit = on;
    } else if (p.kind === 'else') {
      const top = stack[stack.length - 1];
      if (!top || top.sawElse) throw new MustacheError('{{else}} outside a block');
      top.sawElse = true;
      emit = top.parentEmit && !top.emit;
    } else if (p.kind === 'close') {
      const top = stack.pop();
      if (!top || top.tag.name.toLowerCase() !== p.name.toLowerCase())
        throw new MustacheError(`mismatched end block '{{/${p.name}}}'${top ? ` for '{{#${top.tag.name}}}'` : ''}`);
      emit = top.parentEmit;
    } else if (emit) {
      const value = ctx[p.name] ?? '';
      out += p.kind === 'raw' ? value : htmlEncode(value);
    }
  }
  if (stack.length) throw new MustacheError(`block '{{#${stack[stack.length - 1].tag.name}}}' is never closed`);
  return out;
}
