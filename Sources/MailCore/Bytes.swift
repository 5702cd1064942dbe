import Foundation

/// Read-only bytes of an input, viewed in place (mapped file, array or inflated buffer).
typealias Bytes = UnsafeBufferPointer<UInt8>

/// ASCII byte constants used by the scanners.
enum ASCII {
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let greater: UInt8 = 0x3E
    static let less: UInt8 = 0x3C
    static let dash: UInt8 = 0x2D
    static let equals: UInt8 = 0x3D
    static let question: UInt8 = 0x3F
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let openParen: UInt8 = 0x28
    static let closeParen: UInt8 = 0x29

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool {
        b == space || b == tab || b == lf || b == cr || b == 0x0B || b == 0x0C
    }
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b }
    @inline(__always) static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Index of the next `byte` in `from..<to`, or `to` when absent (memchr speed).
    @inline(__always)
    func find(_ byte: UInt8, from: Int, to: Int) -> Int {
        guard from < to, let base = baseAddress else { return to }
        guard let hit = memchr(base + from, Int32(byte), to - from) else { return to }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// End of the line starting at `from` (index just past its `\n`, or `to`).
    @inline(__always)
    func lineEnd(from: Int, to: Int) -> Int {
        let nl = find(ASCII.lf, from: from, to: to)
        return nl < to ? nl + 1 : to
    }

    /// Whether the bytes at `at` start with `prefix` (ASCII, exact case), within `to`.
    @inline(__always)
    func hasPrefix(_ prefix: StaticString, at: Int, to: Int) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard at + n <= to else { return false }
        let p = prefix.utf8Start
        for i in 0..<n where self[at + i] != p[i] { return false }
        return true
    }

    /// Index of `needle` in `from..<to`, or nil.
    func firstRange(of needle: [UInt8], from: Int, to: Int) -> Int? {
        needle.withUnsafeBufferPointer { firstIndex(of: $0, from: from, to: to) }
    }

    /// Where the ASCII `needle` first occurs in `from..<to` (to the end when `to` is nil), or nil.
    func firstRange(of needle: StaticString, from: Int, to: Int? = nil) -> Range<Int>? {
        let n = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        return firstIndex(of: n, from: from, to: to ?? count).map { $0..<($0 + n.count) }
    }

    /// Index of `needle` in `from..<to`: memchr to each candidate first byte, then the rest compared.
    private func firstIndex(of needle: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard let first = needle.first, from >= 0, needle.count <= to - from else { return nil }
        var i = from
        let last = to - needle.count
        while i <= last {
            i = find(first, from: i, to: last + 1)
            if i > last { return nil }
            var ok = true
            for k in 1..<needle.count where self[i + k] != needle[k] { ok = false; break }
            if ok { return i }
            i += 1
        }
        return nil
    }
}

extension Array where Element == UInt8 {
    /// Lower-cased ASCII copy.
    var asciiLowercased: [UInt8] { map(ASCII.lower) }
}

/// Text helpers shared by the decoders.
enum Text {
    /// Decodes bytes as UTF-8 when valid, otherwise as Latin-1; reports whether it fell back.
    static func utf8OrLatin1<C: Collection>(_ bytes: C) -> (String, Bool) where C.Element == UInt8 {
        if let s = validString(bytes) { return (s, false) }
        return (Charset.latin1(bytes), true)
    }

