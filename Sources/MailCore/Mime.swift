import Foundation

/// The parameters of a header value by (lower-cased) name: a short list searched in order,
/// which for the one to three parameters of a MIME header costs less than hashing.
struct Parameters: Equatable, ExpressibleByDictionaryLiteral {
    private var pairs: [(name: String, value: String)] = []

    init(dictionaryLiteral elements: (String, String)...) {
        for (k, v) in elements { self[k] = v }
    }

    var count: Int { pairs.count }

    subscript(name: String) -> String? {
        get {
            for p in pairs where p.name == name { return p.value }
            return nil
        }
        set {
            if let k = pairs.firstIndex(where: { $0.name == name }) {
                if let newValue { pairs[k].value = newValue } else { pairs.remove(at: k) }
            } else if let newValue {
                pairs.append((name, newValue))
            }
        }
    }

    /// Equal as maps (order does not matter).
    static func == (a: Parameters, b: Parameters) -> Bool {
        a.pairs.count == b.pairs.count && a.pairs.allSatisfy { b[$0.name] == $0.value }
    }
}

/// A parsed `Content-Type` (or `Content-Disposition`) value: lower-cased value and parameters.
struct HeaderParameters: Equatable {
    var value: String
    var params: Parameters

    /// Parses `type/subtype; a=b; c="quoted \"x\""` including RFC 2231 `name*0*=` pieces.
    static func parse(_ text: String) -> HeaderParameters {
        var t = text
        let (value, raw) = t.withUTF8 { b -> (String, [(String, String)])? in
            for c in b where c >= 0x80 { return nil }
            return scanASCII(b)
        } ?? scanScalars(text)
        return finish(value: value, raw: raw)
    }

    /// `scanScalars` for ASCII text, on bytes (each byte is then one scalar).
    private static func scanASCII(_ b: Bytes) -> (String, [(String, String)]) {
        let n = b.count
        var i = 0
        func skipSpace() {
            while i < n, b[i] == ASCII.space || b[i] == ASCII.tab || b[i] == ASCII.cr || b[i] == ASCII.lf { i += 1 }
        }
        func skipComment() {
            if i < n, b[i] == ASCII.openParen {
                var depth = 0
                while i < n {
                    if b[i] == ASCII.openParen { depth += 1 } else if b[i] == ASCII.closeParen { depth -= 1 }
                    i += 1
                    if depth == 0 { break }
                }
            }
        }
        func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        // One work buffer for the value, each name and each parameter value in turn.
        var value: [UInt8] = []
        value.reserveCapacity(n)
        skipSpace()
        while i < n, b[i] != 0x3B {
            if b[i] == ASCII.openParen { skipComment(); continue }
            if b[i] != ASCII.space && b[i] != ASCII.tab && b[i] != ASCII.quote { value.append(ASCII.lower(b[i])) }
            i += 1
        }
        let valueText = string(value)
        var raw: [(String, String)] = []
        while i < n {
            i += 1  // the ';'
            skipSpace()
            var name = value
            value = []
            name.removeAll(keepingCapacity: true)
            while i < n, b[i] != ASCII.equals, b[i] != 0x3B {
                if b[i] != ASCII.space && b[i] != ASCII.tab { name.append(ASCII.lower(b[i])) }
                i += 1
            }
            guard i < n, b[i] == ASCII.equals else { value = name; continue }
            i += 1
            skipSpace()
            let nameText = string(name)
            var v = name
            name = []
            v.removeAll(keepingCapacity: true)
            if i < n, b[i] == ASCII.quote {
                i += 1
                while i < n, b[i] != ASCII.quote {
                    if b[i] == ASCII.backslash, i + 1 < n { i += 1 }
                    v.append(b[i])
                    i += 1
                }
                i += 1
                while i < n, b[i] != 0x3B { i += 1 }
            } else {
                while i < n, b[i] != 0x3B {
                    if b[i] == ASCII.openParen { skipComment(); continue }
                    v.append(b[i])
                    i += 1
                }
                var e = v.count
                var s = 0
                while s < e, ASCII.isSpace(v[s]) { s += 1 }
                while e > s, ASCII.isSpace(v[e - 1]) { e -= 1 }
                if s > 0 || e < v.count { v = Array(v[s..<e]) }
            }
            if !nameText.isEmpty { raw.append((nameText, string(v))) }
            value = v
        }
        return (valueText, raw)
    }

