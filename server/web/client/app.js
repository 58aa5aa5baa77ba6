// Parley's web client: one page, one WebSocket (/ws, JSON; the contract is the server's), no
// framework. Everything that comes from the network (nicks, text, topics, room names) reaches
// the page through textContent only, never as HTML, so no message can become markup or script.

import { Connection } from "./connection.js";
import { parseLine, HELP } from "./commands.js";
import { daySeparator, fold, isTalk, ownEvent, renderEntry } from "./entry.js";

const $ = (id) => document.getElementById(id);
const MAX_ENTRIES = 2000;  // per conversation: a tab left open for days stays small
const PAGE = 50;           // "Earlier messages" fetches this many

const isRoom = (target) => target.startsWith("#");
// What makes an event the same one when it arrives twice (live, then in scrollback): its id
// and time (a server restarted without a data directory counts ids from 1 again), or for
// events without an id (join, part, ...) everything they say.
const keyOf = (e) =>
  e.id ? `${e.id}@${e.time}` : [e.kind, e.time, e.nick, e.room, e.text, e.target].join("\n");

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
  limits: {},          // from welcome: text, topic, history
};

// A room or private conversation: its log (event objects), members and unread count.
function conversation(target) {
  let conv = state.convs.get(fold(target));
  if (!conv) {
    conv = { target, entries: [], keys: new Set(), members: new Map(), topic: null,
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
    state.limits = m.limits || {};
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
    const paging = state.pages.delete(m.ref);
    const events = (m.events || []).filter((e) => !conv.keys.has(keyOf(e)));
    for (const e of events) conv.keys.add(keyOf(e));
    // The first scrollback of a room, and every page asked for, say whether there is more.
    // (Later ones, after a reconnect or when the server restores a room's stored history,
    // do not change what "Earlier messages" would find.)
    if (paging) conv.more = m.more && events.length > 0;
    else if (!conv.seen) conv.more = m.more;
    // What was missed while disconnected counts as unread: newer than anything we had.
    const last = conv.entries.findLast((x) => x.time && !x.local)?.time || 0;
    if (conv.seen && !paging && conv !== state.shown) {
      conv.unread += events.filter((e) => e.time > last && isTalk(e) && !isOwn(e)).length;
      renderConversations();
    }
    conv.seen = true;
    conv.entries = mergeByTime(conv.entries, events);
    if (conv === state.shown) renderLog({ keepPlace: paging || !nearBottom() });
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
        const conv = roomOf(e);
        if (!conv) return;
        conv.members.set(fold(e.nick), { nick: e.nick });
        addEntry(conv, e);
        break;
      }
      case "part": case "kick": {
        const conv = e.room && state.convs.get(fold(e.room));
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
        const conv = roomOf(e);
        if (!conv) return;
        conv.topic = e.text ? { text: e.text, nick: e.nick, time: e.time } : null;
        addEntry(conv, e);
        break;
      }
      case "mode": {
        const conv = roomOf(e);
        if (!conv) return;
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

// The conversation of a room's event (the one shown, should a room be missing).
function roomOf(e) {
  return e.room ? conversation(e.room) : state.shown;
}

// Scrollback, pages and restored history all fall into place by time: the log may already
// hold our join line, the MOTD, or what came before a drop. Both lists are in time order; the
// page's own notes carry the browser's clock, close enough to place them.
function mergeByTime(entries, events) {
  if (events.length === 0) return entries;
  const merged = [];
  let i = 0;
  for (const e of events) {
    while (i < entries.length && entries[i].time <= e.time) merged.push(entries[i++]);
    merged.push(e);
  }
  return merged.concat(entries.slice(i));
}

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
  const from = fold(e.nick || "");
  const to = e.text || "";
  const mine = state.nick && from === fold(state.nick);
  if (mine) {
    state.nick = to;
    // A rename the user made (not the server's guest name) is the one to reclaim later.
    state.wantedNick = to;
    renderMe();
  }
  let told = false;
  for (const conv of state.convs.values()) {
    const member = conv.members.get(from);
    if (member) {
      conv.members.delete(from);
      conv.members.set(fold(to), { ...member, nick: to });
      addEntry(conv, e);
      told = told || conv === state.shown;
    }
  }
  if (mine && !told && state.shown) addEntry(state.shown, e);
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

// A line the page itself writes (help, errors, notes): kind "error" | "info" | "motd".
function note(conv, kind, text) {
  if (!conv) {
    console.warn(text);
    return;
  }
  addEntry(conv, { kind, text, time: Date.now(), local: true });
}

function addEntry(conv, e) {
  if (!e.local) {
    if (conv.keys.has(keyOf(e))) return;
    conv.keys.add(keyOf(e));
  }
  conv.entries.push(e);
  if (conv.entries.length > MAX_ENTRIES) {
    const dropped = conv.entries.splice(0, conv.entries.length - MAX_ENTRIES);
    for (const x of dropped) conv.keys.delete(keyOf(x));
    conv.more = true;
  }
  const talk = isTalk(e);
  if (conv === state.shown) {
    const log = $("log");
    const atBottom = nearBottom();
    const day = daySeparator(conv.entries[conv.entries.length - 2], e);
    if (day) log.append(day);
    log.append(renderEntry(e, state.nick));
    while (log.childElementCount > MAX_ENTRIES + 50) log.firstElementChild.remove();
    if (atBottom || (talk && isOwn(e))) scrollToBottom();
    if (talk && !isOwn(e)) announce(e);
  } else if (talk && !isOwn(e)) {
    conv.unread += 1;
    renderConversations();
  }
}

const isOwn = (e) => ownEvent(e, state.nick);

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
  const nodes = [];
  for (const [i, e] of (conv ? conv.entries : []).entries()) {
    const day = daySeparator(conv.entries[i - 1], e);
    if (day) nodes.push(day);
    nodes.push(renderEntry(e, state.nick));
  }
  $("log").replaceChildren(...nodes);
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

// Lists are redrawn whole (they are short); a keyboard user's focus stays on the same item.
function replaceItems(list, items, key) {
  const focused = list.contains(document.activeElement)
    ? document.activeElement.closest("li")?.dataset[key] : undefined;
  list.replaceChildren(...items);
  if (focused !== undefined) items.find((li) => li.dataset[key] === focused)?.querySelector("button")?.focus();
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
        button.append(unread);
        button.setAttribute("aria-label", `${conv.target}, ${conv.unread} unread`);
      }
      if (conv === state.shown) button.setAttribute("aria-current", "page");
      if (!isRoom(conv.target)) li.classList.add("private");
      li.append(button);
      return li;
    });
  replaceItems($("conversations"), items, "target");
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
  replaceItems($("members"), members.map((m) => {
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
  }), "nick");
  $("member-count").textContent = members.length ? `(${members.length})` : "";
  $("show-members").textContent = members.length ? `Members ${members.length}` : "Members";
  document.body.classList.toggle("no-members", !(conv && isRoom(conv.target)));
}

