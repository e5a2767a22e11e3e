import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyItem, CompareOutput, type DriftItem } from '../../../src/verify/itemize.js';

/** Lines exactly as rsync 3.x prints them with --out-format='%i %n' under LC_ALL=C (seen in a real run). */
describe('classifyItem: one itemized line → the drift it shows', () => {
  const cases: ReadonlyArray<[string, Pick<DriftItem, 'kind' | 'path' | 'isDir'> | null]> = [
    ['<fc........ a.txt', { kind: 'differs', path: 'a.txt', isDir: false }], // content only: same size and mtime
    ['<fcst...... d/b.txt', { kind: 'differs', path: 'd/b.txt', isDir: false }],
    ['.f..t...... t', { kind: 'differs', path: 't', isDir: false }], // a file's mtime is part of the mirror
    ['.f...p..... d1/b.txt', { kind: 'differs', path: 'd1/b.txt', isDir: false }],
    ['cLc........ l1', { kind: 'differs', path: 'l1', isDir: false }], // symlink target
    ['<f+++++++++ new', { kind: 'missing', path: 'new', isDir: false }],
    ['cd+++++++++ newdir/', { kind: 'missing', path: 'newdir', isDir: true }],
    ['cL+++++++++ link', { kind: 'missing', path: 'link', isDir: false }],
    ['*deleting   extra', { kind: 'extra', path: 'extra', isDir: false }],
    ['*deleting   extradir/', { kind: 'extra', path: 'extradir', isDir: true }],
    ['.d...p..... d/', { kind: 'differs', path: 'd', isDir: true }], // a directory's mode counts
    ['.d..t.og... d/', { kind: 'differs', path: 'd', isDir: true }],
    ['.d..t...... d1/', null], // ...its mtime alone does not (see DIR_TIMES)
    ['.d..t...... ./', null],
    ['.d...p..... ./', { kind: 'differs', path: '.', isDir: true }],
    ['.f          unchanged', null], // -ii prints unchanged items too
    ['.f..?...... old-remote', null], // the remote cannot tell
    ['Number of files: 7 (reg: 4, dir: 2, link: 1)', null],
    ['total size is 12  speedup is 0.04 (DRY RUN)', null],
    ['sending incremental file list', null],
  ];
  for (const [line, want] of cases) {
    it(JSON.stringify(line), () => {
      const got = classifyItem(line);
      assert.deepEqual(got && { kind: got.kind, path: got.path, isDir: got.isDir }, want);
    });
  }

  it('names come back as their exact bytes: \\#ooo escapes, a raw tab, an escaped backslash', () => {
    assert.equal(classifyItem('<fcs....... new\\#012line')!.path, 'new\nline');
    assert.equal(classifyItem('<f+++++++++ bad\\#377byte')!.path, 'bad\xffbyte');
    assert.equal(classifyItem('<fcst...... tab\there')!.path, 'tab\there');
    // rsync escapes a `\` that would read as an escape: the name is `back\#123slash`.
    assert.equal(classifyItem('<f+++++++++ back\\#134#123slash')!.path, 'back\\#123slash');
    assert.equal(
      classifyItem(`<f+++++++++ sp ace $(touch MARKER) \`q\` "x"'`)!.path,
      `sp ace $(touch MARKER) \`q\` "x"'`,
    );
    assert.equal(classifyItem('<f+++++++++ -dash')!.path, '-dash');
  });
});

describe('CompareOutput: stdout as it streams', () => {
  const stdout = [
    '\r              0   0%    0.00kB/s    0:00:00 (xfr#0, ir-chk=1000/1201)\r',
    '*deleting   extradir/e\n*deleting   extradir/\n',
    '.d..t...... ./\n<fc........ a.txt\n<f+++++++++ bad\\#377byte\n<fcs....... new\\#012line\n',
    '          4,002   0%    3.82MB/s    0:00:00 (xfr#2, to-chk=0/20201)  \n\n',
    'Number of files: 20,201 (reg: 20,000, dir: 201)\nNumber of created files: 1 (reg: 1)\nTotal file size: 40,000,000 bytes\nTotal transferred file size: 2 bytes\n',
  ].join('');

  const read = (chunks: readonly string[]): { items: string[]; progress: number[]; stats: unknown } => {
    const items: string[] = [];
    const progress: number[] = [];
    const out = new CompareOutput(
      (i) => items.push(`${i.kind} ${JSON.stringify(i.path)}${i.isDir ? '/' : ''}`),
      (p) => progress.push((p.total ?? 0) - (p.toCheck ?? 0)),
    );
    for (const c of chunks) out.push(c);
    return { items, progress, stats: out.end() };
  };

  const want = {
    items: [
      'extra "extradir/e"',
      'extra "extradir"/',
      'differs "a.txt"',
      'missing "bad\xffbyte"',
      'differs "new\\nline"',
    ],
    progress: [201, 20201],
    stats: { files: 20201, bytes: 40_000_000 },
  };

  it('items, progress2 (files checked = total - to-chk) and --stats totals', () => {
    assert.deepEqual(read([stdout]), want);
  });

  it('the same whatever the chunk boundaries (every split point, and one byte at a time)', () => {
    for (let i = 0; i <= stdout.length; i++)
      assert.deepEqual(read([stdout.slice(0, i), stdout.slice(i)]), want, `split at ${i}`);
    assert.deepEqual(read([...stdout]), want);
  });

  it('a last line without its newline is read at end()', () => {
    assert.deepEqual(read(['<f+++++++++ last']).items, ['missing "last"']);
  });
});
