import Foundation

/// A mail subject taken apart: reply/forward markers, bracketed prefixes, version, `n/m`
/// marker and the cleaned name. Follows patchwork's `clean_subject`, `split_prefixes`,
/// `parse_series_marker` and `parse_version` behaviour.
public struct PatchSubject: Sendable, Equatable, Hashable {
    /// The subject as given.
    public var raw: String
    /// True when a `Re:`/`RE:`/`AW:`/`Sv:` (any case, repeated) marker was found.
    public var isReply: Bool
    /// True when a `Fwd:`/`Fw:` marker was found.
    public var isForward: Bool
    /// Every token of every bracketed prefix, in order (`PATCH` included).
    public var tokens: [String]
    /// Patchwork's prefixes: the tokens without `PATCH` (e.g. `["RFC", "1/2"]`).
    public var prefixes: [String]
    /// True when a token says `PATCH` (also `PATCHv2`, `PATCH1/8`) or `RFC`.
    public var isPatch: Bool
    public var isRFC: Bool
    public var isResend: Bool
    /// The version (1 when not labelled).
    public var version: Int
    /// True when the version was written (`v2`, `V6`, `(v2)`).
    public var versionLabelled: Bool
    /// `n` of `n/m` or `n of m`.
    public var index: Int?
    /// `m` of `n/m`; nil when unnumbered or written `n/n`-style as a letter (`3/n`).
    public var total: Int?
    /// The subject without reply markers and bracketed prefixes, spaces normalised.
    public var name: String

    /// Patchwork's cleaned subject: `[RFC,1/2] name`, or `name` when no prefixes remain.
    public var cleaned: String { prefixes.isEmpty ? name : "[\(prefixes.joined(separator: ","))] \(name)" }

    /// Parses a subject.
    /// - Parameters:
    ///   - subject: the decoded subject text.
    ///   - dropPrefixes: further prefixes (besides `PATCH`) to leave out of `prefixes`, case-insensitive.
    public init(_ subject: String, dropPrefixes: [String] = []) {
        raw = subject
        var s = Self.normaliseSpace(subject)
        var reply = false, forward = false
        var tokens: [String] = []
        if let front = Self.asciiFront(s) {
            (tokens, reply, forward, s) = front
        } else {
            // Alternate: strip reply markers and bracketed groups from the front until neither is left.
            while true {
                if let (rest, kind) = Self.stripReplyMarker(s) {
                    if kind == .forward { forward = true } else { reply = true }
                    s = rest
                    continue
                }
                if s.hasBytePrefix("["), let close = s.utf8.firstIndex(of: UInt8(ascii: "]")) {
                    let inner = String(s[s.index(after: s.startIndex)..<close])
                    tokens += Self.splitPrefixes(inner)
                    s = String(s[s.index(after: close)...]).trimmedWhitespace
                    continue
                }
                // Unbracketed `PATCH1/8 name` or `PATCH v2 1/8 name`.
                if tokens.isEmpty, let (rest, group) = Self.stripBarePatchPrefix(s) {
                    tokens += group
                    s = rest
                    continue
                }
                break
            }
        }
        self.tokens = tokens
        isReply = reply
        isForward = forward
        let lower = tokens.map(Self.lowercased)
        if dropPrefixes.isEmpty {
            prefixes = zip(tokens, lower).compactMap { $1 == "patch" ? nil : $0 }
        } else {
            let drop = Set((dropPrefixes + ["patch"]).map { $0.lowercased() })
            prefixes = zip(tokens, lower).compactMap { drop.contains($1) ? nil : $0 }
        }
        name = Self.normaliseSpace(s)

        var isPatch = false, isRFC = false, isResend = false
        var version: Int?
        var index: Int?, total: Int?
        var i = 0
        while i < lower.count {
            let t = lower[i]
            if t == "rfc" { isRFC = true }
            if t == "resend" { isResend = true }
            if t.hasBytePrefix("patch") || t.hasBytePrefix("rfc") { isPatch = true }
            if version == nil, let v = Self.versionToken(t) { version = v }
            if index == nil {
                if let (n, m) = Self.seriesMarker(t) {
                    index = n
                    total = m
                } else if i + 2 < lower.count, lower[i + 1] == "of", let n = Self.number(t), let m = Self.number(lower[i + 2]) {
                    // hg: `[PATCH 1 of 2]`
                    index = n
                    total = m
                    i += 2
                }
            }
            i += 1
        }
        if version == nil, let v = Self.parenthesisedVersion(name) { version = v }
        self.isPatch = isPatch || isRFC
        self.isRFC = isRFC
        self.isResend = isResend
        self.version = version ?? 1
        versionLabelled = version != nil
        self.index = index
        self.total = total
    }

