import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { entryMatches, listMatches } from '../../../src/receiver/hosts.js';
import { lintConf, type FileFacts, type LintFacts } from '../../../src/receiver/lint.js';
import { param, parseBool, parseRsyncdConf } from '../../../src/receiver/rsyncd-conf.js';
import { idIn } from '../../../src/receiver/facts.js';
import { confxmlLines, planProblem, renderConf, renderUnit, type ReceiverPlan } from '../../../src/receiver/init.js';

const dir = (uid: number, mode = 0o755): FileFacts => ({ isDir: true, uid, gid: uid, mode: 0o40000 | mode });
const file = (uid: number, mode: number): FileFacts => ({ isDir: false, uid, gid: uid, mode: 0o100000 | mode });

function facts(files: Record<string, FileFacts>, texts: Record<string, string> = {}): LintFacts {
  const ids: Record<string, number> = { root: 0, nobody: 65534, nogroup: 65534, www: 33 };
  return {
    stat: (p) => files[p] ?? null,
    read: (p) => texts[p] ?? null,
    uid: (n) => (/^\d+$/.test(n) ? Number(n) : (ids[n] ?? null)),
    gid: (n) => (/^\d+$/.test(n) ? Number(n) : (ids[n] ?? null)),
  };
}

const GOOD = `socket options = TCP_NODELAY
use chroot = yes
munge symlinks = no
[www]
path = /b
uid = root
gid = root
read only = no
auth users = u
secrets file = /s
hosts allow = 10.0.0.0/8
`;
const OK_FACTS = facts({ '/b': dir(0), '/s': file(0, 0o600) }, { '/s': 'u:pw\n' });
const lint = (text: string, f = OK_FACTS, from: string | null = '10.1.2.3', threads = 10): string[] =>
  lintConf(parseRsyncdConf(text), f, { from, threads, daemonRoot: true }).map((x) => `${x.level} ${x.line} ${x.text}`);

describe('rsyncd.conf as rsync reads it', () => {
  it('a # after a value stays in it; names ignore case and blanks; a module falls back to the global value; \\ joins lines', () => {
    const c = parseRsyncdConf(
      '# c\nRead Only = yes\n[m]\npath = /x # y\nhosts allow = 1.2.3.4 \\\n 5.6.7.8\n; other\n',
    );
    const m = c.modules[0]!;
    assert.equal(m.params.get('path')!.value, '/x # y');
    assert.equal(param(c, m, 'readonly')!.value, 'yes');
    assert.equal(param(c, m, 'hosts allow')!.value, '1.2.3.4  5.6.7.8');
    assert.equal(param(c, m, 'hosts allow')!.line, 5);
    assert.deepEqual([parseBool('No'), parseBool('TRUE'), parseBool('false # 可写')], [false, true, null]);
  });
  it('hosts allow entries: address, /bits, /netmask, globs; names cannot be told', () => {
    assert.equal(entryMatches('192.168.2.1/24', '192.168.2.77'), true);
    assert.equal(entryMatches('192.168.2.1/24', '127.0.0.1'), false);
    assert.equal(entryMatches('10.0.0.0/255.0.0.0', '10.9.9.9'), true);
    assert.equal(entryMatches('192.168.*', '192.168.4.4'), true);
    assert.equal(entryMatches('127.0.0.1', '127.0.0.1'), true);
    assert.equal(entryMatches('backup.example', '127.0.0.1'), 'unknown');
    assert.equal(listMatches('1.1.1.1, 127.0.0.0/8', '127.0.0.1'), true);
    assert.equal(idIn('root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/:/bin/sh\n', 'www-data'), 33);
  });
});

