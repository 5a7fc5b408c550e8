// What the benchmarks (bench/run.mjs, bench/ab.mjs) read of the workerd processes Miniflare starts:
// their CPU time, and which process a newly started worker runs in. Linux only (/proc).
import fs from 'node:fs';

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
export function procStat(pid) {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const close = text.lastIndexOf(')');
  return { comm: text.slice(text.indexOf('(') + 1, close), fields: text.slice(close + 2).trim().split(' ') };
}

/** CPU time of a process (all its threads), user and system, in clock ticks. */
export function cpuTimes(pid) {
  const { fields } = procStat(pid); // fields[0] is field 3 (state) of proc(5)
  return { user: Number(fields[11]), system: Number(fields[12]) }; // utime (14), stime (15)
}

/** PIDs of the workerd processes descending from this Node process. */
export function workerdDescendants() {
  const parentOf = new Map();
  const comm = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = procStat(entry);
      parentOf.set(Number(entry), Number(stat.fields[1]));
      comm.set(Number(entry), stat.comm);
    } catch { /* the process ended while we looked */ }
  }
  const isDescendant = (pid) => {
    for (let p = parentOf.get(pid), hops = 0; p !== undefined && hops < 64; p = parentOf.get(p), hops++) {
      if (p === process.pid) return true;
    }
    return false;
  };
  return new Set([...comm].filter(([pid, name]) => name === 'workerd' && isDescendant(pid)).map(([pid]) => pid));
}

/**
 * The PID of the one workerd process that descends from this Node process and was not in
 * `before` (a `workerdDescendants()` taken before starting the `name` worker); throws otherwise.
 */
export function newWorkerdPid(before, name) {
  const fresh = [...workerdDescendants()].filter((pid) => !before.has(pid));
  if (fresh.length !== 1) throw new Error(`expected one new workerd process for the ${name} worker, found ${fresh.length} (${fresh.join(', ')})`);
  return fresh[0];
}
