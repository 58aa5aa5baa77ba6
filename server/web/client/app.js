// Parley's web client: one page, one WebSocket (/ws, JSON; the contract is the server's), no
// framework. Everything that comes from the network (nicks, text, topics, room names) reaches
// the page through textContent only, never as HTML, so no message can become markup or script.

import { Connection } from "./connection.js";
import { parseLine, HELP } from "./commands.js";

const $ = (id) => document.getElementById(id);
const MAX_ENTRIES = 2000;  // per conversation: a tab left open for days stays small
const PAGE = 50;           // "Earlier messages" fetches this many

// Names compare as the server compares them: ASCII case folded (CASEMAPPING=ascii).
const fold = (name) => name.replace(/[A-Z]/g, (c) => c.toLowerCase());
const isRoom = (target) => target.startsWith("#");

const state = {
  nick: null,          // our nickname now
  wantedNick: null,    // the one we chose (or were given first), reclaimed after a reconnect
  reclaimTries: 0,
  motd: null,          // shown once, in the first room joined
  convs: new Map(),    // fold(target) -> conversation
  shown: null,         // the conversation in the main pane
  pages: new Set(),    // refs of "Earlier messages" requests, whose answer goes on top
  nextRef: 1,
  everConnected: false,
};

// A room or private conversation: its log (event objects), members and unread count.
function conversation(target) {
  let conv = state.convs.get(fold(target));
  if (!conv) {
    conv = { target, entries: [], ids: new Set(), members: new Map(), topic: null,
             unread: 0, more: false, joined: isRoom(target), key: "" };
    state.convs.set(fold(target), conv);
    renderConversations();
  }
  return conv;
}

function ref() {
  return `r${state.nextRef++}`;
}

function send(command) {
  if (command.type === "quit") connection.stop();  // the one way to leave for good
  if (connection.send(command)) return true;
  note(state.shown, "error", "not connected: the line was not sent");
  return false;
}

// ---- what the server says ---------------------------------------------------------------

