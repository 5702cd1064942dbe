import Foundation

/// What one line of a reply is.
public enum ReplyLineRole: Sendable, Equatable {
    /// The replier's own text.
    case text
    /// Quoted text (depth >= 1).
    case quote
    /// `On <date>, <name> wrote:` (possibly wrapped over two lines) introducing quotes one level deeper.
    case attribution(author: String)
    /// A trim marker: `[...]`, `<snip>`, `[ ... ]`.
    case trim
    /// The `-- ` signature separator and everything after it.
    case signature
}

/// One classified line of a reply body.
public struct ReplyLine: Sendable, Equatable {
    /// Quote depth: 0 for the replier's own text, 1 for `>`, 2 for `> >` or `>>`.
    public var depth: Int
    /// The text with the quote markers (and one following space) removed: a slice of the body.
    public var text: Substring
    public var role: ReplyLineRole
    /// Line index in the body.
    public var bodyLine: Int
    // Facts about `text`, read once from its bytes when the line is classified, for the tests
    // made on every line (a test on the `Substring` costs a pinning of its bytes each time).
    /// Bytes of `text`.
    var byteCount: Int32 = 0
    /// Whether `text` holds only spaces, tabs or CRs (`isBlankLine`).
    var isBlank = true
    /// `text.firstNonBlankByte` (0 for none).
    var firstNonBlank: UInt8 = 0
    /// `text.lastNonBlankByte` (0 for none).
    var lastNonBlank: UInt8 = 0

    /// - Parameter bytes: the UTF-8 of `text`.
    init(depth: Int, text: Substring, role: ReplyLineRole, bodyLine: Int, bytes: UnsafeBufferPointer<UInt8>) {
        self.depth = depth
        self.text = text
        self.role = role
        self.bodyLine = bodyLine
        setFacts(bytes)
    }

    private mutating func setFacts(_ u: UnsafeBufferPointer<UInt8>) {
        byteCount = Int32(truncatingIfNeeded: min(u.count, Int(Int32.max)))
        var first: UInt8 = 0
        for b in u where b != 0x20 && b != 0x09 {
            first = b
            break
        }
        firstNonBlank = first
        var last: UInt8?
        var k = u.count
        while k > 0 {
            k -= 1
            let b = u[k]
            if b != 0x20 && b != 0x09 && b != 0x0D {
                last = b
                break
            }
        }
        lastNonBlank = last ?? 0
        // Blank: nothing but spaces, tabs and CRs.
        isBlank = last == nil
    }
}

/// One reviewer comment found in a reply, before anchoring.
public struct RawComment: Sendable, Equatable {
    /// Indexes into the reply's lines of the comment text.
    public var textLines: [Int]
    /// Indexes into the reply's lines of the quoted block the comment follows (may be empty: top-posting).
    public var quotedLines: [Int]
    public var text: String
}

/// Splits reply bodies into quoted blocks, attribution lines, trims, signatures and comments.
public enum QuoteParser {
    /// Classifies every line of `body`.
    public static func classify(_ body: String) -> [ReplyLine] {
        ByteLines.of(body, classify)
    }

    /// Classifies every line.
    public static func classify(lines: [Substring]) -> [ReplyLine] {
        ByteLines.joining(lines, classify)
    }

    /// Classifies every line of a body read as bytes. Depth: `>` markers separated by at most one
    /// space; the text is cut once, after the last marker and one space following it.
    static func classify(_ lines: ByteLines) -> [ReplyLine] {
        var out: [ReplyLine] = []
        out.reserveCapacity(lines.count)
        for i in 0..<lines.count {
            let u = lines.dropCR(i)
            var depth = 0
            var skip = 0
            if u.first == UInt8(ascii: ">") {
                var k = 0
                var afterMarker = 0
                let n = u.count
                while k < n, u[k] == UInt8(ascii: ">") {
                    depth += 1
                    k += 1
                    afterMarker = k
                    if k + 1 < n, u[k] == UInt8(ascii: " "), u[k + 1] == UInt8(ascii: ">") { k += 1 }
                }
                skip = afterMarker
                if skip < n, u[skip] == UInt8(ascii: " ") { skip += 1 }
            }
            out.append(ReplyLine(depth: depth, text: lines.substring(i, from: skip, to: u.count),
                                 role: depth == 0 ? .text : .quote, bodyLine: i,
                                 bytes: UnsafeBufferPointer(rebasing: u[skip...])))
        }
        assignRoles(&out)
        return out
    }

