import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { agentRunOptions, parseCli, type CliCommand } from '../../../src/cli/args.js';
import { optionsToArgv } from '../../../src/cli/flags.js';
import type { RunOptions } from '../../../src/cli/run-options.js';
import { USAGE } from '../../../src/cli/usage.js';

function runOptions(argv: readonly string[]): RunOptions {
  const c = parseCli(argv);
  assert.equal(c.kind, 'run', `expected run for ${JSON.stringify(argv)}, got ${JSON.stringify(c)}`);
  return c.options;
}

function usageError(argv: readonly string[]): string {
  const c = parseCli(argv);
  assert.equal(c.kind, 'usage-error', `expected usage-error for ${JSON.stringify(argv)}, got ${JSON.stringify(c)}`);
  return c.message;
}

describe('parseCli defaults', () => {
  it('no arguments: run with ./confxml.xml, 10 threads, no initial sync, everything else off/null', () => {
    assert.deepEqual(parseCli([]), {
      kind: 'run',
      options: {
        configFile: './confxml.xml',
        initialSync: false,
        threads: 10,
        daemon: false,
        plugin: null,
        check: false,
        debug: false,
        logLevel: null,
        logFormat: 'text',
        delayMs: null,
        maxDelayMs: null,
        stopTimeoutSec: 30,
        stateDir: null,
        pidFile: null,
        logFile: null,
        role: null,
      },
    });
  });
});

describe('parseCli short and long forms', () => {
  const pairs: readonly (readonly [string, readonly string[], readonly string[], Partial<RunOptions>])[] = [
    ['initial sync', ['-r'], ['--initial-sync'], { initialSync: true }],
    ['threads', ['-n', '4'], ['--threads', '4'], { threads: 4 }],
    ['config', ['-o', '/etc/x.xml'], ['--config', '/etc/x.xml'], { configFile: '/etc/x.xml' }],
    ['daemon', ['-d'], ['--daemon'], { daemon: true }],
    ['plugin', ['-m', 'command'], ['--plugin', 'command'], { plugin: 'command' }],
  ];
  for (const [what, short, long, expected] of pairs) {
    it(`${what}: ${short.join(' ')} and ${long.join(' ')} mean the same`, () => {
      const a = runOptions(short);
      const b = runOptions(long);
      assert.deepEqual(a, b);
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(a[k as keyof RunOptions], v, k);
    });
  }

  it('--threads=N and -nN forms work too', () => {
    assert.equal(runOptions(['--threads=7']).threads, 7);
    assert.equal(runOptions(['-n7']).threads, 7);
    assert.equal(runOptions(['--config=a b.xml']).configFile, 'a b.xml');
  });

  it('short flags combine: -rd -n 3 -o c.xml', () => {
    const o = runOptions(['-rd', '-n', '3', '-o', 'c.xml']);
    assert.equal(o.initialSync, true);
    assert.equal(o.daemon, true);
    assert.equal(o.threads, 3);
    assert.equal(o.configFile, 'c.xml');
  });

  it('-h and --help ask for help', () => {
    assert.deepEqual(parseCli(['-h']), { kind: 'help' });
    assert.deepEqual(parseCli(['--help']), { kind: 'help' });
    assert.deepEqual(parseCli(['-r', '--help', '-n', '3']), { kind: 'help' });
  });

  it('--version asks for the version', () => {
    assert.deepEqual(parseCli(['--version']), { kind: 'version' });
  });

  it('--check, --debug', () => {
    assert.equal(runOptions(['--check']).check, true);
    assert.equal(runOptions(['--debug']).debug, true);
    assert.equal(runOptions([]).check, false);
  });

  it('--log-level accepts debug, info, warn, error', () => {
    for (const l of ['debug', 'info', 'warn', 'error'] as const)
      assert.equal(runOptions(['--log-level', l]).logLevel, l);
    assert.equal(runOptions(['--log-level=warn']).logLevel, 'warn');
  });

  it('--log-format accepts text and json', () => {
    assert.equal(runOptions(['--log-format', 'json']).logFormat, 'json');
    assert.equal(runOptions(['--log-format', 'text']).logFormat, 'text');
  });

  it('--stop-timeout accepts 0 and up (seconds)', () => {
    assert.equal(runOptions(['--stop-timeout', '0']).stopTimeoutSec, 0);
    assert.equal(runOptions(['--stop-timeout=90']).stopTimeoutSec, 90);
  });
  it('--delay accepts 0 and up; --max-delay 1 and up', () => {
    assert.equal(runOptions(['--delay', '0']).delayMs, 0);
    assert.equal(runOptions(['--delay', '250']).delayMs, 250);
    assert.equal(runOptions(['--max-delay', '1']).maxDelayMs, 1);
    assert.equal(runOptions(['--max-delay', '5000']).maxDelayMs, 5000);
  });

  it('--state-dir, --pid-file, --log-file, --role are carried through', () => {
    const o = runOptions([
      '--state-dir',
      '/var/lib/s',
      '--pid-file',
      '/run/p',
      '--log-file',
      '/var/log/s.log',
      '--role',
      'worker',
    ]);
    assert.equal(o.stateDir, '/var/lib/s');
    assert.equal(o.pidFile, '/run/p');
    assert.equal(o.logFile, '/var/log/s.log');
    assert.equal(o.role, 'worker');
  });

  it('"status" is the one command, with the same options', () => {
    const c = parseCli(['status', '-o', 'x.xml']);
    assert.equal(c.kind, 'status');
    assert.equal(c.options.configFile, 'x.xml');
  });
});