const handlers = {
  welcome(m) {
    state.nick = m.nick;
    if (!state.motd) state.motd = m.motd || [];
    const rejoining = state.everConnected;
    state.everConnected = true;
    renderMe();
    if (!rejoining) {
      state.wantedNick = m.nick;
      return;
    }
    // Back after a drop: the server gave us a new guest name and #lobby; take back the name
    // and the rooms (with their keys). The scrollback of each join shows what was missed.
    state.reclaimTries = 0;
    if (state.wantedNick && fold(state.wantedNick) !== fold(m.nick)) {
      send({ type: "nick", nick: state.wantedNick, ref: "reclaim" });
    }
    for (const conv of state.convs.values()) {
      if (isRoom(conv.target) && conv.joined && fold(conv.target) !== "#lobby") {
        const join = { type: "join", room: conv.target, ref: ref() };
        if (conv.key) join.key = conv.key;
        send(join);
      }
    }
  },

  joined(m) {
    const conv = conversation(m.room);
    conv.target = m.room;
    conv.joined = true;
    conv.topic = m.topic;
    setMembers(conv, m.members);
    if (state.motd && state.motd.length && !state.motdShown) {
      state.motdShown = true;
      for (const line of state.motd) note(conv, "motd", line);
    }
    // The first room, or one the user asked for, is shown; rejoins after a drop are not.
    if (!state.shown || conv.requested) show(conv);
    conv.requested = false;
    if (conv === state.shown) renderHead();
  },

  history(m) {
    const conv = state.convs.get(fold(m.room));
    if (!conv) return;
    const events = (m.events || []).filter((e) => !(e.id && conv.ids.has(e.id)));
    if (state.pages.delete(m.ref)) {
      // An older page goes on top, keeping the reader's place in the log.
      conv.entries.unshift(...events.map(entryOf));
      for (const e of events) if (e.id) conv.ids.add(e.id);
      conv.more = m.more && events.length > 0;
      if (conv === state.shown) renderLog({ keepPlace: true });
      return;
    }
    // Scrollback after a join. After a reconnect the log already holds what came before the
    // drop: only what is newer (a message id not seen, or anything later than the last line)
    // is added, so the missed part reads on from where the log stopped.
    // (Times compared are the server's: the page's own notes carry the browser's clock.)
    const last = conv.entries.findLast((x) => x.time && !x.local)?.time || "";
    const fresh = events.filter((e) => (e.id ? true : e.time > last));
    if (!conv.seen) conv.more = m.more;
    else if (fresh.length) note(conv, "info", `${fresh.length} while you were away:`);
    // The first scrollback is old news; what was missed during a drop counts as unread.
    for (const e of fresh) addEntry(conv, e, { quiet: !conv.seen });
    conv.seen = true;
    if (conv === state.shown) renderLog();
  },

  event(e) {
    const me = state.nick && fold(e.nick || "") === fold(state.nick);
    switch (e.kind) {
      case "message": case "action": case "notice": {
        const other = e.room || (me ? e.target : e.nick);
        const conv = other ? conversation(other) : state.shown;
        if (conv) addEntry(conv, e);
        return;
      }
      case "join": {
        const conv = conversation(e.room);
        conv.members.set(fold(e.nick), { nick: e.nick });
        addEntry(conv, e);
        break;
      }
      case "part": case "kick": {
        const conv = state.convs.get(fold(e.room));
        if (!conv) return;
        const gone = e.kind === "kick" ? e.target : e.nick;
        conv.members.delete(fold(gone));
        if (fold(gone) === fold(state.nick || "")) {
          if (e.kind === "part") return close(conv);  // we left: the conversation goes
          conv.joined = false;                         // kicked: keep the log and the reason
        }
        addEntry(conv, e);
        break;
      }
      case "quit":
        for (const conv of state.convs.values()) {
          if (conv.members.delete(fold(e.nick)) || fold(conv.target) === fold(e.nick)) {
            addEntry(conv, e);
          }
        }
        break;
      case "nick":
        renamed(e);
        break;
      case "topic": {
        const conv = conversation(e.room);
        conv.topic = e.text ? { text: e.text, nick: e.nick, time: e.time } : null;
        addEntry(conv, e);
        break;
      }
      case "mode": {
        const conv = conversation(e.room);
        applyMode(conv, e.text || "");
        addEntry(conv, e);
        break;
      }
      default:  // invite, and kinds added later: shown where the user is
        if (state.shown) addEntry(e.room && state.convs.get(fold(e.room)) || state.shown, e);
    }
    if (state.shown && (!e.room || fold(e.room) === fold(state.shown.target))) renderMembers();
    renderHead();
  },

  members(m) {
    const conv = state.convs.get(fold(m.room));
    if (conv) setMembers(conv, m.members);
    const names = m.members.map((x) => (x.op ? "@" : x.voice ? "+" : "") + x.nick).join(" ");
    note(conv || state.shown, "info", `${m.room}: ${m.members.length} members: ${names}`);
    renderMembers();
  },

  rooms(m) {
    renderRoomList(m.rooms || []);
  },

  error(m) {
    // Someone still holds our old name (the server has not yet seen the dropped connection
    // go): try again a few times before settling for the new one.
    if (m.ref === "reclaim" && m.code === "nick-taken" && state.reclaimTries < 5) {
      state.reclaimTries += 1;
      setTimeout(() => send({ type: "nick", nick: state.wantedNick, ref: "reclaim" }),
                 2000 * state.reclaimTries);
      return;
    }
    state.pages.delete(m.ref);
    // A refused join must not leave an empty conversation behind.
    for (const conv of state.convs.values()) {
      if (conv.joinRef === m.ref && !conv.seen) close(conv, true);
    }
    note(state.shown, "error", m.text || m.code);
  },
};

function setMembers(conv, list) {
  conv.members = new Map(list.map((x) => [fold(x.nick), { ...x }]));
  if (conv === state.shown) renderMembers();
}

