// The program's global flags as every command receives them (main.ts reads them, wherever they were typed).

import type { Lang } from '../plan/types.ts';

export interface Global {
  verbose?: boolean;
  lang: Lang;
}
