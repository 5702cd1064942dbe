/// ReviewCore: series, versions, patches, files, hunks, lines and reviewer comments anchored
/// to the lines they answer. Pure: MailCore + Foundation.
///
/// Pipeline: `PatchSubject.parse` (subject prefixes) -> `PatchMail.split` (commit message,
/// trailers, diffstat, diff) -> `DiffParser.parse` (files, hunks, lines) -> `SeriesAssembler`
/// (covers, patches, versions) -> `QuoteParser` + `CommentAnchorer` (reply comments anchored to
/// lines); `InterdiffBuilder` compares versions when asked. Entry point: `Review(mailbox:)`.
import Foundation
import MailCore

/// Everything the review layer found in one mailbox: series with their versions, the comments
/// of every reply anchored to what they answer, and recorded oddities.
public struct Review: Sendable, Equatable {
    /// Series found, each with its versions (v1..vN), in order of first appearance.
    public var series: [Series]
    /// Every reviewer comment (one per run of reply text), in input order.
    public var comments: [Comment]
    /// Every reply message that is neither a patch nor a cover letter (patchwork's "comments").
    public var replies: [Reply]
    /// Oddities found while building the review (never fatal).
    public var defects: [ReviewDefect]

    public init(series: [Series] = [], comments: [Comment] = [], replies: [Reply] = [],
                defects: [ReviewDefect] = []) {
        self.series = series
        self.comments = comments
        self.replies = replies
        self.defects = defects
    }

    /// Interdiffs between consecutive versions of every series. Computed when asked (they are a
    /// function of `series` and `comments`, and most readers of a mailbox never look at them):
    /// keep the result rather than read this twice.
    public var interdiffs: [Interdiff] { InterdiffBuilder.build(series: series, comments: comments) }

    /// Interdiffs between consecutive versions of the series with this identifier.
    public func interdiffs(ofSeries id: String) -> [Interdiff] {
        InterdiffBuilder.build(series: series.filter { $0.id == id }, comments: comments)
    }

    /// All patches of all versions of all series, in series, version and index order.
    public var patches: [Patch] { series.flatMap { $0.versions.flatMap(\.patches) } }
    /// All cover letters.
    public var covers: [CoverLetter] { series.flatMap { $0.versions.compactMap(\.cover) } }

    /// The patch with this Message-ID, if any.
    public func patch(id: String) -> Patch? { patches.first { $0.messageId == id } }
    /// The comments anchored to the patch (or cover letter) with this Message-ID.
    public func comments(onPatch id: String) -> [Comment] { comments.filter { $0.anchor.patch == id } }

    /// The comments anchored to one diff line.
    public func comments(onLine line: Int, side: Side, file: String, patch: String) -> [Comment] {
        let want = Anchor.line(patch: patch, file: file, side: side, line: line)
        return comments.filter { $0.anchor == want }
    }

    /// Whether the lines a comment is anchored to changed in the next version of its series.
    public func fate(ofComment id: String) -> CommentFate.Status? {
        guard let patch = comments.first(where: { $0.id == id })?.anchor.patch,
              let s = series.first(where: { s in s.versions.contains { v in
                  v.cover?.messageId == patch || v.patches.contains { $0.messageId == patch } } })
        else { return nil }
        for i in interdiffs(ofSeries: s.id) {
            if let f = i.comments.first(where: { $0.commentId == id }) { return f.status }
        }
        return nil
    }
}

/// One series: the same change set posted in one or more versions.
public struct Series: Sendable, Equatable, Identifiable {
    /// Stable identifier: the Message-ID of the first version's cover letter, or of its first patch.
    public var id: String
    /// Cleaned name: the cover letter subject, or the first patch's subject, without prefixes.
    public var name: String
    /// Versions in ascending order.
    public var versions: [SeriesVersion]
    public init(id: String, name: String, versions: [SeriesVersion]) {
        self.id = id
        self.name = name
        self.versions = versions
    }
}

