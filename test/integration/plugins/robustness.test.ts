import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StatusDocument } from '../../../src/daemon/status-doc.js';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, makeTestDir, startSite, type RsyncDaemon, type Site, type TestDir } from '../../helpers/rsyncd.js';
import { runAgentOn, startAgentOn, whileStopped, type AgentProcess, type ConfigSpec } from '../../helpers/agent.js';
import { httpGet, httpReceiver, jsonReceiver } from '../../helpers/receivers.js';
import { waitFor } from '../../helpers/wait.js';

const get = async (port: number, url: string): Promise<string> =>
  (await httpGet(`http://127.0.0.1:${port}${url}`)).body;

/** The value of one sample in a Prometheus text exposition, or 0 when absent. */
const sample = (text: string, line: string): number => {
  const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
  return hit ? Number(hit.slice(line.length + 1)) : 0;
};

describe('bad plugin settings are refused at startup (exit 78, one problem line)', () => {
  let dir: TestDir, tmp: string;
  before(() => {
    dir = makeTestDir('plugbad');
    ({ tmp } = dir);
  });
  after(() => dir.close());
  const refuse = async (name: string, spec: Partial<ConfigSpec>, re: RegExp): Promise<void> => {
    const a = runAgentOn(
      dir,
      { watch: path.join(tmp, 'src'), remotes: [{ module: 'www' }], port: await freePort(), ...spec },
      [],
      { file: `${name}.xml` },
    );
    assert.equal(await a.exited, 78, a.lines.join('\n'));
    assert.ok(
      a.lines.some((l) => re.test(l)),
      `expected ${re} in:\n${a.lines.join('\n')}`,
    );
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
      {
        extraSersync: '<plugin start="true" name="command"/>',
        extraHead: '<plugin name="command"><param prefix="/bin/sh -c" suffix="" ignoreError="true"/></plugin>',
      },
      /shc\.xml:\d+: plugin\[command\]\/param@prefix: "\/bin\/sh -c" would run each changed file's NAME as sh code/,
    );
  });
  it('a plugin localpath outside every sync root points to -m', async () => {
    fs.mkdirSync(path.join(tmp, 'other'), { recursive: true });
    await refuse(
      'outside',
      {
        extraSersync: '<plugin start="true" name="socket"/>',
        extraHead: `<plugin name="socket"><localpath watch="${path.join(tmp, 'other')}"><deshost ip="127.0.0.1" port="9"/></localpath></plugin>`,
      },
      /outside\.xml:\d+: plugin\[socket\]\/localpath@watch: .* is not a sync root or inside one .*-m socket/,
    );
  });
});

