// The web console (`cinetpay payouts serve`, docs/console.md) in Debian's headless chromium,
// driven by puppeteer-core. console_driver.cpp starts the sandbox, the ledger and the
// console, then runs this script with:
//   CONSOLE_URL        the console's address (required)
//   CONSOLE_TOKEN      its token, when it was started with one
//   SANDBOX_URL        the sandbox the workers send to (its request log is read)
//   CONSOLE_SECRETS    comma-separated texts no page nor answer may contain
//   CONSOLE_IDS        comma-separated client_transaction_ids submitted, all pending
//   CONSOLE_CANCEL_ID  one of them, cancelled through the console
//   CONSOLE_LIVE_ID    one of them, watched while a worker pays it
//   CONSOLE_WORKER     a JSON array: the argv of a worker that pays the ledger until idle
//   CONSOLE_SCENARIOS  comma-separated scenario names to run (default: all, in order)
//   CONSOLE_DUMPIO     when set, chromium's own output on stderr too
//   CHROMIUM           the browser (default: Debian's /usr/bin/chromium)
// One line per scenario, "ok NAME" or "FAIL NAME: why"; exit 1 on any failure. Every wait
// has a bound, the whole run too, and the browser is closed on every path.
import { spawn } from 'node:child_process';
import puppeteer from 'puppeteer-core';

const env = process.env;
const WAIT_MS = 15000;
const RUN_BOUND_MS = 180000;
const WORKER_BOUND_MS = 90000;

const base = new URL(env.CONSOLE_URL ?? fail('CONSOLE_URL is required'));
const token = env.CONSOLE_TOKEN ?? '';
const list = (name) => (env[name] ?? '').split(',').filter(Boolean);
const secrets = list('CONSOLE_SECRETS');
const ids = list('CONSOLE_IDS');
const cancelId = env.CONSOLE_CANCEL_ID ?? '';
const liveId = env.CONSOLE_LIVE_ID ?? '';
const only = new Set(list('CONSOLE_SCENARIOS'));

function fail(why) {
  throw new Error(why);
}
const url = (path) => new URL(path, base).href;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const idsOf = (rows) => rows.map((r) => r.id).join();

// Every answer the browser or this script read, and every page's text as last seen: the
// "no secret" scenario searches them all.
const seen = [];
const bodies = [];
function watch(page) {
  page.on('response', (r) => {
    // A change feed streamed to the page never ends: its events reach the DOM, read below.
    if ((r.headers()['content-type'] ?? '').startsWith('text/event-stream')) return;
    // A body can stay unread for good (its page closed first): each read has a bound.
    const read = r.text().then(
      (text) => seen.push({ where: r.url(), text }),
      () => {}, // a redirect has no body
    );
    bodies.push(Promise.race([read, sleep(WAIT_MS)]));
  });
  return page;
}
async function snapshot(page) {
  seen.push({ where: page.url(), text: await page.content() });
}

const text = (page, selector) =>
  page
    .$eval(selector, (e) => e.textContent.trim())
    .catch(() => fail(`no ${selector} on ${page.url()}`));
const count = async (page, state) => {
  const cell = `#state-counts tr[data-state="${state}"] .count`;
  const n = Number((await text(page, cell)).replace(/[^0-9]/g, ''));
  return Number.isNaN(n) ? fail(`${cell} is not a number`) : n;
};
async function open(page, path) {
  // Only the tab in front gets input: a click in a tab behind it never returns.
  await page.bringToFront();
  const r = await page.goto(url(path), { waitUntil: 'load', timeout: WAIT_MS });
  if (!r || r.status() !== 200) fail(`GET ${path}: HTTP ${r ? r.status() : 'no answer'}`);
  await snapshot(page);
}
// Submits `form` and waits for the page it leads to (or for nothing: a form sent by script).
async function submit(page, form) {
  const button = (await page.$(`${form} [type="submit"]`)) ?? fail(`${form} has no submit button`);
  if (!(await page.$(`${form} input[name="csrf"]`))) fail(`${form} has no csrf input`);
  await Promise.all([
    page.waitForNavigation({ timeout: WAIT_MS }).catch(() => {}),
    button.click(),
  ]);
}
const until = (page, what, fn, ...args) =>
  page.waitForFunction(fn, { timeout: WAIT_MS, polling: 100 }, ...args).catch(() => fail(what));
const rows = (page) =>
  page.$$eval('#payouts tbody tr[data-id]', (trs) =>
    trs.map((tr) => ({
      id: tr.dataset.id,
      state: tr.querySelector('td.state')?.textContent.trim(),
    })),
  );
