// Every engine verb against the Scripted agent on a real runtime (store, sessions, queues), and how a run ends:
// done, failed (WorkflowError) vs crashed (TypeError), sessions auto-closed whatever the outcome.
import { describe, expect, test } from "bun:test";
import { getRun, listSteps } from "../../src/store/runs.ts";
import { PredicateFailed, WorkflowError } from "../../src/workflow/errors.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { echo, rig } from "./helpers.ts";

const body = (prompt: string) => prompt.split("\n").pop()!;

describe("engine verbs", () => {
  test("spawn and send: the reply's final text, a workflow header, usage and cost per step", async () => {
    const seen: string[] = [];
    await using r = rig({ agents: { writer: { reply: (p, { turn }) => (seen.push(p), `w${turn}: ${body(p)}`), usage: { costUsd: 0.25, input: 3, output: 4 } } } });
    const wf = workflow("t-send", async (engine) => {
      const h = await engine.spawn("writer", { handle: "my-writer" });
      return [h, await engine.send(h, "hello"), await engine.send(h, "again")];
    });
    const out = await r.run(wf);
    expect(out.status).toBe("done");
    expect(out.result).toEqual(["my-writer", "w1: hello", "w2: again"]);
    expect(seen[0]).toMatch(new RegExp(`^> from workflow:t-send:${out.runId} · \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\nhello$`));
    expect(out.costUsd).toBeCloseTo(0.5);
    expect(out.tokens).toEqual({ input: 6, output: 8 });
    expect(getRun(r.rt.store, out.runId)).toMatchObject({ status: "done", cost_usd: 0.5, result: JSON.stringify(out.result) });
  });

  test("spawn refuses an unknown agent with E_NOT_FOUND, as everywhere (#10), and bad handles with WorkflowError", async () => {
    await using r = rig();
    const unknown = await r.run(workflow("t-unknown", async (e) => e.spawn("wrtier")));
    expect(unknown.status).toBe("failed");
    expect(unknown.error).toMatchObject({ code: "E_NOT_FOUND" });
    expect(String((unknown.error as Error).message)).toMatch(/unknown agent "wrtier".*did you mean "writer"/);
    const bad = await r.run(workflow("t-badhandle", async (e) => e.spawn("writer", { handle: "Not OK" })));
    expect((bad.error as Error).message).toContain("invalid handle");
  });

  test("delegate returns the worker's result; an unknown queue is E_NOT_FOUND (#10) and a failed task raises WorkflowError", async () => {
    await using r = rig({
      agents: {
        writer: { reply: echo("w") },
        reviewer: { reply: (p) => (body(p).startsWith("FAIL") ? { text: "cannot review this", isError: true } : `reviewed: ${body(p)}`) },
      },
    });
    const ok = await r.run(workflow("t-delegate", async (e) => e.delegate("review", "the draft")));
    expect(ok.result).toBe("reviewed: the draft");
    expect(listSteps(r.rt.store, ok.runId).map((s) => s.kind)).toEqual(["enqueue", "await"]);
    const unknown = await r.run(workflow("t-noqueue", async (e) => e.delegate("reveiw", "x")));
    expect(unknown.status).toBe("failed");
    expect(unknown.error).toMatchObject({ code: "E_NOT_FOUND" });
    expect((unknown.error as Error).message).toMatch(/unknown queue "reveiw".*did you mean "review"/);
    const failed = await r.run(workflow("t-failtask", async (e) => e.delegate("review", "FAIL now")));
    expect(failed.status).toBe("failed");
    expect((failed.error as WorkflowError).code).toBe("E_WORKFLOW");
    expect((failed.error as Error).message).toMatch(/task task_\w+ on queue "review" failed/);
  });

  test("enqueue returns a task id at once; the same idempotency key gives the same task", async () => {
    await using r = rig();
    const out = await r.run(workflow("t-enqueue", async (e) => {
      const a = await e.enqueue("review", "one", { idempotencyKey: "k1" });
      const b = await e.enqueue("review", "one again", { idempotencyKey: "k1" });
      const c = await e.enqueue("review", "two", { callback: true });
      return [a, b, c];
    }));
    const [a, b, c] = out.result as string[];
    expect(a).toMatch(/^task_/);
    expect(b).toBe(a!);
    expect(c).not.toBe(a!);
    expect(await r.rt.queues.status(c!)).toMatchObject({ callback: true, enqueuedBy: `workflow:t-enqueue:${out.runId}` });
  });

  test("close is idempotent; a closed session cannot be sent to; drain waits for a busy session", async () => {
    await using r = rig({ agents: { writer: { reply: echo("w"), delayMs: 30 } } });
    const out = await r.run(workflow("t-close", async (e) => {
      const h = await e.spawn("writer");
      await r.rt.sessions.deliver(h, { from: "user", body: "background work" });
      await e.drain(h);
      const last = r.rt.sessions.get(h)!.lastText;
      await e.close(h);
      await e.close(h);
      await e.close("not-mine");
      const err = await e.send(h, "still there?").catch((x: unknown) => x);
      return [last, (err as { code?: string }).code];
    }));
    expect(out.result).toEqual(["w1: background work", "E_STATE"]);
  });

  test("bash runs in the project root with the user's environment and the given env; non-zero exit is a result", async () => {
    await using r = rig({ root: process.cwd() });
    process.env.AEGIS_TEST_VISIBLE = "from-host";
    const out = await r.run(workflow("t-bash", async (e) => [
      await e.bash("pwd; echo $AEGIS_TEST_VISIBLE $EXTRA; printf 'a\\n\\nb\\n'; echo oops >&2; exit 4", { env: { EXTRA: "x" } }),
      await e.bash("pwd", { cwd: "/tmp" }),
    ]));
    delete process.env.AEGIS_TEST_VISIBLE;
    const [first, second] = out.result as { exitCode: number; stdout: string; stderr: string }[];
    expect(first).toEqual({ exitCode: 4, stdout: `${process.cwd()}\nfrom-host x\na\n\nb\n`, stderr: "oops\n" });
    expect(second!.stdout).toBe("/tmp\n");
  });

  test("bashPredicate retries with the filled-in feedback to the last session sent to, then passes", async () => {
    const prompts: string[] = [];
    await using r = rig({ agents: { writer: { reply: (p) => (prompts.push(p.slice(p.indexOf("\n") + 1)), "ok") } } });
    using marker = { path: `/tmp/aegis-pred-${crypto.randomUUID()}`, [Symbol.dispose]() { Bun.spawnSync(["rm", "-f", this.path]); } };
    const out = await r.run(workflow("t-pred", async (e) => {
      const h = await e.spawn("writer");
      await e.send(h, "start");
      // Fails twice (printing the attempt number), passes on the third attempt.
      const res = await e.bashPredicate(`n=$(cat ${marker.path} 2>/dev/null || echo 0); echo $((n+1)) > ${marker.path}; echo "try $n"; [ $n -ge 2 ] || { echo "bad $n" >&2; exit 7; }`, {
        retryWith: "exit={exit} out={stdout} err={stderr}",
      });
      return res.stdout;
    }));
    expect(out.result).toBe("try 2\n");
    expect(prompts).toEqual(["start", "exit=7 out=try 0\n err=bad 0\n", "exit=7 out=try 1\n err=bad 1\n"]);
  });

  test("bashPredicate raises PredicateFailed when retries run out; expect: fail inverts the check", async () => {
    await using r = rig();
    const out = await r.run(workflow("t-predfail", async (e) => {
      const h = await e.spawn("writer");
      const fails = await e.bashPredicate("false", { expect: "fail", retryWith: "x", target: h });
      await e.bashPredicate("echo nope; exit 3", { retryWith: (res) => `code ${res.exitCode}`, maxRetries: 1, target: h });
      return fails;
    }));
    expect(out.status).toBe("failed");
    const err = out.error as PredicateFailed;
    expect(err.code).toBe("E_PREDICATE");
    expect(err.attempts).toBe(2);
    expect(err.cmd).toBe("echo nope; exit 3");
    expect(err.result.stdout).toBe("nope\n");
    expect(err.message).toContain("predicate failed after 2 attempts");
    expect(getRun(r.rt.store, out.runId)).toMatchObject({ status: "failed", error_code: "E_PREDICATE", error_stack: null });
  });

  test("a run a schedule or webhook started has no calling session: bashPredicate retries without feedback (#12)", async () => {
    for (const caller of ["schedule:nightly@2026-12-04T03:00:00.000Z", "webhook:gh:72d3162e-cc78-11e3-81ab-4c9367dc0958", "webhook:gh"]) {
      await using r = rig();
      using marker = { path: `/tmp/aegis-pred-${crypto.randomUUID()}`, [Symbol.dispose]() { Bun.spawnSync(["rm", "-f", this.path]); } };
      const out = await r.run(workflow("t-pred-fire", async (e) => {
        const res = await e.bashPredicate(`n=$(cat ${marker.path} 2>/dev/null || echo 0); echo $((n+1)) > ${marker.path}; [ $n -ge 1 ] && echo "try $n"`, { retryWith: "fix it" });
        return { out: res.stdout, caller: e.callerHandle };
      }), {}, { callerHandle: caller });
      expect(out.error).toBeUndefined();
      expect(out.result).toEqual({ out: "try 1\n", caller: null });
      expect(r.events.some((ev) => ev.type === "log" && /no session to send feedback to, retrying as is/.test(ev.message))).toBe(true);
      expect(getRun(r.rt.store, out.runId)?.caller).toBe(caller); // still recorded: it finds the fire's run
    }
  });

  test("a run started by a session (bare handle or agent: tag) sends bashPredicate feedback to it (#12)", async () => {
    for (const caller of ["boss-agent", "agent:boss-agent"]) {
      const prompts: string[] = [];
      await using r = rig({ agents: { writer: { reply: (p) => (prompts.push(p.slice(p.indexOf("\n") + 1)), "ok") } } });
      using marker = { path: `/tmp/aegis-pred-${crypto.randomUUID()}`, [Symbol.dispose]() { Bun.spawnSync(["rm", "-f", this.path]); } };
      const out = await r.run(workflow("t-pred-caller", async (e) => {
        await e.spawn("writer", { handle: "boss-agent" });
        await e.bashPredicate(`n=$(cat ${marker.path} 2>/dev/null || echo 0); echo $((n+1)) > ${marker.path}; [ $n -ge 1 ]`, { retryWith: "fix it" });
        return e.callerHandle;
      }), {}, { callerHandle: caller });
      expect(out.result).toBe("boss-agent");
      expect(prompts).toEqual(["fix it"]);
    }
  });

  test("parallel keeps order and accepts promises or functions; log, listAgents, listSessions, name, runId", async () => {
    await using r = rig();
    const out = await r.run(workflow("t-misc", async (e) => {
      const [a, b] = await Promise.all([e.spawn("writer"), e.spawn("reviewer")]);
      const replies = await e.parallel([e.send(a, "one"), () => e.send(b, "two")]);
      e.log("hello from the workflow");
      return { replies, agents: e.listAgents(), sessions: e.listSessions().map((s) => s.agent).sort(), name: e.name, runId: e.runId, caller: e.callerHandle };
    }), {}, { callerHandle: "boss-agent" });
    expect(out.result).toEqual({
      replies: ["w1: one", "r1: two"], agents: ["writer", "reviewer"], sessions: ["reviewer", "writer"], name: "t-misc", runId: out.runId, caller: "boss-agent",
    });
    expect(r.events.some((e) => e.type === "log" && e.message === "hello from the workflow")).toBe(true);
  });

  test("askHuman takes --answer by key (checked against options), then the route, else a usage error naming the flag", async () => {
    await using r = rig();
    const wf = workflow("t-ask", async (e) => [await e.askHuman("Ship it now?", { options: ["yes", "no"] }), await e.askHuman("Name?", { key: "name" })]);
    const answered = await r.run(wf, {}, { answers: { "ship-it-now": "2", name: "Ada" } });
    expect(answered.result).toEqual(["no", "Ada"]);
    const routed = await r.run(wf, {}, { answers: { name: "Bo" }, ask: async (q) => (q.key === "ship-it-now" ? "yes" : undefined) });
    expect(routed.result).toEqual(["yes", "Bo"]);
    const missing = await r.run(wf);
    expect(missing.status).toBe("failed");
    expect(missing.error).toMatchObject({ code: "E_USAGE", hint: "pass --answer ship-it-now=yes|no (to `aegis run` or `aegis resume`)" });
    const wrong = await r.run(wf, {}, { answers: { "ship-it-now": "maybe" } });
    expect((wrong.error as Error).message).toContain("is not one of: yes, no");
  });
});

