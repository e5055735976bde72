import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError } from '../errors/domain-error.js';
import type { AuthenticatedKey } from '../http/request-context.js';
import type { ApiKey } from './api-key.entity.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { isRole, Role } from './role.js';

const KEY_PREFIX = 'pgk_';
/** last_used_at is advisory: refreshing it at most once a minute keeps reads write-free. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface CreatedKey {
  id: number;
  name: string;
  role: Role;
  key: string;
}

@Injectable()
export class ApiKeysService {
  constructor(private readonly keys: ApiKeyRepository) {}

  async create(name: string, role: string): Promise<CreatedKey> {
    if (!isRole(role)) {
      throw DomainError.validation([
        { field: 'role', messages: [`role must be one of ${Object.values(Role).join(', ')}`] },
      ]);
    }
    if (!name.trim() || name.length > 100) {
      throw DomainError.validation([{ field: 'name', messages: ['name must be 1 to 100 characters'] }]);
    }
    const key = KEY_PREFIX + randomBytes(32).toString('base64url');
    const saved = await this.keys.add({
      name: name.trim(),
      role,
      keyHash: hashKey(key),
      keyPrefix: key.slice(0, 12),
      createdAt: new Date(),
    });
    return { id: saved.id, name: saved.name, role, key };
  }

  list(): Promise<ApiKey[]> {
    return this.keys.all();
  }

  async revoke(id: number): Promise<ApiKey> {
    const key = await this.keys.byId(id);
    if (!key) throw DomainError.notFound('API key', id);
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await this.keys.revoke(id, key.revokedAt);
    }
    return key;
  }

  /** Looks the key up on every request, so a revocation anywhere applies at once. */
  async authenticate(presented: string): Promise<AuthenticatedKey | null> {
    if (!presented.startsWith(KEY_PREFIX) || presented.length > 100) return null;
    const key = await this.keys.activeByHash(hashKey(presented));
    if (!key) return null;
    const now = new Date();
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      // bookkeeping only: a database that refuses writes must not lock clients out
      await this.keys.touch(key.id, now).catch(() => undefined);
    }
    return { id: key.id, name: key.name, role: key.role };
  }
}
