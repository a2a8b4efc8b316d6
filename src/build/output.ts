// Parallel stages, output in order: the first unfinished stage streams live, later ones are
// held until every stage before them is done, so the text reads as a sequential build.
// Pull progress messages (a FROM pulled) take the same road as the text.
import type { ProgressMessage } from '../distribution/index.js';

type Item = string | ProgressMessage;

/** A progress message as the docker CLI prints it off a terminal (`id: status`). */
export function statusLine(m: ProgressMessage): string {
  return `${m.id ? `${m.id}: ` : ''}${m.status ?? ''}`;
}

export class StageOutput {
  private readonly held = new Map<number, Item[]>();
  private readonly finished = new Set<number>();
  private head = 0;

  constructor(private readonly order: number[], private readonly sink: (item: Item) => void) {
    for (const i of order) this.held.set(i, []);
  }

  writer(stage: number): (text: string) => void {
    return (text) => this.put(stage, text);
  }

  progressWriter(stage: number): (m: ProgressMessage) => void {
    return (m) => this.put(stage, m);
  }

  private put(stage: number, item: Item): void {
    if (this.order[this.head] === stage) this.sink(item);
    else this.held.get(stage)?.push(item);
  }

  done(stage: number): void {
    this.finished.add(stage);
    while (this.head < this.order.length && this.finished.has(this.order[this.head]!)) {
      this.head++;
      const next = this.order[this.head];
      if (next === undefined) break;
      for (const t of this.held.get(next) ?? []) this.sink(t);
      this.held.set(next, []);
    }
  }

  /** On failure: whatever was held goes out, so the failing step's output is seen. */
  flushAll(): void {
    for (const i of this.order.slice(this.head + 1)) {
      for (const t of this.held.get(i) ?? []) this.sink(t);
      this.held.set(i, []);
    }
    this.head = this.order.length;
  }

  final(text: string): void {
    this.sink(text);
  }
}
