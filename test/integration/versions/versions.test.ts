import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  batchesQuiet,
  runAgent,
  whileStopped,
  writeConfig,
  type AgentProcess,
  type ConfigSpec,
} from '../../helpers/agent.js';
import { cliAsync } from '../../helpers/cli.js';
import { makeTestDir, startRsyncDaemon, type TestDir } from '../../helpers/rsyncd.js';
import { startSshd, sshSpec } from '../../helpers/sshd.js';
import { SEAMED_CLI } from '../../helpers/seamed-main.js';
import { waitForMirror } from '../../helpers/tree.js';
import { verifyCli } from '../../helpers/verify.js';
import { waitFor } from '../../helpers/wait.js';

/** Leading dash, $(), backticks, both quotes, a newline, spaces. */
const HOSTILE = '-x $(touch pwned) `id` \'q" \nline.txt';
/** Not UTF-8: only a directory restore can name it (argv is text). */
const NOT_UTF8 = Buffer.from([0x6e, 0xff, 0x2e, 0x74]);
const VERSIONS = '.sersync-versions';
const notVersions = (rel: string): boolean => rel === VERSIONS || rel.startsWith(`${VERSIONS}/`);

interface Target {
  readonly dir: TestDir;
  readonly dst: string;
  readonly spec: ConfigSpec;
  readonly env: NodeJS.ProcessEnv;
}

const versionsXml =
  (keep: string) =>
  (xml: string): string =>
    xml.replace(
      '<ssh start=',
      `<versions start="true" dir="${VERSIONS}" bucket="1h" keep="${keep}"/>\n      <ssh start=`,
    );

/** The injected bucket clock (versions/clock.ts): the agent and the CLI read it at every run. */
function setClock(t: Target, iso: string): void {
  fs.writeFileSync(path.join(t.dir.tmp, 'clock'), iso);
}

function write(t: Target, rel: string | Buffer, text: string, iso: string): void {
  const abs = Buffer.isBuffer(rel) ? Buffer.concat([Buffer.from(`${t.dir.src}/`), rel]) : path.join(t.dir.src, rel);
  fs.mkdirSync(path.dirname(abs.toString()), { recursive: true });
  fs.writeFileSync(abs, text);
  fs.utimesSync(abs, new Date(iso), new Date(iso));
}

function startAgent(t: Target, keep: string, args: readonly string[] = []): AgentProcess {
  const conf = writeConfig(t.dir.tmp, t.spec, 'confxml.xml', versionsXml(keep));
  const agent = runAgent(
    ['-o', conf, '--state-dir', path.join(t.dir.tmp, 'state'), ...args],
    { ...t.env, SERSYNC_TEST_VERSIONS_CLOCK: path.join(t.dir.tmp, 'clock') },
    { command: [process.execPath, SEAMED_CLI] },
  );
  t.dir.onClose(() => agent.stop());
  return agent;
}

const cmd = (t: Target, args: readonly string[]) =>
  cliAsync([...args, '-o', path.join(t.dir.tmp, 'confxml.xml')], {
    env: { ...t.env, SERSYNC_TEST_VERSIONS_CLOCK: path.join(t.dir.tmp, 'clock') },
    script: SEAMED_CLI,
  });

async function restoredText(t: Target, rel: string, at: string, look: string): Promise<string> {
  const r = await cmd(t, ['restore', path.join(t.dir.src, rel), '--at', at, '--to', path.join(t.dir.tmp, look)]);
  assert.equal(r.code, 0, `${r.out}${r.err}`);
  return fs.readFileSync(path.join(t.dir.tmp, look, rel), 'utf8');
}

/**
 * The whole story on one receiver: a.txt overwritten 3 times across 3 buckets, d/ deleted, then
 * versions lists them, restore --at brings each back byte-exact, the mirror stays identical to
 * the source (verify exit 0), and retention removes exactly the expired buckets.
 */
