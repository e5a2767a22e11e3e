import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startStatusServer, type StatusSource } from '../../../src/status/server.js';
import type { RepairRequest } from '../../../src/status/repair-request.js';
import { memoryLogger } from '../../../src/shared/logger.js';

/** A status source that is healthy and says nothing: each test adds the endpoint it drives. */
const base: StatusSource = {
  health: () => ({ ok: true, reasons: [], live: true }),
  status: () => ({}),
  metrics: () => '',
};

function send(
  address: string,
  method: string,
  body?: string,
  type = 'application/json',
  route = '/repair',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `http://${address}${route}`,
      { method, headers: body !== undefined ? { 'content-type': type } : {} },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('POST /repair on the status server (real HTTP on 127.0.0.1)', () => {
  it('hands the parsed request to the agent and answers its result', async () => {
    const seen: RepairRequest[] = [];
    const srv = (await startStatusServer(
      '127.0.0.1',
      0,
      {
        ...base,
        repair: async (req) => (
          seen.push(req),
          { lanes: [{ root: '/r', remote: 'm', paths: 1, delivered: true, state: 'idle', lastError: null }] }
        ),
      },
      memoryLogger(),
    ))!;
    try {
      const r = await send(
        srv.address,
        'POST',
        '{"lanes":[{"root":"/r","remote":"m","paths":[{"path":{"b64":"/w=="},"kind":"path"}]}]}',
      );
      assert.equal(r.status, 200);
      assert.deepEqual((JSON.parse(r.body) as { lanes: { delivered: boolean }[] }).lanes[0]!.delivered, true);
      assert.deepEqual(seen, [{ lanes: [{ root: '/r', remote: 'm', entries: [{ path: '\xff', kind: 'path' }] }] }]);
      assert.equal((await send(srv.address, 'POST', '{"lanes":[{}]}')).status, 400);
      assert.equal(
        (await send(srv.address, 'POST', '{"lanes":[]}', 'text/plain')).status,
        415,
        'only application/json (no cross-origin form posts)',
      );
      assert.equal((await send(srv.address, 'GET')).status, 405);
    } finally {
      await srv.close();
    }
  });

  it('an agent error (an unknown lane) is a 400 with its words; no repair function: 404', async () => {
    const srv = (await startStatusServer(
      '127.0.0.1',
      0,
      { ...base, repair: async () => ({ error: 'no lane /x -> m' }) },
      memoryLogger(),
    ))!;
    const plain = (await startStatusServer('127.0.0.1', 0, base, memoryLogger()))!;
    try {
      const r = await send(srv.address, 'POST', '{"lanes":[]}');
      assert.deepEqual([r.status, (JSON.parse(r.body) as { error: string }).error], [400, 'no lane /x -> m']);
      assert.equal((await send(plain.address, 'POST', '{"lanes":[]}')).status, 404);
    } finally {
      await srv.close();
      await plain.close();
    }
  });
});

/** POST /release-deletes: the same rules as /repair (loopback, application/json). */
const release = (
  address: string,
  method: string,
  body?: string,
  type = 'application/json',
): Promise<{ status: number; body: string }> => send(address, method, body, type, '/release-deletes');

describe('POST /release-deletes on the status server (real HTTP on 127.0.0.1)', () => {
  it('hands the root (or null: every root) to the agent and answers what it released', async () => {
    const asked: Array<string | null> = [];
    const srv = (await startStatusServer(
      '127.0.0.1',
      0,
      {
        ...base,
        releaseDeletes: (root) => (
          asked.push(root),
          root === '/bad' ? { error: '/bad is not a watched root' } : [{ root: root ?? '/all', paths: 3 }]
        ),
      },
      memoryLogger(),
    ))!;
    const plain = (await startStatusServer('127.0.0.1', 0, base, memoryLogger()))!;
    try {
      const r = await release(srv.address, 'POST', '{"root":"/srv/www"}');
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body), { released: [{ root: '/srv/www', paths: 3 }] });
      assert.equal((await release(srv.address, 'POST', '{"root":null}')).status, 200);
      assert.deepEqual(asked, ['/srv/www', null]);
      const bad = await release(srv.address, 'POST', '{"root":"/bad"}');
      assert.deepEqual(
        [bad.status, (JSON.parse(bad.body) as { error: string }).error],
        [400, '/bad is not a watched root'],
      );
      assert.equal((await release(srv.address, 'POST', '{"root":5}')).status, 400);
      assert.equal((await release(srv.address, 'POST', 'not json')).status, 400);
      assert.equal(
        (await release(srv.address, 'POST', '{"root":null}', 'text/plain')).status,
        415,
        'only application/json (no cross-origin form posts)',
      );
      assert.equal((await release(srv.address, 'GET')).status, 405);
      assert.equal(asked.length, 3, 'refused requests reach nothing');
      assert.equal((await release(plain.address, 'POST', '{"root":null}')).status, 404);
    } finally {
      await srv.close();
      await plain.close();
    }
  });
});
