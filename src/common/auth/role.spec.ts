import { Role, roleSatisfies } from './role.js';

describe('roleSatisfies', () => {
  it('lets higher roles act as lower ones', () => {
    expect(roleSatisfies(Role.Admin, [Role.Supervisor])).toBe(true);
    expect(roleSatisfies(Role.Supervisor, [Role.Operator])).toBe(true);
    expect(roleSatisfies(Role.Operator, [Role.Viewer])).toBe(true);
  });

  it('keeps stations to scanning and reading', () => {
    expect(roleSatisfies(Role.Station, [Role.Station])).toBe(true);
    expect(roleSatisfies(Role.Station, [Role.Viewer])).toBe(true);
    expect(roleSatisfies(Role.Station, [Role.Operator])).toBe(false);
    expect(roleSatisfies(Role.Operator, [Role.Station])).toBe(false);
  });

  it('never lets a lower role act as a higher one', () => {
    expect(roleSatisfies(Role.Viewer, [Role.Operator])).toBe(false);
    expect(roleSatisfies(Role.Supervisor, [Role.Admin])).toBe(false);
  });
});
