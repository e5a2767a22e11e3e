import fs from 'node:fs';
import { loadConfig } from '../config/load.js';
import { formatProblem, type SersyncConfig } from '../config/types.js';
import { Agent } from '../daemon/agent.js';
import { EXIT, ExitError } from '../shared/errors.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { parseCli, USAGE, type RunOptions } from './args.js';
import { describePlan } from './check.js';

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export function version(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Everything between argv and an exit code. main.ts is the only place that exits. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const cmd = parseCli(argv);
  switch (cmd.kind) {
    case 'help':
      io.out(USAGE);
      return EXIT.OK;
    case 'version':
      io.out(`sersync-ts ${version()}`);
      return EXIT.OK;
    case 'usage-error':
      io.err(`sersync-ts: ${cmd.message}`);
      return EXIT.USAGE;
    case 'run':
      return runAgent(cmd.options, io);
  }
}

async function runAgent(opts: RunOptions, io: Io): Promise<number> {
  if (opts.daemon) {
    io.err('sersync-ts: -d (daemon mode) is not available yet; run in the foreground (under systemd or nohup) without -d');
    return EXIT.USAGE;
  }
  if (opts.plugin !== null) {
    io.err(`sersync-ts: -m ${opts.plugin} (plugin-only mode) is not available yet; run without -m`);
    return EXIT.USAGE;
  }
  const loaded = await loadConfig(opts.configFile);
  for (const w of loaded.warnings) io.err(`warning: ${formatProblem(w)}`);
  if (!loaded.config || loaded.problems.length > 0) {
    for (const p of loaded.problems) io.err(formatProblem(p));
    io.err(`sersync-ts: ${loaded.problems.length} problem(s) in ${opts.configFile}; nothing started`);
    return EXIT.CONFIG;
  }
  const config = withOverrides(loaded.config, opts);
  if (opts.check) {
    for (const line of describePlan(config, opts.initialSync)) io.out(line);
    return EXIT.OK;
  }
  const logger = createLogger({ level: opts.logLevel ?? (opts.debug || config.debug ? 'debug' : 'info'), format: opts.logFormat });
  return runForeground(config, opts, logger);
}

function withOverrides(config: SersyncConfig, opts: RunOptions): SersyncConfig {
  if (opts.delayMs === null && opts.maxDelayMs === null) return config;
  return {
    ...config,
    debounce: {
      ...config.debounce,
      ...(opts.delayMs !== null ? { delayMs: opts.delayMs } : {}),
      ...(opts.maxDelayMs !== null ? { maxDelayMs: opts.maxDelayMs } : {}),
    },
  };
}

async function runForeground(config: SersyncConfig, opts: RunOptions, logger: Logger): Promise<number> {
  const agent = new Agent(config, { initialSync: opts.initialSync, maxRsync: opts.threads, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) }, logger);
  let stopSignal: (sig: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (stopSignal = resolve));
  const onSignal = (sig: NodeJS.Signals): void => stopSignal(sig);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    logger.info(`sersync-ts ${version()} starting with ${config.file}`);
    await agent.start();
    const sig = await stopped;
    logger.info(`${sig}: stopping; shipping pending changes (up to 30 s)`);
    const r = await agent.stop();
    if (r.drained) logger.info('stopped; nothing pending');
    else logger.warn(`stopped with ${r.pendingPaths} path(s) not yet synced; run with -r next time to catch up`);
    await logger.flush();
    return EXIT.OK;
  } catch (err) {
    await agent.stop(1000).catch(() => undefined);
    if (err instanceof ExitError) {
      for (const l of err.lines) logger.error(l);
      await logger.flush();
      return err.exitCode;
    }
    logger.error(`fatal: ${(err as Error).stack ?? String(err)}`);
    await logger.flush();
    return EXIT.FAILURE;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
