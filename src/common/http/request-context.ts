import type { Role } from '../auth/role.js';

/** What the pipeline attaches to each request. */
export interface AuthenticatedKey {
  id: number;
  name: string;
  role: Role;
}

declare module 'express-serve-static-core' {
  interface Request {
    id?: string;
    apiKey?: AuthenticatedKey;
  }
}