    private enum Marker { case reply, forward }

    /// The front of a space-normalised ASCII subject taken apart on bytes, where each byte is a
    /// character: reply markers and bracketed groups (what the loop of `init` strips), their tokens
    /// and the rest. Nil for other text, and where an unbracketed `PATCH` prefix needs the loop.
    private static func asciiFront(_ s: String) -> (tokens: [String], reply: Bool, forward: Bool, rest: String)? {
        let front = s.withBytes { u -> (tokens: [String], reply: Bool, forward: Bool, rest: String)? in
            guard !u.contains(where: { $0 >= 0x80 }) else { return nil }
            var tokens: [String] = []
            var reply = false, forward = false
            var pos = 0
            // Normalised text has single spaces: trimming is skipping them (tabs and line breaks are gone).
            func skipSpace() { while pos < u.count, u[pos] == 0x20 { pos += 1 } }
            while pos < u.count {
                if let (length, kind) = replyMarker(u, at: pos) {
                    if kind == .forward { forward = true } else { reply = true }
                    pos += length
                } else if u[pos] == UInt8(ascii: "["), let close = u[pos...].firstIndex(of: UInt8(ascii: "]")) {
                    tokens += asciiTokens(UnsafeBufferPointer(rebasing: u[(pos + 1)..<close]))
                    pos = close + 1
                } else {
                    break
                }
                skipSpace()
            }
            return (tokens, reply, forward, String(decoding: UnsafeBufferPointer(rebasing: u[pos...]), as: UTF8.self))
        }
        // `PATCH1/8 name` without brackets: the loop of `init` takes that one.
        if let front, front.tokens.isEmpty, stripBarePatchPrefix(front.rest) != nil { return nil }
        return front
    }

    /// `lowercased()`, without Unicode case mapping (or a copy) when the token is ASCII.
    static func lowercased(_ t: String) -> String {
        let (ascii, upper) = t.withBytes { u -> (Bool, Bool) in
            var upper = false
            for b in u {
                if b >= 0x80 { return (false, upper) }
                if b >= 0x41 && b <= 0x5A { upper = true }
            }
            return (true, upper)
        }
        if !ascii { return t.lowercased() }
        if !upper { return t }
        return t.withBytes { u in
            String(unsafeUninitializedCapacity: u.count) { out in
                for k in u.indices { out[k] = u[k] >= 0x41 && u[k] <= 0x5A ? u[k] | 0x20 : u[k] }
                return u.count
            }
        }
    }

    /// `lowercased(a) == lowercased(b)`, decided on bytes while both are ASCII (any other byte
    /// leaves the decision to the full comparison).
    static func equalLowercased(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        var i = x.startIndex, j = y.startIndex
        while i != x.endIndex, j != y.endIndex {
            let p = x[i], q = y[j]
            if p >= 0x80 || q >= 0x80 { return lowercased(a) == lowercased(b) }
            if (p >= 0x41 && p <= 0x5A ? p | 0x20 : p) != (q >= 0x41 && q <= 0x5A ? q | 0x20 : q) { return false }
            i = x.index(after: i)
            j = y.index(after: j)
        }
        if i == x.endIndex, j == y.endIndex { return true }
        if x[i...].contains(where: { $0 >= 0x80 }) || y[j...].contains(where: { $0 >= 0x80 }) {
            return lowercased(a) == lowercased(b)
        }
        return false
    }

    /// The value of ASCII digits `u[from..<to]`: nil when empty, when a byte is not a digit, or on overflow.
    private static func digitsValue(_ u: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
        guard from < to else { return nil }
        var v = 0
        for k in from..<to {
            let d = Int(u[k]) - 0x30
            guard d >= 0 && d <= 9 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { return nil }
            v = a
        }
        return v
    }

