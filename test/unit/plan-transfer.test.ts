/*
 * The transfer planner as a table: every case architecture.md §2 describes, and what it must
 * become: the runs, each with its argv (given its temp files: EXCLUDES for the `<filter>` walk's
 * exclude file, RULES for an attribute merge file), its stdin list, cwd, walk, rules and dry run.
 * The argv of every row was captured from the Transfer of before the planner (same disk state,
 * a recording runner), so this table also says "no behaviour change".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SersyncConfig } from '../../src/config/types.js';
import { protectRules } from '../../src/delete-safety/protect-rules.js';
import {
  planFullSync,
  planTransfer,
  type LanePlan,
  type MovedDir,
  type RsyncRun,
} from '../../src/lane/plan-transfer.js';
import type { ResolvedBatch } from '../../src/lane/stat-batch.js';
import type { DirNames } from '../../src/shared/lstat-under.js';
import { planCompare } from '../../src/verify/compare-plan.js';
import type { ConfigSpec } from '../helpers/agent.js';
import { testConfig } from '../helpers/config.js';
import { batch, batchR, DELETE, DELETE_FUZZY, dirsOnly } from '../helpers/rsync-words.js';

const ROOT = '/srv/www';
const BUCKET = '.sersync-versions/20261203T1200Z';

const TRANSPORT = ['--port=873', '--sockopts=TCP_NODELAY', '--contimeout=10', '--timeout=30'];
const DAEMON = [...TRANSPORT, '--stats', './', '127.0.0.1::www'];
const SSH = [
  '-e',
  'ssh -o ConnectTimeout=10 -p 873 -o BatchMode=yes -o ControlMaster=no -o ControlPath=/run/ssh-ctl',
  '--timeout=30',
];
const FULL = ['-artz', '-r', '--info=progress2'];
const VERSIONS = ['--exclude=/.sersync-versions', '--backup', `--backup-dir=${BUCKET}`, '--out-format=%i %n'];
/** `<filter>` regexes that translate to protect globs (`*.tmp`, `/cache`)... */
const FILTER = ['(.*)\\.tmp', '^cache/*'];
/** ...and one that does not: deleting runs that recurse make a dry run first. */
const UNTRANSLATED = '^(a|b)/x[0-9]+$';
const crontabFilter = (xml: string): string =>
  xml.replace(
    '<crontab start="false" schedule="600"/>',
    '<crontab start="false" schedule="600"><crontabfilter start="true"><exclude expression="*.php"/><exclude expression="info/*"/></crontabfilter></crontab>',
  );

interface Row {
  readonly name: string;
  readonly spec?: Partial<ConfigSpec>;
  readonly edit?: (xml: string) => string;
  readonly versions?: true;
  readonly ssh?: true;
  readonly resolved?: Partial<ResolvedBatch>;
  readonly renamed?: readonly string[];
  readonly moves?: readonly MovedDir[];
  readonly held?: true;
  readonly deletionsFirst?: true;
  /** What the look read of foldCandidates (lane/fold-deletions.ts). */
  readonly listings?: ReadonlyMap<string, DirNames | null>;
  readonly runs: readonly Shown[];
}

interface Shown {
  readonly role: RsyncRun['role'];
  readonly cwd: string;
  readonly stdin: readonly string[] | null;
  readonly argv: readonly string[];
  readonly excludes?: RsyncRun['excludes'];
  readonly rules?: string;
  readonly dryRunFirst?: true;
  readonly mustSucceed?: false;
}

function lane(row: Pick<Row, 'spec' | 'edit' | 'versions' | 'ssh'>): LanePlan {
  let config: SersyncConfig = testConfig({ watch: ROOT, ...row.spec }, row.edit);
  if (row.versions)
    config = {
      ...config,
      rsync: { ...config.rsync, versions: { dir: '.sersync-versions', bucketMs: 3_600_000, keepMs: 86_400_000 } },
    };
  return {
    rootPath: ROOT,
    remote: config.roots[0]!.remotes[0]!,
    config,
    protect: config.filter.enabled ? protectRules(config.filter.excludes).globs : [],
    ...(row.ssh ? { ssh: { controlPath: '/run/ssh-ctl' } } : {}),
  };
}

/** A run as the table shows it (its temp files named EXCLUDES and RULES; defaults left out). */
function shown(run: RsyncRun): Shown {
  return {
    role: run.role,
    cwd: run.cwd,
    stdin: run.stdin,
    argv: run.argv({ excludeFrom: run.excludes ? 'EXCLUDES' : null, rulesFrom: run.rulesFile ? 'RULES' : null }),
    ...(run.excludes ? { excludes: run.excludes } : {}),
    ...(run.rulesFile ? { rules: run.rulesFile.toString('latin1') } : {}),
    ...(run.dryRunFirst ? { dryRunFirst: true } : {}),
    ...(run.mustSucceed ? {} : { mustSucceed: false }),
  };
}

/** The row's runs as planned (`over`: the lane's settings changed, e.g. a refused option). */
function planned(row: Row, over: Partial<LanePlan> = {}): RsyncRun[] {
  const resolved: ResolvedBatch = {
    recursive: [],
    directories: [],
    missing: [],
    large: [],
    dirsOnly: [],
    ...row.resolved,
  };
  return planTransfer(
    {
      resolved,
      renamed: new Set(row.renamed ?? []),
      moves: row.moves ?? [],
      deletesHeld: row.held === true,
      deletionsFirst: row.deletionsFirst === true,
      listings: row.listings ?? new Map(),
      ...(row.versions ? { backupDir: BUCKET } : {}),
    },
    { ...lane(row), ...over },
  );
}

