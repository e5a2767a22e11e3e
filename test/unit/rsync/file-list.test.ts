import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileList } from '../../../src/rsync/file-list.js';
import { fromBytes } from '../../../src/shared/bytepath.js';

describe('fileList', () => {
  it('is each path followed by a NUL', () => {
    assert.deepEqual(fileList(['a', 'b/c', 'sp ace', 'nl\nx']), Buffer.from('a\0b/c\0sp ace\0nl\nx\0'));
  });
  it('is empty for no paths', () => {
    assert.equal(fileList([]).length, 0);
  });
  it('keeps byte paths as their bytes (latin1), including non-UTF-8', () => {
    const raw = Buffer.from([0x61, 0xff, 0x2f, 0xc3, 0xa9]);
    assert.deepEqual(fileList([fromBytes(raw)]), Buffer.concat([raw, Buffer.from([0])]));
  });
});
