// The secure-mail portal in a real browser: Debian's Chromium, headless, driven by Playwright
// (playwright-core; never a downloaded browser). Starts a demo gateway (`ketenpoort init
// --demo` + `serve`) and a real SMTP server on loopback (aiosmtpd), submits a secure mail, then
// walks what a recipient does: open the link from the captured mail, wrong codes until
// lock-out, a new code, the right code, the previews, a download compared byte for byte, a
// reply with a file, and checks the sender's tracking of each step. Also: phone width and the
// English page. Fails loudly (exit 1) on anything missing, including chromium or the binary.
//
//   node tests/e2e/portal.e2e.js --binary build/gateway/cli/ketenpoort
'use strict';

const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');

const { CHROMIUM, arg, freePort, sleep, waitFor, launchChromium, collectErrors } = require('./helpers');
const PYTHON = '/usr/bin/python3';
const REPLY_FILE_LIMIT = 4096;  // limits.max_attachment_bytes of this test's gateway
const MAX_ATTEMPTS = 3;
const TIMEOUT_MS = 120000;

function request(method, url, { ca, token, body } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = https.request({
      method, hostname: u.hostname, port: u.port, path: u.pathname + u.search, ca,
      headers: Object.assign({},
        token ? { Authorization: 'Bearer ' + token } : {},
        body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode, body: raw.toString(), raw });
      });
    });
    req.on('error', reject);
    req.setTimeout(15000, () => req.destroy(new Error('request timeout')));
    if (body) req.write(body);
    req.end();
  });
}

