import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEnum,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { NodeKind } from '../entities/production-graph.entity.js';
import type { GraphDetail } from '../graphs.service.js';
import { present } from '../../common/present.js';
import { Omittable } from '../../common/validation/omittable.js';

const CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const CODE_MESSAGE = 'must be letters, digits, _ . - (starting with a letter or digit)';

export class NodeInputDto {
  @ApiProperty({ example: 'WELD' })
  @IsString()
  @Length(1, 50)
  @Matches(CODE, { message: `code ${CODE_MESSAGE}` })
  code!: string;
  @ApiProperty({ example: 'Welding' }) @IsString() @Length(1, 200) name!: string;
  @ApiProperty({ enum: NodeKind }) @IsEnum(NodeKind) kind!: NodeKind;
  @ApiPropertyOptional({ example: 'ST-WELD', description: 'The scan station serving this node' })
  @Omittable()
  @IsString()
  @Length(1, 50)
  @Matches(CODE, { message: `stationCode ${CODE_MESSAGE}` })
  stationCode?: string;
}

export class EdgeInputDto {
  @ApiProperty({ example: 'WELD', description: 'code of the source node' }) @IsString() @Length(1, 50) from!: string;
  @ApiProperty({ example: 'QC', description: 'code of the target node' }) @IsString() @Length(1, 50) to!: string;
  @ApiPropertyOptional({
    example: 'pass',
    description: 'Required, and unique per source node, when a node has several outgoing edges',
  })
  @Omittable()
  @IsString()
  @Length(1, 32)
  outcome?: string;
}

export class GraphBodyDto {
  @ApiProperty({ example: 'Assembly line v1' }) @IsString() @Length(1, 200) name!: string;
  @ApiProperty({ type: [NodeInputDto] })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => NodeInputDto)
  nodes!: NodeInputDto[];
  @ApiProperty({ type: [EdgeInputDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2000)
  @ValidateNested({ each: true })
  @Type(() => EdgeInputDto)
  edges!: EdgeInputDto[];
}

export class CreateGraphDto extends GraphBodyDto {
  @ApiProperty({ example: 'ASSEMBLY-V1' })
  @IsString()
  @Length(1, 50)
  @Matches(CODE, { message: `code ${CODE_MESSAGE}` })
  code!: string;
}

export class NodeDto {
  @ApiProperty() id!: number;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: NodeKind }) kind!: NodeKind;
  @ApiProperty({ type: String, nullable: true }) stationCode!: string | null;
}

export class EdgeDto {
  @ApiProperty() id!: number;
  @ApiProperty({ description: 'source node code' }) from!: string;
  @ApiProperty({ description: 'target node code' }) to!: string;
  @ApiProperty({ type: String, nullable: true }) outcome!: string | null;
}

export class GraphDto {
  @ApiProperty() id!: number;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'A job uses the graph, so it can no longer change' }) inUse!: boolean;
  @ApiProperty({ type: [NodeDto] }) nodes!: NodeDto[];
  @ApiProperty({ type: [EdgeDto] }) edges!: EdgeDto[];

  static of(d: GraphDetail): GraphDto {
    const codes = new Map(d.nodes.map((n) => [n.id, n.code]));
    // an edge's foreign keys hold its nodes in the same graph
    const code = (id: number) => present(codes.get(id), `node #${id} of graph ${d.graph.code}`);
    return {
      id: d.graph.id,
      code: d.graph.code,
      name: d.graph.name,
      inUse: d.inUse,
      nodes: d.nodes.map((n) => ({ id: n.id, code: n.code, name: n.name, kind: n.kind, stationCode: n.stationCode })),
      edges: d.edges.map((e) => ({
        id: e.id,
        from: code(e.fromNodeId),
        to: code(e.toNodeId),
        outcome: e.outcome,
      })),
    };
  }
}
