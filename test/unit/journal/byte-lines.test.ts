import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByteLines } from '../../../src/journal/byte-lines.js';

describe('ByteLines: journal lines held as UTF-8 bytes until written', () => {
  it('gives back every line pushed, in order, as one buffer, then holds none', () => {
    const b = new ByteLines();
    assert.equal(b.take(), null, 'nothing held: nothing to write');
    const lines = ['{"r":"/srv/www","p":"a b","k":"path"}\n', '{"r":"/srv/www","p":"ünï/中文","k":"tree"}\n', '\n'];
    for (const l of lines) b.push(l);
    assert.equal(b.count, 3);
    assert.equal(b.take()!.toString('utf8'), lines.join(''));
    assert.equal(b.count, 0);
    assert.equal(b.take(), null);
  });

  it('spans many chunks and a line longer than a chunk, byte for byte', () => {
    const b = new ByteLines();
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(`{"p":"d${i % 100}/é-${i}","k":"path"}\n`);
    lines.splice(2500, 0, `${'x'.repeat(70_000)}\n`);
    for (const l of lines) b.push(l);
    const want = Buffer.from(lines.join(''), 'utf8');
    const got = b.take()!;
    assert.equal(got.length, want.length);
    assert.ok(got.equals(want), 'the bytes written are the lines as UTF-8');
  });

  it('clear() drops what is held (a checkpoint covers it)', () => {
    const b = new ByteLines();
    b.push('one\n');
    b.clear();
    assert.equal(b.count, 0);
    assert.equal(b.take(), null);
    b.push('two\n');
    assert.equal(b.take()!.toString(), 'two\n');
  });
});
