import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { decodeCursor, encodeCursor } from '../common/http/cursor.js';
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
    // one more than the page tells whether another page follows
    const rows = await this.tokens.page(filters, limit + 1, cursor ? decodeCursor(cursor) : undefined);
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor(items.at(-1)!.id) : null };
  }

  async detail(id: number): Promise<TokenRow & { history: TokenEventRow[] }> {
    const row = await this.tokens.find(id);
    if (!row) throw DomainError.notFound('Token', id);
    return { ...row, history: await this.tokens.history(id) };
  }
}
