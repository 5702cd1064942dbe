import Linking
import Notes

/// The three panes.
public enum Pane: Int, Sendable, Hashable, CaseIterable {
    case tree, patch, model
    var title: String {
        switch self {
        case .tree: return "Thread"
        case .patch: return "Patch"
        case .model: return "Model"
        }
    }
}

/// A reviewer note, anchored to a line of a message.
public struct NoteView: Sendable, Hashable {
    public var messageID: String
    public var message: Int
    /// Index into the message's `lines`.
    public var line: Int
    public var text: String
    /// The id of the session note this view shows (nil for a note typed in this run).
    public var sessionID: String?
    /// Model evidence attached to the note (`E`): the design and the linked scenarios' results.
    public var evidence: Evidence?
    public init(messageID: String, message: Int, line: Int, text: String, sessionID: String? = nil,
                evidence: Evidence? = nil) {
        self.messageID = messageID
        self.message = message
        self.line = line
        self.text = text
        self.sessionID = sessionID
        self.evidence = evidence
    }
}

/// A reviewer's manual link from a line (or the comment on it) to a model element.
public struct ManualLinkView: Sendable, Hashable {
    public var messageID: String
    public var message: Int
    /// Index into the message's `lines`.
    public var line: Int
    public var target: LinkTarget
    /// Why it exists, as shown with the link.
    public var reason: String
    public init(messageID: String, message: Int, line: Int, target: LinkTarget, reason: String = ManualLinkView.addedByYou) {
        self.messageID = messageID
        self.message = message
        self.line = line
        self.target = target
        self.reason = reason
    }

    /// The reason given to links made in the TUI.
    public static let addedByYou = "added by you"
}

/// Where a note will be attached.
public struct LineRef: Sendable, Hashable {
    public var message: Int
    public var line: Int
    public init(message: Int, line: Int) {
        self.message = message
        self.line = line
    }
}

/// One displayed row of the patch pane: a message line or a note line, pre-split into cells.
public struct DocRow: Sendable, Hashable {
    /// The row's text runs. Cells are made only for the rows a frame draws, and only as many as
    /// the pane shows: a row costs its spans (which share the message's text), not a cell per
    /// character, so a patch of hundreds of thousands of lines stays small.
    public var spans: [Span]
    /// Index into the message's lines (note rows carry the line they hang under).
    public var line: Int
    public var kind: LineKind
    public var note: Int?

    /// All the row's cells.
    public var cells: CellLine { CellLine(spans) }

    /// The cells a pane `width` columns wide shows (plus one, to tell that the line was cut).
    public func cells(width: Int) -> CellLine { CellLine(spans, limit: width) }
}

/// A destination a link list entry leads to.
public enum Destination: Sendable, Hashable {
    case model(LinkTarget)
    case line(message: Int, line: Int)
}

/// One entry of the link list overlay.
public struct LinkEntry: Sendable, Hashable {
    public var label: String
    public var destination: Destination
    public init(label: String, destination: Destination) {
        self.label = label
        self.destination = destination
    }
}

/// Modal layers drawn over the panes.
public enum Overlay: Sendable, Hashable {
    case help(scroll: Int)
    case links(title: String, entries: [LinkEntry], cursor: Int)
    case noteEditor(anchor: LineRef, text: String)
    case searchPrompt(text: String)
    case confirmQuit
    /// Pick the model element to link the line at `anchor` to (knobs and scenarios, cursor row).
    case linkPrompt(anchor: LineRef, targets: [LinkTarget], cursor: Int)
    /// Pick an export format (cursor into `ExportFormat.allCases`).
    case exportPrompt(cursor: Int)
}

/// A cursor and scroll offset in a list.
public struct ListPosition: Sendable, Hashable {
    public var cursor: Int = 0
    public var scroll: Int = 0
    public init(cursor: Int = 0, scroll: Int = 0) {
        self.cursor = cursor
        self.scroll = scroll
    }
}

/// A row of the model pane.
public enum ModelRow: Sendable, Hashable {
    case section(String)
    case preset
    case knob(Int)
    case scenario(Int)
    case text(String, LineKind)
    case blank
}

/// Export formats offered by `x`.
public enum ExportFormat: String, Sendable, Hashable, CaseIterable { case reply, markdown, json }

