import { STATE_TEXT, type AgentState } from '../daemon/status-doc.js';
import type { Health } from '../status/agent-health.js';

/** What a watchdog tick needs from the agent. */
export interface Watched {
  health(): Health;
  state(): AgentState;
}

/**
 * One sd_notify watchdog tick: `WATCHDOG=1` (with the state as `STATUS=`) only while the health
 * check passes, so systemd restarts a stuck agent; while unhealthy only `STATUS=` with the
 * reasons (what `systemctl status` shows). Returns whether WATCHDOG=1 was sent.
 */
export function watchdogTick(agent: Watched, notify: (fields: Readonly<Record<string, string>>) => void): boolean {
  const h = agent.health();
  if (h.live) {
    notify({ WATCHDOG: '1', STATUS: STATE_TEXT[agent.state()] });
    return true;
  }
  notify({ STATUS: `unhealthy: ${h.reasons.join('; ')}` });
  return false;
}

/** One heartbeat to the -d supervisor: sent only while healthy (its watchdog restarts us otherwise). */
export function heartbeatTick(agent: Watched, send: (m: { type: 'heartbeat' }) => void): boolean {
  if (!agent.health().live) return false;
  send({ type: 'heartbeat' });
  return true;
}
