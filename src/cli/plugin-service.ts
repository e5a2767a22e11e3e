import type { SersyncConfig } from '../config/types.js';
import { SdNotify } from '../daemon/sd-notify.js';
import { runPluginOnly } from '../plugins/plugin-only.js';
import type { Logger } from '../shared/logger.js';

/** How often a `-m` worker under -d tells its supervisor it is alive. */
const HEARTBEAT_MS = 1000;

/**
 * `-m NAME` as a service: the plugin-only loop plus what the foreground agent does around it —
 * the ready message and heartbeats for the -d supervisor, READY/WATCHDOG/STOPPING for systemd,
 * HUP reopens the log file (no config reload in -m mode), USR1 logs that it is running.
 */
export async function runPluginService(name: string, config: SersyncConfig, logger: Logger): Promise<number> {
  const sd = new SdNotify(logger.child('systemd'));
  const timers: NodeJS.Timeout[] = [];
  const onHup = (): void => {
    logger.reopen();
    logger.info(`SIGHUP: log file reopened (-m ${name} does not reload the config)`);
  };
  const onUsr1 = (): void => logger.info(`status: -m ${name} running (pid ${process.pid})`);
  const onStop = (): void => void sd.notify({ STOPPING: '1' });
  process.on('SIGHUP', onHup);
  process.on('SIGUSR1', onUsr1);
  process.once('SIGTERM', onStop);
  process.once('SIGINT', onStop);
  try {
    return await runPluginOnly(name, config, logger, {
      onReady: () => {
        logger.info(`ready in -m ${name} mode (pid ${process.pid})`);
        void sd.notify({ READY: '1', STATUS: `plugin ${name} alone` });
        process.send?.({ type: 'ready' });
        const wd = SdNotify.watchdogIntervalMs();
        if (wd !== null) timers.push(setInterval(() => void sd.notify({ WATCHDOG: '1' }), wd));
        if (process.send) timers.push(setInterval(() => process.send?.({ type: 'heartbeat' }), HEARTBEAT_MS));
      },
    });
  } finally {
    for (const t of timers) clearInterval(t);
    process.off('SIGHUP', onHup);
    process.off('SIGUSR1', onUsr1);
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    await logger.flush();
  }
}
