import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createApp } from '../../src/app.factory.js';
import type { AppExtras } from '../../src/app.module.js';
import { ApiKeysService } from '../../src/common/auth/api-keys.service.js';
import { Role } from '../../src/common/auth/role.js';
import type { EnvironmentInput } from '../../src/config/environment.js';
import { assertDocumented, ContractChecker, type OpenApiDocument } from './openapi-contract.js';
import { createTestDatabase, TestDatabase } from './test-database.js';

export interface TestApp {
  app: NestExpressApplication;
  db: TestDatabase;
  /** supertest against the app's HTTP server; every response is checked against /docs-json */
  http: () => TestAgent;
  /** a request by method name, for table-driven tests over routes */
  call: (method: string, path: string) => request.Test;
  /** one API key per role, created through the real service */
  keys: Record<Role, string>;
  /** `Authorization` header value for a role */
  auth: (role: Role) => { Authorization: string };
  close: () => Promise<void>;
}

/**
 * Boots the real application (createApp, exactly as main.ts does) on a fresh database.
 * Pass `db` to start another app on the same database (a second replica).
 */
export async function startTestApp(
  overrides: EnvironmentInput = {},
  db?: TestDatabase,
  extras: AppExtras = {},
): Promise<TestApp> {
  const database = db ?? (await createTestDatabase());
  const app = await createApp(
    { LOG_LEVEL: 'error', LOG_FORMAT: 'json', NODE_ENV: 'test', ...database.env, ...overrides },
    extras,
  );
  await app.init();
  const apiKeys = app.get(ApiKeysService);
  const keys = {} as Record<Role, string>;
  for (const role of Object.values(Role)) keys[role] = (await apiKeys.create(`test-${role}`, role)).key;
  const http = checkedAgent(app, await contractOf(app));
  return {
    app,
    db: database,
    http,
    call: (method, path) =>
      (http() as unknown as Record<string, (p: string) => request.Test>)[method.toLowerCase()](path),
    keys,
    auth: (role) => ({ Authorization: `Bearer ${keys[role]}` }),
    close: async () => {
      await app.close();
      if (!db) await database.drop();
    },
  };
}

const checkers = new Map<string, ContractChecker>();

/** The checker of the document this app publishes (apps with the same document share one). */
async function contractOf(app: NestExpressApplication): Promise<ContractChecker> {
  const text = (await request(app.getHttpServer()).get('/docs-json').expect(200)).text;
  let checker = checkers.get(text);
  if (!checker) {
    checker = new ContractChecker(JSON.parse(text) as OpenApiDocument);
    checkers.set(text, checker);
  }
  return checker;
}

/**
 * supertest whose every request, once it ends, checks its response against the document,
 * after the test's own expectations (so a test's failure message comes first).
 */
function checkedAgent(app: NestExpressApplication, checker: ContractChecker): () => TestAgent {
  const check = (res: request.Response) => {
    const req = (res as unknown as { req: { method: string; path: string } }).req;
    assertDocumented(checker, {
      method: req.method,
      url: req.path,
      status: res.status,
      contentType: res.headers['content-type'],
      text: res.text ?? '',
    });
  };
  return () =>
    new Proxy(request(app.getHttpServer()), {
      get(agent, name, receiver) {
        const value = Reflect.get(agent, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const result = value.apply(agent, args);
          if (!(result instanceof request.Test)) return result;
          const end = result.end.bind(result);
          result.end = (fn) => {
            result.expect(check);
            return end(fn);
          };
          return result;
        };
      },
    });
}
