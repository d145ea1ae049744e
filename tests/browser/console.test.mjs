// The office console in a real browser (Chromium through playwright-core), against a running
// Lantern with the seed (LANTERN). Keys are made through the API with the admin key that
// scripts/browser.sh creates (LANTERN_KEY): a publisher and an observer of one service body.
// Every test holds what the console shows to what the API answers. Screenshots go to OUT.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.resolve(process.env.NODE_MODULES_DIR || 'target/browser-node', 'package.json'));
const { chromium } = require('playwright-core');

const LANTERN = process.env.LANTERN;
const ADMIN = process.env.LANTERN_KEY;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT = process.env.OUT || 'target/browser';
const TIMEOUT = 15000;

let browser;
let body; // the service body the keys are for
let publisher;
let observer;

async function call(method, pathAndQuery, { key = ADMIN, json, headers = {} } = {}) {
  const res = await fetch(LANTERN + pathAndQuery, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}), ...headers },
    body: json ? JSON.stringify(json) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, etag: res.headers.get('etag') };
}

async function newKey(role) {
  const res = await call('POST', '/v1/keys', { json: { name: `console ${role}`, role, service_body_id: body.id } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.token;
}

/* The meetings of the body whose name is exactly `name`, as the publisher sees them (drafts too). */
async function named(name) {
  const res = await call('GET', `/v1/meetings?service_body=${body.id}&q=${encodeURIComponent(name)}&limit=500`, { key: publisher });
  assert.equal(res.status, 200);
  return res.body.results.filter((m) => m.name === name);
}

async function meetingCount() {
  let n = 0;
  let cursor = '';
  do {
    const res = await call('GET', `/v1/meetings?service_body=${body.id}&limit=500${cursor ? `&cursor=${cursor}` : ''}`, { key: publisher });
    n += res.body.results.length;
    cursor = res.body.next_cursor || '';
  } while (cursor);
  return n;
}

/* A fresh tab signed in with `key`; every request it makes is recorded. */
async function signedIn(key, options = {}) {
  const context = await browser.newContext({ viewport: options.viewport || { width: 1200, height: 900 }, locale: options.locale || 'en-US' });
  const tab = await context.newPage();
  const requests = [];
  tab.on('request', (r) => requests.push(r));
  await tab.goto(`${LANTERN}/console`);
  await tab.getByLabel('API key').fill(key);
  await tab.getByRole('button', { name: 'Sign in' }).click();
  await tab.locator('#who').waitFor({ timeout: TIMEOUT });
  return { context, tab, requests };
}

async function listLoaded(tab) {
  await tab.locator('#status').filter({ hasText: /\d+ meetings/ }).waitFor({ timeout: TIMEOUT });
}

/* The console's messages beside a field: the text of the element its input names as its error. */
async function errorBeside(tab, name) {
  const input = tab.locator(`[name="${name}"]`).first();
  assert.equal(await input.getAttribute('aria-invalid'), 'true', `${name} is marked invalid`);
  const described = (await input.getAttribute('aria-describedby')).split(' ');
  const id = described.find((d) => d.endsWith('-error'));
  return tab.locator(`#${id}`).textContent();
}

before(async () => {
  assert.ok(LANTERN && ADMIN, 'LANTERN and LANTERN_KEY must be set');
  fs.mkdirSync(OUT, { recursive: true });
  // A service body of New York meetings: the created meeting must show in a New York nearby.
  const inNewYork = await call('GET', '/v1/meetings?bbox=-74.3,40.5,-73.7,40.95&limit=1');
  assert.equal(inNewYork.status, 200);
  const id = inNewYork.body.results[0].service_body_id;
  body = (await call('GET', `/v1/service-bodies/${id}`)).body;
  publisher = await newKey('publisher');
  observer = await newKey('observer');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  if (browser) await browser.close();
});

test('the console page is locked down: strict CSP, not frameable, no inline script', async () => {
  const res = await fetch(`${LANTERN}/console`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /connect-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.doesNotMatch(await res.text(), /<script>/);
});

test('a publisher signs in: who the key is, its meetings, and the key only in this tab', async () => {
  const { context, tab, requests } = await signedIn(publisher);
  const who = await tab.locator('#who').textContent();
  assert.match(who, /console publisher/);
  assert.match(who, /publisher/);
  assert.ok(who.includes(body.name), who);
  await listLoaded(tab);
  const rows = await tab.locator('table.meetings tbody tr').count();
  assert.equal(rows, await meetingCount(), 'the list holds every meeting of the body, drafts included');
  assert.ok(rows > 0);
  // What a publisher may do is offered (an observer, below, gets none of it).
  for (const label of ['New meeting', 'Import']) assert.equal(await tab.getByRole('button', { name: label, exact: true }).count(), 1, label);
  assert.equal(await tab.getByRole('button', { name: /^Edit “/ }).count(), rows);
  assert.equal(await tab.getByRole('button', { name: /^Delete “/ }).count(), rows);
  assert.equal(await tab.getByRole('button', { name: 'Followed sources' }).count(), 0, 'sources are for admins');
  // The key input is not a password field: no password manager offers to keep the key.
  assert.equal(await tab.evaluate(() => document.querySelectorAll('input[type=password]').length), 0);
  await tab.screenshot({ path: `${OUT}/console-list.png`, fullPage: true });

  // Filters ask the server; the day filter agrees with the API's.
  await tab.getByLabel('Day', { exact: true }).selectOption('monday');
  await tab.locator('#status').filter({ hasText: /\d+ meetings/ }).waitFor({ timeout: TIMEOUT });
  await tab.waitForFunction(() => !document.querySelector('#status').textContent.includes('Loading'));
  const monday = await call('GET', `/v1/meetings?service_body=${body.id}&day=monday&limit=500`, { key: publisher });
  assert.equal(await tab.locator('table.meetings tbody tr').count(), monday.body.results.length);

  // The key: in sessionStorage, never in a URL or a cookie; every request goes to Lantern with it.
  assert.equal(await tab.evaluate(() => sessionStorage.getItem('lantern.console.key')), publisher);
  assert.deepEqual(await context.cookies(), []);
  await onlyLantern(requests, publisher);
  assert.deepEqual(await unlabelled(tab), []);
  // Signing out forgets the key.
  await tab.getByRole('button', { name: 'Sign out' }).click();
  await tab.getByLabel('API key').waitFor();
  assert.equal(await tab.evaluate(() => sessionStorage.getItem('lantern.console.key')), null);
  await context.close();
});

/* Every request went to Lantern, with the key in its header and never in its address. */
async function onlyLantern(requests, key) {
  for (const r of requests) {
    assert.ok(r.url().startsWith(LANTERN + '/'), `only Lantern is asked: ${r.url()}`);
    assert.ok(!r.url().includes(key), 'the key is never in a URL');
    if (r.url().includes('/v1/')) assert.equal((await r.allHeaders()).authorization, `Bearer ${key}`);
  }
}

async function unlabelled(tab) {
  return tab.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !el.labels?.length && !el.getAttribute('aria-label')).map((el) => el.id || el.name));
}

test('a meeting created through the form is in the API and in nearby', async () => {
  const { context, tab, requests } = await signedIn(publisher);
  await listLoaded(tab);
  await tab.getByRole('button', { name: 'New meeting' }).click();
  const name = 'Console Created Meeting';
  await tab.getByLabel('Name', { exact: true }).first().fill(name);
  await tab.locator('[name="service_body_id"]').selectOption(String(body.id));
  for (const day of ['Monday', 'Wednesday', 'Friday']) await tab.getByLabel(day, { exact: true }).check();
  await tab.getByLabel('Start time').fill('19:30');
  await tab.getByLabel('Duration in minutes').fill('90');
  await tab.getByRole('checkbox', { name: /\(O\)$/ }).check();
  await tab.getByLabel('Languages').fill('en, es');
  // The location through the place search, then the time zone the server derives for it.
  await tab.getByLabel('Find a place').fill('New York');
  await tab.getByRole('button', { name: 'Find', exact: true }).click();
  await tab.getByRole('button', { name: /^Use New York City/ }).click();
  await tab.locator('#zone-hint').filter({ hasText: 'America/New_York' }).waitFor({ timeout: TIMEOUT });
  await tab.getByLabel('Venue name').fill('Console Hall');
  assert.deepEqual(await unlabelled(tab), [], 'every control of the form has a label');
  await tab.getByRole('button', { name: 'Save' }).click();
  await tab.locator('#status').filter({ hasText: 'Created' }).waitFor({ timeout: TIMEOUT });

  const [made] = await named(name);
  assert.ok(made, 'the API has it');
  assert.deepEqual(made.schedule.days, ['monday', 'wednesday', 'friday']);
  assert.equal(made.schedule.start_time, '19:30');
  assert.equal(made.schedule.duration_minutes, 90);
  assert.equal(made.schedule.time_zone, 'America/New_York');
  assert.equal(made.schedule.time_zone_derived, true);
  assert.deepEqual(made.languages, ['en', 'es']);
  assert.ok(made.types.includes('O'));
  assert.equal(made.location.name, 'Console Hall');
  // Wednesday 2026-12-02 19:00 EST: it starts within the hour, at the place searched for.
  const { latitude, longitude } = made.location;
  const near = await call('GET', `/v1/meetings/nearby?lat=${latitude}&lon=${longitude}&radius_km=1&starting_within=60&limit=200&at=2026-12-03T00:00:00Z`);
  assert.equal(near.status, 200);
  assert.ok(near.body.results.some((r) => r.meeting.id === made.id), 'nearby finds it');
  // The form now edits it.
  assert.equal(await tab.locator('#view-title').textContent(), `Edit “${name}”`);
  assert.ok(requests.some((r) => r.url().includes('/v1/places?')) && requests.some((r) => r.url().includes('/v1/time-zone?')));
  await onlyLantern(requests, publisher);
  await context.close();
});

test('bad values get the API\'s own errors beside their fields and write nothing', async () => {
  const { context, tab, requests } = await signedIn(publisher);
  await listLoaded(tab);
  const before = await meetingCount();
  await tab.getByRole('button', { name: 'New meeting' }).click();
  const name = 'Console Bad Values';
  await tab.getByLabel('Name', { exact: true }).first().fill(name);
  await tab.getByLabel('Tuesday', { exact: true }).check();
  await tab.getByLabel('Start time').fill('9pm');
  await tab.getByLabel('Latitude').fill('95');
  await tab.getByLabel('Longitude').fill('-73.99');
  await tab.getByRole('button', { name: 'Save' }).click();
  await tab.locator('#error-summary:not([hidden])').waitFor({ timeout: TIMEOUT });

  // What the API says about the very body the console sent, field by field.
  const post = requests.find((r) => r.method() === 'POST' && r.url() === `${LANTERN}/v1/meetings`);
  const sent = JSON.parse(post.postData());
  assert.equal(sent.schedule.start_time, '9pm', 'sent as typed');
  assert.equal(sent.location.latitude, 95);
  const verdict = await call('POST', '/v1/meetings', { key: publisher, json: sent });
  assert.equal(verdict.status, 422);
  const startError = await errorBeside(tab, 'schedule.start_time');
  const latitudeError = await errorBeside(tab, 'location.latitude');
  assert.equal(startError.trim(), verdict.body.errors['schedule.start_time'].join(' '));
  assert.equal(latitudeError.trim(), verdict.body.errors['location.latitude'].join(' '));
  assert.ok(await tab.locator('#error-summary a').count() >= 2, 'the summary links to the fields');
  await tab.screenshot({ path: `${OUT}/console-form-errors.png`, fullPage: true });

  assert.deepEqual(await named(name), []);
  assert.equal(await meetingCount(), before, 'nothing was written');
  await context.close();
});

test('an observer sees the meetings but no control that changes them', async () => {
  // A meeting with earlier versions: a publisher would be offered to restore them.
  const [meeting] = (await call('GET', `/v1/meetings?service_body=${body.id}&limit=1&day=saturday`, { key: publisher })).body.results;
  for (const notes of ['First note', 'Second note']) {
    const res = await call('PATCH', `/v1/meetings/${meeting.id}`, { key: publisher, json: { notes } });
    assert.equal(res.status, 200);
  }
  const pub = await signedIn(publisher);
  await listLoaded(pub.tab);
  await pub.tab.locator(`tr[data-id="${meeting.id}"]`).getByRole('button', { name: /^History/ }).click();
  await pub.tab.locator('ol.history').waitFor({ timeout: TIMEOUT });
  assert.ok(await pub.tab.getByRole('button', { name: 'Restore this version' }).count() >= 2);
  await pub.context.close();

  const { context, tab } = await signedIn(observer);
  assert.match(await tab.locator('#who').textContent(), /observer/);
  await listLoaded(tab);
  assert.ok(await tab.locator('table.meetings tbody tr').count() > 0);
  for (const label of ['New meeting', 'Import', 'Followed sources']) {
    assert.equal(await tab.getByRole('button', { name: label, exact: true }).count(), 0, `no ${label}`);
  }
  for (const label of [/^Edit/, /^Delete/, /^Yes, delete/]) {
    assert.equal(await tab.getByRole('button', { name: label }).count(), 0, `no ${label}`);
  }
  assert.ok(await tab.getByRole('button', { name: /^View “/ }).count() > 0);
  await tab.locator(`tr[data-id="${meeting.id}"]`).getByRole('button', { name: /^View/ }).click();
  await tab.locator('#meeting-form').waitFor();
  assert.equal(await tab.getByRole('button', { name: 'Save' }).count(), 0);
  assert.equal(await tab.getByRole('button', { name: 'Delete' }).count(), 0);
  assert.ok(await tab.getByLabel('Name', { exact: true }).first().isDisabled(), 'inputs are read-only');
  await tab.getByRole('button', { name: 'History' }).click();
  await tab.locator('ol.history').waitFor({ timeout: TIMEOUT });
  assert.ok(await tab.locator('ol.history > li').count() >= 3, 'the observer reads the whole history');
  assert.equal(await tab.getByRole('button', { name: /Restore/ }).count(), 0);
  await context.close();
});

test('two people edit one meeting: the second save shows both versions and the choice', async () => {
  const [meeting] = (await call('GET', `/v1/meetings?service_body=${body.id}&limit=1`, { key: publisher })).body.results;
  const a = await signedIn(publisher);
  const b = await signedIn(publisher);
  for (const { tab } of [a, b]) {
    await listLoaded(tab);
    await tab.locator(`tr[data-id="${meeting.id}"]`).getByRole('button', { name: /^Edit/ }).click();
    await tab.locator('#meeting-form').waitFor();
  }
  await a.tab.getByLabel('Name', { exact: true }).first().fill('Renamed by A');
  await a.tab.getByRole('button', { name: 'Save' }).click();
  await a.tab.locator('#status').filter({ hasText: 'Saved' }).waitFor({ timeout: TIMEOUT });

  await b.tab.getByLabel('Notes', { exact: true }).fill('Notes by B');
  await b.tab.getByRole('button', { name: 'Save' }).click();
  const conflict = b.tab.locator('#conflict:not([hidden])');
  await conflict.waitFor({ timeout: TIMEOUT });
  const fields = await conflict.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.field));
  assert.deepEqual(fields.sort(), ['name', 'notes'], 'the fields that differ between the two versions');
  assert.ok((await conflict.textContent()).includes('Renamed by A'));
  assert.ok((await conflict.textContent()).includes('Notes by B'));
  await b.tab.screenshot({ path: `${OUT}/console-conflict.png`, fullPage: true });

  // Overwrite: B's version wins, on top of A's (the version moves on by one).
  await b.tab.getByRole('button', { name: 'Save mine over theirs' }).click();
  await b.tab.locator('#status').filter({ hasText: 'Saved' }).waitFor({ timeout: TIMEOUT });
  const now = (await call('GET', `/v1/meetings/${meeting.id}`, { key: publisher })).body;
  assert.equal(now.name, meeting.name);
  assert.equal(now.notes, 'Notes by B');
  assert.equal(now.version, meeting.version + 2);

  // The history offers every earlier version: restoring A's brings its name back.
  const history = (await call('GET', `/v1/meetings/${meeting.id}/history`, { key: publisher })).body.results;
  const byA = history.find((c) => c.after && c.after.name === 'Renamed by A');
  await b.tab.getByRole('button', { name: 'History' }).click();
  const entry = b.tab.locator(`ol.history > li[data-seq="${byA.seq}"]`);
  await entry.waitFor({ timeout: TIMEOUT });
  assert.match(await entry.textContent(), /Changed: name/);
  await entry.getByRole('button', { name: 'Restore this version' }).click();
  await b.tab.locator('#status').filter({ hasText: 'Restored' }).waitFor({ timeout: TIMEOUT });
  const restored = (await call('GET', `/v1/meetings/${meeting.id}`, { key: publisher })).body;
  assert.equal(restored.name, 'Renamed by A');
  assert.equal(restored.notes, byA.after.notes);
  await a.context.close();
  await b.context.close();
});

