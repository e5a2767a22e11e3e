import type { SersyncConfig } from '../config/types.js';
import { DirWatch } from '../watch/dirwatch.js';
import type { ChangeEvent } from '../watch/types.js';
import { EXIT } from '../shared/errors.js';
import { systemClock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { pendingKindFor } from '../watch/event-policy.js';
import { toPluginEvents } from './events.js';
import { createPlugin, pluginRoot } from './registry.js';

/**
 * `-m NAME`: one plugin alone, without rsync, on the plugin's own localpath (sersync's -m). Events
 * are deduplicated per path over a short window, then told to the plugin as their current state.
 */
export async function runPluginOnly(
  name: string,
  config: SersyncConfig,
  logger: Logger,
  hooks: { onReady?: () => void } = {},
): Promise<number> {
  const log = logger.child(`-m ${name}`);
  let plugin;
  try {
    plugin = await createPlugin(name, config, logger);
  } catch (err) {
    log.error(`${config.file}: ${(err as Error).message}`);
    return EXIT.CONFIG;
  }
  const root = pluginRoot(name, config);
  if (!root) {
    log.error(`${config.file}: no <localpath watch> for plugin "${name}"`);
    return EXIT.CONFIG;
  }
  // Nothing a plugin throws (or an odd path's lstat) may end the watch.
  const window = pathWindow(Math.max(20, config.debounce.delayMs), (paths) =>
    plugin.guard('flush', () =>
      plugin.handle(
        toPluginEvents(
          root,
          paths.map((p) => ({ path: p, tree: false })),
          systemClock.wallNow(),
        ),
      ),
    ),
  );
  const watcher = new DirWatch(
    [{ path: root, excludes: config.filter.enabled ? config.filter.excludes : [] }],
    {
      onEvents: (events: readonly ChangeEvent[]) => {
        // The <inotify> toggles decide what counts, as when syncing (e.g. delete="false": no deletes).
        for (const e of events) if (pendingKindFor(e.kind, config.inotify) !== null) window.add(e.path);
      },
      onProblem: (p) => log.error(`${p.code}: ${p.message}`),
    },
    log,
  );
  await watcher.start();
  log.info(`plugin "${plugin.name}" alone (no rsync) on ${root}`);
  hooks.onReady?.();
  const sig = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info(`${sig}: stopping`);
  await watcher.close();
  window.flush();
  await plugin.close();
  return EXIT.OK;
}

/** Paths collected over `windowMs` from the first one, each once, then told together. */
function pathWindow(windowMs: number, tell: (paths: string[]) => void): { add(path: string): void; flush(): void } {
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    const paths = [...pending];
    pending = new Set();
    if (paths.length > 0) tell(paths);
  };
  return {
    add: (path) => {
      pending.add(path);
      timer ??= setTimeout(flush, windowMs);
    },
    flush,
  };
}
