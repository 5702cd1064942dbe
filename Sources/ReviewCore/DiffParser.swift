import Foundation

/// Splits text into lines on LF only (a lone CR stays inside its line; a CR before the LF is kept
/// in the line's text so CRLF content survives).
public enum TextLines {
    /// The lines of `text` without their LF. A final LF does not start an empty last line.
    public static func split(_ text: String) -> [Substring] {
        ByteLines.of(text) { $0.substrings(0..<$0.count) }
    }

    /// `line` without one trailing CR.
    static func dropCR(_ line: Substring) -> Substring {
        line.utf8.last == 0x0D ? Substring(line.utf8.dropLast()) : line
    }

    /// `line` without its first byte (an ASCII diff or quote marker), cut on UTF-8 rather than
    /// by character: a combining mark after the marker stays in the text, as git keeps it.
    @inline(__always)
    static func dropMarker(_ line: Substring) -> Substring {
        Substring(line.utf8.dropFirst())
    }
}

extension Substring {
    /// The text after its first `k` bytes (an ASCII keyword), cut on UTF-8.
    func dropFirstBytes(_ k: Int) -> Substring {
        Substring(utf8.dropFirst(k))
    }

    /// `dropFirst(k)` of a text starting with `k` ASCII characters: cut on UTF-8 when the byte
    /// after them is ASCII too (it cannot join the last of them into one character).
    func dropASCIIPrefix(_ k: Int) -> Substring {
        let next = withBytes { b in b.count > k ? b[k] : 0 }
        return next < 0x80 ? Substring(utf8.dropFirst(k)) : dropFirst(k)
    }
}

/// What `DiffParser.parse` found: the file diffs, where the diff started and ended, and oddities.
public struct DiffParseResult: Sendable, Equatable {
    public var files: [FileDiff]
    /// Index of the first line that belongs to the diff, nil when no diff was found.
    public var firstLine: Int?
    /// Index just past the last line consumed by the diff (the `-- ` signature is not consumed).
    public var endLine: Int
    /// Oddities; their `messageId` is empty (the caller fills it in).
    public var defects: [ReviewDefect]
}

/// Parses unified diffs: git (`diff --git` with extended headers, renames, copies, modes, binary
/// patches), traditional `---`/`+++`, CVS/SVN `Index:`, Mercurial `diff -r`. Hunks end by the counts
/// of their `@@` header, never by looking for the next `---`.
///
/// States: text -> (file header: `diff ...` | `Index:` | `---`+`+++`) -> extended header lines ->
/// hunk (`@@`) -> body lines until both counts are used up -> optional `\ No newline` -> text or the
/// next file header or hunk. A `-- ` line outside a hunk (the mail signature) ends the diff.
public enum DiffParser {
    /// Parses every file diff in `text`.
    public static func parse(_ text: String) -> DiffParseResult {
        ByteLines.of(text) { parse($0, from: 0) }
    }

    /// Parses the file diffs found in `lines` from index `start` on.
    public static func parse(lines: [Substring], from start: Int) -> DiffParseResult {
        ByteLines.joining(lines) { parse($0, from: start) }
    }

