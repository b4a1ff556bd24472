// What the project verbs report as they go: docker compose's progress lines, as data (the CLI prints them).

/** One line of progress, docker compose's: ` Container web-1  Started`. */
export interface UpEvent {
  object: 'Network' | 'Volume' | 'Container' | 'Service' | 'Pod';
  name: string;
  state: string;
}
