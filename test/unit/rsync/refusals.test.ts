import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyRsyncFailure, refusalLine, refusesOption } from '../../../src/rsync/refusals.js';
import { REFUSAL_TABLE } from '../../../src/rsync/refusal-table.js';
import type { RefusalKind, Side } from '../../../src/rsync/refusal-types.js';

/** Written out again here (not read from the table): who acts and what the runtime does, per answer. */
const EXPECTED: Readonly<Record<string, readonly [RefusalKind, Side]>> = {
  'password-file-mode': ['local', 'this host'],
  'password-file-missing': ['local', 'this host'],
  'auth-failed': ['refused', 'this host or the receiving server'],
  'access-denied': ['refused', 'the receiving server'],
  'unknown-module': ['refused', 'this host or the receiving server'],
  'chroot-failed': ['refused', 'the receiving server'],
  'chdir-failed': ['refused', 'the receiving server'],
  'invalid-uid': ['refused', 'the receiving server'],
  'setid-failed': ['refused', 'the receiving server'],
  'read-only': ['refused', 'the receiving server'],
  'receiver-permission': ['refused', 'the receiving server'],
  'missing-args-rejected': ['refused', 'the receiving server'],
  'no-space': ['full', 'the receiving server'],
  'max-connections': ['transient', 'the receiving server'],
  'protocol-mismatch': ['refused', 'the receiving server'],
  'rsync-too-old': ['refused', 'the receiving server'],
  'sender-permission': ['transient', 'this host'],
  'connection-refused': ['down', 'the receiving server'],
  'no-route': ['down', 'the network'],
  'name-unknown': ['down', 'this host'],
  'connection-closed': ['transient', 'the receiving server'],
  'daemon-error': ['refused', 'the receiving server'],
};

const CTX = {
  module: 'www',
  host: '127.0.0.1',
  user: 'rsyncuser',
  passwordFile: '/etc/rsync.pas',
  port: 8873,
  threads: 10,
  configFile: '/etc/confxml.xml',
};

describe('refusals: every row classifies the stderr rsync printed for it', () => {
  it('covers exactly the expected rows', () => {
    assert.deepEqual(REFUSAL_TABLE.map((r) => r.id).sort(), Object.keys(EXPECTED).sort());
  });
  for (const row of REFUSAL_TABLE) {
    it(`${row.id}: its sample reads as itself, with one line naming who acts`, () => {
      const r = classifyRsyncFailure(row.sample, CTX);
      assert.ok(r, `no row for ${JSON.stringify(row.sample.stderr)}`);
      assert.equal(r.id, row.id);
      assert.deepEqual([r.kind, r.who], EXPECTED[row.id]);
      assert.ok(!r.line.includes('\n'), r.line);
      assert.ok(r.line.startsWith(`${r.answer}: ${r.who} must act`), r.line);
      assert.ok(
        r.causes.length >= 1 && r.causes.every((c) => /^(this host|the receiving server|the network): /.test(c)),
        r.causes.join(' | '),
      );
    });
  }
});

