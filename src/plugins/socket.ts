import net from 'node:net';
import type { SocketPluginConfig } from '../config/types.js';
import { toText } from '../shared/bytepath.js';
import type { Logger } from '../shared/logger.js';
import { Backoff } from '../shared/backoff.js';
import type { Plugin, PluginEvent } from './types.js';

/** Messages kept while the receiver is down; beyond that the oldest go (counted, logged). */
const MAX_BUFFERED = 10_000;
/** Retries while the receiver fails: 0.5 s doubling to 30 s. */
const RETRY = { baseMs: 500, capMs: 30_000 };
const CONNECT_TIMEOUT_MS = 3000;

/**
 * sersync's socket plugin: a TCP message per event to `<deshost ip port>`.
 * - format "sersync" (default, for existing receivers): a new connection per event carrying the
 *   absolute path's bytes, then close. (sersync's receiver cannot tell a create from a delete.)
 * - format "json": one connection, newline-delimited JSON: kind, isDir, root, path, time.
 * Messages queue in a bounded buffer while the receiver is down, with reconnects and backoff;
 * syncing never waits for it.
 */
export class SocketPlugin implements Plugin {
  readonly name = 'socket';
  private readonly buffer: Buffer[] = [];
  private sending = false;
  private readonly retries = new Backoff(RETRY);
  private timer: NodeJS.Timeout | null = null;
  private conn: net.Socket | null = null;
  private closed = false;
  private downLogged = false;
  dropped = 0;
  /** Messages are kept and retried while the receiver is down, never given up: only drops count. */
  readonly failures = 0;
  sent = 0;

  constructor(
    private readonly cfg: SocketPluginConfig,
    private readonly log: Logger,
  ) {}

  handle(events: readonly PluginEvent[]): void {
    for (const e of events)
      this.push(this.cfg.format === 'json' ? Buffer.from(`${JSON.stringify(jsonOf(e))}\n`) : e.abs);
    void this.pump();
  }

  /** format="json": `{"fullSync":true,"root":...,"time":...}`; sersync's format has no way to say it. */
  fullSync(root: string, time: number): boolean {
    if (this.cfg.format !== 'json') return false;
    this.push(Buffer.from(`${JSON.stringify(fullSyncNotice(root, time))}\n`));
    void this.pump();
    return true;
  }

  private push(msg: Buffer): void {
    this.buffer.push(msg);
    if (this.buffer.length > MAX_BUFFERED) {
      this.buffer.shift();
      if (this.dropped++ === 0)
        this.log.warn(
          `socket plugin: receiver ${this.cfg.host}:${this.cfg.port} is behind; dropping the oldest messages beyond ${MAX_BUFFERED}`,
        );
    }
  }

  private async pump(): Promise<void> {
    if (this.sending || this.timer || this.closed) return;
    this.sending = true;
    try {
      while (this.buffer.length > 0 && !this.closed) {
        // Taken out while it is being sent, so a push() that overflows meanwhile drops a waiting
        // message, never this one; back at the front if it could not be sent.
        const msg = this.buffer.shift()!;
        try {
          if (this.cfg.format === 'json') await this.sendJson(msg);
          else await this.sendOne(msg);
        } catch (err) {
          this.buffer.unshift(msg);
          throw err;
        }
        this.sent++;
        if (this.downLogged) this.log.info(`socket plugin: receiver ${this.cfg.host}:${this.cfg.port} is back`);
        this.downLogged = false;
        this.retries.reset();
      }
    } catch (err) {
      if (!this.downLogged)
        this.log.warn(
          `socket plugin: cannot reach ${this.cfg.host}:${this.cfg.port} (${(err as Error).message}); ${this.buffer.length} message(s) kept, retrying`,
        );
      this.downLogged = true;
      this.conn?.destroy();
      this.conn = null;
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.pump();
      }, this.retries.next());
    } finally {
      this.sending = false;
    }
  }

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: this.cfg.host, port: this.cfg.port });
      s.setTimeout(CONNECT_TIMEOUT_MS, () => s.destroy(new Error('timed out')));
      s.once('connect', () => {
        s.setTimeout(0);
        resolve(s);
      });
      s.once('error', reject);
    });
  }

  /** sersync's wire format: connect, write the path bytes, close. */
  private async sendOne(msg: Buffer): Promise<void> {
    const s = await this.connect();
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.end(msg, () => resolve());
    });
  }

  /** One long-lived connection; each message is written once the previous one is flushed. */
  private async sendJson(msg: Buffer): Promise<void> {
    if (!this.conn || this.conn.destroyed) {
      this.conn = await this.connect();
      this.conn.on('error', () => this.conn?.destroy());
    }
    const c = this.conn;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      c.once('error', onError);
      c.write(msg, (err) => {
        c.off('error', onError);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    const deadline = performance.now() + 3000;
    while ((this.buffer.length > 0 || this.sending) && !this.timer && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.conn?.end();
  }
}

export function jsonOf(e: PluginEvent): Record<string, unknown> {
  return {
    kind: e.deleted ? 'deleted' : 'updated',
    isDir: e.isDir,
    root: e.root,
    path: toText(e.rel),
    time: new Date(e.time).toISOString(),
  };
}

/** Told instead of paths when a whole root was synced (http and socket format="json"). */
export function fullSyncNotice(root: string, time: number): Record<string, unknown> {
  return { fullSync: true, root, time: new Date(time).toISOString() };
}