    /// Signatures, wrapped quotes, trims and attributions among lines classified by depth.
    private static func assignRoles(_ out: inout [ReplyLine]) {
        // Signature: `-- ` at depth 0 (or a bare `--` with no quotes after it); Outlook's original-message line.
        if let sig = out.indices.first(where: { k in
            // Both separators start with `-` at the first byte.
            guard out[k].depth == 0, out[k].firstNonBlank == UInt8(ascii: "-") else { return false }
            let t = out[k].text
            // ASCII, so comparing bytes is comparing the strings.
            if t.withBytes({ $0.equals("-- ") }) || t.hasBytePrefix("-----Original Message-----") { return true }
            if t.withBytes({ $0.equals("--") }) { return !out[(k + 1)...].contains { $0.depth > 0 } }
            return false
        }) {
            for k in sig..<out.count { out[k].role = .signature }
        }
        // A long quoted line wrapped by a mailer that did not re-quote the rest: one short unquoted
        // line in lower case between two quoted lines, right after a long one that stops mid-sentence,
        // continues the quote.
        if out.count > 2 {
            for k in 1..<(out.count - 1) where out[k].depth == 0 && out[k].role == .text {
                guard out[k - 1].depth > 0, out[k + 1].depth > 0, out[k - 1].role == .quote, out[k + 1].role == .quote,
                      (60...100).contains(out[k - 1].byteCount), !out[k].isBlank, out[k].byteCount <= 30 else { continue }
                let prev = out[k - 1]
                guard let lead = prev.text.utf8.first, !"+- \t@>".utf8.contains(lead),
                      let first = out[k].text.first, first.isLowercase,
                      let end = prev.text.last(where: { $0 != " " }), !".!?:;".contains(end) else { continue }
                out[k].depth = prev.depth
                out[k].role = .quote
            }
        }
        for k in out.indices where out[k].role != .signature {
            switch out[k].firstNonBlank {
            case UInt8(ascii: "["), UInt8(ascii: "<"), UInt8(ascii: "."), 0xE2:
                if isTrim(out[k].text) { out[k].role = .trim }
            default:
                continue
            }
        }
        // Attribution lines: a line (or two) ending in `wrote:`/`writes:` directly before deeper quotes.
        for k in out.indices where out[k].role == .text || out[k].role == .quote {
            guard out[k].lastNonBlank == UInt8(ascii: ":") else { continue }
            let t = out[k].text.trimmedWhitespace
            guard isAttributionEnd(t) else { continue }
            let d = out[k].depth
            // The next non-blank line must be quoted deeper.
            var j = k + 1
            while j < out.count, out[j].depth == d, out[j].isBlank { j += 1 }
            guard j < out.count, out[j].depth > d else { continue }
            var full = t
            var joinsPrevious = false
            if k > 0, out[k - 1].depth == d, out[k - 1].role == out[k].role {
                let prev = out[k - 1].text.trimmedWhitespace
                if prev.hasBytePrefix("On ") && !isAttributionEnd(prev) && (t.count < 60 || !t.hasBytePrefix("On ")) {
                    full = prev + " " + t
                    joinsPrevious = true
                }
            }
            let author = attributionAuthor(full)
            if joinsPrevious { out[k - 1].role = .attribution(author: author) }
            out[k].role = .attribution(author: author)
        }
    }

