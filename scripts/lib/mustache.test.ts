import { strict as assert } from 'node:assert';
import { validInput } from './input-validation';
import { MustacheError, renderMustache } from './mustache';

describe('server-task templates (the server mustache engine, modelled)', () => {
  const ctx = { name: 'blue', empty: '', no: 'false', mode: 'Attach', subscriptionId: 'sub-1', html: '<a&"b">' };
  const render = (t: string) => renderMustache(t, ctx);

  it('if / else / unless / inverted blocks; an empty or missing value is false, the string "false" is true', () => {
    assert.equal(render('{{#if name}}A{{else}}B{{/if}}'), 'A');
    assert.equal(render('{{#if empty}}A{{else}}B{{/if}}'), 'B');
    assert.equal(render('{{#if missing}}A{{else}}B{{/if}}'), 'B');
    assert.equal(render('{{#if no}}A{{/if}}'), 'A');
    assert.equal(render('{{#unless empty}}U{{else}}V{{/unless}}'), 'U');
    assert.equal(render('{{^empty}}inverted{{/empty}}'), 'inverted');
    assert.equal(render('{{#if name}}{{#if empty}}x{{else}}nested{{/if}}{{/if}}'), 'nested');
  });

  it('helper names are case-insensitive; unquoted arguments are selectors, looked up case-sensitively', () => {
    assert.equal(render("{{#EQUALS mode 'Attach'}}yes{{/EQUALS}}"), 'yes');
    assert.equal(render("{{#equals Mode 'Attach'}}yes{{else}}no{{/equals}}"), 'no', 'Mode is another selector than mode');
    assert.equal(render("{{#notEquals mode 'attach'}}case-sensitive{{/notEquals}}"), 'case-sensitive');
  });

  it("the ignore-case argument converts as the server converts it: 1, true and 'true' ignore case; '1' does not", () => {
    assert.equal(render("{{#equals mode 'attach' 1}}i{{else}}s{{/equals}}"), 'i');
    assert.equal(render("{{#equals mode 'attach' true}}i{{else}}s{{/equals}}"), 'i');
    assert.equal(render("{{#equals mode 'attach' 'true'}}i{{else}}s{{/equals}}"), 'i');
    assert.equal(render("{{#equals mode 'attach' '1'}}i{{else}}s{{/equals}}"), 's');
    assert.equal(render('{{#equals 5 5}}numbers{{/equals}}'), 'numbers');
    assert.equal(render('{{#equals null empty}}null is empty{{/equals}}'), 'null is empty');
  });

  it('{{x}} is HTML-encoded, {{{x}}} raw, \\{{ a literal brace pair', () => {
    assert.equal(render('{{html}}|{{{html}}}'), '&lt;a&amp;&quot;b&quot;&gt;|<a&"b">');
    assert.equal(render('/subscriptions/{{subscriptionId}}'), '/subscriptions/sub-1');
    assert.equal(render('\\{{name}}'), '{{name}}');
    assert.equal(render('{"a": {"b": 1}}'), '{"a": {"b": 1}}', 'a stray }} is text');
  });

  it('throws where the server throws: unknown helper, mismatched or missing end, unterminated {{, bad escapes, {{ inside', () => {
    for (const bad of [
      '{{#iff name}}x{{/iff}}',
      '{{#if name}}x{{/unless}}',
      '{{#if name}}x',
      '{{name',
      "{{#equals name 'a\\b'}}x{{/equals}}",
      '{{else}}',
      '{{#if {{name}}}}x{{/if}}',
      'x{{/if}}',
    ]) {
      assert.throws(() => render(bad), MustacheError, bad);
    }
    assert.equal(render("{{#equals name 'it\\'s'}}x{{else}}escaped quote parses{{/equals}}"), 'escaped quote parses');
  });

  it('input validation expressions: and, not, contains (ignoring case), isMatch with options, quotes doubled', () => {
    assert.equal(validInput("isMatch(value, '^submit$', 'i')", 'SUBMIT'), true);
    assert.equal(validInput("isMatch(value, '^submit$', 'i')", 'attach'), false);
    assert.equal(validInput("and(not(contains(value, '\"')), not(contains(value, '{{')))", 'plain name'), true);
    assert.equal(validInput("and(not(contains(value, '\"')), not(contains(value, '{{')))", 'say "hi"'), false);
    assert.equal(validInput("not(contains(value, '\\'))", 'a\\b'), false);
    assert.equal(validInput("eq(value, 'it''s')", "it's"), true);
    assert.throws(() => validInput('nope(value)', 'x'), /unknown function 'nope'/);
  });
});
