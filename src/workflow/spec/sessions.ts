// Shared sessions of no-code agent nodes: nodes naming the same `session` talk to one agent session, spawned at its
// first use and kept until the run ends, so a loop's rounds (or a review after a draft) continue one conversation.
// This checks what a session needs: one agent profile and isolation for all its nodes, and no two of its turns at
// once (no use inside a parallel branch or a map running more than one item at a time). It must not run anything.

import type { SpecNode } from "./schema.ts";

export interface SessionIssue { node: SpecNode; message: string }

/** Problems with the `session` keys of the tree under `root`. */
export function checkSessions(root: SpecNode, defaultAgent: string | undefined): SessionIssue[] {
  const issues: SessionIssue[] = [];
  const first = new Map<string, Extract<SpecNode, { type: "agent" }>>();
  const walk = (n: SpecNode, concurrent: string | undefined): void => {
    switch (n.type) {
      case "agent": {
        if (n.session === undefined) return;
        if (concurrent) issues.push({ node: n, message: `session "${n.session}" is used ${concurrent}: a session takes one turn at a time (drop session, or use concurrency: 1)` });
        const f = first.get(n.session);
        if (!f) return void first.set(n.session, n);
        const agent = n.agent ?? defaultAgent;
        if (agent !== (f.agent ?? defaultAgent) || (n.isolation ?? "none") !== (f.isolation ?? "none")) {
          issues.push({ node: n, message: `session "${n.session}" is already ${f.path} (id "${f.id}")'s, with agent ${f.agent ?? "(default)"}${f.isolation ? ` and isolation ${f.isolation}` : ""}: its nodes must name the same agent and isolation` });
        }
        return;
      }
      case "parallel":
        return n.children.forEach((c) => walk(c, concurrent ?? `inside parallel "${n.id}"`));
      case "sequence":
        return n.children.forEach((c) => walk(c, concurrent));
      case "map": {
        const k = n.concurrency ?? 4;
        return walk(n.body, concurrent ?? (k > 1 ? `inside map "${n.id}", which runs ${k} items at once` : undefined));
      }
      case "loop":
        return walk(n.body, concurrent);
      case "if":
        walk(n.then, concurrent);
        if (n.else) walk(n.else, concurrent);
        return;
      default:
        return;
    }
  };
  walk(root, undefined);
  return issues;
}