test('delete, then restore from the history', async () => {
  const [meeting] = (await call('GET', `/v1/meetings?service_body=${body.id}&limit=1&day=sunday`, { key: publisher })).body.results;
  const { context, tab } = await signedIn(publisher);
  await listLoaded(tab);
  const row = tab.locator(`tr[data-id="${meeting.id}"]`);
  await row.getByRole('button', { name: /^Delete/ }).click();
  await row.getByRole('button', { name: 'Yes, delete' }).click();
  await tab.locator('#status').filter({ hasText: 'Deleted' }).waitFor({ timeout: TIMEOUT });
  assert.equal((await call('GET', `/v1/meetings/${meeting.id}`, { key: publisher })).status, 404);
  assert.match(await tab.locator('#view-title').textContent(), /^History of/);

  await tab.getByRole('button', { name: 'Restore the meeting' }).click();
  await tab.locator('#status').filter({ hasText: 'Restored' }).waitFor({ timeout: TIMEOUT });
  const back = await call('GET', `/v1/meetings/${meeting.id}`, { key: publisher });
  assert.equal(back.status, 200);
  assert.equal(back.body.name, meeting.name);
  const kinds = (await call('GET', `/v1/meetings/${meeting.id}/history`, { key: publisher })).body.results.map((c) => c.change_kind);
  assert.deepEqual(kinds.slice(-2), ['delete', 'restore']);
  // The history shows the restore, newest first.
  const entries = tab.locator('ol.history > li');
  assert.ok((await entries.first().textContent()).includes('restored'));
  await context.close();
});

