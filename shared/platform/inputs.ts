import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import type { Platform } from './platform';

export interface IntOptions {
  min?: number;
  max?: number;
}

function describeRange({ min, max }: IntOptions): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  if (max !== undefined) return `at most ${max}`;
  return 'any whole number';
}

/**
 * Typed reads of task inputs. Every error names the input and what it accepts, so `readInputs()` functions
 * stay declarative and all validation happens before the first Azure call.
 */
export class TaskInputs<N extends string = string> {
  constructor(readonly platform: Platform) {}

  requiredString(name: N): string {
    const value = this.platform.input(name, true)?.trim();
    if (!value) throw new InputError(name, 'is required but has no value.');
    return value;
  }

  optionalString(name: N): string | undefined {
    const value = this.platform.input(name, false)?.trim();
    return value ? value : undefined;
  }

  /** An optional secret (key, password): masked before it can be printed anywhere. */
  secret(name: N): string | undefined {
    const value = this.platform.secretInput(name)?.trim();
    if (!value) return undefined;
    this.platform.setSecret(value);
    return value;
  }

  bool(name: N, fallback: boolean): boolean {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    const lower = raw.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw new InputError(name, `'${raw}' is not a boolean; allowed values: true, false.`);
  }

  int(name: N, fallback: number, range: IntOptions = {}): number {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    return this.parseInt(name, raw, range);
  }

  optionalInt(name: N, range: IntOptions = {}): number | undefined {
    const raw = this.optionalString(name);
    return raw === undefined ? undefined : this.parseInt(name, raw, range);
  }

  private parseInt(name: string, raw: string, range: IntOptions): number {
    const value = /^[-+]?\d+$/.test(raw) ? Number(raw) : NaN;
    const inRange = Number.isSafeInteger(value) && (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max);
    if (!inRange) throw new InputError(name, `'${raw}' is not valid; expected a whole number ${describeRange(range)}.`);
    return value;
  }

  /** A number greater than 0 and at most `max` (CPU cores, memory in GB). */
  positiveNumber(name: N, fallback: number, max: number): number {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0 || value > max)
      throw new InputError(name, `'${raw}' is not valid; expected a number greater than 0 and at most ${max}.`);
    return value;
  }

  /** One of `allowed`, matched case-insensitively and returned in its canonical spelling. */
  enumOf<T extends string>(name: N, allowed: readonly T[], fallback: T): T {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    const hit = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
    if (!hit) throw new InputError(name, `'${raw}' is not allowed; allowed values: ${allowed.join(', ')}.`);
    return hit;
  }

  /** Non-empty lines; lines starting with `#` are comments. */
  lines(name: N, secret = false): { line: number; text: string }[] {
    const raw = (secret ? this.platform.secretInput(name) : this.platform.input(name, false)) ?? '';
    return raw
      .split(/\r?\n/)
      .map((text, i) => ({ line: i + 1, text: text.trim() }))
      .filter((l) => l.text !== '' && !l.text.startsWith('#'));
  }

  /** Multi-line `key=value` pairs (one per line), e.g. tags or environment variables. */
  keyValues(name: N, secret = false): Record<string, string> {
    const result: Record<string, string> = {};
    for (const { line, text } of this.lines(name, secret)) {
      const eq = text.indexOf('=');
      const key = eq > 0 ? text.slice(0, eq).trim() : '';
      // A secret line is never echoed in an error: only its number.
      if (!key) throw new InputError(name, secret ? `line ${line} is not of the form key=value.` : `line ${line} '${text}' is not of the form key=value.`);
      if (secret) this.platform.setSecret(text.slice(eq + 1).trim());
      if (key in result) throw new InputError(name, `line ${line}: key '${key}' is given twice.`);
      result[key] = text.slice(eq + 1).trim();
    }
    return result;
  }

  /** One `key=value` pair (a tag to find or set), from `raw` when given, else from the input itself. */
  pair(name: N, example: string, raw = this.optionalString(name)): { key: string; value: string } {
    const text = raw ?? '';
    const eq = text.indexOf('=');
    if (eq <= 0 || eq === text.length - 1) throw new InputError(name, `'${text}' is not of the form key=value, e.g. ${example}.`);
    return { key: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim() };
  }

  /** A JSON object; `undefined` when the input is empty. */
  jsonObject(name: N): Record<string, unknown> | undefined {
    const raw = this.optionalString(name);
    if (raw === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      throw new InputError(name, `is not valid JSON (${(err as Error).message}).`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new InputError(name, 'must be a JSON object, e.g. {"key": "value"}.');
    }
    return parsed as Record<string, unknown>;
  }

  /** A path to a file that must exist; relative paths resolve against the working directory. */
  existingFile(name: N, required: boolean): string | undefined {
    const raw = required ? this.requiredString(name) : this.optionalString(name);
    if (raw === undefined) return undefined;
    const full = path.resolve(raw);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(full);
    } catch {
      stat = undefined;
    }
    if (!stat) throw new InputError(name, `file '${raw}' does not exist (resolved to ${full}).`);
    if (!stat.isFile()) throw new InputError(name, `'${raw}' is not a file.`);
    return full;
  }
}
