import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli } from '../../../src/cli/args.js';
import { commandsOf } from '../../../src/cli/commands.js';
import { FLAGS, flagLabel, namedIn, type Flag, type UsageLine } from '../../../src/cli/flags.js';
import { parseVersionsCli } from '../../../src/cli/versions-args.js';

/** `--name VALUE` (a value the flag takes), or `--name` for a boolean one. */
const argOf = (f: Flag): string[] => (f.value ? [`--${f.name}`, f.name === 'at' ? '2h' : 'x'] : [`--${f.name}`]);
/** What each command needs besides the flag under test: restore's required --at. */
const base = (cmd: string, f: Flag): string[] => (cmd === 'restore' && f.name !== 'at' ? ['--at', '2h'] : []);

describe('versions and restore take their flags from the table', () => {
  it('versions takes -o and --remote; restore takes -o, --remote, --at and --to (pinned, not read back from the table)', () => {
    const takes = (cmd: UsageLine): string[] => FLAGS.filter((f) => namedIn(f, cmd)).map((f) => f.name);
    assert.deepEqual(commandsOf('own-flags'), ['versions', 'restore']);
    assert.deepEqual(takes('versions'), ['config', 'remote']);
    assert.deepEqual(takes('restore'), ['config', 'remote', 'at', 'to']);
  });

  for (const cmd of commandsOf('own-flags'))
    it(`${cmd} accepts exactly the flags its synopsis names, every other flag of the table is a usage error`, () => {
      for (const f of FLAGS) {
        const c = parseCli([cmd, '/w/p', ...base(cmd, f), ...argOf(f)]);
        if (namedIn(f, cmd)) assert.equal(c.kind, cmd, `${cmd} --${f.name}: ${JSON.stringify(c)}`);
        else if (f.name === 'help') assert.equal(c.kind, 'help', `${cmd} --help prints the usage`);
        else assert.equal(c.kind, 'usage-error', `${cmd} --${f.name}`);
      }
    });

  it('-h and --help print the usage after either command word, with or without a PATH', () => {
    for (const cmd of commandsOf('own-flags'))
      for (const argv of [
        [cmd, '--help'],
        [cmd, '-h'],
        [cmd, 'p', '--help'],
        [cmd, '--at', '2h', '-h'],
      ])
        assert.deepEqual(parseCli(argv), { kind: 'help' }, argv.join(' '));
    assert.equal(parseCli(['versions', '--', '--help']).kind, 'versions', 'after --, a PATH named --help');
  });

  it('-o is the one config flag of the table, shared: the same short form, the same default', () => {
    assert.equal(FLAGS.filter((f) => f.name === 'config' || f.short === 'o').length, 1);
    assert.deepEqual(parseCli(['versions', 'p', '-o', 'c.xml']), parseCli(['versions', 'p', '--config=c.xml']));
    const dflt = parseCli(['versions', 'p']);
    assert.equal(dflt.kind === 'versions' && dflt.configFile, FLAGS.find((f) => f.name === 'config')!.fallback);
  });

  it('an empty value names the flag as the table labels it', () => {
    for (const cmd of commandsOf('own-flags'))
      for (const f of FLAGS.filter((x) => x.value && namedIn(x, cmd))) {
        const c = parseVersionsCli([cmd, 'p', ...base(cmd, f), `--${f.name}=`]);
        assert.deepEqual(c, { kind: 'usage-error', message: `${cmd}: ${flagLabel(f)} is empty` }, f.name);
      }
  });

  it("the other command's flag says where it goes; a missing required one says what it looks like", () => {
    assert.deepEqual(parseVersionsCli(['versions', 'p', '--to', '/t']), {
      kind: 'usage-error',
      message: 'versions: --to goes with "restore" (see --help)',
    });
    assert.deepEqual(parseVersionsCli(['restore', 'p']), {
      kind: 'usage-error',
      message:
        'restore: --at TIME is required (ISO 8601 like 2026-12-04T21:30Z, or a duration ago like 2h; see --help)',
    });
  });

  it('an unknown flag, or one of the run, is refused in the command’s name', () => {
    for (const argv of [
      ['versions', 'p', '-n', '3'],
      ['restore', 'p', '--at', '2h', '--nope'],
      ['versions', 'p', '--version'],
    ])
      assert.match(JSON.stringify(parseCli(argv)), new RegExp(`"message":"${argv[0]}: Unknown option`), argv.join(' '));
  });

  it('restore reads --at and --to; versions and restore read --remote', () => {
    assert.deepEqual(parseCli(['restore', '/w/d', '--to=/t', '--at=2030-01-01T10:00Z', '--remote', 'h::m']), {
      kind: 'restore',
      configFile: './confxml.xml',
      path: '/w/d',
      remote: 'h::m',
      at: '2030-01-01T10:00Z',
      to: '/t',
    });
    assert.deepEqual(parseCli(['versions', '/w/d', '--remote=m']), {
      kind: 'versions',
      configFile: './confxml.xml',
      path: '/w/d',
      remote: 'm',
    });
  });
});

describe('the run and its commands do not take the flags of versions and restore', () => {
  for (const name of ['at', 'to'])
    it(`--${name} outside restore: unknown (as before the table had it)`, () => {
      for (const argv of [
        [`--${name}`, 'x'],
        ['verify', `--${name}`, 'x'],
      ])
        assert.match(JSON.stringify(parseCli(argv)), new RegExp(`Unknown option '--${name}'`));
    });
});
