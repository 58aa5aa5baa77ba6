// The WebSocket to /ws, reopened after every drop with exponential backoff: 1 s, doubling to
// 30 s, each wait scaled by a random factor (0.5..1) so that a restarted server is not hit by
// every browser in the same second. A connection that stayed up for a while starts over at 1 s.

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;
const STABLE_MS = 10000;  // open this long: the next drop is a new incident, not a retry loop

export class Connection {
  // handlers: onConnecting(), onOpen(), onMessage(object), onClose(reason, delayMs | null), onTick(secondsLeft)
  constructor(handlers) {
    this.handlers = handlers;
    this.ws = null;
    this.attempt = 0;
    this.openedAt = 0;
    this.stopped = false;  // after /quit: no reconnection
    this.timer = null;
  }

  url() {
    const url = new URL("/ws", location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.href;
  }

  connect() {
    clearInterval(this.timer);
    this.timer = null;
    this.handlers.onConnecting();
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.openedAt = Date.now();
      this.handlers.onOpen();
    });
    ws.addEventListener("message", (e) => {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;  // the server sends JSON only; anything else is not ours to show
      }
      if (msg && typeof msg.type === "string") this.handlers.onMessage(msg);
    });
    // "error" is always followed by "close", which is where the retry is planned.
    ws.addEventListener("close", (e) => this.closed(ws, e));
  }

  closed(ws, e) {
    if (ws !== this.ws) return;
    this.ws = null;
    if (this.openedAt && Date.now() - this.openedAt > STABLE_MS) this.attempt = 0;
    this.openedAt = 0;
    if (this.stopped) {
      this.handlers.onClose(e.reason, null);
      return;
    }
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    const delay = Math.round(base * (0.5 + Math.random() / 2));
    this.attempt += 1;
    this.handlers.onClose(e.reason, delay);
    // One timer counts down for the status line and reconnects at zero.
    const due = Date.now() + delay;
    const tick = () => {
      const left = due - Date.now();
      if (left <= 0) this.connect();
      else this.handlers.onTick(Math.ceil(left / 1000));
    };
    this.timer = setInterval(tick, 250);
    tick();
  }

  // Reconnect at once (the user asked to), skipping what is left of the wait.
  retryNow() {
    if (!this.ws && !this.stopped) this.connect();
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  // false when not connected: the caller tells the user rather than losing the line silently.
  send(command) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(command));
    return true;
  }

  stop() {
    this.stopped = true;
  }
}