function plan(row: Row): Shown[] {
  return planned(row).map(shown);
}

const send = (stdin: string[], argv: string[], more: Partial<Shown> = {}): Shown => ({
  role: 'send',
  cwd: ROOT,
  stdin,
  argv,
  ...more,
});
const seed = (dir: string, argv: string[], more: Partial<Shown> = {}): Shown => ({
  role: 'seed',
  cwd: `${ROOT}/${dir}`,
  stdin: null,
  argv,
  mustSucceed: false,
  ...more,
});

/** `n` missing children of `dir` (`dir/g0`...). */
const gone = (dir: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => (dir === '' ? `g${i}` : `${dir}/g${i}`));

/**
 * A directory with missing children that is listed by name, not folded (lane/fold-deletions.ts):
 * 16 missing in `dir` (default `d`), nothing left in it, unless the case says otherwise.
 */
function noFold(
  why: string,
  c: {
    missing?: number;
    names?: number;
    hasSubdir?: true;
    listing?: null;
    extra?: string;
    large?: string;
    directories?: string[];
    dir?: string;
  },
): Row[] {
  const dir = c.dir ?? 'd';
  const missing = gone(dir, c.missing ?? 16);
  const recursive = [...(c.extra ? [c.extra] : []), ...missing];
  const names = gone(dir, c.names ?? 0).map((n) => `${n}-left`);
  const listing = c.listing === null ? null : { names, hasSubdir: c.hasSubdir === true };
  const runs = planTransfer(
    {
      resolved: {
        recursive,
        missing,
        directories: c.directories ?? [],
        large: c.large ? [{ path: c.large, kind: 'path' }] : [],
        dirsOnly: [],
      },
      renamed: new Set(),
      moves: [],
      deletesHeld: false,
      deletionsFirst: false,
      listings: new Map(),
    },
    lane({}),
  ).map(shown);
  return [
    {
      name: `not folded: ${why}`,
      resolved: {
        recursive,
        missing,
        directories: c.directories ?? [],
        large: c.large ? [{ path: c.large, kind: 'path' }] : [],
      },
      listings: new Map([[dir, listing]]),
      runs,
    },
  ];
}

/** `n` changed files of `dir` (`dir/c0`...), and the listing that holds exactly them. */
const changedIn = (dir: string, n = 16): string[] =>
  Array.from({ length: n }, (_, i) => (dir === '' ? `c${i}` : `${dir}/c${i}`));
const holds = (dir: string, names: string[], hasSubdir = false): ReadonlyMap<string, DirNames | null> =>
  new Map([[dir, { names, hasSubdir }]]);

/**
 * A directory whose files changed that stays listed by name (lane/fold-changes.ts): the runs are
 * those of the same batch with nothing read at the look. 16 changed files in `dir` (default
 * `d`), the listing holding exactly them, unless the case says otherwise.
 */
function noChangeFold(
  why: string,
  c: {
    files?: number;
    listing?: DirNames | null;
    more?: Partial<ResolvedBatch>;
    dir?: string;
    spec?: Partial<ConfigSpec>;
  },
): Row {
  const dir = c.dir ?? 'd';
  const files = changedIn(dir, c.files ?? 16);
  const resolved: Partial<ResolvedBatch> = { ...c.more, recursive: [...files, ...(c.more?.recursive ?? [])] };
  const listing = c.listing === undefined ? { names: files, hasSubdir: false } : c.listing;
  const spec = c.spec ? { spec: c.spec } : {};
  return {
    name: `changes not folded: ${why}`,
    ...spec,
    resolved,
    listings: new Map([[dir, listing]]),
    runs: plan({ name: '', ...spec, resolved, runs: [] }),
  };
}