test('an import is previewed as a diff that writes nothing, then applied', async () => {
  const feed = [
    { name: 'Console Import One', slug: 'console-import-one', day: 1, time: '07:00', types: ['O', 'ZZZ'], address: '1 Main St', city: 'New York', state: 'NY', latitude: 40.741, longitude: -73.99 },
    { name: 'Console Import Two', slug: 'console-import-two', day: [2, 4], time: '12:30', types: ['C'], address: '2 Main St', city: 'New York', state: 'NY', latitude: 40.742, longitude: -73.98 },
    { name: 'Console Import Broken', slug: 'console-import-broken', day: 9, time: 'noonish' },
  ];
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lantern-console-')), 'feed.json');
  fs.writeFileSync(file, JSON.stringify(feed));
  const { context, tab } = await signedIn(publisher);
  await listLoaded(tab);
  await tab.getByRole('button', { name: 'Import' }).click();
  await tab.getByLabel('Feed file (Meeting Guide JSON)').setInputFiles(file);
  await tab.getByLabel(/no longer lists/).uncheck();
  await tab.getByRole('button', { name: 'Preview changes' }).click();
  await tab.locator('#import-result-title').filter({ hasText: 'Preview' }).waitFor({ timeout: TIMEOUT });

  const expected = await call('POST', `/v1/service-bodies/${body.id}/imports/meeting-guide?dry_run=true&remove_missing=false`, { key: publisher, json: feed });
  assert.equal(expected.status, 200);
  const count = (name) => tab.locator(`[data-count="${name}"] dd`).textContent();
  for (const name of ['added', 'updated', 'unchanged', 'removed', 'rejected']) {
    assert.equal(Number(await count(name)), expected.body[name], name);
  }
  assert.equal(Number(await count('added')), 2);
  assert.equal(Number(await count('rejected')), 1);
  assert.equal(await tab.locator('#import-rejections tbody tr').count(), expected.body.rejections.length);
  assert.equal(await tab.locator('#import-warnings tbody tr').count(), expected.body.warnings.length);
  assert.ok(expected.body.warnings.length > 0, 'the unknown type is a warning');
  const planned = await tab.locator('#import-changes tbody tr').evaluateAll((rows) => rows.map((r) => [r.dataset.action, r.cells[1].textContent]));
  assert.deepEqual(planned, expected.body.changes.map((c) => [c.action, c.name]));
  assert.deepEqual(planned.map((p) => p[1]).sort(), ['Console Import One', 'Console Import Two']);
  await tab.screenshot({ path: `${OUT}/console-import-diff.png`, fullPage: true });
  assert.deepEqual(await named('Console Import One'), [], 'the preview wrote nothing');

  await tab.getByRole('button', { name: 'Apply these changes' }).click();
  await tab.locator('#import-result-title').filter({ hasText: 'Imported' }).waitFor({ timeout: TIMEOUT });
  assert.equal(Number(await count('added')), 2);
  assert.equal((await named('Console Import One')).length, 1);
  assert.equal((await named('Console Import Two')).length, 1);
  await context.close();
});

