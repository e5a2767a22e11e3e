import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoostOnlyError, toJsRegex, wholeMatchRegex } from '../../../src/config/regex.js';
import { regexError } from '../../../src/config/values.js';
import { compileFilter } from '../../../src/watch/filter.js';
import { fromText } from '../../../src/shared/bytepath.js';

describe('toJsRegex: boost (Perl syntax) → JavaScript', () => {
  const translations: Array<[string, string, string]> = [
    ['(.*)\\.tmp', '(.*)\\.tmp', ''],
    ['^info/*', '^info/*', ''],
    ['[[:digit:]]+', '[0-9]+', ''],
    ['[^[:space:]]', '[^ \\t\\n\\r\\f\\v]', ''],
    ['[[:alpha:][:digit:]_-]', '[a-zA-Z0-9_-]', ''],
    ['[[:alnum:]]', '[0-9a-zA-Z]', ''],
    ['[[:upper:]][[:lower:]]', '[A-Z][a-z]', ''],
    ['[[:xdigit:]]', '[0-9A-Fa-f]', ''],
    ['[[:word:]]', '[\\w]', ''],
    ['[[:punct:]]', '[!-\\/:-@\\[-`{-~]', ''],
    ['(?i).*\\.JPG', '.*\\.JPG', 'i'],
    ['[]a]', '[\\]a]', ''],
    ['[^]a]', '[^\\]a]', ''],
    ['\\Afoo\\z', '^foo$', ''],
    ['a[\\d\\]]b', 'a[\\d\\]]b', ''],
    ['\\x41\\.', '\\x41\\.', ''],
  ];
  for (const [boost, source, flags] of translations) {
    it(`${JSON.stringify(boost)} → /${source}/${flags}`, () => {
      assert.deepEqual(toJsRegex(boost), { source, flags });
    });
  }

  const matches: Array<[string, string, boolean]> = [
    ['log[[:digit:]]+', 'log123', true],
    ['log[[:digit:]]+', 'log:', false], // unconverted, JS would have taken [[:digit:] as a set holding ':'
    ['log[[:digit:]]+', 'logd]', false],
    ['[[:alpha:]]+', 'abcXYZ', true],
    ['[[:alpha:]]+', 'ab1', false],
    ['[[:space:]]', '\t', true],
    ['[[:punct:]]', '\\', true],
    ['[[:punct:]]', 'a', false],
    ['(?i).*\\.jpg', 'PHOTO.JPG', true],
    ['.*\\.jpg', 'PHOTO.JPG', false],
    ['(?i)[[:lower:]]+', 'ABC', true],
    ['[]x]+', ']x]', true],
  ];
  for (const [boost, text, expected] of matches) {
    it(`${JSON.stringify(boost)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(text)} whole`, () => {
      assert.equal(wholeMatchRegex(boost).test(text), expected);
    });
  }

  const rejected: Array<[string, RegExp]> = [
    ['[[:^digit:]]', /\[:\^digit:\] is not supported inside a bracket expression \(supported: \[:alpha:\]/],
    ['[[:letter:]]', /\[:letter:\] is not supported/],
    ['[[=e=]]', /\[=e=\] is not supported/],
    ['[[.a.]]', /\[\.a\.\] is not supported/],
    ['\\Q.tmp\\E', /^\\Q is not supported \(escape each special character with \\ instead\): JavaScript would read it as a plain "Q"$/],
    ['\\x{41}', /^\\x is not supported \(write a byte as \\xHH, two hex digits\)/],
    ['\\h+', /^\\h is not supported: JavaScript would read it as a plain "h"$/],
    ['[\\h]', /^\\h is not supported/],
  ];
  for (const [boost, message] of rejected) {
    it(`${JSON.stringify(boost)} is rejected, saying why`, () => {
      assert.throws(() => toJsRegex(boost), (err: Error) => err instanceof BoostOnlyError && message.test(err.message));
    });
  }
});

describe('config validation and the watcher filter use the same translation', () => {
  it('regexError: POSIX classes and a leading (?i) are valid', () => {
    assert.equal(regexError('[[:digit:]]+\\.log'), null);
    assert.equal(regexError('(?i).*\\.bak'), null);
  });
  it('regexError: other inline flags and boost-only constructs are clear errors', () => {
    assert.equal(
      regexError('foo(?i)bar'),
      'Invalid regular expression: /^(?:foo(?i)bar)$/s: Invalid group (of the inline flags only a leading (?i) is supported)',
    );
    assert.equal(regexError('(?s).*'), 'Invalid regular expression: /^(?:(?s).*)$/s: Invalid group (of the inline flags only a leading (?i) is supported)');
    assert.equal(regexError('(?:a|b)('), 'Invalid regular expression: /^(?:(?:a|b)()$/s: Unterminated group');
    assert.match(regexError('[[:^space:]]')!, /^\[:\^space:\] is not supported/);
  });
  it('compileFilter excludes by the translated expression', () => {
    const f = compileFilter(['(.*)[[:digit:]]\\.log', '(?i)(.*)\\.bak']);
    assert.equal(f.excluded(fromText('a/app7.log'), false), true);
    assert.equal(f.excluded(fromText('a/app:.log'), false), false);
    assert.equal(f.excluded(fromText('x/OLD.BAK'), false), true);
    assert.equal(f.excluded(fromText('x/old.txt'), false), false);
  });
});
