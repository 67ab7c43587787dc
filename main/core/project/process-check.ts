/**
 * What recovery needs to know about a pid recorded in the jobs table: is that process still running, and is it
 * really the app or the worker that was recorded? Pids are recycled, so "alive" alone can mean a stranger.
 * On Linux both answers come from /proc; elsewhere only liveness is known (process.kill(pid, 0)).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ProcessLook {
  alive: boolean;
  /** The command line, or null when it cannot be read (not Linux, or hidden): identity unknown. */
  argv: string[] | null;
  /** Its parent's pid, or null when unknown. */
  parentPid: number | null;
}

const GONE: ProcessLook = { alive: false, argv: [], parentPid: null };

const HAS_PROC = process.platform === 'linux' && fs.existsSync('/proc/self/stat');

function signalZeroAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** State letter and parent pid from /proc/<pid>/stat (fields after the parenthesised name, which may hold spaces). */
function procStat(pid: number): { state: string; parentPid: number | null } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === undefined || state === '') return null;
    const parentPid = Number(ppid);
    return { state, parentPid: Number.isInteger(parentPid) && parentPid > 0 ? parentPid : null };
  } catch {
    return null;
  }
}

export function lookAt(pid: number): ProcessLook {
  if (!Number.isInteger(pid) || pid <= 0) return GONE;
  if (!HAS_PROC) return signalZeroAlive(pid) ? { alive: true, argv: null, parentPid: null } : GONE;
  const stat = procStat(pid);
  if (stat === null) {
    // Gone, or hidden from us (a /proc mounted with hidepid): signal 0 tells the two apart.
    return signalZeroAlive(pid) ? { alive: true, argv: null, parentPid: null } : GONE;
  }
  // A zombie has finished: it runs nothing and writes nothing, it only waits for its parent to reap it.
  if (stat.state === 'Z' || stat.state === 'X' || stat.state === 'x') return GONE;
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return { alive: true, argv: raw.split('\0').filter((arg) => arg.length > 0), parentPid: stat.parentPid };
  } catch {
    return { alive: true, argv: null, parentPid: stat.parentPid };
  }
}

/**
 * Whether a live process looks like one of ours (the Electron app, `ssro serve`, the CLI, a test run by Node): its
 * program is Node, Electron, SSRO Studio, or this very executable. Unknown identity counts as ours, to be safe.
 */
export function looksLikeOurApp(look: ProcessLook): boolean {
  if (!look.alive) return false;
  if (look.argv === null) return true;
  const program = look.argv[0];
  if (program === undefined) return false;
  if (program === process.execPath) return true;
  return /node|electron|ssro/i.test(path.basename(program));
}

/** Whether a live process runs the worker entry of job kind `kind` (…/native-workers/<kind>/index.js). */
export function looksLikeOurWorker(look: ProcessLook, kind: string): boolean {
  if (!look.alive || look.argv === null) return false;
  const entry = ['native-workers', kind, 'index.js'];
  return look.argv.some((arg) => {
    const parts = arg.split(/[\\/]/);
    return parts.length >= 3 && parts.slice(-3).every((part, k) => part === entry[k]);
  });
}

/** Blocks this thread for `ms` milliseconds (recovery runs inside the synchronous Project.open). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