/// One posting of a series: an optional cover letter and its patches.
public struct SeriesVersion: Sendable, Equatable {
    /// Version number (1 when unlabelled and first).
    public var version: Int
    public var cover: CoverLetter?
    /// Patches ordered by their index.
    public var patches: [Patch]
    /// The announced total (the `m` of `n/m`), when numbered.
    public var total: Int?
    /// Indexes 1...total that did not arrive.
    public var missing: [Int]
    /// Whether every announced patch arrived.
    public var receivedAll: Bool { missing.isEmpty }

    public init(version: Int, cover: CoverLetter? = nil, patches: [Patch] = [], total: Int? = nil, missing: [Int] = []) {
        self.version = version
        self.cover = cover
        self.patches = patches
        self.total = total
        self.missing = missing
    }
}

/// A cover letter (`[PATCH 0/N]`, or a naked cover: the unnumbered thread root of the series author).
public struct CoverLetter: Sendable, Equatable, Identifiable {
    public var messageId: String
    public var id: String { messageId }
    /// The subject as sent.
    public var subject: String
    public var parsedSubject: PatchSubject
    public var author: Address
    public var date: Date?
    /// The body text (without signature).
    public var text: String
    /// Trailers found in the cover letter and in replies to it (they apply to every patch).
    public var trailers: [Trailer]
    /// True when the cover carried no `0/N` marker.
    public var naked: Bool

    public init(messageId: String, subject: String, parsedSubject: PatchSubject, author: Address, date: Date?,
                text: String, trailers: [Trailer] = [], naked: Bool = false) {
        self.messageId = messageId
        self.subject = subject
        self.parsedSubject = parsedSubject
        self.author = author
        self.date = date
        self.text = text
        self.trailers = trailers
        self.naked = naked
    }
}

/// One patch mail (or one reconstructed from the quotes of a reply: `partial`).
public struct Patch: Sendable, Equatable, Identifiable {
    /// Message-ID of the patch mail (for a partial patch: of the message it was quoted in reply to).
    public var messageId: String
    public var id: String { messageId }
    /// The subject as sent (prefixes kept).
    public var subject: String
    public var parsedSubject: PatchSubject
    public var version: Int
    /// `n` of `n/m`, nil when unnumbered.
    public var index: Int?
    /// `m` of `n/m`, nil when unnumbered.
    public var total: Int?
    public var author: Address
    public var date: Date?
    /// The commit message body (subject line not included), trailers removed.
    public var commitMessage: String {
        get { storedMessage.string }
        set { storedMessage = SharedText(newValue) }
    }
    /// The commit message as its range of the mail body when it was parsed from one.
    var storedMessage: SharedText
    /// Trailers of the patch itself, then those collected from replies and the cover letter.
    public var trailers: [Trailer]
    /// Diffstat lines between `---` and the diff.
    public var diffstat: [DiffstatEntry]
    /// The diffstat summary line (`2 files changed, ...`), if present.
    public var diffstatSummary: String?
    public var files: [FileDiff]
    /// True when this patch was reconstructed from quotes (the patch mail is not in the input).
    public var partial: Bool
    /// Pull request URL when the mail is a `git request-pull` (then usually no files).
    public var pullRequest: String?

    public init(messageId: String, subject: String, parsedSubject: PatchSubject, version: Int, index: Int?,
                total: Int?, author: Address, date: Date?, commitMessage: String, trailers: [Trailer] = [],
                diffstat: [DiffstatEntry] = [], diffstatSummary: String? = nil, files: [FileDiff] = [],
                partial: Bool = false, pullRequest: String? = nil) {
        self.messageId = messageId
        self.subject = subject
        self.parsedSubject = parsedSubject
        self.version = version
        self.index = index
        self.total = total
        self.author = author
        self.date = date
        storedMessage = SharedText(commitMessage)
        self.trailers = trailers
        self.diffstat = diffstat
        self.diffstatSummary = diffstatSummary
        self.files = files
        self.partial = partial
        self.pullRequest = pullRequest
    }