test('an admin sees the followed sources and their status', async () => {
  const added = await call('POST', '/v1/sources', { json: { url: 'http://127.0.0.1:9/feed.json', kind: 'meeting-guide', service_body_id: body.id } });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const { context, tab } = await signedIn(ADMIN);
  await tab.getByRole('button', { name: 'Followed sources' }).click();
  const row = tab.locator('#sources tbody tr').filter({ hasText: 'http://127.0.0.1:9/feed.json' });
  await row.waitFor({ timeout: TIMEOUT });
  assert.ok((await row.textContent()).includes(body.name));
  await context.close();
});

test('in Spanish, on a phone: the console\'s words and the type names change, nothing overflows', async () => {
  const { context, tab } = await signedIn(publisher, { viewport: { width: 390, height: 800 } });
  await listLoaded(tab);
  await tab.getByLabel('Language').selectOption('es');
  await tab.locator('#view-title').filter({ hasText: 'Reuniones' }).waitFor({ timeout: TIMEOUT });
  assert.equal(await tab.evaluate(() => document.documentElement.lang), 'es');
  const types = (await call('GET', '/v1/types?lang=es')).body.results;
  const open = types.find((x) => x.code === 'O');
  const options = await tab.locator('#filter-type option').allTextContents();
  assert.ok(options.includes(`${open.name} (O)`), `the type names are Spanish: ${open.name}`);
  await tab.locator('#status').filter({ hasText: /\d+ reuniones/ }).waitFor({ timeout: TIMEOUT });
  assert.ok(await tab.evaluate(() => document.scrollingElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling');
  await tab.screenshot({ path: `${OUT}/console-phone-es.png`, fullPage: true });
  await context.close();
});
