import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pendingKindFor } from '../../../src/watch/event-policy.js';
import type { InotifyToggles } from '../../../src/config/types.js';
import type { ChangeKind } from '../../../src/watch/types.js';
import type { PendingKind } from '../../../src/aggregate/types.js';

const ALL_OFF: InotifyToggles = {
  delete: false,
  createFolder: false,
  createFile: false,
  closeWrite: false,
  moveFrom: false,
  moveTo: false,
  attrib: false,
  modify: false,
};
const TOGGLES = Object.keys(ALL_OFF) as (keyof InotifyToggles)[];
const KINDS: readonly ChangeKind[] = ['created', 'changed', 'dir-created', 'dir-changed', 'removed'];

/** The README's table: which toggles make each kind count (written out here, not copied from src). */
const ACTED_ON: Readonly<Record<ChangeKind, readonly (keyof InotifyToggles)[]>> = {
  created: ['createFile', 'closeWrite', 'moveTo', 'modify'],
  changed: ['closeWrite', 'modify', 'attrib'],
  'dir-created': ['createFolder', 'moveTo'],
  'dir-changed': ['attrib'],
  removed: ['delete', 'moveFrom'],
};
const LISTED_AS: Readonly<Record<ChangeKind, PendingKind>> = {
  created: 'path',
  changed: 'path',
  'dir-created': 'tree',
  'dir-changed': 'dir-only',
  removed: 'path',
};

describe('pendingKindFor', () => {
  it('all toggles off: every kind is ignored (null)', () => {
    for (const k of KINDS) assert.equal(pendingKindFor(k, ALL_OFF), null, k);
  });

  describe('each toggle alone on', () => {
    for (const t of TOGGLES) {
      for (const k of KINDS) {
        const expected = ACTED_ON[k].includes(t) ? LISTED_AS[k] : null;
        it(`${t} alone: ${k} -> ${expected ?? 'ignored'}`, () => {
          assert.equal(pendingKindFor(k, { ...ALL_OFF, [t]: true }), expected);
        });
      }
    }
  });

  it('every toggle on: listing kinds are created/changed/removed -> path, dir-created -> tree, dir-changed -> dir-only', () => {
    const allOn = Object.fromEntries(TOGGLES.map((t) => [t, true])) as unknown as InotifyToggles;
    assert.deepEqual(
      KINDS.map((k) => pendingKindFor(k, allOn)),
      ['path', 'path', 'tree', 'dir-only', 'path'],
    );
  });

  it("sersync's sample (delete, createFolder, closeWrite, moveFrom, moveTo on): a directory chmod is ignored, everything else counts", () => {
    const sample: InotifyToggles = {
      ...ALL_OFF,
      delete: true,
      createFolder: true,
      closeWrite: true,
      moveFrom: true,
      moveTo: true,
    };
    assert.deepEqual(
      KINDS.map((k) => pendingKindFor(k, sample)),
      ['path', 'path', 'tree', null, 'path'],
    );
  });

  it('delete off but moveFrom on: a removal still counts (listed as path)', () => {
    assert.equal(pendingKindFor('removed', { ...ALL_OFF, moveFrom: true }), 'path');
  });
});
