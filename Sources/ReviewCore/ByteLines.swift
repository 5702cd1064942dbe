import Foundation

/// The lines of a text as byte ranges of its UTF-8, for the parsers' per-line loops: a line's
/// first byte or prefix is read through a pointer, with no `Substring` (and no reference count)
/// per line. Valid only inside `ByteLines.of` or `ByteLines.joining`, which pin the bytes.
///
/// Lines are those of `TextLines.split`: without their LF, a final LF starting no empty line.
struct ByteLines {
    /// The string the offsets index (its UTF-8); what `DiffLine`s and substrings are cut from.
    let text: String
    private let bytes: UnsafeBufferPointer<UInt8>
    /// Start and end (exclusive, LF excluded) of line `i` at `2i` and `2i + 1`.
    let bounds: [Int]

    var count: Int { bounds.count / 2 }

    /// Runs `body` on the lines of `text`.
    static func of<R>(_ text: String, _ body: (ByteLines) -> R) -> R {
        var pinned = text
        pinned.makeContiguousUTF8()
        let s = pinned
        return s.utf8.withContiguousStorageIfAvailable { buf in
            var bounds: [Int] = []
            bounds.reserveCapacity(buf.count / 16 + 2)
            if let base = buf.baseAddress {
                var from = 0
                while from < buf.count, let hit = memchr(base + from, 0x0A, buf.count - from) {
                    let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    bounds.append(from)
                    bounds.append(at)
                    from = at + 1
                }
                if from < buf.count {
                    bounds.append(from)
                    bounds.append(buf.count)
                }
            }
            return body(ByteLines(text: s, bytes: buf, bounds: bounds))
        }!
    }

    /// Runs `body` on `lines` (slices of any strings), joined with LFs into one text: the same
    /// lines, an empty last line included.
    static func joining<R>(_ lines: some Collection<Substring>, _ body: (ByteLines) -> R) -> R {
        var joined: [UInt8] = []
        joined.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 1 })
        var bounds: [Int] = []
        bounds.reserveCapacity(lines.count * 2)
        for l in lines {
            if !bounds.isEmpty { joined.append(0x0A) }
            bounds.append(joined.count)
            joined.append(contentsOf: l.utf8)
            bounds.append(joined.count)
        }
        // Valid UTF-8 in, so the string's bytes are exactly `joined`.
        var s = String(decoding: joined, as: UTF8.self)
        s.makeContiguousUTF8()
        let text = s
        return text.utf8.withContiguousStorageIfAvailable { buf in
            body(ByteLines(text: text, bytes: buf, bounds: bounds))
        }!
    }

    /// Line `i`'s bytes (its CR kept).
    @inline(__always)
    subscript(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[bounds[2 * i]..<bounds[2 * i + 1]])
    }

    /// Line `i`'s bytes without one trailing CR.
    @inline(__always)
    func dropCR(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let l = self[i]
        return l.last == 0x0D ? UnsafeBufferPointer(rebasing: l.dropLast()) : l
    }

    /// The first byte of line `i`.
    @inline(__always)
    func first(_ i: Int) -> UInt8? {
        bounds[2 * i] < bounds[2 * i + 1] ? bytes[bounds[2 * i]] : nil
    }

    /// Where line `i` starts in `text`'s UTF-8, and its length (CR kept).
    @inline(__always)
    func span(_ i: Int) -> (start: Int, count: Int) {
        (bounds[2 * i], bounds[2 * i + 1] - bounds[2 * i])
    }

    /// Line `i` as a substring of `text` (for the rare paths that read a line as text).
    func substring(_ i: Int) -> Substring {
        substring(i, from: 0, to: bounds[2 * i + 1] - bounds[2 * i])
    }

    /// Line `i` as a substring of `text`, without one trailing CR.
    func substringDroppingCR(_ i: Int) -> Substring {
        substring(i, from: 0, to: dropCR(i).count)
    }

    /// Bytes `from..<to` of line `i` as a substring of `text`.
    /// Cut through the UTF-8 view: the offsets fall on scalar boundaries (line starts, ASCII
    /// markers), and this skips the index realignment `String`'s range subscript pays (about 170
    /// instructions a call).
    func substring(_ i: Int, from: Int, to: Int) -> Substring {
        ByteLines.substring(of: text, bounds[2 * i] + from, bounds[2 * i] + to)
    }

    /// UTF-8 offsets `start..<end` of `text` (on scalar boundaries) as a substring.
    @inline(__always)
    static func substring(of text: String, _ start: Int, _ end: Int) -> Substring {
        let u = text.utf8
        let from = u.index(u.startIndex, offsetBy: start)
        return Substring(u[from..<u.index(from, offsetBy: end - start)])
    }

    /// Lines `range` as substrings.
    func substrings(_ range: Range<Int>) -> [Substring] { range.map(substring) }

    /// Whether line `i` holds only spaces, tabs or a CR (`isBlankLine`).
    @inline(__always)
    func isBlank(_ i: Int) -> Bool {
        self[i].allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether the bytes start with the ASCII `prefix`.
    @inline(__always)
    func hasPrefix(_ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard count >= n else { return false }
        guard n > 0, let base = baseAddress else { return true }
        return memcmp(base, prefix.utf8Start, n) == 0
    }

    /// Whether the bytes are exactly the ASCII `text`.
    @inline(__always)
    func equals(_ text: StaticString) -> Bool {
        count == text.utf8CodeUnitCount && hasPrefix(text)
    }

    /// Whether the bytes end with the ASCII `suffix`.
    @inline(__always)
    func hasSuffix(_ suffix: StaticString) -> Bool {
        let n = suffix.utf8CodeUnitCount
        guard count >= n else { return false }
        guard n > 0, let base = baseAddress else { return true }
        return memcmp(base + (count - n), suffix.utf8Start, n) == 0
    }

    /// Whether the ASCII `needle` occurs in the bytes: memchr to each candidate first byte, then
    /// memcmp of the whole needle.
    func contains(_ needle: StaticString) -> Bool {
        let n = needle.utf8CodeUnitCount
        guard n > 0 else { return true }
        guard count >= n, let h = baseAddress else { return false }
        let first = Int32(needle.utf8Start.pointee)
        var from = 0
        let last = count - n
        while from <= last, let hit = memchr(h + from, first, last - from + 1) {
            let at = h.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(h + at, needle.utf8Start, n) == 0 { return true }
            from = at + 1
        }
        return false
    }

}
