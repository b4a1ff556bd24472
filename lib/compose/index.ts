// Compose input: a compose file (the Compose Specification, what docker compose and podman-compose read) →
// a typed ComposeProject. The verbs that bring a project up are built on this; nothing here starts anything.

export { loadComposeProject, discoverFiles, normaliseProjectName, type LoadOptions } from './load.ts';
export { startOrder, type StartOrderOptions } from './graph.ts';
export { renderConfig } from './render.ts';
export type * from './model.ts';
