// Writing messages in the workspace, in a real browser (Debian's headless Chromium driven by
// Playwright) against real `ketenpoort serve` and `ketenpoort workspace` processes of an
// `init --demo` deployment. The coordinator of SHOP Den Haag logs in, sees the kinds she may
// start (not a b8: only the police start one), fills in a referral by its Dutch labels, checks
// who it reaches (Wende), and sends it with a double click; the gateway holds exactly one
// referral, whose subject_ref is `ketenpoort pseudonym` of the client number typed and whose
// content Wende opens as typed. A signal about a minor in Rotterdam reaches CoMensha, the report
// point and Veilig Thuis; one about an adult in The Hague asks for a legal basis before the
// police. A referral without its needs shows the error beside the field and sends nothing, also
// when the field is emptied after a preview. A re-referral, a question and its answer follow the
// referral (a second open question is refused by the gateway, in words), and the audit trail
// names who sent each. The form reads in English with ?lang=en; an auditor is refused. The
// workspace's log names message ids, never the client number or the content.
//
//   node tests/e2e/compose.e2e.js --binary build/gateway/cli/ketenpoort
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');

const { CHROMIUM, arg, waitFor, launchChromium, totp, exited, initDemo,
        startLogged, cleanUp, runTest } = require('./helpers');
const TIMEOUT_MS = 150000;
const CLIENT_NUMBER = '2026-0042';
const CASE_REF = 'dossier-2026-17';