    /// The type (lower-cased) and the raw `name=value` pairs (names lower-cased) of a value.
    private static func scanScalars(_ text: String) -> (String, [(String, String)]) {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func skipSpace() {
            while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" || scalars[i] == "\r" || scalars[i] == "\n" { i += 1 }
        }
        func skipComment() {
            if i < scalars.count, scalars[i] == "(" {
                var depth = 0
                while i < scalars.count {
                    if scalars[i] == "(" { depth += 1 } else if scalars[i] == ")" { depth -= 1 }
                    i += 1
                    if depth == 0 { break }
                }
            }
        }
        var value = ""
        skipSpace()
        while i < scalars.count, scalars[i] != ";" {
            if scalars[i] == "(" { skipComment(); continue }
            if scalars[i] != " " && scalars[i] != "\t" && scalars[i] != "\"" { value.unicodeScalars.append(scalars[i]) }
            i += 1
        }
        var raw: [(String, String)] = []
        while i < scalars.count {
            i += 1  // the ';'
            skipSpace()
            var name = ""
            while i < scalars.count, scalars[i] != "=", scalars[i] != ";" {
                if scalars[i] != " " && scalars[i] != "\t" { name.unicodeScalars.append(scalars[i]) }
                i += 1
            }
            guard i < scalars.count, scalars[i] == "=" else { continue }
            i += 1
            skipSpace()
            var v = ""
            if i < scalars.count, scalars[i] == "\"" {
                i += 1
                while i < scalars.count, scalars[i] != "\"" {
                    if scalars[i] == "\\", i + 1 < scalars.count { i += 1 }
                    v.unicodeScalars.append(scalars[i])
                    i += 1
                }
                i += 1
                while i < scalars.count, scalars[i] != ";" { i += 1 }
            } else {
                while i < scalars.count, scalars[i] != ";" {
                    if scalars[i] == "(" { skipComment(); continue }
                    v.unicodeScalars.append(scalars[i])
                    i += 1
                }
                v = Text.trim(v)
            }
            if !name.isEmpty { raw.append((name.lowercased(), v)) }
        }
        return (value.lowercased(), raw)
    }

    /// Parameters from the raw pairs, RFC 2231 pieces joined and decoded.
    private static func finish(value: String, raw: [(String, String)]) -> HeaderParameters {
        var params = Parameters()
        // RFC 2231: name*0, name*1*, name* (with charset''value) are joined and decoded.
        var continued: [String: [(Int, String, Bool)]] = [:]
        for (name, v) in raw {
            if name.utf8.contains(0x2A), let star = name.firstIndex(of: "*") {
                let base = String(name[..<star])
                let rest = name[name.index(after: star)...]
                let encoded = rest.hasSuffix("*") || rest.isEmpty
                let index = Int(rest.filter(Text.isDigit)) ?? 0
                continued[base, default: []].append((index, v, encoded))
            } else if params[name] == nil {
                params[name] = v
            }
        }
        for (base, pieces) in continued {
            let sorted = pieces.sorted { $0.0 < $1.0 }
            var charset: String?
            var bytes: [UInt8] = []
            for (k, piece) in sorted.enumerated() {
                var text = piece.1
                if piece.2 {
                    if k == 0 {
                        let segments = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                        if segments.count == 3 {
                            charset = String(segments[0])
                            text = String(segments[2])
                        }
                    }
                    bytes += percentDecode(text)
                } else {
                    bytes += Array(text.utf8)
                }
            }
            params[base] = Charset.decode(bytes, charset: charset?.isEmpty == false ? charset : nil).0
        }
        return HeaderParameters(value: value, params: params)
    }