    /// Parses the file diffs found in `lines` from index `start` on (line numbers index `lines`).
    static func parse(_ lines: ByteLines, from start: Int) -> DiffParseResult {
        var files: [FileDiff] = []
        var defects: [ReviewDefect] = []
        var current: FileDiff?
        /// True while `current` came from a `diff -r`/`Index:` line and still waits for `---`/`+++`.
        var awaitingNames = false
        var firstLine: Int?
        var lastConsumed = start
        var i = start
        let n = lines.count
        // The box every diff line of this body keeps its text in.
        let box = DiffText(lines.text)

        func flush() {
            if let c = current.take() { files.append(c) }
            awaitingNames = false
        }

        while i < n {
            // Only lines starting `d`, `I`, `-` or `@` can start or end anything here.
            switch lines.first(i) {
            case UInt8(ascii: "d"), UInt8(ascii: "I"), UInt8(ascii: "-"), UInt8(ascii: "@"):
                break
            default:
                i += 1
                continue
            }
            let line = lines.dropCR(i)
            if line.hasPrefix("diff --git ") {
                flush()
                firstLine = firstLine ?? i
                var file = FileDiff(oldPath: nil, newPath: nil, headerLine: i)
                let names = gitHeaderNames(lines.substringDroppingCR(i).dropASCIIPrefix(11))
                file.oldPath = names.0
                file.newPath = names.1
                i += 1
                i = parseExtendedHeader(lines, i, &file)
                current = file
                lastConsumed = i
                continue
            }
            if line.hasPrefix("diff ") && !line.hasPrefix("diff --git") {
                // hg `diff -r abc path`, `diff -u a b`, `diff -Nru a b`: names come from ---/+++.
                flush()
                firstLine = firstLine ?? i
                let last = lines.substringDroppingCR(i).split(separator: " ").last.map(String.init)
                current = FileDiff(oldPath: last, newPath: last, headerLine: i)
                awaitingNames = true
                i += 1
                lastConsumed = i
                continue
            }
            if line.hasPrefix("Index: ") {
                flush()
                firstLine = firstLine ?? i
                let p = String(lines.substringDroppingCR(i).dropASCIIPrefix(7)).trimmedWhitespace
                current = FileDiff(oldPath: p, newPath: p, headerLine: i)
                awaitingNames = true
                i += 1
                if i < n, lines.dropCR(i).hasPrefix("====") { i += 1 }
                lastConsumed = i
                continue
            }
            if line.hasPrefix("--- "), i + 1 < n, lines.dropCR(i + 1).hasPrefix("+++ "),
               i + 2 < n, lines.dropCR(i + 2).hasPrefix("@@ -") || awaitingNames {
                let old = traditionalName(lines.substringDroppingCR(i).dropASCIIPrefix(4))
                let new = traditionalName(lines.substringDroppingCR(i + 1).dropASCIIPrefix(4))
                if !(awaitingNames && current != nil) {
                    flush()
                    firstLine = firstLine ?? i
                    current = FileDiff(oldPath: nil, newPath: nil, headerLine: i)
                }
                if var c = current.take() {
                    setNames(&c, old: old, new: new, stripPrefix: true)
                    current = c
                }
                awaitingNames = false
                i += 2
                lastConsumed = i
                continue
            }
            // Moved out while it grows: a copy left in `current` would make every append copy
            // the hunks so far.
            if line.hasPrefix("@@ -"), var c = current.take() {
                awaitingNames = false
                guard let header = parseHunkHeader(line) else {
                    defects.append(ReviewDefect(kind: .badHunkHeader, messageId: "", line: i,
                                                detail: "unreadable hunk header"))
                    current = c
                    i += 1
                    continue
                }
                i += 1
                var hunk = Hunk(index: c.hunks.count, oldStart: header.0, oldCount: header.1,
                                newStart: header.2, newCount: header.3, section: header.4, bodyLine: i - 1)
                // Exact capacity, counted before the lines are built: a patch's lines are a large
                // part of what a review keeps, and a copy to trim them would touch each line twice.
                hunk.lines.reserveCapacity(countHunkLines(lines, i, oldCount: header.1, newCount: header.3))
                i = readHunkBody(lines, box, i, &hunk, &defects)
                if hunk.lines.capacity > hunk.lines.count + hunk.lines.count / 8 { hunk.lines = hunk.lines.exactCopy() }
                c.hunks.append(hunk)
                current = c
                lastConsumed = i
                continue
            }
            if line.equals("-- ") || line.equals("--") {
                // Mail signature after the last hunk: not part of the diff.
                if current != nil { break }
            }
            i += 1
        }
        flush()
        return DiffParseResult(files: files, firstLine: firstLine, endLine: firstLine == nil ? start : lastConsumed,
                               defects: defects)
    }

    /// The git extended header lines `parseExtendedHeader` knows, by the words they start with.
    private enum ExtendedHeader: CaseIterable {
        case oldMode, newMode, deletedFile, newFile, similarity, dissimilarity, renameFrom, renameTo,
             renameOld, renameNew, copyFrom, copyTo, index, oldName, newName, binaryFiles, binaryPatch

