// The workspace in a real browser: Debian's Chromium, headless, driven by Playwright
// (playwright-core; never a downloaded browser), against real `ketenpoort serve` and
// `ketenpoort workspace` processes of an `init --demo` deployment. A coordinator logs in with
// password and TOTP (the code computed here from staff.json's base32 secret, RFC 6238), sees
// the inbox placeholder with her name, organisation and role, switches to English, logs out,
// and /inbox then sends her to /login. Wrong passwords lock an account out (the right password
// and code are refused afterwards), and so do wrong codes; every refusal reads the same. Also:
// the security headers and cookie attributes, phone width, keyboard submission, no script or
// CSP errors, no password, code or name in the workspace's log, and a clean stop on SIGTERM.
//
//   node tests/e2e/workspace.e2e.js --binary build/gateway/cli/ketenpoort
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { CHROMIUM, arg, launchChromium, get, totp, exited, initDemo, startDemo, cleanUp, runTest } =
  require('./helpers');
const MAX_FAILURES = 3;  // lockout.max_failures of this test's workspace
const TIMEOUT_MS = 120000;

// A 6-digit code that is not the current one (nor its neighbours).
function wrongCode(base32Secret) {
  const now = Date.now() / 1000;
  const valid = new Set([totp(base32Secret, now - 30), totp(base32Secret, now), totp(base32Secret, now + 30)]);
  for (let n = 0; ; n++) {
    const c = String(n).padStart(6, '0');
    if (!valid.has(c)) return c;
  }
}