const BATCH_ROWS: readonly Row[] = [
  {
    name: 'a file in a subdirectory: one run, --fuzzy (a rename can find its basis)',
    resolved: { recursive: ['d/f'] },
    runs: [send(['d/f'], [...batch(), ...DELETE_FUZZY, '--fuzzy', ...DAEMON])],
  },
  {
    name: "a top-level file: the root's attributes ride along (`.` listed, `- /*`, its child included)",
    resolved: { recursive: ['top'] },
    runs: [send(['.', 'top'], [...batch(), ...DELETE_FUZZY, '--include=/top', '--exclude=/*', '--fuzzy', ...DAEMON])],
  },
  {
    name: 'a deletion beside a new file: --delete-missing-args in the same run, without --fuzzy',
    resolved: { recursive: ['d/new', 'd/old'], missing: ['d/old'] },
    runs: [send(['d/new', 'd/old'], [...batch(), ...DELETE, ...DAEMON])],
  },
  {
    name: 'the same with -y in commonParams: --no-fuzzy',
    spec: { commonParams: '-artuzy' },
    resolved: { recursive: ['d/new', 'd/old'], missing: ['d/old'] },
    runs: [send(['d/new', 'd/old'], [...batch('-artuzy'), ...DELETE, '--no-fuzzy', ...DAEMON])],
  },
  {
    name: 'a rename: the new name with --fuzzy first, the deletion second (the old name serves as basis)',
    resolved: { recursive: ['d/renamed', 'd/old'], missing: ['d/old'] },
    renamed: ['d/renamed'],
    runs: [
      send(['d/renamed'], [...batch(), ...DELETE_FUZZY, '--fuzzy', ...DAEMON]),
      send(['d/old'], [...batch(), ...DELETE, ...DAEMON]),
    ],
  },
  {
    name: 'a rename with -y in commonParams: the deleting run says --no-fuzzy',
    spec: { commonParams: '-artuzy' },
    resolved: { recursive: ['d/renamed', 'd/old'], missing: ['d/old'] },
    renamed: ['d/renamed'],
    runs: [
      send(['d/renamed'], [...batch('-artuzy'), ...DELETE_FUZZY, '--fuzzy', ...DAEMON]),
      send(['d/old'], [...batch('-artuzy'), ...DELETE, '--no-fuzzy', ...DAEMON]),
    ],
  },
  {
    name: 'a deleted tree: its top-most missing ancestor is listed (stat-batch), deleted with --force',
    resolved: { recursive: ['gone'], missing: ['gone'] },
    runs: [send(['.', 'gone'], [...batch(), ...DELETE_FUZZY, '--include=/gone', '--exclude=/*', '--fuzzy', ...DAEMON])],
  },
  {
    name: 'a deletion below a directory sent recursively: no --fuzzy (its new files could pick the old one)',
    resolved: { recursive: ['d', 'd/y'], directories: ['d'], missing: ['d/y'] },
    runs: [send(['.', 'd', 'd/y'], [...batch(), ...DELETE, '--include=/d', '--exclude=/*', ...DAEMON])],
  },
  {
    name: 'most of a directory deleted (16 or more, fewer entries left, no subdirectory): the directory sent recursively in place of the names, what it still holds protected, no --fuzzy',
    resolved: { recursive: [...gone('d', 20), 'e/x'], missing: gone('d', 20) },
    listings: new Map([['d', { names: ['d/kept', 'd/a b'], hasSubdir: false }]]),
    runs: [send(['d', 'e/x'], [...batchR(), ...DELETE, '--filter=P /d/kept', '--filter=P /d/a b', ...DAEMON])],
  },
  {
    name: 'a folded top-level directory: no sign that the root changed (the root is not listed)',
    resolved: { recursive: gone('t', 16), missing: gone('t', 16), dirsOnly: ['t'] },
    listings: new Map([['t', { names: [], hasSubdir: false }]]),
    runs: [send(['t'], [...batchR(), ...DELETE, ...DAEMON])],
  },
  {
    name: 'a fold with <filter>: the walk below the directory and the protect globs, the keep rules after them; a kept name that rsync would glob is escaped',
    spec: { filter: FILTER },
    resolved: { recursive: gone('d', 16), missing: gone('d', 16) },
    listings: new Map([['d', { names: ['d/s*t'], hasSubdir: false }]]),
    runs: [
      send(
        ['d'],
        [
          ...batchR(),
          ...DELETE,
          '--exclude-from=EXCLUDES',
          '--exclude=*.tmp',
          '--exclude=/cache',
          '--filter=P /d/s\\*t',
          ...DAEMON,
        ],
        { excludes: { under: ['d'] } },
      ),
    ],
  },
  {
    name: 'a fold whose kept name is not UTF-8: the keep rules go in a merge file',
    resolved: { recursive: gone('d', 16), missing: gone('d', 16) },
    listings: new Map([['d', { names: ['d/\xff'], hasSubdir: false }]]),
    runs: [send(['d'], [...batchR(), ...DELETE, '--filter=merge RULES', ...DAEMON], { rules: 'P /d/\xff\0' })],
  },
  ...noFold('15 missing: listed by name', { missing: 15 }),
  ...noFold('as many entries left as missing', { names: 16 }),
  ...noFold('a subdirectory left', { hasSubdir: true }),
  ...noFold('the directory is gone by the look', { listing: null }),
  ...noFold('a new file beside the deletions (the rename rules apply)', { extra: 'd/new' }),
  ...noFold('a file of the directory in the large-file slot', { large: 'd/big' }),
  ...noFold('inside a directory the batch sends recursively', { extra: 'top', directories: ['top'], dir: 'top/d' }),
  ...noFold('the root (a full sync in all but name)', { dir: '' }),
  {
    name: 'every file of a directory changed (16 or more, no subdirectory, nothing else of it in the batch): the directory sent recursively in place of the names, everything in it kept from --delete, --ignore-times and --fuzzy as before',
    resolved: { recursive: [...changedIn('d'), 'e/x'] },
    listings: holds('d', changedIn('d')),
    runs: [send(['d', 'e/x'], [...batch(), ...DELETE_FUZZY, '--filter=P /d/**', '--fuzzy', ...DAEMON])],
  },
  {
    name: "changed files folded: a file gone between the batch and the look is no obstacle (its own batch deletes it), nor a change of the directory's own attributes",
    resolved: { recursive: changedIn('d', 17), dirsOnly: ['d'] },
    listings: holds('d', changedIn('d', 16)),
    runs: [send(['d'], [...batch(), ...DELETE_FUZZY, '--filter=P /d/**', '--fuzzy', ...DAEMON])],
  },
  {
    name: 'a top-level directory of changed files: no sign that the root changed (the root is not listed)',
    resolved: { recursive: changedIn('t') },
    listings: holds('t', changedIn('t')),
    runs: [send(['t'], [...batch(), ...DELETE_FUZZY, '--filter=P /t/**', '--fuzzy', ...DAEMON])],
  },
  {
    name: 'changed files folded in a directory whose name rsync would glob: the rule escapes it',
    resolved: { recursive: changedIn('a/d[1]*') },
    listings: holds('a/d[1]*', changedIn('a/d[1]*')),
    runs: [send(['a/d[1]*'], [...batch(), ...DELETE_FUZZY, '--filter=P /a/d\\[1]\\*/**', '--fuzzy', ...DAEMON])],
  },
  {
    name: 'changed files folded in a directory whose name is not UTF-8: the rule goes in a merge file',
    resolved: { recursive: changedIn('\xff') },
    listings: holds('\xff', changedIn('\xff')),
    runs: [
      send(['\xff'], [...batch(), ...DELETE_FUZZY, '--filter=merge RULES', '--fuzzy', ...DAEMON], {
        rules: 'P /\xff/**\0',
      }),
    ],
  },
  {
    name: 'changed files folded while the brake holds deletions: nothing is deleted anyway, the files go',
    held: true,
    resolved: { recursive: changedIn('d') },
    listings: holds('d', changedIn('d')),
    runs: [send(['d'], [...batch(), '--ignore-missing-args', '--filter=P /d/**', '--fuzzy', ...DAEMON])],
  },
  noChangeFold('15 changed files', { files: 15 }),
  noChangeFold('the directory holds a file the batch does not list', {
    listing: { names: [...changedIn('d'), 'd/untouched'], hasSubdir: false },
  }),
  noChangeFold('a subdirectory in it', { listing: { names: changedIn('d'), hasSubdir: true } }),
  noChangeFold('the directory is gone by the look', { listing: null }),
  noChangeFold('a deletion in it', { more: { recursive: ['d/old'], missing: ['d/old'] } }),
  noChangeFold('a directory of the batch in it', { more: { recursive: ['d/sub'], directories: ['d/sub'] } }),
  noChangeFold('a file deeper in it', { more: { recursive: ['d/sub/x'] } }),
  noChangeFold('a dir-only entry below it', { more: { dirsOnly: ['d/sub'] } }),
  noChangeFold('a file of it in the large-file slot', { more: { large: [{ path: 'd/big', kind: 'path' }] } }),
  noChangeFold('inside a directory the batch sends recursively', {
    dir: 'top/d',
    more: { recursive: ['top'], directories: ['top'] },
  }),
  noChangeFold('the root', { dir: '' }),
  noChangeFold('a line break in its name', { dir: 'a\nb' }),
  noChangeFold('<filter> on (the recursion would walk for excludes)', { spec: { filter: FILTER } }),
  noChangeFold('filter rules in commonParams (they come first: a user --include would undo the protect rule)', {
    spec: { commonParams: '-artuz --include=*.jpg' },
  }),
  {
    name: 'deletions not folded either with filter rules in commonParams: the names listed',
    spec: { commonParams: '-artuz --include=*.jpg' },
    resolved: { recursive: gone('d', 16), missing: gone('d', 16) },
    listings: new Map([['d', { names: [], hasSubdir: false }]]),
    runs: [send(gone('d', 16), [...batch('-artuz', '--include=*.jpg'), ...DELETE_FUZZY, '--fuzzy', ...DAEMON])],
  },
  {
    name: 'deletions held by the brake: no fold, the names listed and skipped',
    held: true,
    resolved: { recursive: gone('d', 16), missing: gone('d', 16) },
    listings: new Map([['d', { names: [], hasSubdir: false }]]),
    runs: [send(gone('d', 16), [...batch(), '--ignore-missing-args', '--fuzzy', ...DAEMON])],
  },
  {
    name: 'the receiver was out of room: no fold, the deletions first by name',
    deletionsFirst: true,
    resolved: { recursive: [...gone('d', 16), 'e/f'], missing: gone('d', 16) },
    listings: new Map([['d', { names: [], hasSubdir: false }]]),
    runs: [
      send(gone('d', 16), [...batch(), ...DELETE, ...DAEMON]),
      send(['e/f'], [...batch(), ...DELETE_FUZZY, '--fuzzy', ...DAEMON]),
    ],
  },
  {
    name: 'a moved directory: a --link-dest seed from its old place, then the batch deletes the old place',
    resolved: { recursive: ['new', 'old'], directories: ['new'], missing: ['old'] },
    moves: [{ dir: 'new', from: 'old' }],
    runs: [
      seed('new', ['-artz', '-r', '--link-dest=../old', ...TRANSPORT, '--stats', './', '127.0.0.1::www/new/']),
      send(
        ['.', 'new', 'old'],
        [...batchR(), ...DELETE_FUZZY, '--include=/new', '--include=/old', '--exclude=/*', '--fuzzy', ...DAEMON],
      ),
    ],
  },
  {
    name: 'a moved nested directory: --link-dest climbs out of it to the root',
    resolved: { recursive: ['x/new', 'y'], directories: ['x/new'], missing: ['y'] },
    moves: [{ dir: 'x/new', from: 'y/old' }],
    runs: [
      seed('x/new', ['-artz', '-r', '--link-dest=../../y/old', ...TRANSPORT, '--stats', './', '127.0.0.1::www/x/new/']),
      send(['.', 'x/new', 'y'], [...batchR(), ...DELETE_FUZZY, '--include=/y', '--exclude=/*', '--fuzzy', ...DAEMON]),
    ],
  },
  {
    name: "a moved directory with <filter>: the seed walks it, its excludes relative to it; the batch's carry protect globs",
    spec: { filter: FILTER },
    resolved: { recursive: ['new', 'old'], directories: ['new'], missing: ['old'] },
    moves: [{ dir: 'new', from: 'old' }],
    runs: [
      seed(
        'new',
        [
          '-artz',
          '-r',
          '--link-dest=../old',
          '--from0',
          '--exclude-from=EXCLUDES',
          ...TRANSPORT,
          '--stats',
          './',
          '127.0.0.1::www/new/',
        ],
        { excludes: { under: ['new'], relativeTo: 'new' } },
      ),
      send(
        ['.', 'new', 'old'],
        [
          ...batchR(),
          ...DELETE_FUZZY,
          '--exclude-from=EXCLUDES',
          '--exclude=*.tmp',
          '--exclude=/cache',
          '--include=/new',
          '--include=/old',
          '--exclude=/*',
          '--fuzzy',
          ...DAEMON,
        ],
        { excludes: { under: ['new'] } },
      ),
    ],
  },
  {
    name: 'a moved directory whose name rsync would glob: not seeded, sent the plain way (escaped in its rule)',
    resolved: { recursive: ['n*w', 'old'], directories: ['n*w'], missing: ['old'] },
    moves: [{ dir: 'n*w', from: 'old' }],
    runs: [
      send(
        ['.', 'n*w', 'old'],
        [...batch(), ...DELETE_FUZZY, '--include=/n\\*w', '--include=/old', '--exclude=/*', '--fuzzy', ...DAEMON],
      ),
    ],
  },
  {
    name: 'a moved directory with <versions>: not seeded (a seed could replace a file no backup keeps)',
    versions: true,
    resolved: { recursive: ['new', 'old'], directories: ['new'], missing: ['old'] },
    moves: [{ dir: 'new', from: 'old' }],
    runs: [
      send(
        ['.', 'new', 'old'],
        [
          '-artz',
          '-R',
          '-r',
          ...VERSIONS,
          '--files-from=-',
          '--from0',
          '--checksum',
          ...DELETE_FUZZY,
          '--include=/new',
          '--include=/old',
          '--exclude=/*',
          '--fuzzy',
          ...DAEMON,
        ],
      ),
    ],
  },
  {
    name: 'an attribute-only directory: listed with `- /d/*` (its attributes, not its contents)',
    resolved: { dirsOnly: ['d'] },
    runs: [send(['d'], [...batch(), ...DELETE_FUZZY, '--exclude=/d/*', '--fuzzy', ...DAEMON])],
  },
  {
    name: 'an attribute-only directory with a listed child: the child is included first',
    resolved: { recursive: ['d/f'], dirsOnly: ['d'] },
    runs: [send(['d', 'd/f'], [...batch(), ...DELETE_FUZZY, '--include=/d/f', '--exclude=/d/*', '--fuzzy', ...DAEMON])],
  },
  {
    name: 'attribute-only directories with filter options in commonParams: separate --dirs runs, the root alone last',
    spec: { commonParams: '-artz --exclude=*.bak' },
    resolved: { recursive: ['top'], dirsOnly: ['d'] },
    runs: [
      send(['top'], [...batch('-artz', '--exclude=*.bak'), ...DELETE_FUZZY, '--fuzzy', ...DAEMON]),
      {
        role: 'dirs-only',
        cwd: ROOT,
        stdin: ['d'],
        argv: [...dirsOnly('-artz', '--exclude=*.bak'), ...DAEMON],
      },
      {
        role: 'root-only',
        cwd: ROOT,
        stdin: ['.'],
        argv: [...dirsOnly('-artz', '--exclude=*.bak'), '--exclude=/*', ...DAEMON],
      },
    ],
  },
  {
    name: 'names rsync would glob, with a backslash, a newline, a leading dash: literal on stdin, escaped only in rules',
    resolved: { recursive: ['w/a*b?[c]', 'w/back\\slash', 'w/nl\nx', 'w/-dash'], dirsOnly: ['w'] },
    runs: [
      send(
        ['w', 'w/a*b?[c]', 'w/back\\slash', 'w/nl\nx', 'w/-dash'],
        [
          ...batch(),
          ...DELETE_FUZZY,
          '--include=/w/a\\*b\\?\\[c]',
          '--include=/w/back\\slash',
          '--include=/w/nl\nx',
          '--include=/w/-dash',
          '--exclude=/w/*',
          '--fuzzy',
          ...DAEMON,
        ],
      ),
    ],
  },
  {
    name: 'a name that is not UTF-8 under an attribute-only directory: the rules go in a merge file',
    resolved: { recursive: ['w/\xff\xfe'], dirsOnly: ['w'] },
    runs: [
      send(['w', 'w/\xff\xfe'], [...batch(), ...DELETE_FUZZY, '--filter=merge RULES', '--fuzzy', ...DAEMON], {
        rules: '+ /w/\xff\xfe\0- /w/*\0',
      }),
    ],
  },
  {
    name: 'large files: left to the large-file slot, in no run',
    resolved: { recursive: ['d/small'], large: [{ path: 'd/big', kind: 'path' }] },
    runs: [send(['d/small'], [...batch(), ...DELETE_FUZZY, '--fuzzy', ...DAEMON])],
  },
  {
    name: 'only large files: no run at all',
    resolved: { large: [{ path: 'd/big', kind: 'path' }] },
    runs: [],
  },
  {
    name: 'a roll-up (a directory over maxPathsPerDir, sent recursively): the <filter> walk and protect globs',
    spec: { filter: FILTER },
    resolved: { recursive: ['d'], directories: ['d'] },
    runs: [
      send(
        ['.', 'd'],
        [
          ...batch(),
          ...DELETE_FUZZY,
          '--exclude-from=EXCLUDES',
          '--exclude=*.tmp',
          '--exclude=/cache',
          '--include=/d',
          '--exclude=/*',
          '--fuzzy',
          ...DAEMON,
        ],
        { excludes: { under: ['d'] } },
      ),
    ],
  },
  {
    name: 'a roll-up with a <filter> regex that has no glob: a dry run first finds remote-only excluded paths',
    spec: { filter: [...FILTER, UNTRANSLATED] },
    resolved: { recursive: ['a'], directories: ['a'] },
    runs: [
      send(
        ['.', 'a'],
        [
          ...batch(),
          ...DELETE_FUZZY,
          '--exclude-from=EXCLUDES',
          '--exclude=*.tmp',
          '--exclude=/cache',
          '--include=/a',
          '--exclude=/*',
          '--fuzzy',
          ...DAEMON,
        ],
        { excludes: { under: ['a'] }, dryRunFirst: true },
      ),
    ],
  },
  {
    name: '<versions>: replaced and deleted files go to the bucket (--backup-dir), the versions dir excluded, by content (an identical file is not replaced)',
    versions: true,
    resolved: { recursive: ['d/f', 'd/old'], missing: ['d/old'] },
    runs: [
      send(
        ['d/f', 'd/old'],
        ['-artz', '-R', '-r', ...VERSIONS, '--files-from=-', '--from0', '--checksum', ...DELETE, ...DAEMON],
      ),
    ],
  },
  {
    name: "ssh: -e ssh through the agent's master connection, host:path",
    spec: { ssh: true, remotes: [{ module: '/srv/www' }] },
    ssh: true,
    resolved: { recursive: ['d/f'] },
    runs: [send(['d/f'], [...batch(), ...DELETE_FUZZY, '--fuzzy', ...SSH, '--stats', './', '127.0.0.1:/srv/www'])],
  },
  {
    name: 'ssh with a remote path the remote shell would split: --protect-args, for the seed too',
    spec: { ssh: true, remotes: [{ module: '/srv/my www' }] },
    ssh: true,
    resolved: { recursive: ['new', 'old'], directories: ['new'], missing: ['old'] },
    moves: [{ dir: 'new', from: 'old' }],
    runs: [
      seed('new', [
        '-artz',
        '-r',
        '--link-dest=../old',
        ...SSH,
        '--protect-args',
        '--stats',
        './',
        '127.0.0.1:/srv/my www/new/',
      ]),
      send(
        ['.', 'new', 'old'],
        [
          ...batchR(),
          ...DELETE_FUZZY,
          '--include=/new',
          '--include=/old',
          '--exclude=/*',
          '--fuzzy',
          ...SSH,
          '--protect-args',
          '--stats',
          './',
          '127.0.0.1:/srv/my www',
        ],
      ),
    ],
  },
  {
    name: 'a daemon module with auth: user@host::module and --password-file last',
    spec: { passwordFile: '/etc/rsync.pas', user: 'backup' },
    resolved: { recursive: ['d/f'] },
    runs: [
      send(
        ['d/f'],
        [
          ...batch(),
          ...DELETE_FUZZY,
          '--fuzzy',
          ...TRANSPORT,
          '--stats',
          './',
          'backup@127.0.0.1::www',
          '--password-file=/etc/rsync.pas',
        ],
      ),
    ],
  },
  {
    name: '<delete start="false">: --ignore-missing-args, nothing deleted',
    spec: { deleteEnabled: false },
    resolved: { recursive: ['d/f', 'd/old'], missing: ['d/old'] },
    runs: [send(['d/f', 'd/old'], [...batch(), '--ignore-missing-args', '--fuzzy', ...DAEMON])],
  },
  {
    name: 'deletions held by the mass-deletion brake: as without deletion',
    held: true,
    resolved: { recursive: ['d/f', 'd/old'], missing: ['d/old'] },
    runs: [send(['d/f', 'd/old'], [...batch(), '--ignore-missing-args', '--fuzzy', ...DAEMON])],
  },
  {
    name: 'the receiver was out of room: the deletions first, in a run of their own',
    deletionsFirst: true,
    resolved: { recursive: ['d/f', 'd/old'], missing: ['d/old'] },
    runs: [
      send(['d/old'], [...batch(), ...DELETE, ...DAEMON]),
      send(['d/f'], [...batch(), ...DELETE_FUZZY, '--fuzzy', ...DAEMON]),
    ],
  },
];

