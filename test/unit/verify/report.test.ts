import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyItem } from '../../../src/verify/itemize.js';
import { DriftCollector, repairEntries, SAMPLE_SIZE, type VerifyReport } from '../../../src/verify/report.js';
import { driftSampleLine, formatVerdict, verifyExitCode, type LaneVerdict } from '../../../src/verify/format.js';
import { compileFilter } from '../../../src/watch/filter.js';

const collect = (
  lines: readonly string[],
  opts: { filter?: string[]; deletes?: boolean } = {},
): ReturnType<DriftCollector['finish']> => {
  const c = new DriftCollector(compileFilter(opts.filter ?? []), opts.deletes ?? true);
  for (const l of lines) {
    const item = classifyItem(l);
    if (item) c.add(item);
  }
  return c.finish('/src', '127.0.0.1::www', { files: 7, bytes: 12 }, 1500);
};

describe('DriftCollector: counts, samples and the repair batch', () => {
  it('counts each kind; a missing or extra directory is repaired as one entry, never with what is below it', () => {
    const { report, repair } = collect([
      '*deleting   old/sub/x',
      '*deleting   old/sub/',
      '*deleting   old/',
      '*deleting   stale',
      '<fc........ a.txt',
      '.d...p..... d/',
      'cd+++++++++ new/',
      '<f+++++++++ new/f',
      'cd+++++++++ new/deep/',
      '<f+++++++++ new/deep/g',
      '<f+++++++++ top',
    ]);
    assert.deepEqual([report.differs.count, report.missing.count, report.extra!.count], [2, 5, 4]);
    assert.deepEqual(repair, [
      { path: 'a.txt', kind: 'path' },
      { path: 'd', kind: 'dir-only' },
      { path: 'new', kind: 'path' },
      { path: 'top', kind: 'path' },
      { path: 'old', kind: 'path' },
      { path: 'stale', kind: 'path' },
    ]);
    assert.deepEqual([report.checkedFiles, report.bytes, report.durationMs], [7, 12, 1500]);
  });

  it('<filter>-excluded paths are neither reported nor repaired, and a remote-only directory holding one is not extra', () => {
    // (.*)\.log has no glob: rsync lists the remote-only match as a deletion; the full sync keeps it.
    const { report, repair } = collect(
      ['*deleting   keep/x.log', '*deleting   keep/y', '*deleting   keep/', '*deleting   a.log', '*deleting   gone'],
      { filter: ['(.*)\\.log'] },
    );
    assert.deepEqual(
      report.extra!.first.map((s) => s.path),
      ['keep/y', 'gone'],
    );
    assert.deepEqual(repair, [
      { path: 'keep/y', kind: 'path' },
      { path: 'gone', kind: 'path' },
    ]);
  });

  it('with <delete start="false"> extras are not looked for (null), nor repaired', () => {
    const { report, repair } = collect(['<f+++++++++ new'], { deletes: false });
    assert.equal(report.extra, null);
    assert.deepEqual(repair, [{ path: 'new', kind: 'path' }]);
  });

  it(`keeps the first ${SAMPLE_SIZE} of each kind in rsync's order, and the full count`, () => {
    const { report } = collect(Array.from({ length: 50 }, (_, i) => `<f+++++++++ f${i}`));
    assert.equal(report.missing.count, 50);
    assert.deepEqual(
      report.missing.first.map((s) => s.path),
      Array.from({ length: SAMPLE_SIZE }, (_, i) => `f${i}`),
    );
  });

  it('repairEntries does not list one path twice', () => {
    const f = { kind: 'differs' as const, path: 'x', isDir: false, flags: '' };
    assert.deepEqual(repairEntries([f, f], [], []), [{ path: 'x', kind: 'path' }]);
  });
});

const report = (over: Partial<VerifyReport> = {}): VerifyReport => ({
  root: '/src',
  remote: '127.0.0.1::www',
  differs: { count: 0, first: [] },
  missing: { count: 0, first: [] },
  extra: { count: 0, first: [] },
  checkedFiles: 1204,
  bytes: 13_107_200,
  durationMs: 812,
  ...over,
});

