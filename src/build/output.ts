// Parallel stages, output in order: the first unfinished stage streams live, later ones are
// held until every stage before them is done, so the text reads as a sequential build.
export class StageOutput {
  private readonly held = new Map<number, string[]>();
  private readonly finished = new Set<number>();
  private head = 0;

  constructor(private readonly order: number[], private readonly sink: (text: string) => void) {
    for (const i of order) this.held.set(i, []);
  }

  writer(stage: number): (text: string) => void {
    return (text) => {
      if (this.order[this.head] === stage) this.sink(text);
      else this.held.get(stage)?.push(text);
    };
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