describe('a failing plugin never stops syncing, and its failures are logged and counted', () => {
  let site: Site, tmp: string, daemon: RsyncDaemon;
  before(async () => {
    site = await startSite('plugfail');
    ({ tmp, daemon } = site);
  });
  after(() => site.close());
  const dst = (rel: string): string => path.join(daemon.modules['www']!, rel);
  /** An agent on a root of its own (`src-TAG`, fail log `fail-TAG.sh`) with the command plugin running `prefix`. */
  const withCommand = async (
    tag: string,
    prefix: string,
    attrs = '',
  ): Promise<{ src: string; statusPort: number; agent: AgentProcess }> => {
    const src = path.join(tmp, `src-${tag}`);
    fs.mkdirSync(src);
    const statusPort = await freePort();
    const agent = await startAgentOn(site, {
      watch: src,
      statusPort,
      failLog: path.join(tmp, `fail-${tag}.sh`),
      extraSersync: '<plugin start="true" name="command"/>',
      extraHead: `<plugin name="command"><param prefix="${prefix}" suffix=""${attrs}/></plugin>`,
    });
    return { src, statusPort, agent };
  };

  it('a command whose program does not exist: logged, counted, and later files still reach the remote', async () => {
    const { src, statusPort, agent } = await withCommand('enoent', '/nonexistent/bin/hook');
    try {
      fs.writeFileSync(path.join(src, 'one.txt'), '1');
      await agent.waitForLine(/command plugin: \/nonexistent\/bin\/hook for .*one\.txt.* failed/);
      fs.writeFileSync(path.join(src, 'two.txt'), '2');
      await waitFor(() => fs.existsSync(dst('two.txt')), { what: 'two.txt on the remote after the plugin failed' });
      await waitFor(
        async () => sample(await get(statusPort, '/metrics'), 'sersync_plugin_failures_total{plugin="command"}') >= 2,
        { what: 'two failures counted' },
      );
      assert.equal(agent.child.exitCode, null, 'the agent still runs');
    } finally {
      assert.equal(await agent.stop(), 0);
    }
  });

  it('a command that exits 1 raises sersync_plugin_failures_total and the /status plugin block', async () => {
    const { src, statusPort, agent } = await withCommand('exit1', '/bin/false');
    try {
      const before = sample(await get(statusPort, '/metrics'), 'sersync_plugin_failures_total{plugin="command"}');
      assert.equal(before, 0);
      // One delivery, one batch, one call (whileStopped): exactly one failure to count.
      await whileStopped(agent, () => fs.writeFileSync(path.join(src, 'f.txt'), 'x'));
      await waitFor(
        async () => sample(await get(statusPort, '/metrics'), 'sersync_plugin_failures_total{plugin="command"}') === 1,
        { what: 'the failure counted in /metrics' },
      );
      const text = await get(statusPort, '/metrics');
      assert.match(text, /# TYPE sersync_plugin_failures_total counter/);
      assert.equal(sample(text, 'sersync_plugin_dropped_total{plugin="command"}'), 0);
      const status = JSON.parse(await get(statusPort, '/status')) as StatusDocument;
      assert.deepEqual(status.plugin, { name: 'command', failures: 1, dropped: 0 });
      assert.ok(
        agent.lines.some((l) => /command plugin: \/bin\/false for .*f\.txt.* failed \(exit 1\)/.test(l)),
        'the failure is logged',
      );
    } finally {
      assert.equal(await agent.stop(), 0);
    }
  });

  it('a command running past param@timeoutMs is killed, logged as timed out and counted', async () => {
    const sleeper = path.join(tmp, 'sleep.mjs');
    fs.writeFileSync(sleeper, 'setTimeout(() => {}, 60_000);\n');
    const { src, statusPort, agent } = await withCommand(
      'timeout',
      `${process.execPath} ${sleeper}`,
      ' timeoutMs="200"',
    );
    try {
      await whileStopped(agent, () => fs.writeFileSync(path.join(src, 'slow.txt'), 'x'));
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
    const agent = await startAgentOn(site, {
      watch: src,
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
  it('inside the sync root: only that subtree is told, relative to it; everything is still synced', async (t) => {
    const site = await startSite('plugsub', { src: 'A', t });
    const { src, daemon } = site;
    const rx = await jsonReceiver(site);
    const { port } = rx;
    const img = path.join(src, 'img');
    fs.mkdirSync(img, { recursive: true });
    await startAgentOn(site, {
      extraSersync: '<plugin start="true" name="socket"/>',
      extraHead: `<plugin name="socket" format="json"><localpath watch="${img}"><deshost ip="127.0.0.1" port="${port}"/></localpath></plugin>`,
    });
    fs.writeFileSync(path.join(src, 'outside.txt'), 'o');
    await waitFor(() => fs.existsSync(path.join(daemon.modules['www']!, 'outside.txt')), {
      what: 'outside.txt on the remote',
    });
    fs.writeFileSync(path.join(img, 'in.png'), 'i');
    await waitFor(() => rx.messages.some((m) => m['path'] === 'in.png'), { what: 'a message for img/in.png' });
    await waitFor(() => fs.existsSync(path.join(daemon.modules['www']!, 'img', 'in.png')), {
      what: 'img/in.png on the remote',
    });
    const m = rx.messages.find((x) => x['path'] === 'in.png')!;
    assert.equal(m['root'], img, "the plugin's root is its localpath");
    assert.deepEqual(
      rx.messages.filter((x) => String(x['path']).includes('outside')),
      [],
      'outside.txt (synced before in.png) was not told',
    );
  });

  it('-m socket on a tree B beside sync root A: B is told, A is not, nothing is synced', async (t) => {
    const site = await startSite('plugm', { src: 'A', t });
    const { tmp, daemon } = site;
    const rx = await jsonReceiver(site);
    const { port } = rx;
    const a = site.src;
    const b = path.join(tmp, 'B');
    fs.mkdirSync(b);
    const agent = runAgentOn(
      site,
      {
        extraHead: `<plugin name="socket" format="json"><localpath watch="${b}"><deshost ip="127.0.0.1" port="${port}"/></localpath></plugin>`,
      },
      ['-m', 'socket'],
      { file: 'c.xml' },
    );
    try {
      await agent.waitForLine(/plugin "socket" alone \(no rsync\) on /);
      fs.writeFileSync(path.join(a, 'in-a.txt'), 'a');
      fs.writeFileSync(path.join(b, 'in-b.txt'), 'b');
      await waitFor(() => rx.messages.some((m) => m['path'] === 'in-b.txt'), { what: 'a message for B/in-b.txt' });
      assert.equal(rx.messages.find((m) => m['path'] === 'in-b.txt')!['root'], b);
      assert.equal(
        rx.messages.some((m) => m['path'] === 'in-a.txt'),
        false,
        'A is not watched by -m socket',
      );
    } finally {
      assert.equal(await agent.stop(), 0);
      assert.deepEqual(fs.readdirSync(daemon.modules['www']!), [], 'nothing was synced');
    }
  });
});

describe('changes covered by a full sync', () => {
  it('socket format="json" gets a {"fullSync":true,root} notice (here: -r)', async (t) => {
    const site = await startSite('plugfull', { t });
    const { src, daemon } = site;
    const rx = await jsonReceiver(site);
    const { port } = rx;
    fs.writeFileSync(path.join(src, 'old.txt'), 'x');
    await startAgentOn(
      site,
      {
        extraSersync: '<plugin start="true" name="socket"/>',
        extraHead: `<plugin name="socket" format="json"><localpath watch="${src}"><deshost ip="127.0.0.1" port="${port}"/></localpath></plugin>`,
      },
      ['-r'],
    );
    await waitFor(() => rx.messages.some((m) => m['fullSync'] === true), { what: 'a full-sync notice' });
    const n = rx.messages.find((m) => m['fullSync'] === true)!;
    assert.equal(n['root'], src);
    assert.ok(
      fs.existsSync(path.join(daemon.modules['www']!, 'old.txt')),
      'the notice comes after the full sync delivered',
    );
  });
  it('http gets a {"fullSync":true,root} POST when a burst rolls up past maxPendingPaths', async (t) => {
    const site = await startSite('plugroll', { t });
    const { src, daemon } = site;
    const rx = await httpReceiver(site);
    const { port } = rx;
    const { bodies } = rx;
    await startAgentOn(site, {
      extraSersync: '<debounce delayMs="300" maxPendingPaths="3"/><plugin start="true" name="http"/>',
      extraHead: `<plugin name="http" url="http://127.0.0.1:${port}/hook"/>`,
    });
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(src, `burst-${i}.txt`), String(i));
    await waitFor(() => bodies.some((b) => (JSON.parse(b) as { fullSync?: boolean }).fullSync === true), {
      what: 'a fullSync POST',
    });
    const doc = JSON.parse(bodies.find((b) => (JSON.parse(b) as { fullSync?: boolean }).fullSync === true)!) as {
      root: string;
    };
    assert.equal(doc.root, src);
    assert.ok(fs.existsSync(path.join(daemon.modules['www']!, 'burst-19.txt')));
  });
});
