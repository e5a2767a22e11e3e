import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attrIncludes, planBatch, renameCandidates, type PlanOptions } from '../../../src/lane/batch-plan.js';
import type { ResolvedBatch } from '../../../src/lane/stat-batch.js';
import { attrOnlyRules, childrenRule, rulesAsArgv, rulesFile } from '../../../src/rsync/filter-rules.js';
import { fromText } from '../../../src/shared/bytepath.js';

function batch(b: Partial<ResolvedBatch>): ResolvedBatch {
  return { recursive: [], directories: [], missing: [], large: [], dirsOnly: [], ...b };
}
const opts: PlanOptions = { deletes: true, attrsInSession: true, moved: new Set() };

describe('planBatch: one rsync run per batch in the common case', () => {
  it('a single edit at the root: one run listing the root for its attributes, with --fuzzy', () => {
    const p = planBatch(batch({ recursive: ['f'] }), opts);
    assert.deepEqual(p.runs, [{ paths: ['.', 'f'], directories: [], fuzzy: true, attrDirs: ['.'] }]);
    assert.equal(p.rootOnlyRun, false);
    assert.deepEqual(p.dirsOnlyRun, []);
  });
  it('an edit in a subdirectory: one run, the root is not listed (-R carries the implied parents)', () => {
    assert.deepEqual(planBatch(batch({ recursive: ['a/b/f'] }), opts).runs, [
      { paths: ['a/b/f'], directories: [], fuzzy: true, attrDirs: [] },
    ]);
  });
  it('a create and an unrelated delete in one directory: one run, without --fuzzy (it would clash with the deletion)', () => {
    const p = planBatch(batch({ recursive: ['d/new', 'd/old'], missing: ['d/old'] }), opts);
    assert.deepEqual(p.runs, [{ paths: ['d/new', 'd/old'], directories: [], fuzzy: false, attrDirs: [] }]);
  });
  it('deletions elsewhere than the new files: one run, --fuzzy kept', () => {
    assert.equal(planBatch(batch({ recursive: ['a/new', 'b/old'], missing: ['b/old'] }), opts).runs[0]!.fuzzy, true);
  });
  it('a deletion below a directory sent recursively: no --fuzzy (its new files could pick the deleted one)', () => {
    const p = planBatch(batch({ recursive: ['d', 'd/sub/gone'], directories: ['d'], missing: ['d/sub/gone'] }), opts);
    assert.equal(p.runs.length, 1);
    assert.equal(p.runs[0]!.fuzzy, false);
  });
  it('a rename (the new name looks moved): existing paths first with --fuzzy, then the deletions with the root attributes', () => {
    const p = planBatch(batch({ recursive: ['renamed', 'f'], missing: ['f'] }), {
      ...opts,
      moved: new Set(['renamed']),
    });
    assert.deepEqual(p.runs, [
      { paths: ['renamed'], directories: [], fuzzy: true, attrDirs: [] },
      { paths: ['.', 'f'], directories: [], fuzzy: false, attrDirs: ['.'] },
    ]);
  });
  it('without <delete>: missing paths are skipped by rsync, nothing clashes, one run with --fuzzy', () => {
    const p = planBatch(batch({ recursive: ['d/new', 'd/old'], missing: ['d/old'] }), {
      ...opts,
      deletes: false,
      moved: new Set(['d/new']),
    });
    assert.deepEqual(
      p.runs.map((r) => r.fuzzy),
      [true],
    );
    assert.deepEqual(renameCandidates(batch({ recursive: ['d/new', 'd/old'], missing: ['d/old'] }), false), []);
  });
  it('dir-only entries join the run; one inside a directory sent recursively is left to that recursion', () => {
    const p = planBatch(batch({ recursive: ['t', 'x/f'], directories: ['t'], dirsOnly: ['x', 't/in'] }), opts);
    assert.deepEqual(p.runs, [
      { paths: ['.', 'x', 't', 'x/f'], directories: ['t'], fuzzy: true, attrDirs: ['.', 'x'] },
    ]);
  });
  it('only dir-only entries: one attributes-only run', () => {
    assert.deepEqual(planBatch(batch({ dirsOnly: ['a/b'] }), opts).runs, [
      { paths: ['a/b'], directories: [], fuzzy: true, attrDirs: ['a/b'] },
    ]);
  });
  it('commonParams with filter options of its own: the attribute runs stay separate, as before', () => {
    const p = planBatch(batch({ recursive: ['f'], dirsOnly: ['d'] }), { ...opts, attrsInSession: false });
    assert.deepEqual(p.runs, [{ paths: ['f'], directories: [], fuzzy: true, attrDirs: [] }]);
    assert.deepEqual(p.dirsOnlyRun, ['d']);
    assert.equal(p.rootOnlyRun, true);
  });
  it('nothing to send: no run', () => {
    assert.deepEqual(planBatch(batch({}), opts).runs, []);
  });
});

describe('renameCandidates', () => {
  it('existing non-directories that share a directory with a deletion (the root included)', () => {
    const b = batch({ recursive: ['a', 'b', 'd', 'd/x', 'e/y', 'e/z'], directories: ['d'], missing: ['b', 'e/z'] });
    assert.deepEqual(renameCandidates(b, true), ['a', 'e/y']);
  });
});

describe('attribute rules', () => {
  it('includes the listed children of each attribute-only directory, nothing deeper, not the root itself', () => {
    assert.deepEqual(attrIncludes(['.', 'x'], ['.', 'x', 'top', 'x/f', 'x/g/h', 'y/z']), ['x', 'top', 'x/f']);
  });
  it('rules: exact includes first, then `- dir/*` with every wildcard escaped (the pattern has a `*`)', () => {
    assert.equal(childrenRule('.'), '/*');
    assert.equal(childrenRule('a\\b'), '/a\\\\b/*');
    assert.equal(childrenRule('we*rd[1]?'), '/we\\*rd\\[1]\\?/*');
    const rules = attrOnlyRules(['.', 'x'], ['top', 'st*r']);
    assert.deepEqual(rules, ['+ /top', '+ /st\\*r', '- /*', '- /x/*']);
    assert.equal(rulesFile(rules).toString('latin1'), '+ /top\0+ /st\\*r\0- /*\0- /x/*\0');
  });
  it('as command-line words while they are UTF-8 and few (a pasteable debug line), else in a file', () => {
    assert.deepEqual(rulesAsArgv(attrOnlyRules(['.'], ['top', 'new\nline', '- minus'])), [
      '--include=/top',
      '--include=/new\nline',
      '--include=/- minus',
      '--exclude=/*',
    ]);
    assert.deepEqual(rulesAsArgv(attrOnlyRules(['.'], [fromText('café')])), ['--include=/café', '--exclude=/*']);
    assert.equal(rulesAsArgv(attrOnlyRules(['.'], ['caf\xe9'])), null, 'not UTF-8: argv would mangle it');
    assert.equal(
      rulesAsArgv(
        attrOnlyRules(
          ['.'],
          Array.from({ length: 1000 }, (_, i) => `f${i}`),
        ),
      ),
      null,
      'too many for argv',
    );
  });
});
