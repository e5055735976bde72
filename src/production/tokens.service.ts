import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { decodeCursor, pageOf } from '../common/http/cursor.js';
import { TokenListRepository, type TokenEventRow, type TokenFilters, type TokenRow } from './token-list.repository.js';

/** Reading tokens: filtered, cursor-paginated lists and the detail with its history. */
@Injectable()
export class TokensService {
  constructor(private readonly tokens: TokenListRepository) {}

  async list(
    filters: TokenFilters,
    limit: number,
    cursor?: string,
  ): Promise<{ items: TokenRow[]; nextCursor: string | null }> {
    return pageOf(await this.tokens.page(filters, limit + 1, cursor ? decodeCursor(cursor) : undefined), limit);
  }

  async detail(id: number): Promise<TokenRow & { history: TokenEventRow[] }> {
    const row = await this.tokens.find(id);
    if (!row) throw DomainError.notFound('Token', id);
    return { ...row, history: await this.tokens.history(id) };
  }
}
