import Foundation

/// Where a line of a patch or cover letter body sits in the review model.
enum DocLocation: Sendable, Equatable {
    case paragraph(Int)
    case diff(file: String, hunk: Int, side: Side, line: Int)
    case general
}

/// A line's whitespace-normalised text (runs of spaces, tabs, CRs and no-break spaces collapsed to
/// one space, both ends trimmed) as a 64-bit FNV-1a hash, computed on bytes without allocating.
struct NormKey: Hashable, Sendable {
    var hash: UInt64
    /// Bytes of the normalised text.
    private var byteCount: UInt32
    /// Unicode scalars of the normalised text (what "at least three characters" counts).
    private var scalarCount: UInt32
    var bytes: Int { Int(byteCount) }
    var scalars: Int { Int(scalarCount) }
    var isEmpty: Bool { byteCount == 0 }

    static let empty = NormKey(hash: 0, bytes: 0, scalars: 0)

    init(hash: UInt64, bytes: Int, scalars: Int) {
        self.hash = hash
        byteCount = UInt32(truncatingIfNeeded: min(bytes, Int(UInt32.max)))
        scalarCount = UInt32(truncatingIfNeeded: min(scalars, Int(UInt32.max)))
    }

    init(_ s: Substring) {
        var sub = s
        self = sub.withUTF8 { NormKey(bytes: $0, limit: Int.max) }
    }

    init(_ s: String) { self.init(Substring(s)) }

    /// The key of the first `limit` bytes of the normalised text of `u`.
    init(bytes u: UnsafeBufferPointer<UInt8>, limit: Int) {
        // The normalised text is never longer than the input: then the limit cannot apply, and
        // the loop is compiled a second time without its checks.
        self = limit >= u.count ? NormKey.hash(u, limit: limit, checked: false) : NormKey.hash(u, limit: limit, checked: true)
    }

    @inline(__always)
    private static func hash(_ u: UnsafeBufferPointer<UInt8>, limit: Int, checked: Bool) -> NormKey {
        var h: UInt64 = 0xcbf29ce484222325
        var n = 0
        // Every byte taken, or-ed: scalars are counted only when one is not ASCII.
        var high: UInt8 = 0
        var pending = false
        var i = 0
        let count = u.count
        while i < count {
            if checked && n >= limit { break }
            let b = u[i]
            if b == 0x20 || b == 0x09 || b == 0x0D {
                pending = n > 0
                i += 1
                continue
            }
            if b == 0xC2, i + 1 < count, u[i + 1] == 0xA0 {
                pending = n > 0
                i += 2
                continue
            }
            if pending {
                h = (h ^ 0x20) &* 0x100000001b3
                n += 1
                pending = false
                if checked && n == limit { break }
            }
            h = (h ^ UInt64(b)) &* 0x100000001b3
            n += 1
            high |= b
            i += 1
        }
        // Scalars: the bytes taken less their continuation bytes (10xxxxxx), found again over
        // the input read (a no-break space's second byte is one, and was not taken).
        var scalars = n
        if high >= 0x80 {
            var k = 0
            while k < i {
                let b = u[k]
                if b == 0xC2, k + 1 < count, u[k + 1] == 0xA0 {
                    k += 2
                    continue
                }
                if b & 0xC0 == 0x80 { scalars -= 1 }
                k += 1
            }
        }
        return NormKey(hash: n == 0 ? 0 : h, bytes: n, scalars: scalars)
    }
}

/// The lines of a patch (or cover letter) body, keyed for matching quotes, each with its location.
/// Lines are kept as hashes of their normalised text in sorted tables (no string per line); the
/// normalised text itself is built only for the rare wrapped-line match.
struct DocumentMap: Sendable {
    /// Where the lines come from: the mail body (split again in the rare case the text is needed),
    /// or lines that are not a body's (a patch rebuilt from quotes).
    private enum Source: Sendable {
        case body(String)
        case lines([Substring])
    }
    /// A `DocLocation` in 24 bytes: the file as an index into `files`.
    private struct Packed: Sendable {
        var kind: UInt8
        var side: Side
        var file: Int32
        var hunk: Int32
        var line: Int
    }
    private let source: Source
    var keys: [NormKey]
    private var packed: [Packed]
    private var files: [String] = []
    /// The positions of every non-blank line by its hash.
    private var index = LineIndex()
    /// The positions of lines longer than `prefixKey` bytes by the hash of their first `prefixKey`:
    /// built the first time a quote is looked for as a wrapped line (a document no reply quotes
    /// that way never builds it).
    private var prefixIndex: LineIndex?
    static let prefixKey = 12

