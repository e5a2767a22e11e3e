import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startStatusServer, type StatusSource } from '../../../src/status/server.js';
import { memoryLogger } from '../../../src/shared/logger.js';

function send(address: string, method: string, body?: string, type = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`http://${address}/release-deletes`, { method, headers: body !== undefined ? { 'content-type': type } : {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('POST /release-deletes on the status server (real HTTP on 127.0.0.1)', () => {
  const base: StatusSource = { health: () => ({ ok: true, reasons: [] }), status: () => ({}), metrics: () => '' };

  it('hands the root (or null: every root) to the agent and answers what it released', async () => {
    const asked: Array<string | null> = [];
    const srv = (await startStatusServer('127.0.0.1', 0, { ...base, releaseDeletes: (root) => (asked.push(root), root === '/bad' ? { error: '/bad is not a watched root' } : [{ root: root ?? '/all', paths: 3 }]) }, memoryLogger()))!;
    const plain = (await startStatusServer('127.0.0.1', 0, base, memoryLogger()))!;
    try {
      const r = await send(srv.address, 'POST', '{"root":"/srv/www"}');
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body), { released: [{ root: '/srv/www', paths: 3 }] });
      assert.equal((await send(srv.address, 'POST', '{"root":null}')).status, 200);
      assert.deepEqual(asked, ['/srv/www', null]);
      const bad = await send(srv.address, 'POST', '{"root":"/bad"}');
      assert.deepEqual([bad.status, JSON.parse(bad.body).error], [400, '/bad is not a watched root']);
      assert.equal((await send(srv.address, 'POST', '{"root":5}')).status, 400);
      assert.equal((await send(srv.address, 'POST', 'not json')).status, 400);
      assert.equal((await send(srv.address, 'POST', '{"root":null}', 'text/plain')).status, 415, 'only application/json (no cross-origin form posts)');
      assert.equal((await send(srv.address, 'GET')).status, 405);
      assert.equal(asked.length, 3, 'refused requests reach nothing');
      assert.equal((await send(plain.address, 'POST', '{"root":null}')).status, 404);
    } finally {
      await srv.close();
      await plain.close();
    }
  });
});