describe('refusals: the causes', () => {
  const of = (id: string): readonly string[] =>
    classifyRsyncFailure(REFUSAL_TABLE.find((r) => r.id === id)!.sample, CTX)!.causes;

  it("auth failed: this host's password file first, then the secrets file mode under strict modes, then auth users", () => {
    const c = of('auth-failed');
    assert.equal(c.length, 3);
    assert.match(
      c[0]!,
      /^this host: the password file \/etc\/rsync\.pas must hold exactly the password of "rsyncuser"/,
    );
    assert.match(c[1]!, /^the receiving server: the secrets file must be mode 600 .*strict modes = yes/);
    assert.match(c[2]!, /^the receiving server: the module's "auth users" must list "rsyncuser"/);
  });
  it('access denied names the address the server saw', () => {
    assert.match(
      of('access-denied')[0]!,
      /"hosts allow" must include this host as the server sees it, localhost \(127\.0\.0\.1\)/,
    );
  });
  it('unknown module names the module and the config file', () => {
    const c = of('unknown-module');
    assert.match(c[0]!, /^this host: <remote name="www"> in \/etc\/confxml\.xml/);
    assert.match(c[1]!, /\[www\] section/);
    assert.match(c[2]!, /"list = no" answers "Unknown module" to a host its "hosts allow"\/"hosts deny" refuses/);
  });
  it('read only explains the same-line comment', () => {
    assert.match(of('read-only')[0]!, /"read only = no".*Badly formed boolean/);
  });
  it('max connections asks for at least -n', () => {
    assert.match(of('max-connections')[0]!, /\(now 1\) to at least 10 /);
  });
  it('without a context, the advice names the config elements', () => {
    const r = classifyRsyncFailure(REFUSAL_TABLE.find((x) => x.id === 'auth-failed')!.sample)!;
    assert.match(r.causes[0]!, /the password file \(<auth passwordfile>\)/);
  });
});

describe('refusals: what is not a row', () => {
  it('success and unknown words give null', () => {
    assert.equal(classifyRsyncFailure({ exitCode: 0, stderr: '@ERROR: auth failed on module www' }), null);
    assert.equal(classifyRsyncFailure({ exitCode: 3, stderr: 'rsync: something new' }), null);
  });
  it('the password prompt is not part of the answer', () => {
    assert.equal(
      classifyRsyncFailure({ exitCode: 5, stderr: 'Password: @ERROR: auth failed on module ok' })!.answer,
      '@ERROR: auth failed on module ok',
    );
  });
  it('a row earlier in the table wins over a later line (read only over the reset connection)', () => {
    const r = classifyRsyncFailure({
      exitCode: 1,
      stderr: 'rsync: [sender] read error: Connection reset by peer (104)\nERROR: module is read only',
    });
    assert.equal(r!.id, 'read-only');
  });
  it("over ssh, ssh's own words come first", () => {
    const r = classifyRsyncFailure(
      {
        exitCode: 255,
        stderr:
          'root@127.0.0.1: Permission denied (publickey,password).\r\nrsync: connection unexpectedly closed (0 bytes received so far) [sender]',
      },
      { ...CTX, ssh: true, port: 2222 },
    );
    assert.equal(r!.id, 'ssh-login');
    assert.equal(r!.kind, 'refused');
    assert.match(
      r!.line,
      /^ssh to root@127\.0\.0\.1 port 2222: Permission denied \(publickey,password\): this host or the receiving server must act: check the key/,
    );
    const down = classifyRsyncFailure(
      { exitCode: 255, stderr: 'ssh: connect to host 127.0.0.1 port 2222: Connection refused' },
      { ...CTX, ssh: true },
    );
    assert.equal(down!.kind, 'down');
  });
  it('one cause is written after a colon, several numbered', () => {
    assert.equal(refusalLine('A', 'this host', ['x']), 'A: this host must act: x');
    assert.equal(refusalLine('A', 'this host', ['this host: x']), 'A: this host must act: x');
    assert.equal(refusalLine('A', 'the network', ['this host: x']), 'A: the network must act: this host: x');
    assert.equal(
      refusalLine('A', 'the network', ['x', 'y']),
      'A: the network must act; check, most likely first: (1) x; (2) y',
    );
  });
});

describe('refusesOption: a daemon that refuses one option', () => {
  // rsync 3.2's words, as a daemon with `refuse options = link-dest` printed them (seed-refused.test.ts).
  const stderr =
    'rsync: [sender] The server is configured to refuse --link-dest\nrsync error: requested action not supported (code 4) at clientserver.c(1113) [sender=3.2.7]\n';
  it('names the option it refused, and only that one', () => {
    assert.equal(refusesOption(stderr, '--link-dest'), true);
    assert.equal(refusesOption(stderr, '--copy-dest'), false);
  });
  it('the option named without a refusal (or a refusal of something else) is not one', () => {
    assert.equal(refusesOption('rsync: change_dir "../x" (in www) failed --link-dest\n', '--link-dest'), false);
    assert.equal(refusesOption('@ERROR: access denied to www from localhost (127.0.0.1)\n', '--link-dest'), false);
  });
});