    /// The document's lines as text, for the rare wrapped-line match: a body's line table is
    /// found once (two offsets a line) and a line cut from the body only when it is a candidate.
    private struct TextTable {
        private let source: Source
        private let bounds: [Int]
        let count: Int

        init(_ source: Source) {
            self.source = source
            switch source {
            case .body(let b):
                bounds = ByteLines.of(b) { $0.bounds }
                count = bounds.count / 2
            case .lines(let l):
                bounds = []
                count = l.count
            }
        }

        subscript(_ j: Int) -> Substring {
            switch source {
            case .body(let b): ByteLines.substring(of: b, bounds[2 * j], bounds[2 * j + 1])
            case .lines(let l): l[j]
            }
        }
    }

    /// Where line `i` sits.
    func location(_ i: Int) -> DocLocation {
        let p = packed[i]
        switch p.kind {
        case 1: return .paragraph(p.line)
        case 2: return .diff(file: files[Int(p.file)], hunk: Int(p.hunk), side: p.side, line: p.line)
        default: return .general
        }
    }

    private mutating func set(_ i: Int, _ loc: DocLocation) {
        switch loc {
        case .general:
            packed[i] = Packed(kind: 0, side: .new, file: 0, hunk: 0, line: 0)
        case .paragraph(let p):
            packed[i] = Packed(kind: 1, side: .new, file: 0, hunk: 0, line: p)
        case .diff(let f, let hunk, let side, let line):
            if files.last != f { files.append(f) }
            packed[i] = Packed(kind: 2, side: side, file: Int32(truncatingIfNeeded: files.count - 1),
                               hunk: Int32(truncatingIfNeeded: hunk), line: line)
        }
    }

    private mutating func buildIndex(_ lines: ByteLines) {
        var entries: [(UInt64, Int)] = []
        entries.reserveCapacity(keys.count)
        for (i, k) in keys.enumerated() where !k.isEmpty { entries.append((k.hash, i)) }
        index = LineIndex(entries)
    }

    static func prefixHash(_ s: Substring) -> UInt64 { s.withBytes(prefixHash) }

    /// The hash of the first `prefixKey` bytes of a line's normalised text.
    static func prefixHash(_ u: UnsafeBufferPointer<UInt8>) -> UInt64 { NormKey(bytes: u, limit: prefixKey).hash }

    /// The index of line prefixes, read on the body's bytes (no string per line).
    private func makePrefixIndex() -> LineIndex {
        var entries: [(UInt64, Int)] = []
        func add(_ count: Int, _ prefix: (Int) -> UInt64) {
            for (i, k) in keys.enumerated() where k.bytes > DocumentMap.prefixKey && i < count { entries.append((prefix(i), i)) }
        }
        switch source {
        case .body(let body): ByteLines.of(body) { lines in add(lines.count) { DocumentMap.prefixHash(lines[$0]) } }
        case .lines(let lines): add(lines.count) { DocumentMap.prefixHash(lines[$0]) }
        }
        return LineIndex(entries)
    }

    /// First position in `list` (ascending) that is >= `from` (binary search).
    private static func firstAtOrAfter(_ list: ArraySlice<Int32>, _ from: Int) -> Int? {
        var lo = list.startIndex, hi = list.endIndex
        while lo < hi {
            let mid = (lo + hi) / 2
            if Int(list[mid]) < from { lo = mid + 1 } else { hi = mid }
        }
        return lo < list.endIndex ? Int(list[lo]) : nil
    }

