import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRepairRequest, parseRepairRequest } from '../../../src/status/repair-request.js';

describe('POST /repair bodies', () => {
  it('round-trips every name losslessly: UTF-8 as text, anything else as {"b64"}', () => {
    const req = {
      lanes: [
        {
          root: '/src',
          remote: '127.0.0.1::www',
          entries: [
            { path: 'new\nline', kind: 'path' as const },
            { path: 'bad\xffbyte', kind: 'path' as const },
            { path: Buffer.from('é', 'utf8').toString('latin1'), kind: 'path' as const },
            { path: 'd', kind: 'dir-only' as const },
            { path: '.', kind: 'dir-only' as const },
          ],
        },
      ],
    };
    const body = encodeRepairRequest(req);
    assert.match(body, /"path":\{"b64":"YmFk\/2J5dGU="\}/);
    assert.match(body, /"path":"é"/);
    assert.deepEqual(parseRepairRequest(body), req);
  });

  const bad: ReadonlyArray<[string, string, RegExp]> = [
    ['not JSON', '{', /^not JSON/],
    ['no lanes', '{}', /expected \{"lanes": \[\.\.\.\]\}/],
    ['a lane without paths', '{"lanes":[{"root":"/r","remote":"m"}]}', /lanes\[0\]: expected/],
    [
      'an absolute path',
      '{"lanes":[{"root":"/r","remote":"m","paths":[{"path":"/etc/passwd","kind":"path"}]}]}',
      /lanes\[0\]\.paths\[0\]: expected a relative path inside the root, got "\/etc\/passwd"/,
    ],
    [
      'a .. component',
      '{"lanes":[{"root":"/r","remote":"m","paths":[{"path":"a/../../x","kind":"path"}]}]}',
      /relative path inside the root/,
    ],
    [
      'an empty path',
      '{"lanes":[{"root":"/r","remote":"m","paths":[{"path":"","kind":"path"}]}]}',
      /relative path inside the root/,
    ],
    [
      'a bad kind',
      '{"lanes":[{"root":"/r","remote":"m","paths":[{"path":"a","kind":"all"}]}]}',
      /kind: expected one of path, tree, dir-only, got "all"/,
    ],
  ];
  for (const [what, body, re] of bad) {
    it(`rejects ${what} with one line saying what is wrong`, () => {
      const r = parseRepairRequest(body);
      assert.ok('error' in r);
      assert.match(r.error, re);
    });
  }
});
