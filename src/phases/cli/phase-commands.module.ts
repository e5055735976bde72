import { Module } from '@nestjs/common';
import { PhasesModule } from '../phases.module.js';
import { RollbackModule } from '../rollback/rollback.module.js';
import { PhaseStatusModule } from '../status/phase-status.module.js';
import { BackupCommand } from './backup.command.js';
import {
  FlagsCommand,
  FlagsListCommand,
  FlagsRulesClearCommand,
  FlagsRulesCommand,
  FlagsRulesSetCommand,
  FlagsSetCommand,
} from './flags.command.js';
import { PhasesCommand, PhasesEnableCommand, PhasesResolveCommand, PhasesStatusCommand } from './phases.command.js';
import { RestoreCommand } from './restore.command.js';
import { RetentionCommand, RetentionRunCommand, RetentionStatusCommand } from './retention.command.js';
import { RetentionModule } from '../retention/retention.module.js';
import { AdviceModule } from '../advice/advice.module.js';
import { RollbackAdviseCommand } from './rollback-advise.command.js';
import { RollbackDrillCommand } from './rollback-drill.command.js';
import { RollbackCommand } from './rollback.command.js';
import {
  RolloutAbortCommand,
  RolloutAdvanceCommand,
  RolloutCommand,
  RolloutPauseCommand,
  RolloutPlanCommand,
  RolloutResumeCommand,
  RolloutStatusCommand,
} from './rollout.command.js';
import { RolloutModule } from '../rollout/rollout.module.js';

/** The operator's phase commands: status, flags, rollback, backup, restore, roll forward, retention, rollout. */
@Module({
  imports: [PhasesModule, RollbackModule, PhaseStatusModule, RetentionModule, RolloutModule, AdviceModule],
  providers: [
    PhasesCommand,
    PhasesStatusCommand,
    PhasesEnableCommand,
    PhasesResolveCommand,
    FlagsCommand,
    FlagsListCommand,
    FlagsSetCommand,
    FlagsRulesCommand,
    FlagsRulesSetCommand,
    FlagsRulesClearCommand,
    RollbackCommand,
    RollbackDrillCommand,
    RollbackAdviseCommand,
    RestoreCommand,
    BackupCommand,
    RetentionCommand,
    RetentionStatusCommand,
    RetentionRunCommand,
    RolloutCommand,
    RolloutPlanCommand,
    RolloutStatusCommand,
    RolloutAdvanceCommand,
    RolloutPauseCommand,
    RolloutResumeCommand,
    RolloutAbortCommand,
  ],
})
export class PhaseCommandsModule {}
