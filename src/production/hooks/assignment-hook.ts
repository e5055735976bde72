import { Injectable } from '@nestjs/common';
import { ExtensionPoint, ExtensionRegistry } from '../../common/extension/extension-point.js';
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
  /**
   * Called inside the transaction that removes tokens nobody has seen (a spawn that failed or
   * was cut off): drops what the assigner recorded about them, so it goes with them.
   */
  forget?(tokenIds: readonly number[], manager: EntityManager): Promise<void>;
}

/** Where another module (Phase 7) takes over assignment: @Extends(AUTOMATIC_ASSIGNER), at most one. */
export const AUTOMATIC_ASSIGNER = new ExtensionPoint<AutomaticAssigner>('automatic assigner', 'one');

/** The core's side of the port: asks the assigner plugged in, if any. */
@Injectable()
export class AssignmentHook {
  constructor(private readonly extensions: ExtensionRegistry) {}

  /** The assigner's answer, or null when none is plugged in or it declines. */
  async assign(
    tokens: readonly TokenRef[],
    node: NodeRef,
    job: JobRef,
    manager: EntityManager,
  ): Promise<Assignment[] | null> {
    const assigner = this.extensions.one(AUTOMATIC_ASSIGNER);
    if (!assigner) return null;
    const result = await assigner.assign(tokens, node, job, manager);
    if (result && result.length !== tokens.length) {
      throw new Error(`Assigner ${assigner.name} returned ${result.length} assignments for ${tokens.length} tokens`);
    }
    return result;
  }

  /** Lets the assigner plugged in, if any, drop its records of tokens removed unseen. */
  async forget(tokenIds: readonly number[], manager: EntityManager): Promise<void> {
    if (tokenIds.length > 0) await this.extensions.one(AUTOMATIC_ASSIGNER)?.forget?.(tokenIds, manager);
  }
}
