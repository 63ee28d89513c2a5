import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../errors';
import { FakePlatform } from './fake-platform';
import { TaskInputs } from './inputs';

function inputs(values: Record<string, string>): TaskInputs {
  return new TaskInputs(new FakePlatform({ inputs: values }));
}

function inputError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof InputError && pattern.test(err.message));
}

describe('TaskInputs', () => {
  it('reads required and optional strings, trimmed', () => {
    const i = inputs({ a: '  x  ', b: '   ' });
    assert.equal(i.requiredString('a'), 'x');
    assert.equal(i.optionalString('b'), undefined);
    inputError(() => i.requiredString('missing'), /^Input 'missing': is required/);
  });

  it('parses booleans and names the allowed values', () => {
    const i = inputs({ yes: 'True', no: 'false', bad: 'yes' });
    assert.equal(i.bool('yes', false), true);
    assert.equal(i.bool('no', true), false);
    assert.equal(i.bool('unset', true), true);
    inputError(() => i.bool('bad', false), /Input 'bad': 'yes' is not a boolean; allowed values: true, false\./);
  });

  it('parses whole numbers within a range', () => {
    const i = inputs({ n: '5', big: '11', frac: '1.5', word: 'ten' });
    assert.equal(i.int('n', 1, { min: 1, max: 10 }), 5);
    assert.equal(i.int('unset', 7), 7);
    assert.equal(i.optionalInt('unset'), undefined);
    inputError(() => i.int('big', 1, { min: 1, max: 10 }), /'11' is not valid; expected a whole number between 1 and 10/);
    inputError(() => i.int('frac', 1), /'1.5' is not valid/);
    inputError(() => i.optionalInt('word', { min: 0 }), /expected a whole number at least 0/);
  });

  it('matches enums case-insensitively and lists allowed values', () => {
    const i = inputs({ mode: 'KEY', bad: 'other' });
    assert.equal(i.enumOf('mode', ['auto', 'key'] as const, 'auto'), 'key');
    assert.equal(i.enumOf('unset', ['auto', 'key'] as const, 'auto'), 'auto');
    inputError(() => i.enumOf('bad', ['auto', 'key'] as const, 'auto'), /'other' is not allowed; allowed values: auto, key\./);
  });

  it('reads key=value lines, skipping blanks and comments, naming a bad line', () => {
    const i = inputs({ tags: 'a=1\n\n# note\nb = two=2 \n', bad: 'a=1\nnovalue', dup: 'a=1\na=2' });
    assert.deepEqual(i.keyValues('tags'), { a: '1', b: 'two=2' });
    inputError(() => i.keyValues('bad'), /Input 'bad': line 2 'novalue' is not of the form key=value/);
    inputError(() => i.keyValues('dup'), /line 2: key 'a' is given twice/);
  });

  it('reads JSON objects and rejects other JSON', () => {
    const i = inputs({ obj: '{"a": 1}', arr: '[1]', broken: '{a:' });
    assert.deepEqual(i.jsonObject('obj'), { a: 1 });
    assert.equal(i.jsonObject('unset'), undefined);
    inputError(() => i.jsonObject('arr'), /must be a JSON object/);
    inputError(() => i.jsonObject('broken'), /is not valid JSON/);
  });

  it('requires files to exist', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inputs-'));
    const file = path.join(dir, 'p.json');
    fs.writeFileSync(file, '{}');
    const i = inputs({ f: file, missing: path.join(dir, 'nope.json'), folder: dir });
    assert.equal(i.existingFile('f', true), file);
    assert.equal(i.existingFile('unset', false), undefined);
    inputError(() => i.existingFile('missing', true), /file '.*nope.json' does not exist/);
    inputError(() => i.existingFile('folder', true), /is not a file/);
  });

  it('reads secret key=value lists without echoing them, registering every value', () => {
    const platform = new FakePlatform({ inputs: { vars: 'A=one-secret\nB=two-secret', bad: 'A=x\nnovalue-secret' } });
    assert.deepEqual(new TaskInputs(platform).keyValues('vars', true), { A: 'one-secret', B: 'two-secret' });
    assert.ok(platform.secrets.has('one-secret') && platform.secrets.has('two-secret'));
    inputError(() => new TaskInputs(platform).keyValues('bad', true), /^Input 'bad': line 2 is not of the form key=value\.$/);
  });

  it('registers secret inputs with the platform before returning them', () => {
    const platform = new FakePlatform({ inputs: { apiKey: ' s3cret ' } });
    assert.equal(new TaskInputs(platform).secret('apiKey'), 's3cret');
    assert.ok(platform.secrets.has('s3cret'));
  });
});
