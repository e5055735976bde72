import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { ONE_ROW } from '../../database/dialect.js';
import { DomainError } from '../errors/domain-error.js';
import type { AuthenticatedKey } from '../http/request-context.js';
import { ApiKey } from './api-key.entity.js';
import { Role } from './role.js';

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
  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  async create(name: string, role: Role): Promise<CreatedKey> {
    if (!Object.values(Role).includes(role)) {
      throw DomainError.validation([{ field: 'role', messages: [`role must be one of ${Object.values(Role).join(', ')}`] }]);
    }
    if (!name.trim() || name.length > 100) {
      throw DomainError.validation([{ field: 'name', messages: ['name must be 1 to 100 characters'] }]);
    }
    const key = KEY_PREFIX + randomBytes(32).toString('base64url');
    const saved = await this.keys.save(
      this.keys.create({ name: name.trim(), role, keyHash: hashKey(key), keyPrefix: key.slice(0, 12), createdAt: new Date(), lastUsedAt: null, revokedAt: null }),
      ONE_ROW,
    );
    return { id: saved.id, name: saved.name, role, key };
  }

  list(): Promise<ApiKey[]> {
    return this.keys.find({ order: { id: 'ASC' } });
  }

  async revoke(id: number): Promise<ApiKey> {
    const key = await this.keys.findOneBy({ id });
    if (!key) throw DomainError.notFound('API key', id);
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: key.revokedAt });
    }
    return key;
  }

  /** Looks the key up on every request, so a revocation anywhere applies at once. */
  async authenticate(presented: string): Promise<AuthenticatedKey | null> {
    if (!presented.startsWith(KEY_PREFIX) || presented.length > 100) return null;
    const key = await this.keys.findOneBy({ keyHash: hashKey(presented), revokedAt: IsNull() });
    if (!key) return null;
    const now = new Date();
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      // bookkeeping only: a database that refuses writes must not lock clients out
      await this.keys.update({ id: key.id }, { lastUsedAt: now }).catch(() => undefined);
    }
    return { id: key.id, name: key.name, role: key.role };
  }
}
