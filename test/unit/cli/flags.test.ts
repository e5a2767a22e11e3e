import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli } from '../../../src/cli/args.js';
import { FLAGS, optionsToArgv, type Flag } from '../../../src/cli/flags.js';
import type { RunOptions } from '../../../src/cli/run-options.js';
import { USAGE } from '../../../src/cli/usage.js';

/** A value each rebuilt flag accepts, different from its default. */
const SAMPLE: Record<string, string> = {
  config: '/etc/s/c.xml',
  threads: '3',
  'pid-file': '/run/p.pid',
  'log-file': '/var/log/s.log',
  plugin: 'socket',
  'log-level': 'warn',
  'log-format': 'json',
  'state-dir': '/var/lib/s',
  delay: '0',
  'max-delay': '7',
  'stop-timeout': '5',
  role: 'worker',
};

function runOptions(argv: readonly string[]): RunOptions {
  const c = parseCli(argv);
  assert.equal(c.kind, 'run', `${JSON.stringify(argv)} → ${JSON.stringify(c)}`);
  return (c as { options: RunOptions }).options;
}

const rebuilt = FLAGS.filter((f) => f.option && f.rebuild !== false);
const argOf = (f: Flag): string[] => (f.value ? [`--${f.name}`, SAMPLE[f.name]!] : [`--${f.name}`]);
/** Absolute paths only: the rebuild makes paths absolute (tested in args.test.ts), the default config is not. */
const BASE = ['--config', '/etc/s/base.xml'];

describe('the flag table', () => {
  it('has a sample for every rebuilt flag that takes a value (a new flag must be added here)', () => {
    for (const f of rebuilt) if (f.value) assert.ok(SAMPLE[f.name] !== undefined, f.name);
  });

  for (const f of rebuilt)
    it(`--${f.name}: parse → rebuild → parse gives the same options`, () => {
      const first = runOptions([...BASE, ...argOf(f)]);
      assert.notDeepEqual(first, runOptions(BASE), 'the sample must change something');
      const argv = optionsToArgv(first, '/');
      assert.deepEqual(runOptions(argv), first);
      assert.ok(
        argv.some((a) => a === `--${f.name}` || a.startsWith(`--${f.name}=`)),
        `${f.name} in ${argv.join(' ')}`,
      );
    });

  it('every rebuilt flag at once round-trips', () => {
    const first = runOptions(rebuilt.flatMap(argOf));
    assert.deepEqual(runOptions(optionsToArgv(first, '/')), first);
  });

  it('-d, --check and --role are never rebuilt (the supervisor adds its own --role)', () => {
    const argv = optionsToArgv(runOptions(['-d', '--check', '--role=worker']), '/');
    assert.deepEqual(
      argv.filter((a) => /^--(daemon|check|role)\b/.test(a)),
      [],
    );
  });

  it('the usage text lists every documented flag exactly once, with its short form and value', () => {
    for (const f of FLAGS) {
      const head = new RegExp(`^  (?:-${f.short ?? 'NONE'}, |    )--${f.name}(?: ${f.value ?? ''})?(?: |$)`);
      const lines = USAGE.split('\n').filter((l) => head.test(l));
      assert.equal(lines.length, f.help ? 1 : 0, `--${f.name}: ${JSON.stringify(lines)}`);
    }
  });

  it('every flag the parser accepts is in the table: an unknown one is a usage error', () => {
    assert.equal(parseCli(['--no-such-flag']).kind, 'usage-error');
    for (const f of FLAGS.filter((x) => x.option)) {
      const c = parseCli(argOf(f).length === 2 ? argOf(f) : [`--${f.name}`]);
      assert.notEqual(c.kind, 'usage-error', f.name);
    }
  });
});
