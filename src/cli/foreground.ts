import { loadConfig } from '../config/load.js';
import { formatProblem, type SersyncConfig } from '../config/types.js';
import { Agent } from '../daemon/agent.js';
import { SdNotify } from '../daemon/sd-notify.js';
import { STATE_TEXT } from '../daemon/status-doc.js';
import { startStatusServer, type StatusServer } from '../status/server.js';
import { EXIT, ExitError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { RunOptions } from './flags.js';
import { createPlugin } from '../plugins/registry.js';
import { heartbeatTick, watchdogTick } from './watchdog.js';
import type { Plugin } from '../plugins/types.js';
import type { AgentOptions } from '../daemon/agent-parts.js';

/** What a caller other than main.ts injects (tests: test/helpers/seamed-main.ts). */
export interface ForegroundSeams {
  /** Agent options the command line has no flag for (a short stuck limit, no recovery full sync). */
  readonly agent?: Pick<AgentOptions, 'healthPolicy' | 'recoveryFullSync'>;
  /** Called once the agent is watching (a test's deliberate crash). */
  readonly onReady?: () => void;
}

export interface ForegroundContext {
  readonly opts: RunOptions;
  readonly logger: Logger;
  readonly version: string;
  /** Applies CLI overrides to a (re)loaded config. */
  readonly withOverrides: (c: SersyncConfig) => SersyncConfig;
  readonly seams?: ForegroundSeams;
}

/** How often a worker under -d tells its supervisor it is alive and healthy. */
const HEARTBEAT_MS = 1000;

/**
 * The agent in the foreground (what systemd and the -d supervisor run): signals, config reload,
 * status server, sd_notify, heartbeats. Resolves to the exit code.
 */
export async function runForeground(config: SersyncConfig, ctx: ForegroundContext): Promise<number> {
  const { opts, logger } = ctx;
  const sd = new SdNotify(logger.child('systemd'));
  let plugin: Plugin | undefined;
  if (config.plugins.enabled) {
    try {
      plugin = createPlugin(config.plugins.name, config, logger);
      logger.info(`plugin "${plugin.name}" runs after each delivered change`);
    } catch (err) {
      logger.error(`${config.file}: sersync/plugin: ${(err as Error).message}`);
      await logger.flush();
      return EXIT.CONFIG;
    }
  }
  const makeAgent = (c: SersyncConfig, reload: boolean): Agent =>
    new Agent(
      c,
      {
        initialSync: opts.initialSync && !reload,
        maxRsync: opts.threads,
        version: ctx.version,
        reload,
        ...(plugin ? { plugin } : {}),
        ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
        ...ctx.seams?.agent,
      },
      logger,
    );
  let agent = makeAgent(config, false);
  let current = config;
  let status: StatusServer | null = null;
  let stopSignal: (sig: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (stopSignal = resolve));
  let reloading: Promise<void> = Promise.resolve();
  const timers: NodeJS.Timeout[] = [];

  const onTerm = (sig: NodeJS.Signals): void => stopSignal(sig);
  const onUsr1 = (): void => {
    for (const l of agent.statusLines()) logger.info(`status: ${l}`);
  };
  const onHup = (): void => {
    logger.reopen();
    reloading = reloading.then(async () => {
      const next = await reload(current, agent, ctx, makeAgent);
      if (next) {
        agent = next.agent;
        current = next.config;
      }
    });
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onTerm);
  process.on('SIGHUP', onHup);
  process.on('SIGUSR1', onUsr1);
  try {
    process.send?.({ type: 'starting' });
    logger.info(`sersync-ts ${ctx.version} starting with ${config.file} (pid ${process.pid})`);
    // Before the probes and the first walk, so `starting` is visible over HTTP (the closures
    // follow `agent` across config reloads).
    if (config.host.port > 0)
      status = await startStatusServer(
        config.host.ip,
        config.host.port,
        {
          health: () => agent.health(),
          status: () => agent.statusDocument(),
          metrics: () => agent.metrics(),
          repair: (req) => agent.repair(req),
          releaseDeletes: (root) => agent.releaseDeletes(root),
        },
        logger.child('status'),
      );
    // Under -d: heartbeats while starting too (probes, the first walk of a huge tree), so the
    // supervisor tells a slow start from a hung one.
    const startBeat = process.send ? setInterval(() => process.send?.({ type: 'starting' }), HEARTBEAT_MS) : null;
    if (startBeat) timers.push(startBeat);
    await agent.start();
    if (startBeat) clearInterval(startBeat);
    void sd.notify({ READY: '1', STATUS: STATE_TEXT[agent.state()] });
    process.send?.({ type: 'ready' });
    ctx.seams?.onReady?.();
    const wd = SdNotify.watchdogIntervalMs();
    // WATCHDOG=1 and heartbeats only while the health check passes: a stuck agent gets restarted.
    let wasHealthy = true;
    const healthChanged = (): void => {
      const h = agent.health();
      if (h.ok !== wasHealthy) {
        if (h.ok) logger.info('healthy again');
        else
          logger.warn(
            `unhealthy: ${h.reasons.join('; ')}; ${h.live ? 'the agent waits (no restart could help)' : 'WATCHDOG=1 and heartbeats are withheld'}`,
          );
      }
      wasHealthy = h.ok;
    };
    if (wd !== null) timers.push(setInterval(() => watchdogTick(agent, (f) => void sd.notify(f)), wd));
    if (process.send) timers.push(setInterval(() => heartbeatTick(agent, (m) => process.send?.(m)), HEARTBEAT_MS));
    timers.push(setInterval(healthChanged, HEARTBEAT_MS));
    if (sd.enabled) timers.push(setInterval(() => void sd.notify({ STATUS: STATE_TEXT[agent.state()] }), 10_000));
    const sig = await stopped;
    await reloading;
    void sd.notify({ STOPPING: '1' });
    logger.info(`${sig}: stopping; shipping pending changes (up to ${opts.stopTimeoutSec} s)`);
    const r = await agent.stop(opts.stopTimeoutSec * 1000);
    if (r.drained) logger.info('stopped; nothing pending');
    else {
      const what = [
        `${r.pendingPaths} path(s)`,
        ...(r.pendingFullSyncs > 0 ? [`${r.pendingFullSyncs} full sync(s)`] : []),
      ].join(' and ');
      logger.warn(`stopped with ${what} not yet synced; they are journaled and run at the next start`);
    }
    return EXIT.OK;
  } catch (err) {
    await agent.stop(1000).catch(() => undefined);
    if (err instanceof ExitError) {
      for (const l of err.lines) logger.error(l);
      return err.exitCode;
    }
    logger.error(`fatal: ${(err as Error).stack ?? String(err)}`);
    return EXIT.FAILURE;
  } finally {
    for (const t of timers) clearInterval(t);
    await status?.close();
    await plugin?.close();
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onTerm);
    process.off('SIGHUP', onHup);
    process.off('SIGUSR1', onUsr1);
    await logger.flush();
  }
}