        var prefix: StaticString {
            switch self {
            case .oldMode: "old mode "
            case .newMode: "new mode "
            case .deletedFile: "deleted file mode "
            case .newFile: "new file mode "
            case .similarity: "similarity index "
            case .dissimilarity: "dissimilarity index "
            case .renameFrom: "rename from "
            case .renameTo: "rename to "
            case .renameOld: "rename old "
            case .renameNew: "rename new "
            case .copyFrom: "copy from "
            case .copyTo: "copy to "
            case .index: "index "
            case .oldName: "--- "
            case .newName: "+++ "
            case .binaryFiles: "Binary files "
            case .binaryPatch: "GIT binary patch"
            }
        }

        /// The header a line (without its CR) is, nil for any other line.
        static func of(_ u: UnsafeBufferPointer<UInt8>) -> ExtendedHeader? {
            // The first byte leaves one or a few candidates (no prefix is a prefix of another, so
            // at most one matches).
            let candidates: [ExtendedHeader]
            switch u.first {
            case UInt8(ascii: "i"): candidates = [.index]
            case UInt8(ascii: "-"): candidates = [.oldName]
            case UInt8(ascii: "+"): candidates = [.newName]
            case UInt8(ascii: "o"): candidates = [.oldMode]
            case UInt8(ascii: "n"): candidates = [.newMode, .newFile]
            case UInt8(ascii: "d"): candidates = [.deletedFile, .dissimilarity]
            case UInt8(ascii: "s"): candidates = [.similarity]
            case UInt8(ascii: "r"): candidates = [.renameFrom, .renameTo, .renameOld, .renameNew]
            case UInt8(ascii: "c"): candidates = [.copyFrom, .copyTo]
            case UInt8(ascii: "B"): candidates = [.binaryFiles]
            case UInt8(ascii: "G"): candidates = [.binaryPatch]
            default: return nil
            }
            for h in candidates where u.hasPrefix(h.prefix) {
                // `GIT binary patch` is the whole line.
                if h == .binaryPatch && u.count != h.prefix.utf8CodeUnitCount { return nil }
                return h
            }
            return nil
        }
    }

    /// Reads git extended header lines (modes, renames, copies, index, ---/+++, binary) after `diff --git`.
    private static func parseExtendedHeader(_ lines: ByteLines, _ start: Int, _ file: inout FileDiff) -> Int {
        var i = start
        let n = lines.count
        while i < n {
            guard let header = ExtendedHeader.of(lines.dropCR(i)) else { break }
            if header == .index {
                // hashes and mode; nothing to keep beyond the mode
                i += 1
                continue
            }
            if header == .oldName || header == .newName,
               let name = asciiTraditionalName(UnsafeBufferPointer(rebasing: lines.dropCR(i)[4...]), strippingGitPrefix: true) {
                // `--- a/x` / `+++ b/x` in ASCII (nearly all): the name cut from the bytes at once.
                if header == .oldName {
                    if name == nil { file.change = .added } else { file.oldPath = name }
                } else {
                    if name == nil { file.change = .deleted } else { file.newPath = name }
                }
                i += 1
                continue
            }
            let rest = lines.substringDroppingCR(i).dropFirstBytes(header.prefix.utf8CodeUnitCount)
            switch header {
            case .oldMode:
                file.oldMode = String(rest)
            case .newMode:
                file.newMode = String(rest)
            case .deletedFile:
                file.change = .deleted
                file.oldMode = String(rest)
            case .newFile:
                file.change = .added
                file.newMode = String(rest)
            case .similarity, .dissimilarity:
                file.similarity = Int(rest.prefix { $0.isNumber })
            case .renameFrom, .renameOld:
                file.change = .renamed
                file.oldPath = unquote(rest)
            case .renameTo, .renameNew:
                file.change = .renamed
                file.newPath = unquote(rest)
            case .copyFrom:
                file.change = .copied
                file.oldPath = unquote(rest)
            case .copyTo:
                file.change = .copied
                file.newPath = unquote(rest)
            case .index:
                break
            case .oldName:
                let name = traditionalName(rest)
                if name == nil { file.change = .added }
                if let name { file.oldPath = stripGitPrefix(name) }
            case .newName:
                let name = traditionalName(rest)
                if name == nil { file.change = .deleted }
                if let name { file.newPath = stripGitPrefix(name) }
            case .binaryFiles:
                file.isBinary = true
            case .binaryPatch:
                file.isBinary = true
                i += 1
                while i < n {
                    let b = lines.dropCR(i)
                    guard b.hasPrefix("literal ") || b.hasPrefix("delta ") else { break }
                    i += 1
                    while i < n, !lines.dropCR(i).isEmpty { i += 1 }
                    if i < n { i += 1 }
                }
                continue
            }
            i += 1
        }
        if file.change == .added { file.oldPath = nil }
        if file.change == .deleted { file.newPath = nil }
        return i
    }

