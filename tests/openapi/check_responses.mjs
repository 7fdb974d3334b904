// Holds the gateway's OpenAPI document (gateway/server/openapi.json) to what a real gateway
// answered. Run by tests/integration/openapi_test.cpp through check.sh:
//
//   node check_responses.mjs --spec openapi.json --exchanges exchanges.json [--every-operation]
//
// exchanges.json is an array of what a test sent and got back:
//   {"method": "POST", "path": "/v1/messages?x=1",            (the path as sent, query allowed)
//    "status": 202, "headers": {"content-type": "...", ...},   (response headers, lower case)
//    "body": "...",                                            (response body as text)
//    "request": {"content_type": "application/json", "body": "..."}}   (optional)
//
// The document must be a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator, the
// official OAS 3.1 JSON Schema). Then, for every exchange:
//   - a path template of the document matches the path (a literal segment beats a {param}, as in
//     the gateway's router) and declares the method;
//   - the status is declared for that operation (exactly, or as 2XX-style range; `default` is
//     never consulted, so that an undeclared status cannot pass);
//   - the content type (type/subtype) is one the response declares, or the response declares no
//     content and the body is empty;
//   - a JSON body validates against the declared schema (JSON Schema 2020-12, Ajv), a text body
//     against its string schema; headers the response marks required are present;
//   - every answer carries the server's own headers (HSTS, nosniff, no-store, X-Request-Id);
//   - a 2xx answer's JSON request body validates against the declared request body schema.
// With --every-operation, every operation of the document must have been exercised.
// Prints one line per problem; exit 0 when there are none, 1 otherwise, 2 on bad usage.
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
// Set by the HTTPS server on every answer (gateway/api/https_server.cpp); the document says so
// in info.description.
const SERVER_HEADERS = {
  "strict-transport-security": /max-age=\d+/,
  "x-content-type-options": /^nosniff$/,
  "cache-control": /^no-store$/,
  "x-request-id": /./,
};

function usage(message) {
  console.error(`check_responses: ${message}`);
  console.error("usage: check_responses.mjs --spec FILE --exchanges FILE [--every-operation]");
  process.exit(2);
}

function parseArgs(argv) {
  const out = { everyOperation: false };
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === "--spec") out.spec = argv[++i];
    else if (argv[i] === "--exchanges") out.exchanges = argv[++i];
    else if (argv[i] === "--every-operation") out.everyOperation = true;
    else usage(`unknown argument ${argv[i]}`);
  }
  if (!out.spec || !out.exchanges) usage("--spec and --exchanges are required");
  return out;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    usage(`${path}: ${e.message}`);
  }
}

// The object a local "#/..." reference points to.
function pointer(doc, ref) {
  if (!ref.startsWith("#/")) throw new Error(`only local references are supported: ${ref}`);
  let node = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === undefined || !(key in node)) throw new Error(`unresolved reference ${ref}`);
    node = node[key];
  }
  return node;
}

function deref(doc, node) {
  let seen = 0;
  while (node && typeof node === "object" && typeof node.$ref === "string") {
    if (++seen > 20) throw new Error(`reference loop at ${node.$ref}`);
    node = pointer(doc, node.$ref);
  }
  return node;
}

// `schema` with references to #/components/schemas/X turned into #/$defs/X, so that Ajv sees a
// self-contained JSON Schema.
function localise(schema) {
  if (Array.isArray(schema)) return schema.map(localise);
  if (!schema || typeof schema !== "object") return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/")) {
      out[k] = "#/$defs/" + v.slice("#/components/schemas/".length);
    } else {
      out[k] = localise(v);
    }
  }
  return out;
}

class SchemaChecker {
  constructor(doc) {
    this.defs = localise(doc.components?.schemas ?? {});
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.cache = new Map();
  }
  // Problems of `value` against `schema` (a document schema), as text; [] when it validates.
  check(schema, value) {
    const key = JSON.stringify(schema);
    let validate = this.cache.get(key);
    if (!validate) {
      validate = this.ajv.compile({ ...localise(schema), $defs: this.defs });
      this.cache.set(key, validate);
    }
    if (validate(value)) return [];
    return validate.errors.map(
      (e) => `${e.instancePath || "(body)"} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`,
    );
  }
}

