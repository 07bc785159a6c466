// Builds the published package twice from lib/: ES modules to dist/esm (tsconfig.build.json)
// and CommonJS to dist/cjs (tsconfig.cjs.json), each with its own .d.ts files. The
// package.json written into dist/cjs makes Node and TypeScript read that folder's .js and
// .d.ts as CommonJS although the package root says "type": "module" (what rxjs 7 does).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';

const tsc = (project) =>
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
tsc('tsconfig.build.json');
tsc('tsconfig.cjs.json');
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
writeFileSync('dist/esm/package.json', `${JSON.stringify({ type: 'module' })}\n`);
