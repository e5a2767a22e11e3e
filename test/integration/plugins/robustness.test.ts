import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { freePort, startRsyncDaemon, type RsyncDaemon } from '../../helpers/rsyncd.js';
import { runAgent, startAgent, configXml, type ConfigSpec } from '../../helpers/agent.js';
import { waitFor } from '../../helpers/wait.js';

const get = (port: number, url: string): Promise<string> =>
  new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: url }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });

/** The value of one sample in a Prometheus text exposition, or 0 when absent. */
const sample = (text: string, line: string): number => {
  const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
  return hit ? Number(hit.slice(line.length + 1)) : 0;
};

/** Newline-delimited JSON messages from every connection. */
function jsonReceiver(port: number): { messages: Record<string, unknown>[]; close: () => Promise<void> } {
  const messages: Record<string, unknown>[] = [];
  const server = net.createServer((s) => {
    let buf = '';
    s.on('data', (c) => {
      buf += c.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const p of parts) if (p) messages.push(JSON.parse(p) as Record<string, unknown>);
    });
  });
  server.listen(port, '127.0.0.1');
  return { messages, close: () => new Promise((r) => server.close(() => r())) };
}

describe('bad plugin settings are refused at startup (exit 78, one problem line)', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-plugbad-'));
    fs.mkdirSync(path.join(tmp, 'src'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const refuse = async (name: string, spec: Partial<ConfigSpec>, re: RegExp): Promise<void> => {
    const conf = path.join(tmp, `${name}.xml`);
    fs.writeFileSync(conf, configXml({ watch: path.join(tmp, 'src'), remotes: [{ module: 'www' }], port: await freePort(), ...spec }));
    const a = runAgent(['-o', conf]);
    assert.equal(await a.exited, 78, a.lines.join('\n'));
    assert.ok(a.lines.some((l) => re.test(l)), `expected ${re} in:\n${a.lines.join('\n')}`);
  };
  it('an invalid regexurl@match names the file, line, XML path and the regex', async () => {
    await refuse(
      'regex',
      {
        extraSersync: '<plugin start="true" name="refreshCDN"/>',
        extraHead: `<plugin name="refreshCDN"><localpath watch="${path.join(tmp, 'src')}"><cdninfo domainname="127.0.0.1" port="80" username="u" passwd="p"/><sendurl base="http://x"/><regexurl regex="true" match="("/></localpath></plugin>`,
      },
      /regex\.xml:\d+: plugin\[refreshCDN\]\/localpath\/regexurl@match: invalid regular expression "\("/,
    );
  });
  it('prefix="/bin/sh -c" is refused with the reason', async () => {
    await refuse(
      'shc',
      { extraSersync: '<plugin start="true" name="command"/>', extraHead: '<plugin name="command"><param prefix="/bin/sh -c" suffix="" ignoreError="true"/></plugin>' },
      /shc\.xml:\d+: plugin\[command\]\/param@prefix: "\/bin\/sh -c" would run each changed file's NAME as sh code/,
    );
  });
  it('a plugin localpath outside every sync root points to -m', async () => {
    fs.mkdirSync(path.join(tmp, 'other'), { recursive: true });
    await refuse(
      'outside',
      { extraSersync: '<plugin start="true" name="socket"/>', extraHead: `<plugin name="socket"><localpath watch="${path.join(tmp, 'other')}"><deshost ip="127.0.0.1" port="9"/></localpath></plugin>` },
      /outside\.xml:\d+: plugin\[socket\]\/localpath@watch: .* is not a sync root or inside one .*-m socket/,
    );
  });
});

describe('a failing plugin never stops syncing, and its failures are logged and counted', () => {
  let tmp: string, daemon: RsyncDaemon;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-plugfail-'));
    daemon = await startRsyncDaemon(tmp, ['www']);
  });
  after(async () => {
    await daemon.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const dst = (rel: string): string => path.join(daemon.modules['www']!, rel);

  it('a command whose program does not exist: logged, counted, and later files still reach the remote', async () => {
    const src = path.join(tmp, 'src-enoent');
    fs.mkdirSync(src);
    const statusPort = await freePort();
    const agent = await startAgent(tmp, {
      watch: src,
      remotes: [{ module: 'www' }],
      port: daemon.port,
      passwordFile: daemon.passwordFile,
      statusPort,
      failLog: path.join(tmp, 'fail-enoent.sh'),
      extraSersync: '<plugin start="true" name="command"/>',
      extraHead: '<plugin name="command"><param prefix="/nonexistent/bin/hook" suffix=""/></plugin>',
    });
    try {
      fs.writeFileSync(path.join(src, 'one.txt'), '1');
      await agent.waitForLine(/command plugin: \/nonexistent\/bin\/hook for .*one\.txt.* failed/);
      fs.writeFileSync(path.join(src, 'two.txt'), '2');
      await waitFor(() => fs.existsSync(dst('two.txt')), { what: 'two.txt on the remote after the plugin failed' });
      await waitFor(async () => sample(await get(statusPort, '/metrics'), 'sersync_plugin_failures_total{plugin="command"}') >= 2, { what: 'two failures counted' });
      assert.equal(agent.child.exitCode, null, 'the agent still runs');
    } finally {
      assert.equal(await agent.stop(), 0);
    }
  });

  it('a command that exits 1 raises sersync_plugin_failures_total and the /status plugin block', async () => {
    const src = path.join(tmp, 'src-exit1');
    fs.mkdirSync(src);
    const statusPort = await freePort();
    const agent = await startAgent(tmp, {
      watch: src,
      remotes: [{ module: 'www' }],
      port: daemon.port,
      passwordFile: daemon.passwordFile,
      statusPort,
      failLog: path.join(tmp, 'fail-exit1.sh'),
      extraSersync: '<plugin start="true" name="command"/>',
      extraHead: '<plugin name="command"><param prefix="/bin/false" suffix=""/></plugin>',
    });
    try {
      const before = sample(await get(statusPort, '/metrics'), 'sersync_plugin_failures_total{plugin="command"}');
      assert.equal(before, 0);
      fs.writeFileSync(path.join(src, 'f.txt'), 'x');
      await waitFor(async () => sample(await get(statusPort, '/metrics'), 'sersync_plugin_failures_total{plugin="command"}') === 1, { what: 'the failure counted in /metrics' });
      const text = await get(statusPort, '/metrics');
      assert.match(text, /# TYPE sersync_plugin_failures_total counter/);
      assert.equal(sample(text, 'sersync_plugin_dropped_total{plugin="command"}'), 0);
      const status = JSON.parse(await get(statusPort, '/status')) as { plugin: { name: string; failures: number; dropped: number } };
      assert.deepEqual(status.plugin, { name: 'command', failures: 1, dropped: 0 });
      assert.ok(agent.lines.some((l) => /command plugin: \/bin\/false for .*f\.txt.* failed \(exit 1\)/.test(l)), 'the failure is logged');
    } finally {
      assert.equal(await agent.stop(), 0);
    }
  });

  it('a command running past param@timeoutMs is killed, logged as timed out and counted', async () => {
    const src = path.join(tmp, 'src-timeout');
    fs.mkdirSync(src);
    const sleeper = path.join(tmp, 'sleep.mjs');
    fs.writeFileSync(sleeper, 'setTimeout(() => {}, 60_000);\n');
    const statusPort = await freePort();
    const agent = await startAgent(tmp, {
      watch: src,
      remotes: [{ module: 'www' }],
      port: daemon.port,
      passwordFile: daemon.passwordFile,
      statusPort,
      failLog: path.join(tmp, 'fail-timeout.sh'),
      extraSersync: '<plugin start="true" name="command"/>',
      extraHead: `<plugin name="command"><param prefix="${process.execPath} ${sleeper}" suffix="" timeoutMs="200"/></plugin>`,
    });
    try {
      fs.writeFileSync(path.join(src, 'slow.txt'), 'x');
      await agent.waitForLine(/command plugin: .* for .*slow\.txt.* failed \(timed out after 200 ms\)/);
      assert.equal(sample(await get(statusPort, '/metrics'), 'sersync_plugin_failures_total{plugin="command"}'), 1);
      fs.writeFileSync(path.join(src, 'after.txt'), 'x');
      await waitFor(() => fs.existsSync(dst('after.txt')), { what: 'after.txt on the remote' });
    } finally {
      assert.equal(await agent.stop(), 0);
    }
  });

  it('a CDN host that does not resolve: logged, and syncing goes on', async () => {
    const src = path.join(tmp, 'src-cdn');
    fs.mkdirSync(src);
    const agent = await startAgent(tmp, {
      watch: src,
      remotes: [{ module: 'www' }],
      port: daemon.port,
      passwordFile: daemon.passwordFile,
      failLog: path.join(tmp, 'fail-cdn.sh'),
      extraSersync: '<plugin start="true" name="refreshCDN"/>',
      extraHead: `<plugin name="refreshCDN"><localpath watch="${src}"><cdninfo domainname="no-such-host.invalid" port="80" username="u" passwd="p"/><sendurl base="http://x"/><regexurl regex="true" match="src-cdn/(.*)"/></localpath></plugin>`,
    });
    try {
      fs.writeFileSync(path.join(src, 'a.png'), 'x');
      await agent.waitForLine(/refreshCDN: purge of "a\.png" failed after 3 attempts/);
      fs.writeFileSync(path.join(src, 'b.png'), 'x');
      await waitFor(() => fs.existsSync(dst('b.png')), { what: 'b.png on the remote' });
      assert.equal(agent.child.exitCode, null);
    } finally {
      assert.equal(await agent.stop(), 0);
    }
  });
});

describe("a plugin's own localpath", () => {
  it('inside the sync root: only that subtree is told, relative to it; everything is still synced', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-plugsub-'));
    const daemon = await startRsyncDaemon(tmp, ['www']);
    const port = await freePort();
    const rx = jsonReceiver(port);
    const src = path.join(tmp, 'A');
    const img = path.join(src, 'img');
    fs.mkdirSync(img, { recursive: true });
    const agent = await startAgent(tmp, {
      watch: src,
      remotes: [{ module: 'www' }],
      port: daemon.port,
      passwordFile: daemon.passwordFile,
      extraSersync: '<plugin start="true" name="socket"/>',
      extraHead: `<plugin name="socket" format="json"><localpath watch="${img}"><deshost ip="127.0.0.1" port="${port}"/></localpath></plugin>`,
    });
    try {
      fs.writeFileSync(path.join(src, 'outside.txt'), 'o');
      await waitFor(() => fs.existsSync(path.join(daemon.modules['www']!, 'outside.txt')), { what: 'outside.txt on the remote' });
      fs.writeFileSync(path.join(img, 'in.png'), 'i');
      await waitFor(() => rx.messages.some((m) => m['path'] === 'in.png'), { what: 'a message for img/in.png' });
      await waitFor(() => fs.existsSync(path.join(daemon.modules['www']!, 'img', 'in.png')), { what: 'img/in.png on the remote' });
      const m = rx.messages.find((x) => x['path'] === 'in.png')!;
      assert.equal(m['root'], img, "the plugin's root is its localpath");
      assert.deepEqual(
        rx.messages.filter((x) => String(x['path']).includes('outside')),
        [],
        'outside.txt (synced before in.png) was not told',
      );
    } finally {
      await agent.stop();
      await daemon.stop();
      await rx.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('-m socket on a tree B beside sync root A: B is told, A is not, nothing is synced', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-plugm-'));
    const daemon = await startRsyncDaemon(tmp, ['www']);
    const port = await freePort();
    const rx = jsonReceiver(port);
    const a = path.join(tmp, 'A');
    const b = path.join(tmp, 'B');
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    const conf = path.join(tmp, 'c.xml');
    fs.writeFileSync(conf, configXml({ watch: a, remotes: [{ module: 'www' }], port: daemon.port, passwordFile: daemon.passwordFile, extraHead: `<plugin name="socket" format="json"><localpath watch="${b}"><deshost ip="127.0.0.1" port="${port}"/></localpath></plugin>` }));
    const agent = runAgent(['-m', 'socket', '-o', conf]);
    try {
      await agent.waitForLine(/plugin "socket" alone \(no rsync\) on /);
      fs.writeFileSync(path.join(a, 'in-a.txt'), 'a');
      fs.writeFileSync(path.join(b, 'in-b.txt'), 'b');
      await waitFor(() => rx.messages.some((m) => m['path'] === 'in-b.txt'), { what: 'a message for B/in-b.txt' });
      assert.equal(rx.messages.find((m) => m['path'] === 'in-b.txt')!['root'], b);
      assert.equal(rx.messages.some((m) => m['path'] === 'in-a.txt'), false, 'A is not watched by -m socket');
    } finally {
      assert.equal(await agent.stop(), 0);
      assert.deepEqual(fs.readdirSync(daemon.modules['www']!), [], 'nothing was synced');
      await daemon.stop();
      await rx.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('changes covered by a full sync', () => {
  it('socket format="json" gets a {"fullSync":true,root} notice (here: -r)', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-plugfull-'));
    const daemon = await startRsyncDaemon(tmp, ['www']);
    const port = await freePort();
    const rx = jsonReceiver(port);
    const src = path.join(tmp, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'old.txt'), 'x');
    const agent = await startAgent(
      tmp,
      { watch: src, remotes: [{ module: 'www' }], port: daemon.port, passwordFile: daemon.passwordFile, extraSersync: '<plugin start="true" name="socket"/>', extraHead: `<plugin name="socket" format="json"><localpath watch="${src}"><deshost ip="127.0.0.1" port="${port}"/></localpath></plugin>` },
      ['-r'],
    );
    try {
      await waitFor(() => rx.messages.some((m) => m['fullSync'] === true), { what: 'a full-sync notice' });
      const n = rx.messages.find((m) => m['fullSync'] === true)!;
      assert.equal(n['root'], src);
      assert.ok(fs.existsSync(path.join(daemon.modules['www']!, 'old.txt')), 'the notice comes after the full sync delivered');
    } finally {
      await agent.stop();
      await daemon.stop();
      await rx.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
  it('http gets a {"fullSync":true,root} POST when a burst rolls up past maxPendingPaths', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-plugroll-'));
    const daemon = await startRsyncDaemon(tmp, ['www']);
    const port = await freePort();
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.end();
      });
    });
    server.listen(port, '127.0.0.1');
    const src = path.join(tmp, 'src');
    fs.mkdirSync(src);
    const agent = await startAgent(tmp, {
      watch: src,
      remotes: [{ module: 'www' }],
      port: daemon.port,
      passwordFile: daemon.passwordFile,
      extraSersync: '<debounce delayMs="300" maxPendingPaths="3"/><plugin start="true" name="http"/>',
      extraHead: `<plugin name="http" url="http://127.0.0.1:${port}/hook"/>`,
    });
    try {
      for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(src, `burst-${i}.txt`), String(i));
      await waitFor(() => bodies.some((b) => (JSON.parse(b) as { fullSync?: boolean }).fullSync === true), { what: 'a fullSync POST' });
      const doc = JSON.parse(bodies.find((b) => (JSON.parse(b) as { fullSync?: boolean }).fullSync === true)!) as { root: string };
      assert.equal(doc.root, src);
      assert.ok(fs.existsSync(path.join(daemon.modules['www']!, 'burst-19.txt')));
    } finally {
      await agent.stop();
      await daemon.stop();
      server.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
