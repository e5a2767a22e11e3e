import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PendingEntry } from '../../../src/aggregate/types.js';
import { Intake, type IntakeDeps } from '../../../src/daemon/intake.js';
import type { JournalRecord } from '../../../src/journal/codec.js';
import { MoveHints } from '../../../src/lane/move-hints.js';
import { compileFilter } from '../../../src/watch/filter.js';
import type { ChangeEvent } from '../../../src/watch/types.js';
import { SteppingClock } from '../../helpers/fake-clock.js';
import { testConfig } from '../../helpers/config.js';

/** An intake on a config, with fakes of its neighbours: the lanes (outlet), the journal, the counters. */
function harness(spec: Parameters<typeof testConfig>[0] = {}, edit?: (xml: string) => string) {
  const clock = new SteppingClock(undefined, true);
  const config = testConfig({ watch: ['/srv/a', '/srv/b'], ...spec }, edit);
  const sent: Array<{ root: number; entries?: readonly PendingEntry[]; full?: string }> = [];
  const journal: JournalRecord[] = [];
  let bursts = 0;
  const counted: string[] = [];
  const moves = config.roots.map(() => new MoveHints());
  const deps: IntakeDeps = {
    config,
    filter: compileFilter(config.filter.enabled ? config.filter.excludes : []),
    clock,
    moves,
    outlet: {
      enqueue: (root, entries) => sent.push({ root, entries }),
      fullSync: (root, full) => sent.push({ root, full }),
    },
    journal: { record: (r) => journal.push(r), recorded: () => void bursts++ },
    count: {
      event: (root, kind) => counted.push(`${root} ${kind}`),
      fullSync: (reason) => counted.push(`full: ${reason}`),
    },
  };
  return { intake: new Intake(deps), clock, config, sent, journal, counted, moves, bursts: () => bursts };
}

const ev = (root: number, path: string, kind: ChangeEvent['kind'] = 'created', movedFrom?: string): ChangeEvent =>
  movedFrom === undefined ? { root, path, kind } : { root, path, kind, movedFrom };

