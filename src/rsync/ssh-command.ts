import type { Remote, RsyncConfig } from '../config/types.js';

/**
 * The agent's multiplexed OpenSSH connection to one host (see ssh-master.ts): rsync's ssh
 * joins it through this socket instead of doing its own handshake.
 */
export interface SshControl {
  /**
   * The master's socket (ssh `ControlPath`): a literal path, no `%` tokens, no quotes; null
   * while there is no safe place for it (rsync's ssh then logs in on its own).
   */
  readonly controlPath: string | null;
}

/**
 * ssh options every ssh we start carries: the user's own ssh config, keys and known_hosts stay
 * in force (nothing here weakens host key checking). BatchMode: a login that would prompt for a
 * password or passphrase fails at once with a clear line instead of hanging the lane.
 * `<userDefinedPort>` is the ssh port.
 */
export function sshBaseOptions(rsync: RsyncConfig, connectSec: number): string[] {
  return [
    '-o',
    `ConnectTimeout=${connectSec}`,
    ...(rsync.port !== null ? ['-p', String(rsync.port)] : []),
    '-o',
    'BatchMode=yes',
  ];
}

/**
 * `ControlPath=...` as one ssh word. ssh splits an `-o` line into words itself (quotes
 * honoured), so a path with a space is double-quoted; paths with quotes, backslashes or `%`
 * (ssh expands `%` tokens) never get here (ssh-control-dir.ts picks another directory).
 */
function controlPathOption(socket: string): string {
  return /\s/.test(socket) ? `ControlPath="${socket}"` : `ControlPath=${socket}`;
}

/**
 * How rsync's ssh joins the master: ControlMaster=no never makes it a master itself, and when
 * the socket is missing or dead it simply connects on its own, so a master that is down or
 * restarting costs a handshake, never a failed transfer.
 */
export function sshClientOptions(control: SshControl | undefined): string[] {
  return control?.controlPath ? ['-o', 'ControlMaster=no', '-o', controlPathOption(control.controlPath)] : [];
}

/**
 * The master: `-M -N` (no command), owned by the agent as a child process so its death is seen
 * and it is restarted; ControlPersist=no overrides a user config that would background it.
 * ServerAlive: a link that died silently ends the master within ~30 s (then it is restarted),
 * instead of leaving every rsync to hang on it.
 */
export function sshMasterArgs(rsync: RsyncConfig, remote: Remote, socket: string, connectSec: number): string[] {
  return [
    '-M',
    '-N',
    '-o',
    'ControlPersist=no',
    '-o',
    controlPathOption(socket),
    '-o',
    'ServerAliveInterval=10',
    '-o',
    'ServerAliveCountMax=3',
    ...sshBaseOptions(rsync, connectSec),
    remote.ip,
  ];
}

/** `ssh -O check|exit` for the master at `socket` (the host is needed for config matching only). */
export function sshControlArgs(op: 'check' | 'exit', rsync: RsyncConfig, remote: Remote, socket: string): string[] {
  return [
    '-O',
    op,
    '-o',
    controlPathOption(socket),
    ...(rsync.port !== null ? ['-p', String(rsync.port)] : []),
    remote.ip,
  ];
}

/** A login test for --check: what rsync's ssh does, running `true` instead of rsync. */
export function sshLoginArgs(rsync: RsyncConfig, remote: Remote, connectSec: number): string[] {
  return [...sshBaseOptions(rsync, connectSec), remote.ip, 'true'];
}

/**
 * rsync's `-e` value for these ssh words. rsync splits it on spaces itself (main.c do_cmd), a
 * word in '...' or "..." keeps its spaces and a doubled quote inside stands for itself; no
 * shell is involved. So a word with a space or a quote is single-quoted, `'` written `''`.
 */
export function rshCommand(words: readonly string[]): string {
  return words.map((w) => (w === '' || /[ '"]/.test(w) ? `'${w.replace(/'/g, "''")}'` : w)).join(' ');
}

/** rsync's own -e parser (the inverse of rshCommand), for tests and --check. */
export function splitRshCommand(cmd: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < cmd.length) {
    if (cmd[i] === ' ') {
      i++;
      continue;
    }
    let word = '';
    let quote: string | null = null;
    while (i < cmd.length && (cmd[i] !== ' ' || quote)) {
      const c = cmd[i]!;
      if ((c === "'" || c === '"') && !quote) {
        quote = c;
        i++;
      } else if (c === quote) {
        if (cmd[i + 1] === quote) {
          word += c;
          i += 2;
        } else {
          quote = null;
          i++;
        }
      } else {
        word += c;
        i++;
      }
    }
    out.push(word);
  }
  return out;
}
