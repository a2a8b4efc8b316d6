// An in-process shared/exclusive lock. Request handlers that make a blob reachable (commit,
// touch, manifest link) hold it shared; the garbage collector's sweep holds it exclusive, so a
// blob is never deleted between being found present and being linked.
export class RWLock {
  private readers = 0;
  private writer = false;
  private readonly waiting: { exclusive: boolean; wake: () => void }[] = [];

  async shared<T>(body: () => Promise<T>): Promise<T> {
    if (this.writer || this.waiting.some((w) => w.exclusive)) await this.wait(false);
    else this.readers++;
    try {
      return await body();
    } finally {
      this.readers--;
      this.next();
    }
  }

  async exclusive<T>(body: () => Promise<T>): Promise<T> {
    if (this.writer || this.readers > 0) await this.wait(true);
    else this.writer = true;
    try {
      return await body();
    } finally {
      this.writer = false;
      this.next();
    }
  }

  private wait(exclusive: boolean): Promise<void> {
    return new Promise((wake) => this.waiting.push({ exclusive, wake }));
  }

  // Wakes the next writer alone, or every reader queued before the next writer.
  private next(): void {
    if (this.writer || this.waiting.length === 0) return;
    if (this.waiting[0]!.exclusive) {
      if (this.readers > 0) return;
      this.writer = true;
      this.waiting.shift()!.wake();
      return;
    }
    while (this.waiting.length > 0 && !this.waiting[0]!.exclusive) {
      this.readers++;
      this.waiting.shift()!.wake();
    }
  }
}
