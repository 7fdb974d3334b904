// One case from start to end, the way staff work it: in Debian's headless Chromium (Playwright)
// against real `ketenpoort serve` and `ketenpoort workspace` processes of an `init --demo`
// deployment, every step in the browser.
//
//   1. SHOP Den Haag's coordinator (j.devries) refers a client who needs shelter: Wende.
//   2. Wende's caseworker (t.meijer) declines with a reason from the list and words.
//   3. The coordinator sees the answer among her notices and re-refers: De Haven.
//   4. De Haven's caseworker (r.smit) asks a question; the coordinator answers it.
//   5. De Haven accepts and plans the intake; the coordinator's timeline shows each step.
//   6. The coordinator, in the field, reports a signal about an adult in The Hague: it reaches
//      CoMensha and, with the legal basis the form asks for, the police; both assess it. The
//      police offer the reflection period (B8): the IND reads it with its deadline.
//   7. Each step's entry in the gateway's audit trail names the person who took it, and SHOP's
//      auditor finds the coordinator's steps on /audit.
//   8. Wrong passwords and a wrong code lock an account; after logging out, pages lead to /login.
//   9. Afterwards no text typed into a message is found in any file under the deployment's
//      folder (gateway and workspace, databases, logs, blobs), nor in the browser's cache.
//
//   node tests/e2e/workspace_case.e2e.js --binary build/gateway/cli/ketenpoort
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { launchChromium, totp, exited, collectErrors, cleanUp, runTest, binaryUnderTest, initDemo,
        startDemo } = require('./helpers');

const TIMEOUT_MS = 240000;
const CLIENT_NUMBER = '2026-0917';
// Invented texts, each unique, to look for on disk afterwards.
const TYPED = {
  summary: 'Synthetisch-K7Q: zoekt vannacht een veilige opvangplek',
  decline: 'Synthetisch-P3W: alle bedden bezet tot maandag',
  reReferral: 'Synthetisch-Z9M: tweede poging na afwijzing',
  question: 'Synthetisch-H2V: welke talen spreekt de client?',
  answer: 'Synthetisch-B5T: Engels en een beetje Roemeens',
  signal: 'Synthetisch-R8D: waarneming bij een nagelsalon',
  b8: 'Synthetisch-V4N: bedenktijd aangeboden na aangifte',
};

