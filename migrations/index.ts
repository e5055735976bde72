import { CorePlatform1764000000000 } from './1764000000000-Core-Platform.js';
import { CoreProduction1764000100000 } from './1764000100000-Core-Production.js';
import { CoreFramework1764000200000 } from './1764000200000-Core-Framework.js';
import { CoreRollback1764000300000 } from './1764000300000-Core-Rollback.js';
import { CoreRowGuards1764000400000 } from './1764000400000-Core-RowGuards.js';
import { CorePhaseManifest1764000500000 } from './1764000500000-Core-PhaseManifest.js';
import { CoreFullBackup1764000610000 } from './1764000610000-Core-FullBackup.js';
import { CoreRollbackDrill1764000620000 } from './1764000620000-Core-RollbackDrill.js';
import { CoreRollbackHistory1764000630000 } from './1764000630000-Core-RollbackHistory.js';
import { CoreRetentionHorizon1764000640000 } from './1764000640000-Core-RetentionHorizon.js';
import { CoreFlagRules1764000650000 } from './1764000650000-Core-FlagRules.js';
import { CoreTokenQueueIndex1764000660000 } from './1764000660000-Core-TokenQueueIndex.js';
import { CorePathTelemetry1764000670000 } from './1764000670000-Core-PathTelemetry.js';
import { CoreRolloutPlans1764000680000 } from './1764000680000-Core-RolloutPlans.js';
import { CoreTokenEventTypeIndex1764000690000 } from './1764000690000-Core-TokenEventTypeIndex.js';
import { CoreTokenEventHistoryIndex1764000695000 } from './1764000695000-Core-TokenEventHistoryIndex.js';
import { CoreTokenEventTypedIndex1764000697000 } from './1764000697000-Core-TokenEventTypedIndex.js';

/**
 * The core schema's migrations, oldest first. A phase's migrations are declared by its
 * @Phase() definition instead (src/app.module.ts puts the two together). Names follow
 * <timestamp>-<Core|PhaseN>-<Name>; a class named PhaseN... belongs to phase N and is
 * reverted with that phase.
 */
export const CORE_MIGRATIONS = [
  CorePlatform1764000000000,
  CoreProduction1764000100000,
  CoreFramework1764000200000,
  CoreRollback1764000300000,
  CoreRowGuards1764000400000,
  CorePhaseManifest1764000500000,
  CoreFullBackup1764000610000,
  CoreRollbackDrill1764000620000,
  CoreRollbackHistory1764000630000,
  CoreRetentionHorizon1764000640000,
  CoreFlagRules1764000650000,
  CoreTokenQueueIndex1764000660000,
  CorePathTelemetry1764000670000,
  CoreRolloutPlans1764000680000,
  CoreTokenEventTypeIndex1764000690000,
  CoreTokenEventHistoryIndex1764000695000,
  CoreTokenEventTypedIndex1764000697000,
];
