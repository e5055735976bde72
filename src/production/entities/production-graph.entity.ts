import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum NodeKind {
  Start = 'start',
  Work = 'work',
  Qc = 'qc',
  End = 'end',
}

@Entity('production_graph')
export class ProductionGraph {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 50 }) code!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'datetime', precision: 3 }) createdAt!: Date;
  @Column({ type: 'datetime', precision: 3 }) updatedAt!: Date;
}

@Entity('graph_node')
export class GraphNode {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer' }) graphId!: number;
  @Column({ type: 'varchar', length: 50 }) code!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'varchar', length: 8 }) kind!: NodeKind;
  @Column({ type: 'varchar', length: 50, nullable: true }) stationCode!: string | null;
}

@Entity('graph_edge')
export class GraphEdge {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer' }) graphId!: number;
  @Column({ type: 'integer' }) fromNodeId!: number;
  @Column({ type: 'integer' }) toNodeId!: number;
  @Column({ type: 'varchar', length: 32, nullable: true }) outcome!: string | null;
}