    /// Collapses whitespace runs to one space and trims: tolerates tab damage and trailing spaces.
    static func normalise<S: StringProtocol>(_ s: S) -> String {
        let u = s.utf8
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        var pendingSpace = false
        var i = u.startIndex
        while i != u.endIndex {
            let b = u[i]
            var isSpace = b == 0x20 || b == 0x09 || b == 0x0D
            var width = 1
            if b == 0xC2 {
                let n = u.index(after: i)
                if n != u.endIndex, u[n] == 0xA0 { isSpace = true; width = 2 }
            }
            if isSpace {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(b)
            }
            i = u.index(i, offsetBy: width)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The keys of every line, read on bytes.
    private static func keys(_ lines: ByteLines) -> [NormKey] {
        (0..<lines.count).map { NormKey(bytes: lines[$0], limit: .max) }
    }

    /// Map of a patch body: commit message paragraphs, then the diff lines.
    /// - Parameter stored: the lines when they are not a body's (then kept instead of the body).
    init(patchLines lines: ByteLines, mail: PatchMail, stored: [Substring]? = nil) {
        source = stored.map { .lines($0) } ?? .body(lines.text)
        keys = DocumentMap.keys(lines)
        packed = Array(repeating: Packed(kind: 0, side: .new, file: 0, hunk: 0, line: 0), count: lines.count)
        let end = min(mail.breakLine, lines.count)
        var para = 0
        var seenText = false
        var inBlank = false
        if mail.messageStart < end {
            for i in mail.messageStart..<end {
                if keys[i].isEmpty {
                    inBlank = true
                } else {
                    if inBlank && seenText { para += 1 }
                    inBlank = false
                    seenText = true
                }
                set(i, .paragraph(para))
            }
        }
        for file in mail.files {
            guard let firstHunk = file.hunks.first else { continue }
            let firstLoc = DocumentMap.location(file: file.path, hunk: firstHunk, line: 0)
            if file.headerLine < firstHunk.bodyLine {
                for i in file.headerLine..<min(firstHunk.bodyLine, lines.count) { set(i, firstLoc) }
            }
            for hunk in file.hunks {
                if hunk.bodyLine < lines.count {
                    set(hunk.bodyLine, DocumentMap.location(file: file.path, hunk: hunk, line: 0))
                }
                for k in hunk.lines.indices where hunk.bodyLine + 1 + k < lines.count {
                    set(hunk.bodyLine + 1 + k, DocumentMap.location(file: file.path, hunk: hunk, line: k))
                }
            }
        }
        buildIndex(lines)
    }

    /// Map of a cover letter (or any prose): paragraphs until the signature.
    /// - Parameter stored: the lines when they are not a body's (then kept instead of the body).
    init(proseLines lines: ByteLines, stored: [Substring]? = nil) {
        source = stored.map { .lines($0) } ?? .body(lines.text)
        keys = DocumentMap.keys(lines)
        packed = Array(repeating: Packed(kind: 0, side: .new, file: 0, hunk: 0, line: 0), count: lines.count)
        var para = 0
        var seenText = false
        var inBlank = false
        var signed = false
        for i in 0..<lines.count {
            if lines.dropCR(i).equals("-- ") { signed = true }
            if signed { continue }
            if keys[i].isEmpty {
                inBlank = true
            } else {
                if inBlank && seenText { para += 1 }
                inBlank = false
                seenText = true
            }
            set(i, .paragraph(para))
        }
        buildIndex(lines)
    }

    /// The location of hunk line `k` (a `\ No newline` marker takes the line before it).
    static func location(file: String, hunk: Hunk, line k: Int) -> DocLocation {
        guard !hunk.lines.isEmpty else {
            return .diff(file: file, hunk: hunk.index, side: .new, line: hunk.newStart)
        }
        var j = min(k, hunk.lines.count - 1)
        while j > 0, hunk.lines[j].kind == .noNewline { j -= 1 }
        let l = hunk.lines[j]
        switch l.kind {
        case .removed:
            return .diff(file: file, hunk: hunk.index, side: .old, line: l.oldLine ?? hunk.oldStart)
        default:
            return .diff(file: file, hunk: hunk.index, side: .new, line: l.newLine ?? hunk.newStart)
        }
    }

    /// Aligns quoted lines (in order) to this document.
    /// - Returns: for each quoted line, the index of the document line it matched, or nil.
    /// - Parameter quoted: the keys of `quotedLines`.
    /// (Mutating: the index of line prefixes is built here the first time it is needed.)
    mutating func align(_ quotedLines: [Substring], keys quoted: [NormKey]) -> [Int?] {
        var result = [Int?](repeating: nil, count: quoted.count)
        var cursor = 0
        var q = 0
        let n = keys.count
        // The document's own lines, found in the body at most once per alignment (only a
        // wrapped quoted line needs them).
        var documentLines: TextTable?
        while q < quoted.count {
            let t = quoted[q]
            if t.isEmpty {
                // A bare `>`: a blank line, only where the next document line is blank.
                if cursor < n, keys[cursor].isEmpty {
                    result[q] = cursor
                    cursor += 1
                }
                q += 1
                continue
            }
            let window = t.bytes < 8 ? min(n, cursor + 40) : n
            var found: Int?
            let list = index[t.hash]
            if !list.isEmpty {
                if let f = DocumentMap.firstAtOrAfter(list, cursor), f < window {
                    found = f
                } else if t.bytes >= 8, let f = list.first.map(Int.init), f < cursor {
                    // Quoted again from earlier in the document.
                    found = f
                }
            }
            if let f = found {
                result[q] = f
                cursor = f + 1
                q += 1
                continue
            }
            // A long line wrapped by the replier's mailer: the quoted piece starts a document line and
            // the following quoted lines continue it.
            if t.bytes >= DocumentMap.prefixKey, q + 1 < quoted.count, !quoted[q + 1].isEmpty {
                if prefixIndex == nil { prefixIndex = makePrefixIndex() }
                let list = prefixIndex![DocumentMap.prefixHash(quotedLines[q])]
                let text = list.isEmpty ? "" : DocumentMap.normalise(quotedLines[q])
                if !list.isEmpty, documentLines == nil { documentLines = TextTable(source) }
                let lines = documentLines
                var doc = ""
                for j in list.lazy.map(Int.init) where j >= cursor && j < (lines?.count ?? 0) && keys[j].bytes > t.bytes {
                    guard let lines else { break }
                    let candidate = DocumentMap.normalise(lines[j])
                    if candidate.hasPrefix(text) {
                        found = j
                        doc = candidate
                        break
                    }
                }
                if let f = found {
                    result[q] = f
                    var joined = text
                    var r = q + 1
                    while r < quoted.count, !quoted[r].isEmpty {
                        let next = DocumentMap.normalise(quotedLines[r])
                        let candidate = joined + " " + next
                        let candidateTight = joined + next
                        if doc.hasPrefix(candidate) || doc.hasPrefix(candidateTight) {
                            joined = doc.hasPrefix(candidate) ? candidate : candidateTight
                            result[r] = f
                            r += 1
                        } else {
                            break
                        }
                    }
                    cursor = f + 1
                    q = r
                    continue
                }
            }
            q += 1
        }
        return result
    }
}

/// Line positions grouped by hash: each hash's positions, ascending, are one slice of a single
/// array, built by a counting sort of the lines by hash (no comparison sort of (hash, position)
/// pairs), and a hash's positions are found with one table probe instead of a binary search.
struct LineIndex: Sendable {
    /// Hash -> group number.
    private var groups = KeyTable<Int32>()
    /// Group `g`'s positions are `positions[starts[g]..<starts[g + 1]]`.
    private var starts: [Int32] = [0]
    private var positions: [Int32] = []

    init() {}

    /// - Parameter entries: (hash, position) pairs, positions ascending.
    init(_ entries: [(UInt64, Int)]) {
        groups = KeyTable(capacity: entries.count)
        var groupOf = [Int32](repeating: 0, count: entries.count)
        var counts: [Int32] = []
        for (k, e) in entries.enumerated() {
            if let g = groups[e.0] {
                counts[Int(g)] += 1
                groupOf[k] = g
            } else {
                let g = Int32(truncatingIfNeeded: counts.count)
                groups.set(e.0, g)
                counts.append(1)
                groupOf[k] = g
            }
        }
        starts = [Int32](repeating: 0, count: counts.count + 1)
        for g in counts.indices { starts[g + 1] = starts[g] + counts[g] }
        var fill = starts
        positions = [Int32](repeating: 0, count: entries.count)
        for (k, e) in entries.enumerated() {
            let g = Int(groupOf[k])
            positions[Int(fill[g])] = Int32(truncatingIfNeeded: e.1)
            fill[g] += 1
        }
    }

    /// The positions of the lines with hash `h`, ascending (empty for none).
    subscript(h: UInt64) -> ArraySlice<Int32> {
        guard let g = groups[h].map(Int.init) else { return [] }
        return positions[Int(starts[g])..<Int(starts[g + 1])]
    }
}
