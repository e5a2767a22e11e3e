import http from 'node:http';
import type { SersyncConfig } from '../config/types.js';

/** The agent's status server for this config (`<host hostip port>`); null when it is off (port 0). */
export function agentUrl(config: Pick<SersyncConfig, 'host'>, route: string): string | null {
  if (config.host.port === 0) return null;
  const host = config.host.ip === 'localhost' ? '127.0.0.1' : config.host.ip;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.host.port}${route}`;
}

/**
 * One HTTP request to the local agent: the status code and the body. `timeoutMs` bounds the
 * silence on the connection (a repair is waited for as long as it runs: give 0).
 */
export function request(
  url: string,
  opts: { method?: 'GET' | 'POST'; body?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers =
      opts.body !== undefined
        ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(opts.body) }
        : undefined;
    const req = http.request(
      url,
      { method: opts.method ?? 'GET', timeout: opts.timeoutMs ?? 5000, ...(headers ? { headers } : {}) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}