describe("run outcomes", () => {
  test("WorkflowError ends `failed` with its message; a TypeError ends `crashed` with its stack", async () => {
    await using r = rig();
    const failed = await r.run(workflow("t-wferr", async () => {
      throw new WorkflowError("the reviewer said no");
    }));
    const crashed = await r.run(workflow("t-crash", async () => (null as unknown as { x: number }).x));
    expect(failed.status).toBe("failed");
    expect(crashed.status).toBe("crashed");
    expect(crashed.error).toBeInstanceOf(TypeError);
    const f = getRun(r.rt.store, failed.runId)!;
    const c = getRun(r.rt.store, crashed.runId)!;
    expect([f.error, f.error_code, f.error_stack]).toEqual(["the reviewer said no", "E_WORKFLOW", null]);
    expect(c.error).toStartWith("TypeError: ");
    expect(c.error_code).toBeNull();
    expect(c.error_stack).toContain("engine.test.ts");
  });

  test("sessions a run spawned are closed when it ends, whether it succeeds or throws", async () => {
    await using r = rig();
    for (const fail of [false, true]) {
      const out = await r.run(workflow(`t-autoclose-${fail}`, async (e) => {
        await e.spawn("writer");
        await e.spawn("reviewer");
        if (fail) throw new Error("boom");
        return "ok";
      }));
      expect(out.sessions).toBe(2);
      expect(r.rt.sessions.list()).toEqual([]);
      const open = r.rt.store.db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM sessions WHERE spawned_by = ? AND closed_at IS NULL")
        .get(`workflow:t-autoclose-${fail}:${out.runId}`);
      expect(open?.n).toBe(0);
    }
  });
});
