import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { configXml, type ConfigSpec } from '../../helpers/agent.js';
import { editRemoteInvisibly, mirror, put, verifyCli } from '../../helpers/verify.js';
import { abs, diffTrees, snapshot } from '../../helpers/tree.js';
import { displayQuote } from '../../../src/rsync/shell-quote.js';

const same = (src: string, dst: string): string[] => diffTrees(snapshot(src), snapshot(dst));

describe('sersync-ts verify against a real rsync daemon', () => {
  let site: Site, tmp: string, src: string, dst: string, daemon: RsyncDaemon, conf: string;
  const spec = (over: Partial<ConfigSpec> = {}): ConfigSpec => ({
    watch: src,
    remotes: [{ module: 'www' }],
    port: daemon.port,
    passwordFile: daemon.passwordFile,
    statusPort: 0,
    ...over,
  });
  const writeConf = async (over: Partial<ConfigSpec> = {}): Promise<void> => {
    // A status port nobody listens on: "no agent runs", so --repair builds its own lanes.
    fs.writeFileSync(conf, configXml(spec({ statusPort: await freePort(), ...over })));
  };

  before(async () => {
    site = await startSite('verify');
    ({ tmp, src, dst, daemon } = site);
    conf = path.join(tmp, 'confxml.xml');
    put(src, 'a.txt', 'AAAA01');
    put(src, 'd/b.txt', 'bee');
    put(src, 'd/e/c.txt', 'sea');
    await writeConf();
    await mirror(src, daemon);
  });
  after(() => site.close());

  it('an identical tree: exit 0, one "identical" line', async () => {
    const r = await verifyCli(conf);
    assert.equal(r.code, 0, [...r.out, ...r.err].join('\n'));
    assert.deepEqual(r.out.length, 1);
    assert.match(
      r.out[0]!,
      new RegExp(
        `^${src} -> 127\\.0\\.0\\.1::www: identical \\(6 entries checked, 12 B compared by checksum, [\\d.]+ s\\)$`,
      ),
    );
  });

  it('a remote-side edit the quick check misses, a remote-only file and a file missing on the remote: found (exit 1), then repaired (exit 0, same bytes)', async () => {
    editRemoteInvisibly(path.join(dst, 'a.txt'), 'BBBB01');
    put(dst, 'd/extra.txt', 'remote only');
    fs.rmSync(path.join(dst, 'd/e/c.txt'));
    const r = await verifyCli(conf);
    assert.equal(r.code, 1, [...r.out, ...r.err].join('\n'));
    assert.match(
      r.out[0]!,
      /: DRIFT: 3 paths \(1 differ, 1 missing on the remote, 1 extra on the remote\); 6 entries checked/,
    );
    assert.deepEqual(r.out.slice(1), [
      '  differ (1):',
      "    'a.txt'",
      '  missing on the remote (1):',
      "    'd/e/c.txt'",
      '  extra on the remote (1):',
      "    'd/extra.txt'",
    ]);

    const fixed = await verifyCli(conf, ['--repair']);
    assert.equal(fixed.code, 0, [...fixed.out, ...fixed.err].join('\n'));
    assert.ok(
      fixed.out.includes(`repair ${src} -> 127.0.0.1::www: 3 paths sent from here: delivered`),
      fixed.out.join('\n'),
    );
    assert.match(fixed.out.at(-1)!, /: identical \(/);
    assert.deepEqual(same(src, dst), []);
    assert.equal(fs.readFileSync(path.join(dst, 'a.txt'), 'utf8'), 'AAAA01');
  });

  it('a hostile name (spaces, quotes, backticks, $(...), newline, leading dash, non-UTF-8 byte) is shown quoted on one line, executes nothing, and is repaired', async () => {
    const hostile = [
      "sp ace 'q' `touch MARKER` $(touch MARKER)",
      'new\nline',
      '-dash',
      'bad\xffbyte',
      '\n$(touch MARKER)\n',
    ];
    for (const [i, name] of hostile.entries()) fs.writeFileSync(abs(src, name), `content ${i}`);
    await mirror(src, daemon);
    // The first is edited on the remote, the second deleted there; a hostile remote-only name too.
    editRemoteInvisibly(abs(dst, hostile[0]!), 'CONTENT 0');
    fs.rmSync(abs(dst, hostile[1]!));
    fs.writeFileSync(abs(dst, 'remote\n-only `touch MARKER`\xfe'), 'x');
    const r = await verifyCli(conf, [], tmp);
    assert.equal(r.code, 1, [...r.out, ...r.err].join('\n'));
    assert.deepEqual(r.out.slice(1), [
      '  differ (1):',
      `    ${displayQuote(hostile[0]!)}`,
      '  missing on the remote (1):',
      `    ${displayQuote(hostile[1]!)}`,
      '  extra on the remote (1):',
      `    ${displayQuote('remote\n-only `touch MARKER`\xfe')}`,
    ]);
    assert.equal(r.out[4], "    $'new\\nline'");
    const fixed = await verifyCli(conf, ['--repair'], tmp);
    assert.equal(fixed.code, 0, [...fixed.out, ...fixed.err].join('\n'));
    assert.deepEqual(same(src, dst), []);
    for (const dir of [tmp, src, dst, process.cwd()])
      assert.equal(fs.existsSync(path.join(dir, 'MARKER')), false, `no MARKER in ${dir}`);
  });

  it('<filter>-excluded paths are neither reported nor touched (local and remote-only, with and without a glob equivalent)', async () => {
    await writeConf({ filter: ['(.*)\\.(log|bak)', '^cache/*'] });
    put(src, 'x.log', 'local log');
    put(src, 'cache/c', 'local cache');
    await mirror(src, daemon);
    put(dst, 'x.log', 'remote log, different');
    put(dst, 'r.bak', 'remote-only, protected');
    put(dst, 'keep/z.log', 'remote-only under a remote-only dir');
    put(dst, 'cache/c', 'remote cache');
    put(dst, 'stale.txt', 'really extra');
    const r = await verifyCli(conf);
    assert.equal(r.code, 1, [...r.out, ...r.err].join('\n'));
    assert.match(r.out[0]!, /DRIFT: 1 path \(0 differ, 0 missing on the remote, 1 extra on the remote\)/);
    assert.deepEqual(r.out.slice(1), ['  extra on the remote (1):', "    'stale.txt'"]);
    const fixed = await verifyCli(conf, ['--repair']);
    assert.equal(fixed.code, 0, [...fixed.out, ...fixed.err].join('\n'));
    assert.equal(fs.existsSync(path.join(dst, 'stale.txt')), false);
    for (const [rel, text] of [
      ['x.log', 'remote log, different'],
      ['r.bak', 'remote-only, protected'],
      ['keep/z.log', 'remote-only under a remote-only dir'],
      ['cache/c', 'remote cache'],
    ]) {
      assert.equal(fs.readFileSync(path.join(dst, rel!), 'utf8'), text, `${rel} untouched`);
    }
    await writeConf();
  });

  it('auth refused and a stopped daemon: exit 2 with one clear line per remote', async () => {
    await daemon.setServerPassword('not-the-password');
    const refused = await verifyCli(conf);
    await daemon.setServerPassword(daemon.password);
    assert.equal(refused.code, 2);
    assert.deepEqual(refused.out.length, 1);
    assert.match(
      refused.out[0]!,
      /-> 127\.0\.0\.1::www: CANNOT BE CHECKED: rsync exit 5 \(error starting client-server protocol.*\): @ERROR: auth failed on module www/,
    );
    await daemon.stop();
    try {
      const down = await verifyCli(conf, ['--repair']);
      assert.equal(down.code, 2);
      assert.deepEqual(down.out.length, 1, down.out.join('\n'));
      assert.match(
        down.out[0]!,
        /-> 127\.0\.0\.1::www: CANNOT BE CHECKED: rsync exit 10 \(error in socket I\/O \(remote down or unreachable\)\): rsync: \[sender\] failed to connect to 127\.0\.0\.1 \(127\.0\.0\.1\): Connection refused/,
      );
    } finally {
      await daemon.start();
    }
  });
});
