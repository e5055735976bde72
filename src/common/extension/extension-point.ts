import { Injectable, OnModuleInit, SetMetadata } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

/**
 * A port in a lower module that a higher one plugs into: the core's scan pre-handler and
 * automatic assigner, Phase 7's operator directory, the demo seed's contributors. The lower
 * module declares the point; the higher one decorates its provider with @Extends(point); the
 * ExtensionRegistry finds them through Nest's discovery. Nobody calls register().
 */
export class ExtensionPoint<T> {
  /** Only ties the point to the type of its extensions. */
  declare readonly extensionType: T;

  constructor(
    readonly name: string,
    /** `one`: at most one extension, the app refuses to start with two. */
    readonly capacity: 'one' | 'many',
  ) {}
}

const EXTENDS = 'phasegate:extends';

/** Plugs the decorated provider into `point`. */
export const Extends = <T>(point: ExtensionPoint<T>) => SetMetadata(EXTENDS, point);

@Injectable()
export class ExtensionRegistry implements OnModuleInit {
  private extensions?: Map<ExtensionPoint<unknown>, unknown[]>;

  constructor(private readonly discovery: DiscoveryService) {}

  /** Every provider exists before any onModuleInit runs: a point that takes one refuses two at start. */
  onModuleInit(): void {
    this.discovered();
  }

  all<T>(point: ExtensionPoint<T>): readonly T[] {
    return (this.discovered().get(point) ?? []) as T[];
  }

  /** The one extension of a `one` point, or null when nothing is plugged in. */
  one<T>(point: ExtensionPoint<T>): T | null {
    return this.all(point)[0] ?? null;
  }

  /** Puts `extensions` in place of what is plugged into `point`: for tests of a port on its own. */
  replace<T>(point: ExtensionPoint<T>, extensions: T[]): void {
    this.discovered().set(point, extensions);
  }

  private discovered(): Map<ExtensionPoint<unknown>, unknown[]> {
    if (this.extensions) return this.extensions;
    this.extensions = new Map();
    for (const wrapper of this.discovery.getProviders()) {
      const point =
        wrapper.metatype && wrapper.instance
          ? (Reflect.getMetadata(EXTENDS, wrapper.metatype) as ExtensionPoint<unknown> | undefined)
          : undefined;
      if (!point) continue;
      const found = this.extensions.get(point) ?? [];
      if (!found.includes(wrapper.instance)) found.push(wrapper.instance);
      this.extensions.set(point, found);
    }
    for (const [point, found] of this.extensions) {
      if (point.capacity === 'one' && found.length > 1) {
        throw new Error(
          `Extension point ${point.name} takes one extension; found ${found.map((e) => (e as object).constructor.name).join(', ')}`,
        );
      }
    }
    return this.extensions;
  }
}
