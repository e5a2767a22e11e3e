import http from 'node:http';
import type { Logger } from '../shared/logger.js';
import type { Health } from './agent-health.js';
import { parseRepairRequest, type RepairLaneResult, type RepairRequest } from './repair-request.js';

/**
 * What the HTTP endpoints show; the agent provides it. `Doc` is the /status document's type
 * (daemon/status-doc.ts, StatusDocument: a floor above this one, so it is passed in).
 */
export interface StatusSource<Doc = unknown> {
  health(): Health;
  /** The /status document (JSON-serialisable). */
  status(): Doc;
  /** Prometheus text exposition. */
  metrics(): string;
  /**
   * `POST /repair` (sent by `sersync-ts verify --repair`): send these paths through the lanes;
   * resolves once they are delivered or their lane is down. Absent: the endpoint answers 404.
   */
  repair?(req: RepairRequest): Promise<{ readonly lanes: readonly RepairLaneResult[] } | { readonly error: string }>;
  /** `POST /release-deletes` (`sersync-ts release-deletes`): the brake's held deletions ship (one root, or all). */
  releaseDeletes?(
    root: string | null,
  ): readonly { readonly root: string; readonly paths: number }[] | { readonly error: string };
}

export interface StatusServer {
  readonly address: string;
  close(): Promise<void>;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1)$/;
/** A repair request lists paths: generous, but a bound (a million long names fit). */
const MAX_REPAIR_BODY = 256 * 1024 * 1024;

function readBody(req: http.IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

/**
 * `POST /repair`. It makes the agent send and delete remote paths, so beyond what /status shows:
 * only from this machine (whatever address the server binds), and only as application/json,
 * which a web page cannot send cross-origin without a preflight this server never grants.
 */
async function serveRepair(req: http.IncomingMessage, res: http.ServerResponse, source: StatusSource): Promise<void> {
  if (!source.repair) return answer(res, 404, { error: 'this agent takes no repairs' });
  if (!localJsonPost(req, res, 'repairs', '{"lanes": [...]}')) return;
  const body = await readBody(req, MAX_REPAIR_BODY);
  if (body === null) return answer(res, 413, { error: `request larger than ${MAX_REPAIR_BODY} bytes` });
  const parsed = parseRepairRequest(body);
  if ('error' in parsed) return answer(res, 400, { error: parsed.error });
  const done = await source.repair(parsed);
  answer(res, 'error' in done ? 400 : 200, done);
}

/** A POST of JSON from this machine, or an answer saying why not (false). */
function localJsonPost(req: http.IncomingMessage, res: http.ServerResponse, what: string, shape: string): boolean {
  const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  if (req.method !== 'POST') answer(res, 405, { error: `POST a JSON body: ${shape}` });
  else if (!LOOPBACK.test(peer))
    answer(res, 403, { error: `${what} are taken from this machine only, not from ${peer}` });
  else if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
    answer(res, 415, { error: 'expected content-type: application/json' });
  else return true;
  return false;
}

/** `POST /release-deletes`, `{"root": PATH}` or `{"root": null}` (every root): the same rules as /repair. */
async function serveRelease(req: http.IncomingMessage, res: http.ServerResponse, source: StatusSource): Promise<void> {
  if (!source.releaseDeletes) return answer(res, 404, { error: 'this agent has no deletion brake' });
  if (!localJsonPost(req, res, 'releases', '{"root": PATH or null}')) return;
  const body = await readBody(req, 64 * 1024);
  let root: unknown;
  try {
    root = (JSON.parse(body ?? '') as { root?: unknown }).root ?? null;
  } catch {
    root = undefined;
  }
  if (root !== null && typeof root !== 'string')
    return answer(res, 400, { error: 'expected {"root": PATH} or {"root": null}' });
  const done = source.releaseDeletes(root);
  answer(res, 'error' in done ? 400 : 200, 'error' in done ? done : { released: done });
}

/**
 * `/healthz` (200 or 503 with the reasons), `/status` (JSON), `/metrics` (Prometheus) on
 * `<host hostip port>`. A status server that cannot bind is logged, not fatal: syncing matters more.
 */
export async function startStatusServer<Doc>(
  host: string,
  port: number,
  source: StatusSource<Doc>,
  logger: Logger,
): Promise<StatusServer | null> {
  if (!LOOPBACK.test(host))
    logger.warn(
      `status server binds ${host}:${port}, which is not loopback: /status shows paths and errors to anyone who can reach it`,
    );
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    try {
      if (url === '/repair') {
        serveRepair(req, res, source).catch((err: unknown) => answer(res, 500, { error: String(err) }));
      } else if (url === '/release-deletes') {
        serveRelease(req, res, source).catch((err: unknown) => answer(res, 500, { error: String(err) }));
      } else if (url === '/healthz') {
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
      logger.error(
        `status server cannot listen on ${host}:${port}: ${err.code ?? err.message} (change <host hostip port>); syncing goes on without it`,
      );
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
