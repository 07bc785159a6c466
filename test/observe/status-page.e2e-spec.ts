import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { REDIS_URL, redisSkip } from '../support/services.js';
import { deleteKeys, testPrefix } from '../redis/redis-test.util.js';
import { ObserveCluster } from './observe.cluster.js';

const CHROMIUM = '/usr/bin/chromium';
const prefix = testPrefix();
/** Like the server probes: a laptop without Chromium skips loudly; CI (CI=true) fails. */
function chromiumSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  const message = `no browser at ${CHROMIUM}: apt-get update && apt-get install -y chromium`;
  if (process.env.CI === 'true') throw new Error(message);
  process.stderr.write(`\n!!! SKIPPING THE STATUS PAGE BROWSER TEST: ${message}\n\n`);
  return message;
}

const skip = (await redisSkip()) || chromiumSkip();

describe('status page in headless Chromium (three instances on Redis)', { skip }, () => {
  const cluster = new ObserveCluster(
    { SYNC_REDIS_URL: REDIS_URL, SYNC_KEY_PREFIX: prefix, SYNC_INTERVAL_MS: '200', SYNC_LEASE_TTL_MS: '1000' },
    ['flags', 'prices'],
  );
  const dir = mkdtempSync(join(tmpdir(), 'sync-status-page-'));
  let browser: BrowserContext | undefined;

  after(async () => {
    await browser?.close();
    await cluster.stop();
    await deleteKeys(REDIS_URL, prefix);
    rmSync(join(dir, 'profile'), { recursive: true, force: true });
  });

  it('shows three instances and the tasks, and a new version in every cell without reload within 2 s', async () => {
    const [first] = await cluster.start(3);
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage();
    const url = `http://127.0.0.1:${first.port}/sync/status`;
    await page.goto(url);
    // Browser-side code as strings: this package compiles without the DOM types.
    const cells = (tag: string) => page.locator(`#fleet td[data-tag="${tag}"]`).allTextContents();
    const fleetCells = (tag: string) =>
      `[...document.querySelectorAll('#fleet td[data-tag="${tag}"]')].map((td) => td.textContent).join()`;
    await page.waitForFunction("document.querySelectorAll('#fleet tbody tr').length === 3", undefined, {
      timeout: 5_000,
    });
    await page.waitForFunction(`${fleetCells('flags')} === '1,1,1' && ${fleetCells('prices')} === '1,1,1'`, undefined, {
      timeout: 5_000,
    });
    assert.deepEqual(await cells('flags'), ['1', '1', '1']);
    assert.deepEqual(await cells('prices'), ['1', '1', '1']);
    assert.deepEqual(await page.locator('#tasks tbody tr td:first-child').allTextContents(), ['flags', 'prices']);
    assert.equal(await page.locator('#fleet .badge.leader').count(), 1);
    await page.evaluate('window.loadedOnce = true');

    cluster.source.setVersion('flags', 2);
    const changedAt = Date.now();
    await page.waitForFunction(`${fleetCells('flags')} === '2,2,2'`, undefined, { timeout: 2_000 });
    const seenAfter = Date.now() - changedAt;
    assert.equal(await page.evaluate('window.loadedOnce'), true, 'the page was not reloaded');
    assert.deepEqual(await cells('prices'), ['1', '1', '1']);

    const screenshot = join(dir, 'status-page.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    const rendered = await page.innerText('body');
    // The data of every task holds "SECRET": neither the page, nor its JSON, nor its stream may show it.
    assert.ok(!(await page.content()).includes('SECRET'), 'no data value in the page');
    const json = await (await fetch(`${url}/json`)).text();
    assert.ok(json.includes('"flags"') && !json.includes('SECRET'), 'no data value in the JSON');
    process.stdout.write(`# new version in every cell after ${seenAfter} ms; screenshot ${screenshot}\n`);
    process.stdout.write(`# rendered text:\n${rendered.replace(/^/gm, '#   ')}\n`);
  });
});