    /// `[...]`, `[ ... ]`, `<snip>`, `[snip]`, `...`, `<...>`, `[..]`.
    static func isTrim(_ text: Substring) -> Bool {
        let t = text.trimmedWhitespace.lowercased()
        guard !t.isEmpty, t.count <= 24 else { return false }
        var inner = t
        if (t.hasBytePrefix("[") && t.hasByteSuffix("]")) || (t.hasBytePrefix("<") && t.hasByteSuffix(">")) {
            inner = String(t.dropFirst().dropLast()).trimmedWhitespace
        } else if t != "..." && t != "…" {
            return false
        }
        if inner.allSatisfy({ $0 == "." || $0 == "…" }) && !inner.isEmpty { return true }
        return ["snip", "snipped", "trimmed", "trim", "cut", "...snip...", "skip", "deleted"].contains(inner)
            || inner.hasBytePrefix("snip") || inner.hasBytePrefix("...") || inner.hasByteSuffix("...")
    }

    static func isAttributionEnd(_ t: String) -> Bool {
        // At most 200 characters (no more than 200 bytes needs no counting).
        guard t.utf8.count <= 200 || t.count <= 200 else { return false }
        return t.hasByteSuffix("wrote:") || t.hasByteSuffix("writes:") || t.hasByteSuffix("said:")
            || (t.hasByteSuffix(":") && (t.containsBytes(" wrote on ") || t.containsBytes(" wrote at ")))
            || t.hasByteSuffix("wrote :") || t.hasByteSuffix("schrieb:") || (t.hasBytePrefix("Quoting ") && t.hasByteSuffix(":"))
    }

    /// The person named in an attribution line.
    static func attributionAuthor(_ line: String) -> String {
        var s = line
        // ASCII suffixes compared on bytes (the cut falls between characters either way).
        let suffixes: [StaticString] = [" wrote:", " writes:", " said:", " wrote :", " schrieb:", ":"]
        for suffix in suffixes where s.hasByteSuffix(suffix) {
            s = String(Substring(s.utf8.dropLast(suffix.utf8CodeUnitCount)))
            break
        }
        if s.containsBytes(" wrote "), let on = s.range(of: " wrote on ") ?? s.range(of: " wrote at ") { s = String(s[..<on.lowerBound]) }
        if s.hasBytePrefix("Quoting ") { s = String(s.dropFirst(8)) }
        if let lt = lastASCII(UInt8(ascii: "<"), in: s) { s = String(s[..<lt]) }
        if let paren = lastASCII(UInt8(ascii: "("), in: s), s.hasBytePrefix("Quoting") || s.hasByteSuffix(")") { s = String(s[..<paren]) }
        s = s.trimmedWhitespace
        // Keep the trailing words that are neither dates nor times.
        if let ascii = s.withBytes(asciiAuthor) { return ascii.isEmpty ? s : ascii }
        let words = s.split(whereSeparator: { $0 == " " || $0 == "\u{202F}" || $0 == "\u{00A0}" })
        var name: [Substring] = []
        for w in words.reversed() {
            if hasNumber(w) || w.hasByteSuffix(",")
                || w == "AM" || w == "PM" || w == "am" || w == "pm" || w == "On" || w == "at" {
                break
            }
            name.append(w)
        }
        name.reverse()
        let joined = name.joined(separator: " ").trimmingBytes("\"' ")
        return joined.isEmpty ? s : joined
    }

