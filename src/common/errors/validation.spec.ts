import { rawInputErrors } from './validation.js';

describe('rawInputErrors', () => {
  it('names fields called like Object members, at any depth, and leaves others alone', () => {
    const body = JSON.parse(
      '{"name":"x","__proto__":{"a":1},"nodes":[{"code":"A","constructor":1}],"meta":{"toString":"y"}}',
    );
    expect(rawInputErrors(body)).toEqual([
      { field: '__proto__', messages: ['property __proto__ should not exist'] },
      { field: 'nodes.0.constructor', messages: ['property constructor should not exist'] },
      { field: 'meta.toString', messages: ['property toString should not exist'] },
    ]);
  });

  it('names lone surrogates in values and in names, and accepts real pairs', () => {
    expect(rawInputErrors({ a: 'ok \u{1F600}', b: ['x', 'bad \ud800'], ['\udc00']: 1 })).toEqual([
      { field: 'b.1', messages: ['b.1 must not contain a lone UTF-16 surrogate'] },
      { field: '\ufffd', messages: ['a field name must not contain a lone UTF-16 surrogate'] },
    ]);
  });
});