interface WholeRow {
  readonly name: string;
  readonly spec?: Partial<ConfigSpec>;
  readonly edit?: (xml: string) => string;
  readonly versions?: true;
  readonly ssh?: true;
  readonly held?: true;
  readonly run: Shown;
}

const whole = (argv: string[], more: Partial<Shown> = {}): Shown => ({
  role: 'full-sync',
  cwd: ROOT,
  stdin: null,
  argv,
  ...more,
});

const FULL_SYNC_ROWS: readonly WholeRow[] = [
  {
    name: 'a full sync: -r --delete of ./, progress2',
    run: whole([...FULL, '--delete', '--force', ...DAEMON]),
  },
  {
    name: 'with <filter> and <crontabfilter>: the walk of the whole root, the globs, the protect globs',
    spec: { filter: FILTER },
    edit: crontabFilter,
    run: whole(
      [
        ...FULL,
        '--delete',
        '--force',
        '--from0',
        '--exclude-from=EXCLUDES',
        '--exclude=*.php',
        '--exclude=info/*',
        '--exclude=*.tmp',
        '--exclude=/cache',
        ...DAEMON,
      ],
      { excludes: { under: [''] } },
    ),
  },
  {
    name: 'with a <filter> regex that has no glob: a dry run first',
    spec: { filter: [UNTRANSLATED] },
    run: whole([...FULL, '--delete', '--force', '--from0', '--exclude-from=EXCLUDES', ...DAEMON], {
      excludes: { under: [''] },
      dryRunFirst: true,
    }),
  },
  {
    name: 'with <versions> over ssh',
    spec: { ssh: true, remotes: [{ module: '/srv/www' }] },
    ssh: true,
    versions: true,
    run: whole([...FULL, ...VERSIONS, '--delete', '--force', ...SSH, '--stats', './', '127.0.0.1:/srv/www']),
  },
  {
    name: 'with deletions held by the brake: no --delete',
    held: true,
    run: whole([...FULL, ...DAEMON]),
  },
];