    /// The end of the run of ASCII digits starting at `from`.
    private static func digitsEnd(_ u: UnsafeBufferPointer<UInt8>, _ from: Int) -> Int {
        var k = from
        while k < u.count, u[k] >= 0x30 && u[k] <= 0x39 { k += 1 }
        return k
    }

    private static func hasPrefix(_ u: UnsafeBufferPointer<UInt8>, at i: Int, _ p: StaticString) -> Bool {
        let n = p.utf8CodeUnitCount
        guard u.count - i >= n, let base = u.baseAddress else { return false }
        return memcmp(base + i, p.utf8Start, n) == 0
    }

    /// A token made of ASCII digits only, as a number.
    static func number(_ t: String) -> Int? {
        t.withBytes { digitsValue($0, 0, $0.count) }
    }

    /// Removes one `Re:`-like marker at the front (`Re:`, `RE:`, `re:`, `Re `, `AW:`, `Sv:`, `Fwd:`, `Fw:`).
    private static func stripReplyMarker(_ s: String) -> (String, Marker)? {
        guard let (length, kind) = s.withBytes({ replyMarker($0, at: 0) }) else { return nil }
        let u = s.utf8
        return (s[u.index(u.startIndex, offsetBy: length)...].trimmedWhitespace, kind)
    }

    /// The `Re:`-like marker at byte `pos` of `u` (markers are ASCII, so bytes decide): its
    /// length with the `:` or space after it, and its kind.
    private static func replyMarker(_ u: UnsafeBufferPointer<UInt8>, at pos: Int) -> (Int, Marker)? {
        // Every marker starts with one of these letters; most subjects start with `[`.
        guard pos < u.count else { return nil }
        switch u[pos] | 0x20 {
        case UInt8(ascii: "r"), UInt8(ascii: "f"), UInt8(ascii: "a"), UInt8(ascii: "s"), UInt8(ascii: "v"): break
        default: return nil
        }
        for (word, kind) in markers where u.count - pos > word.count
            && word.indices.allSatisfy({ asciiLower(u[pos + $0]) == word[$0] }) {
            let c = u[pos + word.count]
            // `Re:` always; `Re ` only for re (patchwork's `(re|fwd?)[:\s]`).
            if c == UInt8(ascii: ":") || (c == 0x20 && kind == .forward || c == 0x20 && word == reWord) {
                return (word.count + 1, kind)
            }
        }
        return nil
    }

    private static func asciiLower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    private static let reWord = Array("re".utf8)
    private static let markers: [([UInt8], Marker)] = [
        (Array("fwd".utf8), .forward), (Array("fw".utf8), .forward), (reWord, .reply), (Array("aw".utf8), .reply),
        (Array("sv".utf8), .reply), (Array("antw".utf8), .reply), (Array("vs".utf8), .reply),
    ]

