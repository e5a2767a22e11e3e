import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT } from '../shared/errors.js';
import type { Io } from '../shared/io.js';
import {
  confxmlLines,
  isSystemOut,
  planProblem,
  receiverFiles,
  renderConf,
  renderUnit,
  type ReceiverPlan,
} from '../receiver/init.js';

const UNIT_DIRS = ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

function randomPassword(): string {
  return Array.from({ length: 24 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

/** The name of id `id` in /etc/passwd or /etc/group, else the number. */
function nameOf(db: string, id: number): string {
  const text = fs.existsSync(db) ? fs.readFileSync(db, 'utf8') : '';
  const hit = text.split('\n').find((l) => l.split(':')[2] === String(id));
  return hit ? hit.split(':')[0]! : String(id);
}

/** The first address another host could reach this one at, for the printed <remote ip>. */
function thisHostAddress(): string {
  const all = Object.values(os.networkInterfaces()).flat();
  return all.find((a) => a && a.family === 'IPv4' && !a.internal)?.address ?? 'BACKUP-HOST-ADDRESS';
}

function rsyncBinary(): string {
  for (const d of (process.env['PATH'] ?? '/usr/bin:/bin').split(':'))
    if (d && fs.existsSync(path.join(d, 'rsync'))) return path.join(d, 'rsync');
  return '/usr/bin/rsync';
}

/** The distribution's unit for the daemon (reads /etc/rsyncd.conf), if it has one. */
function distroUnit(): string | null {
  for (const name of ['rsync.service', 'rsyncd.service'])
    if (UNIT_DIRS.some((d) => fs.existsSync(path.join(d, name)))) return name;
  return null;
}

type Parsed = { plan: Omit<ReceiverPlan, 'owner' | 'password'>; passwordFile: string | null; force: boolean } | string;

function parse(argv: readonly string[]): Parsed {
  let v;
  try {
    v = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        module: { type: 'string' },
        path: { type: 'string' },
        user: { type: 'string' },
        allow: { type: 'string', multiple: true },
        port: { type: 'string' },
        out: { type: 'string' },
        'password-file': { type: 'string' },
        force: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    return (err as Error).message.split('\n')[0]!;
  }
  for (const k of ['module', 'path', 'user'] as const) if (!v[k]) return `--${k} is required`;
  const port = v.port === undefined ? null : Number(v.port);
  if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65535))
    return `--port: expected 1-65535, got "${v.port}"`;
  const plan = {
    module: v.module!,
    path: v.path!,
    user: v.user!,
    allow: (v.allow ?? []).flatMap((a) => a.split(/[\s,]+/)).filter((a) => a !== ''),
    port,
    out: path.resolve(v.out ?? '.'),
  };
  const problem = planProblem(plan);
  return problem ?? { plan, passwordFile: v['password-file'] ?? null, force: v.force ?? false };
}

function readPassword(file: string | null): string {
  if (file === null) return randomPassword();
  const pw = fs.readFileSync(file, 'utf8').split('\n')[0]!.replace(/\r$/, '');
  if (pw === '') throw new Error(`--password-file ${file}: its first line is empty`);
  return pw;
}

export function runReceiverInit(argv: readonly string[], io: Io): number {
  const p = parse(argv);
  if (typeof p === 'string') {
    io.err(`sersync-ts: receiver init: ${p} (see sersync-ts receiver --help)`);
    return EXIT.USAGE;
  }
  let password: string;
  try {
    password = readPassword(p.passwordFile);
  } catch (err) {
    io.err(`sersync-ts: receiver init: ${(err as Error).message}`);
    return EXIT.FAILURE;
  }
  const unit = isSystemOut(p.plan.out) ? distroUnit() : null;
  const files = receiverFiles({ ...p.plan, password, owner: { user: '', group: '' } });
  const targets = [files.conf, files.secrets, files.clientPassword, ...(unit ? [] : [files.unit])];
  const existing = targets.filter((f) => fs.existsSync(f));
  if (existing.length > 0 && !p.force) {
    io.err(`sersync-ts: receiver init: ${existing.join(', ')} already exist(s): move them away or pass --force`);
    return EXIT.FAILURE;
  }
  const created = !fs.existsSync(p.plan.path);
  fs.mkdirSync(p.plan.path, { recursive: true, mode: 0o755 });
  fs.mkdirSync(p.plan.out, { recursive: true });
  const st = fs.statSync(p.plan.path);
  const plan: ReceiverPlan = {
    ...p.plan,
    password,
    owner: { user: nameOf('/etc/passwd', st.uid), group: nameOf('/etc/group', st.gid) },
  };
  writeFiles(plan, unit);
  report(plan, unit, created, p.passwordFile !== null, io);
  return EXIT.OK;
}

function writeFiles(plan: ReceiverPlan, unit: string | null): void {
  const f = receiverFiles(plan);
  const put = (file: string, text: string, mode: number): void => {
    fs.writeFileSync(file, text, { mode });
    fs.chmodSync(file, mode); // an existing file (--force) keeps its old mode otherwise
  };
  put(f.conf, renderConf(plan), 0o644);
  put(f.secrets, `${plan.user}:${plan.password}\n`, 0o600);
  put(f.clientPassword, `${plan.password}\n`, 0o600);
  if (!unit) put(f.unit, renderUnit(plan, rsyncBinary()), 0o644);
}

function report(plan: ReceiverPlan, unit: string | null, created: boolean, given: boolean, io: Io): void {
  const f = receiverFiles(plan);
  const who = `${plan.owner.user}:${plan.owner.group}`;
  io.out(`${created ? 'created' : 'kept'} ${plan.path} (owner ${who}: the daemon writes as ${who})`);
  io.out(
    `wrote ${f.conf}: module [${plan.module}] -> ${plan.path}, hosts allow ${plan.allow.length > 0 ? plan.allow.join(' ') : 'any (give --allow SOURCE-NETWORK to narrow it)'}`,
  );
  io.out(`wrote ${f.secrets} (mode 600): user ${plan.user}, ${given ? 'the password given' : 'a random password'}`);
  io.out(
    `wrote ${f.clientPassword} (mode 600): copy it to each source host as /etc/rsync.pas (mode 600, owned by the user sersync-ts runs as), then delete it here`,
  );
  if (unit) io.out(`start it: systemctl enable --now ${unit}    (the distribution's unit reads /etc/rsyncd.conf)`);
  else {
    io.out(`wrote ${f.unit}`);
    io.out(
      `start it: cp ${f.unit} /etc/systemd/system/ && systemctl daemon-reload && systemctl enable --now ${path.basename(f.unit)}`,
    );
    io.out(`    (or by hand: rsync --daemon --config=${f.conf})`);
  }
  io.out(`then check it: sersync-ts receiver check --config ${f.conf} --from SOURCE-ADDRESS`);
  io.out('in confxml.xml on each source host, inside <localpath> and <rsync>:');
  for (const l of confxmlLines(plan, thisHostAddress())) io.out(`    ${l}`);
}
