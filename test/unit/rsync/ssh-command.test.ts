import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SSH_2222_OPTS } from '../../helpers/ssh-args.js';
import {
  rshCommand,
  splitRshCommand,
  sshControlArgs,
  sshLoginArgs,
  sshMasterArgs,
} from '../../../src/rsync/ssh-command.js';
import type { Remote, RsyncConfig } from '../../../src/config/types.js';

const rsync: RsyncConfig = { commonParams: ['-artz'], auth: null, port: 2222, timeoutSec: null, ssh: true };
const remote: Remote = { ip: '10.0.0.5', module: '/srv/www', label: '10.0.0.5:/srv/www' };

describe('rsync -e quoting (rsync splits the string itself, honouring quotes, no shell)', () => {
  it('round-trips words with spaces, single and double quotes, and empty words', () => {
    for (const words of [
      ['ssh', '-o', 'ControlPath="/a b/c"'],
      ['ssh', "it's", 'say "hi"', 'both \' and "'],
      ['ssh', '', 'x'],
      ['ssh', '-p', '22'],
    ]) {
      assert.deepEqual(splitRshCommand(rshCommand(words)), words, rshCommand(words));
    }
  });
  it('plain words stay unquoted (the common -e reads as before)', () => {
    assert.equal(rshCommand(['ssh', '-o', 'ConnectTimeout=10', '-p', '22']), 'ssh -o ConnectTimeout=10 -p 22');
  });
  it("a doubled quote inside quotes is one literal quote, as in rsync's do_cmd", () => {
    assert.deepEqual(splitRshCommand(`ssh 'it''s' "a ""b"""`), ['ssh', "it's", 'a "b"']);
  });
});

describe('ssh argv', () => {
  const control = '/var/lib/s/ssh/0a1b';
  it('the master: -M -N, ControlPersist=no (never backgrounds itself), BatchMode, the port, the host last', () => {
    const argv = sshMasterArgs(rsync, remote, control, 10);
    assert.deepEqual(argv.slice(0, 4), ['-M', '-N', '-o', 'ControlPersist=no']);
    assert.ok(argv.includes('ControlPath=/var/lib/s/ssh/0a1b'));
    assert.ok(argv.includes('BatchMode=yes'));
    assert.deepEqual(argv.slice(argv.indexOf('-p'), argv.indexOf('-p') + 2), ['-p', '2222']);
    assert.equal(argv.at(-1), '10.0.0.5');
    assert.ok(!argv.some((w) => /StrictHostKeyChecking/i.test(w)), 'host key checking stays the user’s');
  });
  it('-O check / exit name the socket and the host', () => {
    assert.deepEqual(sshControlArgs('check', rsync, remote, control), [
      '-O',
      'check',
      '-o',
      'ControlPath=/var/lib/s/ssh/0a1b',
      '-p',
      '2222',
      '10.0.0.5',
    ]);
    assert.deepEqual(sshControlArgs('exit', { ...rsync, port: null }, remote, control), [
      '-O',
      'exit',
      '-o',
      'ControlPath=/var/lib/s/ssh/0a1b',
      '10.0.0.5',
    ]);
  });
  it('the login test runs `true` with BatchMode', () => {
    assert.deepEqual(sshLoginArgs(rsync, remote, 10), [...SSH_2222_OPTS, '10.0.0.5', 'true']);
  });
});