async function filter(page, fields) {
  await open(page, '/payouts');
  if (!(await page.$('form#filters'))) fail('no form#filters');
  for (const [name, value] of Object.entries(fields)) {
    const input = `form#filters [name="${name}"]`;
    if (!(await page.$(input))) fail(`no ${input}`);
    if (name === 'state') await page.select(input, value);
    else await page.type(input, value);
  }
  await Promise.all([page.waitForNavigation({ timeout: WAIT_MS }), page.click('#apply')]);
  await snapshot(page);
  return rows(page);
}

let worker;
function runWorker() {
  const argv = JSON.parse(env.CONSOLE_WORKER ?? fail('CONSOLE_WORKER is required'));
  worker = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
  worker.ended = new Promise((resolve) => worker.on('exit', (code) => resolve(code)));
}

function scenarios(browser, page) {
  return {
    async unauthenticated() {
      if (!token) fail('the console was started without a token');
      const r = await fetch(url('/'), { signal: AbortSignal.timeout(WAIT_MS) });
      seen.push({ where: 'GET / without token', text: await r.text() });
      if (r.status !== 401) fail(`GET / without the token: HTTP ${r.status}, not 401`);
    },
    async authenticated() {
      await open(page, `/?token=${encodeURIComponent(token)}`);
      await open(page, '/payouts'); // the cookie, without the token
    },
    // The token's link opened from another site (a chat, a mail): its redirect is still
    // that site's navigation, for which a browser would send no SameSite=Strict cookie.
    async 'token link from another site'() {
      if (!token) fail('the console was started without a token');
      const context = await browser.createBrowserContext();
      try {
        // Not watched: the other site's page holds the token, as the operator's chat does.
        const elsewhere = await context.newPage();
        const link = url(`/payouts?token=${encodeURIComponent(token)}`);
        await elsewhere.goto(`data:text/html,<a id="go" href="${link}">console</a>`);
        const [r] = await Promise.all([
          elsewhere.waitForNavigation({ timeout: WAIT_MS }),
          elsewhere.click('#go'),
        ]);
        if (!r || r.status() !== 200) fail(`the link led to HTTP ${r ? r.status() : 'nothing'}`);
        if (!(await elsewhere.$('#payouts'))) fail('the link did not lead to the payouts');
        if (elsewhere.url().includes('token=')) fail('the address kept the token');
      } finally {
        await context.close();
      }
    },
    async overview() {
      await open(page, '/');
      const pending = await count(page, 'pending');
      if (pending !== ids.length) fail(`${pending} pending shown, ${ids.length} submitted`);
      await text(page, '#state-counts tr[data-state="pending"] .amount');
      if (!/sending/i.test(await text(page, '#sending-switch')))
        fail('#sending-switch: not "sending"');
      // form#resume may show only while paused: the live scenario submits it.
      if (!(await page.$('form#pause[method="post" i] input[type="hidden"][name="csrf"]')))
        fail('no form#pause (POST, hidden csrf)');
      for (const part of ['#workers tbody', '#alerts']) {
        if (!(await page.$(part))) fail(`no ${part}`);
      }
    },
    async rows() {
      await open(page, '/payouts');
      const shown = await rows(page);
      if (shown.length === 0) fail('no payout row');
      const strangers = shown.filter((r) => !ids.includes(r.id));
      if (strangers.length) fail(`rows of payouts never submitted: ${strangers[0].id}`);
      if (shown.some((r) => !r.state)) fail('a row without its td.state');
      if (shown.length < ids.length && !(await page.$('a#next'))) fail('no a#next, rows missing');
    },
    async cancel() {
      await open(page, `/payouts/${encodeURIComponent(cancelId)}`);
      if ((await text(page, '#state')) !== 'pending') fail(`${cancelId} is not pending`);
      await submit(page, 'form#cancel');
      await until(page, `#state never became cancelled`, () =>
        document.querySelector('#state')?.textContent.trim() === 'cancelled');
      await snapshot(page);
      if (await page.$('form#cancel')) fail('form#cancel still offered on a cancelled payout');
    },
    async pause() {
      await open(page, '/');
      await submit(page, 'form#pause');
      await until(page, '#sending-switch never said paused', () =>
        /paused/i.test(document.querySelector('#sending-switch')?.textContent ?? ''));
      await snapshot(page);
    },
    // Three pages stay open, never reloaded, while a worker pays the ledger: the payout's
    // page, the list and the overview follow the change feed.
    async live() {
      const watched = {
        payout: watch(await browser.newPage()),
        list: watch(await browser.newPage()),
        overview: watch(await browser.newPage()),
      };
      await open(watched.payout, `/payouts/${encodeURIComponent(liveId)}`);
      await open(watched.list, `/payouts?q=${encodeURIComponent(liveId)}`);
      await open(watched.overview, '/');
      const paidBefore = await count(watched.overview, 'paid');
      for (const p of Object.values(watched)) await p.evaluate(() => (window.__marker = 1));
      await open(page, '/');
      await submit(page, 'form#resume');
      await until(page, '#sending-switch never said sending again', () =>
        /sending/i.test(document.querySelector('#sending-switch')?.textContent ?? ''));
      runWorker();
      await until(watched.payout, `#state of ${liveId} never turned paid`, () =>
        document.querySelector('#state')?.textContent.trim() === 'paid');
      const cell = `#payouts tbody tr[data-id="${liveId}"] td.state`;
      await until(watched.list, `the row of ${liveId} never turned paid`, (td) =>
        document.querySelector(td)?.textContent.trim() === 'paid', cell);
      const paid = '#state-counts tr[data-state="paid"] .count';
      await until(watched.overview, 'the paid count never grew', (td, n) =>
        Number(document.querySelector(td)?.textContent.replace(/[^0-9]/g, '')) > n, paid, paidBefore);
      for (const [name, p] of Object.entries(watched)) {
        if ((await p.evaluate(() => window.__marker)) !== 1) fail(`the ${name} page was reloaded`);
        await snapshot(p);
        await p.close();
      }
      const code = await Promise.race([worker.ended, sleep(WORKER_BOUND_MS)]);
      // 6: done, and payouts to the phone ending 99 ended failed (REJ).
      if (code !== 0 && code !== 6) fail(`the worker ended with ${code ?? 'no exit in time'}`);
    },
    async filter() {
      const paid = await filter(page, { state: 'paid' });
      if (!paid.some((r) => r.id === liveId)) fail(`state=paid lists no ${liveId}`);
      if (paid.some((r) => r.state !== 'paid')) fail('state=paid lists a payout not paid');
      const cancelled = await filter(page, { state: 'cancelled' });
      if (idsOf(cancelled) !== cancelId) fail(`state=cancelled lists ${idsOf(cancelled)}`);
      const found = await filter(page, { q: liveId });
      if (idsOf(found) !== liveId) fail(`q=${liveId} found ${idsOf(found)}`);
    },
    async history() {
      await open(page, `/payouts/${encodeURIComponent(liveId)}`);
      const n = (await page.$$('#history tbody tr')).length;
      // Submitted, claimed for sending, accepted, paid: one row each at least.
      if (n < 4) fail(`${n} history rows for a paid payout`);
      if (await page.$('form#cancel')) fail('form#cancel offered on a paid payout');
      if (!(await page.$('form#lookup'))) fail('no form#lookup');
    },
    async 'cancelled never sent'() {
      const log = new URL('/_sandbox/requests', env.SANDBOX_URL ?? fail('SANDBOX_URL is required'));
      const r = await fetch(log, { signal: AbortSignal.timeout(WAIT_MS) });
      const sends = (await r.json()).filter((q) => q.path === '/v1/transfer/money/send/contact');
      // Each send carries its transfers as a JSON array in the form field `data`.
      const sent = new Set(
        sends.flatMap((q) => JSON.parse(q.params?.data ?? '[]').map((t) => t.client_transaction_id)),
      );
      if (!sent.has(liveId)) fail(`the sandbox log shows no send of ${liveId}: it proves nothing`);
      if (sent.has(cancelId)) fail(`a send of the cancelled ${cancelId} reached the sandbox`);
    },
    async 'no secret'() {
      await Promise.all(bodies);
      if (secrets.length === 0) fail('no secret given (CONSOLE_SECRETS)');
      for (const { where, text } of seen) {
        const leaked = secrets.find((s) => text.includes(s));
        if (leaked) fail(`${where} contains the secret "${leaked.slice(0, 3)}…"`);
      }
      if (seen.length < 3) fail(`only ${seen.length} pages and answers read`);
    },
  };
}

const browser = await puppeteer.launch({
  executablePath: env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true, // Chromium's own headless mode (--headless=new)
  args: ['--no-sandbox'], // its sandbox refuses to run as root (CI)
  timeout: WAIT_MS,
  dumpio: Boolean(env.CONSOLE_DUMPIO),
});
const bound = setTimeout(() => {
  console.log(`FAIL run: over its bound of ${RUN_BOUND_MS / 1000} s`);
  worker?.kill('SIGKILL');
  browser.process()?.kill('SIGKILL');
  process.exit(1);
}, RUN_BOUND_MS);
let failures = 0;
try {
  const page = watch(await browser.newPage());
  for (const [name, run] of Object.entries(scenarios(browser, page))) {
    if (only.size && !only.has(name)) continue;
    try {
      await run();
      console.log(`ok ${name}`);
    } catch (e) {
      ++failures;
      // The message may quote an address with the token in it: never printed.
      const line = e.message.split('\n')[0];
      const why = secrets.reduce((m, secret) => m.split(secret).join('***'), line);
      console.log(`FAIL ${name}: ${why}`);
    }
  }
} finally {
  worker?.kill('SIGKILL');
  await browser.close();
  clearTimeout(bound);
}
process.exit(failures ? 1 : 0);
