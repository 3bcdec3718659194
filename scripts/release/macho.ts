// Reads a 64-bit Mach-O executable and verifies its code signature the way the macOS kernel does, without codesign:
// LC_CODE_SIGNATURE → SuperBlob → CodeDirectory, then every page hash (SHA-256 or SHA-1 per 2^pageSize bytes up to
// codeLimit) and every special-slot hash (requirements, entitlements, …). Apple silicon refuses to run arm64 code whose
// signature does not verify, and Bun's cross-compiled darwin-x64 output keeps a stale one (see
// shared/reference/distribution.md §4); this is what catches it. Read-only: it never signs or repairs.

import { createHash } from "node:crypto";
import type { Section } from "./binfmt.ts";

export interface Signature {
  /** True when every check below passed. */
  valid: boolean;
  /** What failed, in words (empty when valid). */
  problems: string[];
  identifier: string;
  flags: number;
  hashType: "sha256" | "sha1" | string;
  pageSize: number;
  codeLimit: number;
  /** Where the signature starts in the file (LC_CODE_SIGNATURE dataoff). */
  dataOffset: number;
  pages: number;
  /** Indexes of the code pages whose hash does not match. */
  badPages: number[];
  /** True when the file ends exactly where the signature ends (nothing appended after signing). */
  endsAtSignature: boolean;
}

export interface MachOInfo {
  arch: string;
  filetype: number;
  sections: Section[];
  /** LC_BUILD_VERSION's minimum OS, e.g. "13.0". */
  minos?: string;
  signature?: Signature;
}

const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const LC_BUILD_VERSION = 0x32;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CSSLOT_CODEDIRECTORY = 0;
const CSSLOT_ALTERNATE_CODEDIRECTORIES = 0x1000;

function name16(buf: Uint8Array, at: number): string {
  const raw = buf.subarray(at, at + 16);
  const end = raw.indexOf(0);
  return new TextDecoder().decode(end === -1 ? raw : raw.subarray(0, end));
}

export function inspectMachO(buf: Uint8Array, view: DataView): MachOInfo {
  const cpu = view.getUint32(4, true);
  const arch = cpu === 0x01000007 ? "x64" : cpu === 0x0100000c ? "arm64" : `macho-cpu-0x${cpu.toString(16)}`;
  const filetype = view.getUint32(12, true);
  const ncmds = view.getUint32(16, true);
  const sections: Section[] = [];
  let minos: string | undefined;
  let sig: { off: number; size: number } | undefined;
  let at = 32;
  for (let i = 0; i < ncmds; i++) {
    const cmd = view.getUint32(at, true);
    const size = view.getUint32(at + 4, true);
    if (size < 8 || at + size > buf.length) throw new Error(`Mach-O load command ${i} is malformed`);
    if (cmd === LC_SEGMENT_64) {
      const nsects = view.getUint32(at + 64, true);
      for (let s = 0; s < nsects; s++) {
        const sh = at + 72 + s * 80;
        sections.push({
          name: `${name16(buf, sh + 16)},${name16(buf, sh)}`,
          size: Number(view.getBigUint64(sh + 40, true)), offset: view.getUint32(sh + 48, true),
        });
      }
    } else if (cmd === LC_CODE_SIGNATURE) {
      sig = { off: view.getUint32(at + 8, true), size: view.getUint32(at + 12, true) };
    } else if (cmd === LC_BUILD_VERSION) {
      const v = view.getUint32(at + 12, true);
      minos = `${v >>> 16}.${(v >>> 8) & 0xff}${v & 0xff ? `.${v & 0xff}` : ""}`;
    }
    at += size;
  }
  return { arch, filetype, sections, ...(minos ? { minos } : {}), ...(sig ? { signature: verifySignature(buf, sig.off, sig.size) } : {}) };
}

function digest(kind: string, data: Uint8Array): Buffer {
  return createHash(kind).update(data).digest();
}