/** A comparison's run: the full sync's words with these `middle` ones, then the dry run by checksum. */
const compared = (middle: string[], tail: string[]): Shown => ({
  role: 'compare',
  cwd: ROOT,
  stdin: null,
  argv: [...FULL, '--delete', '--force', '--from0', '--exclude-from=EXCLUDES', ...middle, ...CHECKSUM, ...tail],
  excludes: { under: [''] },
});
const CHECKSUM = ['--dry-run', '--checksum', '--out-format=%i %n'];

const COMPARE_ROWS: readonly WholeRow[] = [
  {
    name: "verify's compare: the full sync's rules as a dry run by checksum, itemized; the walk always",
    spec: { filter: FILTER },
    edit: crontabFilter,
    run: compared(['--exclude=*.php', '--exclude=info/*', '--exclude=*.tmp', '--exclude=/cache'], DAEMON),
  },
  {
    name: "verify's compare over ssh, without <filter> (the walk still counts the tree)",
    spec: { ssh: true, remotes: [{ module: '/srv/www' }] },
    ssh: true,
    run: compared([], [...SSH, '--stats', './', '127.0.0.1:/srv/www']),
  },
];

describe('planTransfer: a batch', () => {
  for (const row of BATCH_ROWS)
    it(row.name, () => {
      assert.deepEqual(plan(row), row.runs);
    });

  it('at most 8 moved directories are seeded per batch, in the order of the batch', () => {
    const dirs = Array.from({ length: 10 }, (_, i) => `n${i}`);
    const runs = plan({
      name: 'ten moves',
      resolved: { recursive: dirs, directories: dirs },
      moves: dirs.map((dir) => ({ dir, from: `o${dir}` })),
      runs: [],
    });
    assert.deepEqual(
      runs.filter((r) => r.role === 'seed').map((r) => r.cwd),
      dirs.slice(0, 8).map((d) => `${ROOT}/${d}`),
    );
    assert.equal(runs.filter((r) => r.role === 'send').length, 1);
  });

  it('without an exclude file (the walk found nothing) the run has no --exclude-from', () => {
    const row = BATCH_ROWS.find((r) => r.name.startsWith('a roll-up (a directory'))!;
    const [run] = planTransfer(
      {
        resolved: { recursive: ['d'], directories: ['d'], missing: [], large: [], dirsOnly: [] },
        renamed: new Set(),
        moves: [],
        deletesHeld: false,
        deletionsFirst: false,
        listings: new Map(),
      },
      lane(row),
    );
    assert.deepEqual(
      run!.argv({ excludeFrom: null, rulesFrom: null }),
      row.runs[0]!.argv.filter((w) => w !== '--exclude-from=EXCLUDES'),
    );
  });
});

