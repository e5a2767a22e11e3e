import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sshProblem, sshProblemLine } from '../../../src/rsync/ssh-errors.js';

const rsyncTail =
  'rsync: connection unexpectedly closed (0 bytes received so far) [Receiver]\nrsync error: unexplained error (code 255) at io.c(232) [Receiver=3.2.7]';

describe('sshProblem: what ssh said, and whether a human must fix it', () => {
  it('a refused key is a config problem, with the user@host ssh named and a command to try', () => {
    const p = sshProblem(`root@127.0.0.1: Permission denied (publickey).\n${rsyncTail}`, 'ssh -p 2222 127.0.0.1 true')!;
    assert.equal(p.kind, 'config');
    assert.equal(p.who, 'root@127.0.0.1');
    assert.equal(
      sshProblemLine(p, '127.0.0.1', 2222),
      "ssh to root@127.0.0.1 port 2222: Permission denied (publickey): check the key (IdentityFile in your ssh config, or ~/.ssh/id_*), the remote user's authorized_keys, and that `ssh -p 2222 127.0.0.1 true` logs in without a prompt",
    );
  });
  it('an unknown or changed host key is a config problem (never skipped)', () => {
    for (const text of [
      'Host key verification failed.',
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.',
      'No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed.',
    ]) {
      assert.equal(sshProblem(`${text}\n${rsyncTail}`, 'x')?.kind, 'config', text);
    }
  });
  it('no rsync on the remote, a broken ssh config: config problems', () => {
    assert.equal(sshProblem('bash: line 1: rsync: command not found', 'x')?.kind, 'config');
    assert.equal(sshProblem('/etc/ssh/ssh_config: line 3: Bad configuration option: foo', 'x')?.kind, 'config');
    assert.equal(sshProblem('Bad owner or permissions on /root/.ssh/config', 'x')?.kind, 'config');
  });
  it('a host that does not answer is unreachable (keep running), DNS included', () => {
    for (const text of [
      'ssh: connect to host 127.0.0.1 port 2222: Connection refused',
      'ssh: connect to host 10.9.9.9 port 22: Connection timed out',
      'ssh: Could not resolve hostname nowhere: Name or service not known',
      'Connection closed by 127.0.0.1 port 2222',
      'kex_exchange_identification: read: Connection reset by peer',
    ]) {
      assert.equal(sshProblem(`${text}\n${rsyncTail}`, 'x')?.kind, 'unreachable', text);
    }
  });
  it("rsync's own words alone are not an ssh problem", () => {
    assert.equal(sshProblem(rsyncTail, 'x'), null);
    assert.equal(sshProblem('', 'x'), null);
  });
});
