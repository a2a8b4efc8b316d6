// The seeds' node/express example on a node base image tug builds itself (debian:bookworm
// from debootstrap plus Debian's nodejs and npm); `npm install` really fetches from the npm
// registry. Minutes of downloads, so only with TUG_SLOW_TESTS=1.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { TUG, TestDaemon, runProcess } from '../helpers/daemon.js';
import { freePorts } from '../helpers/ports.js';
import { BuildContext, cachedSteps } from '../helpers/buildctx.js';

const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';

describe('the node/express example', { skip: process.env.TUG_SLOW_TESTS !== '1' && 'set TUG_SLOW_TESTS=1 to build on debian:bookworm with apt and npm' }, () => {
  let d: TestDaemon;
  const contexts: BuildContext[] = [];
  before(async () => { d = await TestDaemon.start(); });
  after(async () => {
    await d?.cleanup();
    for (const c of contexts) c.remove();
  });

  // apt and npm downloads take minutes: longer than the helper's two-minute CLI timeout.
  const slowTug = (args: string[]) => runProcess(TUG, args, { env: d.env(), timeoutMs: 25 * 60_000 });

  it('builds a node base image, then the app with npm install, and serves HTTP', { timeout: 30 * 60_000 }, async () => {
    assert.equal((await slowTug(['bootstrap', 'debian:bookworm'])).code, 0);
    // The host's CA bundle goes in too, so that a TLS-inspecting proxy in front of the npm
    // registry (as in this workplace) is trusted inside the build as it is on the host.
    const base = new BuildContext({
      'host-ca.crt': existsSync(HOST_CA) ? readFileSync(HOST_CA, 'utf8') : '',
      Dockerfile: 'FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends nodejs npm ca-certificates && rm -rf /var/lib/apt/lists/*\nCOPY host-ca.crt /etc/ssl/certs/host-ca.crt\nENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca.crt\nCMD ["node"]\n',
    });
    contexts.push(base);
    const b = await slowTug(['build', '-t', 'node:bookworm', base.dir]);
    assert.equal(b.code, 0, b.stdout + b.stderr);

    const app = new BuildContext({
      'package.json': JSON.stringify({ name: 'seed-app', version: '1.0.0', dependencies: { express: '^4.19.2' } }),
      'app.js': "const express = require('express');\nconst app = express();\napp.get('/', (req, res) => res.send('Hello World!'));\napp.listen(Number(process.env.PORT || 3000), '127.0.0.1');\n",
      Dockerfile: 'FROM node:bookworm\n\nWORKDIR /app\nCOPY package.json .\nRUN --mount=type=cache,target=/root/.npm npm install\nCOPY . .\n\nCMD ["node", "app.js"]\n',
    });
    contexts.push(app);
    const r = await slowTug(['build', '-t', 'docker-k8', app.dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // Changing the app's code re-runs only from `COPY . .`: npm install stays cached.
    app.write({ 'app.js': "const express = require('express');\nconst app = express();\napp.get('/', (req, res) => res.send('Hello again!'));\napp.listen(Number(process.env.PORT || 3000), '127.0.0.1');\n" });
    const again = await d.tug(['build', '-t', 'docker-k8', app.dir]);
    assert.deepEqual(cachedSteps(again.stdout), [2, 3, 4]);

    const port = await freePorts();
    const run = await d.tug(['run', '-d', '--network', 'host', '-e', `PORT=${port}`, 'docker-k8']);
    assert.equal(run.code, 0, run.stderr);
    let body = '';
    for (let i = 0; i < 100 && body === ''; i++) {
      body = await fetch(`http://127.0.0.1:${port}/`).then((res) => res.text()).catch(() => '');
      if (body === '') await new Promise((res) => setTimeout(res, 200));
    }
    assert.equal(body, 'Hello again!');
  });
});