// "+o bob", "-v carol", "+ov-k a b key": only op and voice change what the page shows, but
// every mode that takes an argument consumes one so that the right nick gets each flag.
function applyMode(conv, text) {
  const [modes, ...args] = text.split(" ");
  let sign = "+";
  for (const c of modes || "") {
    if (c === "+" || c === "-") { sign = c; continue; }
    const takesArg = "ovbkeI".includes(c) || (c === "l" && sign === "+");
    const arg = takesArg ? args.shift() : undefined;
    const member = arg && conv.members.get(fold(arg));
    if (member && c === "o") member.op = sign === "+";
    if (member && c === "v") member.voice = sign === "+";
  }
}

function renamed(e) {
  const from = fold(e.nick);
  const to = e.text;
  if (state.nick && from === fold(state.nick)) {
    state.nick = to;
    // A rename the user made (not the server's guest name) is the one to reclaim later.
    state.wantedNick = to;
    renderMe();
  }
  for (const conv of state.convs.values()) {
    const member = conv.members.get(from);
    if (member) {
      conv.members.delete(from);
      conv.members.set(fold(to), { ...member, nick: to });
      addEntry(conv, e);
    }
  }
  // A private conversation follows the person to the new name.
  const priv = state.convs.get(from);
  if (priv && !isRoom(priv.target) && !state.convs.has(fold(to))) {
    state.convs.delete(from);
    priv.target = to;
    state.convs.set(fold(to), priv);
    addEntry(priv, e);
    renderConversations();
  }
}

// ---- the log ------------------------------------------------------------------------------

function entryOf(e) {
  return { ...e };
}

// A line the page itself writes (help, errors, notes): kind "error" | "info" | "motd".
function note(conv, kind, text) {
  if (!conv) {
    console.warn(text);
    return;
  }
  addEntry(conv, { kind, text, time: new Date().toISOString(), local: true });
}

function addEntry(conv, e, { quiet = false } = {}) {
  if (e.id) {
    if (conv.ids.has(e.id)) return;
    conv.ids.add(e.id);
  }
  conv.entries.push(entryOf(e));
  if (conv.entries.length > MAX_ENTRIES) {
    const dropped = conv.entries.splice(0, conv.entries.length - MAX_ENTRIES);
    for (const x of dropped) if (x.id) conv.ids.delete(x.id);
    conv.more = true;
  }
  const talk = ["message", "action", "notice"].includes(e.kind);
  if (conv === state.shown) {
    const log = $("log");
    const atBottom = nearBottom();
    log.append(renderEntry(e));
    while (log.childElementCount > MAX_ENTRIES) log.firstElementChild.remove();
    if (atBottom || (talk && isOwn(e))) scrollToBottom();
    if (talk && !quiet && !isOwn(e)) announce(e);
  } else if (talk && !quiet && !isOwn(e)) {
    conv.unread += 1;
    renderConversations();
  }
}

const isOwn = (e) => !e.local && state.nick && fold(e.nick || "") === fold(state.nick);

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

function formatTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? ""
    : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
}

