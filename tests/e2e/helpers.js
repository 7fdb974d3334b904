// What the browser tests share: their command line, free loopback ports, waiting for a state,
// and Debian's headless Chromium trusting exactly one development certificate.
'use strict';

const { execFileSync } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');

const CHROMIUM = process.env.KP_CHROMIUM || '/usr/bin/chromium';

// The value after `name` on the command line.
function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `fn` until it gives a truthy value (the state that shows the event happened).
async function waitFor(what, fn, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(50);
  }
}

// A persistent Chromium context with a fresh profile under `dir`, at phone width unless
// `options.viewport` says otherwise. The development CA is not in Chromium's store, so the
// browser is told to accept exactly the public key of `certPath` (SPKI pin), not to ignore
// certificate errors in general.
async function launchChromium(dir, certPath, options = {}) {
  const { chromium } = require('playwright-core');
  const spki = execFileSync('sh', ['-c',
    'openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER | ' +
    'openssl dgst -sha256 -binary | base64', 'sh', certPath]).toString().trim();
  return chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), Object.assign({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--ignore-certificate-errors-spki-list=' + spki],
    timeout: 30000,
    viewport: { width: 360, height: 740 },
  }, options));
}

module.exports = { CHROMIUM, arg, freePort, sleep, waitFor, launchChromium };
