import http from 'node:http';
import PQueue from 'p-queue';
import type { RefreshCdnPluginConfig } from '../config/types.js';
import { toText } from '../shared/bytepath.js';
import type { Logger } from '../shared/logger.js';
import { backoffDelay } from '../shared/backoff.js';
import type { Plugin, PluginEvent } from './types.js';
import { toJsRegex } from '../config/regex.js';

const TIMEOUT_MS = 3000;
const ATTEMPTS = 3;
/** The wait after a failed attempt: 400 ms, doubling. */
const RETRY = { baseMs: 400, capMs: Infinity };
const CONCURRENCY = 4;
/** Purges waiting beyond this are dropped (counted, logged): a slow CDN never holds memory unbounded. */
const MAX_QUEUED = 10_000;

/**
 * The URL sersync's refreshCDN plugin requests for one path (sersync-behavior.md §6.3), now with
 * every query value URL-encoded. Pure. null when regex mode finds no match (the path is skipped).
 *   /index.jsp?user=U&pswd=P&ok=ok&urls=BASE/rel       (a directory: &dirs=BASE/rel/)
 * With regex="true", the URL is BASE + capture 1 + whatever follows the match in the absolute path
 * (`match` is compiled once by the caller: compileMatch).
 */
export function cdnRequestPath(
  cfg: RefreshCdnPluginConfig,
  e: Pick<PluginEvent, 'rel' | 'abs' | 'isDir'>,
  match: RegExp | null = compileMatch(cfg),
): string | null {
  const rel = toText(e.rel);
  let url: string;
  if (cfg.regex) {
    const abs = toText(e.abs.toString('latin1'));
    const m = match?.exec(abs);
    if (!m) return null;
    url = `${cfg.sendUrlBase}${m[1] ?? ''}${abs.slice(m.index + m[0].length)}`;
  } else url = `${cfg.sendUrlBase}/${rel}`;
  const q = (v: string): string => encodeURIComponent(v);
  const target = e.isDir ? `dirs=${q(`${url}/`)}` : `urls=${q(url)}`;
  return `/index.jsp?user=${q(cfg.userName)}&pswd=${q(cfg.password)}&ok=ok&${target}`;
}

/** The regexurl@match of a regex="true" config (validated at config load), else null. */
export function compileMatch(cfg: RefreshCdnPluginConfig): RegExp | null {
  if (!cfg.regex) return null;
  const { source, flags } = toJsRegex(cfg.match);
  return new RegExp(source, flags);
}

/**
 * refreshCDN: asks the CDN to purge each changed URL (a HEAD request, as sersync sent), with a
 * timeout and retries. The CDN's API puts the credentials in the query string: that is its
 * protocol, so it is kept for existing configs, with a warning; the http plugin is the modern path.
 */
export class RefreshCdnPlugin implements Plugin {
  readonly name = 'refreshCDN';
  private readonly queue = new PQueue({ concurrency: CONCURRENCY });
  private readonly match: RegExp | null;
  private rejectedLogged = false;
  failures = 0;
  dropped = 0;

  constructor(
    private readonly cfg: RefreshCdnPluginConfig,
    private readonly log: Logger,
  ) {
    this.match = compileMatch(cfg);
    log.warn(
      `refreshCDN sends the CDN user name and password in the query string over plain HTTP to ${cfg.domainName}:${cfg.port} (the CDN's own API); prefer the http plugin where you can`,
    );
  }

  handle(events: readonly PluginEvent[]): void {
    for (const e of events) {
      const p = cdnRequestPath(this.cfg, e, this.match);
      if (p === null) continue;
      if (this.queue.size >= MAX_QUEUED) {
        if (this.dropped++ === 0)
          this.log.warn(
            `refreshCDN: more than ${MAX_QUEUED} purges waiting for ${this.cfg.domainName}; dropping the excess (counted in sersync_plugin_dropped_total)`,
          );
        continue;
      }
      this.queue
        .add(() => this.send(p, toText(e.rel)))
        .catch((err: unknown) => {
          this.failures++;
          this.log.warn(`refreshCDN: purge of ${JSON.stringify(toText(e.rel))} failed: ${(err as Error).message}`);
        });
    }
  }

  private async send(pathAndQuery: string, rel: string): Promise<void> {
    let last = '';
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const status = await this.head(pathAndQuery);
        if (status >= 400 && status < 500) {
          // Retrying would not help (bad credentials, wrong path): say so, once in a while.
          this.failures++;
          if (!this.rejectedLogged)
            this.log.warn(
              `refreshCDN: ${this.cfg.domainName}:${this.cfg.port} answered ${status} for ${JSON.stringify(rel)} (check the user name, password and URL); further refusals are counted in sersync_plugin_failures_total`,
            );
          this.rejectedLogged = true;
          return;
        }
        if (status < 400) return;
        last = `HTTP ${status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, RETRY)));
    }
    this.failures++;
    this.log.warn(`refreshCDN: purge of ${JSON.stringify(rel)} failed after ${ATTEMPTS} attempts (${last})`);
  }

  private head(pathAndQuery: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.cfg.domainName,
          port: this.cfg.port,
          method: 'HEAD',
          path: pathAndQuery,
          timeout: TIMEOUT_MS,
          headers: { Host: this.cfg.domainName },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end();
    });
  }

  async close(): Promise<void> {
    await Promise.race([this.queue.onIdle(), new Promise((r) => setTimeout(r, 10_000))]);
  }
}
