// `tug build --progress=tty`: a live view of the stages building in parallel, one line per
// stage (its current step, then its latest output), redrawn in place; when the build ends the
// view gives way to the whole log in stage order, as --progress=plain would have printed it.

export interface LiveMessage {
  stream?: string;
  id?: string;
}

interface StageView {
  step: string;
  last: string;
  lines: string[];
}

export class LiveView {
  private readonly stages = new Map<string, StageView>();
  private readonly tail: string[] = [];
  private drawn = 0;

  constructor(private readonly write: (s: string) => void, private readonly width = 100) {}

  private clip(s: string): string {
    return s.length > this.width ? `${s.slice(0, this.width - 1)}…` : s;
  }

  add(msg: LiveMessage): void {
    if (!msg.stream) return;
    if (!msg.id) {
      this.tail.push(msg.stream);
      return;
    }
    let st = this.stages.get(msg.id);
    if (!st) {
      st = { step: '', last: '', lines: [] };
      this.stages.set(msg.id, st);
    }
    st.lines.push(msg.stream);
    for (const line of msg.stream.split('\n').filter((l) => l.trim() !== '')) {
      if (/^Step \d+\/\d+ : /.test(line)) {
        st.step = line;
        st.last = '';
      } else st.last = line.trim();
    }
    this.draw();
  }

  private draw(): void {
    let out = this.drawn ? `\x1b[${this.drawn}A` : '';
    const ids = [...this.stages.keys()].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    for (const id of ids) {
      const st = this.stages.get(id)!;
      out += `\x1b[2K${this.clip(`[stage ${id.slice(1)}] ${st.step}${st.last ? `  ${st.last}` : ''}`)}\n`;
    }
    this.drawn = ids.length;
    this.write(out);
  }

  /** Clears the live lines and prints the log in stage order, then what came after. */
  finish(): void {
    let out = this.drawn ? `\x1b[${this.drawn}A\x1b[J` : '';
    const ids = [...this.stages.keys()].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    for (const id of ids) out += this.stages.get(id)!.lines.join('');
    out += this.tail.join('');
    this.drawn = 0;
    this.write(out);
  }
}
