import { COMMANDS } from './commands.js';
import { FLAGS, namedIn, type Flag, type UsageLine } from './flags.js';

/** Where a description starts in the usage text. */
const HELP_COLUMN = 24;

/** `with verify or release-deletes: `: a command's flag says which commands it goes with. */
function withCommands(f: Flag): string {
  const c = f.commands;
  if (!c) return '';
  return `with ${c.length > 1 ? `${c.slice(0, -1).join(', ')} or ${c[c.length - 1]}` : c[0]}: `;
}

/** `head` then `help` at the help column, continuation lines indented to it. */
function described(head: string, help: string): string {
  const [first, ...more] = help.split('\n');
  return [`${head.padEnd(HELP_COLUMN)}${first}`, ...more.map((l) => `${' '.repeat(HELP_COLUMN)}${l}`)].join('\n');
}

/** One flag's lines in the usage text (`  -o, --config FILE     config file ...`). */
function flagUsage(f: Flag): string {
  const head = `  ${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` ${f.value}` : ''}`;
  return described(head, `${withCommands(f)}${f.help ?? ''}`);
}

/** One flag in a synopsis line: `[-o FILE]`, or `--at TIME` where it is required. */
function synopsisFlag(f: Flag): string {
  const said = `${f.short ? `-${f.short}` : `--${f.name}`}${f.value ? ` ${f.value}` : ''}`;
  return f.required ? said : `[${said}]`;
}

/** The words of one synopsis line after `sersync-ts`: the required flags first, then the table's order. */
function synopsisLine(line: UsageLine, operand?: string, note?: string): string {
  const named = FLAGS.filter((f) => namedIn(f, line));
  const flags = [...named.filter((f) => f.required), ...named.filter((f) => !f.required)].map(synopsisFlag);
  return [
    'sersync-ts',
    ...(line === 'run' ? [] : [line]),
    ...(operand ? [operand] : []),
    ...flags,
    ...(note ? [note] : []),
  ].join(' ');
}

/** `Usage: sersync-ts ...`, one line for the run and one for each command. */
function synopsis(): string {
  const lines = [synopsisLine('run'), ...COMMANDS.map((c) => synopsisLine(c.name, c.operand, c.note))];
  return lines.map((l, i) => `${i === 0 ? 'Usage: ' : '       '}${l}`).join('\n');
}

/** The flags of the run itself, then each command with the flags that go with it. */
function optionsHelp(): string {
  const lines = FLAGS.filter((f) => f.help && !f.commands).map(flagUsage);
  for (const c of COMMANDS) {
    if (!c.help) continue;
    lines.push(described(`  ${c.name}${c.operand ? ` ${c.operand}` : ''}`, c.help));
    lines.push(...FLAGS.filter((f) => f.help && f.commands?.[0] === c.name).map(flagUsage));
  }
  return lines.join('\n');
}

export const USAGE = `${synopsis()}

Mirror directories to rsync daemon modules in real time, from a sersync confxml.xml.

${optionsHelp()}

Signals: TERM/INT stop (pending changes are shipped or journaled), HUP reloads the config and
reopens the log file, USR1 logs a status snapshot.

Exit codes: 0 ok, 64 bad command line, 78 bad configuration, 1 other failure (verify: see above).`;
