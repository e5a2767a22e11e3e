import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildBatchArgs,
  buildFullSyncArgs,
  buildProbeArgs,
  buildSeedArgs,
  destination,
  hasUserFilters,
  type BatchArgsOptions,
} from '../../../src/rsync/args.js';
import { splitRshCommand } from '../../../src/rsync/ssh-command.js';
import { keepsBackups, writesInPlace } from '../../../src/rsync/option-words.js';
import type { Remote, RsyncConfig } from '../../../src/config/types.js';
import { batch, DELETE, dirsOnly } from '../../helpers/rsync-words.js';
import { SSH_2222_OPTS } from '../../helpers/ssh-args.js';

/** sersync's sample: daemon module, auth on, user-defined port, timeout on. */
const daemonRsync: RsyncConfig = {
  commonParams: ['-artz'],
  auth: { user: 'rsync_backup', passwordFile: '/etc/rsync.pas' },
  port: 873,
  timeoutSec: 100,
  ssh: false,
};
const remote: Remote = { ip: '192.168.0.10', module: 'www', label: '192.168.0.10::www' };
/** The sample's transport words and its destination, with the password file after it. */
const SAMPLE_TRANSPORT = ['--port=873', '--sockopts=TCP_NODELAY', '--contimeout=10', '--timeout=100'];
/** A deleting full sync's words after commonParams, with the exclude file read as NUL-separated. */
const FULL_DELETE_EXCLUDE_FROM = ['-r', '--info=progress2', '--delete', '--force', '--from0', '--exclude-from=/tmp/ex'];
const SAMPLE_DESTINATION = ['--stats', './', 'rsync_backup@192.168.0.10::www', '--password-file=/etc/rsync.pas'];

const sshRsync: RsyncConfig = {
  commonParams: ['-artz'],
  auth: { user: 'backup', passwordFile: '/etc/rsync.pas' },
  port: 2222,
  timeoutSec: 30,
  ssh: true,
};
const sshRemote: Remote = { ip: 'mirror.example', module: '/srv/www', label: 'mirror.example:/srv/www' };

const noAuthRsync: RsyncConfig = { commonParams: ['-artz'], auth: null, port: null, timeoutSec: null, ssh: false };

describe('destination', () => {
  it('is user@ip::module for a daemon module with auth', () => {
    assert.equal(destination(daemonRsync, remote), 'rsync_backup@192.168.0.10::www');
  });
  it('is ip::module without auth (no user@)', () => {
    assert.equal(destination(noAuthRsync, remote), '192.168.0.10::www');
  });
  it('is user@ip:path over ssh (single colon)', () => {
    assert.equal(destination(sshRsync, sshRemote), 'backup@mirror.example:/srv/www');
    assert.equal(destination({ ...sshRsync, auth: null }, sshRemote), 'mirror.example:/srv/www');
  });
});

