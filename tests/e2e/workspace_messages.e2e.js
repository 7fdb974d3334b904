// The workspace's message pages in a real browser (Debian's headless Chromium, Playwright),
// against real `ketenpoort serve` and `ketenpoort workspace` processes of an `init --demo`
// deployment. SHOP Den Haag sends a referral and a signal with the CLI; then, in the browser:
// the youth team's caseworker sees the referral in /inbox as new, opens it (a readable form,
// no JSON), and declines it with a reason from the list; SHOP's coordinator sees the answer
// among the notices, the referral among the sent messages, and its tracking timeline with the
// reason; CoMensha's coordinator assesses the signal; SHOP's auditor reads the referral without
// any action on offer, and /audit; an administrator reads no messages. Also: the page headers,
// phone width, keyboard use, no script or CSP errors, forms refused without their CSRF token,
// and nothing of the content in the workspace's log.
//
//   node tests/e2e/workspace_messages.e2e.js --binary build/gateway/cli/ketenpoort
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');

const { launchChromium, totp, exited, collectErrors, cleanUp, runTest, binaryUnderTest, initDemo,
        startDemo } = require('./helpers');

const TIMEOUT_MS = 180000;
const REFERRAL_SUMMARY = 'Synthetische cliënt zoekt een veilige plek <b>vandaag</b>';
const DECLINE_REASON = 'Vol tot volgende week (synthetisch)';
const SIGNAL_TEXT = 'Synthetische waarneming bij een afhaalzaak';

