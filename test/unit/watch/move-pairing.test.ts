import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MOVE_WINDOW_MS, MovePairing } from '../../../src/watch/move-pairing.js';

describe('MovePairing: a directory that reappears under a new name was moved', () => {
  it('a directory that vanished and appears elsewhere with the same inode came from there', () => {
    const m = new MovePairing();
    m.vanish(7, 'a/old', 1000);
    assert.equal(m.sourceOf(7, 'b/new', undefined, 1500), 'a/old');
  });
  it('no longer once the move window has passed; still at its very end', () => {
    const m = new MovePairing();
    m.vanish(7, 'a/old', 1000);
    assert.equal(m.sourceOf(7, 'b/new', undefined, 1000 + MOVE_WINDOW_MS), 'a/old');
    assert.equal(m.sourceOf(7, 'b/new', undefined, 1000 + MOVE_WINDOW_MS + 1), undefined);
  });
  it('reappearing at the same path is not a move', () => {
    const m = new MovePairing();
    m.vanish(7, 'a/old', 1000);
    assert.equal(m.sourceOf(7, 'a/old', undefined, 1001), undefined);
  });
  it('an unknown inode is not a move', () => {
    const m = new MovePairing();
    m.vanish(7, 'a/old', 1000);
    assert.equal(m.sourceOf(8, 'b/new', undefined, 1001), undefined);
  });
  it('a directory still watched under another name (its old name not noticed yet) wins', () => {
    const m = new MovePairing();
    m.vanish(7, 'gone/long/ago', 1000);
    assert.equal(m.sourceOf(7, 'b/new', 'a/live', 1001), 'a/live');
    assert.equal(m.sourceOf(9, 'a/live', 'a/live', 1001), undefined, 'watched right there: no move');
  });
  it('the latest vanishing of an inode is the one remembered', () => {
    const m = new MovePairing();
    m.vanish(7, 'first', 1000);
    m.vanish(7, 'second', 2000);
    assert.equal(m.sourceOf(7, 'third', undefined, 2001), 'second');
    assert.equal(m.wasAt('first'), false);
  });
  it('old entries are forgotten as new ones come (wasAt does not look at age itself)', () => {
    const m = new MovePairing();
    m.vanish(1, 'old', 0);
    assert.equal(m.wasAt('old'), true);
    assert.equal(m.wasAt('other'), false);
    assert.equal(m.wasAt('old'), true, 'still remembered until something else vanishes');
    m.vanish(2, 'new', MOVE_WINDOW_MS + 1);
    assert.equal(m.wasAt('old'), false);
    assert.equal(m.wasAt('new'), true);
  });
});
