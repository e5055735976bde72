import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (scripts/test.sh does it when run as root)`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
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

export async function openPage(
  browser: Browser,
  label: string,
  viewport = { width: 1280, height: 900 },
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport });
  return new WatchedPage(await context.newPage(), label);
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * axe-core's WCAG 2 A and AA rules on the page as it stands; returns the serious and
 * critical violations. Injected through the DevTools protocol, which the page's CSP allows.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeFinding[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context: Document,
            options: object,
          ): Promise<{
            violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }>;
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Tabs through the page from the top and returns the visible actionable elements (links,
 * buttons, fields, elements with tabindex 0) that the keyboard never reached.
 */
export async function unreachableByKeyboard(page: Page): Promise<string[]> {
  const count = await page.evaluate(() => {
    for (const el of document.querySelectorAll('[data-kb]')) el.removeAttribute('data-kb');
    const actionable = [
      ...document.querySelectorAll<HTMLElement | SVGElement>(
        'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex="0"]',
      ),
    ].filter((el) => el.getClientRects().length > 0 && !el.closest('[hidden]'));
    actionable.forEach((el, i) => el.setAttribute('data-kb', String(i)));
    // the next Tab starts from the top of the document
    const start = document.createElement('span');
    start.tabIndex = -1;
    start.id = 'kb-start';
    document.body.prepend(start);
    start.focus();
    return actionable.length;
  });
  const reached = new Set<string>();
  for (let i = 0; i < count * 2 + 5 && reached.size < count; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.getAttribute('data-kb') ?? null);
    if (id !== null) reached.add(id);
  }
  return page.evaluate(
    (seen) => {
      document.getElementById('kb-start')?.remove();
      return [...document.querySelectorAll('[data-kb]')]
        .filter((el) => !seen.includes(el.getAttribute('data-kb')!))
        .map(
          (el) =>
            `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent ?? '').trim().slice(0, 40) || el.getAttribute('aria-label') || el.getAttribute('name')}"`,
        );
    },
    [...reached],
  );
}