/** Verifies the embedded signature at `off` (big-endian structures, unlike the rest of the file). */
export function verifySignature(buf: Uint8Array, off: number, size: number): Signature {
  const problems: string[] = [];
  const result: Signature = {
    valid: false, problems, identifier: "", flags: 0, hashType: "", pageSize: 0, codeLimit: 0, dataOffset: off,
    pages: 0, badPages: [], endsAtSignature: off + size === buf.length,
  };
  if (off + size > buf.length || size < 12) {
    problems.push(`the signature (${size} bytes at ${off}) lies outside the ${buf.length}-byte file`);
    return result;
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(off, false) !== CSMAGIC_EMBEDDED_SIGNATURE) {
    problems.push("LC_CODE_SIGNATURE does not point at an embedded-signature SuperBlob");
    return result;
  }
  const blobs = new Map<number, number>(); // slot type → absolute offset
  const count = view.getUint32(off + 8, false);
  for (let i = 0; i < count; i++) blobs.set(view.getUint32(off + 12 + i * 8, false), off + view.getUint32(off + 16 + i * 8, false));

  // Prefer a SHA-256 CodeDirectory (the primary may be SHA-1 with a SHA-256 alternate).
  const cds = [CSSLOT_CODEDIRECTORY, ...[0, 1, 2, 3, 4].map((i) => CSSLOT_ALTERNATE_CODEDIRECTORIES + i)]
    .map((slot) => blobs.get(slot)).filter((o): o is number => o !== undefined);
  const cd = cds.find((o) => buf[o + 37] === 2) ?? cds[0];
  if (cd === undefined || view.getUint32(cd, false) !== CSMAGIC_CODEDIRECTORY) {
    problems.push("the signature has no CodeDirectory");
    return result;
  }
  const version = view.getUint32(cd + 8, false);
  result.flags = view.getUint32(cd + 12, false);
  const hashOffset = view.getUint32(cd + 16, false);
  result.identifier = new TextDecoder().decode(buf.subarray(cd + view.getUint32(cd + 20, false)).subarray(0, 256)).split("\0")[0]!;
  const nSpecial = view.getUint32(cd + 24, false);
  const nCode = view.getUint32(cd + 28, false);
  let codeLimit = view.getUint32(cd + 32, false);
  if (version >= 0x20300 && codeLimit === 0) codeLimit = Number(view.getBigUint64(cd + 56, false));
  const hashSize = buf[cd + 36]!;
  const hashKind = buf[cd + 37] === 2 ? "sha256" : buf[cd + 37] === 1 ? "sha1" : `hash-type-${buf[cd + 37]}`;
  result.hashType = hashKind;
  result.pageSize = buf[cd + 39] ? 2 ** buf[cd + 39]! : 0;
  result.codeLimit = codeLimit;
  if (hashKind !== "sha256" && hashKind !== "sha1") {
    problems.push(`unsupported hash type ${hashKind}`);
    return result;
  }
  if (codeLimit !== off) problems.push(`codeLimit is ${codeLimit} but the signature starts at ${off}: it signs a different file layout`);
  const page = result.pageSize || codeLimit;
  const expectedPages = page ? Math.ceil(codeLimit / page) : 0;
  if (nCode !== expectedPages) problems.push(`${nCode} code slots for ${expectedPages} pages`);
  result.pages = nCode;

  for (let i = 0; i < nCode; i++) {
    const from = i * page;
    const to = Math.min(from + page, codeLimit, buf.length);
    const want = buf.subarray(cd + hashOffset + i * hashSize, cd + hashOffset + (i + 1) * hashSize);
    if (from >= to || !digest(hashKind, buf.subarray(from, to)).equals(want)) result.badPages.push(i);
  }
  if (result.badPages.length) problems.push(`${result.badPages.length} of ${nCode} page hashes do not match`);

  // Special slots (-1 Info.plist, -2 requirements, -5 entitlements, …): a blob present in the SuperBlob must hash to its slot.
  for (let slot = 1; slot <= nSpecial; slot++) {
    const want = buf.subarray(cd + hashOffset - slot * hashSize, cd + hashOffset - (slot - 1) * hashSize);
    const blob = blobs.get(slot);
    if (blob === undefined) continue; // e.g. Info.plist or resources: outside the file, not checkable here
    const got = digest(hashKind, buf.subarray(blob, blob + view.getUint32(blob + 4, false)));
    if (!got.equals(want)) problems.push(`special slot -${slot} hash does not match its blob`);
  }
  result.valid = problems.length === 0;
  return result;
}
