import fs from 'node:fs/promises';
import path from 'node:path';
import { loadExeca } from '../shared/execa-lazy.js';
import type { Remote, RsyncConfig } from '../config/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { chooseControlDir, controlSocket, hostTag, prepareControlDir } from './ssh-control-dir.js';
import { sshControlArgs, type SshControl } from './ssh-command.js';
import { SshMaster } from './ssh-master.js';
import { processAlive } from '../shared/process.js';

let instances = 0;

/** A live SshControl: no socket until the directory is known to be safe, none again after stop. */
interface LiveControl {
  controlPath: string | null;
}

/** What the pool does with a master: SshMaster, which restarts itself while it runs. */
export interface PoolMaster {
  readonly socket: string;
  /** Spawns it and returns; it keeps itself up (SshMaster's backoff) until stop(). */
  start(): void;
  stop(): Promise<void>;
}

/** Seams for the pool's side effects, so its own decisions can be tested without ssh. */
export interface SshMastersSeams {
  /** Makes the master for one host at `socket`. @default a real SshMaster */
  readonly newMaster?: (remote: Remote, socket: string) => PoolMaster;
  /** Tells the master behind a socket of a dead agent to exit. @default `ssh -O exit`, 5 s at most */
  readonly endOrphan?: (remote: Remote, socket: string) => Promise<void>;
}

/**
 * One ssh master per remote host of an agent (see SshMaster), their sockets in
 * `<state dir>/ssh` (mode 0700; see ssh-control-dir.ts for when it is elsewhere). Each agent
 * instance names its own sockets (a config reload runs two agents at once for a moment), and
 * sockets left by an agent that died (kill -9) are told to exit at the next start.
 */
export class SshMasters {
  private readonly controls = new Map<string, LiveControl>();
  private readonly remotes = new Map<string, Remote>();
  private readonly masters: PoolMaster[] = [];
  private readonly instance = ++instances;
  private readonly uid = process.getuid?.() ?? 0;

  constructor(
    private readonly rsync: RsyncConfig,
    remotes: readonly Remote[],
    private readonly stateDir: string,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly seams: SshMastersSeams = {},
  ) {
    for (const r of remotes) {
      if (this.controls.has(r.ip)) continue;
      this.controls.set(r.ip, { controlPath: null });
      this.remotes.set(r.ip, r);
    }
  }

  /** What rsync to this remote's host passes to ssh; read at every run, so it follows start/stop. */
  control(remote: Remote): SshControl {
    return this.controls.get(remote.ip) ?? { controlPath: null };
  }

  /** The running masters (for status and tests). */
  list(): readonly PoolMaster[] {
    return this.masters;
  }

  /** Prepares the socket directory and starts every master; resolves once they are spawned, not up. */
  async start(): Promise<void> {
    const { dir, note } = chooseControlDir(this.stateDir, this.uid);
    if (note) this.log.info(note);
    try {
      await prepareControlDir(dir, this.uid);
    } catch (err) {
      this.log.warn(
        `ssh master sockets cannot go to ${dir}: ${(err as Error).message}; every rsync logs in on its own`,
      );
      return;
    }
    await this.endOrphans(dir);
    for (const [host, remote] of this.remotes) {
      const socket = controlSocket(dir, host, this.rsync.port, process.pid, this.instance);
      const master = this.seams.newMaster
        ? this.seams.newMaster(remote, socket)
        : new SshMaster(this.rsync, remote, socket, this.log, this.clock);
      this.masters.push(master);
      this.controls.get(host)!.controlPath = socket;
      master.start();
    }
  }

  async stop(): Promise<void> {
    for (const c of this.controls.values()) c.controlPath = null;
    await Promise.all(this.masters.map((m) => m.stop()));
  }

  /** Masters of an agent process that is gone (killed with -9) still hold their connections: end them. */
  private async endOrphans(dir: string): Promise<void> {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    for (const [host, remote] of this.remotes) {
      const tag = hostTag(host, this.rsync.port);
      for (const name of names) {
        const m = new RegExp(`^${tag}-(\\d+)-\\d+$`).exec(name);
        if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
        const socket = path.join(dir, name);
        await (this.seams.endOrphan ?? this.tellExit)(remote, socket);
        await fs.rm(socket, { force: true });
        this.log.info(`ssh master socket ${socket} of an agent that is gone: told it to exit`);
      }
    }
  }

  /** `ssh -O exit` is answered by the master over its local socket: 5 s means it is wedged. */
  private readonly tellExit = async (remote: Remote, socket: string): Promise<void> => {
    const execa = await loadExeca();
    await execa('ssh', sshControlArgs('exit', this.rsync, remote, socket), {
      reject: false,
      timeout: 5000,
      stdin: 'ignore',
    });
  };
}