    /// Whether bytes are valid UTF-8 (ASCII checked eight bytes at a time first).
    static func isValidUTF8(_ b: Bytes) -> Bool {
        guard let base = b.baseAddress else { return true }
        let p = UnsafeRawPointer(base)
        let n = b.count
        var i = 0
        while i + 8 <= n {
            if p.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        while i < n, b[i] < 0x80 { i += 1 }
        if i == n { return true }
        return validString(b) != nil
    }

    /// The text of bytes that are valid UTF-8, else nil (what `String(validating:as:)` gives,
    /// without its generic overhead per call). Decoding repairs invalid sequences with U+FFFD,
    /// so the decoded text has exactly the input bytes only when they were valid.
    static func validString(_ b: Bytes) -> String? {
        let s = String(decoding: b, as: UTF8.self)
        var t = s
        let same = t.withUTF8 { u -> Bool in
            guard u.count == b.count else { return false }
            guard let p = u.baseAddress, let q = b.baseAddress else { return true }
            return memcmp(p, q, b.count) == 0
        }
        return same ? s : nil
    }

    /// `validString` of any collection of bytes (in place when they are contiguous).
    static func validString<C: Collection>(_ bytes: C) -> String? where C.Element == UInt8 {
        if let r: String? = bytes.withContiguousStorageIfAvailable({ validString($0) }) { return r }
        return Array(bytes).withUnsafeBufferPointer { validString($0) }
    }

    /// `a.lowercased() == b.lowercased()`, on bytes when both are ASCII.
    static func sameLowercased(_ a: String, _ b: String) -> Bool {
        var x = a, y = b
        let ascii = x.withUTF8 { u in y.withUTF8 { v -> Bool? in
            for c in u where c >= 0x80 { return nil }
            for c in v where c >= 0x80 { return nil }
            guard u.count == v.count else { return false }
            for k in 0..<u.count where ASCII.lower(u[k]) != ASCII.lower(v[k]) { return false }
            return true
        } }
        return ascii ?? (a.lowercased() == b.lowercased())
    }

    /// Decodes ASCII-only bytes quickly; falls back to `utf8OrLatin1`.
    static func string(_ bytes: Bytes, _ range: Range<Int>) -> (String, Bool) {
        utf8OrLatin1(UnsafeBufferPointer(rebasing: bytes[range]))
    }

    /// Swift's `Int(_:)` on ASCII bytes: an optional sign, then one or more digits, no overflow.
    static func integer(_ b: Bytes, _ r: Range<Int>) -> Int? {
        var i = r.lowerBound
        var negative = false
        if i < r.upperBound, b[i] == 0x2B || b[i] == ASCII.dash {
            negative = b[i] == ASCII.dash
            i += 1
        }
        guard i < r.upperBound else { return nil }
        var v = 0
        while i < r.upperBound {
            let c = b[i]
            guard ASCII.isDigit(c) else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(Int(c - 0x30)) : m.addingReportingOverflow(Int(c - 0x30))
            if o1 || o2 { return nil }
            v = a
            i += 1
        }
        return v
    }

    /// Trims ASCII spaces, tabs, CR and LF at both ends.
    static func trim(_ s: Substring) -> Substring {
        let u = s.unicodeScalars
        var a = u.startIndex, b = u.endIndex
        while a < b, u[a].value < 0x80, ASCII.isSpace(UInt8(u[a].value)) { a = u.index(after: a) }
        while b > a, u[u.index(before: b)].value < 0x80, ASCII.isSpace(UInt8(u[u.index(before: b)].value)) {
            b = u.index(before: b)
        }
        return Substring(u[a..<b])
    }

    /// Whether a character is an ASCII digit (no Unicode property lookups).
    @inline(__always) static func isDigit(_ c: Character) -> Bool {
        guard let v = c.asciiValue else { return false }
        return ASCII.isDigit(v)
    }

    /// Whether a character is an ASCII letter.
    @inline(__always) static func isLetter(_ c: Character) -> Bool {
        guard let v = c.asciiValue else { return false }
        let l = v | 0x20
        return l >= 0x61 && l <= 0x7A
    }

    static func trim(_ s: String) -> String {
        // On the UTF-8 bytes: the trimmed characters are ASCII, single bytes that never occur
        // inside a longer scalar, so the bounds are the same scalar positions as `trim(_:)`.
        let u = s.utf8
        var a = u.startIndex, b = u.endIndex
        while a < b, ASCII.isSpace(u[a]) { a = u.index(after: a) }
        while b > a, ASCII.isSpace(u[u.index(before: b)]) { b = u.index(before: b) }
        if a == u.startIndex && b == u.endIndex { return s }
        return String(Substring(s.unicodeScalars[a..<b]))
    }

    /// Writes the bytes of `u` with runs of spaces, tabs, CRs and LFs collapsed to one space and
    /// both ends trimmed, each kept byte passed through `map`; returns how many were written
    /// (`out` holds at least `u.count`).
    @inline(__always)
    static func collapseSpaces<C: Collection>(_ u: C, into out: UnsafeMutableBufferPointer<UInt8>,
                                              map: (UInt8) -> UInt8 = { $0 }) -> Int where C.Element == UInt8 {
        var n = 0
        var pendingSpace = false
        for c in u {
            if c == ASCII.space || c == ASCII.tab || c == ASCII.cr || c == ASCII.lf {
                pendingSpace = n > 0
            } else {
                if pendingSpace {
                    out[n] = ASCII.space
                    n += 1
                    pendingSpace = false
                }
                out[n] = map(c)
                n += 1
            }
        }
        return n
    }

    /// Collapses runs of whitespace to single spaces and trims.
    static func collapseSpaces(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var pendingSpace = false
        for u in s.unicodeScalars {
            if u == " " || u == "\t" || u == "\r" || u == "\n" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" "); pendingSpace = false }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// 64-bit FNV-1a hash of a string's UTF-8, as 16 hex digits (stable across runs).
    static func fnv1a(_ s: String) -> String { fnv1a(s.utf8) }

    /// 64-bit FNV-1a hash of bytes, as 16 hex digits.
    static func fnv1a<C: Sequence>(_ bytes: C) -> String where C.Element == UInt8 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100000001b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
