// tugd's side of json-file logs: one LogShipper per running container, woken by inotify when
// conmon's journal changes and a few times a second in any case (which also retries reopens).
// Containers are added at start and again after a tugd restart; at exit their journal is
// converted to its end before the exit is reported.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { errorMessage } from '../../errors.js';
import { LogShipper, type ShipperPaths } from './shipper.js';
import type { LogOpts } from './rotate.js';

export const SHIP_INTERVAL_MS = 250;

interface Shipped {
  shipper: LogShipper;
  watcher: FSWatcher | undefined;
}

export class LogShipping {
  private readonly shipped = new Map<string, Shipped>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onError: (id: string, message: string) => void, private readonly intervalMs = SHIP_INTERVAL_MS) {}

  watch(id: string, paths: ShipperPaths, opts: LogOpts, attrs?: string): void {
    this.stop(id)?.abandon();
    const s: Shipped = { shipper: this.shipper(id, paths, opts, attrs), watcher: undefined };
    const name = basename(paths.journal);
    try {
      s.watcher = watch(dirname(paths.journal), (_event, file) => {
        if (typeof file !== 'string' || file.startsWith(name)) this.pump(id, s.shipper);
      });
      s.watcher.on('error', () => {
        s.watcher?.close();
        s.watcher = undefined;
      });
    } catch {
      // Out of inotify watches, say: the timer still ships.
    }
    this.shipped.set(id, s);
    this.timer ??= setInterval(() => {
      for (const [i, x] of this.shipped) this.pump(i, x.shipper);
    }, this.intervalMs).unref();
    this.pump(id, s.shipper);
  }

  /** Converts the rest of the journal of a container whose monitor is gone (one that exited while tugd was down too). */
  async finish(id: string, paths: ShipperPaths, opts: LogOpts, attrs?: string): Promise<void> {
    const shipper = this.stop(id) ?? this.shipper(id, paths, opts, attrs);
    await shipper.finish().catch((err) => this.onError(id, errorMessage(err)));
  }

  private shipper(id: string, paths: ShipperPaths, opts: LogOpts, attrs: string | undefined): LogShipper {
    return new LogShipper(paths, opts, attrs, (message) => this.onError(id, message));
  }

  /** Stops shipping (the container is being removed); what is converted stays. */
  unwatch(id: string): void {
    this.stop(id)?.abandon();
  }

  private stop(id: string): LogShipper | undefined {
    const s = this.shipped.get(id);
    if (!s) return undefined;
    s.watcher?.close();
    this.shipped.delete(id);
    if (this.shipped.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    return s.shipper;
  }

  private pump(id: string, shipper: LogShipper): void {
    shipper.pump().catch((err) => this.onError(id, errorMessage(err)));
  }

  close(): void {
    for (const id of [...this.shipped.keys()]) this.unwatch(id);
  }
}
