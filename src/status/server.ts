import http from 'node:http';
import type { Logger } from '../shared/logger.js';
import type { Health } from './health.js';

/** What the HTTP endpoints show; the agent provides it. */
export interface StatusSource {
  health(): Health;
  /** The /status document (JSON-serialisable). */
  status(): unknown;
  /** Prometheus text exposition. */
  metrics(): string;
}

export interface StatusServer {
  readonly address: string;
  close(): Promise<void>;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1)$/;

/**
 * `/healthz` (200 or 503 with the reasons), `/status` (JSON), `/metrics` (Prometheus) on
 * `<host hostip port>`. A status server that cannot bind is logged, not fatal: syncing matters more.
 */
export async function startStatusServer(host: string, port: number, source: StatusSource, logger: Logger): Promise<StatusServer | null> {
  if (!LOOPBACK.test(host)) logger.warn(`status server binds ${host}:${port}, which is not loopback: /status shows paths and errors to anyone who can reach it`);
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    try {
      if (url === '/healthz') {
        const h = source.health();
        res.writeHead(h.ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(h.ok ? 'ok\n' : `unhealthy: ${h.reasons.join('; ')}\n`);
      } else if (url === '/status') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`${JSON.stringify(source.status(), null, 2)}\n`);
      } else if (url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(source.metrics());
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found: try /healthz, /status or /metrics\n');
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`error: ${String(err)}\n`);
    }
  });
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      logger.error(`status server cannot listen on ${host}:${port}: ${err.code ?? err.message} (change <host hostip port>); syncing goes on without it`);
      resolve(false);
    });
    server.listen(port, host === 'localhost' ? '127.0.0.1' : host, () => resolve(true));
  });
  if (!bound) return null;
  const addr = server.address();
  const address = typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : `${host}:${port}`;
  logger.info(`status on http://${address}/status, /metrics, /healthz`);
  return {
    address,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
