import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { LocalOperatorDirectory } from './local-operator-directory.js';
import type { OperatorDirectory } from './operator-directory.js';

interface Registration {
  directory: OperatorDirectory;
  active: (db?: EntityManager) => boolean | Promise<boolean>;
}

/**
 * Which OperatorDirectory the resolver asks. Phase 9 registers its People-backed directory
 * from its onModuleInit with an `active` check (its flag and its caches); while that answers
 * false, or when nothing is registered, the local directory answers.
 */
@Injectable()
export class DirectoryRegistry {
  private readonly logger = new Logger(DirectoryRegistry.name);
  private registration: Registration | null = null;

  constructor(readonly local: LocalOperatorDirectory) {}

  register(directory: OperatorDirectory, options: { active?: Registration['active'] } = {}): void {
    if (this.registration && this.registration.directory !== directory) {
      throw new Error(`Directory ${this.registration.directory.source} is already registered; cannot add ${directory.source}`);
    }
    this.registration = { directory, active: options.active ?? (() => true) };
    this.logger.log(`operator directory ${directory.source} registered`);
  }

  unregister(directory: OperatorDirectory): void {
    if (this.registration?.directory === directory) this.registration = null;
  }

  /**
   * Evaluated per decision, so a flag change or an expired cache applies to the next one.
   * `db`: the deciding transaction, which the check runs on (see OperatorDirectory).
   */
  async current(db?: EntityManager): Promise<OperatorDirectory> {
    const registration = this.registration;
    return registration && (await registration.active(db)) ? registration.directory : this.local;
  }
}
