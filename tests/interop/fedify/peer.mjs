// An ActivityPub server that Hearth did not write: a Fedify app with one Person, "carol", on
// http://localhost:<port>. It looks up TARGET (an acct: URI such as acct:support@localhost:8080)
// by WebFinger, sends carol's Follow to it, and reports what arrives in carol's inboxes.
//
// Progress goes to stdout as one JSON object per line:
//   {"event":"listening","port":…,"actor":…}
//   {"event":"resolved","id":…,"type":…,"inbox":…}
//   {"event":"follow-sent","id":…}
//   {"event":"accepted","actor":…,"follow":…}
//   {"event":"announce","id":…,"actor":…,"object":{…}}
//   {"event":"error","stage":…,"message":…}
// Fedify's own log goes to stderr (PEER_LOG=debug for everything). The peer exits when its
// standard input closes, or on SIGTERM/SIGINT.
//
// Environment: TARGET (required), PEER_PORT (default 0: any free port), PEER_LOG.

import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import process from "node:process";

import {
  Accept,
  Announce,
  createFederation,
  Endpoints,
  Follow,
  generateCryptoKeyPair,
  isActor,
  MemoryKvStore,
  Person,
} from "@fedify/fedify";
import { configure, defaultTextFormatter } from "@logtape/logtape";

const target = process.env.TARGET;
if (!target?.startsWith("acct:")) {
  console.error("TARGET must be an acct: URI, e.g. acct:support@localhost:8080");
  process.exit(2);
}

const emit = (event) => process.stdout.write(JSON.stringify(event) + "\n");

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { stderr: (record) => process.stderr.write(defaultTextFormatter(record)) },
  loggers: [
    { category: "fedify", sinks: ["stderr"], lowestLevel: process.env.PEER_LOG ?? "warning" },
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
  ],
});

// Loopback only: WebFinger on an acct: URI always goes to https://<host>/.well-known/webfinger
// in this Fedify release, and the Hearth under test serves plain http. This rewrites exactly
// that one URL; every other request (the Group, its key, the inbox) already uses http:// ids.
const targetHost = target.slice(target.lastIndexOf("@") + 1);
const webfingerHttps = `https://${targetHost}/.well-known/webfinger`;
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  if (url.startsWith(webfingerHttps)) {
    input = "http" + url.slice("https".length);
  }
  return realFetch(input, init);
};

// RSASSA-PKCS1-v1_5 with SHA-256: Fedify 1.5 signs requests with draft-cavage HTTP signatures
// (rsa-sha256) and a Digest header, which is what Hearth verifies.
const keys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");

const federation = createFederation({
  kv: new MemoryKvStore(),
  // No queue: activities are sent and received at once, so errors surface in this process.
  allowPrivateAddress: true, // everything is on 127.0.0.1
  signatureTimeWindow: { minutes: 5 },
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== "carol") return null;
    const [pair] = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Carol (Fedify)",
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: pair.cryptographicKey,
      assertionMethod: pair.multikey,
    });
  })
  .mapHandle((_ctx, username) => (username === "carol" ? "carol" : null))
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === "carol" ? [keys] : []));

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Accept, async (_ctx, accept) => {
    // Fedify has verified the HTTP signature (and that its key belongs to accept.actorId).
    const follow = await accept.getObject();
    emit({
      event: "accepted",
      actor: accept.actorId?.href,
      follow: follow instanceof Follow ? follow.id?.href : null,
      followActor: follow instanceof Follow ? follow.actorId?.href : null,
      followObject: follow instanceof Follow ? follow.objectId?.href : null,
    });
  })
  .on(Announce, async (_ctx, announce) => {
    const object = await announce.getObject();
    emit({
      event: "announce",
      id: announce.id?.href,
      actor: announce.actorId?.href,
      object: object == null ? null : await object.toJsonLd({ format: "compact" }),
    });
  })
  .onError((_ctx, error) => emit({ event: "error", stage: "inbox", message: String(error) }));

// node:http ⇄ fetch Request/Response. Ids are always http://localhost:<port>/…, whatever the
// Host header says, so carol's id is stable.
let origin;
const server = http.createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const request = new Request(new URL(req.url, origin), {
      method: req.method,
      headers: Object.entries(req.headers).flatMap(([k, v]) =>
        Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]
      ),
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    const response = await federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => new Response("not found", { status: 404 }),
      onNotAcceptable: () => new Response("not acceptable", { status: 406 }),
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    emit({ event: "error", stage: "http", message: String(error) });
    res.writeHead(500).end();
  }
});

const port = await new Promise((resolve) =>
  server.listen(Number(process.env.PEER_PORT ?? 0), "127.0.0.1", () =>
    resolve(server.address().port)
  )
);
origin = `http://localhost:${port}`;
const ctx = federation.createContext(new URL(origin), undefined);
emit({ event: "listening", port, actor: ctx.getActorUri("carol").href });

function shutdown() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.stdin.on("end", shutdown);
process.stdin.on("close", shutdown);
process.stdin.resume();
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

// (1) WebFinger → the Group's actor document.
let group;
try {
  group = await ctx.lookupObject(target);
} catch (error) {
  emit({ event: "error", stage: "lookup", message: String(error) });
}
if (!isActor(group)) {
  emit({ event: "error", stage: "lookup", message: `${target} did not resolve to an actor` });
} else {
  emit({
    event: "resolved",
    id: group.id?.href,
    type: group.constructor.typeId?.href ?? group.constructor.name,
    inbox: group.inboxId?.href,
    sharedInbox: group.endpoints?.sharedInbox?.href ?? null,
  });
  // (2) carol follows the Group; Fedify signs the POST to the Group's inbox.
  const follow = new Follow({
    id: new URL(`/follows/${crypto.randomUUID()}`, origin),
    actor: ctx.getActorUri("carol"),
    object: group.id,
  });
  try {
    await ctx.sendActivity({ identifier: "carol" }, group, follow);
    emit({ event: "follow-sent", id: follow.id.href });
  } catch (error) {
    emit({ event: "error", stage: "follow", message: String(error) });
  }
}