    /// `PATCH1/8 foo` or `PATCH 1/8 foo` without brackets: the tokens up to the series marker.
    private static func stripBarePatchPrefix(_ s: String) -> (String, [String])? {
        let u = s.utf8
        guard u.count >= 5, zip(u.prefix(5), "PATCH".utf8).allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A ? $0 & 0xDF : $0) == $1 })
        else { return nil }
        let words = s.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var taken: [String] = []
        for w in words.prefix(4) {
            let t = w.hasByteSuffix(":") ? String(w.dropLast()) : w
            taken.append(t)
            if seriesMarker(Self.lowercased(t)) != nil {
                let rest = words.dropFirst(taken.count).joined(separator: " ")
                return (rest, taken)
            }
        }
        return nil
    }

    /// Patchwork's `split_prefixes`: split on commas and whitespace, drop empties.
    public static func splitPrefixes(_ prefix: String) -> [String] {
        // ASCII separators are split on bytes; other whitespace needs the character test.
        let ascii = prefix.withBytes { u in u.contains { $0 >= 0x80 } ? nil : asciiTokens(u) }
        if let ascii { return ascii }
        return prefix.split { $0 == "," || $0.isWhitespace }.map(String.init)
    }

    /// `splitPrefixes` of ASCII bytes: split on commas and ASCII whitespace, empties dropped.
    private static func asciiTokens(_ u: UnsafeBufferPointer<UInt8>) -> [String] {
        var out: [String] = []
        var start = 0
        for k in 0...u.count {
            let b: UInt8 = k < u.count ? u[k] : 0x20
            guard b == 0x2C || b == 0x20 || (b >= 0x09 && b <= 0x0D) else { continue }
            if k > start { out.append(String(decoding: UnsafeBufferPointer(rebasing: u[start..<k]), as: UTF8.self)) }
            start = k + 1
        }
        return out
    }

    /// `v2`, `V6`, `v10`, `PATCHv2`, `v2PATCH1/4` -> the version number (of a lower-cased token).
    static func versionToken(_ t: String) -> Int? {
        t.withBytes { u -> Int? in
            var i = hasPrefix(u, at: 0, "patch") ? 5 : 0
            guard i < u.count, u[i] == UInt8(ascii: "v") else { return nil }
            i += 1
            let end = digitsEnd(u, i)
            guard let v = digitsValue(u, i, end) else { return nil }
            return end == u.count || hasPrefix(u, at: end, "patch") ? v : nil
        }
    }

    /// `1/2`, `00/10`, `PATCH1/8`, `v2PATCH1/4`, `3/n` -> (index, total or nil) (of a lower-cased token).
    static func seriesMarker(_ t: String) -> (Int, Int?)? {
        t.withBytes { u -> (Int, Int?)? in
            var i = 0
            if i < u.count, u[i] == UInt8(ascii: "v") {
                let end = digitsEnd(u, 1)
                if end > 1 { i = end }
            }
            if hasPrefix(u, at: i, "patch") { i += 5 }
            guard let slash = u[i...].firstIndex(of: UInt8(ascii: "/")),
                  let n = digitsValue(u, i, slash) else { return nil }
            if let m = digitsValue(u, slash + 1, u.count) { return (n, m) }
            if u.count == slash + 2, [UInt8(ascii: "n"), UInt8(ascii: "x"), UInt8(ascii: "?")].contains(u[slash + 1]) {
                return (n, nil)
            }
            return nil
        }
    }

    /// `(v2)` anywhere in the subject.
    static func parenthesisedVersion(_ s: String) -> Int? {
        // ASCII (nearly every subject): on bytes, where each byte is its own character.
        let ascii = s.withBytes { u -> Int?? in
            guard let base = u.baseAddress else { return .some(nil) }
            if u.contains(where: { $0 >= 0x80 }) { return nil }
            var from = 0
            while from < u.count, let hit = memchr(base + from, Int32(UInt8(ascii: "(")), u.count - from) {
                let open = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                let v = open + 1
                if v < u.count, u[v] | 0x20 == UInt8(ascii: "v") {
                    let end = digitsEnd(u, v + 1)
                    if end < u.count, u[end] == UInt8(ascii: ")"), let n = digitsValue(u, v + 1, end) { return .some(n) }
                }
                from = open + 1
            }
            return .some(nil)
        }
        if let ascii { return ascii }
        var rest = Substring(s)
        while let open = rest.utf8.firstIndex(of: UInt8(ascii: "(")) {
            let after = rest[rest.index(after: open)...]
            if after.first == "v" || after.first == "V" {
                let digits = after.dropFirst().prefix { $0.isASCII && $0.isNumber }
                if !digits.isEmpty, after.dropFirst(1 + digits.count).first == ")", let v = Int(digits) { return v }
            }
            rest = after
        }
        return nil
    }

    /// Whitespace runs (spaces, tabs, line breaks) collapsed to one space, ends trimmed; on bytes.
    static func normaliseSpace(_ s: String) -> String {
        s.withBytes { u in
            // Most subjects are already normal: then the text itself is the answer.
            var previousSpace = true
            var normal = true
            for b in u {
                if b == 0x20 {
                    if previousSpace { normal = false; break }
                    previousSpace = true
                } else if b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C {
                    normal = false
                    break
                } else {
                    previousSpace = false
                }
            }
            if normal && !(previousSpace && !u.isEmpty) { return s }
            return String(unsafeUninitializedCapacity: u.count) { out in
                var n = 0
                var pending = false
                for b in u {
                    if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C {
                        pending = n > 0
                    } else {
                        if pending {
                            out[n] = 0x20
                            n += 1
                        }
                        pending = false
                        out[n] = b
                        n += 1
                    }
                }
                return n
            }
        }
    }
}
