import Foundation
import MailCore

/// The diff of one patch mail, indexed for anchoring and quoting: files, hunks and lines with
/// their old/new numbers and their position in the mail body.
///
/// This is deliberately small: it reads git and traditional unified diffs from the decoded body
/// (hunks end by their `@@` counts), which is all that anchoring and quoting need. Anything it
/// cannot read simply yields no files.
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
        // Split on bytes (no grapheme breaking): LF ends a line, a CR before it is dropped.
        let lines = body.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { raw in
            String(decoding: raw.last == 0x0D ? raw.dropLast() : raw[...], as: UTF8.self)
        }
        files = Self.scan(lines)
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

    private enum State {
        case text
        case fileHeader
        case hunk(remainingOld: Int, remainingNew: Int)
    }

    private static func scan(_ lines: [String]) -> [File] {
        var files: [File] = []
        var state = State.text
        var oldLine = 0, newLine = 0
        var i = 0
        func startFile(_ header: String, path: String) {
            files.append(File(path: path, headerLines: [header], hunks: []))
            state = .fileHeader
        }
        while i < lines.count {
            let line = lines[i]
            switch state {
            case .hunk(var ro, var rn):
                if line.hasPrefix("\\") {
                    appendLine(&files, Line(raw: line, oldLine: nil, newLine: nil, bodyIndex: i))
                } else if ro == 0 && rn == 0 {
                    state = .fileHeader
                    continue
                } else if line.hasPrefix("+") && rn > 0 {
                    appendLine(&files, Line(raw: line, oldLine: nil, newLine: newLine, bodyIndex: i))
                    newLine += 1; rn -= 1
                } else if line.hasPrefix("-") && ro > 0 {
                    appendLine(&files, Line(raw: line, oldLine: oldLine, newLine: nil, bodyIndex: i))
                    oldLine += 1; ro -= 1
                } else if (line.hasPrefix(" ") || line.isEmpty) && ro > 0 && rn > 0 {
                    appendLine(&files, Line(raw: line, oldLine: oldLine, newLine: newLine, bodyIndex: i))
                    oldLine += 1; newLine += 1; ro -= 1; rn -= 1
                } else {
                    // Counts disagree with the text: the hunk ends here.
                    state = .fileHeader
                    continue
                }
                state = .hunk(remainingOld: ro, remainingNew: rn)
            case .text, .fileHeader:
                if line.hasPrefix("diff --git ") {
                    startFile(line, path: gitPath(line))
                } else if line.hasPrefix("--- "), i + 1 < lines.count, lines[i + 1].hasPrefix("+++ ") {
                    let newPath = headerPath(lines[i + 1])
                    let oldPath = headerPath(line)
                    let path = newPath == "/dev/null" ? oldPath : newPath
                    if case .fileHeader = state, var last = files.last, last.hunks.isEmpty {
                        last.headerLines.append(line)
                        last.headerLines.append(lines[i + 1])
                        // The `+++`/`---` names are unambiguous where `diff --git` ones (spaces) are not.
                        if !path.isEmpty && path != "/dev/null" { last.path = path }
                        files[files.count - 1] = last
                    } else {
                        files.append(File(path: path, headerLines: [line, lines[i + 1]], hunks: []))
                    }
                    state = .fileHeader
                    i += 1
                } else if line.hasPrefix("@@ "), case .fileHeader = state, !files.isEmpty,
                          let r = hunkRange(line) {
                    files[files.count - 1].hunks.append(Hunk(header: line, oldStart: r.0, oldCount: r.1,
                                                             newStart: r.2, newCount: r.3, lines: [], headerIndex: i))
                    oldLine = r.0 == 0 ? 1 : r.0
                    newLine = r.2 == 0 ? 1 : r.2
                    state = .hunk(remainingOld: r.1, remainingNew: r.3)
                } else if case .fileHeader = state, let last = files.last, last.hunks.isEmpty {
                    files[files.count - 1].headerLines.append(line)
                } else if line == "-- " {
                    state = .text
                }
            }
            i += 1
        }
        return files
    }

    private static func appendLine(_ files: inout [File], _ line: Line) {
        let f = files.count - 1
        let h = files[f].hunks.count - 1
        files[f].hunks[h].lines.append(line)
    }

    /// `diff --git a/x b/y` → `y` (C-quoted paths unquoted roughly; spaces kept).
    private static func gitPath(_ line: String) -> String {
        let rest = line.dropFirst("diff --git ".count)
        if rest.hasSuffix("\""), let r = rest.range(of: " \"b/", options: .backwards) {
            return unquote(String(rest[rest.index(after: r.lowerBound)...]))
        }
        if let r = rest.range(of: " b/", options: .backwards) {
            return unquote(String(rest[r.upperBound...]))
        }
        if let last = rest.split(separator: " ").last { return unquote(String(last)) }
        return ""
    }

    /// `+++ b/path\tdate` → `path`.
    private static func headerPath(_ line: String) -> String {
        var p = String(line.dropFirst(4))
        if let tab = p.firstIndex(of: "\t") { p = String(p[..<tab]) }
        p = unquote(p)
        if p == "/dev/null" { return p }
        if p.hasPrefix("a/") || p.hasPrefix("b/") {
            p.removeFirst(2)
        } else if p.hasPrefix("/") {
            // An absolute name loses its leading slash, as `git apply -p1` treats it.
            p.removeFirst()
        }
        return p
    }

    /// Removes git's C-style quoting (`"a/A \\303\\242 B.py"` → `A â B.py`) and the `a/`/`b/` prefix
    /// inside the quotes; unquoted text is returned as is.
    static func unquote(_ s: String) -> String {
        guard s.hasPrefix("\""), s.hasSuffix("\""), s.utf8.count >= 2 else { return s }
        let inner = Array(s.utf8.dropFirst().dropLast())
        var out: [UInt8] = []
        var i = 0
        while i < inner.count {
            let b = inner[i]
            guard b == UInt8(ascii: "\\"), i + 1 < inner.count else {
                out.append(b)
                i += 1
                continue
            }
            let e = inner[i + 1]
            switch e {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = 0
                var j = i + 1
                while j < inner.count, j < i + 4, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(inner[j]) {
                    value = value * 8 + Int(inner[j] - UInt8(ascii: "0"))
                    j += 1
                }
                out.append(UInt8(truncatingIfNeeded: value))
                i = j
                continue
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            default: out.append(e)
            }
            i += 2
        }
        var t = String(decoding: out, as: UTF8.self)
        if t.hasPrefix("b/") || t.hasPrefix("a/") { t.removeFirst(2) }
        return t
    }

    /// Parses `@@ -a,b +c,d @@ ...`.
    static func hunkRange(_ line: String) -> (Int, Int, Int, Int)? {
        let parts = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: true)
        guard parts.count >= 3, parts[0] == "@@", parts[1].hasPrefix("-"), parts[2].hasPrefix("+") else { return nil }
        func range(_ s: Substring) -> (Int, Int)? {
            let nums = s.dropFirst().split(separator: ",")
            guard let a = nums.first.flatMap({ Int($0) }) else { return nil }
            if nums.count > 1 { return Int(nums[1]).map { (a, $0) } }
            return (a, 1)
        }
        guard let o = range(parts[1]), let n = range(parts[2]) else { return nil }
        return (o.0, o.1, n.0, n.1)
    }
}