// POSTs a form as a browser would, without following the answer.
function postForm(url, ca, cookie, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, headers: {
      'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body), Cookie: cookie } },
    (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const binary = binaryUnderTest();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kp-ws-msg-e2e-'));
  const children = [];
  let browser;
  try {
    // --- the deployment, the gateway and the workspace
    const demo = await initDemo(binary, tmp);
    const { dep } = demo;
    const gatewayConfig = path.join(dep, 'gateway.json');
    const staff = JSON.parse(fs.readFileSync(path.join(dep, 'staff.json'), 'utf8'));
    const person = (username) => staff.find((s) => s.username === username);
    const { ca, base, ws, wsLog } = await startDemo(binary, tmp, demo, children);

    // --- SHOP sends a referral (to the youth team) and a signal (CoMensha and others) with the CLI
    const send = (args, payload) => {
      const file = path.join(tmp, 'payload-' + Math.random().toString(16).slice(2) + '.json');
      fs.writeFileSync(file, JSON.stringify(payload));
      const out = execFileSync(binary, ['send', '--config', gatewayConfig, '--as', 'shop-denhaag',
                                        '--payload', file, ...args]).toString().trim().split('\n');
      fs.rmSync(file);
      return { id: out[out.length - 1], recipients: out.filter((l) => l.startsWith('recipient ')).map((l) => l.slice(10)) };
    };
    const referral = send(['--kind', 'referral', '--routing', 'region=GM0518,age_band=minor,urgency=urgent',
                           '--client', '2026-0042'],
                          { client_ref: '2026-0042', needs: ['shelter', 'medical'], urgency: 'urgent',
                            summary: REFERRAL_SUMMARY });
    assert.deepEqual(referral.recipients, ['shop-jeugd-denhaag']);
    const signal = send(['--kind', 'signal', '--routing', 'region=GM0599,age_band=minor'],
                        { indicators: ['isolation', 'no_id_documents'], minor: true, exploitation: 'labour',
                          description: SIGNAL_TEXT });
    assert.ok(signal.recipients.includes('comensha'), 'the signal reaches CoMensha');

    // --- the browser, at phone width
    const context = await launchChromium(tmp, path.join(dep, 'certs', 'gateway.cert.pem'));
    browser = context;
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    // A refusal (the audit trail to a caseworker, a message to an administrator) is a 403
    // page, which Chromium reports as a failed resource: not an error.
    const scriptErrors = collectErrors(page, /^Failed to load resource: .* 403 /);

    const expectPageHeaders = (h, where) => {
      assert.match(h['content-security-policy'] || '', /default-src 'none'/, where + ': CSP');
      assert.doesNotMatch(h['content-security-policy'], /script-src|unsafe-inline/, where);
      assert.equal(h['cache-control'], 'no-store', where + ': no-store');
      assert.equal(h['x-frame-options'], 'DENY', where);
    };
    // KP_E2E_SHOTS=DIR keeps a full-page screenshot of each page checked at phone width.
    const fitsPhone = async (where) => {
      if (process.env.KP_E2E_SHOTS) {
        await page.screenshot({ path: path.join(process.env.KP_E2E_SHOTS, where.replace(/[^a-z]+/gi, '_') + '.png'),
                                fullPage: true });
      }
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, where + ' is ' + width + 'px wide at 360px');
    };
    const logIn = async (username) => {
      const p = person(username);
      await page.goto(base + '/login');
      await page.getByLabel('Gebruikersnaam').fill(p.username);
      await page.getByLabel('Wachtwoord').fill(p.password);
      await page.getByLabel(/Code uit de authenticator-app/).fill(totp(p.totp_secret));
      await Promise.all([page.waitForNavigation(), page.press('#code', 'Enter')]);
      assert.equal(new URL(page.url()).pathname, '/inbox', username + ' lands in the inbox');
    };
    const logOut = async () => {
      await Promise.all([page.waitForNavigation(), page.click('#logout-submit')]);
      await page.waitForSelector('#notice[data-notice="logged_out"]');
    };
    // Clicks a link or button and waits for the page it leads to.
    const follow = async (selector) => {
      const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
      return response;
    };

    // --- the youth team's caseworker: the referral is new in the inbox
    await logIn('s.visser');
    const item = page.locator('#received li#msg-' + referral.id);
    await item.waitFor();
    assert.match(await item.getAttribute('class'), /\bnew\b/, 'an unread message is marked new');
    const itemText = await item.textContent();
    assert.match(itemText, /Nieuw/, 'new in words, not colour alone');
    assert.match(itemText, /Verwijzing/);
    assert.match(itemText, /SHOP Den Haag/);
    assert.match(itemText, /Spoed/);
    assert.match(itemText, /Afgeleverd/);
    assert.doesNotMatch(itemText, /referral|delivered|urgent/, 'words, not codes');
    assert.match(itemText, /\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december) \d{4} \d\d:\d\d/);
    await fitsPhone('/inbox');

    // Opens it, from the keyboard: the readable form, no JSON.
    await page.focus('#received li#msg-' + referral.id + ' a');
    const [opened] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expectPageHeaders(await opened.allHeaders(), '/messages/ID');
    assert.equal(new URL(page.url()).pathname, '/messages/' + referral.id);
    assert.match(await page.textContent('#header [data-field="from"]'), /^SHOP Den Haag.* \(handtekening gecontroleerd\)$/);
    assert.equal(await page.textContent('#header [data-field="state"]'), 'Ontvangen');
    assert.equal(await page.textContent('#payload [data-field="needs"]'), 'Opvang, Medische hulp');
    assert.equal(await page.textContent('#payload [data-field="urgency"]'), 'Spoed');
    assert.equal(await page.textContent('#payload [data-field="summary"]'), REFERRAL_SUMMARY, 'escaped, shown as text');
    assert.equal(await page.locator('#payload b').count(), 0, 'no markup from the payload');
    const content = await page.textContent('#content');
    assert.doesNotMatch(content, /[{}"]|client_ref|shelter/, 'a form in words, not JSON');
    assert.ok(await page.locator('#ask-question[href="/compose/question?follows=' + referral.id + '"]').count() === 1);
    await fitsPhone('/messages/ID');

    // A form without its CSRF token changes nothing: 303 back with form_expired (the decline
    // below would be refused after an accept).
    const session = (await context.cookies(base)).find((c) => c.name === 'kp_ws');
    const forged = await postForm(base + '/messages/' + referral.id + '/status', ca,
                                  'kp_ws=' + session.value, 'state=accepted');
    assert.equal(forged.status, 303);
    assert.equal(forged.headers.location, '/messages/' + referral.id + '?notice=form_expired');

    // Declines with a reason from the list (by its label) and words, from the keyboard.
    const decline = page.locator('#action-declined');
    await decline.getByLabel('Reden', { exact: true }).selectOption({ label: 'Geen plek' });
    await decline.getByLabel(/Toelichting/).fill(DECLINE_REASON);
    await page.focus('#action-declined button[type="submit"]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    await page.waitForSelector('#notice[data-notice="status_saved"][role="alert"]');
    assert.equal(await page.textContent('#header [data-field="state"]'), 'Afgewezen');
    assert.equal(await page.locator('#action-declined').count(), 0, 'declined once: no second decline');
    await logOut();

    // --- SHOP's coordinator: the notice, the sent list, the timeline
    await logIn('j.devries');
    const notice = page.locator('#notices li.notice-item[data-type="status"]', { hasText: 'Afgewezen' });
    await notice.first().waitFor();
    assert.match(await notice.first().textContent(), /Afgewezen \(Geen plek\)/);
    assert.match(await notice.first().textContent(), /SHOP Den Haag, jeugdteam/);
    const sentItem = page.locator('#sent li#msg-' + referral.id);
    await sentItem.waitFor();
    assert.match(await sentItem.textContent(), /Afgewezen/);
    assert.ok(await page.locator('#sent li#msg-' + signal.id).count() === 1, 'the signal is among the sent');
    await fitsPhone('/inbox of the sender');
    await follow('#sent li#msg-' + referral.id + ' a');
    const declined = page.locator('#tracking ol.timeline li[data-state="declined"]');
    await declined.waitFor();
    const declinedText = await declined.textContent();
    assert.match(declinedText, /Afgewezen/);
    assert.match(declinedText, /Geen plek/);
    assert.ok(declinedText.includes(DECLINE_REASON), 'the reason in words');
    assert.match(declinedText, /s\.visser/, 'who did it: the person, through the workspace token');
    assert.equal(await page.locator('#tracking ol.timeline li[data-state="received"]').count(), 1);
    assert.equal(await page.locator('#re-refer[href="/compose/referral?follows=' + referral.id + '"]').count(), 1);
    assert.equal(await page.locator('#action-recall').count(), 1, 'the sender may recall');
    assert.equal(await page.textContent('#payload [data-field="client_ref"]'), '2026-0042');
    await fitsPhone('/messages/ID of the sender');
    // English beside Dutch.
    await follow('#lang-switch');
    assert.match(await page.textContent('#tracking'), /Declined/);
    assert.match(await page.textContent('#tracking'), /No place/);
    await follow('#lang-switch');
    await logOut();

    // --- CoMensha's coordinator assesses the signal
    await logIn('e.hendriks');
    await page.locator('#received li#msg-' + signal.id).waitFor();
    await follow('#received li#msg-' + signal.id + ' a');
    assert.equal(await page.textContent('#payload [data-field="indicators"]'), 'Isolement, Geen identiteitspapieren');
    assert.equal(await page.textContent('#payload [data-field="minor"]'), 'Ja');
    assert.equal(await page.textContent('#payload [data-field="exploitation"]'), 'Arbeidsuitbuiting');
    assert.equal(await page.locator('#action-accepted').count(), 0, 'a signal is not accepted');
    await follow('#action-assessed button[type="submit"]');
    await page.waitForSelector('#notice[data-notice="status_saved"]');
    assert.equal(await page.textContent('#header [data-field="state"]'), 'Beoordeeld');
    await logOut();

    // --- SHOP's auditor: no actions, the audit trail in words
    await logIn('a.bakker');
    // She reads SHOP's referral, with its timeline, and is offered nothing to do.
    await page.goto(base + '/messages/' + referral.id);
    await page.locator('#tracking ol.timeline li[data-state="declined"]').waitFor();
    assert.equal(await page.locator('#actions').count(), 0, 'an auditor does not act');
    assert.equal(await page.locator('form[action^="/messages/"]').count(), 0);
    await follow('#nav-audit');
    assert.equal(new URL(page.url()).pathname, '/audit');
    await page.locator('#audit-entries tr.entry').first().waitFor();
    const submits = page.locator('#audit-entries tr.entry[data-event="submit"]');
    assert.ok(await submits.count() >= 2, 'both submissions are in the trail');
    assert.match(await submits.first().textContent(), /Verzonden/);
    assert.match(await page.textContent('#audit-entries'),
                 /\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december) \d{4} \d\d:\d\d/);
    assert.doesNotMatch(await page.textContent('#audit-entries tbody'), /\d{4}-\d\d-\d\dT/, 'local time, not RFC 3339');
    // Filtered by the person acting, with the labelled filter form: the coordinator's reads,
    // named by the workspace at the gateway.
    await page.getByLabel('Gebruiker').fill('j.devries');
    await follow('#audit-filter button[type="submit"]');
    const hers = page.locator('#audit-entries tr.entry');
    assert.ok(await hers.count() >= 1, 'the coordinator is in the trail by name');
    for (const text of await hers.allTextContents()) assert.match(text, /j\.devries/);
    await page.getByLabel('Gebruiker').fill('nobody-such');
    await follow('#audit-filter button[type="submit"]');
    assert.equal(await page.locator('#audit-entries tr.entry').count(), 0);
    await fitsPhone('/audit');
    await logOut();

    // A caseworker has no audit trail (another one: a TOTP code is accepted once).
    await logIn('r.smit');
    assert.equal(await page.locator('#nav-audit').count(), 0);
    const refused = await page.goto(base + '/audit');
    assert.equal(refused.status(), 403);
    await page.waitForSelector('#notice[data-notice="not_allowed"]');

    await logOut();

    // An administrator manages accounts and reads no messages.
    await logIn('m.jansen');
    await page.waitForSelector('#inbox-error');
    assert.equal(await page.locator('#received').count(), 0);
    assert.equal((await page.goto(base + '/messages/' + referral.id)).status(), 403);
    assert.doesNotMatch(await page.content(), /Synthetische/);

    assert.deepEqual(scriptErrors, [], 'no script or CSP errors in the pages');

    // --- nothing of the content in the workspace's log, and a clean stop
    ws.kill('SIGTERM');
    assert.equal(await exited(ws), 0, 'the workspace exits 0 on SIGTERM');
    const log = fs.readFileSync(wsLog, 'utf8');
    assert.match(log, /status_set staff_id=\d+ message_id=m-/);
    for (const secret of [REFERRAL_SUMMARY, DECLINE_REASON, SIGNAL_TEXT, '2026-0042', 'Sanne Visser'])
      assert.ok(!log.includes(secret), 'the log must not hold: ' + secret);
    console.log('workspace messages e2e: ok');
  } finally {
    await cleanUp(browser, children, tmp);
  }
}

runTest('workspace messages e2e', TIMEOUT_MS, main);
