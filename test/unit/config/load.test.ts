import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { formatProblem } from '../../../src/config/types.js';
import { fixture } from '../../helpers/paths.js';
import { compileFilter } from '../../../src/watch/filter.js';
import { fromText } from '../../../src/shared/bytepath.js';

const problemsOf = async (file: string): Promise<string[]> => (await loadConfig(file)).problems.map(formatProblem);
const warningsOf = async (file: string): Promise<string[]> => (await loadConfig(file)).warnings.map(formatProblem);
const cfg = (name: string): string => fixture('config', name);

/** One fixture per failure case; each test asserts the exact line an operator sees. */
describe('config problems: one line each, naming file, line, XML path, value and what is expected', () => {
  const cases: Array<[string, string[]]> = [
    ['bad-timeout.xml', ['bad-timeout.xml:14: sersync/rsync/timeout@time: expected a positive integer, got "abc"']],
    ['bad-port.xml', ['bad-port.xml:3: host@port: expected an integer from 0 to 65535, got "70000"']],
    ['missing-watch-dir.xml', ['missing-watch-dir.xml:7: sersync/localpath@watch: "/nonexistent/sersync-ts-fixture" does not exist (create it or fix the path)']],
    ['watch-not-a-dir.xml', ['watch-not-a-dir.xml:7: sersync/localpath@watch: "/etc/passwd" is not a directory']],
    ['empty-watch.xml', ['empty-watch.xml:7: sersync/localpath@watch: missing or empty: give the absolute path of the directory to mirror']],
    ['remote-no-ip.xml', ['remote-no-ip.xml:8: sersync/localpath/remote@ip: missing or empty: give the rsync server address']],
    ['remote-no-name.xml', ['remote-no-name.xml:8: sersync/localpath/remote@name: missing or empty: give the rsync module name']],
    ['no-remote.xml', ['no-remote.xml:7: sersync/localpath/remote: no <remote ip="..." name="..."/> for "/tmp": nowhere to mirror it']],
    ['no-localpath.xml', ['no-localpath.xml:6: sersync/localpath: no <localpath watch="..."> given: nothing to watch']],
    ['bad-regex.xml', ['bad-regex.xml:5: filter/exclude@expression: invalid regular expression "bad[regex": Invalid regular expression: /^(?:bad[regex)$/s: Unterminated character class']],
    ['password-file-missing.xml', ['password-file-missing.xml:12: sersync/rsync/auth@passwordfile: password file /nonexistent/rsync.pas does not exist (create it holding only the password, then chmod 600 /nonexistent/rsync.pas)']],
    ['wrong-root.xml', ["wrong-root.xml:2: sersync-config: the root element must be <head> (sersync's format), got <sersync-config>"]],
    ['malformed.xml', ["malformed.xml:19: not well-formed XML: Expected closing tag 'inotify' (opened in line 17, col 5) instead of closing tag 'sersync'."]],
    ['bad-plugin.xml', ['bad-plugin.xml:17: sersync/plugin@name: unknown plugin "carrierpigeon" (expected command, socket, refreshCDN or http)']],
    ['plugin-bad-regexurl.xml', ['plugin-bad-regexurl.xml:24: plugin[refreshCDN]/localpath/regexurl@match: invalid regular expression "(": Invalid regular expression: /^(?:()$/s: Unterminated group']],
    [
      'plugin-shell-dash-c.xml',
      [
        'plugin-shell-dash-c.xml:21: plugin[command]/param@prefix: "/bin/sh -c" would run each changed file\'s NAME as sh code (sh -c takes program text): a file called "x;rm -rf ~" would run rm. Give a script to run instead, e.g. prefix="/bin/sh /path/to/hook.sh": it gets the path as $1',
      ],
    ],
    [
      'plugin-localpath-outside.xml',
      [
        'plugin-localpath-outside.xml:21: plugin[socket]/localpath@watch: "/srv/img" is not a sync root or inside one (/tmp): beside syncing a plugin is told only about synced paths, and the sync root never changes. Use a directory inside a sync root, or run the plugin alone on that tree with -m socket (and <plugin start="false">)',
      ],
    ],
    [
      'three-errors.xml',
      [
        'three-errors.xml:3: host@port: expected an integer from 0 to 65535, got "-1"',
        'three-errors.xml:7: sersync/localpath@watch: "relative/path" is not an absolute path',
        'three-errors.xml:14: sersync/rsync/timeout@time: expected a positive integer, got "abc"',
      ],
    ],
    ['unbalanced-quote.xml', ['unbalanced-quote.xml:11: sersync/rsync/commonParams@params: unbalanced quote in "-artz --exclude=\'a b"']],
    ['faillog-bad-time.xml', ['faillog-bad-time.xml:17: sersync/failLog@timeToExecute: expected a positive number of minutes, got "soon"']],
    ['faillog-relative-path.xml', ['faillog-relative-path.xml:17: sersync/failLog@path: "logs/fail.sh" is not an absolute path']],
    ['faillog-relative-state-dir.xml', ['faillog-relative-state-dir.xml:17: sersync/failLog@stateDir: expected an absolute directory path, got "state"']],
    ['debounce-bad-delay.xml', ['debounce-bad-delay.xml:18: sersync/debounce@delayMs: expected an integer >= 0, got "-5"']],
    ['debounce-bad-max-delay.xml', ['debounce-bad-max-delay.xml:18: sersync/debounce@maxDelayMs: expected a positive integer, got "0"']],
    ['verify-bad-schedule.xml', ['verify-bad-schedule.xml:18: sersync/verify@schedule: expected a positive number of minutes, got "often"']],
    [
      'verify-no-schedule.xml',
      ['verify-no-schedule.xml:18: sersync/verify@schedule: missing: give the minutes between verify runs, e.g. schedule="1440" (once a day; each run reads both trees in full)'],
    ],
    ['bad-rsync-port.xml', ['bad-rsync-port.xml:13: sersync/rsync/userDefinedPort@port: expected an integer from 1 to 65535, got "99999"']],
    ['auth-no-passwordfile.xml', ['auth-no-passwordfile.xml:12: sersync/rsync/auth@passwordfile: auth is on but no password file is given (set passwordfile="/etc/rsync.pas": a mode 600 file holding only the password)']],
    ['password-file-dir.xml', ['password-file-dir.xml:12: sersync/rsync/auth@passwordfile: password file /tmp is a directory (give the file inside it that holds only the password)']],
    ['filter-boost-only.xml', ['filter-boost-only.xml:5: filter/exclude@expression: invalid regular expression "\\\\Q.tmp\\\\E": \\Q is not supported (escape each special character with \\ instead): JavaScript would read it as a plain "Q"']],
    ['filter-inline-flag.xml', ['filter-inline-flag.xml:5: filter/exclude@expression: invalid regular expression "foo(?i)bar": Invalid regular expression: /^(?:foo(?i)bar)$/s: Invalid group (of the inline flags only a leading (?i) is supported)']],
    ['empty-head.xml', ['empty-head.xml:2: sersync: missing <sersync> section: nothing to watch (add <sersync><localpath watch="/dir"><remote ip=... name=.../></localpath></sersync>)']],
  ];
  for (const [name, expected] of cases) {
    it(name, async () => {
      const got = await problemsOf(cfg(name));
      assert.deepEqual(got, expected.map((l) => `${path.dirname(cfg(name))}/${l}`));
    });
  }
  it('ssh-and-auth.xml: ssh together with auth is rejected with the reason', async () => {
    const got = await problemsOf(cfg('ssh-and-auth.xml'));
    assert.ok(
      got.includes(`${cfg('ssh-and-auth.xml')}:12: sersync/rsync/auth@start: auth cannot be combined with <ssh start="true">: --password-file only works with an rsync daemon (every transfer would fail); over ssh use keys: turn auth off, or turn ssh off`),
      got.join('\n'),
    );
  });
  it('a missing file names the file and what to do', async () => {
    assert.deepEqual(await problemsOf('/nonexistent/confxml.xml'), ['/nonexistent/confxml.xml: cannot read config: no such file (give the config path with -o FILE)']);
  });
});

