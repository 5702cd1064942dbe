import Foundation

extension StringProtocol {
    /// Runs `body` on the UTF-8 bytes: in place for native strings, on a copy otherwise.
    @inline(__always)
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = utf8.withContiguousStorageIfAvailable(body) { return r }
        return Array(utf8).withUnsafeBufferPointer(body)
    }

    /// True when the line holds only spaces, tabs or a CR (checked on bytes).
    var isBlankLine: Bool {
        withBytes { $0.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }
    }

    /// The last byte that is not a space, tab or CR.
    var lastNonBlankByte: UInt8? {
        withBytes { u in u.last { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D } }
    }

    /// The first byte that is not a space or tab.
    var firstNonBlankByte: UInt8? {
        withBytes { u in u.first { $0 != 0x20 && $0 != 0x09 } }
    }

    /// Whether `needle` (ASCII) occurs in the line, searched on bytes.
    func containsBytes(_ needle: StaticString) -> Bool {
        withBytes { $0.contains(needle) }
    }

    /// Exactly `trimmingCharacters(in: .whitespaces)` (Unicode Zs and tab), on bytes when both
    /// ends are ASCII; only a non-ASCII end takes Foundation's slower path.
    var trimmedWhitespace: String {
        // The blank bytes at each end, and whether a non-ASCII byte ends the rest.
        let (lead, trail, foreign) = withBytes { u -> (Int, Int, Bool) in
            var start = 0
            var end = u.count
            while start != end, u[start] == 0x20 || u[start] == 0x09 { start += 1 }
            while end != start, u[end - 1] == 0x20 || u[end - 1] == 0x09 { end -= 1 }
            return (start, u.count - end, start != end && (u[start] >= 0x80 || u[end - 1] >= 0x80))
        }
        if foreign { return trimmingCharacters(in: .whitespaces) }
        // Nothing to trim from a string: itself, not a copy.
        if lead == 0, trail == 0, let s = self as? String { return s }
        let u = utf8
        return String(Substring(self)[u.index(u.startIndex, offsetBy: lead)..<u.index(u.endIndex, offsetBy: -trail)])
    }

    /// The text without leading and trailing spaces and tabs (on bytes).
    var trimmedBlanks: String {
        let (sub, start, end) = blankBounds
        return String(sub[start..<end])
    }

    /// The text and the bounds of its part without leading and trailing spaces and tabs.
    private var blankBounds: (Substring, String.Index, String.Index) {
        let sub = Substring(self)
        let u = sub.utf8
        var start = u.startIndex
        var end = u.endIndex
        while start != end, u[start] == 0x20 || u[start] == 0x09 { start = u.index(after: start) }
        while end != start {
            let before = u.index(before: end)
            guard u[before] == 0x20 || u[before] == 0x09 else { break }
            end = before
        }
        return (sub, start, end)
    }
}

extension StringProtocol {
    /// `hasPrefix` compared on UTF-8 bytes: the prefixes of diff and mail syntax are ASCII, and
    /// git compares bytes too (no grapheme rules, no per-character decoding).
    @inline(__always)
    func hasBytePrefix(_ prefix: StaticString) -> Bool {
        withBytes { $0.hasPrefix(prefix) }
    }

    /// `hasSuffix` compared on UTF-8 bytes (see `hasBytePrefix`).
    @inline(__always)
    func hasByteSuffix(_ suffix: StaticString) -> Bool {
        withBytes { $0.hasSuffix(suffix) }
    }
}

extension TextLines {
    /// Whether some line of `text` starts with one of `prefixes` (ASCII), found on bytes
    /// without cutting the text into lines.
    static func anyLine(of text: String, startsWith prefixes: [StaticString]) -> Bool {
        var s = text
        return s.withUTF8 { u -> Bool in
            guard let base = u.baseAddress else { return false }
            func matches(at i: Int) -> Bool {
                for p in prefixes {
                    let n = p.utf8CodeUnitCount
                    if u.count - i >= n, memcmp(base + i, p.utf8Start, n) == 0 { return true }
                }
                return false
            }
            if matches(at: 0) { return true }
            var from = 0
            while from < u.count, let hit = memchr(base + from, 0x0A, u.count - from) {
                let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
                if at < u.count, matches(at: at) { return true }
                from = at
            }
            return false
        }
    }
}

extension StringProtocol {
    /// `trimmingCharacters(in: CharacterSet(charactersIn: set))` for an ASCII `set`, on bytes: the
    /// same result, since a non-ASCII scalar stops the trimming either way.
    func trimmingBytes(_ set: StaticString) -> String {
        let members = UnsafeBufferPointer(start: set.utf8Start, count: set.utf8CodeUnitCount)
        let sub = Substring(self)
        let u = sub.utf8
        var start = u.startIndex
        var end = u.endIndex
        while start != end, members.contains(u[start]) { start = u.index(after: start) }
        while end != start {
            let before = u.index(before: end)
            guard members.contains(u[before]) else { break }
            end = before
        }
        return String(sub[start..<end])
    }
}
