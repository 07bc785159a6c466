import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url)); // build/test/app
const root = resolve(here, '../../..');
const CHECKS = ['typed-api'];
const MARKER = /\/\/ @ts-expect-error (TS\d+)/;

/**
 * Compiles `file` with the repository's compiler options, but with every `@ts-expect-error`
 * marker turned into a plain comment, and returns its diagnostics as `line -> codes`.
 */
function diagnosticsWithoutMarkers(file: string): Map<number, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    },
  )!;
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => {
    const text = readFile(name);
    return resolve(name) === file ? text?.replaceAll('// @ts-expect-error', '// expected-error') : text;
  };
  const program = ts.createProgram([file], { ...config.options, noEmit: true }, host);
  const byLine = new Map<number, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program, program.getSourceFile(file))) {
    assert.ok(d.file && d.start !== undefined, ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    const line = d.file.getLineAndCharacterOfPosition(d.start).line;
    byLine.set(line, [...(byLine.get(line) ?? []), `TS${d.code}`]);
  }
  return byLine;
}

describe('compile-time checks (test/types)', () => {
  for (const name of CHECKS) {
    it(`${name}.ts is built by tsconfig.json, so a marked line that compiles fails the build`, () => {
      assert.ok(existsSync(join(root, 'build/test/types', `${name}.js`)), `build/test/types/${name}.js is missing`);
    });

    it(`${name}.ts: each marked line fails with the error it names, and no other line fails`, () => {
      const file = join(root, 'test/types', `${name}.ts`);
      const lines = readFileSync(file, 'utf8').split('\n');
      const expected = new Map<number, string>();
      lines.forEach((text, i) => {
        const code = MARKER.exec(text)?.[1];
        if (code) expected.set(i + 1, code);
      });
      assert.ok(expected.size >= 15, `only ${expected.size} marked lines in ${name}.ts`);
      const actual = diagnosticsWithoutMarkers(file);
      for (const [line, code] of expected) {
        assert.ok(
          actual.get(line)?.includes(code),
          `line ${line + 1} (${lines[line].trim()}): expected ${code}, got ${actual.get(line)?.join(', ') ?? 'no error'}`,
        );
        actual.delete(line);
      }
      assert.deepEqual([...actual], [], 'errors on lines without a marker');
    });
  }
});
