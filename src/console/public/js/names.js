// Operator and team names by id, read once per page: the API answers ids, people read names.
import { api } from './api.js';

export async function directory() {
  const [operators, teams] = await Promise.all([api('GET', '/operators'), api('GET', '/teams')]);
  const ops = new Map(operators.map((o) => [o.id, o]));
  const crews = new Map(teams.map((t) => [t.id, t]));
  return {
    operators,
    operator: (id) =>
      id === null || id === undefined
        ? '—'
        : ops.has(id)
          ? `${ops.get(id).name} (${ops.get(id).code})`
          : `operator ${id}`,
    team: (id) =>
      id === null || id === undefined
        ? '—'
        : crews.has(id)
          ? `${crews.get(id).name} (${crews.get(id).code})`
          : `team ${id}`,
  };
}
