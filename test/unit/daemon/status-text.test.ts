import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeState } from '../../../src/daemon/status-text.js';

const brake = (heldDeletions: number) => ({ brake: { heldDeletions, heldSince: null, files: 10 } });

describe('describeState: /status never says "everything delivered" while deletions are held', () => {
  it('says how many deletions are held and how to release them', () => {
    assert.equal(describeState('watching; everything delivered', true, [brake(0)]), 'watching; everything delivered');
    assert.equal(
      describeState('watching; everything delivered', true, [brake(3), brake(4), {}]),
      'watching; everything delivered except 7 deletion(s) held by the mass-deletion brake (sersync-ts release-deletes)',
    );
    assert.equal(describeState('full sync in progress', false, [brake(3)]), 'full sync in progress');
  });
});