describe('buildBatchArgs', () => {
  it('default daemon case with auth, port and timeout: exact argv, password file after the destination', () => {
    assert.deepEqual(buildBatchArgs(daemonRsync, remote, { deleteEnabled: true }), [
      ...batch(),
      ...DELETE,
      ...SAMPLE_TRANSPORT,
      ...SAMPLE_DESTINATION,
    ]);
  });

  it('protect globs become --exclude rules right after the delete flags (they keep excluded paths from being sent, and from --delete)', () => {
    assert.deepEqual(buildBatchArgs(daemonRsync, remote, { deleteEnabled: true, protect: ['*.tmp', '/cache/***'] }), [
      ...batch(),
      ...DELETE,
      '--exclude=*.tmp',
      '--exclude=/cache/***',
      ...SAMPLE_TRANSPORT,
      ...SAMPLE_DESTINATION,
    ]);
  });

  it('delete disabled: --ignore-missing-args instead of --delete/--delete-missing-args/--force, and no protect rules', () => {
    const argv = buildBatchArgs(daemonRsync, remote, { deleteEnabled: false, protect: ['*.tmp'] });
    assert.deepEqual(argv, [...batch(), '--ignore-missing-args', ...SAMPLE_TRANSPORT, ...SAMPLE_DESTINATION]);
    for (const w of ['--delete', '--delete-missing-args', '--force'])
      assert.ok(!argv.includes(w), `${w} must not appear`);
  });

  it('dirsOnly: --no-recursive --dirs instead of -r, never --delete (even with delete enabled)', () => {
    const argv = buildBatchArgs(daemonRsync, remote, { deleteEnabled: true, dirsOnly: true, protect: ['*.tmp'] });
    assert.deepEqual(argv, [...dirsOnly('-artz'), ...SAMPLE_TRANSPORT, ...SAMPLE_DESTINATION]);
    assert.ok(!argv.includes('-r'));
    assert.ok(!argv.some((w) => w.startsWith('--delete')));
  });

  it('excludeFrom: one --exclude-from=FILE word after the delete flags and before the protect rules', () => {
    assert.deepEqual(
      buildBatchArgs(daemonRsync, remote, { deleteEnabled: true, excludeFrom: '/tmp/ex 1', protect: ['*.tmp'] }),
      [
        ...batch(),
        ...DELETE,
        '--exclude-from=/tmp/ex 1',
        '--exclude=*.tmp',
        ...SAMPLE_TRANSPORT,
        ...SAMPLE_DESTINATION,
      ],
    );
  });

  it('ssh: -e "ssh -p PORT", host:path, --timeout only; no --port, --sockopts, --contimeout or --password-file', () => {
    const argv = buildBatchArgs(sshRsync, sshRemote, { deleteEnabled: true });
    assert.deepEqual(argv, [
      ...batch(),
      ...DELETE,
      '-e',
      'ssh -o ConnectTimeout=10 -p 2222 -o BatchMode=yes',
      '--timeout=30',
      '--stats',
      './',
      'backup@mirror.example:/srv/www',
    ]);
    assert.ok(
      !argv.some(
        (w) =>
          w.startsWith('--password-file') ||
          w.startsWith('--sockopts') ||
          w.startsWith('--port') ||
          w.startsWith('--contimeout'),
      ),
    );
  });

  it('ssh without a port or <timeout>: -e ssh with the connect timeout, no --timeout', () => {
    assert.deepEqual(
      buildBatchArgs({ ...sshRsync, port: null, timeoutSec: null, auth: null }, sshRemote, { deleteEnabled: false }),
      [
        ...batch(),
        '--ignore-missing-args',
        '-e',
        'ssh -o ConnectTimeout=10 -o BatchMode=yes',
        '--stats',
        './',
        'mirror.example:/srv/www',
      ],
    );
  });

  it('commonParams that already sets --sockopts=...: TCP_NODELAY is not added', () => {
    const rsync: RsyncConfig = { ...daemonRsync, commonParams: ['-artz', '--sockopts=SO_SNDBUF=65536'] };
    const argv = buildBatchArgs(rsync, remote, { deleteEnabled: true });
    assert.deepEqual(argv, [
      '-artz',
      '--sockopts=SO_SNDBUF=65536',
      '-R',
      '-r',
      '--files-from=-',
      '--from0',
      '--ignore-times',
      ...DELETE,
      '--port=873',
      '--contimeout=10',
      '--timeout=100',
      ...SAMPLE_DESTINATION,
    ]);
    assert.equal(argv.filter((w) => w.startsWith('--sockopts')).length, 1);
  });

  it('commonParams with a bare --sockopts word also suppresses TCP_NODELAY, but --sockoptsX does not', () => {
    const bare = buildBatchArgs({ ...noAuthRsync, commonParams: ['-artz', '--sockopts', 'SO_RCVBUF=1'] }, remote, {
      deleteEnabled: true,
    });
    assert.ok(!bare.includes('--sockopts=TCP_NODELAY'));
    const other = buildBatchArgs({ ...noAuthRsync, commonParams: ['-artz', '--sockoptsX'] }, remote, {
      deleteEnabled: true,
    });
    assert.ok(other.includes('--sockopts=TCP_NODELAY'));
  });

  it('no auth, no port, no <timeout>: no user@, no --password-file, no --port, no --timeout (it costs a delayed ACK per run); the 10 s connect timeout', () => {
    assert.deepEqual(buildBatchArgs(noAuthRsync, remote, { deleteEnabled: true }), [
      ...batch(),
      ...DELETE,
      '--sockopts=TCP_NODELAY',
      '--contimeout=10',
      '--stats',
      './',
      '192.168.0.10::www',
    ]);
  });

  it('a commonParams word with spaces stays one argv word, in its place', () => {
    const rsync: RsyncConfig = { ...noAuthRsync, commonParams: ['-artuz', '--exclude=a b c', "--rsh=ssh -o 'x y'"] };
    const argv = buildBatchArgs(rsync, remote, { deleteEnabled: false });
    assert.deepEqual(argv, [
      '-artuz',
      '--exclude=a b c',
      "--rsh=ssh -o 'x y'",
      '-R',
      '-r',
      '--files-from=-',
      '--from0',
      '--ignore-times',
      '--ignore-missing-args',
      '--sockopts=TCP_NODELAY',
      '--contimeout=10',
      '--stats',
      './',
      '192.168.0.10::www',
    ]);
  });

  it('does not mutate the config commonParams', () => {
    const params = ['-artz'];
    const rsync: RsyncConfig = { ...noAuthRsync, commonParams: params };
    buildBatchArgs(rsync, remote, { deleteEnabled: true });
    buildFullSyncArgs(rsync, remote, { deleteEnabled: true });
    assert.deepEqual(params, ['-artz']);
  });
});

