// An ActivityPub server that Hearth did not write: a Fedify app with one Person, "carol", on
// http://localhost:<port>. It looks up TARGET (an acct: URI such as acct:support@localhost:8080)
// by WebFinger, sends carol's Follow to it, reports what arrives in carol's inboxes, and then
// does what the test asks on standard input, one JSON command per line, in order:
//   {"cmd":"reply","inReplyTo":…,"content":…}  Create(Note) to Public, cc and Mention the Group
//   {"cmd":"like","object":…}                  Like
//   {"cmd":"delete","object":…}                Delete(Tombstone) of one of carol's Notes
//   {"cmd":"flag","objects":[…],"content":…}   Flag (Mastodon's shape)
// Each is signed by carol and sent to the Group's inbox; carol's Notes are served at their ids.
//
// Progress goes to stdout as one JSON object per line:
//   {"event":"listening","port":…,"actor":…}
//   {"event":"resolved","id":…,"type":…,"inbox":…}
//   {"event":"follow-sent","id":…}
//   {"event":"accepted","actor":…,"follow":…}
//   {"event":"announce","id":…,"actor":…,"object":{…}}
//   {"event":"reply-sent","id":…,"note":…}, {"event":"like-sent","id":…}, … (one per command)
//   {"event":"error","stage":…,"message":…}
// Fedify's own log goes to stderr (PEER_LOG=debug for everything). The peer exits when its
// standard input closes, or on SIGTERM/SIGINT.
//
// Environment: TARGET (required), PEER_PORT (default 0: any free port), PEER_LOG.

import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import process from "node:process";
import readline from "node:readline";

import {
  Accept,
  Announce,
  Create,
  createFederation,
  Delete,
  Endpoints,
  Flag,
  Follow,
  generateCryptoKeyPair,
  isActor,
  Like,
  MemoryKvStore,
  Mention,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Tombstone,
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

// carol's Notes by id, served there until she deletes them.
const notes = new Map();
federation.setObjectDispatcher(
  Note,
  "/users/{identifier}/notes/{id}",
  (ctx, values) => notes.get(ctx.getObjectUri(Note, values).href) ?? null,
);

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
const carol = ctx.getActorUri("carol");
const newId = (kind) => new URL(`/${kind}/${crypto.randomUUID()}`, origin);
emit({ event: "listening", port, actor: carol.href });

function shutdown() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

// (1) WebFinger → the Group's actor document.
async function follow() {
  let group;
  try {
    group = await ctx.lookupObject(target);
  } catch (error) {
    emit({ event: "error", stage: "lookup", message: String(error) });
  }
  if (!isActor(group)) {
    emit({ event: "error", stage: "lookup", message: `${target} did not resolve to an actor` });
    return null;
  }
  emit({
    event: "resolved",
    id: group.id?.href,
    type: group.constructor.typeId?.href ?? group.constructor.name,
    inbox: group.inboxId?.href,
    sharedInbox: group.endpoints?.sharedInbox?.href ?? null,
  });
  // (2) carol follows the Group; Fedify signs the POST to the Group's inbox.
  const follow = new Follow({
    id: newId("follows"),
    actor: carol,
    object: group.id,
  });
  try {
    await ctx.sendActivity({ identifier: "carol" }, group, follow);
    emit({ event: "follow-sent", id: follow.id.href });
  } catch (error) {
    emit({ event: "error", stage: "follow", message: String(error) });
  }
  return group;
}

const groupReady = follow();

// (3) The test's commands: each builds one activity; `sent` is what the test learns back.
const commands = {
  reply(group, { inReplyTo, content }) {
    const note = new Note({
      id: ctx.getObjectUri(Note, { identifier: "carol", id: crypto.randomUUID() }),
      attribution: carol,
      content,
      replyTarget: new URL(inReplyTo),
      to: PUBLIC_COLLECTION,
      cc: group.id,
      tags: [new Mention({ href: group.id, name: `@${target.slice("acct:".length)}` })],
    });
    notes.set(note.id.href, note);
    const create = new Create({
      id: newId("creates"),
      actor: carol,
      object: note,
      to: PUBLIC_COLLECTION,
      cc: group.id,
    });
    return [create, { note: note.id.href }];
  },
  like(_group, { object }) {
    return [new Like({ id: newId("likes"), actor: carol, object: new URL(object) })];
  },
  delete(_group, { object }) {
    notes.delete(object);
    const tombstone = new Tombstone({ id: new URL(object) });
    const to = PUBLIC_COLLECTION;
    return [new Delete({ id: newId("deletes"), actor: carol, object: tombstone, to })];
  },
  flag(_group, { objects, content }) {
    const urls = objects.map((o) => new URL(o));
    return [new Flag({ id: newId("flags"), actor: carol, objects: urls, content })];
  },
};

async function run(line) {
  let cmd;
  try {
    cmd = JSON.parse(line);
    const group = await groupReady;
    if (group == null) throw new Error("the Group was not resolved");
    const build = commands[cmd.cmd];
    if (build == null) throw new Error(`unknown command ${cmd.cmd}`);
    const [activity, sent] = build(group, cmd);
    await ctx.sendActivity({ identifier: "carol" }, group, activity);
    emit({ event: `${cmd.cmd}-sent`, id: activity.id.href, ...sent });
  } catch (error) {
    emit({ event: "error", stage: cmd?.cmd ?? "command", message: String(error) });
  }
}

// One command at a time, in order; the end of standard input is the signal to exit.
let queue = Promise.resolve();
readline
  .createInterface({ input: process.stdin })
  .on("line", (line) => (queue = queue.then(() => run(line))))
  .on("close", () => queue.then(shutdown));
