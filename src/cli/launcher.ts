// bin/tug (a link to bin/tug.cjs): starts the bundled CLI (bin/tug-bundle.cjs, or bin/tug-hot.cjs for
// run/create/start) with a V8 code cache beside it, so a command
// does not pay for parsing and compiling half a megabyte of JavaScript on every run. Node 20
// has no compile cache for modules (module.enableCompileCache is Node 22+), hence a vm.Script.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { HOT_COMMANDS, commandWord } from './argv.js';
import { bundleStamp, readCache, writeCache } from './codecache.js';

function launch(): void {
  // Built as CommonJS (bin/tug.cjs), where __filename is the real path behind the bin/tug link.
  const word = commandWord(process.argv);
  const bundle = join(dirname(__filename), word !== undefined && HOT_COMMANDS.has(word) ? 'tug-hot.cjs' : 'tug-bundle.cjs');
  const cacheFile = `${bundle}.cache`;
  const fd = openSync(bundle, 'r');
  const st = fstatSync(fd);
  const source = readFileSync(fd, 'utf8');
  closeSync(fd);
  const stamp = bundleStamp(st.size, st.mtimeMs);
  const cachedData = readCache(cacheFile, stamp);
  // The CommonJS wrapper on the bundle's first line keeps line numbers in stack traces right.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    // Made at exit, so it also holds the functions this command compiled lazily.
    process.once('exit', () => writeCache(cacheFile, stamp, script.createCachedData()));
  }
  const mod = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, dirname(bundle));
}

launch();
