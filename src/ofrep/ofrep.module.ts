import { Module } from '@nestjs/common';
import { PhasesModule } from '../phases/phases.module.js';
import { OfrepController } from './ofrep.controller.js';
import { OfrepService } from './ofrep.service.js';

@Module({
  imports: [PhasesModule],
  controllers: [OfrepController],
  providers: [OfrepService],
})
export class OfrepModule {}
