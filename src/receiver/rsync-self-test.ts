/**
 * Whether this host's rsync, as a receiver, takes the deletions sersync-ts sends. A local run
 * (both ends are this rsync) lists an existing file, then a deleted one with
 * --delete-missing-args: the mode check that came with rsync 3.4.3's security fixes, also
 * patched into older distribution rsyncs (Debian 12's main-archive 3.2.7-1+deb12u6), dies on the
 * deleted one's mode-0 entry (rsync issue #910). The agents then delete through directories
 * (lane/missing-args.ts): it works, one rsync run more the first time, a rule per deleted name.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What the self-test found: the finding's text when this rsync rejects them, else null. */
export function missingArgsFinding(rsync = 'rsync'): string | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-receiver-check-'));
  try {
    fs.mkdirSync(path.join(dir, 'src'));
    fs.mkdirSync(path.join(dir, 'dst'));
    fs.writeFileSync(path.join(dir, 'src', 'a'), 'a');
    fs.writeFileSync(path.join(dir, 'dst', 'gone'), 'gone');
    const r = spawnSync(rsync, ['-r', '--files-from=-', '--from0', '--delete-missing-args', 'src/', 'dst/'], {
      cwd: dir,
      input: 'a\0gone\0',
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (r.status !== 2 || !/invalid file mode 0+ for gone/.test(r.stderr)) return null;
    const version = /version\s+(\S+)/.exec(spawnSync(rsync, ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
    return `rsync ${version} here rejects the deletions sersync-ts sends ("invalid file mode 00", the mode check of rsync 3.4.3's security fixes, rsync issue #910): the agents delete through the deleted paths' directories instead (they say so once); install an rsync with the fix (3.5.0 has it; on Debian 12, from bookworm-security)`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
