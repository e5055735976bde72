import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ExtensionPoint, ExtensionRegistry } from '../common/extension/extension-point.js';
import { LocalOperatorDirectory } from './local-operator-directory.js';
import type { OperatorDirectory } from './operator-directory.js';

/** A directory another module (Phase 9) plugs in; it says per decision whether it answers. */
export interface ExternalOperatorDirectory extends OperatorDirectory {
  /** Evaluated per decision, on the deciding transaction `db` when there is one. */
  answersDecisions(db?: EntityManager): Promise<boolean>;
}

/** Where another module plugs an operator directory in: @Extends(OPERATOR_DIRECTORY), at most one. */
export const OPERATOR_DIRECTORY = new ExtensionPoint<ExternalOperatorDirectory>('operator directory', 'one');

/**
 * Which OperatorDirectory the resolver asks: the one plugged in while it answers decisions
 * (for Phase 9: its flag is on and its caches are fresh), else the local one.
 */
@Injectable()
export class DirectoryRegistry {
  constructor(
    readonly local: LocalOperatorDirectory,
    private readonly extensions: ExtensionRegistry,
  ) {}

  /**
   * Evaluated per decision, so a flag change or an expired cache applies to the next one.
   * `db`: the deciding transaction, which the check runs on (see OperatorDirectory).
   */
  async current(db?: EntityManager): Promise<OperatorDirectory> {
    const external = this.extensions.one(OPERATOR_DIRECTORY);
    return external && (await external.answersDecisions(db)) ? external : this.local;
  }
}
