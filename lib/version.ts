// The version, in one place (the bundle inlines it; no package.json read at start-up).
export const VERSION = '0.1.0';
