// The API's documentation page (Swagger UI from the binary) in a real browser under its
// Content-Security-Policy: it renders every operation of the document, the browser reports no
// policy violation, and it fetches nothing but Lantern. Run by scripts/browser.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.resolve(process.env.NODE_MODULES_DIR || 'target/browser-node', 'package.json'));
const { chromium } = require('playwright-core');

const LANTERN = process.env.LANTERN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  if (browser) await browser.close();
});

test('the documentation page is locked down and still renders every operation', async () => {
  const res = await fetch(`${LANTERN}/docs/`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');

  const tab = await browser.newPage();
  const violations = [];
  const requests = [];
  tab.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  tab.on('request', (r) => requests.push(r.url()));
  await tab.goto(`${LANTERN}/docs/`);
  await tab.locator('.opblock').first().waitFor({ timeout: 30000 });
  const document = await (await fetch(`${LANTERN}/openapi.json`)).json();
  const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  assert.equal(await tab.locator('.opblock').count(), operations, 'one block per operation');
  assert.deepEqual(violations, []);
  const elsewhere = requests.filter((u) => !u.startsWith(LANTERN) && !u.startsWith('data:'));
  assert.deepEqual(elsewhere, [], 'only Lantern is asked');
  await tab.close();
});
