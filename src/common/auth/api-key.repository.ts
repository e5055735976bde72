import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { ONE_ROW } from '../../database/dialect.js';
import { ApiKey } from './api-key.entity.js';

export type NewApiKey = Pick<ApiKey, 'name' | 'role' | 'keyHash' | 'keyPrefix' | 'createdAt'>;

/** api_key rows; keys are found by the sha256 of the presented key, never by the key itself. */
@Injectable()
export class ApiKeyRepository {
  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  add(key: NewApiKey): Promise<ApiKey> {
    return this.keys.save(this.keys.create({ ...key, lastUsedAt: null, revokedAt: null }), ONE_ROW);
  }

  /** Oldest first. */
  all(): Promise<ApiKey[]> {
    return this.keys.find({ order: { id: 'ASC' } });
  }

  byId(id: number): Promise<ApiKey | null> {
    return this.keys.findOneBy({ id });
  }

  /** The key with this hash, unless it was revoked. */
  activeByHash(keyHash: string): Promise<ApiKey | null> {
    return this.keys.findOneBy({ keyHash, revokedAt: IsNull() });
  }

  /** Revokes the key unless it already was: the first revocation's time stays. */
  async revoke(id: number, at: Date): Promise<void> {
    await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: at });
  }

  async touch(id: number, at: Date): Promise<void> {
    await this.keys.update({ id }, { lastUsedAt: at });
  }
}
