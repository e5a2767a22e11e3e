import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, makeTestDir, startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import {
  batchesQuiet,
  configXml,
  runAgent,
  runAgentOn,
  startAgentOn,
  whileStopped,
  type AgentProcess,
} from '../../helpers/agent.js';
import { httpReceiver, jsonReceiver, socketOnlySpec, socketPluginXml, tcpReceiver } from '../../helpers/receivers.js';
import { abs } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

describe('command plugin', () => {
  let site: Site, tmp: string, src: string, daemon: RsyncDaemon, record: string, agent: AgentProcess;
  before(async () => {
    site = await startSite('cmd');
    ({ tmp, src, daemon } = site);
    record = path.join(tmp, 'calls.jsonl');
    const recorder = path.join(tmp, 'rec.mjs');
    // At call time, the recorder looks in the module for the file: "runs after the sync" is then a
    // fact recorded by the plugin's own command, not something that became true while we waited.
    fs.writeFileSync(
      recorder,
      `import fs from 'node:fs';
import path from 'node:path';
const [p, out, mod] = process.argv.slice(2);
const rel = process.env.SERSYNC_PATH;
let synced = 'missing';
try {
  const dst = fs.readFileSync(path.join(mod, rel));
  synced = process.env.SERSYNC_EVENT === 'deleted' ? 'still-there' : dst.equals(fs.readFileSync(p)) ? 'same' : 'different';
} catch (e) {
  synced = process.env.SERSYNC_EVENT === 'deleted' && e.code === 'ENOENT' ? 'gone' : 'missing';
}
fs.appendFileSync(out, JSON.stringify({ argv: process.argv.slice(2), event: process.env.SERSYNC_EVENT, rel, isDir: process.env.SERSYNC_ISDIR, synced }) + '\\n');
`,
    );
    agent = await startAgentOn(
      site,
      {
        extraSersync: '<plugin start="true" name="command"/>',
        extraHead: `<plugin name="command"><param prefix="${process.execPath} ${recorder}" suffix="${record} ${daemon.modules['www']}" ignoreError="false"/><filter start="true"><include expression="(.*)\\.php"/><include expression="(.*)\\.hostile"/></filter></plugin>`,
      },
      [],
      // sersync ran the command in its cwd: "x;touch PWNED;.sh" created PWNED there.
      { cwd: tmp },
    );
  });
  after(() => site.close());
  // Complete lines only: a command may have created the file, or be appending its line, as it
  // is read (two CI runs parsed an empty file: "Unexpected end of JSON input").
  const calls = (): { argv: string[]; event: string; rel: string; isDir: string; synced: string }[] =>
    fs.existsSync(record)
      ? fs
          .readFileSync(record, 'utf8')
          .split('\n')
          .slice(0, -1)
          .map((l) => JSON.parse(l) as ReturnType<typeof calls>[number])
      : [];

  it('gets each hostile name as one argument, runs after the sync, and nothing in a name executes', async () => {
    const names = [
      'a b.hostile',
      "q'uote.hostile",
      'd"q.hostile',
      'b`touch PWNED`t.hostile',
      'd$(touch PWNED)x.hostile',
      'semi;touch PWNED.hostile',
      'x;touch PWNED;.hostile',
      'new\nline.hostile',
      '-dash.hostile',
      '中文.hostile',
    ];
    // Written while the agent is stopped: each file is seen (and sent, and told) once, finished.
    await whileStopped(agent, () => {
      for (const n of names) fs.writeFileSync(abs(src, Buffer.from(n).toString('latin1')), `content of ${n}`);
    });
    await waitFor(() => names.every((n) => calls().some((c) => c.argv[0] === path.join(src, n))), {
      what: 'a call per name',
    });
    for (const c of calls()) {
      assert.equal(c.argv.length, 3, 'path, then the two suffix words, nothing split');
      assert.deepEqual(c.argv.slice(1), [record, daemon.modules['www']]);
      assert.equal(c.event, 'updated');
      assert.equal(
        c.synced,
        'same',
        `${c.rel}: when the command ran, the module already held the file with the same content`,
      );
    }
    for (const d of [src, tmp, daemon.modules['www']!, process.cwd()])
      assert.equal(fs.existsSync(path.join(d, 'PWNED')), false, `no PWNED in ${d}`);
  });
  it('the include filter decides which paths run the command; deletes are told as deleted', async () => {
    fs.writeFileSync(path.join(src, 'index.php'), '<?php');
    fs.writeFileSync(path.join(src, 'style.css'), 'x');
    await waitFor(() => calls().some((c) => c.rel === 'index.php'), { what: 'index.php call' });
    fs.unlinkSync(path.join(src, 'index.php'));
    await waitFor(() => calls().some((c) => c.rel === 'index.php' && c.event === 'deleted'), { what: 'delete call' });
    assert.equal(
      calls().find((c) => c.rel === 'index.php' && c.event === 'deleted')!.synced,
      'gone',
      'the delete had reached the module when the command ran',
    );
    assert.equal(
      calls().some((c) => c.rel === 'style.css'),
      false,
      'style.css is not included',
    );
  });
});

