import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listDir, type ListFs } from '../../../src/watch/scan.js';

const b = (...x: number[]): string => Buffer.from(x).toString('latin1');

/** A directory listing as fs would give it; `typed` fails like node's without d_type. */
function fakeFs(names: Record<string, 'dir' | 'file' | 'gone'>, typed: 'ok' | 'fails', opts: { unreadable?: boolean } = {}): ListFs & { looked: string[] } {
  const looked: string[] = [];
  return {
    looked,
    readdirTyped: () => {
      if (opts.unreadable || typed === 'fails') throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return Object.entries(names).map(([name, t]) => ({ name, isDirectory: () => t === 'dir' }));
    },
    readdirNames: () => {
      if (opts.unreadable) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return Object.keys(names);
    },
    lstat: (p) => {
      const path = typeof p === 'string' ? Buffer.from(p).toString('latin1') : p.toString('latin1');
      looked.push(path);
      const t = names[path.slice(path.lastIndexOf('/') + 1)];
      return t === undefined || t === 'gone' ? undefined : { isDirectory: () => t === 'dir' };
    },
  };
}

const summary = (entries: ReturnType<typeof listDir>): string[] | null => entries && entries.map((e) => `${e.name}${e.isDirectory() ? '/' : ''}`);

describe("listDir: a directory's entries, names as bytes", () => {
  it('the typed listing when the filesystem gives types: no lstat at all', () => {
    const io = fakeFs({ a: 'dir', f: 'file' }, 'ok');
    assert.deepEqual(summary(listDir('/r', io)), ['a/', 'f']);
    assert.deepEqual(io.looked, []);
  });
  it('when the typed listing fails (no d_type: node lstats by a decoded path, and one entry gone fails it all), the names are listed and looked at by their bytes', () => {
    const io = fakeFs({ [b(0x64, 0xff)]: 'dir', [b(0xe9)]: 'file', vanished: 'gone' }, 'fails');
    assert.deepEqual(summary(listDir(Buffer.from(b(0x72, 0xfe), 'latin1'), io)), [`${b(0x64, 0xff)}/`, b(0xe9)]);
    assert.deepEqual(io.looked, [`${b(0x72, 0xfe)}/${b(0x64, 0xff)}`, `${b(0x72, 0xfe)}/${b(0xe9)}`, `${b(0x72, 0xfe)}/vanished`]);
  });
  it('null when the directory cannot be read at all (gone meanwhile)', () => {
    assert.equal(listDir('/r', fakeFs({}, 'ok', { unreadable: true })), null);
  });
});
