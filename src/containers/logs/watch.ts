// tugd's side of log rotation: every running container's log is checked for size a few times
// a second and rotated through conmon (see rotate.ts). Containers are added at start and again
// after a tugd restart, and dropped when they exit.
import { errorMessage } from '../../errors.js';
import { LogRotator, type LogOpts } from './rotate.js';

/** How often sizes are looked at: a stat per running container each time. */
export const ROTATE_INTERVAL_MS = 250;

export class LogRotation {
  private readonly rotators = new Map<string, LogRotator>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onError: (id: string, message: string) => void, private readonly intervalMs = ROTATE_INTERVAL_MS) {}

  watch(id: string, logPath: string, ctlPath: string, opts: LogOpts): void {
    this.rotators.set(id, new LogRotator(logPath, ctlPath, opts));
    this.timer ??= setInterval(() => void this.checkAll(), this.intervalMs).unref();
  }

  unwatch(id: string): void {
    this.rotators.delete(id);
    if (this.rotators.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  watching(id: string): boolean {
    return this.rotators.has(id);
  }

  /** One pass over every watched log; each rotator runs one check at a time by itself. */
  async checkAll(): Promise<void> {
    await Promise.all([...this.rotators].map(([id, r]) => r.check().catch((err) => this.onError(id, errorMessage(err)))));
  }

  close(): void {
    this.rotators.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