describe('planFullSync', () => {
  for (const row of FULL_SYNC_ROWS)
    it(row.name, () => {
      const got = planFullSync(lane(row), row.held === true, row.versions ? BUCKET : undefined);
      assert.deepEqual(shown(got), row.run);
    });
});

describe('planCompare', () => {
  for (const row of COMPARE_ROWS)
    it(row.name, () => {
      assert.deepEqual(shown(planCompare(lane(row))), row.run);
    });
});

describe('planTransfer: a seed hard-links only while the old name goes at once', () => {
  const moved: Row = {
    name: 'a moved directory',
    resolved: { recursive: ['new', 'old'], directories: ['new'], missing: ['old'] },
    moves: [{ dir: 'new', from: 'old' }],
    runs: [],
  };
  const seedWord = (row: Row, linkRefused = false): string | undefined => {
    const runs = planned(row, linkRefused ? { linkRefused: true } : {});
    const argv = runs.find((r) => r.role === 'seed')?.argv({ excludeFrom: null, rulesFrom: null }) ?? [];
    return argv.find((w) => /^--(?:link|copy)-dest=/.test(w));
  };

  it('deletions on, plain commonParams: --link-dest', () => {
    assert.equal(seedWord(moved), '--link-dest=../old');
  });

  const copies: ReadonlyArray<[string, Row, boolean?]> = [
    ['<delete start="false">: the old place stays, linked to the new', { ...moved, spec: { deleteEnabled: false } }],
    ['deletions held by the brake: the old place stays for now', { ...moved, held: true }],
    [
      '--backup in commonParams: the old name lives on as a backup',
      { ...moved, spec: { commonParams: '-artz --backup' } },
    ],
    ['-b in a cluster', { ...moved, spec: { commonParams: '-artzb' } }],
    ['--inplace: rsync writes into the file', { ...moved, spec: { commonParams: '-artz --inplace' } }],
    ['--append to the receiver only', { ...moved, spec: { commonParams: '-artz --remote-option=--append' } }],
    ['the receiver refused --link-dest', moved, true],
  ];
  for (const [why, row, refused] of copies)
    it(`${why}: --copy-dest`, () => {
      assert.equal(seedWord(row, refused === true), '--copy-dest=../old');
    });
});

