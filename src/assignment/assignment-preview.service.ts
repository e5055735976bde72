import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { FlagsService } from '../phases/flags/flags.service.js';
import { AssignmentResolverService, type Resolution } from './assignment-resolver.service.js';
import { PREVIEW_FLAG } from './assignment.schema.js';
import { ProductionRefsRepository } from './production-refs.repository.js';

export interface Preview extends Resolution {
  tokenId: number;
  nodeId: number;
}

/** Who the resolver would pick for a token at a node right now, and why; writes nothing. */
@Injectable()
export class AssignmentPreviewService {
  constructor(
    private readonly refs: ProductionRefsRepository,
    private readonly flags: FlagsService,
    private readonly resolver: AssignmentResolverService,
  ) {}

  async preview(tokenId: number, nodeId?: number): Promise<Preview> {
    if (!this.flags.isEnabled(PREVIEW_FLAG))
      throw new DomainError(ErrorCode.FeatureDisabled, `Assignment preview is off (flag ${PREVIEW_FLAG})`, {
        flag: PREVIEW_FLAG,
      });
    const found = await this.refs.tokenWithGraph(tokenId);
    if (!found) throw DomainError.notFound('Token', tokenId);
    const { token, graphId } = found;
    const target = nodeId ?? token.currentNodeId;
    const node = await this.refs.node(target);
    if (!node) throw DomainError.notFound('Node', target);
    if (node.graphId !== graphId) {
      throw new DomainError(
        ErrorCode.InvalidState,
        `Node ${node.code} is not in the graph of token ${token.serial}'s job`,
        { tokenId, nodeId: target },
      );
    }
    return { tokenId, nodeId: node.id, ...(await this.resolver.resolve(token, node, new Date())) };
  }
}
