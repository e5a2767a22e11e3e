import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromText } from '../../../src/shared/bytepath.js';
import { decodeJournal, encodeRecord, type JournalRecord } from '../../../src/journal/codec.js';

describe('journal codec', () => {
  // Byte strings (see shared/bytepath.ts): text names converted, plus one that is not UTF-8.
  const hostile = [
    ...['plain.txt', 'new\nline', 'quote\'"`$(x)', '中文'].map(fromText),
    Buffer.from([0x66, 0xff, 0x0a]).toString('latin1'),
  ];
  it('round-trips paths byte-exact, full syncs and the clean marker', () => {
    const recs: JournalRecord[] = [
      ...hostile.map((p) => ({ type: 'path' as const, root: '/srv/www', path: p, kind: 'path' as const })),
      { type: 'path', root: '/srv/www', path: 'd', kind: 'tree' },
      { type: 'full', root: '/srv/other' },
    ];
    const text = recs.map(encodeRecord).join('') + encodeRecord({ type: 'clean' });
    assert.equal(text.split('\n').length, recs.length + 2, 'one line per record, newlines in names escaped');
    const d = decodeJournal(text);
    assert.deepEqual(d.records, recs);
    assert.equal(d.clean, true);
    assert.equal(d.skipped, 0);
  });
  it('a torn last line is skipped and the run counts as unclean', () => {
    const text = encodeRecord({ type: 'path', root: '/r', path: 'a', kind: 'path' }) + '{"r":"/r","p":"b';
    const d = decodeJournal(text);
    assert.equal(d.records.length, 1);
    assert.equal(d.skipped, 1);
    assert.equal(d.clean, false);
  });
  it('records after a clean marker make the run unclean again', () => {
    const text = encodeRecord({ type: 'clean' }) + encodeRecord({ type: 'path', root: '/r', path: 'a', kind: 'path' });
    assert.equal(decodeJournal(text).clean, false);
  });
});
