import Linking

/// What a line of the patch pane shows; decides its colour and how navigation treats it.
public enum LineKind: String, Sendable, Hashable {
    case header, text, quote, trailer, fileHeader, hunkHeader, context, added, removed
    case commentHeader, comment, noteHeader, note, separator
}

/// One line of a message as the patch pane shows it (text already sanitised).
public struct ReviewLine: Sendable, Hashable {
    public var kind: LineKind
    public var text: String
    public var oldLine: Int?
    public var newLine: Int?
    /// Links of this line (for a comment header: the links of the whole comment).
    public var links: [Link]
    /// Index into `ReviewView.comments` for comment headers and comment text.
    public var comment: Int?
    /// Where a diff line sits in its patch (file path, hunk index, line index in the hunk).
    public var position: DiffPosition?

    public init(_ kind: LineKind, _ text: String, old: Int? = nil, new: Int? = nil, links: [Link] = [], comment: Int? = nil) {
        self.kind = kind
        self.text = text
        self.oldLine = old
        self.newLine = new
        self.links = links
        self.comment = comment
    }
}

/// The place of a diff line inside its patch, for anchoring notes.
public struct DiffPosition: Sendable, Hashable {
    public var path: String
    public var hunk: Int
    public var index: Int
    public init(path: String, hunk: Int, index: Int) {
        self.path = path
        self.hunk = hunk
        self.index = index
    }
}

/// One message (patch, cover letter or reply) prepared for display.
public struct MessageView: Sendable, Hashable {
    public var messageID: String
    public var subject: String
    public var author: String
    public var date: String
    public var isPatch: Bool
    public var lines: [ReviewLine]
    /// A body not yet split into `lines` (plain messages are split when first shown).
    public var deferredBody: String?
    /// A patch not yet laid out into `lines` (laid out when first shown; see `ReviewView.materialize`).
    public var deferredPatch: DeferredPatch?

    /// Whether `lines` are still to be built.
    public var isDeferred: Bool { deferredBody != nil || deferredPatch != nil }

    /// Whether the message shows comment rows (known before a deferred patch is laid out).
    public var hasCommentRows: Bool {
        if let d = deferredPatch { return d.hasComments }
        return lines.contains { $0.kind == .commentHeader }
    }
    public init(messageID: String, subject: String, author: String, date: String, isPatch: Bool, lines: [ReviewLine]) {
        self.messageID = messageID
        self.subject = subject
        self.author = author
        self.date = date
        self.isPatch = isPatch
        self.lines = lines
    }

    /// The view with its deferred body split into lines.
    public func materialized() -> MessageView {
        guard let body = deferredBody else { return self }
        var v = self
        v.lines += ReviewViewBuilder.bodyLines(body)
        v.deferredBody = nil
        return v
    }
}

/// A row of the thread/series tree.
public struct TreeEntry: Sendable, Hashable {
    /// The closed set of tree row kinds.
    public enum Kind: String, Sendable, Hashable { case series, version, cover, patch, reply, message }
    public var kind: Kind
    public var depth: Int
    public var label: String
    /// Trailer badges such as `R-b`, `A-b`, `T-b`.
    public var badges: [String]
    public var commentCount: Int
    /// The message this row opens, nil for grouping rows (series, version).
    public var message: Int?
    public init(kind: Kind, depth: Int, label: String, badges: [String] = [], commentCount: Int = 0, message: Int? = nil) {
        self.kind = kind
        self.depth = depth
        self.label = label
        self.badges = badges
        self.commentCount = commentCount
        self.message = message
    }
}

/// A reviewer comment as the TUI indexes it: where it is shown and what it links to.
public struct CommentRef: Sendable, Hashable {
    public var message: Int
    /// Row of the comment's header in `message`; -1 while that message is a patch not laid out
    /// yet (`ReviewView.materialize` lays it out and fills this in).
    public var line: Int
    public var author: String
    public var summary: String
    public var links: [Link]
    public init(message: Int, line: Int, author: String, summary: String, links: [Link]) {
        self.message = message
        self.line = line
        self.author = author
        self.summary = summary
        self.links = links
    }
}

/// The whole review prepared for display: the tree, the messages, and the comment index.
public struct ReviewView: Sendable, Equatable {
    public var title: String
    public var entries: [TreeEntry]
    public var messages: [MessageView]
    public var comments: [CommentRef]
    /// Problems found while reading the input (shown in the status line).
    public var defects: [String]
    public init(title: String, entries: [TreeEntry], messages: [MessageView], comments: [CommentRef], defects: [String] = []) {
        self.title = title
        self.entries = entries
        self.messages = messages
        self.comments = comments
        self.defects = defects
    }
    public static let empty = ReviewView(title: "", entries: [], messages: [], comments: [])
}

/// A knob of the model as the model pane shows it.
public struct KnobView: Sendable, Hashable {
    public var id: String
    public var title: String
    public var value: String
    public var options: [String]
    /// True when the knob only changes the header text.
    public var cosmetic: Bool
    public init(id: String, title: String, value: String, options: [String], cosmetic: Bool = false) {
        self.id = id
        self.title = title
        self.value = value
        self.options = options
        self.cosmetic = cosmetic
    }
}

/// A scenario and its outcome under the current design.
public struct ScenarioView: Sendable, Hashable {
    public var id: String
    public var title: String
    public var outcome: String
    /// Whether the outcome is what the facts sheet expects (nil when not judged).
    public var passed: Bool?
    public init(id: String, title: String, outcome: String, passed: Bool? = nil) {
        self.id = id
        self.title = title
        self.outcome = outcome
        self.passed = passed
    }
}

/// A lock warning with its lockdep-style lines.
public struct WarningView: Sendable, Hashable {
    public var title: String
    public var lines: [String]
    public init(title: String, lines: [String]) {
        self.title = title
        self.lines = lines
    }
}

/// The chosen design: a preset plus knob overrides.
public struct DesignChoice: Sendable, Hashable {
    public var preset: String
    public var overrides: [String: String]
    public init(preset: String, overrides: [String: String] = [:]) {
        self.preset = preset
        self.overrides = overrides
    }
}

/// Everything the model pane shows for one design (the result of a simulation run).
public struct ModelSnapshot: Sendable, Equatable {
    public var choice: DesignChoice
    public var presets: [String]
    public var knobs: [KnobView]
    public var scenarios: [ScenarioView]
    public var warnings: [WarningView]
    public var header: [String]
    public init(choice: DesignChoice, presets: [String], knobs: [KnobView], scenarios: [ScenarioView],
                warnings: [WarningView], header: [String]) {
        self.choice = choice
        self.presets = presets
        self.knobs = knobs
        self.scenarios = scenarios
        self.warnings = warnings
        self.header = header
    }
}
