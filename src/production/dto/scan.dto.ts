import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { TokenStatus } from '../entities/token.entity.js';
import { Omittable } from '../../common/validation/omittable.js';

export class ScanDto {
  @ApiProperty({ example: 'ST-WELD', description: "The scanning station; must serve the token's current node" })
  @IsString()
  @Length(1, 50)
  stationCode!: string;
  @ApiProperty({ example: 'J-2024-001-0001', description: 'The token serial read from its barcode' })
  @IsString()
  @Length(1, 120)
  barcode!: string;
  @ApiPropertyOptional({
    example: 'pass',
    default: 'pass',
    description:
      'Outcome used when this scan completes work at a node with several outgoing edges (a QC node: pass or fail)',
  })
  @Omittable()
  @IsString()
  @Length(1, 32)
  outcome?: string;
  @ApiPropertyOptional({ example: 'OP-01', description: 'The operator at the station, recorded on the events' })
  @Omittable()
  @IsString()
  @Length(1, 50)
  operatorCode?: string;
}

class ScannedTokenDto {
  @ApiProperty() id!: number;
  @ApiProperty() serial!: string;
  @ApiProperty({ enum: TokenStatus }) status!: TokenStatus;
  @ApiProperty({ description: 'The node the token is at after the scan' }) nodeCode!: string;
  @ApiProperty() version!: number;
}

export class ScanResultDto {
  @ApiProperty({ example: 'manual', description: '`manual`, or the integration that handled the scan' })
  handledBy!: string;
  @ApiProperty({
    example: 'started',
    description: '`started`, `completed` (and routed to the next node) or `finished` (routed to an end node)',
  })
  action!: string;
  @ApiProperty({ type: ScannedTokenDto, nullable: true }) token!: ScannedTokenDto | null;
  @ApiPropertyOptional({ description: 'On completion: the node the token left' }) fromNodeCode?: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'On completion: the outcome label of the edge taken',
  })
  outcome?: string | null;
  @ApiPropertyOptional({ description: 'A note from the handler' }) message?: string;
  @ApiProperty({
    description:
      'True when this repeated an accepted scan inside the de-duplication window: the first result, nothing advanced',
  })
  duplicate!: boolean;
  @ApiProperty({ description: 'When the accepted scan happened' }) scannedAt!: Date;
}
