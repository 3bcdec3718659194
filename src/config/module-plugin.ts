// Makes `import … from "aegis"` resolve in user files (.aegis.ts, workflows) to this very copy of aegis, whether it
// runs from source, from the npm package or inside the compiled binary (where no node_modules exists).
// One copy matters: the workflow registry and error codes must be shared with the files the user writes.

let registered: Promise<void> | undefined;

export function registerAegisModule(): Promise<void> {
  registered ??= (async () => {
    const api = { ...(await import("../index.ts")) };
    Bun.plugin({
      name: "aegis-module",
      setup(build) {
        build.module("aegis", () => ({ exports: api, loader: "object" }));
      },
    });
  })();
  return registered;
}
