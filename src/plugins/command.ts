import { loadExeca } from '../shared/execa-lazy.js';
import PQueue from 'p-queue';
import { analysePrefix } from '../config/command-prefix.js';
import type { CommandPluginConfig } from '../config/types.js';
import { splitWords } from '../config/words.js';
import { toText } from '../shared/bytepath.js';
import type { Logger } from '../shared/logger.js';
import type { Plugin, PluginEvent } from './types.js';
import { wholeMatchRegex } from '../config/regex.js';

const CONCURRENCY = 4;
/** Commands waiting beyond this are dropped (counted, logged): a plugin never holds up syncing. */
const MAX_QUEUED = 10_000;

/**
 * sersync's command plugin, without its hole: sersync ran `prefix + unquoted path + suffix`
 * through a shell (as root), so a file name could run anything. Here `prefix` and `suffix` are
 * split into argv words and the absolute path is ONE argument; no shell is involved. The event is
 * also given in the environment: SERSYNC_EVENT (updated|deleted), SERSYNC_ROOT, SERSYNC_PATH
 * (relative), SERSYNC_ISDIR (0|1).
 */
export class CommandPlugin implements Plugin {
  readonly name = 'command';
  private readonly queue = new PQueue({ concurrency: CONCURRENCY });
  private readonly prefix: string[];
  private readonly suffix: string[];
  private readonly includes: RegExp[];
  failures = 0;
  dropped = 0;
  /** Failure kinds already logged at warn level (the rest go to debug: one bad prefix fails for every file). */
  private readonly failureKinds = new Set<string>();

  constructor(
    private readonly cfg: CommandPluginConfig,
    private readonly log: Logger,
  ) {
    this.prefix = splitWords(cfg.prefix) ?? [];
    this.suffix = splitWords(cfg.suffix) ?? [];
    this.includes = cfg.filterEnabled ? cfg.includes.map(wholeMatchRegex) : [];
    if (this.prefix.length === 0) throw new Error('plugin[command]/param@prefix is empty: give the program to run');
    // `sh -c` and the like are refused by the config loader; an interpreter with no script of its
    // own runs each changed file.
    const a = analysePrefix(this.prefix);
    if (a.runsTheFile && this.includes.length === 0) {
      log.warn(
        `DANGER: the command plugin's prefix is ${a.shell ? 'a shell' : 'an interpreter'} (${this.prefix.join(' ')}) and no include filter is on: EVERY changed file will be executed as a ${a.interpreter} script (sersync's default did this as root). Set <filter start="true"> with include expressions, or another prefix.`,
      );
    }
  }

  handle(events: readonly PluginEvent[]): void {
    for (const e of events) {
      const absText = toText(e.abs.toString('latin1'));
      // sersync matched include regexes (whole-string) against the absolute path.
      if (this.includes.length > 0 && !this.includes.some((re) => re.test(absText))) continue;
      if (this.queue.size >= MAX_QUEUED) {
        if (this.dropped++ === 0)
          this.log.warn(`command plugin: more than ${MAX_QUEUED} commands waiting; dropping the excess (counted)`);
        continue;
      }
      this.queue
        .add(() => this.run(e))
        .catch((err: unknown) =>
          this.failed('error', `${this.prefix[0]} for ${JSON.stringify(toText(e.rel))}: ${(err as Error).message}`),
        );
    }
  }

  private async run(e: PluginEvent): Promise<void> {
    // The path as its exact bytes: Node passes a latin1 string's code units as bytes only via Buffer,
    // so hand execa the text form when it is valid UTF-8, which is what a program expects.
    const pathArg = toText(e.abs.toString('latin1'));
    const execa = await loadExeca();
    const r = await execa(this.prefix[0]!, [...this.prefix.slice(1), pathArg, ...this.suffix], {
      reject: false,
      timeout: this.cfg.timeoutMs,
      stdin: 'ignore',
      stdout: this.cfg.ignoreError ? 'ignore' : 'pipe',
      stderr: this.cfg.ignoreError ? 'ignore' : 'pipe',
      // argv and environment are UTF-8 text in Node: a name that is not UTF-8 is exact only in SERSYNC_PATH_B64.
      env: {
        SERSYNC_EVENT: e.deleted ? 'deleted' : 'updated',
        SERSYNC_ROOT: e.root,
        SERSYNC_PATH: toText(e.rel),
        SERSYNC_PATH_B64: Buffer.from(e.rel, 'latin1').toString('base64'),
        SERSYNC_ISDIR: e.isDir ? '1' : '0',
      },
    });
    const out = `${r.stdout ?? ''}${r.stderr ? `\n${String(r.stderr)}` : ''}`.trim();
    if (r.failed) {
      const why = r.timedOut
        ? `timed out after ${this.cfg.timeoutMs} ms`
        : r.exitCode !== undefined
          ? `exit ${r.exitCode}`
          : (r.shortMessage ?? 'failed').replace(pathArg, '<path>');
      this.failed(
        why,
        `${this.prefix[0]} for ${JSON.stringify(pathArg)} failed (${why})${out ? `: ${out.slice(0, 500)}` : ''}`,
      );
    } else if (out) this.log.info(`command plugin output for ${JSON.stringify(pathArg)}: ${out.slice(0, 500)}`);
  }

  private failed(kind: string, msg: string): void {
    this.failures++;
    if (this.failureKinds.has(kind) || this.failureKinds.size >= 100) return this.log.debug(`command plugin: ${msg}`);
    this.failureKinds.add(kind);
    this.log.warn(
      `command plugin: ${msg} (further failures of this kind are logged at debug level and counted in sersync_plugin_failures_total)`,
    );
  }

  async close(): Promise<void> {
    await Promise.race([this.queue.onIdle(), new Promise((r) => setTimeout(r, 10_000))]);
  }
}
