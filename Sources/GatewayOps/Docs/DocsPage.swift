import GatewayCore
import GatewayDomain
import GatewayHTTP

/// The `/docs` page: the OpenAPI document rendered by a small script of our own, served
/// by the gateway itself, so the page loads nothing from the network and runs under a
/// strict Content-Security-Policy (`'self'` only, no inline script or style). The script
/// builds the page with `textContent`, never HTML strings.
package enum DocsPage {
    package static let policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    package static let html = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Bot gateway API</title>
          <link rel="stylesheet" href="/docs/docs.css">
          <script src="/docs/docs.js" defer></script>
        </head>
        <body>
          <header><h1 id="title">Bot gateway API</h1><p id="summary">Loading <a href="/openapi.json">/openapi.json</a>…</p></header>
          <main id="operations"></main>
        </body>
        </html>
        """

    package static let css = """
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 70rem; padding: 1rem 2rem; color: #1d2330; }
        h1 { margin-bottom: .2rem; }
        section { border: 1px solid #d5dae3; border-radius: 6px; margin: .8rem 0; padding: .6rem 1rem; }
        .method { display: inline-block; min-width: 4.5rem; font-weight: 700; text-transform: uppercase; }
        .get { color: #1b6ac9; } .post { color: #198754; } .delete { color: #c0392b; } .put, .patch { color: #b7791f; }
        .path { font-family: ui-monospace, monospace; font-weight: 600; }
        details { margin-top: .4rem; } pre { background: #f4f6f9; padding: .6rem; overflow-x: auto; font-size: 13px; }
        .status { font-family: ui-monospace, monospace; margin-right: .6rem; }
        """

    package static let script = """
        "use strict";
        function el(tag, text, cls) {
          const node = document.createElement(tag);
          if (text !== undefined) node.textContent = text;
          if (cls) node.className = cls;
          return node;
        }
        function resolve(doc, schema) {
          if (schema && schema.$ref) return doc.components.schemas[schema.$ref.split("/").pop()] || schema;
          return schema;
        }
        function block(title, value) {
          const details = el("details");
          details.appendChild(el("summary", title));
          details.appendChild(el("pre", JSON.stringify(value, null, 2)));
          return details;
        }
        async function render() {
          const doc = await (await fetch("/openapi.json")).json();
          document.getElementById("title").textContent = doc.info.title + " " + doc.info.version;
          document.getElementById("summary").textContent = doc.info.description || "";
          const main = document.getElementById("operations");
          for (const [path, item] of Object.entries(doc.paths)) {
            for (const [method, op] of Object.entries(item)) {
              const section = el("section");
              section.id = (op.operationId || method + path).replace(/[^A-Za-z0-9_-]/g, "_");
              const head = el("div");
              head.appendChild(el("span", method, "method " + method));
              head.appendChild(el("span", path, "path"));
              section.appendChild(head);
              if (op.summary) section.appendChild(el("p", op.summary));
              if (op.parameters) section.appendChild(block("Parameters", op.parameters));
              const body = op.requestBody && op.requestBody.content;
              if (body) for (const [type, media] of Object.entries(body)) {
                section.appendChild(block("Request body (" + type + ")", resolve(doc, media.schema)));
              }
              const responses = el("div");
              for (const [status, response] of Object.entries(op.responses || {})) {
                const line = el("div");
                line.appendChild(el("span", status, "status"));
                line.appendChild(el("span", response.description || ""));
                responses.appendChild(line);
              }
              section.appendChild(responses);
              main.appendChild(section);
            }
          }
        }
        render().catch(error => { document.getElementById("summary").textContent = "Could not load the API: " + error; });
        """
}
