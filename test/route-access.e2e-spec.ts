import { Role, roleSatisfies } from '../src/common/auth/role.js';
import { concrete, declaredRoutes, PUBLIC_ROUTES, RouteDecl } from './support/routes.js';
import { startTestApp, TestApp } from './support/test-app.js';

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
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({
        route: `${r.method} ${r.path}`,
        status: 401,
      });
      const bogus = await t.call(r.method, concrete(r.path)).set('Authorization', 'Bearer pgk_not-a-real-key');
      expect(bogus.status).toBe(401);
    }
  });

  it('answers 403 to every role a route does not admit', async () => {
    for (const r of routes.filter((x) => !x.isPublic)) {
      for (const role of Object.values(Role).filter((role) => !roleSatisfies(role, r.roles!))) {
        const res = await t.call(r.method, concrete(r.path)).set(t.auth(role));
        expect({ route: `${r.method} ${r.path}`, role, status: res.status }).toEqual({
          route: `${r.method} ${r.path}`,
          role,
          status: 403,
        });
      }
    }
  });

  it('lets anonymous callers reach health, metrics and the docs', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics', '/docs-json']) {
      await t.http().get(path).expect(200);
    }
  });
});
