import { CorePlatform1764000000000 } from './1764000000000-Core-Platform.js';
import { CoreProduction1764000100000 } from './1764000100000-Core-Production.js';
import { CoreFramework1764000200000 } from './1764000200000-Core-Framework.js';
import { CoreRollback1764000300000 } from './1764000300000-Core-Rollback.js';
import { CorePhaseManifest1764000400000 } from './1764000400000-Core-PhaseManifest.js';
import { Phase7Assignment1764000700000 } from './1764000700000-Phase7-Assignment.js';
import { Phase8Oem1764000800000 } from './1764000800000-Phase8-Oem.js';
import { Phase9People1764000900000 } from './1764000900000-Phase9-People.js';
import { Phase10Dashboard1764001000000 } from './1764001000000-Phase10-Dashboard.js';

/**
 * Every migration, oldest first. Names follow <timestamp>-<Core|PhaseN>-<Name>; a class
 * named PhaseN... belongs to phase N and is reverted with that phase.
 */
export const ALL_MIGRATIONS = [
  CorePlatform1764000000000,
  CoreProduction1764000100000,
  CoreFramework1764000200000,
  CoreRollback1764000300000,
  CorePhaseManifest1764000400000,
  Phase7Assignment1764000700000,
  Phase8Oem1764000800000,
  Phase9People1764000900000,
  Phase10Dashboard1764001000000,
];
