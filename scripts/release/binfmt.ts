// Reads the headers of an executable (ELF, PE or Mach-O) without binutils, so the build and the tests can check an
// asset for a platform this machine cannot run: its format, architecture, dynamic loader, libraries and sections
// (Bun's embedded bytecode lives in `.bun` in ELF and PE, `__BUN,__bun` in Mach-O). Read-only; knows nothing of aegis.

import { inspectMachO, type MachOInfo } from "./macho.ts";

export type Format = "elf" | "pe" | "macho";

export interface Section {
  name: string;
  offset: number;
  size: number;
}

export interface BinaryInfo {
  format: Format;
  /** Normalized: x64 or arm64 (anything else as a raw description, e.g. "elf-machine-40"). */
  arch: string;
  sections: Section[];
  /** ELF: the PT_INTERP loader, e.g. /lib/ld-musl-aarch64.so.1. */
  interpreter?: string;
  /** ELF: DT_NEEDED libraries. */
  needed?: string[];
  /** PE: 3 is the console subsystem, 2 the GUI one. */
  subsystem?: number;
  macho?: MachOInfo;
}

/** The size of Bun's embedded module graph (bytecode and sources), or 0 if the section is missing. */
export function bunSectionSize(info: BinaryInfo): number {
  const name = info.format === "macho" ? "__BUN,__bun" : ".bun";
  return info.sections.find((s) => s.name === name)?.size ?? 0;
}

/** Parses `buf` (the whole file). Throws with a plain message on anything that is not a 64-bit little-endian executable. */
export function inspectBinary(buf: Uint8Array): BinaryInfo {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length >= 4 && view.getUint32(0, false) === 0x7f454c46) return inspectElf(buf, view);
  if (buf.length >= 2 && buf[0] === 0x4d && buf[1] === 0x5a) return inspectPe(buf, view);
  if (buf.length >= 4 && view.getUint32(0, true) === 0xfeedfacf) {
    const macho = inspectMachO(buf, view);
    return { format: "macho", arch: macho.arch, sections: macho.sections, macho };
  }
  throw new Error("not an ELF, PE or 64-bit Mach-O executable");
}

function cString(buf: Uint8Array, at: number, max = 4096): string {
  let end = at;
  while (end < buf.length && end - at < max && buf[end] !== 0) end++;
  return new TextDecoder().decode(buf.subarray(at, end));
}

const num = (v: bigint): number => Number(v);

function inspectElf(buf: Uint8Array, view: DataView): BinaryInfo {
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error("ELF is not 64-bit little-endian");
  const machine = view.getUint16(0x12, true);
  const arch = machine === 0x3e ? "x64" : machine === 0xb7 ? "arm64" : `elf-machine-${machine}`;
  const phoff = num(view.getBigUint64(0x20, true));
  const shoff = num(view.getBigUint64(0x28, true));
  const phentsize = view.getUint16(0x36, true);
  const phnum = view.getUint16(0x38, true);
  const shentsize = view.getUint16(0x3a, true);
  const shnum = view.getUint16(0x3c, true);
  const shstrndx = view.getUint16(0x3e, true);

  let interpreter: string | undefined;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (view.getUint32(ph, true) === 3 /* PT_INTERP */) interpreter = cString(buf, num(view.getBigUint64(ph + 8, true)));
  }

  const raw: { nameOff: number; type: number; offset: number; size: number; link: number }[] = [];
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    if (sh + 64 > buf.length) throw new Error("ELF section table runs past the end of the file");
    raw.push({
      nameOff: view.getUint32(sh, true), type: view.getUint32(sh + 4, true),
      offset: num(view.getBigUint64(sh + 24, true)), size: num(view.getBigUint64(sh + 32, true)),
      link: view.getUint32(sh + 40, true),
    });
  }
  const strtab = raw[shstrndx];
  const sections = raw.map((s) => ({ name: strtab ? cString(buf, strtab.offset + s.nameOff) : "", offset: s.offset, size: s.size }));

  // DT_NEEDED entries live in the SHT_DYNAMIC section; their names in the string table it links to.
  const needed: string[] = [];
  const dyn = raw.find((s) => s.type === 6 /* SHT_DYNAMIC */);
  if (dyn) {
    const dynstr = raw[dyn.link];
    for (let at = dyn.offset; at + 16 <= dyn.offset + dyn.size; at += 16) {
      const tag = view.getBigInt64(at, true);
      if (tag === 0n) break;
      if (tag === 1n /* DT_NEEDED */ && dynstr) needed.push(cString(buf, dynstr.offset + num(view.getBigUint64(at + 8, true))));
    }
  }
  return { format: "elf", arch, sections, ...(interpreter !== undefined ? { interpreter } : {}), needed };
}

function inspectPe(buf: Uint8Array, view: DataView): BinaryInfo {
  const pe = view.getUint32(0x3c, true);
  if (pe + 24 > buf.length || view.getUint32(pe, false) !== 0x50450000) throw new Error("MZ file without a PE header");
  const coff = pe + 4;
  const machine = view.getUint16(coff, true);
  const arch = machine === 0x8664 ? "x64" : machine === 0xaa64 ? "arm64" : `pe-machine-0x${machine.toString(16)}`;
  const nsections = view.getUint16(coff + 2, true);
  const optSize = view.getUint16(coff + 16, true);
  const opt = coff + 20;
  if (view.getUint16(opt, true) !== 0x20b) throw new Error("PE optional header is not PE32+");
  const subsystem = view.getUint16(opt + 68, true);
  const sections: Section[] = [];
  for (let i = 0; i < nsections; i++) {
    const sh = opt + optSize + i * 40;
    sections.push({ name: cString(buf, sh, 8), size: view.getUint32(sh + 16, true), offset: view.getUint32(sh + 20, true) });
  }
  return { format: "pe", arch, sections, subsystem };
}
