import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Assignment, JobRef, NodeRef, TokenRef } from '../production.types.js';

/**
 * An automatic assigner (Phase 7). Called inside the transaction that spawns or moves the
 * tokens, with that transaction's manager; `tokens` are all at `node`. Returns one
 * assignment per token, in the order given, or null to let the manual plan decide. It owns
 * its flag checks and its fallback: the core calls it whenever one is registered.
 */
export interface AutomaticAssigner {
  readonly name: string;
  assign(tokens: readonly TokenRef[], node: NodeRef, job: JobRef, manager: EntityManager): Promise<Assignment[] | null>;
}

/** The port through which another module takes over assignment; at most one assigner. */
@Injectable()
export class AssignmentHook {
  private readonly logger = new Logger(AssignmentHook.name);
  private assigner: AutomaticAssigner | null = null;

  /** Call from the other module's onModuleInit. */
  register(assigner: AutomaticAssigner): void {
    if (this.assigner && this.assigner !== assigner) throw new Error(`Assigner ${this.assigner.name} is already registered; cannot add ${assigner.name}`);
    this.assigner = assigner;
    this.logger.log(`automatic assigner ${assigner.name} registered`);
  }

  unregister(assigner: AutomaticAssigner): void {
    if (this.assigner === assigner) this.assigner = null;
  }

  /** The registered assigner's answer, or null when none is registered or it declines. */
  async assign(tokens: readonly TokenRef[], node: NodeRef, job: JobRef, manager: EntityManager): Promise<Assignment[] | null> {
    if (!this.assigner) return null;
    const result = await this.assigner.assign(tokens, node, job, manager);
    if (result && result.length !== tokens.length) {
      throw new Error(`Assigner ${this.assigner.name} returned ${result.length} assignments for ${tokens.length} tokens`);
    }
    return result;
  }
}
