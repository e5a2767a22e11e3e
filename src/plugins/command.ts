import { execa } from 'execa';
import PQueue from 'p-queue';
import type { CommandPluginConfig } from '../config/types.js';
import { splitWords } from '../config/words.js';
import { toText } from '../shared/bytepath.js';
import type { Logger } from '../shared/logger.js';
import type { Plugin, PluginEvent } from './types.js';

const SHELLS = /(^|\/)(sh|bash|dash|zsh|ksh|ash|busybox)$/;
/** A command may run this long before it is killed. */
const TIMEOUT_MS = 60_000;
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

  constructor(
    private readonly cfg: CommandPluginConfig,
    private readonly log: Logger,
  ) {
    this.prefix = splitWords(cfg.prefix) ?? [];
    this.suffix = splitWords(cfg.suffix) ?? [];
    this.includes = cfg.filterEnabled ? cfg.includes.map((e) => new RegExp(`^(?:${e})$`, 's')) : [];
    if (this.prefix.length === 0) throw new Error('plugin[command]/param@prefix is empty: give the program to run');
    if (SHELLS.test(this.prefix[0]!) && this.includes.length === 0) {
      log.warn(
        `DANGER: the command plugin's prefix is a shell (${this.prefix[0]}) and no include filter is on: EVERY changed file will be executed as a shell script (sersync's default did this as root). Set <filter start="true"> with include expressions, or another prefix.`,
      );
    }
  }

  handle(events: readonly PluginEvent[]): void {
    for (const e of events) {
      const absText = toText(e.abs.toString('latin1'));
      // sersync matched include regexes (whole-string) against the absolute path.
      if (this.includes.length > 0 && !this.includes.some((re) => re.test(absText))) continue;
      if (this.queue.size >= MAX_QUEUED) {
        if (this.dropped++ === 0) this.log.warn(`command plugin: more than ${MAX_QUEUED} commands waiting; dropping the excess (counted)`);
        continue;
      }
      void this.queue.add(() => this.run(e));
    }
  }

  private async run(e: PluginEvent): Promise<void> {
    // The path as its exact bytes: Node passes a latin1 string's code units as bytes only via Buffer,
    // so hand execa the text form when it is valid UTF-8, which is what a program expects.
    const pathArg = toText(e.abs.toString('latin1'));
    const r = await execa(this.prefix[0]!, [...this.prefix.slice(1), pathArg, ...this.suffix], {
      reject: false,
      timeout: TIMEOUT_MS,
      stdin: 'ignore',
      stdout: this.cfg.ignoreError ? 'ignore' : 'pipe',
      stderr: this.cfg.ignoreError ? 'ignore' : 'pipe',
      // argv and environment are UTF-8 text in Node: a name that is not UTF-8 is exact only in SERSYNC_PATH_B64.
      env: { SERSYNC_EVENT: e.deleted ? 'deleted' : 'updated', SERSYNC_ROOT: e.root, SERSYNC_PATH: toText(e.rel), SERSYNC_PATH_B64: Buffer.from(e.rel, 'latin1').toString('base64'), SERSYNC_ISDIR: e.isDir ? '1' : '0' },
    });
    const out = `${r.stdout ?? ''}${r.stderr ? `\n${String(r.stderr)}` : ''}`.trim();
    if (r.failed) {
      this.failures++;
      this.log.warn(`command plugin: ${this.prefix[0]} for ${JSON.stringify(pathArg)} failed (${r.timedOut ? 'timed out' : r.exitCode !== undefined ? `exit ${r.exitCode}` : r.shortMessage})${out ? `: ${out.slice(0, 500)}` : ''}`);
    } else if (out) this.log.info(`command plugin output for ${JSON.stringify(pathArg)}: ${out.slice(0, 500)}`);
  }

  async close(): Promise<void> {
    await Promise.race([this.queue.onIdle(), new Promise((r) => setTimeout(r, 10_000))]);
  }
}
