import type { Remote, SersyncConfig, VersionsConfig } from '../config/types.js';
import { formatBytes } from '../lane/report.js';
import type { RsyncRunner } from '../rsync/runner.js';
import type { SshControl } from '../rsync/ssh-command.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { OneShot } from '../shared/one-shot.js';
import { bucketName, bucketStart, expiredBuckets } from '../rsync/buckets.js';
import { bucketTotals } from '../versions/listing.js';
import { deleteBuckets, listRemote, type VersionsRemote } from '../versions/remote.js';

/** What one retention run on one remote found and did (for /metrics). */
export interface RetentionReport {
  readonly remote: string;
  readonly ok: boolean;
  /** Buckets left, and the files and bytes in them (null when the run failed). */
  readonly kept: { readonly buckets: number; readonly files: number; readonly bytes: number } | null;
  readonly freed: { readonly buckets: number; readonly files: number; readonly bytes: number };
}

interface RetentionDeps {
  readonly config: SersyncConfig;
  readonly runner: RsyncRunner;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly ssh?: (remote: Remote) => SshControl;
  readonly report: (r: RetentionReport) => void;
}

/** Retention runs once after start, then at most once an hour. */
const RETENTION_EVERY_MS = 3_600_000;

/**
 * `<versions keep>`: buckets that ended longer ago than `keep` are removed from every remote, over
 * the transport the lanes use. One listing of the versions directory (what is kept, per bucket:
 * what a removal frees), then one deleting run for the expired buckets. A remote that cannot be
 * reached is left for the next run; the bucket in use is never removed (buckets.ts).
 */
export class VersionsRetention {
  private readonly timer = new OneShot();
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly deps: RetentionDeps) {}

  start(): void {
    if (!this.deps.config.rsync.versions) return;
    this.timer.arm(0, () => this.tick());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer.cancel();
    await this.running;
  }

  private tick(): void {
    this.running = this.runAll().finally(() => {
      this.running = null;
      if (!this.stopped) this.timer.arm(RETENTION_EVERY_MS, () => this.tick());
    });
  }

  private async runAll(): Promise<void> {
    const { config } = this.deps;
    const remotes = new Map(config.roots.flatMap((r) => r.remotes).map((r) => [r.label, r]));
    for (const r of remotes.values()) if (!this.stopped) await this.runOn(r, config.rsync.versions!);
  }

  /** One remote: list, remove what expired, report. */
  async runOn(remote: Remote, versions: VersionsConfig): Promise<RetentionReport> {
    const { config, runner, ssh } = this.deps;
    const log = this.deps.logger.child('versions');
    const v: VersionsRemote = {
      rsync: { ...config.rsync, versions },
      remote,
      runner,
      ...(ssh ? { ssh: ssh(remote) } : {}),
    };
    const now = this.deps.clock.wallNow();
    const none = { buckets: 0, files: 0, bytes: 0 };
    const fail = (what: string, err: string): RetentionReport => {
      log.warn(
        `retention on ${remote.label}: ${what} failed (${err}); postponed to the next run in ${RETENTION_EVERY_MS / 60_000} min`,
      );
      return this.told({ remote: remote.label, ok: false, kept: null, freed: none });
    };
    const listed = await listRemote(v, `${versions.dir}/`, { recursive: true });
    if ('error' in listed) return fail('listing', listed.error);
    const totals = bucketTotals(listed.listing);
    const expired = expiredBuckets([...totals.keys()], now, versions.bucketMs, versions.keepMs);
    const sum = (names: readonly string[]): { buckets: number; files: number; bytes: number } =>
      names.reduce(
        (a, n) => ({
          buckets: a.buckets + 1,
          files: a.files + totals.get(n)!.files,
          bytes: a.bytes + totals.get(n)!.bytes,
        }),
        none,
      );
    const keptNames = [...totals.keys()].filter((n) => !expired.includes(n));
    if (expired.length > 0) {
      const err = await deleteBuckets(v, expired);
      if (err !== null) return fail(`removing ${expired.length} bucket(s)`, err);
    }
    const freed = sum(expired);
    const kept = sum(keptNames);
    const cutoff = bucketName(bucketStart(now - versions.keepMs, versions.bucketMs));
    log.info(
      expired.length > 0
        ? `retention on ${remote.label}: removed ${expired.length} bucket(s) ${expired[0]}${expired.length > 1 ? `..${expired[expired.length - 1]}` : ''} older than ${cutoff}, freed ${freed.files} file(s), ${formatBytes(freed.bytes)}; kept ${kept.buckets} bucket(s), ${kept.files} file(s), ${formatBytes(kept.bytes)}`
        : `retention on ${remote.label}: nothing older than ${cutoff}; kept ${kept.buckets} bucket(s), ${kept.files} file(s), ${formatBytes(kept.bytes)}`,
    );
    return this.told({ remote: remote.label, ok: true, kept, freed });
  }

  private told(r: RetentionReport): RetentionReport {
    this.deps.report(r);
    return r;
  }
}