function healthy(url, ca) {
  return new Promise((resolve) => {
    const req = https.get(url, { ca }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.setTimeout(5000, () => req.destroy());
  });
}

async function main() {
  const binary = path.resolve(arg('--binary') || process.env.KP_BINARY || '');
  if (!fs.existsSync(binary)) throw new Error('ketenpoort binary not found: ' + binary);
  if (!fs.existsSync(CHROMIUM)) throw new Error('chromium not found at ' + CHROMIUM);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kp-compose-e2e-'));
  const children = [];
  let browser;
  try {
    // --- the deployment, the gateway and the workspace
    const { port, wsPort, dep } = await initDemo(binary, tmp);
    const gwConfig = path.join(dep, 'gateway.json');
    const staff = JSON.parse(fs.readFileSync(path.join(dep, 'staff.json'), 'utf8'));
    const person = (username) => staff.find((s) => s.username === username);
    const cli = (...args) => execFileSync(binary, [...args, '--config', gwConfig]).toString();
    const inbox = (org) => JSON.parse(cli('inbox', '--as', org, '--json')).messages;
    const openAs = (org, id) => {
      const out = path.join(tmp, org + '-' + id + '.json');
      cli('open', '--as', org, id, '--out', out);
      return JSON.parse(fs.readFileSync(out, 'utf8'));
    };

    const gwLog = path.join(tmp, 'serve.log');
    children.push(startLogged(binary, ['serve', '--config', gwConfig], gwLog));
    const wsLog = path.join(tmp, 'workspace.log');
    const ws = startLogged(binary, ['workspace', '--config', path.join(dep, 'workspace.json')], wsLog);
    children.push(ws);
    const ca = fs.readFileSync(path.join(dep, 'certs', 'ca.cert.pem'));
    const base = 'https://127.0.0.1:' + wsPort;
    await waitFor('the gateway', () => healthy('https://127.0.0.1:' + port + '/healthz', ca));
    await waitFor('the workspace', () => healthy(base + '/login', ca));

    browser = await launchChromium(tmp, path.join(dep, 'certs', 'gateway.cert.pem'),
                                   { viewport: { width: 1024, height: 900 } });
    const page = await browser.newPage();
    page.setDefaultTimeout(15000);
    const scriptErrors = [];
    page.on('pageerror', (e) => scriptErrors.push(String(e)));
    // Refusals are 4xx pages, which Chromium reports as failed resources: not script errors.
    page.on('console', (m) => {
      if (m.type() === 'error' && !/^Failed to load resource: .* 4\d\d /.test(m.text())) scriptErrors.push(m.text());
    });
    const submit = async (selector) => {
      const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
      return response;
    };
    // A code is accepted once: a second log-in within 30 s uses the next step's code, which the
    // workspace accepts for clock drift.
    const lastStep = {};
    const logIn = async (username) => {
      const p = person(username);
      const step = Math.max(Math.floor(Date.now() / 30000), (lastStep[username] ?? -1) + 1);
      lastStep[username] = step;
      await page.goto(base + '/login');
      await page.getByLabel('Gebruikersnaam').fill(p.username);
      await page.getByLabel('Wachtwoord').fill(p.password);
      await page.getByLabel(/Code uit de authenticator-app/).fill(totp(p.totp_secret, step * 30));
      await submit('#login-submit');
      assert.equal(new URL(page.url()).pathname, '/inbox');
    };
    const logOut = async () => {
      await page.goto(base + '/inbox');
      await submit('#logout-submit');
      assert.equal(new URL(page.url()).pathname, '/login');
    };
    const texts = (selector) => page.locator(selector).allTextContents();

    // --- the coordinator of SHOP Den Haag: the kinds she may start
    await logIn('j.devries');
    await submit('#nav-compose');
    assert.equal(new URL(page.url()).pathname, '/compose');
    assert.equal(await page.locator('#compose-referral').textContent(), 'Verwijzing');
    assert.equal(await page.locator('#compose-signal').textContent(), 'Signaal mensenhandel');
    assert.equal(await page.locator('#compose-b8').count(), 0, 'only the police start a b8');

    // --- a referral of a man who needs shelter in The Hague, filled in by its labels
    await submit('#compose-referral');
    assert.equal(new URL(page.url()).pathname, '/compose/referral');
    const fillReferral = async ({ needs = true } = {}) => {
      await page.getByLabel(/^Cliëntnummer/).fill(CLIENT_NUMBER);
      await page.getByLabel(/^Regio/).selectOption({ label: 'Den Haag (GM0518)' });
      await page.getByLabel(/^Leeftijd/).selectOption({ label: 'Volwassen (18 of ouder)' });
      await page.getByLabel(/^Gender/).selectOption({ label: 'Man' });
      await page.getByLabel(/^Onderwerp/).selectOption({ label: 'Opvang' });
      await page.getByLabel(/^Urgentie/).selectOption({ label: 'Spoed' });
      await page.getByLabel(/^Uw dossiernummer/).fill(CASE_REF);
      if (needs) {
        await page.getByRole('checkbox', { name: 'Opvang', exact: true }).check();
        await page.getByRole('checkbox', { name: 'Medische hulp' }).check();
      }
      await page.getByLabel(/^Samenvatting/).fill('Heeft vanavond een veilige plek nodig.');
    };
    await fillReferral();
    // Dates are date inputs; required fields are marked as such.
    assert.equal(await page.locator('#f-needs legend .required').count(), 1);
    assert.equal(await page.getAttribute('#f-client_number', 'aria-required'), 'true');
    let r = await submit('#preview-submit');
    assert.equal(r.status(), 200);
    assert.deepEqual(await texts('#recipients li'), ['Wende, opvang voor mannen']);
    assert.equal(await page.locator('#notice').count(), 0);
    assert.equal(await page.inputValue('#f-client_ref'), CASE_REF, 'the values are kept');

    // A double click sends once: the same Idempotency-Key and the same sealed bytes.
    // The first navigation is cut short by the second click: wait for where the page lands.
    await page.dblclick('#send-submit');
    await page.waitForURL(/\/messages\/[^/?]+\?notice=sent$/);
    const referralId = new URL(page.url()).pathname.split('/').pop();
    const atWende = inbox('wende-denhaag').filter((m) => m.kind === 'referral');
    assert.equal(atWende.length, 1, 'one referral at Wende, however often the form was sent');
    assert.equal(atWende[0].id, referralId);
    assert.equal(atWende[0].from, 'shop-denhaag');
    assert.deepEqual(atWende[0].routing,
                     { region: 'GM0518', age_band: 'adult', gender: 'male', topic: 'shelter', urgency: 'urgent' });
    // The subject is the pseudonym of the client number typed, made by the workspace.
    const pseudonym = execFileSync(binary, ['pseudonym', '--config', gwConfig, '--as', 'shop-denhaag',
                                            '--client', CLIENT_NUMBER]).toString().trim();
    assert.match(pseudonym, /^[0-9a-f]{64}$/);
    assert.equal(atWende[0].subject_ref, pseudonym);
    assert.deepEqual(openAs('wende-denhaag', referralId),
                     { client_ref: CASE_REF, needs: ['medical', 'shelter'], urgency: 'urgent',
                       summary: 'Heeft vanavond een veilige plek nodig.' });

    // --- a signal about a minor in Rotterdam
    await page.goto(base + '/compose/signal');
    await page.getByLabel(/^Regio/).selectOption({ label: 'Rotterdam (GM0599)' });
    await page.getByLabel(/^Leeftijd/).selectOption({ label: 'Minderjarig (onder 18)' });
    await page.getByLabel(/^Soort uitbuiting/).selectOption({ label: 'Seksuele uitbuiting' });
    await page.getByRole('checkbox', { name: 'Isolement' }).check();
    await page.getByRole('checkbox', { name: 'Schuldslavernij' }).check();
    await page.getByLabel(/^Minderjarig/).selectOption({ label: 'Ja' });
    assert.equal(await page.getAttribute('#f-observed_on', 'type'), 'date');
    await page.getByLabel(/^Waargenomen op/).fill('2026-11-30');
    r = await submit('#preview-submit');
    assert.equal(r.status(), 200);
    assert.deepEqual((await texts('#recipients li')).sort(),
                     ['Advies- en Meldpunt Jeugdprostitutie en Mensenhandel Rotterdam',
                      'CoMensha, Coördinatiecentrum tegen Mensenhandel', 'Veilig Thuis Rotterdam Rijnmond']);
    await submit('#send-submit');
    const signalId = new URL(page.url()).pathname.split('/').pop();
    const atComensha = inbox('comensha').filter((m) => m.kind === 'signal');
    assert.equal(atComensha.length, 1);
    assert.equal(atComensha[0].id, signalId);
    assert.deepEqual(atComensha[0].routing, { region: 'GM0599', age_band: 'minor', exploitation: 'sexual' });
    const signal = openAs('comensha', signalId);
    assert.deepEqual([...signal.indicators].sort(), ['debt_bondage', 'isolation']);
    delete signal.indicators;
    assert.deepEqual(signal, { exploitation: 'sexual', minor: true, observed_on: '2026-11-30' });
    assert.equal(inbox('meldpunt-rotterdam').filter((m) => m.id === signalId).length, 1);

    // --- an adult in The Hague: the police only with a legal basis, which the preview asks for
    await page.goto(base + '/compose/signal');
    await page.getByLabel(/^Regio/).selectOption({ label: 'Den Haag (GM0518)' });
    await page.getByLabel(/^Leeftijd/).selectOption({ label: 'Volwassen (18 of ouder)' });
    await page.getByRole('checkbox', { name: 'Weinig of geen loon' }).check();
    await page.getByLabel(/^Minderjarig/).selectOption({ label: 'Nee' });
    await submit('#preview-submit');
    assert.deepEqual(await texts('#recipients li'), ['CoMensha, Coördinatiecentrum tegen Mensenhandel']);
    assert.deepEqual(await texts('#recipients-with-legal-basis li'), ['Politie Eenheid Den Haag, AVIM']);
    await page.getByLabel(/^Grondslag/).selectOption({ label: 'Vitaal belang' });
    await submit('#preview-submit');
    assert.equal((await texts('#recipients li')).length, 2);
    assert.equal(await page.locator('#recipients-with-legal-basis').count(), 0);

    // --- a referral without its needs: the error beside the field, in the live region, nothing sent
    await page.goto(base + '/compose/referral');
    await fillReferral({ needs: false });
    r = await submit('#preview-submit');
    assert.equal(r.status(), 422);
    await page.waitForSelector('#status[aria-live] #notice[role="alert"][data-notice="form_invalid"]');
    assert.equal(await page.locator('#field-needs #f-needs-error').textContent(), 'Vul dit veld in.');
    assert.equal(await page.getAttribute('#f-needs', 'aria-describedby'), 'f-needs-error');
    assert.deepEqual(await texts('#notice .error-summary a'), ['Behoeften']);
    assert.equal(await page.inputValue('#f-client_ref'), CASE_REF, 'the values are kept');
    assert.equal(await page.locator('#send-submit').count(), 0, 'no send button before a valid preview');
    // Emptied after a valid preview, the send is refused alike.
    await page.getByRole('checkbox', { name: 'Zorg' }).check();
    await submit('#preview-submit');
    await page.getByRole('checkbox', { name: 'Zorg' }).uncheck();
    r = await submit('#send-submit');
    assert.equal(r.status(), 422);
    assert.equal(new URL(page.url()).pathname, '/compose/referral');
    assert.equal(await page.locator('#f-needs-error').count(), 1);
    assert.equal(inbox('wende-denhaag').length, 1, 'nothing more was sent');

    // --- English beside Dutch
    await page.goto(base + '/compose/referral?lang=en');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match(await page.locator('#f-needs legend').textContent(), /^Needs/);
    assert.equal(await page.locator('#f-needs-shelter').count(), 1);
    assert.ok((await page.getByRole('checkbox', { name: 'Shelter' }).count()) === 1);
    assert.ok((await texts('#f-age_band option')).includes('Adult (18 or over)'));
    await page.goto(base + '/compose?lang=nl');
    // At phone width the forms fit, long labels and all.
    await page.setViewportSize({ width: 360, height: 740 });
    for (const form of ['/compose/signal', '/compose/referral?follows=' + referralId]) {
      await page.goto(base + form);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, form + ' is ' + width + 'px wide at 360px');
    }

    // --- a re-referral follows the first: the same client (no number asked), another shelter
    await page.goto(base + '/compose/referral?follows=' + referralId);
    assert.equal(await page.locator('#f-client_number').count(), 0, 'the subject comes from the case');
    assert.equal(await page.inputValue('#f-region'), 'GM0518', 'the routing of the case');
    await page.getByLabel(/^Reden van het vervolg/).fill('Wende heeft geen plek');
    await page.getByRole('checkbox', { name: 'De Haven Den Haag' }).check();
    await page.getByLabel(/^Uw dossiernummer/).fill(CASE_REF);
    await page.getByRole('checkbox', { name: 'Opvang', exact: true }).check();
    await submit('#preview-submit');
    assert.deepEqual(await texts('#recipients li'), ['De Haven Den Haag']);
    await submit('#send-submit');
    const reReferralId = new URL(page.url()).pathname.split('/').pop();
    const atDeHaven = inbox('dehaven-denhaag');
    assert.equal(atDeHaven.length, 1);
    assert.equal(atDeHaven[0].id, reReferralId);
    assert.equal(atDeHaven[0].subject_ref, pseudonym);

    // --- Wende asks SHOP a question about the referral; SHOP answers it
    await logOut();
    await logIn('t.meijer');
    await page.goto(base + '/compose/question?follows=' + referralId);
    await page.getByLabel(/^Reden van het vervolg/).fill('Vraag over de intake');
    await page.getByLabel(/^Tekst/).fill('Spreekt de cliënt Engels?');
    await submit('#preview-submit');
    assert.deepEqual(await texts('#recipients li'), ['SHOP Den Haag, zorgcoördinatie mensenhandel']);
    await submit('#send-submit');
    const questionId = new URL(page.url()).pathname.split('/').pop();
    const questions = inbox('shop-denhaag').filter((m) => m.kind === 'question');
    assert.deepEqual(questions.map((m) => m.id), [questionId]);
    assert.equal(questions[0].subject_ref, pseudonym);
    assert.deepEqual(openAs('shop-denhaag', questionId), { text: 'Spreekt de cliënt Engels?' });
    // A second question while the first is open: the gateway refuses, the page says so in
    // words, and nothing is sent.
    await page.goto(base + '/compose/question?follows=' + referralId);
    await page.getByLabel(/^Reden van het vervolg/).fill('Nog een vraag');
    await page.getByLabel(/^Tekst/).fill('En de tolk?');
    await submit('#preview-submit');
    r = await submit('#send-submit');
    assert.equal(r.status(), 422);
    await page.waitForSelector('#notice[role="alert"][data-notice="gw_invalid_transition"]');
    assert.equal(await page.textContent('#notice-code'), 'invalid_transition');
    assert.equal(await page.inputValue('#f-text'), 'En de tolk?', 'the values are kept');
    assert.equal(inbox('shop-denhaag').filter((m) => m.kind === 'question').length, 1);
    // The gateway's audit trail names the person who sent each message from the workspace.
    const trail = cli('audit', 'export', '--subject', pseudonym).trim().split('\n').map((l) => JSON.parse(l));
    const sentBy = (id) => trail.filter((e) => e.event === 'submit' && e.object === id)
      .map((e) => [e.user, e.organisation]);
    assert.deepEqual(sentBy(referralId), [['j.devries', 'shop-denhaag']]);
    assert.deepEqual(sentBy(questionId), [['t.meijer', 'wende-denhaag']]);
    await logOut();
    await logIn('j.devries');
    await page.goto(base + '/compose/answer?follows=' + questionId);
    await page.getByLabel(/^Reden van het vervolg/).fill('Antwoord');
    await page.getByLabel(/^Tekst/).fill('Ja, en Roemeens.');
    await submit('#preview-submit');
    await submit('#send-submit');
    const answerId = new URL(page.url()).pathname.split('/').pop();
    assert.deepEqual(inbox('wende-denhaag').filter((m) => m.kind === 'answer').map((m) => m.id), [answerId]);

    // --- an auditor may not compose
    await logOut();
    await logIn('a.bakker');
    r = await page.goto(base + '/compose');
    assert.equal(r.status(), 403);
    await page.waitForSelector('#notice[data-notice="compose_not_allowed"]');
    assert.deepEqual(scriptErrors, [], 'no script or CSP errors in the pages');

    // --- the log names ids, never the client, the pseudonym or the content
    ws.kill('SIGTERM');
    assert.equal(await exited(ws), 0);
    const log = fs.readFileSync(wsLog, 'utf8');
    assert.match(log, new RegExp('message_composed .*message_id=' + referralId));
    assert.match(log, new RegExp('message_composed .*message_id=' + signalId));
    for (const secret of [CLIENT_NUMBER, pseudonym, CASE_REF, 'veilige plek'])
      assert.ok(!log.includes(secret), 'the log must not hold ' + secret);
    console.log('compose e2e: ok');
  } finally {
    await cleanUp(browser, children, tmp);
  }
}

runTest('compose e2e', TIMEOUT_MS, main);