describe('the quick check', () => {
  it('event batches send every listed path (--ignore-times), by content when they send directories the receiver mostly has or back up what they replace (--checksum); attribute-only and full-sync runs keep the quick check', () => {
    const words = (o: Partial<BatchArgsOptions>): string[] =>
      buildBatchArgs(daemonRsync, remote, { deleteEnabled: true, ...o }).filter((w) =>
        /^--(checksum|ignore-times)$/.test(w),
      );
    assert.deepEqual(words({}), ['--ignore-times']);
    assert.deepEqual(words({ deleteEnabled: false, fuzzy: true }), ['--ignore-times']);
    assert.deepEqual(words({ byContent: true }), ['--checksum']);
    assert.deepEqual(
      words({ backupDir: '.sersync-versions/20300101T1000Z' }),
      ['--checksum'],
      '<versions>: by content',
    );
    assert.deepEqual(words({ dirsOnly: true }), []);
    assert.deepEqual(words({ rootOnly: true }), []);
    assert.ok(
      !buildFullSyncArgs(daemonRsync, remote, { deleteEnabled: true }).some((w) =>
        /^--(checksum|ignore-times)$/.test(w),
      ),
    );
  });
});

describe('buildFullSyncArgs', () => {
  it('with globExcludes, excludeFrom and protect: exact argv', () => {
    assert.deepEqual(
      buildFullSyncArgs(daemonRsync, remote, {
        deleteEnabled: true,
        excludeFrom: '/tmp/ex',
        globExcludes: ['*.log', 'cache/', 'a b/*.php'],
        protect: ['*.tmp'],
      }),
      [
        '-artz',
        ...FULL_DELETE_EXCLUDE_FROM,
        '--exclude=*.log',
        '--exclude=cache/',
        '--exclude=a b/*.php',
        '--exclude=*.tmp',
        ...SAMPLE_TRANSPORT,
        ...SAMPLE_DESTINATION,
      ],
    );
  });

  it('delete disabled: no --delete, --force or protect; never --files-from or --delete-missing-args', () => {
    const argv = buildFullSyncArgs(noAuthRsync, remote, {
      deleteEnabled: false,
      globExcludes: ['*.log'],
      protect: ['*.tmp'],
    });
    assert.deepEqual(argv, [
      '-artz',
      '-r',
      '--info=progress2',
      '--exclude=*.log',
      '--sockopts=TCP_NODELAY',
      '--contimeout=10',
      '--stats',
      './',
      '192.168.0.10::www',
    ]);
  });

  it('over ssh: -e ssh -p, host:path, no --password-file', () => {
    assert.deepEqual(buildFullSyncArgs(sshRsync, sshRemote, { deleteEnabled: true }), [
      '-artz',
      '-r',
      '--info=progress2',
      '--delete',
      '--force',
      '-e',
      'ssh -o ConnectTimeout=10 -p 2222 -o BatchMode=yes',
      '--timeout=30',
      '--stats',
      './',
      'backup@mirror.example:/srv/www',
    ]);
  });
});

