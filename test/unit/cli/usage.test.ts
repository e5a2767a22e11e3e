import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS } from '../../../src/cli/commands.js';
import { FLAGS, namedIn, type Flag, type UsageLine } from '../../../src/cli/flags.js';
import { USAGE } from '../../../src/cli/usage.js';

/** The synopsis: `Usage: sersync-ts ...` and its continuation lines, up to the first blank line. */
const SYNOPSIS = USAGE.split('\n\n')[0]!.split('\n');
/** `-o FILE` or `--repair`: how a synopsis line writes a flag. */
const said = (f: Flag): string => `${f.short ? `-${f.short}` : `--${f.name}`}${f.value ? ` ${f.value}` : ''}`;
const lineOf = (cmd: string): string | undefined =>
  SYNOPSIS.find((l) => l.replace(/^(Usage:)? +/, '').startsWith(`sersync-ts ${cmd} `));

describe('the usage synopsis is made from the tables', () => {
  it('says this, word for word (a row of the table lost or misplaced shows here)', () => {
    assert.deepEqual(SYNOPSIS, [
      'Usage: sersync-ts [-o FILE] [-r] [-n N] [-d] [-m NAME] [--check] [-h] [--version]',
      '       sersync-ts status [-o FILE]',
      '       sersync-ts verify [-o FILE] [-n N] [--repair] [--root PATH] [--remote LABEL]',
      '       sersync-ts receiver init|check ... (on the backup host; see sersync-ts receiver --help)',
      '       sersync-ts release-deletes [-o FILE] [--root PATH]',
      '       sersync-ts versions PATH [-o FILE] [--remote LABEL]',
      '       sersync-ts restore PATH --at TIME [-o FILE] [--remote LABEL] [--to DIR]',
    ]);
  });

  it('the run first, then one line per command, in the table order', () => {
    assert.match(SYNOPSIS[0]!, /^Usage: sersync-ts \[/);
    assert.equal(SYNOPSIS.length, 1 + COMMANDS.length);
    COMMANDS.forEach((c, i) => assert.ok(SYNOPSIS[i + 1]!.startsWith(`       sersync-ts ${c.name} `), c.name));
  });

  it('every command is named, with its operand', () => {
    for (const c of COMMANDS) {
      const line = lineOf(c.name);
      assert.ok(line, `no synopsis line for ${c.name}`);
      if (c.operand) assert.ok(line.includes(`sersync-ts ${c.name} ${c.operand}`), line);
    }
    for (const cmd of ['status', 'verify', 'receiver', 'release-deletes', 'versions', 'restore'])
      assert.ok(lineOf(cmd), `the synopsis lacks ${cmd}`);
  });

  it('each line names exactly the flags the table puts in it; required ones without brackets', () => {
    const lines: readonly [UsageLine, string][] = [
      ['run', SYNOPSIS[0]!],
      ...COMMANDS.map((c) => [c.name, lineOf(c.name)!] as [UsageLine, string]),
    ];
    for (const [name, line] of lines)
      for (const f of FLAGS) {
        const shown = line.includes(f.required ? ` ${said(f)}` : `[${said(f)}]`);
        assert.equal(shown, namedIn(f, name), `${name} line and ${said(f)}: ${line}`);
      }
    assert.ok(lineOf('restore')!.includes('restore PATH --at TIME ['));
  });

  it('-o is in every line but receiver’s (which has its own help)', () => {
    for (const l of SYNOPSIS) assert.equal(l.includes('[-o FILE]'), !l.includes('sersync-ts receiver'), l);
  });
});

describe('the usage text describes every flag and command of the tables', () => {
  it('only the internal --role has no description', () => {
    assert.deepEqual(
      FLAGS.filter((f) => !f.help).map((f) => f.name),
      ['role'],
    );
  });

  it('each command with a description has its entry, followed by the flags it is the first command of', () => {
    const body = USAGE.split('\n');
    for (const c of COMMANDS.filter((x) => x.help)) {
      const at = body.findIndex((l) => l.startsWith(`  ${c.name}${c.operand ? ` ${c.operand}` : ''} `));
      assert.ok(at > 0, c.name);
      const own = FLAGS.filter((f) => f.help && f.commands?.[0] === c.name);
      const after = body
        .slice(at + 1)
        .filter((l) => /^ {2}(-\w, | {4})--/.test(l))
        .slice(0, own.length);
      assert.deepEqual(
        after.map((l) => l.trim().split(' ')[0]),
        own.map((f) => `--${f.name}`),
        c.name,
      );
    }
  });

  it('a command’s flag says which commands it goes with', () => {
    for (const f of FLAGS.filter((x) => x.commands && x.help)) {
      const line = USAGE.split('\n').find((l) => l.startsWith(`      --${f.name} `))!;
      for (const c of f.commands!) assert.ok(line.includes(c), `--${f.name}: ${line}`);
    }
    assert.ok(USAGE.includes('--root PATH       with verify or release-deletes: only this <localpath watch>'));
    assert.ok(USAGE.includes('--remote LABEL    with verify, versions or restore: only this remote'));
  });
});
