// The desktop's side of the session bus, for end-to-end tests that read what the app tells the
// member: a notification service (org.freedesktop.Notifications, as a desktop's notification
// daemon serves it) that records each notification and can click one (its default action), and
// a tray host (org.kde.StatusNotifierWatcher, as a panel serves it) that records the tray items
// registered and reads their label. Both run in this process, on the test's private D-Bus
// session (`cargo xtask test` starts one); the app talks to them as to any desktop.
import dbus from "dbus-next";

const { Interface } = dbus.interface;
const { Message, Variant } = dbus;

class Notifications extends Interface {
  constructor() {
    super("org.freedesktop.Notifications");
    /** Every notification shown, in order: {id, app, summary, body, actions, at, replaced}. */
    this.shown = [];
    /** Ids closed by the app. */
    this.closed = [];
    this.nextId = 1;
  }
  GetCapabilities() {
    return ["actions", "body"];
  }
  Notify(app, replacesId, _icon, summary, body, actions, _hints, _timeout) {
    const id = replacesId || this.nextId++;
    this.shown.push({ id, app, summary, body, actions, at: Date.now(), replaced: replacesId !== 0 });
    return id;
  }
  CloseNotification(id) {
    this.closed.push(id);
    this.NotificationClosed(id, 3);
  }
  GetServerInformation() {
    return ["countersign-e2e", "Countersign", "1", "1.2"];
  }
  NotificationClosed(id, reason) {
    return [id, reason];
  }
  ActionInvoked(id, action) {
    return [id, action];
  }
}

Notifications.configureMembers({
  methods: {
    GetCapabilities: { inSignature: "", outSignature: "as" },
    Notify: { inSignature: "susssasa{sv}i", outSignature: "u" },
    CloseNotification: { inSignature: "u", outSignature: "" },
    GetServerInformation: { inSignature: "", outSignature: "ssss" },
  },
  signals: {
    NotificationClosed: { signature: "uu" },
    ActionInvoked: { signature: "us" },
  },
});

const WATCHER = "org.kde.StatusNotifierWatcher";
const WATCHER_PATH = "/StatusNotifierWatcher";
const ITEM = "org.kde.StatusNotifierItem";

/**
 * Serves notifications and a tray host on the session bus. Returns what a test reads and does:
 * `notifications()`, `click(id)`, `trayItems()`, `trayLabel()`, and `stop()`.
 */
export async function startDesktopBus() {
  const bus = dbus.sessionBus();
  const notifications = new Notifications();
  bus.export("/org/freedesktop/Notifications", notifications);
  const named = await bus.requestName("org.freedesktop.Notifications", dbus.NameFlag.DO_NOT_QUEUE);
  if (named !== dbus.RequestNameReply.PRIMARY_OWNER) throw new Error("another notification service owns the name");

  // The tray host answers at the message level: registering an item is only known by who sent it.
  const items = [];
  const watcherProperties = () => ({
    IsStatusNotifierHostRegistered: new Variant("b", true),
    ProtocolVersion: new Variant("i", 0),
    RegisteredStatusNotifierItems: new Variant("as", items.map((i) => `${i.service}${i.path}`)),
  });
  bus.addMethodHandler((msg) => {
    if (msg.path !== WATCHER_PATH) return false;
    const reply = (signature, body) => {
      bus.send(Message.newMethodReturn(msg, signature, body));
      return true;
    };
    if (msg.interface === WATCHER && msg.member === "RegisterStatusNotifierItem") {
      const arg = msg.body[0];
      const item = arg.startsWith("/") ? { service: msg.sender, path: arg } : { service: arg, path: "/StatusNotifierItem" };
      items.push(item);
      return reply("", []);
    }
    if (msg.interface === WATCHER && msg.member === "RegisterStatusNotifierHost") return reply("", []);
    if (msg.interface === "org.freedesktop.DBus.Properties" && msg.member === "Get") {
      const value = watcherProperties()[msg.body[1]];
      if (!value) return false;
      return reply("v", [value]);
    }
    if (msg.interface === "org.freedesktop.DBus.Properties" && msg.member === "GetAll") return reply("a{sv}", [watcherProperties()]);
    return false;
  });
  const watched = await bus.requestName(WATCHER, dbus.NameFlag.DO_NOT_QUEUE);
  if (watched !== dbus.RequestNameReply.PRIMARY_OWNER) throw new Error("another tray host owns the name");

  async function itemProperty(item, name) {
    const answer = await bus.call(
      new Message({
        destination: item.service,
        path: item.path,
        interface: "org.freedesktop.DBus.Properties",
        member: "Get",
        signature: "ss",
        body: [ITEM, name],
      }),
    );
    return answer.body[0].value;
  }

  return {
    /** Every notification shown so far, in order. */
    notifications: () => [...notifications.shown],
    /** Ids of the notifications the app closed. */
    closed: () => [...notifications.closed],
    /** Clicks notification `id` (its default action), as a person would: it is then dismissed, as daemons do. */
    click: (id) => {
      notifications.ActionInvoked(id, "default");
      notifications.NotificationClosed(id, 2);
    },
    /** The tray items registered. */
    trayItems: () => [...items],
    /** The label of the app's tray item (its needs-me count; "" when none), or null if it has none. */
    trayLabel: async () => {
      const item = items.at(-1);
      return item ? String(await itemProperty(item, "XAyatanaLabel")) : null;
    },
    stop: () => bus.disconnect(),
  };
}