    /// How many lines `readHunkBody` will take from `start` (the same walk, nothing built).
    private static func countHunkLines(_ lines: ByteLines, _ start: Int, oldCount: Int, newCount: Int) -> Int {
        var i = start
        let n = lines.count
        var oldLeft = oldCount, newLeft = newCount
        while i < n, oldLeft > 0 || newLeft > 0 {
            switch lines.first(i) {
            case UInt8(ascii: " "):
                guard oldLeft > 0, newLeft > 0 else { return i - start }
                oldLeft -= 1; newLeft -= 1
            case UInt8(ascii: "-"):
                guard oldLeft > 0 else { return i - start }
                oldLeft -= 1
            case UInt8(ascii: "+"):
                guard newLeft > 0 else { return i - start }
                newLeft -= 1
            case UInt8(ascii: "\\"):
                break
            default:
                // Counted as context when `readHunkBody` takes it; otherwise the walk ends here.
                guard oldLeft > 0, newLeft > 0 else { return i - start }
                oldLeft -= 1; newLeft -= 1
            }
            i += 1
        }
        if oldLeft == 0, newLeft == 0, i < n, lines.first(i) == UInt8(ascii: "\\") { i += 1 }
        return i - start
    }

    /// Reads a hunk's body lines until both `@@` counts are used up.
    private static func readHunkBody(_ lines: ByteLines, _ box: DiffText, _ start: Int, _ hunk: inout Hunk,
                                     _ defects: inout [ReviewDefect]) -> Int {
        var i = start
        let n = lines.count
        var oldLeft = hunk.oldCount, newLeft = hunk.newCount
        var o = hunk.oldStart, w = hunk.newStart
        /// The line without its one-byte marker.
        func body(_ kind: DiffLine.Kind, _ old: Int?, _ new: Int?) -> DiffLine {
            let (from, count) = lines.span(i)
            return DiffLine(kind: kind, oldLine: old, newLine: new, in: box, start: from + 1, count: count - 1)
        }
        while i < n, oldLeft > 0 || newLeft > 0 {
            switch lines.first(i) {
            case UInt8(ascii: " "):
                guard oldLeft > 0, newLeft > 0 else { return finishShort(i, &hunk, &defects, oldLeft, newLeft) }
                hunk.lines.append(body(.context, o, w))
                o += 1; w += 1; oldLeft -= 1; newLeft -= 1
            case UInt8(ascii: "-"):
                guard oldLeft > 0 else { return finishShort(i, &hunk, &defects, oldLeft, newLeft) }
                hunk.lines.append(body(.removed, o, nil))
                o += 1; oldLeft -= 1
            case UInt8(ascii: "+"):
                guard newLeft > 0 else { return finishShort(i, &hunk, &defects, oldLeft, newLeft) }
                hunk.lines.append(body(.added, nil, w))
                w += 1; newLeft -= 1
            case UInt8(ascii: "\\"):
                hunk.lines.append(body(.noNewline, nil, nil))
            default:
                // Whitespace damage: an empty line (or one that lost its leading space) inside the
                // counted range stands for a context line.
                let t = lines.dropCR(i)
                guard oldLeft > 0, newLeft > 0, !t.hasPrefix("@@ "), !t.hasPrefix("diff ") else {
                    return finishShort(i, &hunk, &defects, oldLeft, newLeft)
                }
                let (from, count) = lines.span(i)
                hunk.lines.append(DiffLine(kind: .context, oldLine: o, newLine: w, in: box, start: from, count: count))
                o += 1; w += 1; oldLeft -= 1; newLeft -= 1
            }
            i += 1
        }
        if oldLeft > 0 || newLeft > 0 { return finishShort(i, &hunk, &defects, oldLeft, newLeft) }
        if i < n, lines.first(i) == UInt8(ascii: "\\") {
            hunk.lines.append(body(.noNewline, nil, nil))
            i += 1
        }
        return i
    }

