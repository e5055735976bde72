import { phaseSchema } from '../phases/guard/migration-guard.js';

/**
 * What Phase 8 owns, declared once for its phase definition and its migration's guarded
 * down(). Parents before children: a restore writes them in this order, a drop reverses it.
 * None is rebuildable: tickets, rules and the shadow log exist nowhere else.
 */
export const PHASE_8_SCHEMA = phaseSchema(8, [
  { name: 'oem_job_ticket', rebuildable: false },
  { name: 'oem_job_ticket_step', rebuildable: false },
  { name: 'oem_scan_rule', rebuildable: false },
  { name: 'oem_shadow_result', rebuildable: false },
]);