async function story(t: Target): Promise<void> {
  setClock(t, '2030-01-01T09:30:00Z');
  write(t, 'a.txt', 'version one', '2030-01-01T09:30:00Z');
  write(t, 'd/x.txt', 'x in d', '2030-01-01T09:30:00Z');
  write(t, `d/${HOSTILE}`, 'hostile in d', '2030-01-01T09:30:00Z');
  write(t, Buffer.from([...Buffer.from('d/'), ...NOT_UTF8]), 'not utf-8 in d', '2030-01-01T09:30:00Z');
  let agent = startAgent(t, '30d', ['-r']);
  await agent.waitForLine(/ready in \d+ ms/);
  const mirrored = (what: string): Promise<void> =>
    waitForMirror(t.dir.src, t.dst, what, { exclude: notVersions, log: () => agent.lines });
  await mirrored('initial sync');
  for (const [i, text] of [
    [10, 'version two'],
    [11, 'version three'],
    [12, 'version four'],
  ] as const) {
    setClock(t, `2030-01-01T${i}:30:00Z`);
    // Written and stamped while the agent is stopped: it sees (and sends) only the finished file.
    await whileStopped(agent, () => write(t, 'a.txt', text, `2030-01-01T${i}:30:00Z`));
    await mirrored(`a.txt = ${text}`);
  }
  // The same content saved again (an editor's save without a change; or the file sent twice): nothing
  // is replaced, so bucket 12:00 keeps version three. With --ignore-times the receiver's copy of
  // version four was moved into the bucket over it.
  const sent = agent.batchLines().length;
  await whileStopped(agent, () => write(t, 'a.txt', 'version four', '2030-01-01T12:30:00Z'));
  await waitFor(() => agent.batchLines().length > sent, { what: 'the unchanged save sent' });
  await batchesQuiet(agent);
  const bucket12 = path.join(t.dst, VERSIONS, '20300101T1200Z', 'a.txt');
  assert.equal(fs.readFileSync(bucket12, 'utf8'), 'version three', 'an identical save replaced no version');
  setClock(t, '2030-01-01T12:40:00Z');
  fs.rmSync(path.join(t.dir.src, 'd'), { recursive: true });
  await mirrored('rm -rf d');
  const kept = (b: string): string => path.join(t.dst, VERSIONS, b);
  assert.equal(fs.readFileSync(path.join(kept('20300101T1000Z'), 'a.txt'), 'utf8'), 'version one');
  assert.equal(fs.readFileSync(path.join(kept('20300101T1200Z'), 'd', HOSTILE), 'utf8'), 'hostile in d');

  // 600 renames in one directory are 1,200 paths (over maxPathsPerDir): rolled up into one
  // recursive run with --fuzzy, so --delete-delay; the old names must still move into the bucket.
  setClock(t, '2030-01-01T12:45:00Z');
  for (let i = 0; i < 600; i++) write(t, `r/f${i}`, `r ${i}`, '2030-01-01T09:30:00Z');
  await mirrored('600 files in r');
  for (let i = 0; i < 600; i++) fs.renameSync(path.join(t.dir.src, 'r', `f${i}`), path.join(t.dir.src, 'r', `g${i}`));
  await mirrored('600 renames in r');
  for (let i = 0; i < 600; i++)
    assert.equal(fs.readFileSync(path.join(kept('20300101T1200Z'), 'r', `f${i}`), 'utf8'), `r ${i}`, `r/f${i}`);

  const v = await verifyCli(path.join(t.dir.tmp, 'confxml.xml'), [], undefined, t.env);
  assert.equal(v.code, 0, [...v.out, ...v.err].join('\n'));

  const listed = await cmd(t, ['versions', path.join(t.dir.src, 'a.txt')]);
  assert.equal(listed.code, 0, listed.err);
  const rows = listed.out.split('\n').filter((l) => l.endsWith(' a.txt'));
  assert.deepEqual(
    rows.map((l) => l.slice(0, 16)),
    ['2030-01-01 10:00', '2030-01-01 11:00', '2030-01-01 12:00', 'now (mirror)    '],
    listed.out,
  );
  const dirList = await cmd(t, ['versions', path.join(t.dir.src, 'd')]);
  assert.equal(dirList.code, 0, dirList.err);
  for (const name of ['d/x.txt', JSON.stringify(`d/${HOSTILE}`), JSON.stringify(`d/n\ufffd.t`)])
    assert.ok(dirList.out.includes(`2030-01-01 12:00`) && dirList.out.includes(name), `${name} in\n${dirList.out}`);

  assert.equal(await restoredText(t, 'a.txt', '2030-01-01T10:00:00Z', 'at-1000'), 'version one');
  assert.equal(await restoredText(t, 'a.txt', '2030-01-01T10:45:00Z', 'at-1045'), 'version two');
  assert.equal(await restoredText(t, 'a.txt', '2030-01-01T11:45:00Z', 'at-1145'), 'version three');
  assert.equal(await restoredText(t, 'a.txt', '5m', 'at-5m-ago'), 'version four');
  assert.equal(await restoredText(t, `d/${HOSTILE}`, '2030-01-01T12:35:00Z', 'hostile'), 'hostile in d');
  assert.ok(
    !fs.existsSync(path.join(t.dir.tmp, 'pwned')) && !fs.existsSync(path.join(t.dir.src, 'pwned')),
    'no name ran',
  );

  // The directory, into the watched tree: back byte-exact, then mirrored as a normal change.
  const back = await cmd(t, ['restore', path.join(t.dir.src, 'd'), '--at', '2030-01-01T12:35:00Z']);
  assert.equal(back.code, 0, `${back.out}${back.err}`);
  assert.match(back.out, /3 file\(s\), 3 from bucket 20300101T1200Z/);
  assert.equal(fs.readFileSync(path.join(t.dir.src, 'd', 'x.txt'), 'utf8'), 'x in d');
  assert.equal(fs.readFileSync(path.join(t.dir.src, 'd', HOSTILE), 'utf8'), 'hostile in d');
  assert.equal(fs.readFileSync(Buffer.concat([Buffer.from(`${t.dir.src}/d/`), NOT_UTF8]), 'utf8'), 'not utf-8 in d');
  await mirrored('the restored directory');
  assert.equal(await agent.stop(), 0);

  // Retention: keep 2h at 14:30 expires the buckets that ended by 12:30 (10:00, 11:00), not 12:00.
  setClock(t, '2030-01-01T14:30:00Z');
  agent = startAgent(t, '2h', ['-r']); // a full sync too: --delete must leave the versions alone
  await agent.waitForLine(/retention on .*: removed 2 bucket\(s\) 20300101T1000Z\.\.20300101T1100Z/, 60_000);
  assert.deepEqual(fs.readdirSync(path.join(t.dst, VERSIONS)).sort(), ['20300101T1200Z']);
  assert.equal(fs.readFileSync(path.join(kept('20300101T1200Z'), 'a.txt'), 'utf8'), 'version three');
  await waitFor(() => fs.existsSync(path.join(t.dst, 'a.txt')), { what: 'mirror intact' });
  assert.equal(fs.readFileSync(path.join(t.dst, 'a.txt'), 'utf8'), 'version four');
  assert.equal(await agent.stop(), 0);
}

describe('versions and restore (rsync daemon)', () => {
  let t: Target;
  before(async () => {
    const dir = makeTestDir('versions-daemon');
    const daemon = await startRsyncDaemon(dir.tmp, ['www']);
    dir.onClose(() => daemon.stop());
    t = {
      dir,
      dst: daemon.modules['www']!,
      spec: {
        watch: dir.src,
        remotes: [{ module: 'www' }],
        port: daemon.port,
        passwordFile: daemon.passwordFile,
        statusPort: 0,
      },
      env: {},
    };
  });
  after(() => t?.dir.close());
  it('overwrites across 3 buckets and a deleted directory: listed, restored byte-exact, verify 0, retention exact', () =>
    story(t));
});

describe('versions and restore (ssh)', () => {
  let t: Target;
  before(async () => {
    const dir = makeTestDir('versions-ssh');
    const sshd = await startSshd(dir.tmp);
    dir.onClose(() => sshd.stop());
    const dst = sshd.remoteDir('mirror dir');
    t = {
      dir,
      dst,
      spec: sshSpec(sshd, dir.src, dst, { statusPort: 0 }),
      env: sshd.env,
    };
  });
  after(() => t?.dir.close());
  it('the same over ssh', () => story(t));
});
