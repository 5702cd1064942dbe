import Foundation

/// Base64 decoding that skips whitespace and reports (rather than rejects) junk.
enum Base64 {
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        // URL-safe variants are accepted too.
        t[Int(UInt8(ascii: "-"))] = 62
        t[Int(UInt8(ascii: "_"))] = 63
        return t
    }()

    /// Decodes, ignoring whitespace; `junk` is true when other invalid bytes were skipped or the
    /// input stopped mid-quantum.
    static func decode<C: Collection>(_ input: C) -> (bytes: [UInt8], junk: Bool) where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 3 / 4)
        var acc: UInt32 = 0
        var n = 0
        var junk = false
        var padded = false
        for c in input {
            if c == ASCII.equals { padded = true; continue }
            let v = table[Int(c)]
            if v == 0xFF {
                if !ASCII.isSpace(c) { junk = true }
                continue
            }
            if padded {
                // Data after padding: a concatenated second stream; keep decoding.
                padded = false
                n = 0
                acc = 0
            }
            acc = acc << 6 | UInt32(v)
            n += 1
            if n == 4 {
                out.append(UInt8(truncatingIfNeeded: acc >> 16))
                out.append(UInt8(truncatingIfNeeded: acc >> 8))
                out.append(UInt8(truncatingIfNeeded: acc))
                n = 0
                acc = 0
            }
        }
        switch n {
        case 2: out.append(UInt8(truncatingIfNeeded: acc >> 4))
        case 3:
            out.append(UInt8(truncatingIfNeeded: acc >> 10))
            out.append(UInt8(truncatingIfNeeded: acc >> 2))
        case 1: junk = true
        default: break
        }
        return (out, junk)
    }
}

/// Quoted-printable decoding (RFC 2045 §6.7) for bodies and (with `underscoreIsSpace`) RFC 2047 Q.
enum QuotedPrintable {
    static func decode(_ input: Bytes, underscoreIsSpace: Bool = false) -> (bytes: [UInt8], invalid: Bool) {
        var invalid = false
        // Every input byte gives at most one output byte.
        let out = [UInt8](unsafeUninitializedCapacity: input.count) { buffer, written in
            var n = 0
            var i = 0
            let end = input.count
            while i < end {
                if !underscoreIsSpace {
                    // Bytes up to the next `=` are copied as they are.
                    let eq = input.find(ASCII.equals, from: i, to: end)
                    if eq > i, let src = input.baseAddress, let dst = buffer.baseAddress {
                        (dst + n).update(from: src + i, count: eq - i)
                        n += eq - i
                        i = eq
                    }
                    if i >= end { break }
                }
                let c = input[i]
                if c == ASCII.equals {
                    // Soft line break: `=` then optional trailing whitespace then (CR)LF.
                    var j = i + 1
                    while j < end, input[j] == ASCII.space || input[j] == ASCII.tab { j += 1 }
                    if j < end, input[j] == ASCII.lf { i = j + 1; continue }
                    if j + 1 < end, input[j] == ASCII.cr, input[j + 1] == ASCII.lf { i = j + 2; continue }
                    if j == end, !underscoreIsSpace { i = end; continue }
                    if i + 2 < end, let hi = ASCII.hexValue(input[i + 1]), let lo = ASCII.hexValue(input[i + 2]) {
                        buffer[n] = hi << 4 | lo
                        n += 1
                        i += 3
                        continue
                    }
                    invalid = true
                    buffer[n] = c
                    n += 1
                    i += 1
                    continue
                }
                buffer[n] = underscoreIsSpace && c == 0x5F ? ASCII.space : c
                n += 1
                i += 1
            }
            written = n
        }
        return (out, invalid)
    }
}

/// RFC 2047 encoded-word decoding and raw 8-bit header text.
enum EncodedWords {
    /// Decodes a header value: raw 8-bit bytes (UTF-8, else Latin-1 with a defect) and
    /// `=?charset?Q|B?...?=` words, dropping whitespace between adjacent encoded words.
    static func decode(_ raw: [UInt8], offset: Int, defects: inout [Defect]) -> String {
        raw.withUnsafeBufferPointer { decode($0, offset: offset, defects: &defects) }
    }