describe('receiver check findings', () => {
  it('a sound config has none', () => {
    assert.deepEqual(lint(GOOD), []);
  });
  it('each tutorial mistake is one error on its line', () => {
    const cases: [string, string, RegExp][] = [
      ['read only = no', 'read only = false # 可写', /^error 8 .*Badly formed boolean.*the module stays read-only/],
      ['read only = no', 'read only = yes', /^error 8 "read only = yes": sersync-ts writes here/],
      ['read only = no\n', '', /^error 4 no "read only = no": a module is read-only by default/],
      ['path = /b', 'path = /b # 备份', /^error 5 "path = \/b # 备份": .*the path becomes "\/b # 备份"/],
      ['path = /b', 'path = /nope', /^error 5 path \/nope does not exist .*mkdir -p \/nope && chown root:root \/nope/],
      [
        'hosts allow = 10.0.0.0/8',
        'hosts allow = 192.168.2.1/24',
        /^error 11 "hosts allow = 192\.168\.2\.1\/24" leaves out 10\.1\.2\.3 \("@ERROR: access denied"\)/,
      ],
      ['uid = root', 'uid = ghost', /^error 6 uid "ghost" is not a user on this host/],
      ['[www]', 'max connections = 4\n[www]', /^error 4 "max connections = 4" is below what sersync-ts -n 10 needs/],
      ['auth users = u', 'auth users = u, v', /^error 9 auth user "v" has no "v:PASSWORD" line in \/s/],
    ];
    for (const [from, to, re] of cases) {
      const got = lint(GOOD.replace(from, to));
      assert.ok(
        got.some((l) => re.test(l)),
        `${to}: ${got.join(' | ')}`,
      );
      assert.ok(
        got.every((l) => (l.startsWith('error') ? re.test(l) || /Badly|comment/.test(l) : true)),
        `${to}: one error: ${got.join(' | ')}`,
      );
    }
  });
  it('the secrets file: mode others can read, owner, missing', () => {
    assert.match(
      lint(GOOD, facts({ '/b': dir(0), '/s': file(0, 0o644) }, { '/s': 'u:pw\n' })).join('\n'),
      /^error 10 secrets file \/s is mode 644: with "strict modes"/m,
    );
    assert.match(
      lint(GOOD, facts({ '/b': dir(0), '/s': file(33, 0o600) }, { '/s': 'u:pw\n' })).join('\n'),
      /^error 10 secrets file \/s is owned by uid 33: .*chown root \/s/m,
    );
    assert.match(lint(GOOD, facts({ '/b': dir(0) })).join('\n'), /^error 10 secrets file \/s cannot be read/m);
  });
  it('a path the writer cannot write; symlinks munged without chroot; no TCP_NODELAY; hosts deny', () => {
    assert.match(
      lint(
        GOOD.replace('uid = root\ngid = root', 'uid = www\ngid = www'),
        facts({ '/b': dir(0), '/s': file(0, 0o600) }, { '/s': 'u:pw\n' }),
      ).join('\n'),
      /^error 5 the daemon writes as www:www but \/b is owned by 0:0 mode 755 \("Permission denied"\): chown -R www:www \/b/m,
    );
    assert.match(
      lint(GOOD.replace('use chroot = yes\nmunge symlinks = no\n', 'use chroot = no\n')).join('\n'),
      /^warning 2 "use chroot = no" without "munge symlinks = no": symlinks are stored with a "\/rsyncd-munged\/" prefix/m,
    );
    assert.match(
      lint(GOOD.replace('socket options = TCP_NODELAY\n', '')).join('\n'),
      /^warning 0 no "socket options = TCP_NODELAY"/m,
    );
    assert.match(
      lint(GOOD.replace('hosts allow = 10.0.0.0/8', 'hosts deny = 10.1.2.3\nlist = no')).join('\n'),
      /^error 11 "hosts deny = 10\.1\.2\.3" refuses 10\.1\.2\.3 \("@ERROR: Unknown module" \(the module has "list = no"\)\)/m,
    );
    assert.deepEqual(
      lint(GOOD.replace('hosts allow = 10.0.0.0/8', 'hosts allow = 192.168.2.0/24'), OK_FACTS, null),
      [],
      'no --from: hosts not judged',
    );
  });
});

describe('receiver init texts', () => {
  const plan: ReceiverPlan = {
    module: 'www',
    path: '/data/www',
    user: 'rsyncuser',
    password: 'pw',
    allow: ['192.168.2.0/24'],
    port: 873,
    out: '/etc',
    owner: { user: 'www-data', group: 'www-data' },
  };
  it('the conf it writes lints clean, has no comment after a value, and names the system files under /etc', () => {
    const text = renderConf(plan);
    assert.ok(text.split('\n').every((l) => l.startsWith('#') || !l.includes('#')));
    const f = facts(
      { '/data/www': { isDir: true, uid: 33, gid: 33, mode: 0o40755 }, '/etc/rsyncd.secrets': file(0, 0o600) },
      { '/etc/rsyncd.secrets': 'rsyncuser:pw\n' },
    );
    assert.deepEqual(
      lintConf(
        parseRsyncdConf(text),
        { ...f, uid: (n) => (n === 'www-data' ? 33 : null), gid: (n) => (n === 'www-data' ? 33 : null) },
        { from: '192.168.2.9', threads: 10, daemonRoot: true },
      ),
      [],
    );
    assert.match(text, /^log file = \/var\/log\/rsyncd\.log$/m);
    assert.match(text, /^secrets file = \/etc\/rsyncd\.secrets$/m);
  });
  it('names are checked; the unit quotes its words; the confxml lines', () => {
    assert.match(planProblem({ ...plan, module: 'a]b' })!, /--module/);
    assert.match(planProblem({ ...plan, path: 'rel' })!, /--path/);
    assert.match(planProblem({ ...plan, allow: ['host name'] })!, /--allow/);
    assert.equal(planProblem(plan), null);
    assert.match(
      renderUnit({ ...plan, out: '/srv/a b%' }, '/usr/bin/rsync'),
      /^ExecStart="\/usr\/bin\/rsync" --daemon --no-detach "--config=\/srv\/a b%%\/rsyncd\.conf"$/m,
    );
    assert.deepEqual(confxmlLines(plan, '192.0.2.7'), [
      '<remote ip="192.0.2.7" name="www"/>',
      '<auth start="true" users="rsyncuser" passwordfile="/etc/rsync.pas"/>',
      '<userDefinedPort start="true" port="873"/>',
    ]);
  });
});
