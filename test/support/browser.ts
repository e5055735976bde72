import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

/** Debian's chromium; scripts/test.sh installs it when missing. */
export const CHROMIUM = '/usr/bin/chromium';

export const SCREENSHOT_DIR = join(process.cwd(), 'test-output', 'console');

/**
 * Headless Chromium on a closed network: without the background-networking flags it keeps
 * dialing Google services and the machine refuses those connections.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (scripts/test.sh does it when run as root)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Chromium logs every HTTP error answer to a fetch as a console error, with this text. */
const HTTP_ERROR_LOG = /^Failed to load resource: the server responded with a status of (\d{3})/;

export interface ExpectedHttpError {
  status: number;
  /** part of the request URL, e.g. "/api/v1/auth/me" */
  url: string;
}

/**
 * A page that records everything the browser says: console errors and warnings, uncaught
 * exceptions, failed requests. An HTTP error answer is tolerated only when the test declared
 * it with expectHttpError() for the step that provokes it; anything else fails the test.
 */
export class WatchedPage {
  readonly problems: string[] = [];
  private readonly expected: ExpectedHttpError[] = [];

  constructor(
    readonly page: Page,
    private readonly label: string,
  ) {
    page.on('console', (message) => this.onConsole(message));
    page.on('pageerror', (error) => this.problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => {
      // a poll cut short by navigation is not a failure of the page
      if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
      this.problems.push(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
    });
  }

  expectHttpError(status: number, url: string): void {
    this.expected.push({ status, url });
  }

  private onConsole(message: ConsoleMessage): void {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    const http = HTTP_ERROR_LOG.exec(message.text());
    const url = message.location().url;
    if (http && this.expected.some((e) => e.status === Number(http[1]) && url.includes(e.url))) return;
    this.problems.push(`console ${message.type()}: ${message.text()}${url ? ` (${url})` : ''}`);
  }

  /** The whole page; `fullPage: false` for a modal dialog, which stays in the viewport. */
  async screenshot(name: string, { fullPage = true } = {}): Promise<string> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${this.label}-${name}.png`);
    await this.page.screenshot({ path, fullPage });
    return path;
  }
}

export async function openPage(browser: Browser, label: string, viewport = { width: 1280, height: 900 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport });
  return new WatchedPage(await context.newPage(), label);
}
