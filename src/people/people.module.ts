import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AssignmentModule } from '../assignment/assignment.module.js';
import { PhasesModule } from '../phases/phases.module.js';
import { CacheWriter } from './cache-writer.js';
import { MaskingPolicy } from './entities/masking-policy.entity.js';
import { PeopleAvailability } from './entities/people-availability.entity.js';
import { PeopleOperator } from './entities/people-operator.entity.js';
import { PeopleSyncError } from './entities/people-sync-error.entity.js';
import { PeopleTeam } from './entities/people-team.entity.js';
import { MaskingPolicyService } from './masking-policy.service.js';
import { PeopleCacheWriteRepository } from './people-cache-write.repository.js';
import { PeopleCacheRepository } from './people-cache.repository.js';
import { PeopleCacheService } from './people-cache.service.js';
import { PeopleOperatorDirectory } from './people-directory.js';
import { PeopleDirectoryRepository } from './people-directory.repository.js';
import { PeopleClient } from './people-client.js';
import { PeopleController } from './people.controller.js';
import { PeoplePhase } from './people.phase.js';
import { PeopleStatusService } from './people-status.service.js';
import { PeopleSyncService } from './people-sync.service.js';
import { SyncErrorLog } from './sync-error-log.service.js';

/** Phase 9: read-only People integration. */
@Module({
  imports: [
    PhasesModule,
    AssignmentModule,
    TypeOrmModule.forFeature([PeopleOperator, PeopleTeam, PeopleAvailability, MaskingPolicy, PeopleSyncError]),
  ],
  controllers: [PeopleController],
  providers: [
    PeoplePhase,
    PeopleClient,
    CacheWriter,
    PeopleCacheWriteRepository,
    MaskingPolicyService,
    SyncErrorLog,
    PeopleSyncService,
    PeopleCacheService,
    PeopleCacheRepository,
    PeopleStatusService,
    PeopleOperatorDirectory,
    PeopleDirectoryRepository,
  ],
})
export class PeopleModule {}