describe('buildFullSyncArgs with compare (sersync-ts verify)', () => {
  it('the full sync argv, as a dry run by checksum printing %i %n, with -u dropped (it would hide remote-newer files)', () => {
    const rsync: RsyncConfig = { ...daemonRsync, commonParams: ['-artuz', '--update', '--bwlimit=100'] };
    assert.deepEqual(
      buildFullSyncArgs(rsync, remote, {
        deleteEnabled: true,
        excludeFrom: '/tmp/ex',
        globExcludes: ['*.log'],
        protect: ['*.tmp'],
        compare: true,
      }),
      [
        '-artz',
        '--bwlimit=100',
        ...FULL_DELETE_EXCLUDE_FROM,
        '--exclude=*.log',
        '--exclude=*.tmp',
        '--dry-run',
        '--checksum',
        '--out-format=%i %n',
        ...SAMPLE_TRANSPORT,
        ...SAMPLE_DESTINATION,
      ],
    );
  });

  it('delete disabled: no --delete (extras are not looked for), over ssh the same transport', () => {
    assert.deepEqual(buildFullSyncArgs(sshRsync, sshRemote, { deleteEnabled: false, compare: true }), [
      '-artz',
      '-r',
      '--info=progress2',
      '--dry-run',
      '--checksum',
      '--out-format=%i %n',
      '-e',
      'ssh -o ConnectTimeout=10 -p 2222 -o BatchMode=yes',
      '--timeout=30',
      '--stats',
      './',
      'backup@mirror.example:/srv/www',
    ]);
  });
});

describe('buildProbeArgs', () => {
  it('daemon: lists only the module top, with the same transport options (an I/O timeout of at most 5 s) and password file', () => {
    assert.deepEqual(buildProbeArgs(daemonRsync, remote), [
      '--list-only',
      '--dirs',
      '--exclude=*',
      '--port=873',
      '--sockopts=TCP_NODELAY',
      '--contimeout=10',
      '--timeout=5',
      'rsync_backup@192.168.0.10::www/',
      '--password-file=/etc/rsync.pas',
    ]);
  });
  it('ssh: host:path/, no --password-file', () => {
    assert.deepEqual(buildProbeArgs(sshRsync, sshRemote), [
      '--list-only',
      '--dirs',
      '--exclude=*',
      '-e',
      'ssh -o ConnectTimeout=10 -p 2222 -o BatchMode=yes',
      '--timeout=5',
      'backup@mirror.example:/srv/www/',
    ]);
  });
  it('no auth: no user@ and no --password-file', () => {
    assert.deepEqual(buildProbeArgs(noAuthRsync, remote), [
      '--list-only',
      '--dirs',
      '--exclude=*',
      '--sockopts=TCP_NODELAY',
      '--contimeout=10',
      '--timeout=5',
      '192.168.0.10::www/',
    ]);
  });
});

const DELETE_WHENS = ['--del', '--delete-before', '--delete-during', '--delete-delay', '--delete-after'];