    private static func finishShort(_ i: Int, _ hunk: inout Hunk, _ defects: inout [ReviewDefect],
                                    _ oldLeft: Int, _ newLeft: Int) -> Int {
        defects.append(ReviewDefect(kind: .hunkTooShort, messageId: "", line: i,
                                    detail: "hunk \(hunk.header) ended \(oldLeft) old / \(newLeft) new lines early"))
        return i
    }

    /// `@@ -a[,b] +c[,d] @@ section` -> (a, b, c, d, section).
    public static func parseHunkHeader(_ line: Substring) -> (Int, Int, Int, Int, String)? {
        TextLines.dropCR(line).withBytes(parseHunkHeader)
    }

    /// `parseHunkHeader` of a line's bytes (without its CR).
    static func parseHunkHeader(_ u: UnsafeBufferPointer<UInt8>) -> (Int, Int, Int, Int, String)? {
        guard u.hasPrefix("@@ -") else { return nil }
        // Line numbers beyond any real file are refused (a line keeps its numbers in 32 bits:
        // start and count each below 2^30, so their sum fits).
        let limit = 1 << 30
        var i = 4
        func number() -> Int? {
            var v = 0
            let from = i
            while i < u.count, u[i] >= 0x30, u[i] <= 0x39 {
                v = v * 10 + Int(u[i] - 0x30)
                guard v < limit else { return nil }
                i += 1
            }
            return i > from ? v : nil
        }
        func range() -> (Int, Int)? {
            guard let start = number() else { return nil }
            var count = 1
            if i < u.count, u[i] == UInt8(ascii: ",") {
                i += 1
                guard let c = number() else { return nil }
                count = c
            }
            return (start, count)
        }
        guard let old = range(), i + 1 < u.count, u[i] == 0x20, u[i + 1] == UInt8(ascii: "+") else { return nil }
        i += 2
        guard let new = range(), i + 2 < u.count, u[i] == 0x20, u[i + 1] == UInt8(ascii: "@"),
              u[i + 2] == UInt8(ascii: "@") else { return nil }
        // The section without the spaces and tabs around it.
        var from = i + 3
        var to = u.count
        while from < to, u[from] == 0x20 || u[from] == 0x09 { from += 1 }
        while to > from, u[to - 1] == 0x20 || u[to - 1] == 0x09 { to -= 1 }
        let section = String(decoding: UnsafeBufferPointer(rebasing: u[from..<to]), as: UTF8.self)
        return (old.0, old.1, new.0, new.1, section)
    }

