import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { displayQuote, shellLine, shellQuote, shellQuoteBytes } from '../../../src/rsync/shell-quote.js';
import { fromBytes, fromText } from '../../../src/shared/bytepath.js';

const HOSTILE: readonly string[] = [
  'plain',
  "it's",
  "''",
  "'",
  '"double"',
  '`touch X`',
  '$(touch X)',
  '${HOME}',
  '$HOME',
  'a\nb',
  '\n',
  'x; touch X',
  'a & touch X',
  'a | touch X',
  'a && touch X || touch X',
  '\\',
  'back\\slash\\',
  '*',
  '*.ts',
  '?',
  '[a-z]',
  '~',
  '~root',
  '-n',
  '--help',
  '-e',
  '',
  ' ',
  '\t lead and trail \t',
  '#comment',
  'a>X',
  '<X',
  '!',
  '{a,b}',
  'é ünïcödé 文字',
  '\r\x01\x1b[31m',
];

describe('shellQuote', () => {
  it('wraps a word in single quotes', () => {
    assert.equal(shellQuote('abc'), "'abc'");
    assert.equal(shellQuote(''), "''");
  });
  it("writes a single quote as '\\''", () => {
    assert.equal(shellQuote("it's"), "'it'\\''s'");
  });
  it('shellQuoteBytes quotes a byte path the same way', () => {
    assert.equal(shellQuoteBytes('a b\xff'), "'a b\xff'");
  });
  it('shellLine joins the quoted words with single spaces', () => {
    assert.equal(shellLine(['rsync', '-a', 'x y', '']), "'rsync' '-a' 'x y' ''");
    assert.equal(shellLine([]), '');
  });
});

describe('shellLine round-trips through /bin/sh', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-shell-quote-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function assertNothingCreated(): void {
    assert.deepEqual(
      fs.readdirSync(tmp).filter((f) => !f.startsWith('script')),
      [],
      'the shell created no file',
    );
  }

  it('sh -c \'printf "%s\\0" \' + shellLine(words) prints exactly the hostile words and runs nothing', () => {
    const out = execFileSync('sh', ['-c', `printf "%s\\0" ${shellLine(HOSTILE)}`], { cwd: tmp });
    assert.deepEqual(out, Buffer.from(HOSTILE.map((w) => `${w}\0`).join(''), 'utf8'));
    assertNothingCreated();
  });

  it('each hostile word alone round-trips (sh -c)', () => {
    for (const w of HOSTILE) {
      const out = execFileSync('sh', ['-c', `printf "%s\\0" ${shellLine([w])}`], { cwd: tmp });
      assert.deepEqual(out, Buffer.from(`${w}\0`, 'utf8'), `word ${JSON.stringify(w)}`);
    }
    assertNothingCreated();
  });

  it('non-UTF-8 bytes (shell text written as latin1 bytes, as in the fail log) come back as the same bytes', () => {
    const words = [
      fromBytes(Buffer.from([0xff, 0xfe, 0x27, 0x80])),
      fromBytes(Buffer.from([0xc3, 0x28, 0x60, 0x24, 0x28])),
      "\xe9'$(touch X)'\xa0",
    ];
    const script = path.join(tmp, 'script-latin1.sh');
    fs.writeFileSync(script, Buffer.from(`printf "%s\\0" ${words.map(shellQuoteBytes).join(' ')}\n`, 'latin1'));
    const out = execFileSync('sh', [script], { cwd: tmp });
    assert.deepEqual(out, Buffer.from(words.map((w) => `${w}\0`).join(''), 'latin1'));
    assertNothingCreated();
  });

  it('property: 300 pseudo-random words over bytes 0x01..0xff round-trip byte for byte', () => {
    let seed = 0x5eed;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    const specials = [0x27, 0x22, 0x60, 0x24, 0x28, 0x29, 0x5c, 0x0a, 0x3b, 0x26, 0x7c, 0x2a, 0x2d, 0x20, 0x09];
    const words: string[] = [];
    for (let i = 0; i < 300; i++) {
      const len = rand() % 12;
      const bytes: number[] = [];
      for (let j = 0; j < len; j++)
        bytes.push(rand() % 2 === 0 ? specials[rand() % specials.length]! : 1 + (rand() % 255));
      words.push(fromBytes(Buffer.from(bytes)));
    }
    const script = path.join(tmp, 'script-random.sh');
    fs.writeFileSync(script, Buffer.from(`printf "%s\\0" ${shellLine(words)}\n`, 'latin1'));
    const out = execFileSync('sh', [script], { cwd: tmp });
    assert.deepEqual(out, Buffer.from(words.map((w) => `${w}\0`).join(''), 'latin1'));
    assertNothingCreated();
  });
});

describe('displayQuote: a name for humans, on one line, pasteable into bash', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-display-quote-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  // As byte strings: the UTF-8 words as their bytes, plus names that are not UTF-8 at all.
  const names = [
    ...HOSTILE.map(fromText),
    'bad\xffbyte',
    '\xc3(',
    '\xe2\x80\xae-rtl-override',
    'zero\xe2\x80\x8bwidth',
    'line\xe2\x80\xa8sep',
    'c1\xc2\x85nel',
    '\xed\xa0\x80surrogate',
    '\xc0\xafoverlong',
  ];

  it("plain text is single-quoted as shellQuote does; anything else is $'...' with escapes", () => {
    assert.equal(displayQuote('a b'), "'a b'");
    assert.equal(displayQuote(fromText('é文')), "'é文'");
    assert.equal(displayQuote("it's"), "'it'\\''s'");
    assert.equal(displayQuote('new\nline'), "$'new\\nline'");
    assert.equal(displayQuote("t\tq'\\"), "$'t\\tq\\'\\\\'");
    assert.equal(displayQuote('bad\xffbyte'), "$'bad\\xffbyte'");
    assert.equal(displayQuote('\xe2\x80\xae'), "$'\\xe2\\x80\\xae'");
  });

  it('never holds a control character, a C1 control or a bidi/zero-width character', () => {
    for (const n of names)
      assert.doesNotMatch(
        displayQuote(n),
        /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/,
        JSON.stringify(n),
      );
  });

  it('bash prints exactly the original bytes back, and runs nothing', () => {
    for (const n of names) {
      if (n === '') continue;
      const out = execFileSync('bash', ['-c', `printf %s ${displayQuote(n)}`], { cwd: tmp });
      assert.deepEqual(out, Buffer.from(n, 'latin1'), JSON.stringify(n));
    }
    assert.deepEqual(fs.readdirSync(tmp), [], 'the shell created no file');
  });
});