describe('password file checks', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-pw-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  /** A copy of a fixture whose @PASSFILE@ names a fresh password file (git keeps no mode 600). */
  const withPasswordFile = (content: string, mode: number, template = 'password-file.xml'): string => {
    const pw = path.join(dir, `pas-${mode.toString(8)}-${content.length}`);
    fs.writeFileSync(pw, content);
    fs.chmodSync(pw, mode);
    const xml = fs.readFileSync(cfg(template), 'utf8').replace('@PASSFILE@', pw);
    const f = path.join(dir, `conf-${path.basename(pw)}-${template}`);
    fs.writeFileSync(f, xml);
    return f;
  };
  it('mode 600 holding only the password: accepted', async () => {
    assert.deepEqual(await problemsOf(withPasswordFile('secret\n', 0o600)), []);
  });
  it('mode 644: rejected with the chmod to run', async () => {
    const [line] = await problemsOf(withPasswordFile('secret\n', 0o644));
    assert.match(line!, /:12: sersync\/rsync\/auth@passwordfile: password file \S+ has mode 644; rsync refuses a password file others can read: chmod 600 \S+$/);
  });
  it("the server's user:password secrets file: rejected, saying so", async () => {
    const [line] = await problemsOf(withPasswordFile('rsyncuser:secret\n', 0o600));
    assert.match(line!, /looks like the rsync SERVER's secrets file \("user:password"\); the client's file must hold only the password/);
  });
  it('auth-no-users.xml: auth on without users', async () => {
    const f = withPasswordFile('secret\n', 0o600, 'auth-no-users.xml');
    assert.deepEqual(await problemsOf(f), [`${f}:12: sersync/rsync/auth@users: auth is on but no user is given (set users="rsyncuser")`]);
  });
  it('password-file-several-lines.xml: a password file with several lines', async () => {
    const f = withPasswordFile(fs.readFileSync(cfg('several-lines.pas'), 'utf8'), 0o600, 'password-file-several-lines.xml');
    const pw = /passwordfile="([^"]+)"/.exec(fs.readFileSync(f, 'utf8'))![1]!;
    assert.deepEqual(await problemsOf(f), [
      `${f}:12: sersync/rsync/auth@passwordfile: password file ${pw} has 2 lines; it must hold only the password (it looks like the rsync server's "user:password" secrets file)`,
    ]);
  });
  it('an empty password file: rejected', async () => {
    const [line] = await problemsOf(withPasswordFile('\n', 0o600));
    assert.match(line!, /is empty \(put the rsync password in it\)/);
  });
});

