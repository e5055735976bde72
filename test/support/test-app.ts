import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createApp } from '../../src/app.factory.js';
import type { AppExtras } from '../../src/app.module.js';
import { ApiKeysService } from '../../src/common/auth/api-keys.service.js';
import { Role } from '../../src/common/auth/role.js';
import type { EnvironmentInput } from '../../src/config/environment.js';
import { createTestDatabase, TestDatabase } from './test-database.js';

export interface TestApp {
  app: NestExpressApplication;
  db: TestDatabase;
  /** supertest against the app's HTTP server */
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
export async function startTestApp(overrides: EnvironmentInput = {}, db?: TestDatabase, extras: AppExtras = {}): Promise<TestApp> {
  const database = db ?? (await createTestDatabase());
  const app = await createApp({ LOG_LEVEL: 'error', LOG_FORMAT: 'json', NODE_ENV: 'test', ...database.env, ...overrides }, extras);
  await app.init();
  const apiKeys = app.get(ApiKeysService);
  const keys = {} as Record<Role, string>;
  for (const role of Object.values(Role)) keys[role] = (await apiKeys.create(`test-${role}`, role)).key;
  return {
    app,
    db: database,
    http: () => request(app.getHttpServer()),
    call: (method, path) => (request(app.getHttpServer()) as unknown as Record<string, (p: string) => request.Test>)[method.toLowerCase()](path),
    keys,
    auth: (role) => ({ Authorization: `Bearer ${keys[role]}` }),
    close: async () => {
      await app.close();
      if (!db) await database.drop();
    },
  };
}