/**
 * SIGHUP: load the config again. A bad one is rejected and the old agent keeps running. A good
 * one replaces the agent without a gap: the new remotes are probed first, the old agent stops
 * starting rsyncs (its watcher still records changes), the new agent starts watching, then the
 * old one hands over everything it had not delivered. Remotes that are new get a full sync.
 */
async function reload(
  current: SersyncConfig,
  old: Agent,
  ctx: ForegroundContext,
  makeAgent: (c: SersyncConfig, reload: boolean) => Agent,
): Promise<{ agent: Agent; config: SersyncConfig } | null> {
  const log = ctx.logger.child('reload');
  log.info(`SIGHUP: reloading ${current.file}`);
  const loaded = await loadConfig(current.file);
  for (const w of loaded.warnings) log.warn(formatProblem(w));
  if (!loaded.config || loaded.problems.length > 0) {
    for (const p of loaded.problems) log.error(formatProblem(p));
    log.error(`the new config has ${loaded.problems.length} problem(s); keeping the running one`);
    return null;
  }
  const next = ctx.withOverrides(loaded.config);
  const agent = makeAgent(next, true);
  try {
    await agent.probe();
  } catch (err) {
    for (const l of err instanceof ExitError ? err.lines : [String(err)]) log.error(l);
    log.error('the new config was rejected; keeping the running one');
    return null;
  }
  const before = old.laneKeys();
  await old.pauseLanes();
  try {
    await agent.start();
  } catch (err) {
    for (const l of err instanceof ExitError ? err.lines : [String(err)]) log.error(l);
    log.error('the new config could not start; keeping the running one');
    await agent.stop(1000).catch(() => undefined);
    old.resume();
    return null;
  }
  const carried = await old.handOver();
  const added = new Set([...agent.laneKeys()].filter((k) => !before.has(k)));
  agent.inject(carried, added);
  await agent.adoptJournal();
  log.info(
    `config reloaded: ${next.roots.length} root(s), ${next.roots.reduce((n, r) => n + r.remotes.length, 0)} remote(s); ${carried.length} pending item(s) carried over; ${added.size} new remote(s) get a full sync`,
  );
  return { agent, config: next };
}
