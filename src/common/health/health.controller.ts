import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ConfigService } from '@nestjs/config';
import { AppMode, Environment } from '../../config/environment.js';
import { DataSource } from 'typeorm';
import { galeraNodeState } from '../../database/galera.js';
import { MigrationService } from '../../database/migration.service.js';
import { Public } from '../auth/auth.decorators.js';
import { ErrorResponseDto } from '../errors/error-response.dto.js';
import { LivenessDto, ReadinessDto } from './health.dto.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly migrations: MigrationService,
    private readonly config: ConfigService<Environment, true>,
    private readonly dataSource: DataSource,
  ) {}

  @ApiOperation({ summary: 'Liveness: the process is up' })
  @Public()
  @Get('live')
  @ApiOkResponse({ type: LivenessDto, description: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @ApiOperation({ summary: 'Readiness: database, migrations, mode' })
  @Public()
  @Get('ready')
  // terminus's own schemas would describe a 503 body that the exception filter replaces
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOkResponse({
    type: ReadinessDto,
    description: 'Database reachable (on Galera: its node synced) and no migration pending',
  })
  @ApiServiceUnavailableResponse({
    description:
      'Not ready: details name what is down; a load balancer takes the replica out until it answers 200 again',
    type: ErrorResponseDto,
  })
  ready() {
    const mode = this.config.getOrThrow('APP_MODE', { infer: true });
    return this.health.check([
      // the application's own connection, handed in: terminus's lookup of it imports @nestjs/typeorm
      // by name at run time, which from the bundle is a second copy that does not know this one
      () => this.db.pingCheck('database', { connection: this.dataSource }).withTimeout(2000),
      // a Galera node that is joining or donating answers the ping but not the next statement
      () =>
        this.indicators.check('galera').attempt(async () => {
          const node = await galeraNodeState(this.dataSource);
          if (node.galera && !node.ready) throw new Error(`node not synced: ${node.state}`);
          return node;
        }),
      () =>
        this.indicators.check('migrations').attempt(async () => {
          const pending = await this.migrations.pendingNames();
          if (pending.length > 0) throw new Error(`pending migrations: ${pending.join(', ')}`);
          return { pending: 0 };
        }),
      () => this.indicators.check('mode').up({ mode, readOnly: mode === AppMode.ReadOnly }),
    ]);
  }
}