function mails(dir) {
  return fs.readdirSync(dir).filter((n) => /^\d{4}\.json$/.test(n)).sort()
    .map((n) => JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')));
}

async function main() {
  const binary = path.resolve(arg('--binary') || process.env.KP_BINARY || '');
  if (!fs.existsSync(binary)) throw new Error('ketenpoort binary not found: ' + binary);
  if (!fs.existsSync(CHROMIUM)) throw new Error('chromium not found at ' + CHROMIUM + ' (apt-get install chromium)');

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kp-e2e-'));
  const children = [];
  let browser;
  try {
    // --- the SMTP server, the deployment and the gateway
    const mailDir = path.join(tmp, 'mail');
    fs.mkdirSync(mailDir);
    const smtpPort = await freePort();
    const smtp = spawn(PYTHON, [path.join(__dirname, 'servers', 'smtp_sink.py'), '--port', String(smtpPort),
                                '--dir', mailDir, '--lifetime', '300'], { stdio: 'inherit' });
    children.push(smtp);
    await waitFor('the SMTP server', () => fs.existsSync(path.join(mailDir, 'ready')));

    const port = await freePort();
    const dep = path.join(tmp, 'deploy');
    execFileSync(binary, ['init', '--dir', dep, '--demo', '--port', String(port), '--host', '127.0.0.1']);
    const base = 'https://127.0.0.1:' + port;
    const configPath = path.join(dep, 'gateway.json');
    const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
    config.smtp = { url: 'smtp://127.0.0.1:' + smtpPort, from: 'ketenpoort@example.org' };
    config.portal = { base_url: base, max_attempts: MAX_ATTEMPTS, worker_interval_ms: 50 };
    config.limits = { max_attachment_bytes: REPLY_FILE_LIMIT };
    fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
    const log = fs.openSync(path.join(tmp, 'serve.log'), 'w');
    const gw = spawn(binary, ['serve', '--config', configPath], { stdio: ['ignore', log, log] });
    children.push(gw);
    const ca = fs.readFileSync(path.join(dep, 'certs', 'ca.cert.pem'));
    await waitFor('the gateway', async () => {
      try { return (await request('GET', base + '/healthz', { ca })).status === 200; } catch { return false; }
    });
    const token = fs.readFileSync(path.join(dep, 'tokens', 'shop-denhaag.token'), 'utf8').trim();

    // --- the sender seals with openssl (sign, then encrypt to the portal and itself)
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    const binaryFile = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0x10, 0x80, 0x7f, 0x0d, 0x0a, 0x00, 0x41]);
    const doc = {
      body: 'Beste partner,\nHierbij de stukken voor de stuurgroep.',
      attachments: [
        { name: 'agenda.txt', type: 'text/plain', data: Buffer.from('Agenda: punt 1, punt 2\n').toString('base64') },
        { name: 'kaart.png', type: 'image/png', data: png.toString('base64') },
        { name: 'notulen één.odt', type: 'application/vnd.oasis.opendocument.text', data: binaryFile.toString('base64') },
      ],
    };
    const docPath = path.join(tmp, 'doc.json');
    fs.writeFileSync(docPath, JSON.stringify(doc));
    const certs = path.join(dep, 'certs');
    const signed = execFileSync('openssl', ['cms', '-sign', '-binary', '-nodetach', '-md', 'sha256', '-in', docPath,
      '-signer', path.join(certs, 'shop-denhaag.cert.pem'), '-inkey', path.join(certs, 'shop-denhaag.key.pem'),
      '-outform', 'DER']);
    const sealed = execFileSync('openssl', ['cms', '-encrypt', '-binary', '-aes256', '-outform', 'DER',
      path.join(certs, 'portal.cert.pem'), path.join(certs, 'shop-denhaag.cert.pem')], { input: signed });
    const to = 'partner@example.org';
    const submitted = await request('POST', base + '/v1/messages', { ca, token, body: JSON.stringify({
      kind: 'securemail', subject: 'Stuurgroep geheim', lang: 'nl',
      recipients: [{ email: to, verification: 'email_code' }], payload: sealed.toString('base64') }) });
    assert.equal(submitted.status, 202, submitted.body);
    const id = JSON.parse(submitted.body).id;

    // --- the notification mail
    const notification = await waitFor('the notification mail', () => mails(mailDir)[0]);
    assert.deepEqual(notification.rcpt_to, [to]);
    assert.ok(!notification.subject.includes('Stuurgroep'), 'the subject must not be in the mail');
    const link = (notification.text.match(/https:\/\/\S+\/m\/[A-Za-z0-9_-]{43,}/) || [])[0];
    assert.ok(link, 'link in the notification: ' + notification.text);

    // --- the browser
    // A fresh profile per run, trusting the gateway's certificate alone (helpers.js).
    const context = await launchChromium(tmp, path.join(certs, 'gateway.cert.pem'), { acceptDownloads: true });
    browser = context;
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    const scriptErrors = collectErrors(page);

    await page.goto(link);
    assert.equal(await page.getAttribute('html', 'lang'), 'nl');
    await page.click('#send-code');
    await page.waitForSelector('#notice[data-notice="code_sent"]');
    const codeOf = (m) => (m.text.match(/\b(\d{6})\b/) || [])[1];
    const first = await waitFor('the first code', () => mails(mailDir)[1]);
    const firstCode = codeOf(first);
    const wrong = firstCode === '000000' ? '111111' : '000000';
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await page.fill('#code', wrong);
      await Promise.all([page.waitForNavigation(), page.click('#confirm')]);
    }
    await page.waitForSelector('#status[data-code="locked"]');
    assert.equal(await page.locator('#code').count(), 0, 'no code field while locked');

    await page.click('#send-code');
    await page.waitForSelector('#notice[data-notice="code_sent"]');
    const second = await waitFor('the new code', () => mails(mailDir)[2]);
    await page.fill('#code', codeOf(second));
    await Promise.all([page.waitForNavigation(), page.click('#confirm')]);
    await page.waitForSelector('#message');
    assert.match(await page.textContent('#body'), /Hierbij de stukken/);
    assert.equal(await page.locator('li.file').count(), 3);
    assert.match(await page.textContent('li.file[data-index="2"]'), /notulen één\.odt/);
    assert.match(await page.textContent('li.file[data-index="2"] .size'), /13 B/);

    // Phone width: nothing wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 360, 'page is ' + overflow + 'px wide at 360px');

    // Previews: the text in a sandboxed frame, the image decoded.
    const frame = page.frameLocator('li.file[data-index="0"] iframe.preview');
    await frame.locator('body').waitFor();
    assert.match(await frame.locator('body').textContent(), /Agenda: punt 1/);
    await page.waitForFunction(() => {
      const img = document.querySelector('li.file[data-index="1"] img.preview');
      return img && img.complete && img.naturalWidth === 1;
    });

    // Download, byte for byte, with the original name.
    const [download] = await Promise.all([page.waitForEvent('download'),
                                          page.click('li.file[data-index="2"] a.download')]);
    assert.equal(download.suggestedFilename(), 'notulen één.odt');
    const saved = path.join(tmp, 'downloaded');
    await download.saveAs(saved);
    assert.ok(fs.readFileSync(saved).equals(binaryFile), 'downloaded bytes differ');

    // A file above the gateway's limit is refused in the page, before anything is sent.
    await page.setInputFiles('#reply-files', { name: 'te-groot.pdf', mimeType: 'application/pdf',
                                               buffer: Buffer.alloc(REPLY_FILE_LIMIT + 1, 0x25) });
    await page.click('#reply-send');
    await page.waitForSelector('#reply-status.error');
    assert.match(await page.textContent('#reply-status'), /te-groot\.pdf: .*gateway/);

    // Reply with a file.
    await page.fill('#reply-body', 'Dank, ik kom naar de stuurgroep.');
    await page.setInputFiles('#reply-files', { name: 'antwoord.txt', mimeType: 'text/plain',
                                               buffer: Buffer.from('Ja, ik kom.') });
    await page.click('#reply-send');
    await page.waitForSelector('#reply-status.ok');

    // A second click on the link in a webmail page (a cross-site navigation, which does not
    // carry the SameSite=Strict cookie) comes back to the message without verifying again.
    await page.setContent('<a id="webmail" href="' + link + '">open</a>');
    await page.click('#webmail');
    await page.waitForSelector('#message');

    // English.
    await page.click('#lang-switch');
    await page.waitForSelector('html[lang="en"]');
    assert.match(await page.textContent('h1'), /Secure message/);
    assert.deepEqual(scriptErrors, [], 'no script or CSP errors in the page');

    // --- the sender's view
    const tracking = await request('GET', base + '/v1/messages/' + id + '/tracking', { ca, token });
    assert.equal(tracking.status, 200, tracking.body);
    const r = JSON.parse(tracking.body).recipients[0];
    for (const step of ['notified', 'verified', 'opened', 'replied'])
      assert.equal(typeof r[step], 'string', step + ' missing in ' + tracking.body);
    const events = r.events.map((e) => e.event);
    assert.equal(events.filter((e) => e === 'verify_failed').length, MAX_ATTEMPTS - 1);
    assert.ok(events.includes('locked'), 'locked in tracking');
    assert.equal(events.filter((e) => e === 'code_sent').length, 2);
    const seen = r.downloads.map((d) => d.how + ':' + d.file);
    for (const f of ['preview:agenda.txt', 'preview:kaart.png', 'download:notulen één.odt'])
      assert.ok(seen.includes(f), f + ' not in tracking: ' + seen);

    const inbox = await request('GET', base + '/v1/inbox', { ca, token });
    const replies = JSON.parse(inbox.body).messages.filter((m) => m.from === 'portal' && m.routing.in_reply_to === id);
    assert.equal(replies.length, 1, 'the reply reaches the sender organisation');
    // Its file was uploaded on its own and sealed by the gateway as it arrived: the sender
    // organisation opens the reply and then the file with openssl alone.
    const reply = await request('GET', base + '/v1/messages/' + replies[0].id, { ca, token });
    assert.equal(reply.status, 200, reply.body);
    const replyDoc = JSON.parse(execFileSync('sh', ['-c',
      'base64 -d | openssl cms -decrypt -binary -inform DER -recip "$1" -inkey "$2" | ' +
      'openssl cms -verify -binary -inform DER -CAfile "$3"',
      'sh', path.join(certs, 'shop-denhaag.cert.pem'), path.join(certs, 'shop-denhaag.key.pem'),
      path.join(certs, 'ca.cert.pem')], { input: JSON.parse(reply.body).payload, stdio: ['pipe', 'pipe', 'ignore'] }).toString());
    const file = replyDoc.attachments[0];
    assert.equal(file.name, 'antwoord.txt');
    assert.ok(file.attachment_id, 'the reply file is an upload: ' + JSON.stringify(file));
    const cipher = await request('GET', base + '/v1/messages/' + replies[0].id + '/attachments/' + file.attachment_id, { ca, token });
    assert.equal(cipher.status, 200, cipher.body);
    fs.writeFileSync(path.join(tmp, 'reply.env'), Buffer.from(file.envelope, 'base64'));
    fs.writeFileSync(path.join(tmp, 'reply.bin'), cipher.raw);
    const plain = execFileSync('openssl', ['cms', '-decrypt', '-binary', '-inform', 'DER',
      '-in', path.join(tmp, 'reply.env'), '-content', path.join(tmp, 'reply.bin'),
      '-recip', path.join(certs, 'shop-denhaag.cert.pem'), '-inkey', path.join(certs, 'shop-denhaag.key.pem')]);
    assert.equal(plain.toString(), 'Ja, ik kom.');
    console.log('portal e2e: ok (' + id + ')');
  } finally {
    if (browser) await browser.close().catch(() => {});
    for (const c of children.reverse()) {
      c.kill('SIGTERM');
    }
    await sleep(300);
    if (process.env.KP_E2E_KEEP) console.log('kept ' + tmp);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => { console.error('portal e2e: timed out'); process.exit(1); }, TIMEOUT_MS);
main().then(() => { clearTimeout(watchdog); process.exit(0); },
            (e) => { console.error('portal e2e: FAILED: ' + (e && e.stack || e)); process.exit(1); });
