/// A key as the terminal adapter reports it, already decoded.
public enum Key: Sendable, Hashable, CustomStringConvertible {
    case char(Character)
    case ctrl(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case tab, backTab, enter, escape, backspace, delete

    public var description: String {
        switch self {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .ctrl(let c): return "Ctrl-" + String(c).uppercased()
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .backspace: return "Bksp"
        case .delete: return "Del"
        }
    }
}

/// Everything the terminal can tell the app.
public enum InputEvent: Sendable, Hashable {
    case key(Key)
    case resize(Size)
    /// Mouse wheel: negative = up, positive = down; at a screen position.
    case wheel(delta: Int, x: Int, y: Int)
}

/// The commands a key can be bound to (the closed set the help overlay lists).
public enum Command: String, Sendable, Hashable, CaseIterable {
    case lineDown, lineUp, pageDown, pageUp, top, bottom
    case nextMessage, previousMessage, nextPatch, previousPatch, nextComment, previousComment
    case search, searchNext, searchPrevious
    case focusNext, focusPrevious, activate, followLink
    case addNote, editNote, deleteNote, attachEvidence, link, export, save, quit, help, redraw
    case growPane, shrinkPane, zoomPane
}

/// One key binding: the key, what it does, and how the help overlay files it.
public struct KeyBinding: Sendable, Hashable {
    public var keys: [Key]
    public var command: Command
    public var help: String
    public var group: String
    public init(_ keys: [Key], _ command: Command, _ help: String, group: String) {
        self.keys = keys
        self.command = command
        self.help = help
        self.group = group
    }
}

/// The key table: the single source for dispatch and for the help overlay.
public struct Keymap: Sendable, Equatable {
    public var bindings: [KeyBinding]
    private var index: [Key: Command]

    public init(bindings: [KeyBinding]) {
        self.bindings = bindings
        var idx: [Key: Command] = [:]
        for b in bindings { for k in b.keys where idx[k] == nil { idx[k] = b.command } }
        index = idx
    }

    /// The command bound to a key, if any.
    public func command(for key: Key) -> Command? { index[key] }

    /// The default bindings (design §7).
    public static let standard = Keymap(bindings: [
        KeyBinding([.char("j"), .down], .lineDown, "next line", group: "Move"),
        KeyBinding([.char("k"), .up], .lineUp, "previous line", group: "Move"),
        KeyBinding([.pageDown, .ctrl("f")], .pageDown, "page down", group: "Move"),
        KeyBinding([.pageUp, .ctrl("b")], .pageUp, "page up", group: "Move"),
        KeyBinding([.char("g"), .home], .top, "top", group: "Move"),
        KeyBinding([.char("G"), .end], .bottom, "bottom", group: "Move"),
        KeyBinding([.char("J")], .nextMessage, "next message", group: "Review"),
        KeyBinding([.char("K")], .previousMessage, "previous message", group: "Review"),
        KeyBinding([.char("]")], .nextPatch, "next patch", group: "Review"),
        KeyBinding([.char("[")], .previousPatch, "previous patch", group: "Review"),
        KeyBinding([.char(".")], .nextComment, "next comment", group: "Review"),
        KeyBinding([.char(",")], .previousComment, "previous comment", group: "Review"),
        KeyBinding([.char("/")], .search, "search messages and comments", group: "Search"),
        KeyBinding([.char("n")], .searchNext, "next match", group: "Search"),
        KeyBinding([.char("N")], .searchPrevious, "previous match", group: "Search"),
        KeyBinding([.tab], .focusNext, "focus next pane", group: "Panes"),
        KeyBinding([.backTab], .focusPrevious, "focus previous pane", group: "Panes"),
        KeyBinding([.char("+")], .growPane, "grow focused pane", group: "Panes"),
        KeyBinding([.char("-")], .shrinkPane, "shrink focused pane", group: "Panes"),
        KeyBinding([.char("z")], .zoomPane, "zoom focused pane", group: "Panes"),
        KeyBinding([.enter, .char(" ")], .activate, "open message / toggle knob or preset", group: "Act"),
        KeyBinding([.char("o")], .followLink, "follow link (comment <-> model)", group: "Act"),
        KeyBinding([.char("a")], .addNote, "add note on this line", group: "Act"),
        KeyBinding([.char("e")], .editNote, "write note in $EDITOR (on a note: edit it)", group: "Act"),
        KeyBinding([.char("D")], .deleteNote, "delete the note under the cursor (press twice)", group: "Act"),
        KeyBinding([.char("E")], .attachEvidence, "attach model evidence to the note (design, linked scenarios)", group: "Act"),
        KeyBinding([.char("L")], .link, "link/unlink line to a knob or scenario", group: "Act"),
        KeyBinding([.char("x")], .export, "export notes (reply, markdown, json)", group: "Act"),
        KeyBinding([.char("s")], .save, "save session", group: "Act"),
        KeyBinding([.char("?")], .help, "this help", group: "App"),
        KeyBinding([.ctrl("l")], .redraw, "redraw", group: "App"),
        KeyBinding([.char("q")], .quit, "quit (asks if unsaved)", group: "App"),
    ])

    /// Help overlay lines, grouped in table order: `  j Down      next line`.
    public func helpLines() -> [String] {
        var groups: [String] = []
        for b in bindings where !groups.contains(b.group) { groups.append(b.group) }
        var out: [String] = []
        for g in groups {
            out.append(g)
            for b in bindings where b.group == g {
                let keys = b.keys.map(\.description).joined(separator: " ")
                out.append("  " + DisplayWidth.pad(keys, to: 14) + " " + b.help)
            }
        }
        return out
    }
}