describe('reusing remote data for renames', () => {
  it('fuzzy: --delete-delay after --delete (old names stay as basis until the end), --fuzzy after the protect flags, nothing else changes', () => {
    const plain = buildBatchArgs(daemonRsync, remote, { deleteEnabled: true, protect: ['*.tmp'] });
    const fuzzy = buildBatchArgs(daemonRsync, remote, { deleteEnabled: true, protect: ['*.tmp'], fuzzy: true });
    const at = plain.indexOf('--port=873');
    const del = plain.indexOf('--delete') + 1;
    assert.deepEqual(fuzzy, [
      ...plain.slice(0, del),
      '--delete-delay',
      ...plain.slice(del, at),
      '--fuzzy',
      ...plain.slice(at),
    ]);
    assert.ok(!plain.includes('--fuzzy') && !plain.includes('--delete-delay'));
  });

  it('--delete-delay: also for -y in commonParams; never with --no-fuzzy, without deletion, or when commonParams says when to delete', () => {
    assert.ok(
      buildBatchArgs({ ...daemonRsync, commonParams: ['-artuzy'] }, remote, { deleteEnabled: true }).includes(
        '--delete-delay',
      ),
    );
    assert.ok(
      !buildBatchArgs({ ...daemonRsync, commonParams: ['-artuzy'] }, remote, {
        deleteEnabled: true,
        fuzzy: false,
      }).includes('--delete-delay'),
    );
    assert.ok(
      !buildBatchArgs(daemonRsync, remote, { deleteEnabled: false, fuzzy: true }).some((w) => w.startsWith('--delete')),
    );
    for (const when of ['--del', '--delete-after', '--delete-during', '--delete-before', '--delete-delay']) {
      const argv = buildBatchArgs({ ...daemonRsync, commonParams: ['-artuz', when] }, remote, {
        deleteEnabled: true,
        fuzzy: true,
      });
      assert.equal(argv.filter((w) => DELETE_WHENS.includes(w)).length, 1, when);
    }
  });

  it('seed: the moved directory alone, into its own remote directory, with --link-dest to the old place and no deletion', () => {
    assert.deepEqual(
      buildSeedArgs(daemonRsync, remote, {
        dir: 'archive/2026/photos',
        oldPlace: '../../../album/photos',
        link: true,
        excludeFrom: '/tmp/ex',
      }),
      [
        '-artz',
        '-r',
        '--link-dest=../../../album/photos',
        '--from0',
        '--exclude-from=/tmp/ex',
        ...SAMPLE_TRANSPORT,
        '--stats',
        './',
        'rsync_backup@192.168.0.10::www/archive/2026/photos/',
        '--password-file=/etc/rsync.pas',
      ],
    );
  });

  it('seed without link: --copy-dest to the old place, nothing else changes', () => {
    const linked = buildSeedArgs(daemonRsync, remote, { dir: 'new', oldPlace: '../old', link: true });
    const copied = buildSeedArgs(daemonRsync, remote, { dir: 'new', oldPlace: '../old', link: false });
    assert.deepEqual(
      copied,
      linked.map((w) => (w === '--link-dest=../old' ? '--copy-dest=../old' : w)),
    );
    assert.ok(linked.includes('--link-dest=../old'));
  });

  it('which commonParams write into files or keep backups (the seed copies then: lane/plan-transfer.ts seedLinks)', () => {
    const inPlace = [['--inplace'], ['--append'], ['--append-verify'], ['-M--inplace'], ['--remote-option=--append']];
    for (const words of inPlace) assert.equal(writesInPlace(['-artz', ...words]), true, words.join(' '));
    for (const words of [['-artz'], ['--inplace-x'], ['--no-inplace']])
      assert.equal(writesInPlace(words), false, words.join(' '));
    const backups = [['-b'], ['-avb'], ['--backup'], ['--backup-dir=/old'], ['-M--backup'], ['--remote-option=-b']];
    for (const words of backups) assert.equal(keepsBackups(['-artz', ...words]), true, words.join(' '));
    for (const words of [['-artz'], ['-avz'], ['--backups'], ['--suffix=~']])
      assert.equal(keepsBackups(words), false, words.join(' '));
  });

  it('seed over ssh: user@host:path/dir/, no password file', () => {
    const argv = buildSeedArgs(sshRsync, sshRemote, { dir: 'new', oldPlace: '../old', link: true });
    assert.equal(argv.at(-1), 'backup@mirror.example:/srv/www/new/');
    assert.ok(!argv.some((w) => w.startsWith('--password-file') || w.startsWith('--delete')));
  });
});

