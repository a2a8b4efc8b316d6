import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { acceptPflagSyntax } from '../../src/cli/pflag.js';

function command(interspersed: boolean): { cmd: Command; seen: () => { opts: Record<string, unknown>; args: string[] } } {
  let seen = { opts: {} as Record<string, unknown>, args: [] as string[] };
  const cmd = new Command('build')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined })
    .option('--pull', 'pull')
    .option('-q, --quiet', 'quiet')
    .option('--sig-proxy', 'proxy')
    .option('--no-sig-proxy', 'no proxy')
    .option('-t, --tag <name>', 'tag')
    .argument('[words...]')
    .action((words: string[], opts: Record<string, unknown>) => {
      seen = { opts, args: words };
    });
  // As `run` is: its arguments (IMAGE CMD…) end its flags.
  if (!interspersed) cmd.passThroughOptions();
  acceptPflagSyntax(cmd, interspersed);
  return { cmd, seen: () => seen };
}

describe('pflag syntax for every command', () => {
  const cases: [string[], Record<string, unknown>, string[]][] = [
    [['--pull=true', '.'], { pull: true }, ['.']],
    [['--pull=false', '.'], {}, ['.']],
    [['--pull=1', '-q=true', '.'], { pull: true, quiet: true }, ['.']],
    [['--sig-proxy=false', '.'], { sigProxy: false }, ['.']],
    [['-t', 'x', '.', '--pull=true'], { tag: 'x', pull: true }, ['.']],
    [['-qt=x', '.'], { quiet: true, tag: 'x' }, ['.']],
    [['.', '--', '--pull=true'], {}, ['.', '--pull=true']],
  ];
  for (const [argv, opts, args] of cases) {
    it(`reads ${argv.join(' ')}`, () => {
      const { cmd, seen } = command(true);
      cmd.parse(argv, { from: 'user' });
      const got = seen();
      for (const [k, v] of Object.entries(opts)) assert.equal(got.opts[k], v, k);
      if (!('pull' in opts)) assert.equal(got.opts.pull, undefined);
      assert.deepEqual(got.args, args);
    });
  }

  it('stops at the first positional when the arguments end the flags', () => {
    const { cmd, seen } = command(false);
    cmd.parse(['img', '--pull=true'], { from: 'user' });
    assert.deepEqual(seen().args, ['img', '--pull=true']);
    assert.equal(seen().opts.pull, undefined);
  });

  it('refuses a boolean value strconv.ParseBool refuses, with pflag\'s text', () => {
    const { cmd } = command(true);
    assert.throws(() => cmd.parse(['--pull=maybe', '.'], { from: 'user' }), {
      code: 'commander.invalidArgument',
      message: 'invalid argument "maybe" for "--pull" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
    });
  });
});
