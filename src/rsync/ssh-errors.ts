/**
 * What ssh's own words mean for the agent. `config`: the login itself is refused or cannot be
 * trusted (key, known_hosts, ssh config, no rsync on the remote): a human must fix it, and
 * startup exits 78 as for a refused daemon password. `unreachable`: the host did not answer
 * (down, refused, timed out, DNS): keep running and retrying. Pure.
 */
interface SshProblem {
  readonly kind: 'config' | 'unreachable';
  /** ssh's line, without its `user@host: ` prefix. */
  readonly message: string;
  /** `user@host` when ssh said it (it does for a refused login). */
  readonly who: string | null;
  /** What to do about it. */
  readonly advice: string;
}

interface Rule {
  readonly re: RegExp;
  readonly kind: SshProblem['kind'];
  readonly advice: (target: string) => string;
}

const RULES: readonly Rule[] = [
  {
    re: /Permission denied \(/,
    kind: 'config',
    advice: (t) =>
      `check the key (IdentityFile in your ssh config, or ~/.ssh/id_*), the remote user's authorized_keys, and that \`${t}\` logs in without a prompt`,
  },
  {
    re: /Too many authentication failures/,
    kind: 'config',
    advice: () =>
      'too many keys were offered: set IdentityFile and IdentitiesOnly yes for this host in your ssh config',
  },
  {
    re: /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No (ED25519|RSA|ECDSA)?\s*host key is known/i,
    kind: 'config',
    advice: () =>
      "the host key is not in known_hosts (or changed): verify the host's fingerprint and add it (ssh-keyscan), sersync-ts never skips the check",
  },
  {
    re: /Bad owner or permissions on|Bad configuration option|garbage at end of line|Unsupported option|bad port|terminating, \d+ bad configuration options/i,
    kind: 'config',
    advice: () => 'fix the ssh client configuration named above',
  },
  {
    re: /rsync: (command )?not found|rsync: No such file or directory/,
    kind: 'config',
    advice: () => 'install rsync on the remote (sersync-ts needs >= 3.1 on both ends)',
  },
  {
    re: /Connection refused|Connection timed out|timed out during banner exchange|No route to host|Network is unreachable|Could not resolve hostname|Name or service not known|Connection reset|Connection closed by|kex_exchange_identification|Broken pipe/i,
    kind: 'unreachable',
    advice: () => 'is sshd running on that host and port, and reachable from here?',
  },
];

/** The ssh line that explains a failed ssh or rsync-over-ssh run, classified; null when there is none. */
export function sshProblem(stderr: string, target: string): SshProblem | null {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) => l !== '' && !/^rsync error:|^rsync: connection unexpectedly closed|^Warning: Permanently added/.test(l),
    );
  for (const rule of RULES) {
    const line = lines.find((l) => rule.re.test(l));
    if (!line) continue;
    const m = /^(\S+@\S+?): (.*)$/.exec(line);
    return {
      kind: rule.kind,
      message: (m ? m[2]! : line).replace(/\.$/, ''),
      who: m ? m[1]! : null,
      advice: rule.advice(target),
    };
  }
  return null;
}

/** `ssh to root@127.0.0.1 port 2222: Permission denied (publickey): check the key...`, one line. */
export function sshProblemLine(p: SshProblem, host: string, port: number | null): string {
  return `ssh to ${p.who ?? host} port ${port ?? 22}: ${p.message}: ${p.advice}`;
}
