import Foundation
import MailCore
import ReviewCore

/// The diff of one patch mail, indexed for anchoring and quoting: files, hunks and lines with
/// their old/new numbers and their position in the mail body.
///
/// The diff is read by ReviewCore's `DiffParser` (the same files, hunks and line numbers the review
/// shows); this keeps, for each line, its text exactly as the mail has it and its body index.
public struct PatchText: Sendable, Equatable {
    /// One body line of a hunk.
    public struct Line: Sendable, Equatable {
        /// The line as it is in the mail, marker included (`+foo`, `-bar`, ` baz`, `\ No newline`).
        public var raw: String
        public var oldLine: Int?
        public var newLine: Int?
        /// 0-based index of the line in the mail body.
        public var bodyIndex: Int
    }

    /// One hunk: its header line and body lines.
    public struct Hunk: Sendable, Equatable {
        public var header: String
        public var oldStart: Int
        public var oldCount: Int
        public var newStart: Int
        public var newCount: Int
        public var lines: [Line]
        /// Body index of the `@@` line.
        public var headerIndex: Int

        /// The raw lines (markers included), the input of `LineFingerprint`.
        public var rawLines: [String] { lines.map(\.raw) }
    }

    /// One file of the diff.
    public struct File: Sendable, Equatable {
        /// The new path (the old one for a deleted file).
        public var path: String
        /// The header lines from `diff --git` (or `---`) up to the first `@@`.
        public var headerLines: [String]
        public var hunks: [Hunk]
    }

    public var messageId: String
    public var files: [File]

    /// Indexes the diff found in a message's body.
    public init(message: Message) {
        self.init(messageId: message.messageId, body: message.body)
    }

    /// Indexes the diff found in a body text.
    public init(messageId: String, body: String) {
        self.messageId = messageId
        // Most mails of a thread carry no diff: a byte scan for a line starting with `@@ ` skips them.
        guard Self.hasHunkHeader(body) else {
            files = []
            return
        }
        let lines = TextLines.split(body)
        // The line as the mail has it (a CR before the LF dropped).
        func raw(_ i: Int) -> String {
            let l = lines[i]
            return String(l.utf8.last == 0x0D ? l.dropLast() : l)
        }
        let diff = DiffParser.parse(lines: lines, from: 0)
        files = diff.files.enumerated().map { k, f in
            let headerEnd = f.hunks.first?.bodyLine
                ?? (k + 1 < diff.files.count ? diff.files[k + 1].headerLine : diff.endLine)
            let hunks = f.hunks.map { h in
                Hunk(header: raw(h.bodyLine), oldStart: h.oldStart, oldCount: h.oldCount, newStart: h.newStart,
                     newCount: h.newCount,
                     lines: h.lines.enumerated().map { j, l in
                         Line(raw: raw(h.bodyLine + 1 + j), oldLine: l.oldLine, newLine: l.newLine, bodyIndex: h.bodyLine + 1 + j)
                     },
                     headerIndex: h.bodyLine)
            }
            return File(path: f.path, headerLines: (f.headerLine..<max(f.headerLine, min(headerEnd, lines.count))).map(raw),
                        hunks: hunks)
        }
    }

    // MARK: lookup

    /// The file with this path.
    public func file(_ path: String) -> File? { files.first { $0.path == path } }

    /// The (hunk index, line index) of a line by number on one side.
    public func locate(path: String, side: DiffSide, line: Int) -> (hunk: Int, line: Int)? {
        guard let f = file(path) else { return nil }
        for (h, hunk) in f.hunks.enumerated() {
            for (i, l) in hunk.lines.enumerated() where (side == .new ? l.newLine : l.oldLine) == line {
                // A context line counts on both sides; a removed line only on old, an added one on new.
                return (h, i)
            }
        }
        return nil
    }

    /// The anchor for a line given by number, with its fingerprint; nil when no such line exists.
    public func lineAnchor(path: String, side: DiffSide, line: Int) -> LineAnchor? {
        guard let (h, i) = locate(path: path, side: side, line: line), let f = file(path) else { return nil }
        let hunk = f.hunks[h]
        return LineAnchor(messageId: messageId, path: path, side: side, line: line,
                          fingerprint: LineFingerprint(hunkLines: hunk.rawLines, at: i))
    }

    /// The anchor for a hunk given by its index in a file.
    public func hunkAnchor(path: String, index: Int) -> HunkAnchor? {
        guard let f = file(path), f.hunks.indices.contains(index) else { return nil }
        let h = f.hunks[index]
        return HunkAnchor(messageId: messageId, path: path, index: index, oldStart: h.oldStart, newStart: h.newStart,
                          fingerprint: TextFingerprint(text: h.rawLines.joined(separator: "\n")))
    }

    // MARK: scanning

    /// Whether some line of `body` starts with `@@ `.
    private static func hasHunkHeader(_ body: String) -> Bool {
        var atLineStart = true
        var matched = 0
        let pattern: [UInt8] = [0x40, 0x40, 0x20]
        for b in body.utf8 {
            if matched > 0 || atLineStart {
                if b == pattern[matched] {
                    matched += 1
                    if matched == pattern.count { return true }
                    atLineStart = false
                    continue
                }
                matched = 0
            }
            atLineStart = b == 0x0A
        }
        return false
    }
}