describe('Intake: events → toggles → filter → aggregator + journal → lanes', () => {
  let clock: SteppingClock | null = null;
  afterEach(() => clock?.restore());

  it('a change is journaled at once; the first after a quiet period reaches its root`s lanes at once, the next after the quiet time', () => {
    const h = harness({ extraSersync: '<debounce delayMs="100" maxDelayMs="1000"/>' });
    clock = h.clock;
    h.intake.onEvents([ev(1, 'f.txt')]);
    assert.deepEqual(h.journal, [{ type: 'path', root: '/srv/b', path: 'f.txt', kind: 'path' }]);
    assert.equal(h.bursts(), 1);
    h.clock.advance(1);
    assert.deepEqual(
      h.sent,
      [{ root: 1, entries: [{ path: 'f.txt', kind: 'path' }] }],
      'leading edge: no quiet time for a lone change',
    );
    h.clock.advance(9);
    h.intake.onEvents([ev(1, 'g.txt')]);
    h.clock.advance(90);
    assert.equal(h.sent.length, 1, 'the change right after it waits its quiet time');
    assert.equal(h.intake.size(1), 1);
    h.clock.advance(20);
    assert.deepEqual(h.sent.at(-1), { root: 1, entries: [{ path: 'g.txt', kind: 'path' }] });
    assert.equal(h.intake.idle, true);
    assert.deepEqual(h.counted, ['/srv/b created', '/srv/b created']);
    assert.equal(h.intake.eventsSeen, 2);
  });

  it('a wall-clock step back or forward while changes wait changes nothing: each ships after its quiet time, no full sync', () => {
    const h = harness({ extraSersync: '<debounce delayMs="100" maxDelayMs="1000"/>' });
    clock = h.clock;
    // A change just before each: the one under test is not the first of a quiet period (that one ships at once).
    h.intake.onEvents([ev(0, 'lead.txt')]);
    h.clock.advance(10);
    h.intake.onEvents([ev(0, 'a.txt')]);
    h.clock.advance(50);
    h.clock.stepWall(-3600_000);
    h.clock.advance(40);
    assert.equal(h.sent.length, 1, 'not before its quiet time');
    h.clock.advance(20);
    assert.deepEqual(
      h.sent.at(-1),
      { root: 0, entries: [{ path: 'a.txt', kind: 'path' }] },
      'on time, not an hour later',
    );
    h.intake.onEvents([ev(0, 'lead2.txt')]);
    h.clock.advance(10);
    h.intake.onEvents([ev(0, 'b.txt')]);
    h.clock.stepWall(2 * 3600_000);
    h.clock.advance(90);
    assert.equal(h.sent.length, 3, 'a step forward does not make it due early');
    h.clock.advance(20);
    assert.deepEqual(h.sent.at(-1), { root: 0, entries: [{ path: 'b.txt', kind: 'path' }] });
    assert.deepEqual(
      h.counted.filter((c) => c.startsWith('full:')),
      [],
      'no full sync',
    );
  });

  it('the <inotify> toggles decide what counts (createFile off, closeWrite on: a create still counts)', () => {
    const h = harness({}, (x) =>
      x
        .replace('<delete start="true"/>', '<delete start="false"/>')
        .replace('<moveFrom start="true"/>', '<moveFrom start="false"/>'),
    );
    clock = h.clock;
    h.intake.onEvents([ev(0, 'gone', 'removed'), ev(0, 'new')]);
    assert.deepEqual(
      h.journal.map((r) => (r.type === 'path' ? r.path : r.type)),
      ['new'],
      'a removal is not acted on with delete and moveFrom off',
    );
    assert.deepEqual(h.counted, ['/srv/a removed', '/srv/a created'], 'but counted');
  });

  it('an excluded path never reaches a lane; a removed one is excluded as a file or as a directory', () => {
    const h = harness({ filter: ['(.*)\\.tmp', '^cache/*'] });
    clock = h.clock;
    h.intake.onEvents([ev(0, 'x.tmp'), ev(0, 'cache', 'removed'), ev(0, 'cache/f'), ev(0, 'keep.txt')]);
    assert.deepEqual(
      h.journal.map((r) => (r.type === 'path' ? r.path : r.type)),
      ['keep.txt'],
    );
  });

  it('a new directory is listed as a tree, a changed one (<attrib> on) without its subtree; a move is remembered for the lanes', () => {
    const h = harness({}, (x) => x.replace('<attrib start="false"/>', '<attrib start="true"/>'));
    clock = h.clock;
    h.intake.onEvents([ev(0, 'd', 'dir-created', 'old/d'), ev(0, 'e', 'dir-changed')]);
    assert.deepEqual(h.journal, [
      { type: 'path', root: '/srv/a', path: 'd', kind: 'tree' },
      { type: 'path', root: '/srv/a', path: 'e', kind: 'dir-only' },
    ]);
    assert.equal(h.moves[0]!.from('d', h.clock.now()), 'old/d');
  });

  it('lost events: a full sync of the root (every root for -1), journaled and counted, shipped when due', () => {
    const h = harness();
    clock = h.clock;
    h.intake.lost(-1);
    assert.deepEqual(h.journal, [
      { type: 'full', root: '/srv/a' },
      { type: 'full', root: '/srv/b' },
    ]);
    assert.equal(h.counted.filter((c) => c.startsWith('full')).length, 2);
    h.clock.advance(2000);
    assert.deepEqual(
      h.sent.map((s) => [s.root, s.full !== undefined]),
      [
        [0, true],
        [1, true],
      ],
    );
  });

  it('drain: whatever is aggregated goes now, and no timer is left', () => {
    const h = harness({ extraSersync: '<debounce delayMs="5000" maxDelayMs="10000"/>' });
    clock = h.clock;
    h.intake.onEvents([ev(0, 'a'), ev(1, 'b')]);
    assert.equal(h.intake.pendingPaths, 2);
    h.intake.drain();
    assert.deepEqual(
      h.sent.map((s) => s.root),
      [0, 1],
    );
    assert.equal(h.intake.pendingPaths, 0);
    h.clock.advance(20_000);
    assert.equal(h.sent.length, 2);
  });
});
