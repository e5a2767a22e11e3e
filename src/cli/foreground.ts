import { loadConfig } from '../config/load.js';
import type { EarlyProbes } from '../rsync/probe.js';
import { formatProblem, type SersyncConfig } from '../config/types.js';
import { Agent, type StopResult } from '../daemon/agent.js';
import { SdNotify } from '../daemon/sd-notify.js';
import { STATE_TEXT, type StatusDocument } from '../daemon/status-doc.js';
import { startStatusServer, type StatusServer } from '../status/server.js';
import { EXIT, ExitError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { RunOptions } from './run-options.js';
import { createPlugin } from '../plugins/registry.js';
import { heartbeatTick, watchdogTick } from './watchdog.js';
import type { Plugin } from '../plugins/types.js';
import type { AgentOptions } from '../daemon/agent-parts.js';

/** What a caller other than main.ts injects (tests: test/helpers/seamed-main.ts). */
export interface ForegroundSeams {
  /** Agent options the command line has no flag for (a short stuck limit, no recovery full sync). */
  readonly agent?: Pick<AgentOptions, 'healthPolicy' | 'recoveryFullSync' | 'canaryStallSlots'>;
  /** Called once the agent is watching (a test's deliberate crash). */
  readonly onReady?: () => void;
}

interface ForegroundContext {
  readonly opts: RunOptions;
  readonly logger: Logger;
  readonly version: string;
  /** Applies CLI overrides to a (re)loaded config. */
  readonly withOverrides: (c: SersyncConfig) => SersyncConfig;
  readonly seams?: ForegroundSeams;
  /** The remotes' probes begun before the agent loaded (early-start.ts): the first agent's. */
  readonly earlyProbes?: EarlyProbes;
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
  const plugin = await configuredPlugin(config, logger);
  if (plugin === 'bad') {
    await logger.flush();
    return EXIT.CONFIG;
  }
  const makeAgent = agentFactory(ctx, plugin);
  let agent = makeAgent(config, false);
  let current = config;
  let status: StatusServer | null = null;
  let reloading: Promise<void> = Promise.resolve();
  const timers: NodeJS.Timeout[] = [];
  const signals = onSignals({
    usr1: () => {
      for (const l of agent.statusLines()) logger.info(`status: ${l}`);
    },
    hup: () => {
      logger.reopen();
      reloading = reloading.then(async () => {
        const next = await reload(current, agent, ctx, makeAgent);
        if (next) ({ agent, config: current } = next);
      });
    },
  });
  try {
    process.send?.({ type: 'starting' });
    logger.info(`sersync-ts ${ctx.version} starting with ${config.file} (pid ${process.pid}; ${runtime()})`);
    // Before the probes and the first walk, so `starting` is visible over HTTP (the closures
    // follow `agent` across config reloads).
    if (config.host.port > 0) status = await serveStatus(config, () => agent, logger);
    await startWithBeats(agent, timers);
    void sd.notify({ READY: '1', STATUS: STATE_TEXT[agent.state()] });
    process.send?.({ type: 'ready' });
    ctx.seams?.onReady?.();
    watchHealth(() => agent, sd, logger, timers);
    const sig = await signals.stopped;
    await reloading;
    void sd.notify({ STOPPING: '1' });
    logger.info(`${sig}: stopping; shipping pending changes (up to ${opts.stopTimeoutSec} s)`);
    logStop(await agent.stop(opts.stopTimeoutSec * 1000), logger);
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
    signals.off();
    await logger.flush();
  }
}

/** `<plugin start="true">`'s plugin; 'bad' (logged) when it cannot be made. */
async function configuredPlugin(config: SersyncConfig, logger: Logger): Promise<Plugin | undefined | 'bad'> {
  if (!config.plugins.enabled) return undefined;
  try {
    const plugin = await createPlugin(config.plugins.name, config, logger);
    logger.info(`plugin "${plugin.name}" runs after each delivered change`);
    return plugin;
  } catch (err) {
    logger.error(`${config.file}: sersync/plugin: ${(err as Error).message}`);
    return 'bad';
  }
}

function agentFactory(
  ctx: ForegroundContext,
  plugin: Plugin | undefined,
): (c: SersyncConfig, reload: boolean) => Agent {
  const { opts } = ctx;
  return (c: SersyncConfig, reload: boolean): Agent =>
    new Agent(
      c,
      {
        initialSync: opts.initialSync && !reload,
        maxRsync: opts.threads,
        version: ctx.version,
        reload,
        ...(ctx.earlyProbes && !reload ? { earlyProbes: ctx.earlyProbes } : {}),
        ...(plugin ? { plugin } : {}),
        ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
        ...ctx.seams?.agent,
      },
      ctx.logger,
    );
}

/** TERM/INT resolve `stopped`; HUP and USR1 call their handlers; off() removes all four. */
function onSignals(h: { readonly usr1: () => void; readonly hup: () => void }): {
  readonly stopped: Promise<string>;
  off(): void;
} {
  let stopSignal: (sig: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (stopSignal = resolve));
  const onTerm = (sig: NodeJS.Signals): void => stopSignal(sig);
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onTerm);
  process.on('SIGHUP', h.hup);
  process.on('SIGUSR1', h.usr1);
  return {
    stopped,
    off: () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onTerm);
      process.off('SIGHUP', h.hup);
      process.off('SIGUSR1', h.usr1);
    },
  };
}

