import { spawn } from 'node:child_process';
import type { Logger } from '../shared/logger.js';

/**
 * sd_notify(3) without a native addon: Node cannot send on an AF_UNIX datagram socket, so the
 * message goes through systemd's own `systemd-notify` (always there when systemd set
 * NOTIFY_SOCKET; the unit sets NotifyAccess=all so a helper process may speak for us), or
 * python3 as a fallback. Does nothing when NOTIFY_SOCKET is unset.
 */
export class SdNotify {
  private readonly socket: string | undefined;
  private warned = false;

  constructor(
    private readonly logger: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.socket = env['NOTIFY_SOCKET'];
  }

  get enabled(): boolean {
    return this.socket !== undefined && this.socket !== '';
  }

  /** Watchdog interval systemd asked for (half of WatchdogSec), or null. */
  static watchdogIntervalMs(env: NodeJS.ProcessEnv = process.env): number | null {
    const usec = Number(env['WATCHDOG_USEC']);
    if (!Number.isFinite(usec) || usec <= 0) return null;
    const pid = env['WATCHDOG_PID'];
    if (pid && Number(pid) !== process.pid) return null;
    return Math.max(500, Math.floor(usec / 1000 / 2));
  }

  /** Sends `KEY=VALUE` lines; resolves once handed over (never rejects). */
  notify(fields: Readonly<Record<string, string>>): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const assignments = Object.entries(fields).map(([k, v]) => `${k}=${v.replace(/\n/g, ' ')}`);
    return this.viaSystemdNotify(assignments).then((ok) => (ok ? undefined : this.viaPython(assignments)));
  }

  private run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
    return new Promise((resolve) => {
      const child = spawn(cmd, args, { stdio: 'ignore', env });
      child.once('error', () => resolve(false));
      child.once('exit', (code) => resolve(code === 0));
    });
  }

  private viaSystemdNotify(assignments: string[]): Promise<boolean> {
    return this.run('systemd-notify', assignments, process.env);
  }

  private async viaPython(assignments: string[]): Promise<void> {
    const script =
      'import os,socket,sys\n' +
      'a=os.environ["NOTIFY_SOCKET"]\n' +
      'a="\\0"+a[1:] if a.startswith("@") else a\n' +
      's=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\n' +
      's.sendto("\\n".join(sys.argv[1:]).encode(),a)\n';
    const ok = await this.run('python3', ['-c', script, ...assignments], process.env);
    if (!ok && !this.warned) {
      this.warned = true;
      this.logger.warn(
        'NOTIFY_SOCKET is set but neither systemd-notify nor python3 could send to it; systemd will not see READY/WATCHDOG',
      );
    }
  }
}
