import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analysePrefix } from '../../../src/config/command-prefix.js';

const a = (prefix: string): ReturnType<typeof analysePrefix> => analysePrefix(prefix.split(' ').filter(Boolean));

describe('command plugin prefix analysis', () => {
  const runsFile: Array<[string, string]> = [
    ['/bin/sh', 'sh'],
    ['sh', 'sh'],
    ['/usr/bin/env bash', 'bash'],
    ['env -i PATH=/bin dash', 'dash'],
    ['/usr/bin/env -u HOME zsh', 'zsh'],
    ['ksh -e', 'ksh'],
    ['bash -o errexit', 'bash'],
    ['busybox sh', 'sh'],
    ['python3', 'python3'],
    ['/usr/bin/python3.11 -u', 'python3.11'],
    ['perl', 'perl'],
    ['ruby', 'ruby'],
    ['node', 'node'],
    ['/usr/bin/env php', 'php'],
    ['bash --', 'bash'],
  ];
  for (const [prefix, interp] of runsFile) {
    it(`"${prefix}" runs the changed file itself (${interp})`, () => {
      const r = a(prefix);
      assert.equal(r.interpreter, interp);
      assert.equal(r.runsTheFile, true);
      assert.equal(r.evalFlag, null);
    });
  }
  const evals: Array<[string, string]> = [
    ['/bin/sh -c', '-c'],
    ['/usr/bin/env bash -c', '-c'],
    ['bash -ec', '-ec'],
    ['sh -x -c', '-c'],
    ['python3 -c', '-c'],
    ['perl -e', '-e'],
    ['ruby -e', '-e'],
    ['node -e', '-e'],
    ['node --eval', '--eval'],
    ['php -r', '-r'],
  ];
  for (const [prefix, flag] of evals) {
    it(`"${prefix}" makes the file name program text (${flag})`, () => {
      const r = a(prefix);
      assert.equal(r.evalFlag, flag);
      assert.equal(r.runsTheFile, false);
    });
  }
  const safe: Array<[string, string | null]> = [
    ['/usr/bin/convert', null],
    ['/bin/echo CHANGED', null],
    ['/usr/bin/env purge-cache --fast', null],
    ['/bin/sh /opt/hooks/on-change.sh', 'sh'],
    ['bash /opt/hook.sh -c', 'bash'],
    ['python3 /opt/hook.py', 'python3'],
    ['python3 -m mypkg.hook', 'python3'],
    ['/usr/local/bin/node /srv/hook.mjs', 'node'],
    ['/usr/bin/shred', null],
    ['/usr/bin/bashful', null],
  ];
  for (const [prefix, interp] of safe) {
    it(`"${prefix}" runs its own program, not the file`, () => {
      const r = a(prefix);
      assert.equal(r.interpreter, interp);
      assert.equal(r.runsTheFile, false);
      assert.equal(r.evalFlag, null);
    });
  }
});
