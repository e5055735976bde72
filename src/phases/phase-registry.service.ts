import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DomainError } from '../common/errors/domain-error.js';
import { MigrationService } from '../database/migration.service.js';
import { MigrationClass, PhaseDefinition, PhaseFlag, PhaseJob, phaseOptionsOf } from './phase-definition.js';

export type SchemaState = 'applied' | 'reverted' | 'partial';

/**
 * Collects every @Phase() provider. It is the only list of phases, flags, jobs and tables:
 * rollback, status, CLI, console and runbook all read it.
 */
@Injectable()
export class PhaseRegistry implements OnModuleInit {
  private phases: PhaseDefinition[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly migrations: MigrationService,
  ) {}

  onModuleInit(): void {
    const found = this.discovery
      .getProviders()
      .filter((w) => w.instance && phaseOptionsOf(w.metatype))
      .map((w) => w.instance as PhaseDefinition);
    this.phases = [...new Set(found)].sort((a, b) => a.number - b.number);
    assertConsistentPhases(this.phases);
  }

  all(): PhaseDefinition[] {
    return this.phases;
  }

  get(phase: number): PhaseDefinition {
    const found = this.phases.find((p) => p.number === phase);
    if (!found) throw DomainError.notFound('Phase', phase);
    return found;
  }

  flags(): Array<PhaseFlag & { phase: number }> {
    return this.phases.flatMap((p) => p.flags.map((f) => ({ ...f, phase: p.number })));
  }

  /** The phase owning a flag, or undefined for an unknown key. */
  phaseOfFlag(key: string): PhaseDefinition | undefined {
    return this.phases.find((p) => p.flags.some((f) => f.key === key));
  }

  jobs(): Array<{ phase: PhaseDefinition; job: PhaseJob }> {
    return this.phases.flatMap((phase) => phase.jobs.map((job) => ({ phase, job })));
  }

  /** The phase's migrations, as its @Phase() declares them. */
  migrationsOf(phase: number): readonly MigrationClass[] {
    return migrationsOf(this.get(phase));
  }

  async schemaState(phase: number): Promise<SchemaState> {
    const names = new Set(this.migrationsOf(phase).map((m) => m.name));
    const applied = (await this.migrations.status()).filter((m) => names.has(m.name) && m.applied).length;
    if (applied === names.size) return 'applied';
    return applied === 0 ? 'reverted' : 'partial';
  }
}

/** Refuses a set of phases that contradicts itself; the app does not start with one. */
export function assertConsistentPhases(phases: readonly PhaseDefinition[]): void {
  const seen = new Map<string, string>();
  const claim = (kind: string, id: string, owner: string) => {
    const key = `${kind}:${id}`;
    if (seen.has(key))
      throw new Error(`Phase registry: ${kind} "${id}" is declared by both ${seen.get(key)} and ${owner}`);
    seen.set(key, owner);
  };
  for (const p of phases) {
    const owner = `phase ${p.number}`;
    claim('phase number', String(p.number), owner);
    claim('phase key', p.key, owner);
    for (const f of p.flags) claim('flag', f.key, owner);
    for (const j of p.jobs) {
      claim('job', j.name, owner);
      if (!p.flags.some((f) => f.key === j.flag))
        throw new Error(`Phase ${p.number}: job ${j.name} is gated by unknown flag ${j.flag}`);
    }
    for (const t of p.tables) claim('table', t.name, owner);
    for (const m of migrationsOf(p)) {
      if (!m.name.startsWith(`Phase${p.number}`))
        throw new Error(`Phase ${p.number}: migration ${m.name} must be named Phase${p.number}...`);
    }
    for (const required of p.requires ?? []) {
      // rollbacks and schema reverts go from the highest phase down, so a dependency must sit below
      if (required >= p.number) throw new Error(`Phase ${p.number} requires phase ${required}, which is not below it`);
      if (!phases.some((q) => q.number === required))
        throw new Error(`Phase ${p.number} requires phase ${required}, which is not registered`);
    }
  }
}

function migrationsOf(phase: PhaseDefinition): readonly MigrationClass[] {
  return phaseOptionsOf(phase.constructor)?.migrations ?? [];
}
