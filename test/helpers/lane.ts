import type { SersyncConfig } from '../../src/config/types.js';
import type { LaneDeps } from '../../src/lane/types.js';
import { RsyncRunner } from '../../src/rsync/runner.js';
import type { Clock } from '../../src/shared/clock.js';
import { memoryLogger } from '../../src/shared/logger.js';
import { compileFilter } from '../../src/watch/filter.js';

/** A lane's parts for the config's first root and remote: no filter, no `-n` cap, a memory logger, a probe that says ok. */
export function laneDeps(config: SersyncConfig, clock: Clock, extra: Partial<LaneDeps> = {}): LaneDeps {
  const root = config.roots[0]!;
  return {
    root,
    remote: root.remotes[0]!,
    config,
    filter: compileFilter([]),
    protect: [],
    runner: new RsyncRunner(clock),
    limiter: { run: (fn) => fn() },
    tmpDir: '/tmp',
    clock,
    logger: memoryLogger(),
    listener: { failed: () => {}, cleared: () => {}, batchDone: () => {}, delivered: () => {} },
    probe: async () => 'ok',
    ...extra,
  };
}