// Problems of the document that the OpenAPI schema leaves open: every schema is valid JSON
// Schema 2020-12 (Ajv checks it against the meta-schema), every operation declares its answers
// and no `default`, every security requirement names a declared scheme.
function lintDocument(doc, schemas) {
  const problems = [];
  const compile = (where, schema) => {
    try {
      schemas.check(schema, null);
    } catch (e) {
      problems.push(`${where}: ${e.message}`);
    }
  };
  // The component schemas first, all at once (each schema below is compiled with them).
  compile("components.schemas", {});
  if (problems.length > 0) return problems;
  const schemes = new Set(Object.keys(doc.components?.securitySchemes ?? {}));
  const checkSecurity = (where, security) => {
    for (const requirement of security ?? []) {
      for (const name of Object.keys(requirement)) {
        if (!schemes.has(name)) problems.push(`${where}: security scheme '${name}' is not declared`);
      }
    }
  };
  checkSecurity("security", doc.security);
  for (const [template, rawItem] of Object.entries(doc.paths ?? {})) {
    const item = deref(doc, rawItem);
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const where = `${method.toUpperCase()} ${template}`;
      checkSecurity(where, op.security);
      if (!op.responses || Object.keys(op.responses).length === 0) {
        problems.push(`${where}: declares no responses`);
      }
      if (op.responses?.default) problems.push(`${where}: declares a default response`);
      for (const [status, raw] of Object.entries(op.responses ?? {})) {
        for (const [type, media] of Object.entries(deref(doc, raw).content ?? {})) {
          if (media.schema) compile(`${where} ${status} ${type}`, media.schema);
        }
      }
      for (const [type, media] of Object.entries(deref(doc, op.requestBody ?? {}).content ?? {})) {
        if (media.schema) compile(`${where} request ${type}`, media.schema);
      }
    }
  }
  return problems;
}

function segments(path) {
  return path.split("/").slice(1);
}

// The document's path template for `path`: each segment literal-equal or a {param}; among
// several, the one whose first differing segment is literal (the router's rule).
function matchTemplate(doc, path) {
  const want = segments(path);
  let best = null;
  for (const template of Object.keys(doc.paths ?? {})) {
    const have = segments(template);
    if (have.length !== want.length) continue;
    const literal = have.map((s) => !/^\{[^}]+\}$/.test(s));
    if (!have.every((s, i) => !literal[i] || s === want[i])) continue;
    if (best === null) {
      best = { template, literal };
      continue;
    }
    const i = literal.findIndex((l, j) => l !== best.literal[j]);
    if (i >= 0 && literal[i]) best = { template, literal };
  }
  return best?.template ?? null;
}