/// The whole application state. A value: `reduce` changes it, `render` draws it.
public struct AppState: Sendable, Equatable {
    public var review: ReviewView
    public var size: Size
    public var focus: Pane = .patch
    /// Relative column widths of tree, patch and model.
    public var weights: [Int] = [22, 46, 32]
    public var zoomed = false
    public var tree = ListPosition()
    /// The message shown in the patch pane.
    public var message: Int?
    public var document: [DocRow] = []
    public var patch = ListPosition()
    public var modelPosition = ListPosition()
    public var snapshot: ModelSnapshot?
    /// Scenario ids whose outcome changed at the last re-simulation.
    public var changed: Set<String> = []
    public var simulating = false
    public var notes: [NoteView] = []
    /// Manual links made by the reviewer (loaded from the session or added with `L`).
    public private(set) var manualLinks: [ManualLinkView] = []
    public var overlay: Overlay?
    public var searchQuery = ""
    public var matches: [LineRef] = []
    public var unsaved = false
    public var status = ""
    /// The status line of the edit an autosave was started for (shown with the save's outcome).
    var autosaveStatus: String?
    /// The note `$EDITOR` is editing (nil: the editor writes a new note).
    var editingNote: Int?
    /// The note a first `D` asked to delete; a second `D` on it deletes.
    var pendingDelete: Int?
    public var colors = true
    public var running = true
    public var exportFormat: ExportFormat = .markdown

    public init(review: ReviewView, size: Size, snapshot: ModelSnapshot? = nil) {
        self.review = review
        self.size = size
        self.snapshot = snapshot
        if let first = review.entries.firstIndex(where: { $0.message != nil }) {
            tree.cursor = first
            message = review.entries[first].message
        }
        rebuildDocument()
        status = review.title
    }

    /// The rows of the model pane for the current snapshot.
    public var modelRows: [ModelRow] {
        guard let s = snapshot else {
            return [.text(simulating ? "simulating…" : "model not available", .text)]
        }
        var rows: [ModelRow] = [.section("Design"), .preset]
        for i in s.knobs.indices { rows.append(.knob(i)) }
        rows.append(.blank)
        rows.append(.section("Scenarios"))
        for i in s.scenarios.indices { rows.append(.scenario(i)) }
        rows.append(.blank)
        rows.append(.section("Warnings (\(s.warnings.count))"))
        if s.warnings.isEmpty { rows.append(.text("none", .text)) }
        for w in s.warnings {
            rows.append(.text(w.title, .removed))
            for l in w.lines { rows.append(.text("  " + l, .text)) }
        }
        rows.append(.blank)
        rows.append(.section("Header"))
        for l in s.header { rows.append(.text(l, .context)) }
        return rows
    }

    /// Adds a manual link and shows it on its line (badge, `o`, the model's comment list).
    /// - Returns: false when the same link exists or the line is not in the review.
    @discardableResult
    public mutating func addManualLink(_ link: ManualLinkView) -> Bool {
        guard review.messages.indices.contains(link.message), !manualLinks.contains(where: { $0.message == link.message
            && $0.line == link.line && $0.target == link.target }) else { return false }
        materialize(link.message)
        guard review.messages[link.message].lines.indices.contains(link.line) else { return false }
        manualLinks.append(link)
        applyLinks(at: link.message, line: link.line)
        return true
    }

    /// Removes a manual link. - Returns: whether it was there.
    @discardableResult
    public mutating func removeManualLink(message m: Int, line: Int, target: LinkTarget) -> Bool {
        guard let i = manualLinks.firstIndex(where: { $0.message == m && $0.line == line && $0.target == target }) else { return false }
        manualLinks.remove(at: i)
        applyLinks(at: m, line: line)
        return true
    }

    /// The manual links on a line.
    public func manualLinks(message m: Int, line: Int) -> [ManualLinkView] {
        manualLinks.filter { $0.message == m && $0.line == line }
    }

    mutating func materialize(_ m: Int) {
        if review.messages[m].isDeferred { review.materialize(m) }
    }

    /// The line that carries the links of line `l`: a comment's header row for any row of that comment.
    func linkCarrier(message m: Int, line l: Int) -> Int {
        let lines = review.messages[m].lines
        guard lines.indices.contains(l), let c = lines[l].comment else { return l }
        var i = l
        while i > 0, lines[i].kind != .commentHeader, lines[i - 1].comment == c { i -= 1 }
        return i
    }

    /// Re-derives the manual `Link`s shown on a line (and its comment) from `manualLinks`.
    mutating func applyLinks(at m: Int, line l: Int) {
        let carrier = linkCarrier(message: m, line: l)
        let mine = manualLinks.filter { $0.message == m && linkCarrier(message: m, line: $0.line) == carrier }
            .map { Link(target: $0.target, origin: .manual, matched: "reviewer", reason: $0.reason) }
        var line = review.messages[m].lines[carrier]
        line.links = line.links.filter { $0.origin != .manual } + mine
        review.messages[m].lines[carrier] = line
        if let c = line.comment, review.comments.indices.contains(c) {
            review.comments[c].links = review.comments[c].links.filter { $0.origin != .manual } + mine
        }
        if message == m { rebuildDocument() }
    }

    /// Rebuilds the patch pane rows for the current message and notes.
    public mutating func rebuildDocument() {
        guard let m = message, review.messages.indices.contains(m) else {
            document = []
            return
        }
        materialize(m)
        document = DocumentBuilder.rows(for: review.messages[m], message: m, notes: notes)
    }
}
