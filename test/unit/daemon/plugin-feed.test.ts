import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PluginFeed } from '../../../src/daemon/plugin-feed.js';
import type { LaneRef } from '../../../src/lane/lane.js';
import type { Plugin, PluginEvent } from '../../../src/plugins/types.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { SteppingClock } from '../../helpers/fake-clock.js';
import { testConfig } from '../../helpers/config.js';

/** A plugin that records what it is told. */
function recorder(opts: { throws?: boolean } = {}): Plugin & { events: PluginEvent[]; fullSyncs: string[] } {
  const events: PluginEvent[] = [];
  const fullSyncs: string[] = [];
  return {
    name: 'socket',
    events,
    fullSyncs,
    failures: 0,
    dropped: 0,
    handle(evs) {
      if (opts.throws) throw new Error('boom');
      events.push(...evs);
    },
    fullSync(root) {
      fullSyncs.push(root);
      return true;
    },
    close: async () => undefined,
  };
}

function feed(
  plugin: Plugin,
  extraHead = '<plugin name="socket"><localpath watch="/srv/www"><deshost ip="127.0.0.1" port="9"/></localpath></plugin>',
) {
  const config = testConfig({
    watch: '/srv/www',
    remotes: [{ module: 'a' }, { module: 'b' }],
    extraSersync: '<plugin start="true" name="socket"/>',
    extraHead,
  });
  const root = config.roots[0]!;
  const [first, second]: LaneRef[] = root.remotes.map((remote) => ({ root, remote }));
  return {
    feed: new PluginFeed(
      plugin,
      config,
      (p) => (p === root.path ? first : undefined),
      new SteppingClock(),
      memoryLogger(),
    ),
    first: first!,
    second: second!,
  };
}

describe('PluginFeed: the plugin beside syncing', () => {
  it('told once per path, when the root`s first remote has it', () => {
    const p = recorder();
    const f = feed(p);
    f.feed.delivered(f.second, [{ path: 'x', kind: 'path' }]);
    assert.equal(p.events.length, 0, 'the second remote is not followed');
    f.feed.delivered(f.first, [{ path: 'x', kind: 'path' }]);
    assert.deepEqual(
      p.events.map((e) => [e.root, e.rel]),
      [['/srv/www', 'x']],
    );
    f.feed.deliveredFullSync(f.first);
    f.feed.deliveredFullSync(f.second);
    assert.deepEqual(p.fullSyncs, ['/srv/www']);
  });

  it('a plugin localpath inside the root sees only that subtree, relative to it', () => {
    const p = recorder();
    const f = feed(
      p,
      '<plugin name="socket"><localpath watch="/srv/www/img"><deshost ip="127.0.0.1" port="9"/></localpath></plugin>',
    );
    f.feed.delivered(f.first, [
      { path: 'img/a.png', kind: 'path' },
      { path: 'index.html', kind: 'path' },
    ]);
    assert.deepEqual(
      p.events.map((e) => [e.root, e.rel]),
      [['/srv/www/img', 'a.png']],
    );
  });

  it('what the plugin throws stays in the feed, counted as a failure', () => {
    const f = feed(recorder({ throws: true }));
    assert.doesNotThrow(() => f.feed.delivered(f.first, [{ path: 'x', kind: 'path' }]));
    assert.deepEqual(f.feed.stats(), { name: 'socket', failures: 1, dropped: 0 });
  });
});
