// Go's text/tabwriter (elastic tabstops) as docker/cli's fork uses it: cells end at '\t',
// a column is as wide as its widest cell within a block of consecutive lines that have that
// cell, and the text after a line's last tab is not part of any column. Widths count
// terminal cells, as go-runewidth does, so CJK text and emoji take two.

export interface TabwriterOptions {
  minwidth: number;
  padding: number;
  padchar: string;
}

/** docker/cli's tabwriter.NewWriter(out, 10, 1, 3, ' ', 0). */
export const dockerTableOptions: TabwriterOptions = { minwidth: 10, padding: 3, padchar: ' ' };

const zeroWidth = /^[\p{Mn}\p{Me}\p{Cc}\p{Cf}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}]$/u;
const wideRanges: Array<[number, number]> = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0], [0x23f3, 0x23f3],
  [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f], [0x2693, 0x2693], [0x26a1, 0x26a1],
  [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5], [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea],
  [0x26f2, 0x26f3], [0x26f5, 0x26f5], [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b],
  [0x2728, 0x2728], [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55], [0x2e80, 0x303e],
  [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3],
  [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6], [0x16fe0, 0x18aff],
  [0x1b000, 0x1b2ff], [0x1f004, 0x1f004], [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e], [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251], [0x1f300, 0x1f320], [0x1f32d, 0x1f335], [0x1f337, 0x1f37c], [0x1f37e, 0x1f393],
  [0x1f3a0, 0x1f3ca], [0x1f3cf, 0x1f3d3], [0x1f3e0, 0x1f3f0], [0x1f3f4, 0x1f3f4], [0x1f3f8, 0x1f43e],
  [0x1f440, 0x1f440], [0x1f442, 0x1f4fc], [0x1f4ff, 0x1f53d], [0x1f54b, 0x1f54e], [0x1f550, 0x1f567],
  [0x1f57a, 0x1f57a], [0x1f595, 0x1f596], [0x1f5a4, 0x1f5a4], [0x1f5fb, 0x1f64f], [0x1f680, 0x1f6c5],
  [0x1f6cc, 0x1f6cc], [0x1f6d0, 0x1f6d2], [0x1f6d5, 0x1f6d7], [0x1f6eb, 0x1f6ec], [0x1f6f4, 0x1f6fc],
  [0x1f7e0, 0x1f7eb], [0x1f90c, 0x1f93a], [0x1f93c, 0x1f945], [0x1f947, 0x1f9ff], [0x1fa70, 0x1faff],
  [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];

function isWide(cp: number): boolean {
  let lo = 0;
  let hi = wideRanges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < wideRanges[mid][0]) hi = mid - 1;
    else if (cp > wideRanges[mid][1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Terminal cells a string occupies (go-runewidth's StringWidth, per code point). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const c of s) {
    const cp = c.codePointAt(0) as number;
    if (cp < 0x7f && cp >= 0x20) w += 1;
    else if (zeroWidth.test(c) || (cp >= 0x200b && cp <= 0x200f)) continue;
    else w += isWide(cp) ? 2 : 1;
  }
  return w;
}

interface Cell {
  text: string;
  width: number;
}

// Lines of cells; every cell but a line's last was ended by a tab.
function splitCells(text: string): Cell[][] {
  const lines = text.split(/[\n\f]/);
  return lines.map((line, i) => {
    const parts = line.split(/[\t\v]/);
    // Go's Flush drops an empty unterminated cell at the very end of the input.
    if (i === lines.length - 1 && parts[parts.length - 1] === '') parts.pop();
    return parts.map((t) => ({ text: t, width: displayWidth(t) }));
  });
}

/** Aligns tab-separated text as Go's tabwriter with flags 0 does. */
export function tabwrite(text: string, opts: TabwriterOptions = dockerTableOptions): string {
  const lines = splitCells(text);
  const widths: number[] = [];
  let out = '';

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      lines[i].forEach((c, j) => {
        out += c.text;
        if (j < widths.length) out += opts.padchar.repeat(Math.max(widths[j] - c.width, 0));
      });
      if (i + 1 < lines.length) out += '\n';
    }
  };

  // Go's format(): find each block of lines that have a cell in this column, size it, recurse.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let row = line0; row < line1; row++) {
      if (column >= lines[row].length - 1) continue;
      writeLines(line0, row);
      line0 = row;
      let width = opts.minwidth;
      for (; row < line1; row++) {
        const line = lines[row];
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column].width + opts.padding);
      }
      widths.push(width);
      format(line0, row);
      widths.pop();
      line0 = row;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out;
}
