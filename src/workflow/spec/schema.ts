// The no-code workflow file format (workflows/*.yaml|*.yml|*.json): one zod shape per node type, used twice — with
// children typed `unknown`, so validate.ts checks one node at a time and reports each mistake at its node path, and
// with children typed as nodes, for the JSON Schema `aegis workflow schema` prints for editors. It must not check
// references, agents or JSON Schemas (validate.ts does) nor run anything.

import { z } from "zod";

/** An id: a name selectors and templates can use (`review.verdict`), so no dots or spaces. */
export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Names templates reserve: an id may not take them. */
export const RESERVED_IDS = ["args", "item", "index"] as const;

const id = z.string().regex(ID_PATTERN, "an id is a letter or _ then letters, digits, _ or - (it is used in selectors such as review.verdict)")
  .describe("Unique in the file; later nodes refer to this node's output by it.");
const text = (what: string) => z.string().min(1, `${what} must not be empty`);
const duration = z.union([z.string().min(1), z.number().int().positive()]);

/** `{ shell: "<cmd>" }` holds when the command exits 0; `{ judge: "<condition>" }` when an agent decides it does. */
export const PredicateShapes = [
  z.strictObject({
    shell: text("shell").describe("A shell command (templates allowed, each value inserted as one shell-quoted word); holds when it exits 0."),
    cwd: z.string().optional().describe("Working directory, relative to the project root."),
  }),
  z.strictObject({
    judge: text("judge").describe("A condition in words (templates allowed); an agent answers { decision, reason }."),
    agent: z.string().min(1).optional().describe("The agent that judges; default the config's defaultAgent."),
  }),
] as const;
export const PredicateSchema = z.union(PredicateShapes);
export type Predicate = z.infer<typeof PredicateSchema>;

/** The per-type shapes; `child` is the schema of a nested node. */
export function nodeShapes<C extends z.ZodType>(child: C) {
  const base = { id, description: z.string().optional().describe("What this node is for (not used at run time).") };
  return {
    agent: z.strictObject({
      type: z.literal("agent"), ...base,
      agent: z.string().min(1).optional().describe("The agent profile (a key of `agents`); default the config's defaultAgent."),
      prompt: text("prompt").describe("The message sent; {{ selector }} templates see args, earlier node ids, item/index in a map."),
      isolation: z.enum(["worktree", "none"]).optional().describe("\"worktree\": the agent works in its own git worktree (branch aegis/<handle>)."),
      session: z.string().regex(ID_PATTERN, "a session name is a letter or _ then letters, digits, _ or -").optional()
        .describe("Nodes naming the same session continue one conversation (one agent, kept until the run ends); default a fresh agent per node."),
      schema: z.record(z.string(), z.unknown()).optional()
        .describe("A JSON Schema the reply must match: the output is the parsed JSON. One retry with the validation error."),
    }),
    bash: z.strictObject({
      type: z.literal("bash"), ...base,
      run: text("run").describe("A bash command; templates allowed, each value inserted as one shell-quoted word."),
      cwd: z.string().optional().describe("Working directory, relative to the project root."),
      timeout: duration.optional().describe("\"90s\", \"10m\" or ms: past it the command is killed and the run fails."),
      env: z.record(z.string(), z.string()).optional().describe("Extra environment variables."),
      check: z.boolean().optional().describe("true: a non-zero exit fails the run (default: it is the node's output, { exit, stdout, stderr })."),
    }),
    human: z.strictObject({
      type: z.literal("human"), ...base,
      question: text("question").describe("The question (templates allowed); answered on the terminal, with --answer <id>=… (inside a map <id>#<index>), or by the calling agent."),
      options: z.array(text("an option")).min(1).optional().describe("The allowed answers."),
    }),
    workflow: z.strictObject({
      type: z.literal("workflow"), ...base,
      workflow: text("workflow").describe("The name of another registered workflow (TypeScript or no-code)."),
      args: z.record(z.string(), z.unknown()).optional()
        .describe("Its arguments; strings are templates, and a string that is one {{ selector }} passes the value itself."),
    }),
    sequence: z.strictObject({
      type: z.literal("sequence"), ...base,
      children: z.array(child).min(1, "children must hold at least one node").describe("Run one after another; the output is an object by child id."),
    }),
    parallel: z.strictObject({
      type: z.literal("parallel"), ...base,
      children: z.array(child).min(1, "children must hold at least one node").describe("Run at once; the output is an object by child id."),
    }),
    map: z.strictObject({
      type: z.literal("map"), ...base,
      over: text("over").describe("A selector naming a list: args.files, plan.tasks, …"),
      concurrency: z.number().int().min(1).optional().describe("How many items run at once. Default 4."),
      maxItems: z.number().int().min(1).optional().describe("Fail when the list is longer; also the bound `aegis workflow plan` uses."),
      body: child.describe("Runs once per item; it sees `item` and `index`. The output is the list of its outputs."),
    }),
    loop: z.strictObject({
      type: z.literal("loop"), ...base,
      body: child.describe("Runs once per round; the output is the list of its outputs, one per round."),
      until: PredicateSchema.describe("Checked after each round; the loop ends when it holds. It sees the round's nodes."),
      maxRounds: z.number().int().min(1).describe("At most this many rounds."),
      exhausted: z.enum(["fail", "stop"]).optional().describe("When `until` never held: \"fail\" the run (default) or \"stop\" and go on."),
    }),
    if: z.strictObject({
      type: z.literal("if"), ...base,
      cond: PredicateSchema,
      // oxlint-disable-next-line unicorn/no-thenable -- `then` is the file format's key (a node, never a function)
      then: child.describe("Runs when cond holds."),
      else: child.optional().describe("Runs when it does not."),
    }),
  };
}

