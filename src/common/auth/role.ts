export enum Role {
  Admin = 'admin',
  Supervisor = 'supervisor',
  Operator = 'operator',
  Station = 'station',
  Viewer = 'viewer',
}

const ROLES: ReadonlySet<string> = new Set(Object.values(Role));

/** Whether `value`, as an operator typed it, names a role. */
export function isRole(value: string): value is Role {
  return ROLES.has(value);
}

/**
 * What each role may act as. A route names the least role it needs; higher roles inherit.
 * Stations are devices: they scan and read, nothing else.
 */
const GRANTS: Record<Role, readonly Role[]> = {
  [Role.Admin]: [Role.Admin, Role.Supervisor, Role.Operator, Role.Station, Role.Viewer],
  [Role.Supervisor]: [Role.Supervisor, Role.Operator, Role.Viewer],
  [Role.Operator]: [Role.Operator, Role.Viewer],
  [Role.Station]: [Role.Station, Role.Viewer],
  [Role.Viewer]: [Role.Viewer],
};

export function roleSatisfies(held: Role, anyOf: readonly Role[]): boolean {
  return anyOf.some((needed) => GRANTS[held].includes(needed));
}
