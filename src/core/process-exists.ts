/**
 * Whether a process with this id exists on this host (signal 0 probes without signalling). EPERM
 * means it exists under another user.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
