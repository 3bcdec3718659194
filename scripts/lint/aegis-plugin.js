// aegis's own lint rules, loaded by oxlint as a JS plugin (.oxlintrc.json "jsPlugins"); plain JavaScript because
// oxlint loads plugins under Node. It owns the house rule on swallowed errors (STYLE.md, "Errors"): an ignored
// error is said why in a comment AND logged at debug. oxlint's own no-empty accepts a catch that holds only a
// comment, and nothing built in flags `.catch(() => {})`; these rules do. They must not judge anything else.

/** True for a function whose body does nothing: `() => {}`, `() => undefined`, `() => void 0`, `function () {}`. */
function isNoop(fn) {
  if (!fn || (fn.type !== "ArrowFunctionExpression" && fn.type !== "FunctionExpression")) return false;
  const body = fn.body;
  if (body.type === "BlockStatement") return body.body.length === 0;
  if (body.type === "Identifier") return body.name === "undefined";
  return body.type === "UnaryExpression" && body.operator === "void" && body.argument.type === "Literal";
}

const noSilentCatch = {
  meta: {
    type: "problem",
    docs: { description: "A catch block or rejection handler must do something with the error (at least log it at debug)." },
  },
  create(context) {
    return {
      CatchClause(node) {
        if (node.body.body.length > 0) return;
        context.report({
          node,
          message: "Empty catch block: handle the error, or say why it is ignored in a comment and log it at debug (STYLE.md, Errors).",
        });
      },
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== "MemberExpression" || callee.computed || callee.property.type !== "Identifier") return;
        const method = callee.property.name;
        const handler = method === "catch" ? node.arguments[0] : method === "then" ? node.arguments[1] : undefined;
        if (!isNoop(handler)) return;
        context.report({
          node: handler,
          message: `A rejection handler that does nothing swallows the error: log it at debug and say why it is ignored (STYLE.md, Errors).`,
        });
      },
    };
  },
};

export default { meta: { name: "aegis" }, rules: { "no-silent-catch": noSilentCatch } };