function renderEntry(e) {
  const li = document.createElement("li");
  li.className = "entry";
  li.dataset.kind = e.kind;
  if (e.id) li.dataset.id = String(e.id);
  const talk = ["message", "action", "notice"].includes(e.kind);
  if (!talk) li.classList.add("muted");
  if (isOwn(e)) li.classList.add("own");
  if (talk && !isOwn(e) && state.nick && mentions(e.text || "", state.nick)) li.classList.add("mention");

  const time = document.createElement("time");
  time.className = "time";
  time.dateTime = e.time || "";
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

function mentions(text, nick) {
  const t = fold(text), n = fold(nick);
  const i = t.indexOf(n);
  const word = (c) => c !== undefined && /[a-z0-9_\-\[\]\\`^{}|]/.test(c);
  return i >= 0 && !word(t[i - 1]) && !word(t[i + n.length]);
}

function announce(e) {
  const who = e.room ? `${e.nick} in ${e.room}` : `${e.nick}, privately`;
  $("announce").textContent = `${who}: ${e.text || ""}`;
}

function nearBottom() {
  const s = $("scroller");
  return s.scrollHeight - s.scrollTop - s.clientHeight < 40;
}

function scrollToBottom() {
  const s = $("scroller");
  s.scrollTop = s.scrollHeight;
}

function renderLog({ keepPlace = false } = {}) {
  const s = $("scroller");
  const fromBottom = s.scrollHeight - s.scrollTop;
  const conv = state.shown;
  $("log").replaceChildren(...(conv ? conv.entries.map(renderEntry) : []));
  $("more").hidden = !conv || !isRoom(conv.target) || !conv.more;
  if (keepPlace) s.scrollTop = s.scrollHeight - fromBottom;
  else scrollToBottom();
}

// ---- the panes ----------------------------------------------------------------------------

function show(conv) {
  state.shown = conv;
  conv.unread = 0;
  renderConversations();
  renderHead();
  renderMembers();
  renderLog();
  closePanes();
}

function close(conv, quietly = false) {
  state.convs.delete(fold(conv.target));
  if (state.shown === conv) {
    state.shown = null;
    const next = [...state.convs.values()][0];
    if (next) show(next);
    else { renderHead(); renderMembers(); renderLog(); }
  }
  renderConversations();
  if (!quietly) $("input").focus();
}

function renderConversations() {
  const items = [...state.convs.values()]
    .sort((a, b) => (isRoom(b.target) - isRoom(a.target)) || fold(a.target).localeCompare(fold(b.target)))
    .map((conv) => {
      const li = document.createElement("li");
      li.dataset.target = conv.target;
      if (conv === state.shown) li.classList.add("active");
      const button = document.createElement("button");
      button.type = "button";
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = conv.target;
      button.append(name);
      if (conv.unread > 0) {
        const unread = document.createElement("span");
        unread.className = "unread";
        unread.textContent = String(conv.unread);
        unread.setAttribute("aria-label", `${conv.unread} unread`);
        button.append(unread);
      }
      if (conv === state.shown) button.setAttribute("aria-current", "page");
      if (!isRoom(conv.target)) li.classList.add("private");
      li.append(button);
      return li;
    });
  $("conversations").replaceChildren(...items);
  const total = [...state.convs.values()].reduce((n, c) => n + c.unread, 0);
  document.title = total ? `(${total}) Parley` : "Parley";
}

function renderHead() {
  const conv = state.shown;
  $("title").textContent = conv ? conv.target : "Parley";
  const room = conv && isRoom(conv.target);
  const topic = room && conv.topic && conv.topic.text;
  $("topic").textContent = topic || (room ? "No topic" : conv ? "Private conversation" : "");
  $("topic").classList.toggle("empty", !topic);
  if (topic && conv.topic.nick) $("topic").title = `set by ${conv.topic.nick}`;
  else $("topic").removeAttribute("title");
  $("topic-button").hidden = !room || !conv.joined;
  $("leave-button").hidden = !conv;
  $("leave-button").textContent = room ? "Leave" : "Close";
  $("input").placeholder = conv ? `Message ${conv.target}, or /help` : "Message, or /help";
}

function renderMembers() {
  const conv = state.shown;
  const members = conv && isRoom(conv.target) ? [...conv.members.values()] : [];
  members.sort((a, b) => fold(a.nick).localeCompare(fold(b.nick)));
  $("members").replaceChildren(...members.map((m) => {
    const li = document.createElement("li");
    li.dataset.nick = m.nick;
    if (m.op) li.classList.add("op");
    else if (m.voice) li.classList.add("voice");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = m.nick;
    const role = m.op ? ", operator" : m.voice ? ", voice" : "";
    const self = state.nick && fold(m.nick) === fold(state.nick);
    if (self) li.classList.add("self");
    button.setAttribute("aria-label", self ? `${m.nick}${role} (you)` : `${m.nick}${role}: private message`);
    li.append(button);
    return li;
  }));
  $("member-count").textContent = members.length ? `(${members.length})` : "";
  document.body.classList.toggle("no-members", !(conv && isRoom(conv.target)));
}

function renderMe() {
  $("me").textContent = state.nick || "…";
}

function renderRoomList(rooms) {
  rooms.sort((a, b) => fold(a.name).localeCompare(fold(b.name)));
  $("room-entries").replaceChildren(...rooms.map((r) => {
    const li = document.createElement("li");
    li.dataset.room = r.name;
    const button = document.createElement("button");
    button.type = "button";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = r.name;
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = `${r.members} ${r.members === 1 ? "member" : "members"}`;
    const topic = document.createElement("span");
    topic.className = "room-topic";
    topic.textContent = r.topic || "";
    button.append(name, count, topic);
    li.append(button);
    return li;
  }));
  $("room-list-empty").hidden = rooms.length > 0;
}

// ---- what the user does -------------------------------------------------------------------

function join(room, key) {
  const name = room.startsWith("#") ? room : `#${room}`;
  const existing = state.convs.get(fold(name));
  if (existing && existing.joined) return show(existing);
  const conv = conversation(name);
  conv.requested = true;
  conv.key = key || "";
  const command = { type: "join", room: name, ref: ref() };
  conv.joinRef = command.ref;
  if (key) command.key = key;
  if (!send(command)) close(conv, true);
}

function openPrivate(nick, text) {
  const conv = conversation(nick);
  show(conv);
  if (text) send({ type: "msg", to: nick, text });
  $("input").focus();
}

function leave(reason) {
  const conv = state.shown;
  if (!conv) return;
  if (!isRoom(conv.target) || !conv.joined) return close(conv);
  const command = { type: "part", room: conv.target };
  if (reason) command.reason = reason;
  send(command);  // the part event that comes back closes the conversation
}

function loadEarlier(limit = PAGE) {
  const conv = state.shown;
  if (!conv || !isRoom(conv.target)) return;
  const oldest = conv.entries.find((x) => x.id);
  const command = { type: "history", room: conv.target, limit, ref: ref() };
  if (oldest) command.before = oldest.id;
  state.pages.add(command.ref);
  send(command);
}

function submitLine(line) {
  if (!line.trim()) return;
  if (!state.shown && !line.startsWith("/")) return;
  const action = parseLine(line, state.shown ? state.shown.target : "#lobby");
  if (action.error) return note(state.shown, "error", action.error);
  if (action.send) return send(action.send);
  switch (action.local) {
    case "help": for (const h of HELP) note(state.shown, "info", h); break;
    case "rooms": openRoomList(); break;
    case "nick": openNickDialog(); break;
    case "part": leave(action.reason); break;
    case "msg": openPrivate(action.to, action.text); break;
    case "history": loadEarlier(action.limit); break;
    case "topic": {
      const t = state.shown.topic;
      note(state.shown, "info", t && t.text ? `Topic: ${t.text} (set by ${t.nick})` : "No topic is set");
      break;
    }
  }
}

function openRoomList() {
  send({ type: "rooms", ref: ref() });
  $("room-list").showModal();
  $("join-input").value = "";
  $("join-input").focus();
}

function openNickDialog() {
  $("nick-input").value = state.nick || "";
  $("nick-dialog").showModal();
  $("nick-input").select();
}

function closePanes() {
  for (const [button, pane] of [["show-conversations", "sidebar"], ["show-members", "member-pane"]]) {
    $(pane).classList.remove("open");
    $(button).setAttribute("aria-expanded", "false");
  }
}

function togglePane(buttonId, paneId) {
  const open = !$(paneId).classList.contains("open");
  closePanes();
  $(paneId).classList.toggle("open", open);
  $(buttonId).setAttribute("aria-expanded", String(open));
  if (open) $(paneId).querySelector("button")?.focus();
}

function wire() {
  $("compose").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const line = $("input").value;
    $("input").value = "";
    submitLine(line);
  });
  $("conversations").addEventListener("click", (ev) => {
    const li = ev.target.closest("li[data-target]");
    const conv = li && state.convs.get(fold(li.dataset.target));
    if (conv) { show(conv); $("input").focus(); }
  });
  $("members").addEventListener("click", (ev) => {
    const li = ev.target.closest("li[data-nick]");
    if (li && fold(li.dataset.nick) !== fold(state.nick || "")) openPrivate(li.dataset.nick);
  });
  $("room-entries").addEventListener("click", (ev) => {
    const li = ev.target.closest("li[data-room]");
    if (!li) return;
    $("room-list").close();
    join(li.dataset.room);
  });
  $("join-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const [room, key] = $("join-input").value.trim().split(/\s+/);
    if (!room) return;
    $("room-list").close();
    join(room, key);
  });
  $("nick-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const nick = $("nick-input").value.trim();
    $("nick-dialog").close();
    if (nick && nick !== state.nick) send({ type: "nick", nick, ref: ref() });
  });
  $("topic-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    $("topic-dialog").close();
    if (state.shown) send({ type: "topic", room: state.shown.target, text: $("topic-input").value.trim() });
  });
  $("me").addEventListener("click", openNickDialog);
  $("rooms-button").addEventListener("click", openRoomList);
  $("leave-button").addEventListener("click", () => leave());
  $("topic-button").addEventListener("click", () => {
    $("topic-input").value = state.shown?.topic?.text || "";
    $("topic-dialog").showModal();
  });
  $("more").addEventListener("click", () => loadEarlier());
  $("status").addEventListener("click", () => connection.retryNow());
  $("show-conversations").addEventListener("click", () => togglePane("show-conversations", "sidebar"));
  $("show-members").addEventListener("click", () => togglePane("show-members", "member-pane"));
  for (const dialog of document.querySelectorAll("dialog")) {
    // Escape closes a <dialog> by itself; the close buttons and a click on the backdrop too.
    dialog.addEventListener("click", (ev) => {
      if (ev.target === dialog || ev.target.closest("[data-close]")) dialog.close();
    });
    dialog.addEventListener("close", () => $("input").focus());
  }
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && document.querySelector(".pane.open")) {
      closePanes();
      $("input").focus();
    }
    // Alt+Up / Alt+Down: previous / next conversation.
    if (ev.altKey && (ev.key === "ArrowUp" || ev.key === "ArrowDown")) {
      const items = [...$("conversations").querySelectorAll("li[data-target]")];
      const i = items.findIndex((li) => li.classList.contains("active"));
      const next = items[(i + (ev.key === "ArrowUp" ? -1 : 1) + items.length) % items.length];
      if (next) { ev.preventDefault(); show(state.convs.get(fold(next.dataset.target))); }
    }
  });
}

// ---- the connection -----------------------------------------------------------------------

function setStatus(stateName, text) {
  $("status").dataset.state = stateName;
  $("status").textContent = text;
}

const connection = new Connection({
  onConnecting() {
    setStatus("connecting", "Connecting…");
  },
  onOpen() {
    setStatus("open", "Connected");
  },
  onMessage(m) {
    const handler = handlers[m.type];
    if (handler) handler(m);
  },
  onClose(reason, delay) {
    for (const conv of state.convs.values()) if (isRoom(conv.target)) conv.members.clear();
    renderMembers();
    if (delay === null) {
      setStatus("closed", "Disconnected. Reload the page to come back.");
      note(state.shown, "info", reason || "You left Parley.");
      return;
    }
    note(state.shown, "error", `Connection lost${reason ? `: ${reason}` : ""}. Reconnecting…`);
    setStatus("closed", `Reconnecting in ${Math.ceil(delay / 1000)} s`);
  },
  onTick(seconds) {
    setStatus("closed", `Reconnecting in ${seconds} s`);
  },
});

wire();
connection.connect();
$("input").focus();
