import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Extends } from '../common/extension/extension-point.js';
import { PhaseRegistry } from '../phases/phase-registry.service.js';
import { DEMO_SEED_CONTRIBUTOR, type DemoSeedContributor } from '../production/demo-seed.service.js';
import { OemRuleAction } from './entities/oem-scan-rule.entity.js';
import { OEM_PHASE } from './oem-flags.js';
import { OemRulesService } from './oem-rules.service.js';
import { OemScanService } from './oem-scan.service.js';
import { OemTicketsRepository } from './oem-tickets.repository.js';
import { OemTicketsService } from './oem-tickets.service.js';
import { inTransaction } from '../database/transaction.js';

const DAY = 86_400_000;
const ACME_STEPS = ['Cutting', 'Welding', 'Painting', 'Quality check', 'Packing'];
const GLOBEX_STEPS = ['Kitting', 'Welding', 'Quality check', 'Packing'];

/** ACME labels name the step (`OEM-ACME-PO-1001-S2`, one state per scan); GLOBEX labels name only the order and complete its current step. */
const RULES = [
  ...['ST-CUT', 'ST-WELD', 'ST-PAINT', 'ST-QC', 'ST-PACK'].map((stationCode) => ({
    customer: 'ACME',
    stationCode,
    pattern: '^OEM-ACME-(?P<ref>PO-\\d+)-S(?P<seq>\\d+)$',
    action: OemRuleAction.Advance,
    priority: 10,
  })),
  ...['ST-KIT', 'ST-WELD', 'ST-QC', 'ST-PACK'].map((stationCode) => ({
    customer: 'GLOBEX',
    stationCode,
    pattern: '^OEM-GLOBEX-(?P<ref>G-\\d+)$',
    action: OemRuleAction.Complete,
    priority: 5,
  })),
];

/** Where each demo ticket stands: `scans` OEM scans at `station` after creation; due in `dueDays` (negative: late). */
const TICKETS = [
  { customer: 'ACME', ref: 'PO-1001', steps: ACME_STEPS, dueDays: -1, station: 'ST-CUT', scans: 1 },
  { customer: 'ACME', ref: 'PO-1002', steps: ACME_STEPS, dueDays: 2, station: 'ST-CUT', scans: 2 },
  { customer: 'ACME', ref: 'PO-1003', steps: ACME_STEPS, dueDays: 5, station: 'ST-CUT', scans: 5 },
  { customer: 'ACME', ref: 'PO-1004', steps: ACME_STEPS, dueDays: 0.5, station: 'ST-CUT', scans: 6 },
  { customer: 'ACME', ref: 'PO-1005', steps: ACME_STEPS, dueDays: null, station: 'ST-CUT', scans: 0 },
  { customer: 'GLOBEX', ref: 'G-501', steps: GLOBEX_STEPS, dueDays: -0.1, station: 'ST-KIT', scans: 0 },
  { customer: 'GLOBEX', ref: 'G-502', steps: GLOBEX_STEPS, dueDays: 3, station: 'ST-KIT', scans: 1 },
  { customer: 'GLOBEX', ref: 'G-503', steps: GLOBEX_STEPS, dueDays: 1, station: 'ST-KIT', scans: 2 },
  { customer: 'GLOBEX', ref: 'G-504', steps: GLOBEX_STEPS, dueDays: -3, station: 'ST-KIT', scans: 4 },
];

/**
 * OEM demo data for `seed --demo` when Phase 8's schema is applied: scan rules for the demo
 * stations and tickets spread over the Kanban (late ones, one done), moved to their steps
 * by the real OEM scan logic. The tickets are not linked to jobs, so no token moves.
 */
@Injectable()
@Extends(DEMO_SEED_CONTRIBUTOR)
export class OemDemoSeedService implements DemoSeedContributor {
  readonly name = 'oem';

  constructor(
    private readonly registry: PhaseRegistry,
    private readonly dataSource: DataSource,
    private readonly tickets: OemTicketsService,
    private readonly rules: OemRulesService,
    private readonly scans: OemScanService,
    private readonly ticketRepository: OemTicketsRepository,
  ) {}

  async seed(): Promise<string | null> {
    if ((await this.registry.schemaState(OEM_PHASE)) !== 'applied') return null;
    if ((await this.tickets.list({ customer: 'ACME', limit: 1 })).items.length > 0) return null;
    for (const rule of RULES) await this.rules.create(rule);
    const now = Date.now();
    for (const t of TICKETS) {
      await this.tickets.create({
        customer: t.customer,
        externalRef: t.ref,
        dueAt: t.dueDays === null ? undefined : new Date(now + t.dueDays * DAY),
        steps: t.steps.map((name, i) => ({ sequence: i + 1, name })),
      });
      for (let i = 0; i < t.scans; i++) await this.advance(t.customer, t.ref, t.station);
    }
    return `OEM: ${TICKETS.length} tickets of ACME and GLOBEX on the Kanban (GET /api/v1/oem/kanban), ${RULES.length} scan rules; with enable_oem_mode on, try POST /api/v1/scans {"stationCode":"ST-WELD","barcode":"OEM-ACME-PO-1002-S2"}`;
  }

  /** One scan through the OEM logic itself; the demo data is made as the stations would make it. */
  private async advance(customer: string, ref: string, stationCode: string): Promise<void> {
    const barcode =
      customer === 'ACME'
        ? `OEM-ACME-${ref}-S${await this.ticketRepository.currentSequence(customer, ref)}`
        : `OEM-GLOBEX-${ref}`;
    await inTransaction(this.dataSource, async (em) => {
      const answer = await this.scans.scan({ stationCode, barcode, outcome: 'pass' }, em);
      // thrown inside the transaction: a scan refused or failed part-way must leave nothing behind
      if (!('result' in answer) || !answer.result || answer.result.refusal)
        throw new Error(`demo scan ${barcode} at ${stationCode} was not applied`);
    });
  }
}
