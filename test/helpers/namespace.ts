import fs from 'node:fs';
import path from 'node:path';
import type { RunResult } from './check.js';
import { run } from './packages.js';

/** Shell-quoted. */
export const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs shell text in a private mount namespace with tmpfs over /run, /var/lib and /var/log, so
 * maintainer scripts run for real without touching this machine's. `systemd`: /run/systemd/system
 * exists there, as on a booted system. `hide`: programs made absent (/dev/null bound over them).
 * `bin`: a directory put first on PATH (fake systemctl & co. that record their argv).
 */
export function inNamespace(
  shell: string,
  opts: { systemd: boolean; hide?: readonly string[]; bin?: string },
): RunResult {
  const setup = [
    'mount -t tmpfs tmpfs /run',
    'mount -t tmpfs tmpfs /var/lib',
    'mount -t tmpfs tmpfs /var/log',
    ...(opts.systemd ? ['mkdir -p /run/systemd/system'] : []),
    ...(opts.hide ?? []).filter((p) => fs.existsSync(p)).map((p) => `mount --bind /dev/null ${q(p)}`),
    ...(opts.bin ? [`PATH=${q(opts.bin)}:$PATH`] : []),
  ].join('\n');
  return run('unshare', ['--mount', '--propagation', 'private', 'sh', '-ec', `${setup}\n${shell}`]);
}

/** systemctl, deb-systemd-invoke and deb-systemd-helper that append their argv to `log`. */
export function fakeSystemd(dir: string, log: string): string {
  const bin = path.join(dir, 'fake-systemd');
  fs.mkdirSync(bin, { recursive: true });
  for (const name of ['systemctl', 'deb-systemd-invoke', 'deb-systemd-helper']) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${q(log)}\nexit 0\n`, { mode: 0o755 });
  }
  return bin;
}