describe('parseCli usage errors name the flag', () => {
  const cases: readonly (readonly [string, readonly string[], RegExp])[] = [
    ['an unknown long flag', ['--frobnicate'], /--frobnicate/],
    ['an unknown short flag', ['-z'], /-z/],
    ['-n abc', ['-n', 'abc'], /-n\/--threads.*"abc"/],
    ['-n 0', ['-n', '0'], /-n\/--threads.*>= 1.*"0"/],
    ['-n -1', ['-n=-1'], /threads|-n/],
    ['-n 1.5', ['--threads', '1.5'], /-n\/--threads.*"1\.5"/],
    ['-n with no value', ['-n'], /-n/],
    ["-o ''", ['-o', ''], /-o\/--config/],
    ['--config=', ['--config='], /-o\/--config/],
    ['a bad --log-level', ['--log-level', 'verbose'], /--log-level.*"verbose"/],
    ['a bad --log-format', ['--log-format', 'xml'], /--log-format.*"xml"/],
    ['--delay abc', ['--delay', 'abc'], /--delay.*"abc"/],
    ['--delay -5', ['--delay=-5'], /--delay.*"-5"/],
    ['--max-delay 0', ['--max-delay', '0'], /--max-delay.*"0"/],
    ['a positional argument', ['confxml.xml'], /unexpected argument "confxml\.xml"/],
    ['a second positional after status', ['status', 'extra'], /unexpected argument "extra"/],
    ['a bad --role', ['--role', 'boss'], /--role.*"boss"/],
    ['--repair without verify', ['--repair'], /--repair goes with "verify"/],
    ['--root without verify', ['status', '--root', '/x'], /--root goes with "verify"/],
    ['--remote without verify', ['--remote=h::m'], /--remote goes with "verify"/],
    ['an empty --root', ['verify', '--root='], /--root: empty/],
    [
      'a second positional after verify',
      ['verify', 'now'],
      /unexpected argument "now" \(the commands are "status" and "verify"/,
    ],
    ['a value for a boolean flag', ['--check=yes'], /--check/],
    ['restore after a flag', ['-o', 'c.xml', 'restore', 'a.txt'], /"restore" comes first, before its flags/],
    ['versions after a flag', ['-r', 'versions', 'a.txt'], /"versions" comes first/],
  ];
  for (const [what, argv, re] of cases) {
    it(`${what} (${JSON.stringify(argv)}) is a usage error naming it`, () => {
      assert.match(usageError(argv), re);
    });
  }

  it('an unknown flag wins over --help and --version (the command line is wrong)', () => {
    assert.equal(parseCli(['--help', '--nope']).kind, 'usage-error');
    assert.equal(parseCli(['--version', '--nope']).kind, 'usage-error');
  });
});

describe('parseCli verify', () => {
  it('verify -o FILE: compare only, every root and remote', () => {
    const c = parseCli(['verify', '-o', '/etc/c.xml']);
    assert.equal(c.kind, 'verify');
    const v = c;
    assert.deepEqual(v.verify, { repair: false, root: null, remote: null });
    assert.equal(v.options.configFile, '/etc/c.xml');
  });
  it('--repair --root --remote -n, in any order around the command', () => {
    const c = parseCli(['--repair', '-n', '2', 'verify', '--root', '/srv/www/', '--remote=127.0.0.1::www']) as Extract<
      CliCommand,
      { kind: 'verify' }
    >;
    assert.equal(c.kind, 'verify');
    assert.deepEqual(c.verify, { repair: true, root: '/srv/www/', remote: '127.0.0.1::www' });
    assert.equal(c.options.threads, 2);
  });
});

describe('agentRunOptions (whether main.ts starts the watcher early)', () => {
  it("the agent in the foreground, and as -d's worker", () => {
    assert.equal(agentRunOptions(['-o', 'c.xml'])?.configFile, 'c.xml');
    assert.equal(agentRunOptions(['-r', '-o', 'c.xml', '-n', '3'])?.threads, 3);
    assert.equal(agentRunOptions(['-d', '--role=worker', '-o', '/etc/c.xml'])?.configFile, '/etc/c.xml');
  });
  it('nothing that does not run the agent in this process', () => {
    for (const argv of [
      ['-d', '-o', 'c.xml'], // the launcher
      ['-d', '--role=supervisor', '-o', 'c.xml'],
      ['--check', '-o', 'c.xml'],
      ['-m', 'command', '-o', 'c.xml'],
      ['status', '-o', 'c.xml'],
      ['verify', '-o', 'c.xml'],
      ['release-deletes', '-o', 'c.xml'],
      ['receiver', 'check', '--config', 'r.conf'],
      ['versions', '/srv/www'],
      ['--version'],
      ['--help'],
      ['--no-such-flag'],
    ])
      assert.equal(agentRunOptions(argv), null, JSON.stringify(argv));
  });
});

describe('USAGE', () => {
  it('documents verify and its options', () => {
    for (const f of [
      'sersync-ts verify',
      '--repair',
      '--root PATH',
      '--remote LABEL',
      'Exit 0 identical, 1 something differs, 2 a remote cannot be checked',
    ])
      assert.ok(USAGE.includes(f), f);
  });
  it('documents every long option parseCli accepts', () => {
    for (const f of [
      '--config',
      '--initial-sync',
      '--threads',
      '--daemon',
      '--plugin',
      '--check',
      '--debug',
      '--log-level',
      '--log-format',
      '--delay',
      '--max-delay',
      '--stop-timeout',
      '--state-dir',
      '--pid-file',
      '--log-file',
      '--help',
      '--version',
    ])
      assert.ok(USAGE.includes(f), f);
  });
});

describe('optionsToArgv (what -d passes to the supervisor, which runs in /)', () => {
  it('makes every path absolute and round-trips the options', () => {
    const o = runOptions([
      '-d',
      '-r',
      '-o',
      'c.xml',
      '-n',
      '3',
      '--state-dir',
      'st',
      '--pid-file=p.pid',
      '--log-file',
      'logs/a.log',
      '--delay',
      '5',
      '-m',
      'socket',
      '--log-format',
      'json',
    ]);
    const argv = optionsToArgv(o, '/srv/conf');
    assert.deepEqual(argv, [
      '--config=/srv/conf/c.xml',
      '--initial-sync',
      '--threads=3',
      '--pid-file=/srv/conf/p.pid',
      '--log-file=/srv/conf/logs/a.log',
      '--plugin=socket',
      '--log-format=json',
      '--state-dir=/srv/conf/st',
      '--delay=5',
      '--stop-timeout=30',
    ]);
    const back = runOptions(argv);
    assert.equal(back.configFile, '/srv/conf/c.xml');
    assert.equal(back.stateDir, '/srv/conf/st');
    assert.equal(back.daemon, false);
    assert.equal(back.initialSync, true);
  });
  it('the default ./confxml.xml becomes absolute too', () => {
    assert.equal(optionsToArgv(runOptions(['-d']), '/etc/sersync')[0], '--config=/etc/sersync/confxml.xml');
  });
});