    private static func percentDecode(_ s: String) -> [UInt8] {
        let u = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            if u[i] == 0x25, i + 2 < u.count, let h = ASCII.hexValue(u[i + 1]), let l = ASCII.hexValue(u[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return out
    }
}

/// Walks a message's MIME structure and produces its readable body and leaf parts.
///
/// Rules: multipart/alternative prefers text/plain; multipart/signed keeps its first part;
/// message/rfc822 is shown as a part but never contributes to the body; text/x-patch and
/// text/x-diff (and `.patch`/`.diff` attachments) are appended to the body; nesting deeper than
/// `maxDepth` stops with a `mimeTooDeep` defect.
struct MimeWalker {
    static let maxDepth = 64

    let bytes: Bytes
    /// Offset of `bytes` in the input file.
    let base: Int
    var parts: [BodyPart] = []
    var bodyPieces: [String] = []
    var defects: [Defect] = []
    var tooDeepReported = false

    init(bytes: Bytes, base: Int) {
        self.bytes = bytes
        self.base = base
    }

    /// Header lookup over raw headers (first match), as text.
    func value(_ headers: [RawHeader], _ kind: FieldKind) -> String? {
        for h in headers where h.kind == kind { return h.text(bytes) }
        return nil
    }

    /// Processes an entity whose headers are `headers` and whose body is `body`.
    mutating func walk(headers: [RawHeader], body: Range<Int>, depth: Int, inBody: Bool, defaultType: String = "text/plain") {
        let ct = value(headers, .contentType).map(HeaderParameters.parse)
            ?? HeaderParameters(value: defaultType, params: [:])
        let hasSlash = ct.value.utf8.contains(0x2F)
        var type = hasSlash ? ct.value : "text/plain"
        if !ct.value.isEmpty && !hasSlash {
            defects.append(Defect(kind: .malformedHeader, offset: base + body.lowerBound, detail: "Content-Type without subtype: \(ct.value)"))
        }
        let disposition = value(headers, .contentDisposition).map(HeaderParameters.parse)
        let filename = disposition?.params["filename"] ?? ct.params["name"]
        let cte = value(headers, .contentTransferEncoding).map { Text.trim($0).lowercased() } ?? ""

        if depth > Self.maxDepth {
            if !tooDeepReported {
                defects.append(Defect(kind: .mimeTooDeep, offset: base + body.lowerBound,
                                      detail: "MIME nesting deeper than \(Self.maxDepth) levels; inner parts skipped"))
                tooDeepReported = true
            }
            return
        }

        if type.hasPrefix("multipart/") {
            guard let boundary = ct.params["boundary"], !boundary.isEmpty else {
                defects.append(Defect(kind: .missingBoundary, offset: base + body.lowerBound,
                                      detail: "\(type) without a boundary; read as text"))
                type = "text/plain"
                leaf(type: type, params: [:], cte: cte, disposition: disposition?.value, filename: filename, body: body, inBody: inBody)
                return
            }
            let split = splitMultipart(body: body, boundary: Array(boundary.utf8))
            if split.parts.isEmpty {
                defects.append(Defect(kind: .missingBoundary, offset: base + body.lowerBound,
                                      detail: "boundary \"\(boundary)\" never appears; read as text"))
                leaf(type: "text/plain", params: [:], cte: cte, disposition: nil, filename: nil, body: body, inBody: inBody)
                return
            }
            if split.truncated {
                defects.append(Defect(kind: .truncatedMultipart, offset: base + body.upperBound,
                                      detail: "no closing boundary \"--\(boundary)--\""))
            }
            let children = split.parts.map { r -> ([RawHeader], Range<Int>) in
                let hb = HeaderBlock.parse(bytes, start: r.lowerBound, end: r.upperBound, base: base)
                if hb.headers.isEmpty {
                    // A part without headers starts its body right away.
                    return ([], r)
                }
                return (hb.headers, hb.bodyStart..<max(hb.bodyStart, r.upperBound))
            }
            let subtype = type.dropFirst("multipart/".count)
            let childDefault = subtype == "digest" ? "message/rfc822" : "text/plain"
            switch subtype {
            case "alternative":
                let types = children.map { c in
                    (value(c.0, .contentType).map(HeaderParameters.parse)?.value ?? "text/plain")
                }
                let chosen = types.firstIndex(where: { $0 == "text/plain" || $0.isEmpty })
                    ?? types.firstIndex(where: { $0.hasPrefix("multipart/") })
                    ?? types.firstIndex(where: { $0.hasPrefix("text/") && $0 != "text/html" })
                    ?? 0
                for (k, c) in children.enumerated() {
                    walk(headers: c.0, body: c.1, depth: depth + 1, inBody: inBody && k == chosen, defaultType: childDefault)
                }
            case "signed":
                for (k, c) in children.enumerated() {
                    walk(headers: c.0, body: c.1, depth: depth + 1, inBody: inBody && k == 0, defaultType: childDefault)
                }
            default:
                for c in children {
                    walk(headers: c.0, body: c.1, depth: depth + 1, inBody: inBody, defaultType: childDefault)
                }
            }
            return
        }

        if type == "message/rfc822" || type == "message/global" {
            embedded(body: body, cte: cte, depth: depth, filename: filename)
            return
        }
        leaf(type: type, params: ct.params, cte: cte, disposition: disposition?.value, filename: filename, body: body, inBody: inBody)
    }

    /// An attached message: shown as one part (its headers and text), never part of the body.
    private mutating func embedded(body: Range<Int>, cte: String, depth: Int, filename: String?) {
        let hb = HeaderBlock.parse(bytes, start: body.lowerBound, end: body.upperBound, base: base)
        var inner = MimeWalker(bytes: bytes, base: base)
        inner.tooDeepReported = tooDeepReported
        inner.walk(headers: hb.headers, body: hb.bodyStart..<max(hb.bodyStart, body.upperBound), depth: depth + 1, inBody: true)
        defects += inner.defects
        tooDeepReported = inner.tooDeepReported
        var summary = ""
        for kind in [FieldKind.from, .date, .subject] {
            if let h = hb.first(kind) {
                var ignored: [Defect] = []
                summary += "\(h.name(bytes)): \(h.withValue(bytes) { EncodedWords.decode($0, offset: h.offset, defects: &ignored) })\n"
            }
        }
        let text = summary + "\n" + inner.bodyPieces.joined(separator: "\n")
        parts.append(BodyPart(contentType: "message/rfc822", charset: nil, filename: filename,
                              disposition: nil, text: text, inBody: false))
    }

    /// Whether a file name names a patch.
    static func isPatchName(_ name: String?) -> Bool {
        guard let n = name?.lowercased() else { return false }
        return n.hasSuffix(".patch") || n.hasSuffix(".diff") || n.hasSuffix(".txt") && n.contains("patch")
    }

    private mutating func leaf(type: String, params: Parameters, cte: String, disposition: String?,
                               filename: String?, body: Range<Int>, inBody: Bool) {
        let isPatchType = type == "text/x-patch" || type == "text/x-diff" || type == "text/diff"
            || type == "text/x-patch-file" || type == "application/x-patch" || type == "application/x-diff"
        let isText = type.hasPrefix("text/") || isPatchType
            || (type == "application/octet-stream" && Self.isPatchName(filename))
        guard isText else {
            parts.append(BodyPart(contentType: type, charset: nil, filename: filename, disposition: disposition,
                                  text: "", inBody: false))
            return
        }
        let charset = params["charset"]
        let wide = charset.map { Self.hasPrefixIgnoringCase($0, "utf-16") || Self.hasPrefixIgnoringCase($0, "utf-32") } ?? false
        var hadNUL = false
        var text: String
        var problem: Defect.Kind?
        if !wide && Self.isIdentityEncoding(cte) {
            // No transfer decoding: read the body in place; copy only to drop CRs.
            let slice = UnsafeBufferPointer(rebasing: bytes[body])
            hadNUL = slice.find(0, from: 0, to: slice.count) < slice.count
            if slice.find(ASCII.cr, from: 0, to: slice.count) < slice.count {
                let (normalised, _) = normaliseBytes(Array(slice))
                (text, problem) = Charset.decode(normalised, charset: charset)
            } else {
                (text, problem) = Charset.decode(slice, charset: charset)
            }
        } else {
            var decoded = decodeTransfer(body: body, encoding: cte)
            if !wide {
                (decoded, hadNUL) = normaliseBytes(decoded)
            }
            (text, problem) = Charset.decode(decoded, charset: charset)
        }
        if let problem {
            defects.append(Defect(kind: problem, offset: base + body.lowerBound,
                                  detail: problem == .unknownCharset ? "unknown charset \"\(charset ?? "")\"; read as UTF-8 or Latin-1"
                                      : "text is not valid \(charset ?? "UTF-8")"))
        }
        if wide || hadNUL { text = normalise(text, at: base + body.lowerBound) }
        if type == "text/plain", params["format"]?.lowercased() == "flowed" {
            text = Flowed.unflow(text, delSp: params["delsp"]?.lowercased() == "yes")
        }
        let contributes: Bool
        if !inBody || type == "text/html" {
            contributes = false
        } else if isPatchType || Self.isPatchName(filename) {
            contributes = true
        } else if type == "text/plain" {
            contributes = disposition != "attachment" || text.hasPrefix("diff ") || text.hasPrefix("From ")
                || bodyPieces.isEmpty
        } else {
            contributes = false
        }
        parts.append(BodyPart(contentType: type, charset: charset, filename: filename, disposition: disposition,
                              text: text, inBody: contributes))
        if contributes { bodyPieces.append(text) }
    }

    /// Whether a Content-Transfer-Encoding leaves the bytes as they are.
    static func isIdentityEncoding(_ cte: String) -> Bool {
        switch cte {
        case "", "7bit", "8bit", "binary", "7-bit", "8-bit": return true
        default: return false
        }
    }

    /// ASCII case-insensitive `hasPrefix` for a lower-case ASCII prefix.
    static func hasPrefixIgnoringCase(_ s: String, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        var k = 0
        let p = prefix.utf8Start
        for c in s.utf8 {
            if k == n { return true }
            if ASCII.lower(c) != p[k] { return false }
            k += 1
        }
        return k == n
    }

    /// Undoes the Content-Transfer-Encoding of a body range.
    private mutating func decodeTransfer(body: Range<Int>, encoding: String) -> [UInt8] {
        let slice = UnsafeBufferPointer(rebasing: bytes[body])
        switch encoding {
        case "", "7bit", "8bit", "binary", "7-bit", "8-bit":
            return Array(slice)
        case "quoted-printable":
            let (out, invalid) = QuotedPrintable.decode(slice)
            if invalid {
                defects.append(Defect(kind: .invalidQuotedPrintable, offset: base + body.lowerBound,
                                      detail: "'=' not followed by two hex digits (kept literally)"))
            }
            return out
        case "base64":
            let (out, junk) = Base64.decode(slice)
            if junk {
                defects.append(Defect(kind: .invalidBase64, offset: base + body.lowerBound,
                                      detail: "invalid base64 characters skipped"))
            }
            return out
        default:
            defects.append(Defect(kind: .unknownTransferEncoding, offset: base + body.lowerBound,
                                  detail: "unknown Content-Transfer-Encoding \"\(encoding)\"; read as 8bit"))
            return Array(slice)
        }
    }

    /// CRLF to LF (lone CR kept) on bytes of an ASCII-compatible charset, before decoding, and
    /// whether there are NUL bytes (handled after decoding). Scans with memchr; copies only for CR.
    private func normaliseBytes(_ bytes: [UInt8]) -> ([UInt8], Bool) {
        let (hasCR, hasNUL) = bytes.withUnsafeBufferPointer { b in
            (b.find(ASCII.cr, from: 0, to: b.count) < b.count, b.find(0, from: 0, to: b.count) < b.count)
        }
        guard hasCR else { return (bytes, hasNUL) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if c == ASCII.cr, i + 1 < n, bytes[i + 1] == ASCII.lf {
                i += 1
                continue
            }
            out.append(c)
            i += 1
        }
        return (out, hasNUL)
    }

    /// CRLF to LF, lone CR kept; NUL bytes become U+FFFD with a defect (text of wide charsets).
    private mutating func normalise(_ text: String, at offset: Int) -> String {
        // CR, LF and NUL are control characters, never part of a larger character: bytes will do.
        var t = text
        let (hasCR, hasNUL) = t.withUTF8 { b in
            (b.find(ASCII.cr, from: 0, to: b.count) < b.count, b.find(0, from: 0, to: b.count) < b.count)
        }
        guard hasCR || hasNUL else { return t }
        if hasNUL {
            defects.append(Defect(kind: .nulByte, offset: offset, detail: "NUL bytes in text replaced by U+FFFD"))
        }
        return t.withUTF8 { b -> String in
            // One pass: a CR right before an LF is dropped, a NUL becomes EF BF BD.
            let n = b.count
            var out: [UInt8] = []
            out.reserveCapacity(n + (hasNUL ? 16 : 0))
            var i = 0
            while i < n {
                let c = b[i]
                if c == ASCII.cr, i + 1 < n, b[i + 1] == ASCII.lf {
                    i += 1
                    continue
                }
                if c == 0 {
                    out.append(0xEF)
                    out.append(0xBF)
                    out.append(0xBD)
                } else {
                    out.append(c)
                }
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Splits a multipart body at its boundary lines. Returns part ranges (content between
    /// delimiter lines, excluding the line break before the next delimiter) and whether the
    /// closing delimiter was missing.
    func splitMultipart(body: Range<Int>, boundary: [UInt8]) -> (parts: [Range<Int>], truncated: Bool) {
        let needle: [UInt8] = [ASCII.lf, ASCII.dash, ASCII.dash] + boundary
        let end = body.upperBound
        /// (line start, line end, is closing delimiter)
        var delimiters: [(Int, Int, Bool)] = []
        var search = body.lowerBound
        var candidate: Int? = bytes.hasPrefixBytes([ASCII.dash, ASCII.dash] + boundary, at: body.lowerBound, to: end)
            ? body.lowerBound : nil
        while true {
            if candidate == nil {
                guard let hit = bytes.firstRange(of: needle, from: search, to: end) else { break }
                candidate = hit + 1
            }
            guard let line = candidate else { break }
            candidate = nil
            let after = line + 2 + boundary.count
            let lineEnd = bytes.lineEnd(from: line, to: end)
            search = line + 1
            let isClose = after + 1 < end && bytes[after] == ASCII.dash && bytes[after + 1] == ASCII.dash
            if !isClose, after < end {
                let c = bytes[after]
                // `--boundaryX` is a different boundary, not ours.
                if !(c == ASCII.cr || c == ASCII.lf || c == ASCII.space || c == ASCII.tab) { continue }
            }
            delimiters.append((line, lineEnd, isClose))
            if isClose { break }
        }
        guard !delimiters.isEmpty else { return ([], false) }
        var parts: [Range<Int>] = []
        for k in 0..<(delimiters.count - 1) {
            let s = delimiters[k].1
            var e = delimiters[k + 1].0
            if e > s, bytes[e - 1] == ASCII.lf { e -= 1 }
            if e > s, bytes[e - 1] == ASCII.cr { e -= 1 }
            parts.append(s..<max(s, e))
        }
        guard let last = delimiters.last else { return (parts, false) }
        if last.2 { return (parts, false) }
        parts.append(last.1..<max(last.1, end))
        return (parts, true)
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    func hasPrefixBytes(_ prefix: [UInt8], at: Int, to: Int) -> Bool {
        guard at + prefix.count <= to else { return false }
        for k in 0..<prefix.count where self[at + k] != prefix[k] { return false }
        return true
    }
}

/// RFC 3676 format=flowed decoding (with DelSp).
enum Flowed {
    static func unflow(_ text: String, delSp: Bool) -> String {
        var t = text
        if let fast = t.withUTF8({ unflowBytes($0, delSp: delSp) }) { return fast }
        return unflowCharacters(text, delSp: delSp)
    }

    /// `unflowCharacters` on bytes, or nil when characters could differ from bytes at a place
    /// that matters (a non-ASCII byte right after a quote mark or stuffed space, or before a
    /// trailing space; a CR LF pair).
    private static func unflowBytes(_ b: Bytes, delSp: Bool) -> String? {
        let n = b.count
        var cr = b.find(ASCII.cr, from: 0, to: n)
        while cr < n {
            if cr + 1 < n, b[cr + 1] == ASCII.lf { return nil }
            cr = b.find(ASCII.cr, from: cr + 1, to: n)
        }
        var out: [UInt8] = []
        out.reserveCapacity(n)
        var emitted = false
        var current: [UInt8] = []
        var hasCurrent = false
        var currentDepth = 0
        func emit() {
            if emitted { out.append(ASCII.lf) }
            emitted = true
            for _ in 0..<currentDepth { out.append(ASCII.greater) }
            if currentDepth > 0 { out.append(ASCII.space) }
            out += current
        }
        var lineStart = 0
        while true {
            let lineEnd = b.find(ASCII.lf, from: lineStart, to: n)
            var s = lineStart
            let e = lineEnd
            var depth = 0
            while s < e, b[s] == ASCII.greater {
                depth += 1
                s += 1
                if s < e, b[s] >= 0x80 { return nil }
            }
            if s < e, b[s] == ASCII.space {
                s += 1  // space-stuffing
                if s < e, b[s] >= 0x80 { return nil }
            }
            let isSignature = e - s == 3 && b[s] == ASCII.dash && b[s + 1] == ASCII.dash && b[s + 2] == ASCII.space
            let soft = e > s && b[e - 1] == ASCII.space && !isSignature
            if soft, e - 1 > s, b[e - 2] >= 0x80 { return nil }
            let contentEnd = soft && delSp ? e - 1 : e
            let content = UnsafeBufferPointer(rebasing: b[s..<contentEnd])
            if hasCurrent && depth == currentDepth {
                current.append(contentsOf: content)
            } else {
                if hasCurrent { emit() }
                current.removeAll(keepingCapacity: true)
                current.append(contentsOf: content)
                hasCurrent = true
                currentDepth = depth
            }
            if !soft {
                if hasCurrent { emit() }
                hasCurrent = false
            }
            if lineEnd >= n { break }
            lineStart = lineEnd + 1
        }
        if hasCurrent { emit() }
        return String(decoding: out, as: UTF8.self)
    }

    private static func unflowCharacters(_ text: String, delSp: Bool) -> String {
        var out: [String] = []
        var current: String?
        var currentDepth = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(rawLine)
            var depth = 0
            while line.first == ">" { depth += 1; line = line.dropFirst() }
            if line.first == " " { line = line.dropFirst() }  // space-stuffing
            let isSignature = line == "-- "
            let soft = line.hasSuffix(" ") && !isSignature
            var content = String(line)
            if soft && delSp { content.removeLast() }
            if let c = current, depth == currentDepth {
                current = c + content
            } else {
                if let c = current { out.append(String(repeating: ">", count: currentDepth) + (currentDepth > 0 ? " " : "") + c) }
                current = content
                currentDepth = depth
            }
            if !soft {
                if let c = current { out.append(String(repeating: ">", count: currentDepth) + (currentDepth > 0 ? " " : "") + c) }
                current = nil
            }
        }
        if let c = current { out.append(String(repeating: ">", count: currentDepth) + (currentDepth > 0 ? " " : "") + c) }
        return out.joined(separator: "\n")
    }
}
