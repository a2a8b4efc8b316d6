// Draws a JSON-message stream as the docker CLI does: on a terminal one line per layer ID,
// rewritten in place as its progress bar moves; elsewhere only the status lines, no bars.
import type { JSONMessage } from '../../client/index.js';

export interface ProgressDisplay {
  show(msg: JSONMessage): void;
}

export function progressDisplay(out: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean }): ProgressDisplay {
  const tty = !!out.isTTY;
  const lines = new Map<string, number>();
  let count = 0;
  const text = (m: JSONMessage) => `${m.id ? `${m.id}: ` : ''}${m.status ?? ''}${m.progress ? ` ${m.progress}` : ''}`;
  return {
    show(m: JSONMessage) {
      if (m.stream) {
        out.write(m.stream);
        return;
      }
      if (!m.status && !m.progress) return;
      if (!tty) {
        if (m.progress) return;
        out.write(`${text(m)}\n`);
        return;
      }
      if (!m.id) {
        out.write(`${text(m)}\n`);
        // A line without an ID ends the per-layer block: later IDs start below it.
        lines.clear();
        count = 0;
        return;
      }
      const at = lines.get(m.id);
      if (at === undefined) {
        lines.set(m.id, count++);
        out.write(`${text(m)}\n`);
        return;
      }
      const up = count - at;
      out.write(`\x1b[${up}A\x1b[2K\r${text(m)}\x1b[${up}B\r`);
    },
  };
}
