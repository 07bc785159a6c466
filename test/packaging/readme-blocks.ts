import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './pack.helper.js';

/**
 * A code block of the README marked for the consumer apps:
 * `<!-- consumer:<stage> <app> [path] -->` right before a fenced block. `app` is `nest11`,
 * `nest12` or `*` (both); `path` is where a TypeScript block goes in the app.
 */
export interface ReadmeBlock {
  stage: string;
  app: string;
  path?: string;
  lang: string;
  code: string;
}

const MARKED = /<!-- consumer:(\S+) (\S+)(?: (\S+))? -->\n```(\w+)\n([\s\S]*?)\n```/g;

/** Every marked block of README.md, in order. */
export function readmeBlocks(): ReadmeBlock[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  return [...readme.matchAll(MARKED)].map(([, stage, app, path, lang, code]) => ({ stage, app, path, lang, code }));
}

/** TypeScript blocks of README.md that carry no consumer marker (a user could copy them untested). */
export function unmarkedTypeScriptBlocks(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  return [...readme.matchAll(/(^.*\n)?```ts\n([\s\S]*?)\n```/gm)]
    .filter(([, before]) => !before?.startsWith('<!-- consumer:'))
    .map(([, , code]) => code.split('\n')[0]);
}

/** The blocks of one stage for one app. */
export function blocksFor(blocks: ReadmeBlock[], stage: string, app: string): ReadmeBlock[] {
  return blocks.filter((b) => b.stage === stage && (b.app === app || b.app === '*'));
}

/**
 * A README TypeScript block as a Nest 11 (CommonJS) app needs it: relative imports without
 * the `.js` extension, which is what the README tells Nest 11 users to write (Jest cannot
 * map `./x.js` to `x.ts`). Package imports are left alone.
 */
export function forCommonJsApp(code: string): string {
  return code.replace(/(from '\.{1,2}\/[^']+)\.js'/g, "$1'");
}
