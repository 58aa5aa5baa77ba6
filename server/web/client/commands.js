// Typed /commands: a line from the compose box becomes either a protocol command (sent as is)
// or a local action the page carries out. Pure, so it reads as a table of what each command does.

export const HELP = [
  "/join #room [key]: join a room (or open the Rooms list)",
  "/part [reason]: leave the room shown (closes a private conversation)",
  "/nick NAME: change your nickname (or click it, top right)",
  "/msg NICK text: private message (or click a member)",
  "/me text: an action, shown as '* you text'",
  "/topic [text]: show or set the room's topic",
  "/rooms: list the rooms   /who: list the room's members",
  "/history [N]: N earlier messages of the room   /quit [reason]: leave Parley",
  "//text sends a line that starts with '/'",
];

// The word after the command and the rest of the line.
function split(rest) {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(rest.trim());
  return m ? [m[1], m[2]] : ["", ""];
}

// line: what was typed; target: the conversation shown ("#room" or a nickname).
// Returns { send: {...} } for the server, { local: "name", ... } for the page, or
// { error: "text" } for a line that cannot be right.
export function parseLine(line, target) {
  const isRoom = target.startsWith("#");
  if (!line.startsWith("/") || line.startsWith("//")) {
    const text = line.startsWith("//") ? line.slice(1) : line;
    return isRoom ? { send: { type: "say", room: target, text } }
                  : { send: { type: "msg", to: target, text } };
  }
  const [command, rest] = split(line.slice(1));
  const [word, tail] = split(rest);
  switch (command.toLowerCase()) {
    case "join": case "j":
      if (!word) return { local: "rooms" };
      return { send: tail ? { type: "join", room: word, key: tail.trim() } : { type: "join", room: word } };
    case "part": case "leave": case "close":
      return { local: "part", reason: rest };
    case "nick":
      return word ? { send: { type: "nick", nick: word } } : { local: "nick" };
    case "msg": case "query":
      if (!word) return { error: "usage: /msg NICK text" };
      return { local: "msg", to: word, text: tail };
    case "me":
      if (!rest) return { error: "usage: /me text" };
      return isRoom ? { send: { type: "me", room: target, text: rest } }
                    : { error: "/me works in rooms only" };
    case "topic":
      if (!isRoom) return { error: "/topic works in rooms only" };
      return rest ? { send: { type: "topic", room: target, text: rest } } : { local: "topic" };
    case "rooms": case "list":
      return { local: "rooms" };
    case "who": case "names":
      if (!isRoom && !word) return { error: "/who works in rooms only" };
      return { send: { type: "who", room: word || target } };
    case "history": {
      const n = rest ? Number(rest) : 50;
      if (!Number.isInteger(n) || n < 1 || n > 100) return { error: "usage: /history [1..100]" };
      return isRoom ? { local: "history", limit: n } : { error: "/history works in rooms only" };
    }
    case "quit":
      return { send: rest ? { type: "quit", reason: rest } : { type: "quit" } };
    case "help":
      return { local: "help" };
    default:
      return { error: `unknown command /${command}: /help lists them` };
  }
}
