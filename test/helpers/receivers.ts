/**
 * The receiver fixture: what the plugins talk to, on 127.0.0.1, each closed with the test dir
 * or site it is started for (rsyncd.ts): TCP (one message per connection, as sersync's socket
 * plugin sends), newline-delimited JSON, HTTP (method, url, headers, body), and a datagram
 * socket playing systemd's NOTIFY_SOCKET. Plus a small HTTP client for /status and /metrics.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { freePort, type TestDir } from './rsyncd.js';
import type { StatusDocument } from '../../src/daemon/status-doc.js';
import type { ConfigSpec } from './agent.js';

export interface Receiver {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  close(): Promise<void>;
}

type Owner = Pick<TestDir, 'onClose'>;

/** Listens on `port` (a free one when not given) until the owner closes. */
async function serve(owner: Owner, server: net.Server, port?: number): Promise<Receiver> {
  const p = port ?? (await freePort());
  await new Promise<void>((resolve) => server.listen(p, '127.0.0.1', resolve));
  const close = (): Promise<void> => new Promise((r) => server.close(() => r()));
  owner.onClose(close);
  return { port: p, close };
}

/** sersync's `<plugin name="socket">` element: the changes under `watch` told to 127.0.0.1:`port`. */
export const socketPluginXml = (watch: string, port: number, format?: 'json'): string =>
  `<plugin name="socket"${format ? ` format="${format}"` : ''}><localpath watch="${watch}"><deshost ip="127.0.0.1" port="${port}"/></localpath></plugin>`;

/** A config for `-m socket` alone: its sync remote points at a port where nothing listens (-m must not need it). */
export async function socketOnlySpec(watch: string, port: number): Promise<ConfigSpec> {
  return { watch, remotes: [{ module: 'none' }], port: await freePort(), extraHead: socketPluginXml(watch, port) };
}

/** A TCP receiver that records each connection's bytes. */
export async function tcpReceiver(owner: Owner, port?: number): Promise<Receiver & { readonly messages: Buffer[] }> {
  const messages: Buffer[] = [];
  const server = net.createServer((s) => {
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => messages.push(Buffer.concat(chunks)));
  });
  return { messages, ...(await serve(owner, server, port)) };
}

/** Newline-delimited JSON from every connection: each line as sent, and parsed. */
export async function jsonReceiver(
  owner: Owner,
  port?: number,
): Promise<Receiver & { readonly lines: string[]; readonly messages: Record<string, unknown>[] }> {
  const lines: string[] = [];
  const messages: Record<string, unknown>[] = [];
  const server = net.createServer((s) => {
    let buf = '';
    s.on('data', (c) => {
      buf += c.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const p of parts) {
        if (!p) continue;
        lines.push(p);
        messages.push(JSON.parse(p) as Record<string, unknown>);
      }
    });
  });
  return { lines, messages, ...(await serve(owner, server, port)) };
}

export interface HttpRequestSeen {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** An HTTP receiver that records method, url, headers and body (also alone, in `bodies`), and answers `status`. */
export async function httpReceiver(
  owner: Owner,
  port?: number,
  status = 200,
): Promise<Receiver & { readonly requests: HttpRequestSeen[]; readonly bodies: string[] }> {
  const requests: HttpRequestSeen[] = [];
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      bodies.push(body);
      res.writeHead(status);
      res.end();
    });
  });
  return { requests, bodies, ...(await serve(owner, server, port)) };
}

/** A datagram socket playing systemd's NOTIFY_SOCKET (Node cannot bind one: python does), in the owner's dir. */
export async function notifyReceiver(
  owner: Owner & Pick<TestDir, 'tmp'>,
): Promise<{ sock: string; messages: () => string[]; text: () => string; close: () => void }> {
  const sock = path.join(owner.tmp, 'notify.sock');
  const received = path.join(owner.tmp, 'received');
  const recv = spawn(
    'python3',
    [
      '-u',
      '-c',
      `import socket\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(${JSON.stringify(sock)})\nprint('ready',flush=True)\nwhile True:\n  m=s.recv(65536).decode()\n  open(${JSON.stringify(received)},'a').write(m.replace(chr(10),' | ')+chr(10))\n`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  owner.onClose(() => void recv.kill());
  await new Promise((r) => recv.stdout.once('data', r));
  const text = (): string => (fs.existsSync(received) ? fs.readFileSync(received, 'utf8') : '');
  return { sock, text, messages: () => text().trim().split('\n').filter(Boolean), close: () => void recv.kill() };
}

/** GET a URL: status and body. */
export function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** The agent's /status document on 127.0.0.1:port. */
export async function statusOf(port: number): Promise<StatusDocument> {
  return JSON.parse((await httpGet(`http://127.0.0.1:${port}/status`)).body) as StatusDocument;
}