    /// The name `attributionAuthor` keeps from ASCII text (nil for other text): the trailing
    /// words up to one with a digit, a final comma or an AM/PM/On/at, joined by single spaces,
    /// quotes and spaces trimmed. Every byte is its own character (CR LF aside, not a space).
    private static func asciiAuthor(_ u: UnsafeBufferPointer<UInt8>) -> String? {
        guard !u.contains(where: { $0 >= 0x80 }) else { return nil }
        var keptStart = u.count
        var end = u.count
        while end > 0 {
            while end > 0, u[end - 1] == 0x20 { end -= 1 }
            guard end > 0 else { break }
            var start = end
            while start > 0, u[start - 1] != 0x20 { start -= 1 }
            let w = UnsafeBufferPointer(rebasing: u[start..<end])
            if w.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) || w.last == UInt8(ascii: ",")
                || w.equals("AM") || w.equals("PM") || w.equals("am") || w.equals("pm") || w.equals("On")
                || w.equals("at") {
                break
            }
            keptStart = start
            end = start
        }
        // The kept words with single spaces between them, then quotes and spaces trimmed.
        var out: [UInt8] = []
        var k = keptStart
        while k < u.count {
            if u[k] == 0x20 {
                while k < u.count, u[k] == 0x20 { k += 1 }
                if k < u.count, !out.isEmpty { out.append(0x20) }
                continue
            }
            out.append(u[k])
            k += 1
        }
        let trim: (UInt8) -> Bool = { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") || $0 == 0x20 }
        let from = out.firstIndex { !trim($0) } ?? out.count
        let to = (out.lastIndex { !trim($0) } ?? -1) + 1
        return from < to ? String(decoding: out[from..<to], as: UTF8.self) : ""
    }

    /// Whether a word holds a numeric character: decided on bytes when it is ASCII.
    private static func hasNumber(_ w: Substring) -> Bool {
        var ascii = true
        for b in w.utf8 {
            if b >= 0x80 { ascii = false; break }
            if b >= 0x30 && b <= 0x39 { return true }
        }
        return ascii ? false : w.contains(where: { $0.isNumber })
    }

    /// `text.lastIndex(of: Character(byte))` for an ASCII `byte`, found on bytes; the character
    /// search decides only when a non-ASCII neighbour could join the byte into a larger character.
    static func lastASCII(_ byte: UInt8, in text: String) -> String.Index? {
        let u = text.utf8
        guard let offset = text.withBytes({ b in b.lastIndex(of: byte) }) else { return nil }
        let i = u.index(u.startIndex, offsetBy: offset)
        let next = u.index(after: i)
        let before = i == u.startIndex ? nil : u[u.index(before: i)]
        if (next == u.endIndex || u[next] < 0x80) && (before.map { $0 < 0x80 } ?? true) {
            return i
        }
        return text.lastIndex(of: Character(Unicode.Scalar(byte)))
    }

    /// `Hi Peter,`, `Hello all,`, `Hi, Mike,`, `Dear X,`.
    public static func isSalutation(_ line: some StringProtocol) -> Bool {
        let t = line.trimmedWhitespace
        guard t.count <= 40, t.hasByteSuffix(",") || t.hasByteSuffix("!") || t.split(separator: " ").count <= 2 else { return false }
        let first = t.split(whereSeparator: { $0 == " " || $0 == "," }).first.map { $0.lowercased() } ?? ""
        return ["hi", "hello", "hey", "dear", "hallo", "howdy", "greetings"].contains(first)
    }

    /// The comments of a classified reply: each run of the replier's own text between quoted blocks.
    /// - Parameters:
    ///   - lines: the classified reply.
    ///   - author: the replier's name; a sign-off (`Thanks,` / `David`) ending the last comment is dropped.
    public static func comments(_ lines: [ReplyLine], author: String? = nil) -> [RawComment] {
        var out = rawComments(lines)
        guard var last = out.last else { return out }
        var keep = last.textLines
        while let k = keep.last {
            let t = lines[k].text.trimmedWhitespace
            guard t.isEmpty || isSignOff(t, author: author) else { break }
            keep.removeLast()
        }
        if keep.isEmpty {
            out.removeLast()
        } else if keep.count != last.textLines.count {
            last.textLines = keep
            last.text = joinText(keep.map { lines[$0].text })
            out[out.count - 1] = last
        }
        return out
    }

