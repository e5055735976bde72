import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ExpressAdapter } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { PREVIEW_FLAG, RUNTIME_FLAG } from '../assignment/assignment.schema.js';
import { Role, roleSatisfies } from '../common/auth/role.js';
import { PROJECT_ROOT } from '../config/project-root.js';
import { DASHBOARD_FLAG } from '../dashboard/dashboard.schema.js';
import { OEM_MODE, OEM_SHADOW_RUN } from '../oem/oem-flags.js';

export const CONSOLE_PATH = '/console';

/** The browser files are served straight from the source tree, so there is no copy step to forget. */
const PUBLIC_DIR = join(PROJECT_ROOT, 'src/console/public');

/** chart.js exports no path to its browser build; it sits beside the CommonJS entry. */
const CHART_JS = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');

/** dagre lays out the Line page's graph; its self-contained ES module build sits beside the CommonJS entry. */
const DAGRE_JS = join(dirname(createRequire(import.meta.url).resolve('@dagrejs/dagre')), 'dagre.esm.js');

/**
 * The console is same-origin only: no inline script or style, no third-party host, so an
 * API value that slips into markup cannot run.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // the files change with the code: revalidate (ETag) instead of trusting a stale copy
  'Cache-Control': 'no-cache',
};

function secure(res: Response): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/**
 * The role hierarchy as the browser sees it, generated from role.ts so the console never
 * keeps a second copy that could drift.
 */
function rolesModule(): string {
  const roles = Object.values(Role);
  const grants = Object.fromEntries(roles.map((held) => [held, roles.filter((r) => roleSatisfies(held, [r]))]));
  return `export const GRANTS = Object.freeze(${JSON.stringify(grants)});\n`;
}

/**
 * The flag keys the pages read, by the phases' own constants: a key renamed on the server
 * reaches the console with it, instead of leaving a page that silently reads a missing flag.
 */
export const CONSOLE_FLAGS = Object.freeze({
  assignmentRuntime: RUNTIME_FLAG,
  assignmentPreview: PREVIEW_FLAG,
  oemMode: OEM_MODE,
  oemShadowRun: OEM_SHADOW_RUN,
  dashboard: DASHBOARD_FLAG,
});

function flagsModule(): string {
  return `export const FLAGS = Object.freeze(${JSON.stringify(CONSOLE_FLAGS)});\n`;
}

/**
 * Serves the operations console at /console: static HTML, CSS and ES modules plus the chart
 * and graph-layout libraries. Anonymous on purpose: the files hold no data, and every API
 * call the page makes carries the operator's key. Mounted on the HTTP adapter rather than as controllers, so it
 * stays outside the API's guards, prefix and OpenAPI document.
 */
@Module({})
export class ConsoleModule implements OnModuleInit {
  private readonly logger = new Logger(ConsoleModule.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const http = this.adapterHost.httpAdapter as ExpressAdapter | undefined;
    // application contexts without HTTP (the CLI) have nothing to serve
    if (!http) return;
    for (const [file, source] of [
      ['roles.js', rolesModule()],
      ['flags.js', flagsModule()],
    ]) {
      http.get(`${CONSOLE_PATH}/js/${file}`, (_req: Request, res: Response) => {
        secure(res);
        res.type('text/javascript').send(source);
      });
    }
    http.get(`${CONSOLE_PATH}/vendor/chart.js`, (_req: Request, res: Response) => {
      secure(res);
      res.type('text/javascript').sendFile(CHART_JS);
    });
    http.get(`${CONSOLE_PATH}/vendor/dagre.js`, (_req: Request, res: Response) => {
      secure(res);
      res.type('text/javascript').sendFile(DAGRE_JS);
    });
    http.useStaticAssets(PUBLIC_DIR, { prefix: CONSOLE_PATH, setHeaders: secure, index: 'index.html' });
    this.logger.log(`console at ${CONSOLE_PATH}/ from ${PUBLIC_DIR}`);
  }
}
