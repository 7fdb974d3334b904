// What the browser tests share: their command line, free loopback ports, waiting for a state,
// Debian's headless Chromium trusting exactly one development certificate, and the TOTP codes
// an authenticator app shows the workspace's staff.
'use strict';

const { execFileSync, spawn } = require('node:child_process');
const crypto = require('node:crypto');
const https = require('node:https');
const net = require('node:net');
const fs = require('node:fs');
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

// GET `url` trusting `ca`: {status, headers}, the body read and dropped.
function get(url, ca) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
    });
    req.on('error', reject);
    req.setTimeout(15000, () => req.destroy(new Error('request timeout')));
  });
}

// The page's script errors and console errors (a CSP violation is one), gathered as they
// happen; messages matching `ignore` (a RegExp) are left out.
function collectErrors(page, ignore = null) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !(ignore && ignore.test(m.text()))) errors.push(m.text());
  });
  return errors;
}

// The ketenpoort binary named by --binary (or $KP_BINARY); throws when it or Chromium is missing.
function binaryUnderTest() {
  const binary = path.resolve(arg('--binary') || process.env.KP_BINARY || '');
  if (!fs.existsSync(binary)) throw new Error('ketenpoort binary not found: ' + binary);
  if (!fs.existsSync(CHROMIUM)) throw new Error('chromium not found at ' + CHROMIUM + ' (apt-get install chromium)');
  return binary;
}

// RFC 4648 base32 (upper case, no padding) to bytes.
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, '')) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error('not base32: ' + c);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// RFC 6238 TOTP with RFC 4226's dynamic truncation: HMAC-SHA1, 30-second steps, 6 digits.
function totp(base32Secret, unixSeconds = Date.now() / 1000) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = crypto.createHmac('sha1', base32Decode(base32Secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(number % 1000000).padStart(6, '0');
}

// Starts `serve` and `workspace` of the deployment `demo` (initDemo), logging to tmp/serve.log
// and tmp/workspace.log, adds both to `children`, and waits until each answers over HTTPS.
async function startDemo(binary, tmp, demo, children) {
  const { dep, port, wsPort } = demo;
  children.push(startLogged(binary, ['serve', '--config', path.join(dep, 'gateway.json')],
                            path.join(tmp, 'serve.log')));
  const wsLog = path.join(tmp, 'workspace.log');
  const ws = startLogged(binary, ['workspace', '--config', path.join(dep, 'workspace.json')], wsLog);
  children.push(ws);
  const ca = fs.readFileSync(path.join(dep, 'certs', 'ca.cert.pem'));
  const base = 'https://127.0.0.1:' + wsPort;
  const answers = async (url) => {
    try { return (await get(url, ca)).status === 200; } catch { return false; }
  };
  await waitFor('the gateway', () => answers('https://127.0.0.1:' + port + '/healthz'));
  await waitFor('the workspace', () => answers(base + '/login'));
  return { ca, base, ws, wsLog };
}

// Resolves with the exit code once `child` has exited (at once when it has already).
function exited(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

// An `init --demo` deployment in TMP/deploy, its gateway and workspace on free loopback ports.
async function initDemo(binary, tmp) {
  const port = await freePort();
  const wsPort = await freePort();
  const dep = path.join(tmp, 'deploy');
  execFileSync(binary, ['init', '--dir', dep, '--demo', '--port', String(port), '--host', '127.0.0.1',
                        '--workspace-port', String(wsPort)]);
  return { port, wsPort, dep };
}

// `binary ARGS...` in the background, its stdout and stderr in the file `logPath`.
function startLogged(binary, args, logPath) {
  return spawn(binary, args, { stdio: ['ignore', fs.openSync(logPath, 'w'), fs.openSync(logPath, 'a')] });
}

// The end of a test, passed or failed: closes the browser, stops the child processes (SIGTERM,
// last started first) and removes `tmp`, unless KP_E2E_KEEP is set.
async function cleanUp(browser, children, tmp) {
  if (browser) await browser.close().catch(() => {});
  for (const c of [...children].reverse()) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await exited(c);
    }
  }
  if (process.env.KP_E2E_KEEP) console.log('kept ' + tmp);
  else fs.rmSync(tmp, { recursive: true, force: true });
}

// Runs `main` for ctest: exit 0 when it resolves, 1 when it throws or outlasts `timeoutMs`.
function runTest(name, timeoutMs, main) {
  const watchdog = setTimeout(() => { console.error(name + ': timed out'); process.exit(1); }, timeoutMs);
  main().then(() => { clearTimeout(watchdog); process.exit(0); },
              (e) => { console.error(name + ': FAILED: ' + (e && e.stack || e)); process.exit(1); });
}

module.exports = { CHROMIUM, arg, freePort, sleep, waitFor, launchChromium, get, collectErrors, binaryUnderTest,
                   totp, exited, initDemo, startLogged, startDemo, cleanUp, runTest };
