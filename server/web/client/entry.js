// One line of the log: an event (or a note of the page's own) as a DOM element. Every piece of
// it that came from the network is set with textContent: a nick or a message is only ever text.

// Names compare as the server compares them: ASCII case folded (CASEMAPPING=ascii).
export const fold = (name) => name.replace(/[A-Z]/g, (c) => c.toLowerCase());

// Messages, actions and notices are what people say; the rest are muted lines about the room.
export const isTalk = (e) => ["message", "action", "notice"].includes(e.kind);

// Sent by us: our nickname now (the page's own notes have no nick).
export const ownEvent = (e, me) => !e.local && !!me && fold(e.nick || "") === fold(me);

// Whether a message names us as a word ("alice:" or "hi alice", not "malice").
function mentions(text, nick) {
  const t = fold(text), n = fold(nick);
  const nickChar = (c) => c !== undefined && /[a-z0-9_\-\[\]\\`^{}|]/.test(c);
  for (let i = t.indexOf(n); i >= 0; i = t.indexOf(n, i + 1)) {
    if (!nickChar(t[i - 1]) && !nickChar(t[i + n.length])) return true;
  }
  return false;
}

// What a muted line says after the nick.
function describe(e) {
  switch (e.kind) {
    case "join": return `joined ${e.room}`;
    case "part": return `left ${e.room}` + (e.text ? ` (${e.text})` : "");
    case "quit": return "quit" + (e.text ? ` (${e.text})` : "");
    case "nick": return `is now known as ${e.text}`;
    case "topic": return e.text ? `set the topic: ${e.text}` : "cleared the topic";
    case "kick": return `removed ${e.target} from ${e.room}` + (e.text ? ` (${e.text})` : "");
    case "mode": return `set mode ${e.text}`;
    case "invite": return `invites ${e.target} to ${e.room}`;
    default: return e.text || "";
  }
}

function formatTime(ms) {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? ""
    : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
}

export function renderEntry(e, me) {
  const li = document.createElement("li");
  li.className = "entry";
  li.dataset.kind = e.kind;
  if (e.id) li.dataset.id = String(e.id);
  const talk = isTalk(e);
  const own = ownEvent(e, me);
  if (!talk) li.classList.add("muted");
  if (own) li.classList.add("own");
  if (talk && !own && me && mentions(e.text || "", me)) li.classList.add("mention");

  const time = document.createElement("time");
  time.className = "time";
  time.dateTime = e.time ? new Date(e.time).toISOString() : "";
  time.textContent = formatTime(e.time);
  if (e.time) time.title = new Date(e.time).toLocaleString();
  const nick = document.createElement("span");
  nick.className = "nick";
  nick.textContent = e.local ? (e.kind === "error" ? "!" : "·") : e.nick || "";
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = talk ? e.text || "" : describe(e);
  li.append(time, nick, text);
  return li;
}

// A line with the date before the first entry of each day, so that "13:05" is never ambiguous
// (none above today's first entry when the log starts today). null when none is due.
export function daySeparator(previous, e) {
  const day = (x) => (x && x.time ? new Date(x.time).toDateString() : "");
  const today = new Date().toDateString();
  if (!e.time || day(e) === day(previous) || (!previous && day(e) === today)) return null;
  const li = document.createElement("li");
  li.className = "day";
  li.setAttribute("role", "separator");
  li.textContent = day(e) === today ? "Today"
    : new Date(e.time).toLocaleDateString([], { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  return li;
}
