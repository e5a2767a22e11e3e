import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, loadStatusHost } from '../config/load.js';
import { formatProblem, type SersyncConfig } from '../config/types.js';
import { defaultStateDir } from '../daemon/state-dir.js';
import { EXIT } from '../shared/errors.js';
import type { Io } from '../shared/io.js';
import { createLogger } from '../shared/logger.js';
import { parseCli } from './args.js';
import { USAGE } from './usage.js';
import { optionsToArgv } from './flags.js';
import type { RunOptions } from './run-options.js';
import type { EarlyConfig } from './early-start.js';
import type { EarlyProbes } from '../rsync/probe.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { runForeground, type ForegroundSeams } from './foreground.js';
import { PLUGIN_NAMES } from '../plugins/registry.js';

function version(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** What a caller other than main.ts injects: the agent's seams, and the script -d runs. */
export interface CliSeams extends ForegroundSeams {
  /** The script the -d supervisor and its workers run (it must call runCli with the same seams). */
  readonly main?: string;
  /** The wall clock `versions`/`restore` read for `--at 2h` and the buckets (the agent's is seams.agent.clock). */
  readonly clock?: Clock;
  /** The config as main.ts read it before loading the agent (early-start.ts). */
  readonly earlyConfig?: EarlyConfig;
}

/*
 * The other commands' modules (receiver, versions, status, verify, release-deletes, --check, -m,
 * and -d's launcher and supervisor: readline) are imported when that command runs: the agent
 * never needs them, and every module loaded stays in its heap for as long as it runs (issue 21:
 * memory of the agent after ready).
 */

/** Everything between argv and an exit code. main.ts is the only place that exits. */
export async function runCli(argv: readonly string[], io: Io, seams: CliSeams = {}): Promise<number> {
  // `receiver ...` runs on the backup host, with arguments of its own (cli/receiver.ts).
  if (argv[0] === 'receiver') return (await import('./receiver.js')).runReceiver(argv.slice(1), io);
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
    case 'versions':
    case 'restore':
      return (await import('./versions.js')).runVersionsCli(cmd, io, seams.clock);
    case 'status':
    case 'verify':
    case 'release-deletes':
    case 'run':
      break;
  }
  const opts = cmd.options;
  if (opts.plugin !== null && !PLUGIN_NAMES.some((n) => n.toLowerCase() === opts.plugin!.toLowerCase())) {
    io.err(`sersync-ts: -m ${opts.plugin}: unknown plugin (expected ${PLUGIN_NAMES.join(', ')})`);
    return EXIT.USAGE;
  }
  const early = seams.earlyConfig;
  const loaded = await (early?.file === opts.configFile ? early.loaded : loadConfig(opts.configFile));
  if (opts.role !== 'worker') for (const w of loaded.warnings) io.err(`warning: ${formatProblem(w)}`);
  if (cmd.kind === 'status' && (!loaded.config || loaded.problems.length > 0))
    return statusDespite(opts.configFile, loaded.problems.length, io);
  if (!loaded.config || loaded.problems.length > 0) {
    for (const p of loaded.problems) io.err(formatProblem(p));
    io.err(`sersync-ts: ${loaded.problems.length} problem(s) in ${opts.configFile}; nothing started`);
    return EXIT.CONFIG;
  }
  const config = withOverrides(loaded.config, opts);
  if (cmd.kind === 'status') return (await import('./status.js')).printStatus(config, io);
  if (cmd.kind === 'verify') return (await import('./verify.js')).runVerify(config, opts, cmd.verify, io);
  if (cmd.kind === 'release-deletes')
    return (await import('./release-deletes.js')).releaseDeletes(config, cmd.root, io);
  if (opts.check) return runCheck(config, opts, io);
  return runAgent(config, opts, io, seams, early?.file === opts.configFile ? early.probes : undefined);
}

/** `--check`: what would run, then every check's verdict; the exit code says whether all passed. */
async function runCheck(config: SersyncConfig, opts: RunOptions, io: Io): Promise<number> {
  const { checkPlugins, describePlan, runChecks } = await import('./check.js');
  const { checkExit, checkMark } = await import('./check-line.js');
  const { RsyncRunner } = await import('../rsync/runner.js');
  for (const line of describePlan(config, opts.initialSync)) io.out(line);
  const checks = [
    ...(await checkPlugins(config, opts.plugin)),
    ...(await runChecks(config, new RsyncRunner(systemClock))),
  ];
  for (const c of checks) io.out(`${checkMark(c)} ${c.text}`);
  return checkExit(checks);
}

/** The agent itself: detached under -d, the supervisor, one plugin alone (-m), or in the foreground. */
async function runAgent(
  config: SersyncConfig,
  opts: RunOptions,
  io: Io,
  seams: CliSeams,
  earlyProbes?: EarlyProbes,
): Promise<number> {
  const stateDir = opts.stateDir ?? defaultStateDir(config);
  const files = {
    pidFile:
      opts.pidFile ??
      (process.getuid?.() === 0 && fs.existsSync('/run')
        ? '/run/sersync-ts.pid'
        : path.join(stateDir, 'sersync-ts.pid')),
    logFile: opts.logFile ?? (opts.daemon || opts.role ? path.join(stateDir, 'sersync-ts.log') : null),
    ...(seams.main ? { main: seams.main } : {}),
  };
  if (opts.daemon && opts.role === null) {
    // The supervisor and its workers run in /: every path they get must be absolute.
    const absState = path.resolve(stateDir);
    const absFiles = {
      ...files,
      pidFile: path.resolve(files.pidFile),
      logFile: files.logFile === null ? null : path.resolve(files.logFile),
    };
    return (await import('../daemon/supervisor.js')).runDaemon(
      optionsToArgv({ ...opts, stateDir: absState, pidFile: null, logFile: null }, process.cwd()),
      absFiles,
      absState,
      io,
    );
  }
  const logger = createLogger({
    level: opts.logLevel ?? (opts.debug || config.debug ? 'debug' : 'info'),
    format: opts.logFormat,
    ...(files.logFile ? { file: files.logFile } : {}),
  });
  if (opts.role === 'supervisor')
    return (await import('../daemon/supervisor.js')).runSupervisor(
      argvWithout(process.argv.slice(2), ['-d', '--daemon', '--role=supervisor']),
      files,
      logger,
    );
  if (opts.plugin !== null) return (await import('./plugin-service.js')).runPluginService(opts.plugin, config, logger);
  return runForeground(config, {
    opts,
    logger,
    version: version(),
    withOverrides: (c) => withOverrides(c, opts),
    seams,
    ...(earlyProbes ? { earlyProbes } : {}),
  });
}

/**
 * `status` with a config that does not load now: the running agent answers with the config it
 * loaded, so ask it at the file's `<host>` (if even that cannot be read, say so: exit 78).
 */
async function statusDespite(file: string, problems: number, io: Io): Promise<number> {
  const host = await loadStatusHost(file);
  if (!host) {
    io.err(
      `sersync-ts: cannot read <host hostip port> from ${file}; nothing to ask (sersync-ts --check -o ${file} says why)`,
    );
    return EXIT.CONFIG;
  }
  io.err(
    `warning: ${file} has ${problems} problem(s) now (sersync-ts --check -o ${file}); the running agent answers with the config it loaded`,
  );
  return (await import('./status.js')).printStatus({ host, file }, io);
}

function argvWithout(argv: readonly string[], drop: readonly string[]): string[] {
  return argv.filter((a) => !drop.includes(a));
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
