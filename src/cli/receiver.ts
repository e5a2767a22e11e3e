import { parseArgs } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { EXIT } from '../shared/errors.js';
import type { Io } from '../shared/io.js';
import { diskFacts } from '../receiver/facts.js';
import { findingLine, lintConf } from '../receiver/lint.js';
import { parseRsyncdConf } from '../receiver/rsyncd-conf.js';
import { missingArgsFinding } from '../receiver/rsync-self-test.js';
import { runReceiverInit } from './receiver-init.js';

const RECEIVER_USAGE = `Usage: sersync-ts receiver init --module NAME --path DIR --user USER [--allow CIDR]... [--port P]
                                [--out DIR] [--password-file FILE] [--force]
       sersync-ts receiver check [--config /etc/rsyncd.conf] [--from ADDR] [-n N]

On the backup host: set up, or lint, the rsync daemon that receives sersync-ts mirrors.

  init    writes DIR/rsyncd.conf, DIR/rsyncd.secrets (0600), DIR/client-NAME.pas (0600: the
          password file to copy to each source host as /etc/rsync.pas), and, unless DIR is /etc
          and the distribution has rsync.service or rsyncd.service, a systemd unit; then prints
          how to start it and the <remote>/<auth> lines for confxml.xml. --out defaults to the
          current directory; existing files are kept unless --force. The password is random
          unless --password-file gives one. The daemon writes as the owner of --path.
  check   one line per finding: a "#" after a value, the secrets file's mode and owner, a missing
          or unwritable path, read only, hosts allow/deny against --from, use chroot and
          symlinks, max connections against -n (default 10), and whether this host's rsync takes
          the deletions sersync-ts sends. Exit 78 when any is an error.`;

/** `sersync-ts receiver ...`: its own arguments, kept out of the agent's parser. */
export async function runReceiver(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    io.out(RECEIVER_USAGE);
    return sub === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (sub === 'init') return runReceiverInit(rest, io);
  if (sub === 'check') return runReceiverCheck(rest, io);
  io.err(`sersync-ts: receiver ${sub}: unknown (expected "init" or "check"; see sersync-ts receiver --help)`);
  return EXIT.USAGE;
}

async function runReceiverCheck(argv: readonly string[], io: Io): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: [...argv],
      strict: true,
      options: { config: { type: 'string' }, from: { type: 'string' }, threads: { type: 'string', short: 'n' } },
    }).values;
  } catch (err) {
    io.err(`sersync-ts: receiver check: ${(err as Error).message.split('\n')[0]} (see sersync-ts receiver --help)`);
    return EXIT.USAGE;
  }
  const threads = v.threads === undefined ? 10 : Number(v.threads);
  if (!Number.isInteger(threads) || threads < 1) {
    io.err(`sersync-ts: receiver check: -n: expected an integer >= 1, got "${v.threads}"`);
    return EXIT.USAGE;
  }
  const file = path.resolve(v.config ?? '/etc/rsyncd.conf');
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    io.err(`sersync-ts: receiver check: cannot read ${file}: ${(err as Error).message}`);
    return EXIT.FAILURE;
  }
  const conf = parseRsyncdConf(text);
  const rsyncFinding = missingArgsFinding();
  const findings = [
    ...lintConf(conf, diskFacts(), { from: v.from ?? null, threads, daemonRoot: true }),
    ...(rsyncFinding ? [{ level: 'warning' as const, line: 0, module: null, text: rsyncFinding }] : []),
  ];
  for (const f of findings) io.out(findingLine(file, f));
  const errors = findings.filter((f) => f.level === 'error').length;
  const mods = conf.modules.map((m) => `[${m.module}]`).join(' ');
  io.out(
    `${file}: ${conf.modules.length} module(s) ${mods}: ${errors} error(s), ${findings.length - errors} warning(s)${v.from ? '' : ' (hosts allow not checked: give --from SOURCE-ADDRESS)'}`,
  );
  return errors > 0 ? EXIT.CONFIG : EXIT.OK;
}
