import { RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { PUBLIC_KEY, ROLES_KEY } from '../src/common/auth/auth.decorators.js';
import { Role, roleSatisfies } from '../src/common/auth/role.js';
import { startTestApp, TestApp } from './support/test-app.js';

/** Anonymous by design: health, metrics (and the docs, served outside the controllers). */
const PUBLIC_ROUTES = new Set(['GET /health/live', 'GET /health/ready', 'GET /metrics']);

interface RouteDecl {
  method: string;
  path: string;
  roles: Role[] | undefined;
  isPublic: boolean;
}

/** Every controller route with its access declaration, read from the running app. */
function declaredRoutes(t: TestApp): RouteDecl[] {
  const discovery = t.app.get(DiscoveryService);
  const scanner = t.app.get(MetadataScanner);
  const reflector = t.app.get(Reflector);
  const routes: RouteDecl[] = [];
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as object;
    const ctrlPath = String(Reflect.getMetadata(PATH_METADATA, wrapper.metatype) ?? '');
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
      const handler = (instance as Record<string, unknown>)[name] as object;
      const methodPath = Reflect.getMetadata(PATH_METADATA, handler);
      if (methodPath === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const targets = [handler as () => void, wrapper.metatype as () => void];
      const isPublic = reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) === true;
      const roles = reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
      const path = ('/' + [ctrlPath, String(methodPath)].filter((p) => p && p !== '/').join('/')).replace(/\/+/g, '/');
      const full = PUBLIC_ROUTES.has(`${method} ${path}`) ? path : `/api/v1${path}`;
      routes.push({ method, path: full, roles, isPublic });
    }
  }
  return routes;
}

const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, '1');

describe('route access (table-driven over every route)', () => {
  let t: TestApp;
  let routes: RouteDecl[];
  beforeAll(async () => {
    t = await startTestApp();
    routes = declaredRoutes(t);
  });
  afterAll(() => t.close());

  it('finds the routes', () => {
    expect(routes.length).toBeGreaterThan(3);
  });

  it('every route declares its access, and only health and metrics are public', () => {
    const undeclared = routes.filter((r) => !r.isPublic && !r.roles?.length).map((r) => `${r.method} ${r.path}`);
    expect(undeclared).toEqual([]);
    const open = routes.filter((r) => r.isPublic).map((r) => `${r.method} ${r.path}`);
    expect(open.sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('answers 401 without a key and with a bogus key on every protected route', async () => {
    for (const r of routes.filter((x) => !x.isPublic)) {
      const res = await t.call(r.method, concrete(r.path));
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({ route: `${r.method} ${r.path}`, status: 401 });
      const bogus = await t.call(r.method, concrete(r.path)).set('Authorization', 'Bearer pgk_not-a-real-key');
      expect(bogus.status).toBe(401);
    }
  });

  it('answers 403 to every role a route does not admit', async () => {
    for (const r of routes.filter((x) => !x.isPublic)) {
      for (const role of Object.values(Role).filter((role) => !roleSatisfies(role, r.roles!))) {
        const res = await t.call(r.method, concrete(r.path)).set(t.auth(role));
        expect({ route: `${r.method} ${r.path}`, role, status: res.status }).toEqual({ route: `${r.method} ${r.path}`, role, status: 403 });
      }
    }
  });

  it('lets anonymous callers reach health, metrics and the docs', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics', '/docs-json']) {
      await t.http().get(path).expect(200);
    }
  });
});
