// The memory of the workerd processes the tests start, read from /proc (Linux only).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

/** The parent pid of every process, from /proc/<pid>/stat. */
function parents() {
  const map = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name (2nd field) is in parentheses and may hold spaces: the ppid follows it.
      map.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  return map;
}

/** The pids of the workerd processes descended from this node process. */
export function workerdPids() {
  const ppid = parents();
  const mine = (pid) => {
    for (let p = ppid.get(pid); p; p = ppid.get(p)) if (p === process.pid) return true;
    return false;
  };
  return [...ppid.keys()].filter((pid) => {
    if (!mine(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workerd');
    } catch {
      return false;
    }
  });
}

/** The workerd process that appeared since `before` (pids); throws unless exactly one did. */
export function newWorkerdPid(before) {
  const fresh = workerdPids().filter((pid) => !before.includes(pid));
  if (fresh.length !== 1) throw new Error(`expected one new workerd process, found ${fresh.length}`);
  return fresh[0];
}

/** `{ rss, hwm }` of `pid` in bytes: its resident memory now (VmRSS) and its peak (VmHWM). */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1]) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/**
 * Resets the peak (VmHWM) of `pid` to its current resident memory (Linux ≥ 4.0); false when the
 * kernel or the sandbox does not allow it.
 */
export function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples the resident memory of `pid` every `everyMs` until stopped; `stop()` returns the highest seen. */
export function sampleRss(pid, everyMs = 10) {
  let max = memoryOf(pid).rss;
  const timer = setInterval(() => {
    try {
      max = Math.max(max, memoryOf(pid).rss);
    } catch {
      // The process ended.
    }
  }, everyMs);
  return { stop: () => { clearInterval(timer); return max; } };
}
