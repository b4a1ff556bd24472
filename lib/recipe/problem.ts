// A problem with a container spec: the field path it is about (so a recipe can point at file:line:col and the CLI
// at the flag), what is wrong, and how to fix it. Its own module so that the checks in other folders
// (lib/cgroup/resources.ts) and lib/recipe/validate.ts, which calls them, share it without importing each other.

export interface Problem {
  path: (string | number)[];
  message: string;
  hint?: string;
}