    /// `Thanks,`, `Cheers, Lorenzo`, `Regards`, or the replier's first or full name on its own line.
    public static func isSignOff(_ line: some StringProtocol, author: String?) -> Bool {
        let t = line.trimmedWhitespace
        guard !t.isEmpty else { return false }
        // At most 40 characters: 40 bytes or fewer always are; ASCII without a CR has one
        // character per byte; anything else is counted by graphemes.
        if t.utf8.count > 40 {
            if !t.utf8.contains(where: { $0 >= 0x80 || $0 == 0x0D }) || t.count > 40 { return false }
        }
        let bare = PatchSubject.lowercased(t.trimmingBytes("-.,!~ "))
        if closings.contains(bare) { return true }
        // ASCII text is split on bytes (each byte its own character); anything else by characters.
        let asciiBare = !bare.utf8.contains { $0 >= 0x80 }
        if let comma = asciiBare ? bare.utf8.firstIndex(of: UInt8(ascii: ",")) : bare.firstIndex(of: ","),
           closings.contains(String(bare[..<comma])),
           bare[bare.index(after: comma)...].split(separator: " ").count <= 3 { return true }
        if let author, !author.isEmpty {
            let full = PatchSubject.lowercased(author)
            let first: String
            if !full.utf8.contains(where: { $0 >= 0x80 }) {
                first = full.utf8.split(separator: 0x20).first.map { String(Substring($0)) } ?? full
            } else {
                first = full.split(separator: " ").first.map(String.init) ?? full
            }
            if bare == full || bare == first { return true }
        }
        return false
    }

    private static let closings: Set<String> = ["thanks", "thank you", "thanks a lot", "many thanks", "thx", "cheers",
                                                "regards", "best regards", "kind regards", "best", "br", "ta",
                                                "sincerely", "thanks again"]

    /// Lines joined with LF, CRs removed and trailing blanks of each line dropped (on bytes).
    static func joinText(_ texts: [Substring]) -> String {
        var total = 0
        for t in texts { total += t.utf8.count + 1 }
        var out: [UInt8] = []
        out.reserveCapacity(total)
        for (k, t) in texts.enumerated() {
            if k > 0 { out.append(0x0A) }
            let start = out.count
            var line = t
            line.withUTF8 { u in
                guard let base = u.baseAddress else { return }
                if memchr(base, 0x0D, u.count) == nil {
                    out.append(contentsOf: u)
                } else {
                    for b in u where b != 0x0D { out.append(b) }
                }
            }
            while out.count > start, out[out.count - 1] == 0x20 || out[out.count - 1] == 0x09 { out.removeLast() }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func rawComments(_ lines: [ReplyLine]) -> [RawComment] {
        var out: [RawComment] = []
        var quoted: [Int] = []
        // The replier's lines since the last quote; how many are not blank, and where in `text`
        // the first and last of those are (kept as the lines arrive: no filtering at each quote).
        var text: [Int] = []
        text.reserveCapacity(16)
        var kept = 0, firstKept = -1, lastKept = -1
        func flush() {
            defer {
                text.removeAll(keepingCapacity: true)
                kept = 0
                firstKept = -1
                lastKept = -1
            }
            guard kept > 0 else { return }
            // A lone salutation before the first quote (`Hi Peter,`) is not a comment.
            if out.isEmpty, quoted.isEmpty, kept == 1, isSalutation(lines[text[firstKept]].text) { return }
            let body = Array(text[firstKept...lastKept])
            out.append(RawComment(textLines: body, quotedLines: quoted, text: joinText(body.map { lines[$0].text })))
            quoted = []
        }
        for k in lines.indices {
            switch lines[k].role {
            case .signature:
                flush()
                return out
            case .quote:
                if kept > 0 { flush() } else { text.removeAll(keepingCapacity: true) }
                quoted.append(k)
            case .attribution, .trim:
                if lines[k].depth == 0 {
                    // An attribution or trim marker ends the comment before it.
                    flush()
                } else {
                    quoted.append(k)
                }
            case .text:
                if !lines[k].isBlank {
                    if firstKept < 0 { firstKept = text.count }
                    lastKept = text.count
                    kept += 1
                }
                text.append(k)
            }
        }
        flush()
        return out
    }
}
