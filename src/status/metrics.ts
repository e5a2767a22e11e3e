/**
 * A small Prometheus registry: counters and gauges with labels, and one histogram. Pure data;
 * `render()` produces the text exposition format (names prefixed `sersync_`).
 */
type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly samples: Map<string, { labels: Labels; value: number }>;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** A label set's identity (no arrays beyond the keys). */
function key(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let k = '';
  for (const n of names) k += `${n}=${labels[n]}\0`;
  return k;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function fmtLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class Metrics {
  private readonly families = new Map<string, Family>();

  private family(name: string, help: string, type: Family['type']): Family {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = { help, type, samples: new Map() }));
    return f;
  }

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const f = this.family(name, help, 'counter');
    const k = key(labels);
    const s = f.samples.get(k);
    if (s) s.value += by;
    else f.samples.set(k, { labels, value: by });
  }

  /** A counter whose total is kept elsewhere (e.g. inside a plugin): publishes that total. */
  setTotal(name: string, help: string, labels: Labels, total: number): void {
    this.family(name, help, 'counter').samples.set(key(labels), { labels, value: total });
  }

  set(name: string, help: string, labels: Labels, value: number): void {
    this.family(name, help, 'gauge').samples.set(key(labels), { labels, value });
  }

  /** Drops every sample of a gauge (before setting the current ones). */
  clear(name: string): void {
    this.families.get(name)?.samples.clear();
  }

  observeDuration(name: string, help: string, labels: Labels, seconds: number): void {
    const f = this.family(name, help, 'histogram');
    for (const le of [...DURATION_BUCKETS.map(String), '+Inf']) {
      if (le === '+Inf' || seconds <= Number(le)) this.bump(f, { ...labels, le }, 1, '_bucket');
    }
    this.bump(f, labels, seconds, '_sum');
    this.bump(f, labels, 1, '_count');
  }

  private bump(f: Family, labels: Labels, by: number, suffix: string): void {
    const k = `${suffix}\0${key(labels)}`;
    const s = f.samples.get(k);
    if (s) s.value += by;
    else f.samples.set(k, { labels: { ...labels, __suffix: suffix }, value: by });
  }

  render(): string {
    const out: string[] = [];
    for (const [name, f] of [...this.families.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const full = `sersync_${name}`;
      out.push(`# HELP ${full} ${f.help}`, `# TYPE ${full} ${f.type}`);
      for (const { labels, value } of f.samples.values()) {
        const { __suffix, ...rest } = labels as Labels & { __suffix?: string };
        out.push(`${full}${__suffix ?? ''}${fmtLabels(rest)} ${Number.isInteger(value) ? value : value.toFixed(6)}`);
      }
    }
    return `${out.join('\n')}\n`;
  }
}
