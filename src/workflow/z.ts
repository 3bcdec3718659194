// `z` from "aegis": the schema builder a workflow describes its arguments with. At run time it is zod itself (the copy
// aegis embeds, so a workflow file needs no zod installed, also under the compiled binary); its types here are the
// part of zod's API that suits command-line arguments, declared by hand so the public types stay self-contained (the
// bundle in dist/types must type-check with no node_modules). A schema from an installed zod works as well.
// It must not grow into a copy of zod's types: anything beyond arguments belongs to a real `import { z } from "zod"`.

import { z as zod } from "zod";
import type { ArgsSchema } from "./arg-schema.ts";

/** A schema for one argument; `Out` is the value the workflow receives. */
export interface ArgSchema<Out> extends ArgsSchema<Out> {
  /** The argument may be left out (the workflow gets `undefined`). */
  optional(): ArgSchema<Out | undefined>;
  /** The value used when the argument is left out; `--help` shows it. */
  default(value: NonNullable<Out>): ArgSchema<NonNullable<Out>>;
  /** One line for `aegis run <workflow> --help`. */
  describe(text: string): this;
}

export interface StringArg extends ArgSchema<string> {
  min(length: number, message?: string): this;
  max(length: number, message?: string): this;
  regex(pattern: RegExp, message?: string): this;
}

export interface NumberArg extends ArgSchema<number> {
  /** A whole number. */
  int(message?: string): this;
  min(value: number, message?: string): this;
  max(value: number, message?: string): this;
  positive(message?: string): this;
  nonnegative(message?: string): this;
}

export interface ArrayArg<T> extends ArgSchema<T[]> {
  min(items: number, message?: string): this;
  max(items: number, message?: string): this;
}

/** The fields of an object schema: each an argument's schema. */
export type ArgShape = Record<string, ArgSchema<any>>;

type OutOf<S> = S extends ArgSchema<infer O> ? O : never;
type OptionalKeys<S extends ArgShape> = { [K in keyof S]: undefined extends OutOf<S[K]> ? K : never }[keyof S];
/** What a workflow with this shape receives: the optional arguments are optional properties. */
export type ArgsOf<S extends ArgShape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: OutOf<S[K]> } & { [K in OptionalKeys<S>]?: OutOf<S[K]> };

export interface ObjectArg<S extends ArgShape> extends ArgSchema<{ [K in keyof ArgsOf<S>]: ArgsOf<S>[K] }> {
  readonly shape: S;
}

/** The builder: `z.object({ topic: z.string().default("x"), count: z.number().int().min(1).default(3) })`. */
export interface ArgBuilder {
  object<S extends ArgShape>(shape: S): ObjectArg<S>;
  string(): StringArg;
  number(): NumberArg;
  boolean(): ArgSchema<boolean>;
  enum<const T extends readonly [string, ...string[]]>(values: T): ArgSchema<T[number]>;
  array<T>(item: ArgSchema<T>): ArrayArg<T>;
}

/** zod, typed for arguments. */
export const z: ArgBuilder = zod as unknown as ArgBuilder;
