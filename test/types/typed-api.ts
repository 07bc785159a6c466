/*
 * Compile-time checks of the typed API. tsconfig.json builds this file, so a line marked
 * `@ts-expect-error` that compiles fails the build. test/app/type-checks.spec.ts also
 * compiles it without the markers and checks each marked line fails with the code it names
 * (and no other line fails), so a check cannot pass for the wrong reason.
 * Never run: it only has to compile.
 */
import { Injectable } from '@nestjs/common';
import * as v from 'valibot';
import { z } from 'zod';
import {
  defineSyncTask,
  SyncAction,
  SyncTask,
  type SyncContext,
  type SyncHealthIndicator,
  type SyncService,
} from '../../lib/index.js';

const Flags = defineSyncTask('flags', {
  schema: z.object({ darkMode: z.boolean(), rollout: z.array(z.string()) }),
});
/** A transforming schema: the source returns a string, readers get its length. */
const Length = defineSyncTask('length', {
  schema: v.pipe(
    v.string(),
    v.transform((s) => s.length),
  ),
});
/** No schema: the type is named. */
const Rates = defineSyncTask<{ eur: number; history: number[] }>('rates');

declare const sync: SyncService;
declare const health: SyncHealthIndicator;

export function reads(): unknown[] {
  const flags = sync.getData(Flags);
  const dark: boolean | undefined = flags?.darkMode;
  // @ts-expect-error TS2339 a property the schema does not have
  const light = flags?.lightMode;
  // @ts-expect-error TS2339 a property tokens do not have
  const nope = Flags.nope;
  // @ts-expect-error TS2322 the data is not a string
  const wrong: string | undefined = sync.getData(Flags);
  const length: number | undefined = sync.getData(Length);
  // @ts-expect-error TS2322 readers get the schema's output (a number), not its input (a string)
  const input: string | undefined = sync.getData(Length);
  const eur: number | undefined = sync.getData(Rates)?.eur;
  const untyped: unknown = sync.getData('flags');
  return [dark, light, nope, wrong, length, input, eur, untyped];
}

export function readonlyData(): void {
  const flags = sync.getData(Flags)!;
  // @ts-expect-error TS2540 the data is deep-frozen
  flags.darkMode = true;
  // @ts-expect-error TS2339 a frozen array has no sort()
  flags.rollout.sort();
  // @ts-expect-error TS2339 nor push(), with a type given to a string tag
  sync.getData<{ list: string[] }>('list')!.list.push('x');
  // @ts-expect-error TS2542 nor index assignment
  sync.getSnapshot(Rates)!.data.history[0] = 1;
}

export async function everyMethodTakesTheToken(): Promise<unknown[]> {
  const snapshot = sync.getSnapshot(Flags);
  const rollout: readonly string[] | undefined = snapshot?.data.rollout;
  const refreshed: number | undefined = (await sync.refresh(Length))?.data;
  sync.changes(Flags).subscribe((s) => s.data.darkMode satisfies boolean);
  await sync.whenReady([Flags, Length, 'plain']);
  const version = sync.getVersion(Flags);
  const modified = sync.getLastModified(Rates);
  // @ts-expect-error TS2345 a token of another task type where Rates' type is asked for
  sync.getData<{ eur: number; history: number[] }>(Flags);
  return [rollout, refreshed, version, modified];
}

export async function healthTypedByKey(): Promise<unknown[]> {
  const result = await health.isHealthy('flags-sync', { tags: [Flags, 'plain'] });
  const status: 'up' | 'down' = result['flags-sync'].status;
  const reason = result['flags-sync'].tasks?.flags?.reason;
  // @ts-expect-error TS2339 the result has only the key it was asked for
  const other = result.sync;
  const byDefault = (await health.isHealthy()).sync.status;
  return [status, reason, other, byDefault];
}

@Injectable()
export class Sources {
  @SyncTask('plain')
  plain(action: SyncAction, ctx: SyncContext) {
    return action === SyncAction.VERSION ? 1 : { tag: ctx.tag };
  }

  @SyncTask('async', { interval: 1_000 })
  async later(action: SyncAction) {
    return action === SyncAction.VERSION ? 'v1' : [1, 2];
  }

  @SyncTask(Flags)
  flags(action: SyncAction) {
    return action === SyncAction.VERSION ? 1 : { darkMode: true, rollout: ['eu'] };
  }

  @SyncTask(Length)
  async length(action: SyncAction) {
    return action === SyncAction.VERSION ? 1 : 'abc';
  }
}

export class Misfits {
  // @ts-expect-error TS1241 a getter is not a method
  @SyncTask('getter')
  get value() {
    return 1;
  }

  // @ts-expect-error TS1241 the first parameter is not a SyncAction
  @SyncTask('wrong-parameter')
  wrongParameter(count: number) {
    return count;
  }

  // @ts-expect-error TS1241 the method asks for a third argument it is never given
  @SyncTask('three-parameters')
  threeParameters(action: SyncAction, ctx: SyncContext, extra: string) {
    return extra;
  }

  // @ts-expect-error TS1241 the DATA does not fit the token's schema (darkMode is a boolean)
  @SyncTask(Flags)
  wrongData(action: SyncAction) {
    return action === SyncAction.VERSION ? 1 : { darkMode: 'yes', rollout: [] };
  }

  // @ts-expect-error TS1240 a property is not a method
  @SyncTask('property')
  property = (action: SyncAction) => action;
}

export const misdefined = [
  // @ts-expect-error TS2769 an option defineSyncTask does not have
  defineSyncTask('x', { schema: z.string(), ttl: 5 }),
  // @ts-expect-error TS2769 a schema that is not a Standard Schema
  defineSyncTask('y', { schema: { parse: (value: unknown) => value } }),
];