/**
 * A receiver that rejects --delete-missing-args (lane/missing-args.ts): no missing path is ever
 * listed on stdin (the mode-0 entry its mode check refuses); each one's directory is, for its
 * attributes, with an include rule for the missing name (the recursion's --delete removes it).
 */
const REJECTING_ROWS: readonly Row[] = [
  {
    name: 'a deletion beside a new file: the directory listed with `- /d/*`, the new file and the deleted name included',
    resolved: { recursive: ['d/new', 'd/old'], missing: ['d/old'] },
    runs: [
      send(
        ['d/new', 'd'],
        [...batch(), ...DELETE, '--include=/d/new', '--include=/d/old', '--exclude=/d/*', ...DAEMON],
      ),
    ],
  },
  {
    name: 'two deletions in one nested directory: it is listed once',
    resolved: { recursive: ['a/b/x', 'a/b/y'], missing: ['a/b/x', 'a/b/y'] },
    runs: [
      send(
        ['a/b'],
        [...batch(), ...DELETE_FUZZY, '--include=/a/b/x', '--include=/a/b/y', '--exclude=/a/b/*', '--fuzzy', ...DAEMON],
      ),
    ],
  },
  {
    name: 'a deleted top-level tree: the root (listed already for its attributes) includes it',
    resolved: { recursive: ['gone'], missing: ['gone'] },
    runs: [send(['.'], [...batch(), ...DELETE_FUZZY, '--include=/gone', '--exclude=/*', '--fuzzy', ...DAEMON])],
  },
  {
    name: 'a deletion below a directory sent recursively: not listed, that recursion deletes it',
    resolved: { recursive: ['d', 'd/y'], directories: ['d'], missing: ['d/y'] },
    runs: [send(['.', 'd'], [...batch(), ...DELETE, '--include=/d', '--exclude=/*', ...DAEMON])],
  },
  {
    name: 'a rename: the new name with --fuzzy first, then the old name through its directory',
    resolved: { recursive: ['d/renamed', 'd/old'], missing: ['d/old'] },
    renamed: ['d/renamed'],
    runs: [
      send(['d/renamed'], [...batch(), ...DELETE_FUZZY, '--fuzzy', ...DAEMON]),
      send(['d'], [...batch(), ...DELETE, '--include=/d/old', '--exclude=/d/*', ...DAEMON]),
    ],
  },
  {
    name: 'the receiver was out of room: the deletions first, through their directory',
    resolved: { recursive: ['d/new', 'd/old'], missing: ['d/old'] },
    deletionsFirst: true,
    runs: [
      send(['d'], [...batch(), ...DELETE, '--include=/d/old', '--exclude=/d/*', ...DAEMON]),
      send(['d/new'], [...batch(), ...DELETE_FUZZY, '--fuzzy', ...DAEMON]),
    ],
  },
  {
    name: 'hostile deleted names: escaped in their rules, never on stdin; one that is not UTF-8 puts the rules in a merge file',
    resolved: {
      recursive: ['w/a*b', 'w/nl\nx $(id)', 'w/-dash', 'v/\xff'],
      missing: ['w/a*b', 'w/nl\nx $(id)', 'w/-dash', 'v/\xff'],
    },
    runs: [
      send(['w', 'v'], [...batch(), ...DELETE_FUZZY, '--filter=merge RULES', '--fuzzy', ...DAEMON], {
        rules: '+ /w/a\\*b\0+ /w/nl\nx $(id)\0+ /w/-dash\0+ /v/\xff\0- /w/*\0- /v/*\0',
      }),
    ],
  },
  {
    name: 'filter options in commonParams: the names stay listed (the rules could be undone), and the batch fails with the line that says why',
    spec: { commonParams: '-artz --exclude=*.bak' },
    resolved: { recursive: ['d/old'], missing: ['d/old'] },
    runs: [send(['d/old'], [...batch('-artz', '--exclude=*.bak'), ...DELETE_FUZZY, '--fuzzy', ...DAEMON])],
  },
];

describe('planTransfer: a receiver that rejects --delete-missing-args', () => {
  for (const row of REJECTING_ROWS)
    it(row.name, () => {
      const runs = planned(row, { missingArgsRejected: true });
      assert.deepEqual(runs.map(shown), row.runs);
      const missing = new Set(row.resolved?.missing ?? []);
      if (!row.spec?.commonParams)
        for (const r of runs) assert.ok(!(r.stdin ?? []).some((p) => missing.has(p)), 'no missing path on stdin');
    });

  it('the same batches as planned for a receiver that takes them list their missing paths', () => {
    const row = REJECTING_ROWS[0]!;
    assert.deepEqual(planned(row)[0]!.stdin, ['d/new', 'd/old']);
  });
});