    /// Old and new path from the rest of a `diff --git` line (`a/x b/y`, C-quoted, spaces, no prefix).
    static func gitHeaderNames(_ rest: Substring) -> (String?, String?) {
        if let names = rest.withBytes(asciiGitHeaderNames) { return names }
        if rest.first == "\"" {
            let (a, after) = cQuoted(rest)
            let tail = after.drop { $0 == " " }
            let b = tail.first == "\"" ? cQuoted(tail).0 : String(tail)
            return (stripGitPrefix(a), stripGitPrefix(b))
        }
        // Prefer a split where both halves name the same file.
        let u = rest.utf8
        let candidates = rest.withBytes { b in
            b.indices.filter { b[$0] == 0x20 }
        }.map { u.index(u.startIndex, offsetBy: $0) }
        if candidates.count == 1, let c = candidates.first {
            // One space: the only split there is (`a/x b/x`, the usual case).
            let a = stripGitPrefix(String(rest[..<c]))
            let bRaw = rest[rest.index(after: c)...]
            let plain = stripGitPrefix(String(bRaw))
            if bRaw.first == "\"" {
                let b = stripGitPrefix(cQuoted(bRaw).0)
                if a == b { return (a, b) }
            }
            return (a, plain)
        }
        for c in candidates {
            let a = stripGitPrefix(String(rest[..<c]))
            let bRaw = rest[rest.index(after: c)...]
            let b = bRaw.first == "\"" ? stripGitPrefix(cQuoted(bRaw).0) : stripGitPrefix(String(bRaw))
            if a == b { return (a, b) }
        }
        if let c = candidates.first(where: { rest[rest.index(after: $0)...].hasBytePrefix("b/") }) ?? candidates.first {
            return (stripGitPrefix(String(rest[..<c])), stripGitPrefix(String(rest[rest.index(after: c)...])))
        }
        let only = stripGitPrefix(String(rest))
        return (only, only)
    }

