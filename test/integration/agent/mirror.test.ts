import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startSite, type Site } from '../../helpers/rsyncd.js';
import { startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { abs, waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

/** Real agent, real rsync daemon, real files: every operation must end with remote == source. */
describe('mirror: every kind of change reaches the rsync daemon module', () => {
  let tmp: string;
  let src: string;
  let dst: string;
  let outside: string;
  let site: Site;
  let agent: AgentProcess;

  const converged = (what: string): Promise<void> =>
    waitForMirror(src, dst, what, { timeoutMs: 30_000, log: () => agent.lines });

  before(async () => {
    site = await startSite('mirror');
    ({ tmp, src, dst } = site);
    outside = path.join(tmp, 'outside');
    fs.mkdirSync(outside);
    agent = await startAgentOn(site);
  });

  after(async () => {
    const code = await agent?.stop();
    await site?.close();
    assert.equal(code, 0, 'agent exits 0 on SIGTERM');
  });

  it('creates, overwrites, appends, truncates and deletes a file', async () => {
    const f = path.join(src, 'a.txt');
    fs.writeFileSync(f, 'one\n');
    await converged('create');
    fs.writeFileSync(f, 'two, longer than before\n');
    await converged('overwrite');
    fs.appendFileSync(f, 'appended\n');
    await converged('append');
    fs.truncateSync(f, 3);
    await converged('truncate');
    assert.equal(fs.readFileSync(path.join(dst, 'a.txt'), 'utf8'), 'two');
    fs.unlinkSync(f);
    await converged('delete');
    assert.equal(fs.existsSync(path.join(dst, 'a.txt')), false);
  });

  it('mkdir -p ten deep with files written at once, then rm -rf of the tree', async () => {
    let d = path.join(src, 'deep');
    for (let i = 0; i < 10; i++) {
      d = path.join(d, `level${i}`);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, `f${i}.txt`), `file ${i}\n`);
    }
    await converged('mkdir -p');
    assert.ok(
      fs.existsSync(
        path.join(dst, 'deep/level0/level1/level2/level3/level4/level5/level6/level7/level8/level9/f9.txt'),
      ),
    );
    fs.rmSync(path.join(src, 'deep'), { recursive: true });
    await converged('rm -rf');
    assert.equal(fs.existsSync(path.join(dst, 'deep')), false);
  });

  it('renames a file and a directory within the tree', async () => {
    fs.mkdirSync(path.join(src, 'm/sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'm/sub/x'), 'x\n');
    fs.writeFileSync(path.join(src, 'm/old.txt'), 'old\n');
    await converged('setup');
    fs.renameSync(path.join(src, 'm/old.txt'), path.join(src, 'm/new.txt'));
    fs.renameSync(path.join(src, 'm/sub'), path.join(src, 'm/sub2'));
    await converged('renames');
    fs.writeFileSync(path.join(src, 'm/sub2/after-move.txt'), 'later write in the moved dir\n');
    await converged('write into the renamed dir');
    assert.ok(fs.existsSync(path.join(dst, 'm/sub2/after-move.txt')));
  });

  it('a directory moved in from outside arrives with its contents; moved out, it disappears', async () => {
    fs.mkdirSync(path.join(outside, 'in/sub'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'in/i1'), 'i1\n');
    fs.writeFileSync(path.join(outside, 'in/sub/i2'), 'i2\n');
    fs.writeFileSync(path.join(outside, 'loose.txt'), 'loose\n');
    fs.renameSync(path.join(outside, 'in'), path.join(src, 'in'));
    fs.renameSync(path.join(outside, 'loose.txt'), path.join(src, 'loose.txt'));
    await converged('moved in');
    assert.ok(fs.existsSync(path.join(dst, 'in/sub/i2')));
    fs.writeFileSync(path.join(src, 'in/sub/late'), 'late\n');
    await converged('write into moved-in subdir');
    fs.renameSync(path.join(src, 'in'), path.join(outside, 'in-out'));
    fs.renameSync(path.join(src, 'loose.txt'), path.join(outside, 'loose-out.txt'));
    await converged('moved out');
    assert.equal(fs.existsSync(path.join(dst, 'in')), false);
    assert.equal(fs.existsSync(path.join(dst, 'loose.txt')), false);
  });

  it('rm -rf d; mkdir d; echo c > d/c in one breath: the old d/a and d/b vanish remotely', async () => {
    fs.mkdirSync(path.join(src, 'd'));
    fs.writeFileSync(path.join(src, 'd/a'), 'a\n');
    fs.writeFileSync(path.join(src, 'd/b'), 'b\n');
    await converged('setup');
    execFileSync('sh', ['-c', 'rm -rf d; mkdir d; echo c > d/c'], { cwd: src });
    await converged('replace');
    assert.deepEqual(fs.readdirSync(path.join(dst, 'd')).sort(), ['c']);
  });

  it('dotfiles, backups, swap files and vim probe files are synced (no built-in drops)', async () => {
    for (const n of ['.htaccess', '.env', 'notes.txt~', '.x.swp', '4913'])
      fs.writeFileSync(path.join(src, n), `${n}\n`);
    await converged('dotfiles');
    assert.ok(fs.existsSync(path.join(dst, '.htaccess')));
    assert.ok(fs.existsSync(path.join(dst, '4913')));
  });

  it("the root's own mtime follows when top-level entries come and go", async () => {
    fs.writeFileSync(path.join(src, 'top-level-temp'), 'x');
    fs.unlinkSync(path.join(src, 'top-level-temp'));
    const sec = (p: string): number => Math.floor(fs.statSync(p).mtimeMs / 1000);
    await waitFor(() => sec(src) === sec(dst), { what: 'root mtime on the remote' });
  });

  it('symlinks are mirrored as symlinks', async () => {
    fs.symlinkSync('a-target-that-need-not-exist', path.join(src, 'link'));
    await converged('symlink');
    assert.equal(fs.readlinkSync(path.join(dst, 'link')), 'a-target-that-need-not-exist');
  });

  it('hostile names arrive intact and execute nothing', async () => {
    // The commands are relative, as an injected command would run in the agent's cwd or the root.
    const marker = 'PWNED';
    const names: Buffer[] = [
      'with space.txt',
      "single'quote",
      'double"quote',
      `back\`touch ${marker}\`tick`,
      `dollar$(touch ${marker})x`,
      `semi;touch ${marker};x`,
      'amp&amp',
      'pipe|pipe',
      'new\nline',
      'tab\there',
      '-leading-dash',
      '--exclude=*',
      '.leading-dot',
      'back\\slash',
      'star*',
      'question?',
      'br[1].txt',
      'close]',
      '*',
      '?',
      '[',
      ']',
      '中文文件名.txt',
      '😀 emoji.txt',
      'x'.repeat(255),
    ].map((n) => Buffer.from(n.replace(/\//g, '_')));
    names.push(Buffer.from([0x6e, 0x6f, 0x6e, 0x75, 0x74, 0x66, 0x38, 0x2d, 0xff, 0xfe, 0x80]));
    for (const n of names)
      fs.writeFileSync(abs(src, n.toString('latin1')), Buffer.concat([Buffer.from('content of '), n]));
    fs.mkdirSync(abs(src, `dir $(touch ${marker})`));
    fs.writeFileSync(abs(src, `dir $(touch ${marker})/inner \`touch ${marker}\``), 'inner');
    await converged('hostile names');
    for (const n of names)
      assert.ok(fs.existsSync(abs(dst, n.toString('latin1'))), `remote has ${JSON.stringify(n.toString('latin1'))}`);
    // The same names inside a directory, and each name as a directory holding a file.
    for (const n of names) {
      const name = n.toString('latin1');
      fs.mkdirSync(abs(src, `held-dirs/${name}`), { recursive: true });
      fs.writeFileSync(abs(src, `held-dirs/${name}/inner`), 'x');
      fs.mkdirSync(path.join(src, 'held'), { recursive: true });
      fs.writeFileSync(abs(src, `held/${name}`), 'x');
    }
    await converged('hostile names in a directory and as directories');
    // Deleting them: every file on its own, every directory on its own, then the directory holding them all.
    const gone = (rel: string): boolean => !fs.existsSync(abs(dst, rel));
    for (const n of names) fs.unlinkSync(abs(src, n.toString('latin1')));
    await converged('hostile file deletes');
    for (const n of names) assert.ok(gone(n.toString('latin1')), `remote lost ${JSON.stringify(n.toString('latin1'))}`);
    for (const n of names) fs.rmSync(abs(src, `held-dirs/${n.toString('latin1')}`), { recursive: true });
    await converged('hostile directory deletes');
    for (const n of names)
      assert.ok(
        gone(`held-dirs/${n.toString('latin1')}`),
        `remote lost the directory ${JSON.stringify(n.toString('latin1'))}`,
      );
    assert.ok(
      fs.existsSync(abs(dst, `held/${names[0]!.toString('latin1')}`)),
      'held/ is still there before its rm -rf',
    );
    fs.rmSync(path.join(src, 'held'), { recursive: true });
    fs.rmSync(abs(src, `dir $(touch ${marker})`), { recursive: true });
    await converged('rm -rf of the directory holding them');
    assert.ok(gone('held'), 'held/ is gone remotely');
    assert.ok(gone(`dir $(touch ${marker})`));
    for (const dir of [src, dst, tmp, process.cwd(), '/']) {
      assert.equal(
        fs.existsSync(path.join(dir, marker)),
        false,
        `no command in a file name ever ran (${dir}/${marker})`,
      );
    }
  });
});
