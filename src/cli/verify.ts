import os from 'node:os';
import type { SersyncConfig } from '../config/types.js';
import { hasUpdateFlag } from '../config/words.js';
import { FailLogStore } from '../faillog/store.js';
import { protectRules } from '../delete-safety/protect-rules.js';
import { FairSlots } from '../lane/slots.js';
import { RsyncRunner } from '../rsync/runner.js';
import { systemClock } from '../shared/clock.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { encodeRepairRequest, type RepairLaneResult } from '../status/repair-request.js';
import { compareLane, type CompareDeps, type CompareResult } from '../verify/compare.js';
import { formatVerdict, verifyExitCode } from '../verify/format.js';
import { repairLocally, type RepairTarget } from '../verify/local-repair.js';
import { formatRepair } from '../verify/repair.js';
import { selectLanes, type LaneChoice } from '../verify/select.js';
import { compileFilter } from '../watch/filter.js';
import { EXIT } from '../shared/errors.js';
import type { VerifyOptions } from './args.js';
import type { RunOptions } from './run-options.js';
import { agentUrl, request } from './http.js';
import type { Io } from '../shared/io.js';

/** Is an agent running on this config? Its status server (`<host>`) answering /status says so. */
async function agentRuns(config: SersyncConfig): Promise<'yes' | 'no' | 'cannot-tell'> {
  const url = agentUrl(config, '/status');
  if (url === null) return 'cannot-tell';
  try {
    const doc = JSON.parse((await request(url, { timeoutMs: 3000 })).body) as { roots?: unknown };
    return Array.isArray(doc.roots) ? 'yes' : 'no';
  } catch {
    return 'no';
  }
}

/** The running agent repairs: its lanes send, its fail log (one writer) keeps what fails. */
async function repairByAgent(
  config: SersyncConfig,
  targets: readonly RepairTarget[],
): Promise<readonly RepairLaneResult[] | { error: string }> {
  const url = agentUrl(config, '/repair')!;
  const body = encodeRepairRequest({
    lanes: targets.map((t) => ({ root: t.root.path, remote: t.remote.label, entries: t.entries })),
  });
  try {
    const res = await request(url, { method: 'POST', body, timeoutMs: 0 });
    const doc = JSON.parse(res.body) as { lanes?: RepairLaneResult[]; error?: string };
    if (res.status !== 200 || !doc.lanes)
      return { error: `the agent on ${url} refused the repair (HTTP ${res.status}): ${doc.error ?? res.body.trim()}` };
    return doc.lanes;
  } catch (err) {
    return { error: `the agent on ${url} did not answer the repair: ${(err as Error).message}` };
  }
}

async function repairHere(
  config: SersyncConfig,
  deps: CompareDeps,
  slots: FairSlots,
  targets: readonly RepairTarget[],
  log: Logger,
): Promise<readonly RepairLaneResult[] | { error: string }> {
  let failLog: FailLogStore;
  try {
    failLog = await FailLogStore.open(config.failLog.path, log.child('faillog'));
  } catch (err) {
    return {
      error: `${config.file}: sersync/failLog@path: ${(err as Error).message}; no repair without a fail log for what could fail`,
    };
  }
  return repairLocally({ ...deps, slots, failLog }, targets);
}

/** What the comparisons run with: -n rsync processes shared fairly between the remote hosts. */
function compareDeps(config: SersyncConfig, slots: FairSlots, logger: Logger, io: Io): CompareDeps {
  const excludes = config.filter.enabled ? config.filter.excludes : [];
  return {
    config,
    runner: new RsyncRunner(systemClock),
    slots: (r) => slots.forHost(r.ip),
    filter: compileFilter(excludes),
    protect: protectRules(excludes).globs,
    tmpDir: os.tmpdir(),
    clock: systemClock,
    logger: logger.child('verify'),
    progress: (line) => io.err(line),
  };
}

/**
 * `sersync-ts verify`: compare every chosen (root, remote) by content, print what differs; with
 * --repair, send it through the lanes (the running agent's, or lanes built here when none
 * runs), then compare again. Exit 0 identical, 1 drift, 2 a remote could not be checked.
 */
export async function runVerify(config: SersyncConfig, cli: RunOptions, opts: VerifyOptions, io: Io): Promise<number> {
  const chosen = selectLanes(config, opts.root, opts.remote);
  if ('error' in chosen) {
    io.err(`sersync-ts: ${chosen.error}`);
    return EXIT.USAGE;
  }
  const logger = createLogger({
    level: cli.logLevel ?? (cli.debug || config.debug ? 'debug' : 'info'),
    format: cli.logFormat,
  });
  const slots = new FairSlots(cli.threads, new Set(chosen.lanes.map((l) => l.remote.ip)).size);
  const deps = compareDeps(config, slots, logger, io);
  const compareAll = (lanes: readonly LaneChoice[]): Promise<CompareResult[]> =>
    Promise.all(lanes.map((l) => compareLane(deps, l.root, l.remote)));
  const print = (results: readonly CompareResult[]): void => {
    for (const r of results) for (const line of formatVerdict(r.verdict)) io.out(line);
  };
  try {
    const first = await compareAll(chosen.lanes);
    print(first);
    const targets: RepairTarget[] = chosen.lanes
      .map((l, i) => ({ ...l, entries: first[i]!.repair }))
      .filter((t) => t.entries.length > 0);
    if (!opts.repair || targets.length === 0) return verifyExitCode(first.map((r) => r.verdict));
    const agent = await agentRuns(config);
    if (agent === 'cannot-tell')
      io.err(
        `sersync-ts: warning: <host port="0"> in ${config.file}: no way to ask a running agent; repairing here. If an agent runs on this config, stop it first: the fail log must have one writer`,
      );
    const via = agent === 'yes' ? `through the agent on ${agentUrl(config, '')}` : 'sent from here';
    const outcomes =
      agent === 'yes' ? await repairByAgent(config, targets) : await repairHere(config, deps, slots, targets, logger);
    if ('error' in outcomes) {
      io.err(`sersync-ts: ${outcomes.error}`);
      return 2;
    }
    for (const o of outcomes) io.out(formatRepair(o, via));
    io.out('after the repair:');
    const again = await compareAll(targets);
    print(again);
    const stillDrifting = again.some((r) => r.repair.length > 0);
    if (stillDrifting && hasUpdateFlag(config.rsync.commonParams)) {
      io.out(
        `note: commonParams "${config.rsync.commonParams.join(' ')}" has -u: rsync then leaves a file that is newer on the remote alone, so no repair (nor sync) overwrites it; remove the u`,
      );
    }
    const repaired = new Set(targets.map((t) => `${t.root.path}\0${t.remote.label}`));
    const untouched = first.filter(
      (_, i) => !repaired.has(`${chosen.lanes[i]!.root.path}\0${chosen.lanes[i]!.remote.label}`),
    );
    return verifyExitCode([...untouched, ...again].map((r) => r.verdict));
  } finally {
    await logger.flush();
  }
}
