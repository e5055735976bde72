import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { FlagsService } from '../phases/flags/flags.service.js';
import type { NodeKind } from '../production/entities/production-graph.entity.js';
import type { TokenStatus } from '../production/entities/token.entity.js';
import type { NodeRef, TokenRef } from '../production/production.types.js';
import { AssignmentResolverService, type Resolution } from './assignment-resolver.service.js';
import { PREVIEW_FLAG } from './assignment.schema.js';

export interface Preview extends Resolution {
  tokenId: number;
  nodeId: number;
}

/** Who the resolver would pick for a token at a node right now, and why; writes nothing. */
@Injectable()
export class AssignmentPreviewService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly flags: FlagsService,
    private readonly resolver: AssignmentResolverService,
  ) {}

  async preview(tokenId: number, nodeId?: number): Promise<Preview> {
    if (!this.flags.isEnabled(PREVIEW_FLAG)) throw new DomainError(ErrorCode.FeatureDisabled, `Assignment preview is off (flag ${PREVIEW_FLAG})`, { flag: PREVIEW_FLAG });
    const [t] = await this.dataSource.query(
      `SELECT t.id, t.serial, t.job_id, t.current_node_id, t.status, t.assigned_account_id, t.assigned_team_id, t.version, j.graph_id
       FROM token t JOIN job_ticket j ON j.id = t.job_id WHERE t.id = ?`,
      [tokenId],
    );
    if (!t) throw DomainError.notFound('Token', tokenId);
    const token: TokenRef = {
      id: Number(t.id),
      serial: String(t.serial),
      jobId: Number(t.job_id),
      currentNodeId: Number(t.current_node_id),
      status: t.status as TokenStatus,
      assignedAccountId: t.assigned_account_id === null ? null : Number(t.assigned_account_id),
      assignedTeamId: t.assigned_team_id === null ? null : Number(t.assigned_team_id),
      version: Number(t.version),
    };
    const target = nodeId ?? token.currentNodeId;
    const [n] = await this.dataSource.query(`SELECT id, graph_id, code, name, kind, station_code FROM graph_node WHERE id = ?`, [target]);
    if (!n) throw DomainError.notFound('Node', target);
    if (Number(n.graph_id) !== Number(t.graph_id)) {
      throw new DomainError(ErrorCode.InvalidState, `Node ${n.code} is not in the graph of token ${token.serial}'s job`, { tokenId, nodeId: target });
    }
    const node: NodeRef = { id: Number(n.id), graphId: Number(n.graph_id), code: String(n.code), name: String(n.name), kind: n.kind as NodeKind, stationCode: n.station_code ?? null };
    return { tokenId, nodeId: node.id, ...(await this.resolver.resolve(token, node, new Date())) };
  }
}