describe('real sersync configs and compatibility', () => {
  it("sersync 2.5.4's shipped confxml.xml parses with sersync's meaning", async () => {
    const r = await loadConfig(fixture('sersync-2.5.4-default.confxml.xml'), { skipDiskChecks: true });
    assert.deepEqual(r.problems, []);
    const c = r.config!;
    assert.deepEqual(c.roots, [{ path: '/opt/tongbu', remotes: [{ ip: '127.0.0.1', module: 'tongbu1', label: '127.0.0.1::tongbu1' }] }]);
    assert.deepEqual(c.rsync.commonParams, ['-artuz']);
    assert.equal(c.rsync.auth, null);
    assert.equal(c.rsync.port, null);
    assert.equal(c.filter.enabled, false);
    assert.deepEqual(c.filter.excludes, ['(.*)\\.svn', '(.*)\\.gz', '^info/*', '^static/*']);
    assert.deepEqual(c.inotify, { delete: true, createFolder: true, createFile: false, closeWrite: true, moveFrom: true, moveTo: true, attrib: false, modify: false });
    assert.deepEqual(c.failLog, { path: '/tmp/rsync_fail_log.sh', timeToExecuteMin: 60, stateDir: null });
    assert.equal(c.crontab.enabled, false);
    assert.equal(c.crontab.scheduleMin, 600);
    assert.equal(c.plugins.command?.prefix, '/bin/sh');
    assert.deepEqual(c.plugins.command?.includes, ['(.*)\\.php', '(.*)\\.sh']);
    assert.equal(c.plugins.socket?.port, 8009);
    assert.equal(c.plugins.refreshCdn?.watch, '/data0/htdocs/cms.xoyo.com/site');
    assert.equal(c.host.port, 8008);
  });
  it("the tutorial's config (stray # text, UTF-8 under an ISO-8859-1 declaration) parses", async () => {
    const r = await loadConfig(fixture('tutorial.confxml.xml'), { skipDiskChecks: true });
    assert.deepEqual(r.problems, []);
    const c = r.config!;
    assert.equal(c.roots[0]!.path, '/var/www/html');
    assert.equal(c.roots[0]!.remotes[0]!.module, 'wwwroot');
    // The copy in test/fixtures names 127.0.0.1 where the tutorial had a private-range address.
    assert.equal(c.roots[0]!.remotes[0]!.ip, '127.0.0.1');
    assert.deepEqual(c.rsync.auth, { user: 'rsyncuser', passwordFile: '/etc/rsync/rsyncd.secrets' });
  });
  it('faillog-empty-time.xml: timeToExecute="" is 120 minutes (sersync\'s 7200 s), with a warning', async () => {
    const r = await loadConfig(cfg('faillog-empty-time.xml'));
    assert.deepEqual(r.problems, []);
    assert.equal(r.config!.failLog.timeToExecuteMin, 120);
    assert.deepEqual(await warningsOf(cfg('faillog-empty-time.xml')), [
      `${cfg('faillog-empty-time.xml')}:17: sersync/failLog@timeToExecute: empty: replaying the fail log every 120 minutes, as sersync did (give a number of minutes, e.g. 60)`,
    ]);
  });
  it('filter-posix-and-flags.xml: boost POSIX classes and a leading (?i) load, and the watcher filter honours them', async () => {
    const r = await loadConfig(cfg('filter-posix-and-flags.xml'));
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.config!.filter.excludes, ['(.*)[[:digit:]]\\.log', '(?i)(.*)\\.bak']);
    const f = compileFilter(r.config!.filter.excludes);
    assert.equal(f.excluded(fromText('logs/app1.log'), false), true);
    assert.equal(f.excluded(fromText('logs/app:.log'), false), false);
    assert.equal(f.excluded(fromText('OLD.BAK'), false), true);
  });
  it('verify-good.xml: <verify schedule="0.5" repair="false"/> is a scheduled, report-only verify (fractions allowed)', async () => {
    const r = await loadConfig(cfg('verify-good.xml'));
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.config!.verify, { enabled: true, scheduleMin: 0.5, repair: false });
  });
  it('no <verify>: off; start="false" parks it (the schedule is then not required)', async () => {
    assert.deepEqual((await loadConfig(cfg('good.xml'))).config!.verify, { enabled: false, scheduleMin: 1440, repair: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-verify-cfg-'));
    const file = path.join(dir, 'c.xml');
    fs.writeFileSync(file, fs.readFileSync(cfg('verify-no-schedule.xml'), 'utf8').replace('<verify repair="false"/>', '<verify start="false"/>'));
    const r = await loadConfig(file);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.config!.verify, { enabled: false, scheduleMin: 1440, repair: true });
  });
  it('element and attribute names are case-insensitive', async () => {
    const r = await loadConfig(cfg('case-insensitive.xml'));
    assert.deepEqual(r.problems, []);
    assert.equal(r.config!.debug, true);
    assert.equal(r.config!.roots[0]!.path, '/tmp');
  });
  it('several <localpath> blocks are all used (with a note that sersync used only the first)', async () => {
    const r = await loadConfig(cfg('several-localpaths.xml'));
    assert.deepEqual(r.config!.roots.map((x) => x.path), ['/tmp', '/var/tmp']);
    assert.ok(r.warnings.some((w) => /all are watched/.test(w.message)));
  });
  it('unknown elements and attributes: one warning each, not an error', async () => {
    const r = await loadConfig(cfg('unknown-element.xml'));
    assert.deepEqual(r.problems, []);
    assert.deepEqual(await warningsOf(cfg('unknown-element.xml')), [
      `${cfg('unknown-element.xml')}:5: bogus: unknown element, ignored`,
      `${cfg('unknown-element.xml')}:9: sersync/localpath/remote@colour: unknown attribute, ignored`,
    ]);
  });
  it('"True" is false, as in sersync, with a warning', async () => {
    const r = await loadConfig(cfg('true-capitalised.xml'));
    assert.equal(r.config!.debug, false);
    assert.match(r.warnings.map((w) => w.message).join('\n'), /"True" means false/);
  });
  it('an element missing entirely gets its default (sersync crashed)', async () => {
    const r = await loadConfig(cfg('good.xml'));
    assert.deepEqual(r.problems, []);
    assert.equal(r.config!.crontab.enabled, false);
    assert.equal(r.config!.inotify.closeWrite, true);
    assert.deepEqual(r.config!.debounce, { delayMs: 20, maxDelayMs: 1000, maxPathsPerDir: 1000, maxPendingPaths: 100000 });
    assert.ok(Object.isFrozen(r.config) && Object.isFrozen(r.config!.roots[0]));
  });
});