describe('batch runs: attribute rules, --fuzzy, the ssh master', () => {
  it('attribute rules come after the protect rules: as words, or one --filter=merge FILE word (a path with a space stays one word)', () => {
    const words = buildBatchArgs(noAuthRsync, remote, {
      deleteEnabled: true,
      protect: ['*.tmp'],
      attrRules: ['--include=/top', '--exclude=/*'],
    });
    assert.deepEqual(words.slice(words.indexOf('--exclude=*.tmp'), words.indexOf('--exclude=*.tmp') + 3), [
      '--exclude=*.tmp',
      '--include=/top',
      '--exclude=/*',
    ]);
    const file = buildBatchArgs(noAuthRsync, remote, {
      deleteEnabled: true,
      protect: ['*.tmp'],
      attrRulesFrom: '/tmp/a b/rules',
    });
    assert.deepEqual(file.slice(file.indexOf('--exclude=*.tmp'), file.indexOf('--exclude=*.tmp') + 2), [
      '--exclude=*.tmp',
      '--filter=merge /tmp/a b/rules',
    ]);
  });
  it('fuzzy: true adds --fuzzy; false adds --no-fuzzy only when commonParams turns it on (-y in a cluster, or --fuzzy)', () => {
    assert.ok(buildBatchArgs(noAuthRsync, remote, { deleteEnabled: true, fuzzy: true }).includes('--fuzzy'));
    const off = buildBatchArgs(noAuthRsync, remote, { deleteEnabled: true, fuzzy: false });
    assert.ok(!off.includes('--fuzzy') && !off.includes('--no-fuzzy'));
    for (const params of [['-artuzy'], ['-a', '--fuzzy']]) {
      assert.ok(
        buildBatchArgs({ ...noAuthRsync, commonParams: params }, remote, {
          deleteEnabled: true,
          fuzzy: false,
        }).includes('--no-fuzzy'),
        params.join(' '),
      );
    }
    assert.ok(
      !buildBatchArgs({ ...noAuthRsync, commonParams: ['-artuzy'] }, remote, { deleteEnabled: true }).includes(
        '--no-fuzzy',
      ),
      'unset: commonParams decides',
    );
  });
  it('hasUserFilters: include/exclude/filter options, -C, -F, -f, --delete-excluded; not plain archive flags', () => {
    for (const w of [
      '--exclude=*.o',
      '--exclude',
      '--include=*/',
      '--exclude-from=/x',
      '--include-from=/x',
      '--filter=- x',
      '--cvs-exclude',
      '--delete-excluded',
      '-avzC',
      '-F',
      '-f',
    ])
      assert.ok(hasUserFilters(['-a', w]), w);
    for (const w of ['-artuz', '-avz', '--delete', '--sockopts=x', '--bwlimit=100']) assert.ok(!hasUserFilters([w]), w);
  });
  it('over ssh with a master: -e joins it (ControlMaster=no, so a dead master means a direct login, not a failure)', () => {
    const argv = buildBatchArgs(sshRsync, sshRemote, {
      deleteEnabled: true,
      ssh: { controlPath: '/var/lib/sersync-ts/ssh/ab12' },
    });
    assert.equal(
      argv[argv.indexOf('-e') + 1],
      'ssh -o ConnectTimeout=10 -p 2222 -o BatchMode=yes -o ControlMaster=no -o ControlPath=/var/lib/sersync-ts/ssh/ab12',
    );
  });
  it('a ControlPath with a space: rsync splits -e into the right words, and ssh gets it double-quoted', () => {
    const dir = '/srv/state dir/ssh/ab12';
    for (const argv of [
      buildBatchArgs(sshRsync, sshRemote, { deleteEnabled: true, ssh: { controlPath: dir } }),
      buildFullSyncArgs(sshRsync, sshRemote, { deleteEnabled: true, ssh: { controlPath: dir } }),
      buildSeedArgs(sshRsync, sshRemote, { dir: 'new', oldPlace: '../old', link: true, ssh: { controlPath: dir } }),
      buildProbeArgs(sshRsync, sshRemote, { controlPath: dir }),
    ]) {
      const e = argv[argv.indexOf('-e') + 1]!;
      assert.deepEqual(splitRshCommand(e), [
        'ssh',
        ...SSH_2222_OPTS,
        '-o',
        'ControlMaster=no',
        '-o',
        `ControlPath="${dir}"`,
      ]);
    }
  });
});

describe('over ssh, a remote directory that is not plain text', () => {
  it('gets --protect-args (an rsync < 3.2.4 client would let the remote shell split it); a plain one does not', () => {
    const spaced: Remote = { ...sshRemote, module: '/srv/my www' };
    for (const argv of [
      buildBatchArgs(sshRsync, spaced, { deleteEnabled: true }),
      buildFullSyncArgs(sshRsync, spaced, { deleteEnabled: true }),
      buildProbeArgs(sshRsync, spaced),
    ]) {
      assert.ok(argv.includes('--protect-args'), argv.join(' '));
      assert.equal(argv.at(-1)!.endsWith('/srv/my www') || argv.at(-1)!.endsWith('/srv/my www/'), true);
    }
    assert.ok(!buildBatchArgs(sshRsync, sshRemote, { deleteEnabled: true }).includes('--protect-args'));
    assert.ok(
      buildSeedArgs(sshRsync, sshRemote, { dir: 'new dir', oldPlace: '../old', link: true }).includes('--protect-args'),
      'a seed into a directory with a space',
    );
    assert.ok(
      !buildBatchArgs(daemonRsync, { ...remote, module: 'w w' }, { deleteEnabled: true }).includes('--protect-args'),
      'never for a daemon module',
    );
  });
});
