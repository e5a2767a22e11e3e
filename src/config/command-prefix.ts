/**
 * What a command plugin's prefix would do with the changed file's path (pure). sersync's default
 * prefix was `/bin/sh`: every changed file was executed. We never use a shell ourselves, but a
 * prefix can still name one (or another interpreter), directly or through `env`.
 */
interface PrefixAnalysis {
  /** The interpreter the prefix runs (basename), or null when it is some other program. */
  readonly interpreter: string | null;
  /** The interpreter is a shell (sh, bash, dash, ...). */
  readonly shell: boolean;
  /**
   * The interpreter gets no script of its own before the path: it runs the changed file itself.
   * (`python3 /opt/hook.py` has a script; `/bin/sh` and `python3` do not.)
   */
  readonly runsTheFile: boolean;
  /**
   * The option that makes the path program text (`sh -c`, `python -c`, `perl -e`, `node -e`,
   * `php -r`): the file's NAME would then be run as code. null when there is none.
   */
  readonly evalFlag: string | null;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'csh', 'tcsh', 'fish']);
/** Interpreter basename (version suffixes stripped) → the short options that take program text. */
const EVAL_OPTIONS: Readonly<Record<string, RegExp>> = {
  shell: /^-[A-Za-z]*c[A-Za-z]*$/,
  python: /^-[A-Za-z]*c$/,
  perl: /^-[A-Za-z]*[eE]$/,
  ruby: /^-[A-Za-z]*e$/,
  node: /^(-[A-Za-z]*[ep]|--eval|--print)$/,
  php: /^-[A-Za-z]*[rR]$/,
};

function family(word: string): string | null {
  const base = word.slice(word.lastIndexOf('/') + 1);
  if (SHELLS.has(base)) return 'shell';
  const m = /^(python|perl|ruby|node|nodejs|php)[\d.]*$/.exec(base);
  if (!m) return null;
  return m[1] === 'nodejs' ? 'node' : m[1]!;
}

const basename = (w: string): string => w.slice(w.lastIndexOf('/') + 1);

/** `words` = the prefix split into argv words. */
export function analysePrefix(words: readonly string[]): PrefixAnalysis {
  let i = 0;
  // `env [-i] [-u NAME] [-S] [NAME=VALUE]... PROGRAM` and `busybox sh`.
  if (words[i] !== undefined && basename(words[i]!) === 'env') {
    i++;
    while (i < words.length && (words[i]!.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!))) {
      if (words[i] === '-u' || words[i] === '--unset' || words[i] === '-C' || words[i] === '--chdir') i++;
      i++;
    }
  }
  if (words[i] !== undefined && basename(words[i]!) === 'busybox') i++;
  const prog = words[i];
  const fam = prog === undefined ? null : family(prog);
  if (fam === null) return { interpreter: null, shell: false, runsTheFile: false, evalFlag: null };
  const evalRe = EVAL_OPTIONS[fam]!;
  let evalFlag: string | null = null;
  let j = i + 1;
  // Options before the first operand belong to the interpreter; after it, to the script.
  for (; j < words.length && words[j]!.startsWith('-') && words[j] !== '-' && words[j] !== '--'; j++) {
    if (evalRe.test(words[j]!)) {
      evalFlag = words[j]!;
      break;
    }
    // Options whose value is the next word (so that word is not taken for a script).
    if (fam === 'shell' && /^[-+]o$/.test(words[j]!)) j++;
  }
  if (words[j] === '--') j++;
  const hasScript = evalFlag === null && j < words.length;
  return { interpreter: basename(prog!), shell: fam === 'shell', runsTheFile: evalFlag === null && !hasScript, evalFlag };
}
