// The host's routing table, read from /proc/net/route (a file, no process started). The arithmetic on what it
// says lives in lib/net/cidr.ts, which reads nothing, so the pure planner can use it.

import { readFileSync } from 'node:fs';
import { parseProcRoutes, type HostRoute } from './cidr.ts';

// The host's routes as a fact (read from a file, no process started).
export function hostRoutes(file = '/proc/net/route'): HostRoute[] {
  try {
    return parseProcRoutes(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}