/** The HTTP endpoints, answering for whichever agent runs now (`agent()` follows reloads). */
function serveStatus(config: SersyncConfig, agent: () => Agent, logger: Logger): Promise<StatusServer | null> {
  return startStatusServer<StatusDocument>(
    config.host.ip,
    config.host.port,
    {
      health: () => agent().health(),
      status: () => agent().statusDocument(),
      metrics: () => agent().metrics(),
      repair: (req) => agent().repair(req),
      releaseDeletes: (root) => agent().releaseDeletes(root),
    },
    logger.child('status'),
  );
}

/**
 * Under -d: heartbeats while starting too (probes, the first walk of a huge tree), so the
 * supervisor tells a slow start from a hung one.
 */
async function startWithBeats(agent: Agent, timers: NodeJS.Timeout[]): Promise<void> {
  const startBeat = process.send ? setInterval(() => process.send?.({ type: 'starting' }), HEARTBEAT_MS) : null;
  if (startBeat) timers.push(startBeat);
  await agent.start();
  if (startBeat) clearInterval(startBeat);
}

/** WATCHDOG=1 and heartbeats only while the health check passes: a stuck agent gets restarted. */
function watchHealth(agent: () => Agent, sd: SdNotify, logger: Logger, timers: NodeJS.Timeout[]): void {
  const wd = SdNotify.watchdogIntervalMs();
  let wasHealthy = true;
  const healthChanged = (): void => {
    const h = agent().health();
    if (h.ok !== wasHealthy) {
      if (h.ok) logger.info('healthy again');
      else
        logger.warn(
          `unhealthy: ${h.reasons.join('; ')}; ${h.live ? 'the agent waits (no restart could help)' : 'WATCHDOG=1 and heartbeats are withheld'}`,
        );
    }
    wasHealthy = h.ok;
  };
  if (wd !== null) timers.push(setInterval(() => watchdogTick(agent(), (f) => void sd.notify(f)), wd));
  if (process.send) timers.push(setInterval(() => heartbeatTick(agent(), (m) => process.send?.(m)), HEARTBEAT_MS));
  timers.push(setInterval(healthChanged, HEARTBEAT_MS));
  if (sd.enabled) timers.push(setInterval(() => void sd.notify({ STATUS: STATE_TEXT[agent().state()] }), 10_000));
}

function logStop(r: StopResult, logger: Logger): void {
  if (r.drained) {
    logger.info('stopped; nothing pending');
    return;
  }
  const what = [
    `${r.pendingPaths} path(s)`,
    ...(r.pendingFullSyncs > 0 ? [`${r.pendingFullSyncs} full sync(s)`] : []),
  ].join(' and ');
  logger.warn(`stopped with ${what} not yet synced; they are journaled and run at the next start`);
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

/** The runtime and its flags, for the start line: memory and CPU depend on them (shared/node-flags.ts). */
function runtime(): string {
  return [`node ${process.version}`, ...process.execArgv].join(' ');
}
