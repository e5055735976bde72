import { schemaNotAppliedConflict } from '../phases/phase-schema.interceptor.js';

/** Phase 8's flag keys, as the rollback runbook names them. */
export const OEM_MODE = 'enable_oem_mode';
export const OEM_SHADOW_RUN = 'oem_shadow_run';
export const OEM_PHASE = 8;

/** The 409 every OEM route may answer, for its OpenAPI description. */
export const SCHEMA_CONFLICT = schemaNotAppliedConflict(OEM_PHASE);