    /// `gitHeaderNames` of the usual line, on bytes: ASCII, unquoted, one space (`a/x b/x`).
    /// Nil for any other, which the character rules take.
    private static func asciiGitHeaderNames(_ u: UnsafeBufferPointer<UInt8>) -> (String?, String?)? {
        guard u.first != UInt8(ascii: "\""), !u.contains(where: { $0 >= 0x80 }),
              let space = u.firstIndex(of: 0x20), space + 1 < u.count, u[space + 1] != UInt8(ascii: "\""),
              !u[(space + 1)...].contains(0x20) else { return nil }
        func name(_ from: Int, _ to: Int) -> String {
            var start = from
            if to - from >= 2, u[from + 1] == UInt8(ascii: "/") {
                switch u[from] {
                case UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "i"), UInt8(ascii: "w"), UInt8(ascii: "c"),
                     UInt8(ascii: "o"):
                    start += 2
                default:
                    break
                }
            }
            return String(decoding: UnsafeBufferPointer(rebasing: u[start..<to]), as: UTF8.self)
        }
        return (name(0, space), name(space + 1, u.count))
    }

    static func stripGitPrefix(_ s: String) -> String {
        // `x/` then (usually) an ASCII byte: the two characters are the two bytes, cut on UTF-8.
        let cut = s.withBytes { u -> Bool? in
            guard u.count >= 2, u[1] == UInt8(ascii: "/") else { return false }
            switch u[0] {
            case UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "i"), UInt8(ascii: "w"), UInt8(ascii: "c"),
                 UInt8(ascii: "o"):
                // A non-ASCII byte after the slash may combine with it: then characters decide.
                return u.count == 2 || u[2] < 0x80 ? true : nil
            default:
                return false
            }
        }
        switch cut {
        case true: return String(Substring(s.utf8.dropFirst(2)))
        case false: return s
        case nil: return String(s.dropFirst(2))
        }
    }

    /// The name on a `---`/`+++` line: unquoted, timestamp after a TAB dropped, nil for `/dev/null`.
    static func traditionalName(_ rest: Substring) -> String? {
        if let name = rest.withBytes({ asciiTraditionalName($0) }) { return name }
        var name: String
        if rest.first == "\"" {
            name = cQuoted(rest).0
        } else {
            var r = rest
            if let tab = rest.withBytes({ b in b.firstIndex(of: 0x09) }) {
                r = rest[..<rest.utf8.index(rest.utf8.startIndex, offsetBy: tab)]
            }
            name = String(r)
            // `--- a/file  2013-01-01 ...` (two spaces before a date, from diff -u without TAB)
            if name.containsBytes("  "), let dbl = name.range(of: "  ") { name = String(name[..<dbl.lowerBound]) }
            name = name.trimmedWhitespace
        }
        if name == "/dev/null" { return nil }
        return name
    }

    /// `traditionalName` of an unquoted ASCII name, on bytes (the outer nil: other text, which
    /// the character rules take).
    /// - Parameter strippingGitPrefix: also drop what `stripGitPrefix` drops (`a/`, `b/`, ...),
    ///   before the string is made.
    static func asciiTraditionalName(_ u: UnsafeBufferPointer<UInt8>, strippingGitPrefix: Bool = false) -> String?? {
        guard u.first != UInt8(ascii: "\""), !u.contains(where: { $0 >= 0x80 }) else { return nil }
        var end = u.firstIndex(of: 0x09) ?? u.count
        // `--- a/file  2013-01-01 ...` (two spaces before a date, from diff -u without TAB)
        if end > 1, let double = (0..<(end - 1)).first(where: { u[$0] == 0x20 && u[$0 + 1] == 0x20 }) { end = double }
        var start = 0
        while start < end, u[start] == 0x20 || u[start] == 0x09 { start += 1 }
        while end > start, u[end - 1] == 0x20 || u[end - 1] == 0x09 { end -= 1 }
        let name = UnsafeBufferPointer(rebasing: u[start..<end])
        if name.equals("/dev/null") { return .some(nil) }
        // ASCII: `stripGitPrefix` cuts two bytes after `x/` for these letters.
        if strippingGitPrefix, name.count >= 2, name[1] == UInt8(ascii: "/") {
            switch name[0] {
            case UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "i"), UInt8(ascii: "w"), UInt8(ascii: "c"),
                 UInt8(ascii: "o"):
                start += 2
            default:
                break
            }
        }
        return .some(String(decoding: UnsafeBufferPointer(rebasing: u[start..<end]), as: UTF8.self))
    }

    private static func setNames(_ file: inout FileDiff, old: String?, new: String?, stripPrefix: Bool) {
        func strip(_ s: String) -> String {
            if s.hasBytePrefix("a/") || s.hasBytePrefix("b/") { return String(Substring(s).dropASCIIPrefix(2)) }
            if !s.hasBytePrefix("/"), let slash = s.firstIndex(of: "/") { return String(s[s.index(after: slash)...]) }
            return s
        }
        let bothSlashed = (old?.containsBytes("/") ?? true) && (new?.containsBytes("/") ?? true)
            && !(old?.hasBytePrefix("/") ?? false) && !(new?.hasBytePrefix("/") ?? false)
        file.oldPath = old.map { stripPrefix && bothSlashed ? strip($0) : $0 }
        file.newPath = new.map { stripPrefix && bothSlashed ? strip($0) : $0 }
        if old == nil { file.change = .added }
        if new == nil { file.change = .deleted }
    }

    /// Unquotes a possibly C-quoted path (`"a/\303\244 b"`).
    static func unquote(_ s: Substring) -> String {
        s.first == "\"" ? cQuoted(s).0 : String(TextLines.dropCR(s))
    }

    /// Decodes a C-quoted string at the start of `s`; returns it and what follows the closing quote.
    static func cQuoted(_ s: Substring) -> (String, Substring) {
        var bytes: [UInt8] = []
        let u = Array(s.utf8)
        var i = 1
        while i < u.count {
            let c = u[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                break
            }
            if c == UInt8(ascii: "\\"), i + 1 < u.count {
                let d = u[i + 1]
                if d >= UInt8(ascii: "0"), d <= UInt8(ascii: "7"), i + 3 < u.count {
                    let v = (Int(d) - 48) * 64 + (Int(u[i + 2]) - 48) * 8 + (Int(u[i + 3]) - 48)
                    bytes.append(UInt8(truncatingIfNeeded: v))
                    i += 4
                    continue
                }
                switch d {
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "a"): bytes.append(0x07)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "v"): bytes.append(0x0B)
                default: bytes.append(d)
                }
                i += 2
                continue
            }
            bytes.append(c)
            i += 1
        }
        let rest = Substring(String(decoding: u[min(i, u.count)...], as: UTF8.self))
        return (String(decoding: bytes, as: UTF8.self), rest)
    }
}

extension Array {
    /// A copy in a buffer of exactly `count` elements (an array grown by appending keeps up to
    /// twice the room it needs).
    func exactCopy() -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            _ = buffer.initialize(from: self)
            initialized = count
        }
    }
}