function essence(contentType) {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

function isJson(mediaType) {
  return mediaType === "application/json" || mediaType.endsWith("+json");
}

// The entry of `content` (a media-type map) for `mediaType`, compared by type/subtype.
function mediaEntry(content, mediaType) {
  for (const [key, value] of Object.entries(content ?? {})) {
    if (essence(key) === mediaType) return value;
  }
  return null;
}

function checkExchange(doc, schemas, x) {
  const problems = [];
  const path = x.path.split("?")[0];
  const template = matchTemplate(doc, path);
  if (!template) return { problems: [`no path of the document matches ${path}`] };
  const method = x.method.toLowerCase();
  const item = deref(doc, doc.paths[template]);
  const op = item[method];
  if (!op) return { template, problems: [`the document has no ${x.method} for ${template}`] };
  const opKey = `${x.method.toUpperCase()} ${template}`;

  const declared = op.responses?.[String(x.status)] ?? op.responses?.[`${Math.floor(x.status / 100)}XX`];
  if (!declared) {
    return { opKey, problems: [`status ${x.status} is not declared for ${opKey}`] };
  }
  const response = deref(doc, declared);
  const headers = x.headers ?? {};
  for (const [name, pattern] of Object.entries(SERVER_HEADERS)) {
    if (!pattern.test(headers[name] ?? "")) problems.push(`header ${name} is missing or wrong`);
  }
  for (const [name, h] of Object.entries(response.headers ?? {})) {
    if (deref(doc, h).required && headers[name.toLowerCase()] === undefined) {
      problems.push(`required header ${name} is missing`);
    }
  }

  const mediaType = essence(headers["content-type"]);
  const body = x.body ?? "";
  if (!response.content || Object.keys(response.content).length === 0) {
    if (body.length > 0) problems.push(`a body came, but status ${x.status} declares no content`);
  } else {
    const media = mediaEntry(response.content, mediaType);
    if (!media) {
      problems.push(
        `content type '${mediaType}' is not declared for status ${x.status} ` +
          `(declared: ${Object.keys(response.content).join(", ")})`,
      );
    } else if (media.schema) {
      if (isJson(mediaType)) {
        let value;
        try {
          value = JSON.parse(body);
        } catch (e) {
          problems.push(`the body is not JSON: ${e.message}`);
        }
        if (value !== undefined) {
          for (const p of schemas.check(media.schema, value)) problems.push(`body: ${p}`);
        }
      } else {
        // A text or binary body is a string; its schema says what kind (contentMediaType).
        for (const p of schemas.check(media.schema, body)) problems.push(`body: ${p}`);
      }
    }
  }

  if (x.status >= 200 && x.status < 300 && x.request && x.request.body !== undefined) {
    const requestBody = op.requestBody ? deref(doc, op.requestBody) : null;
    const requestType = essence(x.request.content_type);
    if (!requestBody) {
      if (x.request.body.length > 0) problems.push("a request body was accepted, but none is declared");
    } else {
      const media = mediaEntry(requestBody.content, requestType);
      if (!media) {
        problems.push(`request content type '${requestType}' was accepted, but is not declared`);
      } else if (media.schema && isJson(requestType)) {
        for (const p of schemas.check(media.schema, JSON.parse(x.request.body))) {
          problems.push(`request body: ${p}`);
        }
      }
    }
  }
  return { opKey, problems };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const doc = readJson(args.spec);
  const exchanges = readJson(args.exchanges);
  if (!Array.isArray(exchanges)) usage(`${args.exchanges}: must be a JSON array`);

  let failed = false;
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc));
  if (!result.valid) {
    console.log(`the document is not a valid OpenAPI document: ${JSON.stringify(result.errors)}`);
    failed = true;
  }
  if (!String(doc.openapi).startsWith("3.1.")) {
    console.log(`the document is OpenAPI ${doc.openapi}, not 3.1`);
    failed = true;
  }
  if (failed) process.exit(1);

  const schemas = new SchemaChecker(doc);
  for (const p of lintDocument(doc, schemas)) {
    console.log(`the document: ${p}`);
    failed = true;
  }
  if (failed) process.exit(1);
  const exercised = new Set();
  for (const x of exchanges) {
    let outcome;
    try {
      outcome = checkExchange(doc, schemas, x);
    } catch (e) {
      outcome = { problems: [e.message] };
    }
    if (outcome.opKey) exercised.add(outcome.opKey);
    for (const p of outcome.problems) {
      console.log(`${x.method} ${x.path} -> ${x.status}: ${p}`);
      failed = true;
    }
  }

  let operations = 0;
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      if (!deref(doc, item)[method]) continue;
      ++operations;
      const key = `${method.toUpperCase()} ${template}`;
      if (args.everyOperation && !exercised.has(key)) {
        console.log(`${key}: never exercised`);
        failed = true;
      }
    }
  }
  console.log(
    `${exchanges.length} answers checked against ${operations} operations` +
      ` (${exercised.size} exercised): ${failed ? "FAILED" : "ok"}`,
  );
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(`check_responses: ${e.stack ?? e}`);
  process.exit(2);
});
