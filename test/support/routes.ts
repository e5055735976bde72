import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { PUBLIC_KEY, ROLES_KEY } from '../../src/common/auth/auth.decorators.js';
import type { Role } from '../../src/common/auth/role.js';
import type { TestApp } from './test-app.js';

/** Anonymous by design: health, metrics (and the docs, served outside the controllers). */
export const PUBLIC_ROUTES = new Set(['GET /health/live', 'GET /health/ready', 'GET /metrics']);

export interface RouteDecl {
  method: string;
  path: string;
  roles: Role[] | undefined;
  isPublic: boolean;
}

/** Every controller route with its access declaration, read from the running app. */
export function declaredRoutes(t: TestApp): RouteDecl[] {
  const discovery = t.app.get(DiscoveryService);
  const scanner = t.app.get(MetadataScanner);
  const reflector = t.app.get(Reflector);
  const routes: RouteDecl[] = [];
  for (const wrapper of discovery.getControllers()) {
    if (!wrapper.metatype) continue;
    const instance = wrapper.instance as object;
    const ctrlPath = String(Reflect.getMetadata(PATH_METADATA, wrapper.metatype) ?? '');
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
      const handler = (instance as Record<string, unknown>)[name] as object;
      const methodPath = Reflect.getMetadata(PATH_METADATA, handler);
      if (methodPath === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const targets = [handler as () => void, wrapper.metatype as () => void];
      const isPublic = reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets);
      const roles = reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
      const path = ('/' + [ctrlPath, String(methodPath)].filter((p) => p && p !== '/').join('/')).replace(/\/+/g, '/');
      const unprefixed = PUBLIC_ROUTES.has(`${method} ${path}`) || path.startsWith('/ofrep/');
      const full = unprefixed ? path : `/api/v1${path}`;
      routes.push({ method, path: full, roles, isPublic });
    }
  }
  return routes;
}

export const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, '1');
