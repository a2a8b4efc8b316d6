// A look at argv before commander parses it: which command is asked for.

/** The commands scripts call in loops: they build only their own command (commander spends milliseconds per hundred flags). */
export const HOT_COMMANDS: ReadonlySet<string> = new Set(['run', 'create', 'start']);

/** tug's global options that take a value (`-H x`, `--host x`, `--host=x`, `-Hx`). */
const VALUE_OPTIONS = new Set(['-H', '--host', '-l', '--log-level']);
const FLAG_OPTIONS = new Set(['-D', '--debug']);

/**
 * The top-level command word of argv (after node and the script), past the global options.
 * Undefined when there is none or when an option before it is not one of the known globals.
 */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a === '-') return a;
    if (VALUE_OPTIONS.has(a)) i++;
    else if (FLAG_OPTIONS.has(a)) continue;
    else if (/^(--host=|--log-level=|-H.|-l.)/.test(a)) continue;
    else return undefined;
  }
  return undefined;
}
