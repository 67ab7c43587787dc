/**
 * Notices, even from inside a long synchronous computation, that the process that started this worker has died.
 *
 * The IPC channel's 'disconnect' event only fires when the event loop runs, which a CPU-bound loop never lets happen.
 * The parent pid, however, is read by a system call each time (`process.ppid` is a getter over getppid(2) in Node):
 * when the parent dies the kernel hands the worker to init or a subreaper, and the pid we read changes.
 */
export class ParentWatch {
  private readonly startedUnder: number;

  constructor(private readonly readParentPid: () => number = () => process.ppid) {
    this.startedUnder = readParentPid();
  }

  /** The parent this worker started under is still its parent (one getppid call: cheap, but not per atom). */
  parentAlive(): boolean {
    return this.readParentPid() === this.startedUnder;
  }
}
