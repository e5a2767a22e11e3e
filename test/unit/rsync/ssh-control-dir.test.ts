import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseControlDir, controlSocket, SOCKET_NAME_MAX } from '../../../src/rsync/ssh-control-dir.js';

describe('chooseControlDir: <state dir>/ssh when a socket fits there', () => {
  it('a usual state directory, also with a space', () => {
    assert.deepEqual(chooseControlDir('/var/lib/sersync-ts', 0), { dir: '/var/lib/sersync-ts/ssh', note: null });
    assert.deepEqual(chooseControlDir('/srv/state dir', 0), { dir: '/srv/state dir/ssh', note: null });
  });
  it('too long for sun_path (107 bytes with ssh’s 17-byte temporary suffix): a short directory under /tmp, said once', () => {
    const long = `/srv/${'x'.repeat(80)}`;
    const c = chooseControlDir(long, 1000);
    assert.match(c.dir, /^\/tmp\/sersync-ts-ssh-1000-[0-9a-f]{8}$/);
    assert.match(c.note ?? '', /too long for a unix socket path/);
    assert.equal(chooseControlDir(long, 1000).dir, c.dir, 'the same on every start');
    assert.ok(Buffer.byteLength(c.dir) + 1 + SOCKET_NAME_MAX + 17 <= 107);
  });
  it('characters ssh or rsync would read as syntax (quotes, backslash, %): the short directory', () => {
    for (const bad of ["/srv/it's", '/srv/say"hi"', '/srv/a\\b', '/srv/100%'])
      assert.match(chooseControlDir(bad, 0).note ?? '', /cannot hold/, bad);
  });
  it('every socket name fits the name budget', () => {
    const s = controlSocket('/d', 'some.host.example', 2222, 4194304, 9999);
    assert.ok(s.length - 3 <= SOCKET_NAME_MAX, s);
    assert.notEqual(
      controlSocket('/d', 'a', 22, 1, 1),
      controlSocket('/d', 'a', 2222, 1, 1),
      'the port is part of the name',
    );
  });
});