export type NodeType = keyof ReturnType<typeof nodeShapes>;
export const NODE_TYPES = Object.keys(nodeShapes(z.unknown())) as NodeType[];

/** One declared argument: `{ type, default?, description?, enum? }`. */
export const ArgDeclSchema = z.strictObject({
  type: z.enum(["string", "number", "integer", "boolean", "array", "object"]),
  default: z.unknown().optional().describe("Used when the argument is left out; without one the argument is required."),
  description: z.string().optional().describe("One line for `aegis run <file> --help`."),
  enum: z.array(z.union([z.string(), z.number()])).min(1).optional().describe("The allowed values."),
});
export type ArgDecl = z.infer<typeof ArgDeclSchema>;

/** The file's top level, with `root` left to the node checks. */
export const FileShape = z.strictObject({
  $schema: z.string().optional().describe("For editors: the file `aegis workflow schema` writes."),
  name: z.string().regex(/^\S+$/, "a name has no spaces").describe("The workflow's name: aegis run <name>."),
  description: z.string().optional().describe("One line shown by `aegis workflow list`."),
  args: z.record(z.string().regex(ID_PATTERN, "an argument name is a letter or _ then letters, digits, _ or -"), ArgDeclSchema).optional()
    .describe("The arguments: --key=value on the command line; templates read them as args.<name>."),
  resume: z.enum(["auto", "manual"]).optional().describe("Whether `aegis serve` resumes a crashed run at start (default auto)."),
  root: z.unknown(),
});

/** A node after validation. */
export type SpecNode =
  | (Base & { type: "agent"; agent?: string; prompt: string; isolation?: "worktree" | "none"; session?: string; schema?: Record<string, unknown> })
  | (Base & { type: "bash"; run: string; cwd?: string; timeout?: string | number; env?: Record<string, string>; check?: boolean })
  | (Base & { type: "human"; question: string; options?: string[] })
  | (Base & { type: "workflow"; workflow: string; args?: Record<string, unknown> })
  | (Base & { type: "sequence" | "parallel"; children: SpecNode[] })
  | (Base & { type: "map"; over: string; concurrency?: number; maxItems?: number; body: SpecNode })
  | (Base & { type: "loop"; body: SpecNode; until: Predicate; maxRounds: number; exhausted?: "fail" | "stop" })
  | (Base & { type: "if"; cond: Predicate; then: SpecNode; else?: SpecNode });
interface Base {
  id: string;
  description?: string;
  /** Where the node is in the file: `root.children[2]`. Set by validate.ts. */
  path: string;
}

/** A validated workflow file. */
export interface Spec {
  name: string;
  description?: string;
  args?: Record<string, ArgDecl>;
  resume?: "auto" | "manual";
  root: SpecNode;
  /** The file it came from, or a label such as `(dynamic)`. */
  source: string;
}

/** The JSON Schema of the file format, for editors (`aegis workflow schema`). */
export function specJsonSchema(): unknown {
  // One union object, reached through a lazy reference, so the JSON Schema names it once ($defs) and refers to it.
  let Node: z.ZodType = z.never();
  const ref = z.lazy(() => Node);
  Node = z.discriminatedUnion("type", Object.values(nodeShapes(ref)) as never).meta({ id: "node" });
  const File = FileShape.extend({ root: Node.describe("The node the run starts with; its output is the run's result.") });
  return {
    ...(z.toJSONSchema(File, { unrepresentable: "any", io: "input" }) as Record<string, unknown>),
    title: "aegis no-code workflow",
  };
}
