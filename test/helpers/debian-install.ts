import { q } from './namespace.js';

/**
 * The install scenario in a stock Debian 12 root, as one shell script run in a private mount and
 * PID namespace (`unshare --mount --pid --fork --kill-child`): the cached root is the lower layer
 * of an overlay whose upper layer is a tmpfs, so the cache is never changed; /proc and /dev/pts (apt
 * logs the maintainer scripts through a pty) are mounted for the namespace only. When the script ends, for whatever reason, the kernel unmounts everything
 * and kills whatever it left running. Output: sections headed "### name".
 */
export interface InstallScenario {
  /** The cached root (the overlay's lower layer). */
  readonly root: string;
  /** A scratch directory of the host (mount points). */
  readonly work: string;
  /** A host directory copied to /srv/t in the root: the .deb, conf.xml, the password file. */
  readonly files: string;
  readonly deb: string;
}

/** Lists the namespace's processes as "pid state exe argv0 argv1" (argv past the second can hold a whole script). */
const PROCESSES = `for d in /proc/[0-9]*; do
  s=$(sed -e 's/^.*) //' -e 's/ .*//' "$d/stat" 2>/dev/null || true)
  e=$(readlink "$d/exe" 2>/dev/null || true)
  a=$(tr '\\0' '\\n' < "$d/cmdline" 2>/dev/null | head -n 2 | tr '\\n' ' ' || true)
  echo "\${d#/proc/} $s $e $a"
done`;

export function debianInstallScript(s: InstallScenario): string {
  const R = `${s.work}/merged`;
  return `set -eu
mkdir -p ${q(`${s.work}/layers`)} ${q(R)}
mount -t tmpfs tmpfs ${q(`${s.work}/layers`)}
mkdir ${q(`${s.work}/layers/upper`)} ${q(`${s.work}/layers/work`)}
mount -t overlay overlay -o ${q(`lowerdir=${s.root},upperdir=${s.work}/layers/upper,workdir=${s.work}/layers/work`)} ${q(R)}
mount -t proc proc ${q(`${R}/proc`)}
mount -t devpts -o newinstance,ptmxmode=0666 devpts ${q(`${R}/dev/pts`)}
cp /etc/resolv.conf ${q(`${R}/etc/resolv.conf`)}
cp -a ${q(s.files)} ${q(`${R}/srv/t`)}
c() { chroot ${q(R)} /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
echo "### debian_version"
c cat /etc/debian_version
echo "### apt-get install"
c sh -c ${q(`cd /srv/t && apt-get install -y ./${s.deb} 2>&1`)} || echo "exit $?"
echo "### node on PATH"
c sh -c 'command -v node nodejs || echo none'
echo "### sersync-ts --version"
c sersync-ts --version 2>&1 || echo "exit $?"
echo "### sersync-ts --check"
c sersync-ts --check -o /srv/t/conf.xml 2>&1 || echo "exit $?"
echo "### sersync-ts -d"
c sersync-ts -d -o /srv/t/conf.xml 2>&1 || echo "exit $?"
echo "### running"
c sh -c ${q(PROCESSES)}
c dpkg -L sersync-ts > ${q(`${s.work}/dpkg-L`)}
echo "### apt-get purge"
c apt-get purge -y sersync-ts 2>&1 || echo "exit $?"
echo "### processes after purge"
c sh -c ${q(PROCESSES)}
echo "### files after purge"
while IFS= read -r p; do
  if [ -e "${R}$p" ] && [ ! -d "${R}$p" ]; then echo "$p"; fi
done < ${q(`${s.work}/dpkg-L`)}
for d in /usr/lib/sersync-ts /usr/share/sersync-ts /usr/share/doc/sersync-ts /etc/sersync-ts /var/lib/sersync-ts /var/log/sersync-ts /run/sersync-ts.pid; do
  if [ -e "${R}$d" ]; then echo "$d"; fi
done
(cd ${q(R)} && find . -xdev -name '*sersync*' ! -path './srv/t/*' ! -path './proc/*' -print)
echo "### end"
`;
}

/** The script's output cut into its "### name" sections. */
export function sections(out: string): Map<string, string> {
  const m = new Map<string, string>();
  let name = '';
  for (const line of out.split('\n')) {
    const h = /^### (.*)$/.exec(line);
    if (h) {
      name = h[1]!;
      m.set(name, '');
    } else if (name) m.set(name, `${m.get(name)}${line}\n`);
  }
  return m;
}