async function main() {
  const binary = path.resolve(arg('--binary') || process.env.KP_BINARY || '');
  if (!fs.existsSync(binary)) throw new Error('ketenpoort binary not found: ' + binary);
  if (!fs.existsSync(CHROMIUM)) throw new Error('chromium not found at ' + CHROMIUM + ' (apt-get install chromium)');

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kp-ws-e2e-'));
  const children = [];
  let browser;
  try {
    // --- the deployment, the gateway and the workspace
    const { port, wsPort, dep } = await initDemo(binary, tmp);
    const wsConfigPath = path.join(dep, 'workspace.json');
    const wsConfig = JSON.parse(fs.readFileSync(wsConfigPath, 'utf8'));
    assert.equal(wsConfig.listen.port, wsPort);
    wsConfig.lockout = { max_failures: MAX_FAILURES, lock_ms: 600000 };
    fs.writeFileSync(wsConfigPath, JSON.stringify(wsConfig, null, 2));

    // staff.json: 0600, a coordinator or caseworker for every organisation the workspace
    // serves (every demo organisation but the portal), an auditor and an admin for SHOP.
    const staffPath = path.join(dep, 'staff.json');
    assert.equal(fs.statSync(staffPath).mode & 0o777, 0o600, 'staff.json must be mode 0600');
    const staff = JSON.parse(fs.readFileSync(staffPath, 'utf8'));
    const served = wsConfig.organisations.map((o) => o.id);
    assert.ok(!served.includes('portal'), 'the workspace does not serve the portal');
    const directory = JSON.parse(fs.readFileSync(path.join(dep, 'directory.json'), 'utf8'));
    assert.equal(served.length, directory.organisations.length - 1);
    for (const org of served) {
      assert.ok(staff.some((s) => s.org === org && (s.roles.includes('coordinator') || s.roles.includes('caseworker'))),
                'no coordinator or caseworker for ' + org);
    }
    for (const role of ['auditor', 'admin'])
      assert.ok(staff.some((s) => s.org === 'shop-denhaag' && s.roles.includes(role)), 'no SHOP ' + role);
    for (const s of staff)
      assert.deepEqual(Object.keys(s).sort(), ['org', 'password', 'roles', 'totp_secret', 'username']);
    const person = (username) => staff.find((s) => s.username === username);

    const { ca, base, ws, wsLog } = await startDemo(binary, tmp, { dep, port, wsPort }, children);

    // --- the headers of a page and of the login form's cookie, as a client sees them
    const loginHead = await get(base + '/login', ca);
    const expectPageHeaders = (h, where) => {
      assert.match(h['content-security-policy'] || '', /default-src 'none'/, where + ': CSP');
      assert.doesNotMatch(h['content-security-policy'], /script-src|unsafe-inline/, where + ': no script allowed');
      assert.match(h['content-security-policy'], /frame-ancestors 'none'/, where);
      assert.match(h['content-security-policy'], /form-action 'self'/, where);
      assert.equal(h['cache-control'], 'no-store', where + ': no-store');
      assert.equal(h['x-frame-options'], 'DENY', where);
      assert.equal(h['referrer-policy'], 'no-referrer', where);
      assert.equal(h['x-content-type-options'], 'nosniff', where);
      assert.match(h['strict-transport-security'] || '', /max-age=/, where);
    };
    expectPageHeaders(loginHead.headers, '/login');
    const loginCookie = (loginHead.headers['set-cookie'] || []).find((c) => c.startsWith('kp_ws_login='));
    assert.ok(loginCookie, 'the login form sets its CSRF cookie');
    assert.match(loginCookie, /; HttpOnly; Secure; SameSite=Strict/);
    const redirect = await get(base + '/inbox', ca);
    assert.equal(redirect.status, 303);
    assert.equal(redirect.headers.location, '/login');
    expectPageHeaders(redirect.headers, '/inbox without a session');

    // --- the browser, at phone width
    // The demo workspace serves with the gateway's development certificate; the browser
    // trusts that certificate's key alone (helpers.js).
    const context = await launchChromium(tmp, path.join(dep, 'certs', 'gateway.cert.pem'));
    browser = context;
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    const scriptErrors = [];
    page.on('pageerror', (e) => scriptErrors.push(String(e)));
    // A refused log-in is a 401 page, which Chromium reports as a failed resource: not an error.
    page.on('console', (m) => {
      if (m.type() === 'error' && !/^Failed to load resource: .* 401 /.test(m.text())) scriptErrors.push(m.text());
    });

    // Any page without a session goes to /login; Dutch by default.
    await page.goto(base + '/inbox');
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.getAttribute('html', 'lang'), 'nl');
    assert.equal(await page.locator('#status[aria-live]').count(), 1, 'an aria-live region for errors');

    // Fills the form through its labels and submits with Enter, as a keyboard user does.
    const logIn = async (username, password, code) => {
      await page.getByLabel('Gebruikersnaam').fill(username);
      await page.getByLabel('Wachtwoord').fill(password);
      await page.getByLabel(/Code uit de authenticator-app/).fill(code);
      const [response] = await Promise.all([page.waitForNavigation(), page.press('#code', 'Enter')]);
      return response;
    };

    // --- a coordinator logs in with password and TOTP
    const jet = person('j.devries');
    const landed = await logIn(jet.username, jet.password, totp(jet.totp_secret));
    assert.equal(new URL(page.url()).pathname, '/inbox');
    expectPageHeaders(await landed.allHeaders(), '/inbox');
    assert.equal(await page.textContent('#display-name'), 'Jet de Vries');
    assert.match(await page.textContent('#organisation'), /SHOP Den Haag/);
    assert.equal(await page.textContent('#roles'), 'zorgcoördinator');
    const session = (await context.cookies(base)).find((c) => c.name === 'kp_ws');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.secure, true);
    assert.equal(session.sameSite, 'Strict');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, 'page is ' + width + 'px wide at 360px');

    // English beside Dutch.
    await Promise.all([page.waitForNavigation(), page.click('#lang-switch')]);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.textContent('#roles'), 'care coordinator');
    await Promise.all([page.waitForNavigation(), page.click('#lang-switch')]);
    assert.equal(await page.getAttribute('html', 'lang'), 'nl');

    // --- logout ends the session; /inbox then goes to /login
    await Promise.all([page.waitForNavigation(), page.click('#logout-submit')]);
    assert.equal(new URL(page.url()).pathname, '/login');
    await page.waitForSelector('#notice[data-notice="logged_out"]');
    await page.goto(base + '/inbox');
    assert.equal(new URL(page.url()).pathname, '/login');
    // The old session token is dead on the server too, not only forgotten by the browser.
    await context.addCookies([{ name: 'kp_ws', value: session.value, url: base, httpOnly: true, secure: true, sameSite: 'Strict' }]);
    await page.goto(base + '/inbox');
    assert.equal(new URL(page.url()).pathname, '/login');

    // --- wrong passwords lock out; the right password and code are refused afterwards
    const failedText = async () => {
      await page.waitForSelector('#notice[data-notice="login_failed"][role="alert"]');
      return page.textContent('#notice');
    };
    const thijs = person('t.meijer');
    let message;
    for (let i = 0; i < MAX_FAILURES; i++) {
      const r = await logIn(thijs.username, 'not-' + thijs.password, totp(thijs.totp_secret));
      assert.equal(r.status(), 401);
      const text = await failedText();
      if (message) assert.equal(text, message, 'every refusal reads the same');
      message = text;
    }
    assert.equal((await logIn(thijs.username, thijs.password, totp(thijs.totp_secret))).status(), 401);
    assert.equal(await failedText(), message, 'locked: the right log-in is refused alike');
    assert.equal(new URL(page.url()).pathname, '/login');

    // --- wrong codes count too
    const ruben = person('r.smit');
    for (let i = 0; i < MAX_FAILURES; i++) {
      assert.equal((await logIn(ruben.username, ruben.password, wrongCode(ruben.totp_secret))).status(), 401);
      assert.equal(await failedText(), message);
    }
    assert.equal((await logIn(ruben.username, ruben.password, totp(ruben.totp_secret))).status(), 401);
    assert.equal(await failedText(), message);

    // An unknown user reads the same.
    await logIn('niemand', 'geen-wachtwoord', '123456');
    assert.equal(await failedText(), message);

    // `staff list` shows the two locked, the coordinator active.
    const list = execFileSync(binary, ['staff', 'list', '--config', wsConfigPath]).toString();
    assert.match(list, /^wende-denhaag t\.meijer roles=caseworker state=locked /m);
    assert.match(list, /^dehaven-denhaag r\.smit roles=caseworker state=locked /m);
    assert.match(list, /^shop-denhaag j\.devries roles=coordinator state=active /m);
    assert.doesNotMatch(list, new RegExp(jet.password + '|' + jet.totp_secret));
    assert.deepEqual(scriptErrors, [], 'no script or CSP errors in the pages');

    // --- SIGTERM stops the workspace cleanly
    ws.kill('SIGTERM');
    assert.equal(await exited(ws), 0, 'the workspace exits 0 on SIGTERM');
    const log = fs.readFileSync(wsLog, 'utf8');
    assert.match(log, /info stopped/);
    assert.match(log, /login_succeeded staff_id=\d+/);
    assert.match(log, /account_locked staff_id=\d+/);
    for (const s of [jet, thijs, ruben]) {
      for (const secret of [s.password, s.totp_secret, s.username])
        assert.ok(!log.includes(secret), 'the log must not hold ' + s.username + "'s credentials or name");
    }
    for (const name of ['Jet de Vries', 'Thijs Meijer', 'niemand'])
      assert.ok(!log.includes(name), 'the log must not hold a name: ' + name);
    console.log('workspace e2e: ok');
  } finally {
    await cleanUp(browser, children, tmp);
  }
}

runTest('workspace e2e', TIMEOUT_MS, main);