describe('a shell prefix without a filter', () => {
  it('is run only with a loud warning', async (t) => {
    const site = await startSite('sh', { t });
    const agent = await startAgentOn(site, {
      extraSersync: '<plugin start="true" name="command"/>',
      extraHead: '<plugin name="command"><param prefix="/bin/sh" suffix="" ignoreError="true"/></plugin>',
    });
    assert.ok(agent.lines.some((l) => /DANGER: the command plugin's prefix is a shell \(\/bin\/sh\)/.test(l)));
    await agent.stop();
  });
});

describe('socket plugin', () => {
  it('sersync format: the absolute path per connection, for a create and a delete; receiver down then up', async (t) => {
    const site = await startSite('sock', { t });
    const { src } = site;
    const port = await freePort();
    const agent = await startAgentOn(site, {
      extraSersync: '<plugin start="true" name="socket"/>',
      extraHead: socketPluginXml(src, port),
    });
    // The receiver is down for the first change.
    fs.writeFileSync(path.join(src, 'early.txt'), 'x');
    await agent.waitForLine(/socket plugin: cannot reach/);
    const rx = await tcpReceiver(site, port);
    await waitFor(() => rx.messages.some((m) => m.toString() === path.join(src, 'early.txt')), {
      what: 'early message after the receiver came up',
    });
    // One more message for the delete (not "exactly 2": a loaded machine may have sent the create twice).
    const told = (): number => rx.messages.filter((m) => m.toString() === path.join(src, 'early.txt')).length;
    await batchesQuiet(agent); // every message for the create has gone out
    const before = told();
    fs.unlinkSync(path.join(src, 'early.txt'));
    await waitFor(() => told() > before, { what: 'message for the delete' });
  });
  it('json format: newline-delimited JSON with kind, isDir, root, path, time', async (t) => {
    const site = await startSite('sockj', { t });
    const { src } = site;
    const rx = await jsonReceiver(site);
    const { port, lines } = rx;
    await startAgentOn(site, {
      extraSersync: '<plugin start="true" name="socket"/>',
      extraHead: socketPluginXml(src, port, 'json'),
    });
    fs.mkdirSync(path.join(src, 'd'));
    fs.writeFileSync(path.join(src, 'd/f.txt'), 'x');
    const json = (l: string): { path: string; kind: string; isDir: boolean; root: string; time: string } =>
      JSON.parse(l) as ReturnType<typeof json>;
    await waitFor(() => lines.some((l) => json(l).path === 'd/f.txt'), { what: 'json for d/f.txt' });
    fs.rmSync(path.join(src, 'd'), { recursive: true });
    await waitFor(() => lines.some((l) => json(l).path === 'd' && json(l).kind === 'deleted'), {
      what: 'json delete of d',
    });
    const created = lines.map(json).find((m) => m.path === 'd');
    assert.ok(created);
    assert.equal(created.isDir, true);
    assert.equal(created.root, src);
    assert.ok(!Number.isNaN(Date.parse(created.time)));
  });
  it('-m socket runs alone, with no rsync daemon at all', async (t) => {
    const dir = makeTestDir('msock', { src: 'plugsrc', t });
    const { src } = dir;
    const rx = await tcpReceiver(dir);
    const { port } = rx;
    const a = runAgentOn(dir, await socketOnlySpec(src, port), ['-m', 'socket']);
    try {
      await a.waitForLine(/plugin "socket" alone \(no rsync\)/);
      fs.writeFileSync(path.join(src, 'alone.txt'), 'x');
      await waitFor(() => rx.messages.some((m) => m.toString() === path.join(src, 'alone.txt')), {
        what: 'message in -m mode',
      });
    } finally {
      assert.equal(await a.stop(), 0);
    }
  });
});

describe('-m and the <inotify> toggles', () => {
  it('with createFolder and moveTo off, -m socket is not told about a new directory (as sersync with that mask)', async (t) => {
    const dir = makeTestDir('mtoggle', { src: 'plugsrc', t });
    const { tmp, src } = dir;
    const rx = await tcpReceiver(dir);
    const { port } = rx;
    const conf = path.join(tmp, 'c.xml');
    const xml = configXml(await socketOnlySpec(src, port));
    // (fs.watch cannot tell a mkdir from a directory moved in: both toggles must be off)
    fs.writeFileSync(
      conf,
      xml
        .replace('<createFolder start="true"/>', '<createFolder start="false"/>')
        .replace('<moveTo start="true"/>', '<moveTo start="false"/>'),
    );
    const a = runAgent(['-m', 'socket', '-o', conf]);
    try {
      await a.waitForLine(/plugin "socket" alone \(no rsync\)/);
      fs.mkdirSync(path.join(src, 'newdir'));
      fs.writeFileSync(path.join(src, 'after.txt'), 'x');
      await waitFor(() => rx.messages.some((m) => m.toString() === path.join(src, 'after.txt')), {
        what: 'the message for the file written after the mkdir',
      });
      assert.deepEqual(
        rx.messages.map(String).filter((m) => m.endsWith('newdir')),
        [],
        'no message for the new directory',
      );
    } finally {
      assert.equal(await a.stop(), 0);
    }
  });
});

describe('refreshCDN and http plugins', () => {
  it("refreshCDN sends sersync's HEAD request, URL-encoded", async (t) => {
    const site = await startSite('cdn', { t });
    const { src } = site;
    const rx = await httpReceiver(site);
    const { port } = rx;
    const agent = await startAgentOn(site, {
      extraSersync: '<plugin start="true" name="refreshCDN"/>',
      extraHead: `<plugin name="refreshCDN"><localpath watch="${src}"><cdninfo domainname="127.0.0.1" port="${port}" username="u s" passwd="p&amp;w"/><sendurl base="http://pic.example/cms"/><regexurl regex="false" match=""/></localpath></plugin>`,
    });
    fs.writeFileSync(path.join(src, 'a b.png'), 'x');
    await waitFor(() => rx.requests.length > 0, { what: 'a CDN request' });
    const r = rx.requests[0]!;
    assert.equal(r.method, 'HEAD');
    assert.equal(
      r.url,
      `/index.jsp?user=u%20s&pswd=p%26w&ok=ok&urls=${encodeURIComponent('http://pic.example/cms/a b.png')}`,
    );
    assert.equal(r.headers.host, '127.0.0.1');
    assert.ok(agent.lines.some((l) => /refreshCDN sends the CDN user name and password in the query string/.test(l)));
  });
  it('http POSTs a JSON document per batch with the configured headers, and retries while the receiver fails', async (t) => {
    const site = await startSite('http', { t });
    const { src } = site;
    const port = await freePort();
    const agent = await startAgentOn(site, {
      extraSersync: '<plugin start="true" name="http"/>',
      extraHead: `<plugin name="http" url="http://127.0.0.1:${port}/hook" timeoutMs="2000"><header name="Authorization" value="Bearer t0ken"/></plugin>`,
    });
    fs.writeFileSync(path.join(src, 'x.txt'), 'x'); // receiver down: kept and retried
    await agent.waitForLine(/http plugin: http:\/\/127\.0\.0\.1:\d+\/hook: .*retrying/);
    const rx = await httpReceiver(site, port);
    await waitFor(() => rx.requests.some((r) => r.body.includes('x.txt')), { what: 'POST with x.txt' });
    const r = rx.requests.find((q) => q.body.includes('x.txt'))!;
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/hook');
    assert.equal(r.headers['authorization'], 'Bearer t0ken');
    assert.equal(r.headers['content-type'], 'application/json');
    const doc = JSON.parse(r.body) as { events: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(doc.events[0]!).sort(), ['isDir', 'kind', 'path', 'root', 'time']);
    assert.deepEqual(
      [doc.events[0]!['kind'], doc.events[0]!['path'], doc.events[0]!['isDir'], doc.events[0]!['root']],
      ['updated', 'x.txt', false, src],
    );
  });
});
