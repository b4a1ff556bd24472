// Compose input. A compose file (the Compose Specification: what docker compose and podman-compose read)
// describes an application as services — each one container, `<project>-<service>-1` — with the networks they
// share and the named volumes they keep. docker compose finds compose.yaml (or compose.yml, docker-compose.yml,
// docker-compose.yaml) in the working directory or a parent, adds compose.override.yaml beside it, interpolates
// `${VAR}` from the environment and `.env`, merges the files in order and names the project after `-p`,
// COMPOSE_PROJECT_NAME, `name:` or the directory. This folder does the same and returns a typed ComposeProject:
//   load.ts       discovery, .env, the per-file pipeline, the project name, profiles, reference checks
//   interpolate.ts, dotenv.ts   `${VAR:-default}` and friends; env files
//   schema.ts, errors.ts        the accepted subset (zod 4), errors at file:line:col
//   normalise.ts, units.ts      short forms → long forms; durations, sizes, ports, volumes, command words
//   merge.ts      the specification's merge rules, !reset and !override
//   model.ts      ComposeProject, ComposeService…      graph.ts  startOrder (waves, cycles)
//   render.ts     renderConfig (`docker compose config`)
// Nothing here starts a process or writes a file; the verbs that bring a project up build on it.

export { loadComposeProject, discoverFiles, normaliseProjectName, DEFAULT_FILES, OVERRIDE_FILES, type LoadOptions } from './load.ts';
export { startOrder, type StartOrderOptions } from './graph.ts';
export { renderConfig } from './render.ts';
export type * from './model.ts';
