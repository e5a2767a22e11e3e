import http from 'node:http';
import https from 'node:https';
import type { HttpPluginConfig } from '../config/types.js';
import type { Logger } from '../shared/logger.js';
import { Backoff } from '../shared/backoff.js';
import { fullSyncNotice, jsonOf } from './socket.js';
import type { Plugin, PluginEvent } from './types.js';

const MAX_QUEUED_BATCHES = 1000;
/** Retries while the receiver fails: 0.5 s doubling to 30 s. */
const RETRY = { baseMs: 500, capMs: 30_000 };

/**
 * The http plugin (sersync compiled its own out): POSTs one JSON document per batch,
 * `{"events":[{kind, isDir, root, path, time}, ...]}`, to a configured URL with optional headers.
 * Batches are sent in order, retried with backoff while the receiver fails (5xx, timeouts,
 * refused); a 4xx is logged and dropped (retrying would not help). The queue is bounded.
 */
export class HttpPlugin implements Plugin {
  readonly name = 'http';
  private readonly queue: string[] = [];
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly retries = new Backoff(RETRY);
  private downLogged = false;
  private closed = false;
  dropped = 0;
  /** Batches the receiver refused (4xx: dropped, retrying would not help). */
  failures = 0;

  constructor(
    private readonly cfg: HttpPluginConfig,
    private readonly log: Logger,
  ) {}

  handle(events: readonly PluginEvent[]): void {
    if (events.length === 0) return;
    this.enqueue(JSON.stringify({ events: events.map(jsonOf) }));
  }

  /** A whole root was synced: `{"fullSync":true,"root":...,"time":...}` instead of its paths. */
  fullSync(root: string, time: number): boolean {
    this.enqueue(JSON.stringify(fullSyncNotice(root, time)));
    return true;
  }

  private enqueue(body: string): void {
    this.queue.push(body);
    if (this.queue.length > MAX_QUEUED_BATCHES) {
      this.queue.shift();
      if (this.dropped++ === 0)
        this.log.warn(
          `http plugin: ${this.cfg.url} is behind; dropping the oldest batches beyond ${MAX_QUEUED_BATCHES}`,
        );
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy || this.timer || this.closed) return;
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        const status = await this.post(this.queue[0]!);
        if (status >= 500) throw new Error(`HTTP ${status}`);
        if (status >= 400) {
          this.failures++;
          this.log.warn(`http plugin: ${this.cfg.url} answered ${status}; batch dropped`);
        }
        this.queue.shift();
        if (this.downLogged) this.log.info(`http plugin: ${this.cfg.url} answers again`);
        this.downLogged = false;
        this.retries.reset();
      }
    } catch (err) {
      if (!this.downLogged)
        this.log.warn(
          `http plugin: ${this.cfg.url}: ${(err as Error).message}; ${this.queue.length} batch(es) kept, retrying`,
        );
      this.downLogged = true;
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.pump();
      }, this.retries.next());
    } finally {
      this.busy = false;
    }
  }

  private post(body: string): Promise<number> {
    const url = new URL(this.cfg.url);
    const lib = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    };
    for (const h of this.cfg.headers) headers[h.name] = h.value;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method: 'POST', headers, timeout: this.cfg.timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end(body);
    });
  }

  async close(): Promise<void> {
    const deadline = performance.now() + 5000;
    while (this.queue.length > 0 && !this.timer && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
