// Who is calling the MCP plane. A session's identity comes only from the secret minted for it when it was spawned:
// the table maps a SHA-256 of each live secret to its session handle, and a secret is forgotten the moment its
// session is detached. The operator (a person's own agent over `aegis mcp` stdio) is the only other caller.
// It must never take an identity from a tool's arguments, and never log or keep a secret in plain text.

import { newSecret } from "../util/ids.ts";
import type { SenderTag } from "../session/sender.ts";

/** An authenticated caller: a session aegis spawned (by its handle), or the operator over stdio. */
export type Caller = { kind: "session"; handle: string } | { kind: "operator" };

export const OPERATOR: Caller = Object.freeze({ kind: "operator" });

/** The sender tag recorded on every message and task a caller produces. The operator is the user. */
export function senderOf(caller: Caller): SenderTag {
  return caller.kind === "session" ? `agent:${caller.handle}` : "user";
}

/** A short human name for a caller, for messages and logs. */
export function describeCaller(caller: Caller): string {
  return caller.kind === "session" ? caller.handle : "the operator";
}

function digest(secret: string): string {
  return new Bun.CryptoHasher("sha256").update(secret).digest("hex");
}

/** Live secrets → session handles. One secret per handle; minting again for a handle revokes the old one. */
export class SecretTable {
  private readonly byDigest = new Map<string, string>();
  private readonly digestByHandle = new Map<string, string>();

  /** A fresh secret for `handle`; any earlier secret of that handle stops working. */
  mint(handle: string): string {
    this.revoke(handle);
    const secret = newSecret();
    const d = digest(secret);
    this.byDigest.set(d, handle);
    this.digestByHandle.set(handle, d);
    return secret;
  }

  /** Forgets `handle`'s secret; later requests carrying it are refused. Idempotent. */
  revoke(handle: string): void {
    const d = this.digestByHandle.get(handle);
    if (d === undefined) return;
    this.byDigest.delete(d);
    this.digestByHandle.delete(handle);
  }

  /** The caller a secret stands for, or undefined when it is unknown or revoked. */
  resolve(secret: string): Caller | undefined {
    if (!secret) return undefined;
    const handle = this.byDigest.get(digest(secret));
    return handle === undefined ? undefined : { kind: "session", handle };
  }

  /** Whether `handle` currently holds a secret. */
  has(handle: string): boolean {
    return this.digestByHandle.has(handle);
  }

  /** Handles that currently hold a secret. */
  handles(): string[] {
    return [...this.digestByHandle.keys()];
  }

  get size(): number {
    return this.byDigest.size;
  }
}

/** The secret carried by a request's `Authorization: Bearer <secret>` header, or "" when there is none. */
export function bearerSecret(authorization: string | null): string {
  if (!authorization) return "";
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m?.[1] ?? "";
}