    /// The file diff with this path (new path, or old path for deletions).
    public func file(_ path: String) -> FileDiff? { files.first { $0.path == path } }
}

/// One diffstat line: ` include/linux/mm.h |  9 ++++++`.
public struct DiffstatEntry: Sendable, Equatable {
    public var path: String
    /// Changed line count, nil for binary entries.
    public var changes: Int?
    /// The `+++--` graph or `Bin 0 -> 142 bytes` text.
    public var graph: String
    public init(path: String, changes: Int?, graph: String) {
        self.path = path
        self.changes = changes
        self.graph = graph
    }
}

/// What a file diff does to its file.
public enum FileChange: String, Sendable, Equatable, Codable {
    case modified, added, deleted, renamed, copied
}

/// The diff of one file.
public struct FileDiff: Sendable, Equatable {
    /// Path before the change (nil for a new file).
    public var oldPath: String?
    /// Path after the change (nil for a deleted file).
    public var newPath: String?
    public var change: FileChange
    public var oldMode: String?
    public var newMode: String?
    /// `similarity index` percentage for renames and copies.
    public var similarity: Int?
    /// True for `GIT binary patch` or `Binary files ... differ`.
    public var isBinary: Bool
    public var hunks: [Hunk]
    /// Line (0-based) of the diff header within the text the diff was parsed from.
    public var headerLine: Int

    public init(oldPath: String?, newPath: String?, change: FileChange = .modified, oldMode: String? = nil,
                newMode: String? = nil, similarity: Int? = nil, isBinary: Bool = false, hunks: [Hunk] = [],
                headerLine: Int = 0) {
        self.oldPath = oldPath
        self.newPath = newPath
        self.change = change
        self.oldMode = oldMode
        self.newMode = newMode
        self.similarity = similarity
        self.isBinary = isBinary
        self.hunks = hunks
        self.headerLine = headerLine
    }

    /// The display and key path: the new path, or the old one for a deletion.
    public var path: String { newPath ?? oldPath ?? "" }
    public var added: Int { hunks.reduce(0) { $0 + $1.added } }
    public var removed: Int { hunks.reduce(0) { $0 + $1.removed } }
}

/// One `@@ -a,b +c,d @@ heading` hunk.
public struct Hunk: Sendable, Equatable {
    /// Position of this hunk within its file (0-based), a stable key.
    public var index: Int
    public var oldStart: Int
    public var oldCount: Int
    public var newStart: Int
    public var newCount: Int
    /// The function context after the second `@@`, trimmed.
    public var section: String
    public var lines: [DiffLine]
    /// Line (0-based) of the `@@` header in the mail body; hunk line `k` is at `bodyLine + 1 + k`.
    public var bodyLine: Int

    public init(index: Int, oldStart: Int, oldCount: Int, newStart: Int, newCount: Int, section: String = "",
                lines: [DiffLine] = [], bodyLine: Int = 0) {
        self.bodyLine = bodyLine
        self.index = index
        self.oldStart = oldStart
        self.oldCount = oldCount
        self.newStart = newStart
        self.newCount = newCount
        self.section = section
        self.lines = lines
    }

    public var added: Int { lines.count { $0.kind == .added } }
    public var removed: Int { lines.count { $0.kind == .removed } }
    /// The `@@ -a,b +c,d @@` header text.
    public var header: String {
        "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@" + (section.isEmpty ? "" : " \(section)")
    }
}

/// The text (a mail body) the lines of a diff are ranges of: one box per parsed body, shared by
/// its lines.
final class DiffText: Sendable {
    let string: String
    init(_ string: String) { self.string = string }
}

