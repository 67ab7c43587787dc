/** The project folders this UI opened lately (localStorage), so a user does not retype long paths. */
const KEY = 'ssro.recent-projects';
const MAX = 8;

export interface RecentProject {
  path: string;
  name: string;
}

export function readRecentProjects(): RecentProject[] {
  try {
    const parsed: unknown = JSON.parse(window.localStorage.getItem(KEY) ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (p): p is RecentProject =>
        typeof p === 'object' && p !== null && typeof (p as RecentProject).path === 'string' && typeof (p as RecentProject).name === 'string',
    );
  } catch {
    return [];
  }
}

export function rememberProject(project: RecentProject): void {
  const list = [project, ...readRecentProjects().filter((p) => p.path !== project.path)].slice(0, MAX);
  try {
    window.localStorage.setItem(KEY, JSON.stringify(list));
  } catch {
    // Storage disabled: nothing to remember then.
  }
}

export function forgetProject(path: string): RecentProject[] {
  const list = readRecentProjects().filter((p) => p.path !== path);
  try {
    window.localStorage.setItem(KEY, JSON.stringify(list));
  } catch {
    // ignore, as above
  }
  return list;
}
