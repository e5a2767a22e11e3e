import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startRsyncDaemon, startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { configXml, runAgent } from '../../helpers/agent.js';
import { cli } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/wait.js';
import { waitForMirror } from '../../helpers/tree.js';

describe('command line', () => {
  let site: Site;
  let tmp: string;
  let daemon: RsyncDaemon;
  let src: string;
  const write = (name: string, xml: string): string => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, xml);
    return f;
  };
  /** A config for this test's daemon: module `www` unless another is named, plus `extraSersync`. */
  const daemonConf = (name: string, module = 'www', extraSersync?: string): string =>
    write(
      name,
      configXml({
        watch: src,
        remotes: [{ module }],
        port: daemon.port,
        passwordFile: daemon.passwordFile,
        ...(extraSersync ? { extraSersync } : {}),
      }),
    );

  before(async () => {
    site = await startSite('cli');
    ({ tmp, src, daemon } = site);
    fs.writeFileSync(path.join(src, 'f'), 'f');
  });
  after(() => site.close());

  it('--help and --version exit 0', () => {
    const h = cli(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.out, /Usage: sersync-ts/);
    const v = cli(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.out, /^sersync-ts \d+\.\d+\.\d+/);
  });

  it('a bad flag or value exits 64 with one line', () => {
    const r = cli(['-x']);
    assert.equal(r.code, 64);
    assert.match(r.err, /^sersync-ts: .*-x.*\n$/);
    const n = cli(['-n', 'abc']);
    assert.equal(n.code, 64);
    assert.match(n.err, /-n\/--threads: expected an integer >= 1, got "abc"/);
  });

  it('-m with an unknown plugin: exit 64 naming the ones there are', () => {
    const m = cli(['-m', 'carrierpigeon']);
    assert.equal(m.code, 64);
    assert.match(m.err, /-m carrierpigeon: unknown plugin \(expected command, socket, refreshCDN, http\)/);
  });

  it('a missing config file exits 78 naming the file', () => {
    const r = cli(['-o', path.join(tmp, 'nope.xml')]);
    assert.equal(r.code, 78);
    assert.match(r.err, /nope\.xml/);
  });

  it('a config with several errors prints one line each and exits 78', () => {
    const xml = configXml({
      watch: path.join(tmp, 'no-such-dir'),
      remotes: [{ module: 'www' }],
      port: daemon.port,
    }).replace('time="30"', 'time="abc"');
    const f = write('bad.xml', xml);
    const r = cli(['-o', f]);
    assert.equal(r.code, 78);
    assert.match(r.err, /bad\.xml:\d+: sersync\/rsync\/timeout@time: expected a positive integer, got "abc"/);
    assert.match(r.err, /bad\.xml:\d+: sersync\/localpath@watch: .*no-such-dir/);
  });

  it('--check validates and prints the rsync command that would run', () => {
    const f = daemonConf('good.xml');
    const r = cli(['--check', '-r', '-o', f]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /'--files-from=-' '--from0'/);
    assert.match(r.out, /'rsyncuser@127\.0\.0\.1::www'/);
  });

  it('<debounce delayMs maxDelayMs> and --delay/--max-delay reach --check and the running agent', async () => {
    const f = daemonConf('debounce.xml', 'www', '<debounce delayMs="35" maxDelayMs="700"/>');
    const plain = cli(['--check', '-o', f]);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /^debounce: 35 ms quiet, at most 700 ms$/m);
    const overridden = cli(['--check', '--delay', '50', '--max-delay', '900', '-o', f]);
    assert.equal(overridden.code, 0, overridden.err);
    assert.match(overridden.out, /^debounce: 50 ms quiet, at most 900 ms$/m);
    const a = runAgent(['-o', f, '-n', '3']);
    await a.waitForLine(/ready in/);
    assert.ok(
      a.lines.some((l) => /debounce: 35 ms quiet, at most 700 ms; at most 3 rsync processes at once/.test(l)),
      a.lines.join('\n'),
    );
    assert.equal(await a.stop(), 0);
    const b = runAgent(['-o', f, '--delay', '50', '--max-delay', '900']);
    await b.waitForLine(/ready in/);
    assert.ok(
      b.lines.some((l) => /debounce: 50 ms quiet, at most 900 ms; at most 10 rsync processes at once/.test(l)),
      b.lines.join('\n'),
    );
    assert.equal(await b.stop(), 0);
  });

  // A receiver that refuses is a remote problem (issue 19): the agent runs, the lane is refused
  // and probed with backoff; --check still exits 78 for it (service.test.ts).
  it('an unknown module at startup: one line naming remote, module and the daemon answer; the agent runs', async () => {
    const f = daemonConf('nomod.xml', 'nosuchmodule');
    const a = runAgent(['-o', f]);
    await a.waitForLine(/ready in/);
    assert.ok(
      a.lines.some((l) => /remote 127\.0\.0\.1::nosuchmodule refused: @ERROR: Unknown module 'nosuchmodule'/.test(l)),
      a.lines.join('\n'),
    );
    assert.equal(await a.stop(), 0);
  });

  it('a refused password at startup: the refusal line, and the agent runs', async () => {
    const pw = path.join(tmp, 'wrong.pas');
    fs.writeFileSync(pw, 'not-the-password\n', { mode: 0o600 });
    const f = write(
      'wrongpw.xml',
      configXml({ watch: src, remotes: [{ module: 'www' }], port: daemon.port, passwordFile: pw }),
    );
    const a = runAgent(['-o', f]);
    await a.waitForLine(/ready in/);
    assert.ok(
      a.lines.some((l) => /remote 127\.0\.0\.1::www refused: @ERROR: auth failed on module www/.test(l)),
      a.lines.join('\n'),
    );
    assert.equal(await a.stop(), 0);
  });

  it('an unreachable remote is not a config error: the agent runs and syncs once it appears', async () => {
    // A daemon of its own, stopped before the agent starts: its port is known and nothing listens.
    const downDir = path.join(tmp, 'down');
    fs.mkdirSync(downDir);
    const late = await startRsyncDaemon(downDir, ['late']);
    await late.stop();
    const lateSrc = path.join(downDir, 'src');
    fs.mkdirSync(lateSrc);
    const f = write(
      'down.xml',
      configXml({ watch: lateSrc, remotes: [{ module: 'late' }], port: late.port, passwordFile: late.passwordFile }),
    );
    const a = runAgent(['-o', f]);
    try {
      await a.waitForLine(/remote 127\.0\.0\.1::late unreachable at startup/);
      await a.waitForLine(/ready in/);
      fs.writeFileSync(path.join(lateSrc, 'while-down.txt'), 'written while the remote was down\n');
      await a.waitForLine(/127\.0\.0\.1::late: 1 path, exit 10/);
      assert.equal(a.child.exitCode, null, 'still running while the remote is down');
      await late.start();
      fs.writeFileSync(path.join(lateSrc, 'after-up.txt'), 'written after the remote appeared\n');
      await waitForMirror(lateSrc, late.modules['late']!, 'the remote that appeared late', { log: () => a.lines });
      assert.ok(
        fs.existsSync(path.join(late.modules['late']!, 'while-down.txt')) &&
          fs.existsSync(path.join(late.modules['late']!, 'after-up.txt')),
      );
      assert.equal(a.child.exitCode, null, 'still running');
    } finally {
      assert.equal(await a.stop(), 0);
      await late.stop();
    }
  });

  it('SIGTERM exits 0', async () => {
    const f = daemonConf('term.xml');
    const a = runAgent(['-o', f]);
    await a.waitForLine(/ready in/);
    await waitFor(() => a.lines.length > 0);
    assert.equal(await a.stop(), 0);
  });
});