/// One line of a hunk. The text is a slice of the mail body it was read from (no copy per line).
public struct DiffLine: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, Codable {
        case context, added, removed, noNewline

        fileprivate var code: UInt32 {
            switch self {
            case .context: 0
            case .added: 1
            case .removed: 2
            case .noNewline: 3
            }
        }

        fileprivate init(code: UInt32) {
            switch code {
            case 1: self = .added
            case 2: self = .removed
            case 3: self = .noNewline
            default: self = .context
            }
        }
    }

    // A patch has hundreds of thousands of lines, so a line is kept in 24 bytes: its text is a
    // UTF-8 range of `base` (the mail body, one box shared by every line of it: a reference of
    // 8 bytes where a `String` takes 16), the kind rides in the top two bits of the length, and
    // line numbers are 32-bit.
    private var base: DiffText
    private var start: UInt32
    /// Byte length (low 30 bits, `DiffLine.toEnd` for "the rest of `base`") and kind (top 2 bits).
    private var lengthAndKind: UInt32
    /// Line numbers, `Int32.min` standing for none. Hunk headers beyond 2^30 are refused by the
    /// parser, so every real number fits.
    private var old: Int32
    private var new: Int32

    private static let lengthMask: UInt32 = (1 << 30) - 1
    private static let toEnd = lengthMask

    public var kind: Kind {
        get { Kind(code: lengthAndKind >> 30) }
        set { lengthAndKind = (lengthAndKind & DiffLine.lengthMask) | (newValue.code << 30) }
    }

    /// The text without its one-character prefix (CR kept if the file had CRLF).
    public var text: Substring {
        get {
            let u = base.string.utf8
            let from = u.index(u.startIndex, offsetBy: Int(start))
            let length = lengthAndKind & DiffLine.lengthMask
            let to = length == DiffLine.toEnd ? u.endIndex : u.index(from, offsetBy: Int(length))
            return Substring(u[from..<to])
        }
        set { (base, start, lengthAndKind) = DiffLine.place(newValue, kind: kind) }
    }

    /// Line number in the old file (context and removed lines).
    public var oldLine: Int? {
        get { old == .min ? nil : Int(old) }
        set { old = DiffLine.pack(newValue) }
    }
    /// Line number in the new file (context and added lines).
    public var newLine: Int? {
        get { new == .min ? nil : Int(new) }
        set { new = DiffLine.pack(newValue) }
    }

    /// A line number in 32 bits (clamped: the parser never produces larger ones).
    private static func pack(_ n: Int?) -> Int32 {
        guard let n else { return .min }
        return Int32(clamping: max(n, Int(Int32.min) + 1))
    }

    /// Where `text` lies in its string, with `kind` packed in; a copy of the text when its place
    /// does not fit in 32 bits (a body beyond 4 GB, a line beyond 1 GB).
    private static func place(_ text: Substring, kind: Kind) -> (DiffText, UInt32, UInt32) {
        let u = text.base.utf8
        let from = u.distance(from: u.startIndex, to: text.startIndex)
        let length = text.utf8.count
        if from <= Int(UInt32.max), length < Int(toEnd) {
            return (DiffText(text.base), UInt32(from), UInt32(length) | (kind.code << 30))
        }
        return (DiffText(String(text)), 0, toEnd | (kind.code << 30))
    }

    public init(kind: Kind, oldLine: Int?, newLine: Int?, text: some StringProtocol) {
        old = DiffLine.pack(oldLine)
        new = DiffLine.pack(newLine)
        (base, start, lengthAndKind) = DiffLine.place(Substring(text), kind: kind)
    }

    /// A line whose text is `count` bytes of `text`'s UTF-8 from `start` (a line of `ByteLines`,
    /// placed without building a substring).
    init(kind: Kind, oldLine: Int?, newLine: Int?, in box: DiffText, start: Int, count: Int) {
        old = DiffLine.pack(oldLine)
        new = DiffLine.pack(newLine)
        if start <= Int(UInt32.max), count < Int(DiffLine.toEnd) {
            base = box
            self.start = UInt32(start)
            lengthAndKind = UInt32(count) | (kind.code << 30)
        } else {
            let text = box.string
            let u = text.utf8
            let from = u.index(u.startIndex, offsetBy: start)
            (base, self.start, lengthAndKind) = DiffLine.place(text[from..<u.index(from, offsetBy: count)], kind: kind)
        }
    }

    public static func == (a: DiffLine, b: DiffLine) -> Bool {
        a.lengthAndKind >> 30 == b.lengthAndKind >> 30 && a.old == b.old && a.new == b.new && a.text == b.text
    }

    /// The line as it appears in a diff (`+text`, `-text`, ` text`, `\ No newline...`).
    public var diffText: String {
        switch kind {
        case .context: " " + text
        case .added: "+" + text
        case .removed: "-" + text
        case .noNewline: "\\" + text
        }
    }
}