describe('formatVerdict: what the terminal shows', () => {
  it('identical: one line with the totals', () => {
    assert.deepEqual(formatVerdict({ kind: 'checked', report: report() }), [
      '/src -> 127.0.0.1::www: identical (1,204 entries checked, 12.5 MiB compared by checksum, 0.8 s)',
    ]);
  });

  it('drift: a headline, then each kind with its first paths (directories with a /) and how many more', () => {
    const r = report({
      differs: { count: 1, first: [{ path: 'a.txt', isDir: false }] },
      missing: {
        count: 23,
        first: [
          { path: 'new', isDir: true },
          { path: 'f', isDir: false },
        ],
      },
      extra: { count: 1, first: [{ path: 'old', isDir: false }] },
    });
    assert.deepEqual(formatVerdict({ kind: 'checked', report: r }), [
      '/src -> 127.0.0.1::www: DRIFT: 25 paths (1 differ, 23 missing on the remote, 1 extra on the remote); 1,204 entries checked, 12.5 MiB compared by checksum, 0.8 s',
      '  differ (1):',
      "    'a.txt'",
      '  missing on the remote (23):',
      "    'new/'",
      "    'f'",
      '    ... and 21 more',
      '  extra on the remote (1):',
      "    'old'",
    ]);
  });

  it('a remote that cannot be checked: one line, its reason flattened', () => {
    assert.deepEqual(
      formatVerdict({ kind: 'unchecked', root: '/src', remote: 'h::m', reason: 'rsync exit 10: refused\nsecond line' }),
      ['/src -> h::m: CANNOT BE CHECKED: rsync exit 10: refused / second line'],
    );
  });

  it('<delete start="false">: says that extras were not looked for', () => {
    assert.match(
      formatVerdict({ kind: 'checked', report: report({ extra: null }) })[0]!,
      /identical .*; extra remote files not looked for \(<delete start="false"> keeps them\)$/,
    );
  });
});

describe('a hostile name in a report executes nothing and forges no line', () => {
  const hostile = [
    'sp ace',
    "it's",
    'back`tick`',
    '$(touch MARKER)',
    'new\nline\n/src -> 127.0.0.1::www: identical',
    '-dash',
    'bad\xffbyte',
    'tab\there',
    'cr\rhere',
    'rtl\u202e'.replace('\u202e', '\xe2\x80\xae'),
  ];
  const r = report({ differs: { count: hostile.length, first: hostile.map((path) => ({ path, isDir: false })) } });
  const lines = formatVerdict({ kind: 'checked', report: r });

  it('one line per name, every line printable: no newline, CR or raw control byte inside', () => {
    assert.equal(lines.length, 2 + hostile.length);
    for (const l of lines) assert.doesNotMatch(l, /[\u0000-\u001f\u007f-\u009f\u202e]/, JSON.stringify(l));
    assert.equal(
      lines.filter((l) => l.includes('identical')).length,
      1,
      'the forged "identical" stays inside its quoted name',
    );
    assert.doesNotMatch(driftSampleLine(r), /[\u0000-\u001f]/);
  });

  it('each shown name, pasted into bash, is the same bytes, and nothing runs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-verify-quote-'));
    try {
      hostile.forEach((name, i) => {
        const shown = lines[2 + i]!.trim();
        const out = execFileSync('bash', ['-c', `printf %s ${shown}`], { cwd: dir });
        assert.deepEqual(out, Buffer.from(name, 'latin1'), shown);
      });
      assert.deepEqual(fs.readdirSync(dir), [], 'no MARKER');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('verifyExitCode', () => {
  const identical: LaneVerdict = { kind: 'checked', report: report() };
  const drift: LaneVerdict = { kind: 'checked', report: report({ extra: { count: 1, first: [] } }) };
  const down: LaneVerdict = { kind: 'unchecked', root: '/src', remote: 'h::m', reason: 'down' };
  const cases: ReadonlyArray<[string, LaneVerdict[], number]> = [
    ['all identical', [identical, identical], 0],
    ['any drift', [identical, drift], 1],
    ['a remote that cannot be checked wins', [drift, down], 2],
    ['nothing to compare', [], 0],
  ];
  for (const [what, verdicts, code] of cases)
    it(`${what}: ${code}`, () => assert.equal(verifyExitCode(verdicts), code));
});
