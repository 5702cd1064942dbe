import Foundation

/// A header field before decoding: name and the raw unfolded value bytes, with its offset.
struct RawHeader {
    var name: String
    /// Lower-cased name, for lookups.
    var key: String
    /// Unfolded value bytes (CR/LF of folds removed, leading whitespace after the colon trimmed).
    var value: [UInt8]
    var offset: Int
}

/// Splits the header section of one message into fields and finds where the body starts.
enum HeaderBlock {
    struct Result {
        var headers: [RawHeader]
        /// Index of the first body byte.
        var bodyStart: Int
        var defects: [Defect]
    }

    /// Whether a line (without its newline) looks like `Field-Name: value`.
    static func isFieldLine(_ b: Bytes, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end {
            let c = b[i]
            if c == ASCII.colon { return i > start }
            if c <= 0x20 || c >= 0x7F {
                // Tolerate `Name : value` (obsolete syntax): spaces then a colon.
                if c == ASCII.space || c == ASCII.tab {
                    var j = i
                    while j < end, b[j] == ASCII.space || b[j] == ASCII.tab { j += 1 }
                    return j < end && b[j] == ASCII.colon && i > start
                }
                return false
            }
            i += 1
        }
        return false
    }

    /// Parses headers from `start` up to the blank line (or `end`). `base` is the offset of the
    /// buffer in the input file, for defect positions.
    static func parse(_ b: Bytes, start: Int, end: Int, base: Int) -> Result {
        var headers: [RawHeader] = []
        var defects: [Defect] = []
        var pos = start
        var current: RawHeader?
        var bodyStart = end
        var sawSeparator = false
        while pos < end {
            let lineEnd = b.lineEnd(from: pos, to: end)
            var contentEnd = lineEnd
            if contentEnd > pos && b[contentEnd - 1] == ASCII.lf { contentEnd -= 1 }
            if contentEnd > pos && b[contentEnd - 1] == ASCII.cr { contentEnd -= 1 }
            if contentEnd == pos {
                bodyStart = lineEnd
                sawSeparator = true
                break
            }
            let first = b[pos]
            if (first == ASCII.space || first == ASCII.tab), current != nil {
                // Folded continuation: unfolding removes only the line break.
                current?.value.append(contentsOf: UnsafeBufferPointer(rebasing: b[pos..<contentEnd]))
                pos = lineEnd
                continue
            }
            if isFieldLine(b, pos, contentEnd) {
                if let c = current { headers.append(c) }
                let colon = b.find(ASCII.colon, from: pos, to: contentEnd)
                var nameEnd = colon
                while nameEnd > pos, b[nameEnd - 1] == ASCII.space || b[nameEnd - 1] == ASCII.tab { nameEnd -= 1 }
                let name = String(decoding: UnsafeBufferPointer(rebasing: b[pos..<nameEnd]), as: UTF8.self)
                var v = colon + 1
                while v < contentEnd, b[v] == ASCII.space || b[v] == ASCII.tab { v += 1 }
                current = RawHeader(name: name, key: name.lowercased(),
                                    value: Array(UnsafeBufferPointer(rebasing: b[v..<contentEnd])), offset: base + pos)
                pos = lineEnd
                continue
            }
            if headers.isEmpty && current == nil && b.hasPrefix(">From ", at: pos, to: contentEnd) {
                // A stray escaped envelope line before the headers: skip it.
                defects.append(Defect(kind: .malformedHeader, offset: base + pos, detail: "escaped From line before headers"))
                pos = lineEnd
                continue
            }
            // Neither a field nor a continuation: the body starts here without a blank line.
            defects.append(Defect(kind: .missingHeaderBodySeparator, offset: base + pos,
                                  detail: "header section ends without a blank line"))
            bodyStart = pos
            sawSeparator = true
            break
        }
        if let c = current { headers.append(c) }
        if !sawSeparator { bodyStart = end }
        return Result(headers: headers, bodyStart: bodyStart, defects: defects)
    }
}