/// Which side of a diff a line anchor refers to.
public enum Side: String, Sendable, Equatable, Codable {
    case old, new
}

/// What a comment answers.
public enum Anchor: Sendable, Equatable, Hashable {
    /// A diff line: patch Message-ID, file path, side, line number on that side.
    case line(patch: String, file: String, side: Side, line: Int)
    /// A paragraph (0-based) of the commit message (or of the cover letter text).
    case commitMessage(patch: String, paragraph: Int)
    /// The patch (or cover letter) as a whole, or nothing identifiable (nil).
    case general(patch: String?)

    /// The Message-ID of the patch or cover letter this anchor refers to.
    public var patch: String? {
        switch self {
        case .line(let p, _, _, _): p
        case .commitMessage(let p, _): p
        case .general(let p): p
        }
    }

    /// `line`, `commitMessage` or `general`.
    public var kind: String {
        switch self {
        case .line: "line"
        case .commitMessage: "commitMessage"
        case .general: "general"
        }
    }
}

/// A trailer line such as `Reviewed-by: Name <mail>`.
public struct Trailer: Sendable, Equatable, Hashable {
    /// Canonical spelling of the name (`Reviewed-by`).
    public var name: String
    public var value: String
    /// The person, when the value is an address.
    public var person: Address?
    /// Message-ID of the mail the trailer was found in.
    public var source: String
    /// True when it came from a reply (or the cover letter) rather than the patch itself.
    public var collected: Bool

    public init(name: String, value: String, person: Address? = nil, source: String = "", collected: Bool = false) {
        self.name = name
        self.value = value
        self.person = person
        self.source = source
        self.collected = collected
    }

    /// `Name: value`.
    public var line: String { "\(name): \(value)" }
}

/// One reviewer comment: a run of reply text between quoted blocks.
public struct Comment: Sendable, Equatable, Identifiable {
    /// Message-ID of the reply it comes from.
    public var messageId: String
    /// Position of this comment within its message (0-based).
    public var ordinal: Int
    /// `messageId#ordinal`, stable.
    public var id: String { "\(messageId)#\(ordinal)" }
    public var author: Address
    public var date: Date?
    /// The comment text, paragraphs kept, trailing blank lines removed.
    public var text: String
    /// The quoted lines it answers (innermost level, quote markers removed): slices of the reply.
    public var quoted: [Substring]
    /// Who wrote the quoted text (from the attribution line), when known.
    public var quotedAuthor: String?
    /// Message-ID of the message replied to.
    public var replyTo: String?
    public var anchor: Anchor
    /// The hunk index in its file for line anchors.
    public var hunk: Int?
    /// Trailers given inside this comment.
    public var trailers: [Trailer]

