// The embed in a real browser (Chromium through playwright-core), against a running Lantern with
// the seed (LANTERN, e.g. http://127.0.0.1:18751). Pages that hold the snippet are served by this
// file from another loopback port, so "no request but to Lantern" is a real cross-origin check.
// The browser's clock, zone and locale are fixed; each mode's answer is held to what the API gives
// for the same instant. Screenshots go to OUT (target/browser). Run by scripts/browser.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.resolve(process.env.NODE_MODULES_DIR || 'target/browser-node', 'package.json'));
const { chromium } = require('playwright-core');

const LANTERN = process.env.LANTERN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT = process.env.OUT || 'target/browser';
// A Tuesday evening in New York (18:10 EST): meetings in progress and starting soon.
const CLOCK = '2026-12-01T23:10:00Z';
const NEW_YORK = { lat: '40.75', lon: '-73.99' };

let browser;
let pages;
let pageOrigin;
let pageServer;

function api(pathAndQuery) {
  return fetch(LANTERN + pathAndQuery).then((res) => {
    assert.equal(res.status, 200, pathAndQuery);
    return res.json();
  });
}

/* Adds a meeting through the API (an admin key from scripts/browser.sh). */
async function publish(meeting) {
  const res = await fetch(LANTERN + '/v1/meetings', {
    method: 'POST',
    headers: { authorization: `Bearer ${process.env.LANTERN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(meeting),
  });
  assert.equal(res.status, 201, await res.text());
}

/* Meetings whose local times are hard around a clock: early Sunday (the spring change happens that
 * night in New York), Saturday evening and a time in the hour repeated in the autumn (Sydney), a
 * monthly meeting on the last Sunday, and a daily one closed on the next two local dates. */
async function hardMeetings(body, zone, clock) {
  const template = (await api(`/v1/meetings?service_body=${body}&limit=1&attendance=in_person`)).results[0];
  const base = {
    fellowship: template.fellowship, service_body_id: body, attendance: 'in_person', types: ['O'], languages: ['en'],
    location: { name: 'Hall', latitude: template.location.latitude, longitude: template.location.longitude },
  };
  const local = new Date(Date.parse(clock) + (zone === 'Australia/Sydney' ? 11 : -5) * 3600000);
  const date = (ahead) => new Date(local.getTime() + ahead * 86400000).toISOString().slice(0, 10);
  const schedule = (days, start, extra = {}) => ({ days, start_time: start, duration_minutes: 60, time_zone: zone, ...extra });
  for (const [name, sched, closures] of [
    ['Early Sunday', schedule(['sunday'], '06:30')],
    ['Sunday in the small hours', schedule(['sunday'], '02:30')],
    ['Saturday evening', schedule(['saturday'], '18:00')],
    ['Last Sunday', schedule(['sunday'], '10:00', { weeks_of_month: [-1] })],
    ['Closed two days', schedule(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'], '12:15'),
      { dates: [date(1), date(2)] }],
  ]) {
    await publish({ ...base, name, schedule: sched, closures });
  }
}

function snippet(attributes, extra = '') {
  const attrs = Object.entries(attributes).map(([k, v]) => (v === true ? ` data-${k}` : ` data-${k}="${v}"`)).join('');
  return `<div data-lantern${attrs}></div>${extra}`;
}

function page(body, lang = 'en') {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>A site with Lantern</title><style>body{font-family:serif;color:#600} li{color:#060}</style></head>
<body><h1>Meetings</h1>${body}<script src="${LANTERN}/embed.js" async></script></body></html>`;
}

before(async () => {
  assert.ok(LANTERN, 'LANTERN must name the running server');
  fs.mkdirSync(OUT, { recursive: true });
  pages = new Map();
  const server = (pageServer = http.createServer((req, res) => {
    const body = pages.get(req.url.split('?')[0]);
    res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body || 'not found');
  }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  if (browser) await browser.close();
  if (pageServer) pageServer.close();
});

/* A page in a fresh context with the clock fixed; every request it makes is recorded. */
async function open(name, html, options = {}) {
  pages.set(`/${name}`, html);
  const context = await browser.newContext({
    timezoneId: options.timezoneId || 'America/New_York',
    locale: options.locale || 'en-US',
    geolocation: options.geolocation,
    permissions: options.permissions || [],
    viewport: options.viewport || { width: 1000, height: 900 },
  });
  if (options.ticking) await context.clock.install({ time: new Date(options.clock || CLOCK) });
  else await context.clock.setFixedTime(new Date(options.clock || CLOCK));
  const tab = await context.newPage();
  const requests = [];
  const responses = [];
  tab.on('request', (r) => requests.push(r.url()));
  tab.on('response', (r) => responses.push(r));
  await tab.goto(`${pageOrigin}/${name}`);
  return { context, tab, requests, responses };
}

/* [meeting id, datetime] of each result of the embed `selector`, once it has shown `count`. */
async function shown(scope, selector, count) {
  const items = scope.locator(`${selector} ol.lantern-list > li[data-meeting-id]`);
  await items.nth(count - 1).waitFor({ timeout: 15000 });
  assert.equal(await items.count(), count);
  return items.evaluateAll((lis) => lis.map((li) => [Number(li.dataset.meetingId), li.querySelector('time').getAttribute('datetime')]));
}

function expected(body) {
  return body.results.map((r) => [r.meeting.id, r.next_start]);
}

function nearbyQuery(lat, lon, extra = '') {
  return `/v1/meetings/nearby?lat=${lat}&lon=${lon}&radius_km=25&starting_within=180&limit=10&include_in_progress=true&at=${CLOCK}${extra}`;
}

function onlyLantern(requests, name) {
  const foreign = requests.filter((u) => !u.startsWith(LANTERN + '/') && u !== `${pageOrigin}/${name}`);
  assert.deepEqual(foreign, [], 'every request but the page itself goes to Lantern');
}

test('nearby at a fixed point shows the API answer in its order, with the UTC start of each', async () => {
  const { context, tab, requests, responses } = await open('nearby', page(snippet({ mode: 'nearby', ...NEW_YORK })));
  const body = await api(nearbyQuery(NEW_YORK.lat, NEW_YORK.lon));
  const want = expected(body);
  assert.equal(want.length, 10, 'the seed has ten meetings near New York in this window');
  assert.deepEqual(await shown(tab, '[data-lantern]', 10), want);
  // A running meeting reads "started … ago", one ahead "in …"; each start reads in New York time,
  // no zone named to a visitor in New York; the address links to OpenStreetMap.
  const running = body.results.find((r) => r.in_progress && r.starts_in_minutes < 0);
  const ahead = body.results.find((r) => !r.in_progress && r.starts_in_minutes < 100);
  assert.ok(running && ahead, 'the window holds a running meeting and one starting within 100 minutes');
  const item = (r) => tab.locator(`[data-lantern] li[data-meeting-id="${r.meeting.id}"]`);
  assert.match(await item(running).locator('.lantern-relative').innerText(), /^started \d+ min\. ago$/);
  assert.equal(await item(ahead).locator('.lantern-relative').innerText(), `in ${ahead.starts_in_minutes} min.`);
  const first = item(body.results[0]);
  const local = body.results[0].local_start.slice(11, 16).split(':').map(Number);
  const clock = `${local[0] % 12 || 12}:${String(local[1]).padStart(2, '0')} ${local[0] < 12 ? 'AM' : 'PM'}`;
  assert.equal(await first.locator('time').innerText(), `Tue ${clock}`);
  const osm = await tab.locator('[data-lantern] li[data-meeting-id] a[href^="https://www.openstreetmap.org/"]').count();
  assert.ok(osm > 0, 'addresses link to OpenStreetMap');
  // The page's own styles do not reach the embed, and the embed's do not reach the page.
  assert.equal(await tab.locator('h1').evaluate((h) => getComputedStyle(h).fontFamily), 'serif');
  assert.equal(await first.evaluate((li) => getComputedStyle(li).color), 'rgb(27, 27, 27)');
  assert.ok(await tab.locator('[data-lantern]').evaluate((el) => el.shadowRoot && el.shadowRoot.mode === 'open'));
  // Everything but /v1 answers: gzipped under 50 kB, includable from any site.
  let total = 0;
  for (const res of responses) {
    const url = new URL(res.url());
    if (url.origin !== LANTERN || url.pathname.startsWith('/v1/')) continue;
    assert.equal(res.headers()['cross-origin-resource-policy'], 'cross-origin', url.pathname);
    total += zlib.gzipSync(await res.body(), { level: 9 }).length;
  }
  console.log(`embed files: ${total} bytes gzipped`);
  assert.ok(total > 1000 && total < 50 * 1024, `embed files gzipped: ${total} bytes`);
  onlyLantern(requests, 'nearby');
  await tab.screenshot({ path: path.join(OUT, 'embed-nearby.png'), fullPage: true });
  await context.close();
});

test('geolocation granted: the visitor position (to four decimals) is the point', async () => {
  const here = { latitude: 40.7128, longitude: -74.006 };
  const { context, tab, requests } = await open('geo-granted', page(snippet({ geolocate: true })), {
    geolocation: here, permissions: ['geolocation'],
  });
  const want = expected(await api(nearbyQuery('40.7128', '-74.0060')));
  assert.ok(want.length > 0);
  assert.deepEqual(await shown(tab, '[data-lantern]', want.length), want);
  onlyLantern(requests, 'geo-granted');
  await context.close();
});

test('geolocation denied: the place search finds a place, credits GeoNames and shows meetings near it', async () => {
  const { context, tab, requests } = await open('geo-denied', page(snippet({ geolocate: true })));
  const input = tab.locator('[data-lantern] input[type=search]');
  await input.waitFor({ timeout: 15000 });
  assert.match(await tab.locator('[data-lantern] .lantern-credit').innerText(), /GeoNames/);
  await input.fill('brooklyn');
  const choice = tab.locator('[data-lantern] .lantern-place-results button').first();
  await choice.waitFor({ timeout: 15000 });
  assert.equal(await choice.innerText(), 'Brooklyn, NY, US');
  const place = (await api('/v1/places?q=brooklyn&limit=1')).results[0];
  await tab.screenshot({ path: path.join(OUT, 'embed-place-search.png'), fullPage: true });
  await choice.press('Enter');
  const want = expected(await api(nearbyQuery(place.latitude, place.longitude)));
  assert.ok(want.length > 0);
  assert.deepEqual(await shown(tab, '[data-lantern]', want.length), want);
  assert.match(await tab.locator('[data-lantern] .lantern-where').innerText(), /Near Brooklyn, NY, US/);
  onlyLantern(requests, 'geo-denied');
  await context.close();
});

test('language: data-lang, regional tags, fallback to English, and switching', async () => {
  const types = (await api('/v1/types')).results;
  const name = (code, lang) => types.find((t) => t.code === code).names[lang];
  const { context, tab } = await open('lang', page(snippet({ ...NEW_YORK, lang: 'es-MX' })));
  await shown(tab, '[data-lantern]', 10);
  const embed = tab.locator('[data-lantern]');
  assert.equal(await embed.locator('h2').innerText(), 'Reuniones cercanas que empiezan pronto');
  const badge = embed.locator('.lantern-badge[data-type="O"]').first();
  assert.equal(await badge.innerText(), name('O', 'es'));
  await tab.screenshot({ path: path.join(OUT, 'embed-spanish.png'), fullPage: true });
  await embed.evaluate((el) => el.setAttribute('data-lang', 'fr'));
  await tab.waitForFunction(() => document.querySelector('[data-lantern]').shadowRoot.querySelector('h2').textContent.startsWith('Réunions'));
  await shown(tab, '[data-lantern]', 10);
  assert.equal(await embed.locator('.lantern-badge[data-type="O"]').first().innerText(), name('O', 'fr'));
  // German: /v1/types has no German names, so English throughout.
  await embed.evaluate((el) => el.setAttribute('data-lang', 'de'));
  await tab.waitForFunction(() => document.querySelector('[data-lantern]').shadowRoot.querySelector('h2').textContent.startsWith('Meetings'));
  await shown(tab, '[data-lantern]', 10);
  assert.equal(await embed.locator('.lantern-badge[data-type="O"]').first().innerText(), name('O', 'en'));
  await context.close();
  // Without data-lang: the page's lang.
  const second = await open('page-lang', page(snippet(NEW_YORK), 'es'));
  await shown(second.tab, '[data-lantern]', 10);
  assert.equal(await second.tab.locator('[data-lantern] h2').innerText(), 'Reuniones cercanas que empiezan pronto');
  await second.context.close();
});

test('two embeds on one page work independently; a visitor elsewhere sees the meeting zone', async () => {
  const html = page(`<div id="a">${snippet({ ...NEW_YORK, limit: 3 })}</div>
    <aside id="b" style="width:300px">${snippet({ mode: 'upcoming', limit: 4, lang: 'es' })}</aside>`);
  const { context, tab, requests } = await open('two', html, { timezoneId: 'Europe/London', locale: 'en-GB' });
  const nearby = expected(await api(nearbyQuery(NEW_YORK.lat, NEW_YORK.lon).replace('limit=10', 'limit=3')));
  const upcoming = expected(await api(`/v1/meetings/upcoming?attendance=online,hybrid&starting_within=180&limit=4&include_in_progress=true&at=${CLOCK}`));
  assert.deepEqual(await shown(tab, '#a [data-lantern]', 3), nearby);
  assert.deepEqual(await shown(tab, '#b [data-lantern]', 4), upcoming);
  assert.match(await tab.locator('#a [data-lantern] time').first().innerText(), /GMT-5|EST/, 'the zone is named to a visitor in London');
  // A 300 px sidebar holds the embed without overflowing.
  assert.ok(await tab.locator('#b [data-lantern]').evaluate((el) => el.shadowRoot.querySelector('.lantern').scrollWidth <= 300));
  // The filters: the day filter keeps what starts on that local day (all of these start on Tuesday
  // in New York) and hides the rest; attendance asks again.
  const a = tab.locator('#a [data-lantern]');
  const count = () => a.locator('li[data-meeting-id]').count();
  await a.locator('select[name=day]').selectOption('tuesday');
  assert.equal(await count(), 3);
  await a.locator('select[name=day]').selectOption('monday');
  assert.equal(await count(), 0);
  assert.equal(await a.locator('p[role=status]').innerText(), 'No meetings found.');
  await a.locator('select[name=day]').selectOption('');
  const hybrid = expected(await api(nearbyQuery(NEW_YORK.lat, NEW_YORK.lon, '&attendance=hybrid').replace('limit=10', 'limit=3')));
  assert.notDeepEqual(hybrid, nearby, 'the filter changes the answer');
  const answered = tab.waitForResponse((r) => r.url().includes('attendance=hybrid'));
  await a.locator('select[name=attendance]').selectOption('hybrid');
  await answered;
  await tab.waitForFunction((first) => document.querySelector('#a [data-lantern]').shadowRoot
    .querySelector('li[data-meeting-id]').dataset.meetingId === String(first), hybrid[0][0]);
  assert.deepEqual(await shown(tab, '#a [data-lantern]', hybrid.length), hybrid);
  onlyLantern(requests, 'two');
  await tab.screenshot({ path: path.join(OUT, 'embed-two.png'), fullPage: true });
  await context.close();
});

test('upcoming: online and hybrid meetings anywhere, with their links', async () => {
  const { context, tab } = await open('upcoming', page(snippet({ mode: 'upcoming' })));
  const body = await api(`/v1/meetings/upcoming?attendance=online,hybrid&starting_within=180&limit=10&include_in_progress=true&at=${CLOCK}`);
  assert.deepEqual(await shown(tab, '[data-lantern]', body.results.length), expected(body));
  const withLink = body.results.find((r) => r.meeting.online && r.meeting.online.conference_url);
  const link = tab.locator(`[data-lantern] li[data-meeting-id="${withLink.meeting.id}"] a[href="${withLink.meeting.online.conference_url}"]`);
  assert.equal(await link.count(), 1);
  await tab.screenshot({ path: path.join(OUT, 'embed-upcoming.png'), fullPage: true });
  await context.close();
});

// The week around a clock: a row per meeting day, Monday first, each row's <time> the API's next
// occurrence on that day. Run in December, and on the eves of the spring change in New York and of
// the autumn change in Sydney (east of UTC), where local times must convert across the change.
for (const [label, clock, point, zone] of [
  ['New York in December', CLOCK, NEW_YORK, 'America/New_York'],
  ['New York on the eve of the spring change', '2026-03-07T15:00:00Z', NEW_YORK, 'America/New_York'],
  ['Sydney on the eve of the autumn change', '2026-04-04T06:00:00Z', { lat: '-33.87', lon: '151.21' }, 'Australia/Sydney'],
]) {
  test(`list: a service body week, Monday first, each start a real occurrence (${label})`, async () => {
    const near = await api(`/v1/meetings/nearby?lat=${point.lat}&lon=${point.lon}&radius_km=25&starting_within=10080&limit=1&at=${clock}`);
    const body = near.results[0].meeting.service_body_id;
    if (clock !== CLOCK) await hardMeetings(body, zone, clock);
    const meetings = (await api(`/v1/meetings?service_body=${body}&limit=500&attendance=in_person,hybrid,online`)).results;
    const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
    const rows = meetings.filter((m) => m.schedule).flatMap((m) => m.schedule.days.map((d) => [m, d]));
    rows.sort(([a, da], [b, db]) => days.indexOf(da) - days.indexOf(db)
      || a.schedule.start_time.localeCompare(b.schedule.start_time) || a.id - b.id);
    const name = `list-${clock.slice(0, 10)}`;
    const { context, tab } = await open(name, page(snippet({ mode: 'list', 'service-body': body })), { clock, timezoneId: zone });
    await shown(tab, '[data-lantern]', rows.length);
    const got = await tab.locator('[data-lantern] li[data-meeting-id]').evaluateAll((lis) =>
      lis.map((li) => [Number(li.dataset.meetingId), li.dataset.day, li.querySelector('time').getAttribute('datetime')]));
    assert.deepEqual(got.map(([id, day]) => [id, day]), rows.map(([m, d]) => [m.id, d]));
    const from = new Date(Date.parse(clock) - 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const to = new Date(Date.parse(clock) + 360 * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const [id, day, datetime] of got) {
      const occ = await api(`/v1/meetings/${id}/occurrences?from=${from}&to=${to}`);
      // The API's first occurrence on that weekday that has not ended.
      const next = occ.results.find((o) => o.end > clock
        && days[(new Date(o.local_date + 'T00:00:00Z').getUTCDay() + 6) % 7] === day);
      assert.equal(datetime, next && next.start, `meeting ${id} on ${day}`);
    }
    if (clock === CLOCK) await tab.screenshot({ path: path.join(OUT, 'embed-list.png'), fullPage: true });
    await context.close();
  });
}

test('the iframe page shows the same finder', async () => {
  const src = `${LANTERN}/embed?mode=nearby&lat=${NEW_YORK.lat}&lon=${NEW_YORK.lon}&radius_km=25&lang=es`;
  const { context, tab, requests } = await open('iframe', page(`<iframe title="meetings" src="${src}" width="420" height="700"></iframe>`));
  const frame = tab.frameLocator('iframe');
  const want = expected(await api(nearbyQuery(NEW_YORK.lat, NEW_YORK.lon)));
  assert.deepEqual(await shown(frame, '[data-lantern]', 10), want);
  assert.equal(await frame.locator('[data-lantern] h2').innerText(), 'Reuniones cercanas que empiezan pronto');
  onlyLantern(requests, 'iframe');
  await tab.screenshot({ path: path.join(OUT, 'embed-iframe.png'), fullPage: true });
  await context.close();
});

test('each minute it asks again for the new instant; on a phone it fits the screen', async () => {
  const { context, tab, requests } = await open('refresh', page(snippet({ ...NEW_YORK })), {
    ticking: true, viewport: { width: 375, height: 740 },
  });
  await tab.locator('[data-lantern] li[data-meeting-id]').first().waitFor({ timeout: 15000 });
  const asked = () => requests.filter((u) => u.includes('/v1/meetings/nearby'))
    .map((u) => new URL(u).searchParams.get('at'));
  assert.equal(asked().length, 1);
  await tab.clock.runFor(61000);
  for (let i = 0; i < 100 && asked().length < 2; i += 1) await new Promise((r) => setTimeout(r, 100));
  const ats = asked();
  assert.equal(ats.length, 2, ats.join(' '));
  assert.ok(Date.parse(ats[1]) - Date.parse(ats[0]) >= 60000, ats.join(' '));
  assert.ok(await tab.locator('[data-lantern]').evaluate((el) => el.shadowRoot.querySelector('.lantern').scrollWidth <= 375));
  await tab.screenshot({ path: path.join(OUT, 'embed-phone.png'), fullPage: true });
  await context.close();
});