function renderMe() {
  $("me").textContent = state.nick || "…";
}

function renderRoomList(rooms) {
  rooms.sort((a, b) => fold(a.name).localeCompare(fold(b.name)));
  replaceItems($("room-entries"), rooms.map((r) => {
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
  }), "room");
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
  limit = Math.min(limit, state.limits.history || limit);  // the server's page limit
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
    case "join": join(action.room, action.key); break;
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
  // On a phone a pane lies over the log: a tap beside it puts it away.
  document.querySelector(".main").addEventListener("click", closePanes);
  for (const dialog of document.querySelectorAll("dialog")) {
    // Escape closes a <dialog> by itself; the close buttons and a click on the backdrop too.
    dialog.addEventListener("click", (ev) => {
      const r = dialog.getBoundingClientRect();
      const outside = ev.target === dialog && (ev.clientX < r.left || ev.clientX > r.right ||
                                               ev.clientY < r.top || ev.clientY > r.bottom);
      if (outside || ev.target.closest("[data-close]")) dialog.close();
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

// The status line counts down every second: screen readers hear only the changes of state.
function setStatus(stateName, text) {
  if ($("status").dataset.state !== stateName) $("announce").textContent = text;
  $("status").dataset.state = stateName;
  $("status").textContent = text;
  $("status").title = stateName === "closed" && !connection.stopped ? "Click to reconnect now" : "";
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
  onClose(reason, delay, wasOpen) {
    for (const conv of state.convs.values()) if (isRoom(conv.target)) conv.members.clear();
    renderMembers();
    if (delay === null) {
      setStatus("closed", "Disconnected. Reload the page to come back.");
      note(state.shown, "info", reason || "You left Parley.");
      return;
    }
    if (wasOpen) note(state.shown, "error", `Connection lost${reason ? `: ${reason}` : ""}. Reconnecting…`);
    setStatus("closed", `Reconnecting in ${Math.ceil(delay / 1000)} s`);
  },
  onTick(seconds) {
    setStatus("closed", `Reconnecting in ${seconds} s`);
  },
});

wire();
connection.connect();
$("input").focus();