    /// Whether all bytes are ASCII (eight at a time).
    @inline(__always)
    static func isASCII(_ raw: Bytes) -> Bool {
        guard let base = raw.baseAddress else { return true }
        let n = raw.count
        var i = 0
        let p = UnsafeRawPointer(base)
        while i + 8 <= n {
            if p.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < n {
            if raw[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    /// Whether a value is plain ASCII without `=?`, which decodes to itself with no defects.
    @inline(__always)
    static func isPlain(_ raw: Bytes) -> Bool {
        guard isASCII(raw) else { return false }
        let n = raw.count
        var q = raw.find(ASCII.question, from: 1, to: n)
        while q < n {
            if raw[q - 1] == ASCII.equals { return false }
            q = raw.find(ASCII.question, from: q + 1, to: n)
        }
        return true
    }

    /// `decode` on bytes in place.
    static func decode(_ raw: Bytes, offset: Int, defects: inout [Defect]) -> String {
        // Fast path: plain ASCII without `=?` is its own decoding.
        if isPlain(raw) { return String(decoding: raw, as: UTF8.self) }
        return scan(raw, offset: offset, defects: &defects, text: true)
    }

    /// Records the defects `decode` records for `raw`, without building its text.
    static func collectDefects(_ raw: Bytes, offset: Int, defects: inout [Defect]) {
        if isPlain(raw) { return }
        _ = scan(raw, offset: offset, defects: &defects, text: false)
    }

    /// The decoding walk: the decoded text when `text` is set (else empty), and its defects.
    private static func scan(_ raw: Bytes, offset: Int, defects: inout [Defect], text: Bool) -> String {
        var out = ""
        var plainStart = 0
        var lastWasEncoded = false
        var accCharset: String?
        var accBytes: [UInt8] = []
        let n = raw.count

        func flushAccumulated() {
            guard let cs = accCharset else { return }
            let problem: Defect.Kind?
            if text {
                let s: String
                (s, problem) = Charset.decode(accBytes, charset: cs)
                out += s
            } else {
                problem = Charset.problem(accBytes, charset: cs)
            }
            if let problem {
                defects.append(Defect(kind: problem, offset: offset, detail: "encoded word charset \(cs)"))
            }
            accCharset = nil
            accBytes.removeAll(keepingCapacity: true)
        }
        func appendPlain(_ r: Range<Int>) {
            guard !r.isEmpty else { return }
            let latin: Bool
            if text {
                let s: String
                (s, latin) = Text.utf8OrLatin1(raw[r])
                out += s
            } else {
                latin = !Text.isValidUTF8(UnsafeBufferPointer(rebasing: raw[r]))
            }
            if latin {
                defects.append(Defect(kind: .rawEightBitHeader, offset: offset,
                                      detail: "8-bit header bytes that are not UTF-8, read as Latin-1"))
            }
        }

        // Without text, Q words in charsets whose check is UTF-8 validity (or none) need not be
        // decoded when ASCII (see `parseWord`); the answer for the last label is kept.
        var lastLabel: String?
        var lastAnswer = false
        let undecoded: ((String) -> Bool)? = text ? nil : { label in
            if label != lastLabel {
                lastLabel = label
                switch Charset.resolve(label) {
                case .utf8, .latin1: lastAnswer = true
                default: lastAnswer = false
                }
            }
            return lastAnswer
        }
        var i = raw.find(ASCII.equals, from: 0, to: n)
        while i < n {
            guard raw[i] == ASCII.equals, i + 1 < n, raw[i + 1] == ASCII.question,
                  let word = parseWord(raw, at: i, undecoded: undecoded) else {
                i = raw.find(ASCII.equals, from: i + 1, to: n)
                continue
            }
            // Plain text between the previous word (or start) and this one.
            let between = plainStart..<i
            let onlySpace = raw[between].allSatisfy { $0 == ASCII.space || $0 == ASCII.tab }
            if !(lastWasEncoded && onlySpace) {
                flushAccumulated()
                appendPlain(between)
            }
            if word.invalid {
                defects.append(Defect(kind: .invalidEncodedWord, offset: offset,
                                      detail: "malformed encoded-word payload"))
            }
            if let cs = accCharset, !Text.sameLowercased(cs, word.charset) { flushAccumulated() }
            accCharset = word.charset
            if word.asciiRun { accBytes.append(ASCII.space) } else { accBytes += word.bytes }
            lastWasEncoded = true
            i = word.end
            plainStart = i
        }
        flushAccumulated()
        appendPlain(plainStart..<n)
        return out
    }

    private struct Word {
        var charset: String
        var bytes: [UInt8]
        var end: Int
        var invalid: Bool
        /// `bytes` were not decoded: they are a non-empty run of ASCII (see `parseWord`).
        var asciiRun = false
    }

    /// Parses `=?charset?E?text?=` at `start`, or nil when it is not an encoded word.
    ///
    /// With `undecoded` saying yes for its charset, a Q word whose payload is ASCII without
    /// `=` is not decoded: it decodes to as many ASCII bytes, and only whether the accumulated
    /// bytes are valid is asked for, which one ASCII byte in their place answers the same.
    private static func parseWord(_ raw: Bytes, at start: Int, undecoded: ((String) -> Bool)? = nil) -> Word? {
        let n = raw.count
        var i = start + 2
        let csStart = i
        while i < n, raw[i] != ASCII.question {
            if ASCII.isSpace(raw[i]) { return nil }
            i += 1
        }
        guard i + 2 < n, i > csStart, raw[i + 2] == ASCII.question else { return nil }
        let charset = String(decoding: raw[csStart..<i], as: UTF8.self)
        let enc = ASCII.lower(raw[i + 1])
        guard enc == 0x71 || enc == 0x62 else { return nil }  // q or b
        let textStart = i + 3
        var j = textStart
        while j + 1 < n, !(raw[j] == ASCII.question && raw[j + 1] == ASCII.equals) {
            if raw[j] == ASCII.space || raw[j] == ASCII.tab || raw[j] == ASCII.lf { return nil }
            j += 1
        }
        guard j + 1 < n else { return nil }
        let payload = raw[textStart..<j]
        if enc == 0x62 {
            let (bytes, junk) = Base64.decode(payload)
            return Word(charset: charset, bytes: bytes, end: j + 2, invalid: junk)
        }
        if let undecoded, !payload.isEmpty, undecoded(charset) {
            let p = UnsafeBufferPointer(rebasing: payload)
            if p.find(ASCII.equals, from: 0, to: p.count) == p.count, EncodedWords.isASCII(p) {
                return Word(charset: charset, bytes: [], end: j + 2, invalid: false, asciiRun: true)
            }
        }
        let (bytes, invalid) = QuotedPrintable.decode(UnsafeBufferPointer(rebasing: payload), underscoreIsSpace: true)
        return Word(charset: charset, bytes: bytes, end: j + 2, invalid: invalid)
    }
}
