import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { Role } from '../src/common/auth/role.js';
import { launchBrowser, openPage, WatchedPage } from './support/browser.js';
import { testDbKind } from './support/test-database.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { samplePhases } from './support/test-phases.js';

describe('operations console in a browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let w: WatchedPage;

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false' }, undefined, samplePhases);
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchBrowser();
    w = await openPage(browser, testDbKind());
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });
  afterEach(() => {
    expect(w.problems).toEqual([]);
  });

  it('signs in', async () => {
    await w.page.goto(`${base}/console/`);
    await w.page.fill('input[name=key]', t.keys[Role.Admin]);
    await w.page.click('#sign-in button[type=submit]');
    await w.page.waitForSelector('[data-phase="91"]');
    await w.screenshot('phases');
  });
});
