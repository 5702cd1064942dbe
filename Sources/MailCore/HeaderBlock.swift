import Foundation

/// The header fields the parser itself reads; every other field is `other`.
enum FieldKind: UInt8 {
    case other, subject, from, sender, to, cc, date, messageId, inReplyTo, references
    case contentType, contentDisposition, contentTransferEncoding

    /// Classifies a field name (ASCII case-insensitive) given as bytes `start..<end` of `b`.
    static func of(_ b: Bytes, _ start: Int, _ end: Int) -> FieldKind {
        @inline(__always) func named(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard end - start == n else { return false }
            let p = s.utf8Start
            for k in 0..<n where ASCII.lower(b[start + k]) != p[k] { return false }
            return true
        }
        switch end - start {
        case 2: return named("to") ? .to : named("cc") ? .cc : .other
        case 4: return named("from") ? .from : named("date") ? .date : .other
        case 6: return named("sender") ? .sender : .other
        case 7: return named("subject") ? .subject : .other
        case 10: return named("message-id") ? .messageId : named("references") ? .references : .other
        case 11: return named("in-reply-to") ? .inReplyTo : .other
        case 12: return named("content-type") ? .contentType : .other
        case 19: return named("content-disposition") ? .contentDisposition : .other
        case 25: return named("content-transfer-encoding") ? .contentTransferEncoding : .other
        default: return .other
        }
    }
}

/// A header field before decoding, as positions in the buffer it was found in: the name, and
/// the value from after the colon (leading blanks skipped) to the end of its last line.
struct RawHeader {
    var nameStart: Int
    var nameEnd: Int
    var valueStart: Int
    /// End of the value's last line, before its line break.
    var valueEnd: Int
    /// Whether the value spans folded lines (line breaks inside are removed when unfolding).
    var folded: Bool
    var kind: FieldKind
    /// Offset of the field's line in the input file.
    var offset: Int

    /// The name as sent (original case).
    func name(_ b: Bytes) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[nameStart..<nameEnd]), as: UTF8.self)
    }

    /// Calls `body` with the unfolded value bytes: the line breaks of folds (LF and a CR just
    /// before it) removed, nothing else. Copies only folded values.
    @inline(__always)
    func withValue<R>(_ b: Bytes, _ body: (Bytes) -> R) -> R {
        guard folded else { return body(UnsafeBufferPointer(rebasing: b[valueStart..<valueEnd])) }
        var out: [UInt8] = []
        out.reserveCapacity(valueEnd - valueStart)
        var p = valueStart
        while p < valueEnd {
            let nl = b.find(ASCII.lf, from: p, to: valueEnd)
            var e = nl
            if nl < valueEnd, e > p, b[e - 1] == ASCII.cr { e -= 1 }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[p..<e]))
            p = nl + 1
        }
        return out.withUnsafeBufferPointer(body)
    }

    /// The unfolded value read as UTF-8, or Latin-1 when it is not valid UTF-8.
    func text(_ b: Bytes) -> String {
        withValue(b) { Text.utf8OrLatin1($0).0 }
    }
}

/// Splits the header section of one message into fields and finds where the body starts.
enum HeaderBlock {
    struct Result {
        var headers: [RawHeader]
        /// Index of the first body byte.
        var bodyStart: Int
        var defects: [Defect]

        /// The first field of a kind.
        func first(_ kind: FieldKind) -> RawHeader? {
            for h in headers where h.kind == kind { return h }
            return nil
        }
    }

    /// Whether a line (without its newline) looks like `Field-Name: value`.
    static func isFieldLine(_ b: Bytes, _ start: Int, _ end: Int) -> Bool {
        fieldColon(b, start, end) != nil
    }

    /// The position of the colon (the line's first) when the line `start..<end` looks like
    /// `Field-Name: value`, else nil.
    @inline(__always)
    static func fieldColon(_ b: Bytes, _ start: Int, _ end: Int) -> Int? {
        var i = start
        while i < end {
            let c = b[i]
            if c == ASCII.colon { return i > start ? i : nil }
            if c <= 0x20 || c >= 0x7F {
                // Tolerate `Name : value` (obsolete syntax): spaces then a colon.
                if c == ASCII.space || c == ASCII.tab {
                    var j = i
                    while j < end, b[j] == ASCII.space || b[j] == ASCII.tab { j += 1 }
                    return j < end && b[j] == ASCII.colon && i > start ? j : nil
                }
                return nil
            }
            i += 1
        }
        return nil
    }

    /// Parses headers from `start` up to the blank line (or `end`). `base` is the offset of the
    /// buffer in the input file, for defect positions.
    static func parse(_ b: Bytes, start: Int, end: Int, base: Int) -> Result {
        var headers: [RawHeader] = []
        // Room for a usual header block at once (the list lives only while a message is parsed).
        headers.reserveCapacity(48)
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
                current?.valueEnd = contentEnd
                current?.folded = true
                pos = lineEnd
                continue
            }
            if let colon = fieldColon(b, pos, contentEnd) {
                if let c = current { headers.append(c) }
                var nameEnd = colon
                while nameEnd > pos, b[nameEnd - 1] == ASCII.space || b[nameEnd - 1] == ASCII.tab { nameEnd -= 1 }
                var v = colon + 1
                while v < contentEnd, b[v] == ASCII.space || b[v] == ASCII.tab { v += 1 }
                current = RawHeader(nameStart: pos, nameEnd: nameEnd, valueStart: v, valueEnd: contentEnd,
                                    folded: false, kind: FieldKind.of(b, pos, nameEnd), offset: base + pos)
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

    /// Every field of the block in `start..<end`, unfolded and RFC 2047-decoded (what
    /// `Message.headers` shows).
    static func decodedHeaders(_ b: Bytes, start: Int, end: Int) -> [Header] {
        let hb = parse(b, start: start, end: end, base: 0)
        var ignored: [Defect] = []
        return hb.headers.map { h in
            Header(name: h.name(b), value: h.withValue(b) { EncodedWords.decode($0, offset: 0, defects: &ignored) })
        }
    }
}
