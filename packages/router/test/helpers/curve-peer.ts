// A bare ZeroMQ peer for the CURVE tests, run as a process inside a network namespace:
// `node curve-peer.js '{"endpoint":…,"role":"pub"|"sub","keys":{…}?,"text":…?}'`. It prints its
// socket's events as `#<type>` and, as a subscriber, every message it gets, one per line.
import { Publisher, Subscriber } from "zeromq";

interface PeerArgs {
  endpoint: string;
  role: "pub" | "sub";
  keys?: { publicKey: string; secretKey: string; serverKey: string };
  /** What a publisher sends, every 100 ms until it is killed. */
  text?: string;
}

const args = JSON.parse(process.argv[2] ?? "{}") as PeerArgs;
const socket = args.role === "pub" ? new Publisher({ linger: 0 }) : new Subscriber({ linger: 0 });
if (args.keys) {
  socket.curveServerKey = args.keys.serverKey;
  socket.curvePublicKey = args.keys.publicKey;
  socket.curveSecretKey = args.keys.secretKey;
}
void (async () => {
  for await (const event of socket.events) process.stdout.write(`#${event.type}\n`);
})().catch(() => undefined);
socket.connect(args.endpoint);
if (socket instanceof Subscriber) {
  socket.subscribe("");
  for await (const [frame] of socket) process.stdout.write(`${frame?.toString() ?? ""}\n`);
} else {
  const publisher = socket;
  setInterval(() => void publisher.send(args.text ?? "DOOR: peer open").catch(() => undefined), 100);
}