    public init(messageId: String, ordinal: Int, author: Address, date: Date?, text: String, quoted: [Substring] = [],
                quotedAuthor: String? = nil, replyTo: String? = nil, anchor: Anchor, hunk: Int? = nil,
                trailers: [Trailer] = []) {
        self.messageId = messageId
        self.ordinal = ordinal
        self.author = author
        self.date = date
        self.text = text
        self.quoted = quoted
        self.quotedAuthor = quotedAuthor
        self.replyTo = replyTo
        self.anchor = anchor
        self.hunk = hunk
        self.trailers = trailers
    }
}

/// A reply message (not a patch, not a cover letter).
public struct Reply: Sendable, Equatable, Identifiable {
    public var messageId: String
    public var id: String { messageId }
    public var subject: String
    public var author: Address
    public var date: Date?
    public var replyTo: String?
    /// The patch or cover letter this reply's thread answers, when found.
    public var target: String?
    public init(messageId: String, subject: String, author: Address, date: Date?, replyTo: String?, target: String?) {
        self.messageId = messageId
        self.subject = subject
        self.author = author
        self.date = date
        self.replyTo = replyTo
        self.target = target
    }
}

/// What happened to one hunk between two versions.
public enum HunkFate: String, Sendable, Equatable, Codable {
    case unchanged, changed, new, dropped
}

/// How a hunk of version N maps to version N+1.
public struct HunkDelta: Sendable, Equatable {
    public var file: String
    /// Hunk index in the old version's file (nil for new hunks).
    public var fromHunk: Int?
    /// Hunk index in the new version's file (nil for dropped hunks).
    public var toHunk: Int?
    public var fate: HunkFate
    public init(file: String, fromHunk: Int?, toHunk: Int?, fate: HunkFate) {
        self.file = file
        self.fromHunk = fromHunk
        self.toHunk = toHunk
        self.fate = fate
    }
}

/// How one patch of version N maps to version N+1.
public struct PatchDelta: Sendable, Equatable {
    /// Message-ID of the patch in the older version (nil when the patch is new).
    public var from: String?
    /// Message-ID of the patch in the newer version (nil when dropped).
    public var to: String?
    public var hunks: [HunkDelta]
    public init(from: String?, to: String?, hunks: [HunkDelta]) {
        self.from = from
        self.to = to
        self.hunks = hunks
    }
}

/// Whether a comment on version N was followed by a change in version N+1.
public struct CommentFate: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable, Codable {
        /// The anchored lines changed (or disappeared) in the next version.
        case addressed
        /// The anchored lines are the same in the next version.
        case unchanged
        /// The comment is not on a line, or its patch has no counterpart.
        case unknown
    }
    public var commentId: String
    public var status: Status
    public init(commentId: String, status: Status) {
        self.commentId = commentId
        self.status = status
    }
}

/// The differences between two consecutive versions of a series, from text alone.
public struct Interdiff: Sendable, Equatable {
    public var seriesId: String
    public var fromVersion: Int
    public var toVersion: Int
    public var patches: [PatchDelta]
    public var comments: [CommentFate]
    public init(seriesId: String, fromVersion: Int, toVersion: Int, patches: [PatchDelta], comments: [CommentFate]) {
        self.seriesId = seriesId
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.patches = patches
        self.comments = comments
    }
}

/// A recoverable oddity met while building the review, with where it was found.
public struct ReviewDefect: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable, Codable {
        case hunkTooShort, hunkTooLong, badHunkHeader, unmatchedQuote, missingPatch, duplicatePatch,
             unparsableSubject, other
    }
    public var kind: Kind
    /// Message-ID of the message where it was found.
    public var messageId: String
    /// Line (0-based) within the message body, when known.
    public var line: Int?
    public var detail: String
    public init(kind: Kind, messageId: String, line: Int? = nil, detail: String) {
        self.kind = kind
        self.messageId = messageId
        self.line = line
        self.detail = detail
    }
    public var description: String {
        "\(kind.rawValue) in <\(messageId)>" + (line.map { " line \($0 + 1)" } ?? "") + ": \(detail)"
    }
}
