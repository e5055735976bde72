import { Injectable, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ExtensionPoint, ExtensionRegistry, Extends } from './extension-point.js';

interface Greeter {
  greet(): string;
}
const ONE = new ExtensionPoint<Greeter>('greeter', 'one');
const MANY = new ExtensionPoint<Greeter>('greeters', 'many');

@Injectable()
@Extends(ONE)
class English implements Greeter {
  greet = () => 'hello';
}

@Injectable()
@Extends(ONE)
class French implements Greeter {
  greet = () => 'bonjour';
}

@Injectable()
@Extends(MANY)
class Dutch implements Greeter {
  greet = () => 'hallo';
}

@Injectable()
@Extends(MANY)
class German implements Greeter {
  greet = () => 'hallo!';
}

async function registryWith(...providers: Array<new () => Greeter>) {
  @Module({ providers })
  class Plugins {}
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule, Plugins],
    providers: [ExtensionRegistry],
  }).compile();
  return moduleRef.init().then((app) => app.get(ExtensionRegistry));
}

describe('ExtensionRegistry', () => {
  it('finds the providers that extend each point, in any module', async () => {
    const registry = await registryWith(English, Dutch, German);
    expect(registry.one(ONE)?.greet()).toBe('hello');
    expect(registry.all(MANY).map((g) => g.greet())).toEqual(['hallo', 'hallo!']);
  });

  it('answers null and an empty list where nothing is plugged in', async () => {
    const registry = await registryWith();
    expect(registry.one(ONE)).toBeNull();
    expect(registry.all(MANY)).toEqual([]);
  });

  it('refuses to start with two extensions of a point that takes one, naming both', async () => {
    await expect(registryWith(English, French)).rejects.toThrow(
      'Extension point greeter takes one extension; found English, French',
    );
  });
});