async function main() {
  const binary = binaryUnderTest();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kp-ws-case-e2e-'));
  const children = [];
  let browser;
  try {
    const demo = await initDemo(binary, tmp);
    const { dep } = demo;
    const gatewayConfig = path.join(dep, 'gateway.json');
    const staff = JSON.parse(fs.readFileSync(path.join(dep, 'staff.json'), 'utf8'));
    const person = (username) => staff.find((s) => s.username === username);
    const { base, ws } = await startDemo(binary, tmp, demo, children);

    browser = await launchChromium(tmp, path.join(dep, 'certs', 'gateway.cert.pem'),
                                   { viewport: { width: 1024, height: 900 } });
    const page = await browser.newPage();
    page.setDefaultTimeout(15000);
    const scriptErrors = collectErrors(page, /^Failed to load resource: .* 4\d\d /);
    const follow = async (selector) => {
      const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
      return response;
    };
    const here = () => new URL(page.url());
    const idOfPage = () => here().pathname.split('/').pop();

    // Each person logs in once (a TOTP code works once); switching person swaps the session
    // cookie, as two people at two desks would each have their own.
    const sessions = {};
    const as = async (username) => {
      await browser.clearCookies();
      if (sessions[username]) {
        await browser.addCookies([sessions[username]]);
        await page.goto(base + '/inbox');
        assert.equal(here().pathname, '/inbox', username + ' is still logged in');
        return;
      }
      const p = person(username);
      await page.goto(base + '/login');
      await page.getByLabel('Gebruikersnaam').fill(p.username);
      await page.getByLabel('Wachtwoord').fill(p.password);
      await page.getByLabel(/Code uit de authenticator-app/).fill(totp(p.totp_secret));
      await Promise.all([page.waitForNavigation(), page.press('#code', 'Enter')]);
      assert.equal(here().pathname, '/inbox', username + ' lands in the inbox');
      sessions[username] = (await browser.cookies(base)).find((c) => c.name === 'kp_ws');
    };
    const openFromInbox = async (id) => {
      await page.goto(base + '/inbox');
      await page.locator('li#msg-' + id).first().waitFor();
      await follow('li#msg-' + id + ' a');
      assert.equal(here().pathname, '/messages/' + id);
    };
    const setState = async (state) => {
      await follow('#action-' + state + ' button[type="submit"]');
      await page.waitForSelector('#notice[data-notice="status_saved"][role="alert"]');
    };

    // --- 1. the coordinator refers a client: Wende
    await as('j.devries');
    await follow('#nav-compose');
    await follow('#compose-referral');
    await page.getByLabel(/^Cliëntnummer/).fill(CLIENT_NUMBER);
    await page.getByLabel(/^Regio/).selectOption({ label: 'Den Haag (GM0518)' });
    await page.getByLabel(/^Leeftijd/).selectOption({ label: 'Volwassen (18 of ouder)' });
    await page.getByLabel(/^Gender/).selectOption({ label: 'Man' });
    await page.getByLabel(/^Onderwerp/).selectOption({ label: 'Opvang' });
    await page.getByLabel(/^Urgentie/).selectOption({ label: 'Spoed' });
    await page.getByRole('checkbox', { name: 'Opvang', exact: true }).check();
    await page.getByLabel(/^Uw dossiernummer/).fill('dossier-917');
    await page.getByLabel(/^Samenvatting/).fill(TYPED.summary);
    await follow('#preview-submit');
    assert.equal(await page.locator('#notice').count(), 0, await page.locator('#notice').allTextContents());
    assert.deepEqual(await page.locator('#recipients li').allTextContents(), ['Wende, opvang voor mannen']);
    await follow('#send-submit');
    await page.waitForSelector('#notice[data-notice="sent"]');
    const referral = idOfPage();
    assert.match(referral, /^m-/);

    // --- 2. Wende's caseworker reads it (a form in words) and declines with a reason
    await as('t.meijer');
    await openFromInbox(referral);
    assert.equal(await page.textContent('#payload [data-field="summary"]'), TYPED.summary);
    assert.match(await page.textContent('#header [data-field="from"]'), /SHOP Den Haag/);
    const decline = page.locator('#action-declined');
    await decline.getByLabel('Reden', { exact: true }).selectOption({ label: 'Geen plek' });
    await decline.getByLabel(/Toelichting/).fill(TYPED.decline);
    await follow('#action-declined button[type="submit"]');
    await page.waitForSelector('#notice[data-notice="status_saved"]');
    assert.equal(await page.textContent('#header [data-field="state"]'), 'Afgewezen');

    // --- 3. the coordinator sees the answer among her notices and re-refers to De Haven
    await as('j.devries');
    const declinedNotice = page.locator('#notices li.notice-item[data-type="status"]', { hasText: 'Afgewezen' });
    await declinedNotice.first().waitFor();
    assert.match(await declinedNotice.first().textContent(), /Geen plek/);
    await page.goto(base + '/messages/' + referral);
    assert.ok((await page.textContent('#tracking')).includes(TYPED.decline), 'the reason, in words');
    await follow('#re-refer');
    assert.equal(here().pathname, '/compose/referral');
    assert.equal(await page.locator('#f-client_number').count(), 0, 'the client comes from the case');
    await page.getByLabel(/^Reden van het vervolg/).fill(TYPED.reReferral);
    await page.getByRole('checkbox', { name: 'De Haven Den Haag' }).check();
    await page.getByLabel(/^Uw dossiernummer/).fill('dossier-917');
    await page.getByRole('checkbox', { name: 'Opvang', exact: true }).check();
    await page.getByLabel(/^Samenvatting/).fill(TYPED.summary);
    await follow('#preview-submit');
    assert.deepEqual(await page.locator('#recipients li').allTextContents(), ['De Haven Den Haag']);
    await follow('#send-submit');
    await page.waitForSelector('#notice[data-notice="sent"]');
    const reReferral = idOfPage();

    // --- 4. De Haven's caseworker asks a question; the coordinator answers it
    await as('r.smit');
    await openFromInbox(reReferral);
    await follow('#ask-question');
    await page.getByLabel(/^Reden van het vervolg/).fill('Vraag voor de intake');
    await page.getByLabel(/^Tekst/).fill(TYPED.question);
    await follow('#preview-submit');
    await follow('#send-submit');
    await page.waitForSelector('#notice[data-notice="sent"]');
    const question = idOfPage();

    await as('j.devries');
    await openFromInbox(question);
    assert.ok((await page.textContent('#payload')).includes(TYPED.question));
    await follow('#answer');
    await page.getByLabel(/^Reden van het vervolg/).fill('Antwoord op de vraag');
    await page.getByLabel(/^Tekst/).fill(TYPED.answer);
    await follow('#preview-submit');
    await follow('#send-submit');
    await page.waitForSelector('#notice[data-notice="sent"]');
    const answer = idOfPage();

    // --- 5. De Haven reads the answer, accepts and plans the intake
    await as('r.smit');
    await openFromInbox(answer);
    assert.ok((await page.textContent('#payload')).includes(TYPED.answer));
    await page.goto(base + '/messages/' + reReferral);
    await setState('accepted');
    assert.equal(await page.textContent('#header [data-field="state"]'), 'Geaccepteerd');
    await setState('intake_planned');
    assert.equal(await page.textContent('#header [data-field="state"]'), 'Intake gepland');

    await as('j.devries');
    await page.goto(base + '/messages/' + reReferral);
    for (const state of ['needs_info', 'accepted', 'intake_planned']) {
      const step = page.locator('#tracking ol.timeline li[data-state="' + state + '"]');
      await step.first().waitFor();
      assert.match(await step.first().textContent(), /r\.smit/, state + ' names the person');
    }

    // --- 6. a signal from the field: CoMensha and, with a legal basis, the police
    await follow('#nav-compose');
    await follow('#compose-signal');
    await page.getByLabel(/^Regio/).selectOption({ label: 'Den Haag (GM0518)' });
    await page.getByLabel(/^Leeftijd/).selectOption({ label: 'Volwassen (18 of ouder)' });
    await page.getByRole('checkbox', { name: 'Weinig of geen loon' }).check();
    await page.getByLabel(/^Minderjarig/).selectOption({ label: 'Nee' });
    await page.getByLabel(/^Beschrijving/).fill(TYPED.signal);
    await follow('#preview-submit');
    assert.deepEqual(await page.locator('#recipients-with-legal-basis li').allTextContents(),
                     ['Politie Eenheid Den Haag, AVIM']);
    await page.getByLabel(/^Grondslag/).selectOption({ label: 'Vitaal belang' });
    await follow('#preview-submit');
    assert.deepEqual((await page.locator('#recipients li').allTextContents()).sort(),
                     ['CoMensha, Coördinatiecentrum tegen Mensenhandel', 'Politie Eenheid Den Haag, AVIM']);
    await follow('#send-submit');
    await page.waitForSelector('#notice[data-notice="sent"]');
    const signal = idOfPage();
    for (const username of ['e.hendriks', 'k.vandijk']) {
      await as(username);
      await openFromInbox(signal);
      assert.equal(await page.textContent('#payload [data-field="description"]'), TYPED.signal);
      await setState('assessed');
      assert.equal(await page.textContent('#header [data-field="state"]'), 'Beoordeeld');
    }

    // --- 6b. the police offer the reflection period (B8): the IND, CoMensha and SHOP are told,
    // and the deadline the B8 rule gives (three months from its start) shows on the message
    await as('k.vandijk');
    await follow('#nav-compose');
    await follow('#compose-b8');
    await page.getByLabel(/^Cliëntnummer/).fill('B8-' + CLIENT_NUMBER);
    await page.getByLabel(/^Regio/).selectOption({ label: 'Den Haag (GM0518)' });
    await page.getByLabel(/^Uw dossiernummer/).fill('avim-917');
    await page.getByLabel(/^Stap/).selectOption({ label: 'Bedenktijd aangeboden' });
    await page.getByLabel(/^Begin van de bedenktijd/).fill('2026-12-01');
    await page.getByLabel(/^Aantekeningen/).fill(TYPED.b8);
    await follow('#preview-submit');
    const b8To = (await page.locator('#recipients li').allTextContents()).sort();
    assert.ok(b8To.some((t) => /IND/.test(t)) && b8To.some((t) => /CoMensha/.test(t)) &&
              b8To.some((t) => /SHOP Den Haag/.test(t)),
              'the B8 reaches IND, CoMensha, SHOP: ' + b8To + ' ' + (await page.locator('#notice').allTextContents()));
    await follow('#send-submit');
    await page.waitForSelector('#notice[data-notice="sent"]');
    const b8 = idOfPage();
    await as('b.brouwer');
    await openFromInbox(b8);
    assert.equal(await page.textContent('#payload [data-field="notes"]'), TYPED.b8);
    assert.match(await page.textContent('#header'), /1 maart 2027/, 'the end of the reflection period');

    // --- 7. the gateway's audit trail names the person of every step
    const trail = execFileSync(binary, ['audit', 'export', '--config', gatewayConfig]).toString()
      .trim().split('\n').map((l) => JSON.parse(l));
    const who = (event, object, extra = () => true) =>
      trail.filter((e) => e.event === event && e.object === object && e.outcome === 'success' && extra(e))
        .map((e) => e.user);
    const statusBy = (object, org) => who('status_change', object, (e) => e.organisation === org);
    assert.deepEqual(who('submit', referral), ['j.devries']);
    assert.ok(statusBy(referral, 'wende-denhaag').includes('t.meijer'), 'the decline names t.meijer');
    assert.deepEqual(who('submit', reReferral), ['j.devries']);
    assert.deepEqual(who('submit', question), ['r.smit']);
    assert.deepEqual(who('submit', answer), ['j.devries']);
    // Asking moved De Haven's delivery to needs_info; accepting and planning the intake follow.
    const deHaven = statusBy(reReferral, 'dehaven-denhaag');
    assert.ok(deHaven.length >= 3, 'needs_info, accepted, intake_planned: ' + deHaven);
    assert.deepEqual([...new Set(deHaven)], ['r.smit'], 'each by r.smit');
    assert.deepEqual(who('submit', signal), ['j.devries']);
    assert.ok(statusBy(signal, 'comensha').includes('e.hendriks'));
    assert.ok(statusBy(signal, 'politie-avim-haaglanden').includes('k.vandijk'));
    assert.deepEqual(who('submit', b8), ['k.vandijk']);
    assert.ok(who('open', b8).includes('b.brouwer'));
    assert.ok(who('open', referral).includes('t.meijer'), 'reading is recorded too, by name');
    for (const e of trail) {
      if (['submit', 'status_change', 'open'].includes(e.event) && e.role === 'workspace')
        assert.ok(e.user && e.user !== e.organisation, 'a workspace entry names a person: ' + JSON.stringify(e));
    }
    // SHOP's auditor finds the coordinator's steps on /audit.
    await as('a.bakker');
    await follow('#nav-audit');
    await page.getByLabel('Gebruiker').fill('j.devries');
    await follow('#audit-filter button[type="submit"]');
    const rows = await page.locator('#audit-entries tr.entry').allTextContents();
    assert.ok(rows.length >= 4, 'the coordinator\'s submissions and reads: ' + rows.length);
    for (const row of rows) assert.match(row, /j\.devries/);

    // --- 8. lock-out after wrong passwords and a wrong code; after logout, pages lead to /login
    await browser.clearCookies();
    const w = person('w.vanleeuwen');
    const attempt = async (password, code) => {
      await page.goto(base + '/login');
      await page.getByLabel('Gebruikersnaam').fill(w.username);
      await page.getByLabel('Wachtwoord').fill(password);
      await page.getByLabel(/Code uit de authenticator-app/).fill(code);
      await Promise.all([page.waitForNavigation(), page.press('#code', 'Enter')]);
      return here().pathname;
    };
    const wrongCode = String((Number(totp(w.totp_secret)) + 500000) % 1000000).padStart(6, '0');
    for (let i = 0; i < 4; ++i)
      assert.equal(await attempt('wrong-password-' + i, totp(w.totp_secret)), '/login');
    assert.equal(await attempt(w.password, wrongCode), '/login', 'a wrong code is refused');
    await page.waitForSelector('#notice[data-notice="login_failed"]');
    assert.equal(await attempt(w.password, totp(w.totp_secret)), '/login', 'locked: even the right log-in');
    const listed = execFileSync(binary, ['staff', 'list', '--config', path.join(dep, 'workspace.json')]).toString();
    assert.match(listed, /gemeente-denhaag w\.vanleeuwen roles=caseworker state=locked/);

    await as('j.devries');
    await Promise.all([page.waitForNavigation(), page.click('#logout-submit')]);
    await page.waitForSelector('#notice[data-notice="logged_out"]');
    for (const p of ['/inbox', '/messages/' + referral, '/compose/referral', '/audit']) {
      await page.goto(base + p);
      assert.equal(here().pathname, '/login', p + ' after logout leads to /login');
    }
    // The old session cookie, replayed, opens nothing either.
    await browser.addCookies([sessions['j.devries']]);
    await page.goto(base + '/messages/' + referral);
    assert.equal(here().pathname, '/login', 'an ended session stays ended');
    assert.deepEqual(scriptErrors, [], 'no script or CSP errors in the pages');

    // --- 9. nothing typed into a message is on disk: not under the deployment's folder
    // (databases and their WAL, blobs, logs, the workspace's files), not in the browser's cache
    await browser.close();
    browser = undefined;
    for (const c of [...children].reverse()) {
      c.kill('SIGTERM');
      assert.equal(await exited(c), 0, 'a clean stop');
    }
    children.length = 0;
    const found = [];
    let scanned = 0;
    const scanFile = (file) => {
      const bytes = fs.readFileSync(file);
      ++scanned;
      for (const [what, text] of Object.entries(TYPED)) {
        if (bytes.includes(Buffer.from(text, 'utf8'))) found.push(what + ' in ' + file);
      }
      if (bytes.includes(Buffer.from(CLIENT_NUMBER))) found.push('the client number in ' + file);
    };
    const scan = (dir) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) scan(file);
        else if (entry.isFile()) scanFile(file);
      }
    };
    // The scan finds what it looks for: a control file with one of the texts.
    const control = path.join(tmp, 'control.txt');
    fs.writeFileSync(control, 'x ' + TYPED.decline + ' x');
    scanFile(control);
    assert.deepEqual(found, ['decline in ' + control]);
    found.length = 0;
    scan(dep);  // gateway.json, workspace.json, both databases (and any -wal), blobs, keys
    scanFile(path.join(tmp, 'serve.log'));
    scanFile(path.join(tmp, 'workspace.log'));
    const cache = path.join(tmp, 'chromium-profile', 'Default', 'Cache');
    if (fs.existsSync(cache)) scan(cache);
    assert.ok(scanned > 20, 'the scan read the deployment: ' + scanned + ' files');
    assert.deepEqual(found, [], 'plaintext on disk');
    assert.equal(ws.exitCode, 0);
    console.log('workspace case e2e: ok');
  } finally {
    await cleanUp(browser, children, tmp);
  }
}

runTest('workspace case e2e', TIMEOUT_MS, main);
