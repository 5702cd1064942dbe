import Foundation

/// Turns the bytes of one message into a `Message`: headers (unfolded, RFC 2047-decoded),
/// addresses, date, identifiers, and the MIME body.
enum MessageParser {
    /// Parses the message in `span` of `b` (offsets in defects are file offsets when `base` is
    /// the offset of `b` in the file, normally 0). With a `source` (the input `b` came from,
    /// `b` being all of it), the header list is left there and decoded on demand.
    /// An `interner` shares the storage of addresses and identifiers that recur across messages.
    static func parse(_ b: Bytes, span: RawSpan, format: InputFormat, base: Int = 0, source: InputSource? = nil,
                      interner: Interner? = nil) -> Message {
        if span.hasQuotedFrom && (format == .mboxrd || format == .mboxcl) {
            // mboxrd: one `>` is removed from every `>+From ` line. Work on an unescaped copy.
            var copy: [UInt8] = []
            copy.reserveCapacity(span.end - span.contentStart)
            var p = span.contentStart
            while p < span.end {
                let next = b.lineEnd(from: p, to: span.end)
                if b[p] == ASCII.greater && Splitter.isQuotedFrom(b, p, next) {
                    copy.append(contentsOf: UnsafeBufferPointer(rebasing: b[(p + 1)..<next]))
                } else {
                    copy.append(contentsOf: UnsafeBufferPointer(rebasing: b[p..<next]))
                }
                p = next
            }
            // The header block's end in the copy is not a position in the input: the lazy
            // header range covers the whole message and is unescaped again when read.
            let lazy = source.map { LazyHeaders(source: $0, start: base + span.contentStart, end: base + span.end, unescape: true) }
            return copy.withUnsafeBufferPointer { cb in
                parseContent(cb, range: 0..<cb.count, base: base + span.contentStart, lazy: lazy.map { l in { _ in l } },
                             interner: interner, place: (base + span.start, span.end - span.start))
            }
        }
        let lazy = source.map { s in { (headerEnd: Int) in
            LazyHeaders(source: s, start: base + span.contentStart, end: base + headerEnd, unescape: false)
        } }
        return parseContent(b, range: span.contentStart..<span.end, base: base, lazy: lazy, interner: interner,
                            place: (base + span.start, span.end - span.start))
    }

    /// Parses a message whose headers start at `range.lowerBound`. `lazy`, given the end of the
    /// header block in `b`, says where the headers can be read again; without it they are
    /// decoded and kept now. `place` is the message's offset and length when they are not
    /// those of `range` (a separator line before it).
    static func parseContent(_ b: Bytes, range: Range<Int>, base: Int, lazy: ((Int) -> LazyHeaders)? = nil,
                             interner: Interner? = nil, place: (offset: Int, length: Int)? = nil) -> Message {
        let hb = HeaderBlock.parse(b, start: range.lowerBound, end: range.upperBound, base: base)
        var defects = hb.defects
        var storage: HeaderStorage?
        if lazy == nil {
            storage = HeaderStorage(reserving: hb.headers.reduce(0) { $0 + $1.valueEnd - $1.nameStart }, fields: hb.headers.count)
        }
        var subjectText: String?
        var firstOf: [RawHeader?] = Array(repeating: nil, count: 16)
        for h in hb.headers {
            let kind = Int(h.kind.rawValue)
            let isFirst = firstOf[kind] == nil
            if isFirst { firstOf[kind] = h }
            if storage != nil || (isFirst && h.kind == .subject) {
                let text = h.withValue(b) { EncodedWords.decode($0, offset: h.offset, defects: &defects) }
                if isFirst && h.kind == .subject { subjectText = text }
                storage?.append(name: h.name(b), value: text)
            } else {
                // Decoding is left for later, but its defects belong to the message now. Unfolding
                // removes only line breaks (each followed by a blank), so a folded value is plain
                // exactly when its bytes in place are: only other values are unfolded.
                if !EncodedWords.isPlain(UnsafeBufferPointer(rebasing: b[h.valueStart..<h.valueEnd])) {
                    h.withValue(b) { v in EncodedWords.collectDefects(v, offset: h.offset, defects: &defects) }
                }
            }
        }
        // Structured fields are parsed from the undecoded text (RFC 2047 applies to parts of them).
        func rawText(_ kind: FieldKind) -> String? { firstOf[Int(kind.rawValue)].map { $0.text(b) } }
        func offsetOf(_ kind: FieldKind) -> Int { firstOf[Int(kind.rawValue)]?.offset ?? (base + range.lowerBound) }

        let subject = cleanSubject(Text.trim(subjectText ?? ""))
        func withText<R>(_ h: RawHeader, _ body: (Bytes) -> R) -> R { Self.withText(h, b, body) }
        // Addresses are parsed before RFC 2047 decoding so that encoded commas stay in names.
        var from = Address(name: "", email: "")
        if let h = firstOf[Int(FieldKind.from.rawValue)] ?? firstOf[Int(FieldKind.sender.rawValue)] {
            if let a = withText(h, { AddressParser.parseFirst(bytes: $0, interner: interner) }) {
                from = a
                if !a.email.utf8.contains(0x40) {
                    defects.append(Defect(kind: .invalidAddress, offset: offsetOf(.from), detail: "From has no usable address"))
                }
            } else {
                defects.append(Defect(kind: .invalidAddress, offset: offsetOf(.from), detail: "empty From"))
            }
        }
        // With an input to read them from again, To and Cc are parsed when asked for (see `Message.to`).
        var to: [Address] = [], cc: [Address] = []
        if lazy == nil {
            to = firstOf[Int(FieldKind.to.rawValue)].map { withText($0, { AddressParser.parseList(bytes: $0, interner: interner) }) } ?? []
            cc = firstOf[Int(FieldKind.cc.rawValue)].map { withText($0, { AddressParser.parseList(bytes: $0, interner: interner) }) } ?? []
        }
        let rawDate = rawText(.date).map { Text.trim($0) } ?? ""
        var date: Date?
        if !rawDate.isEmpty {
            date = DateParser.parse(rawDate)
            if date == nil {
                defects.append(Defect(kind: .invalidDate, offset: offsetOf(.date), detail: "unparseable Date \"\(rawDate)\""))
            }
        }

        /// Identifiers of a field, read from its bytes when they are ASCII (the text is then the same).
        func identifiers(_ h: RawHeader) -> (ids: [String], junk: Bool) {
            h.withValue(b) { v in
                for c in v where c >= 0x80 { return MessageIDs.all(in: Text.utf8OrLatin1(v).0) }
                return MessageIDs.all(bytes: v, interner: interner)
            }
        }
        func plausible(_ found: [String]) -> [String] {
            found.allSatisfy(MessageIDs.isPlausible) ? found : found.filter(MessageIDs.isPlausible)
        }
        var messageId = ""
        if let h = firstOf[Int(FieldKind.messageId.rawValue)] {
            let (ids, junk) = identifiers(h)
            if let id = ids.first { messageId = id }
            if junk || ids.isEmpty {
                defects.append(Defect(kind: .malformedHeader, offset: h.offset, detail: "odd Message-ID \"\(h.text(b))\""))
            }
        }
        var inReplyTo: String?
        if let h = firstOf[Int(FieldKind.inReplyTo.rawValue)] {
            let (found, junk) = identifiers(h)
            let ids = plausible(found)
            inReplyTo = ids.first
            if junk || ids.count != found.count {
                defects.append(Defect(kind: .invalidReferences, offset: h.offset, detail: "odd In-Reply-To \"\(h.text(b))\""))
            }
        }
        var references: [String] = []
        if firstOf[Int(FieldKind.references.rawValue)] != nil {
            for h in hb.headers where h.kind == .references {
                let (found, junk) = identifiers(h)
                let ids = plausible(found)
                if references.isEmpty { references = ids } else { references += ids }
                if junk || ids.count != found.count {
                    defects.append(Defect(kind: .invalidReferences, offset: h.offset, detail: "junk in References"))
                }
            }
            // Kept with the message: no room left over from growing.
            if references.count > 2 && references.capacity > references.count { references = Array(references[...]) }
        }

        var walker = MimeWalker(bytes: b, base: base)
        walker.walk(headers: hb.headers, body: hb.bodyStart..<max(hb.bodyStart, range.upperBound), depth: 0, inBody: true)
        defects += walker.defects
        var body = walker.bodyPieces.count == 1 ? walker.bodyPieces[0] : joinPieces(walker.bodyPieces)
        if body.isEmpty, let html = walker.parts.first(where: { $0.contentType == "text/html" }) {
            // HTML-only mail: a rough text rendering beats an empty body.
            body = HTMLText.strip(html.text)
        }
        if messageId.isEmpty {
            messageId = "patchlab-\(Text.fnv1a(UnsafeBufferPointer(rebasing: b[range])))@synthesised.invalid"
            defects.append(Defect(kind: .missingMessageId, offset: base + range.lowerBound,
                                  detail: "no Message-ID; synthesised \(messageId)"))
        }
        // With an input, the block ends before the body, or (no blank line) where the body starts.
        let store: HeaderStore = lazy.map { .lazy($0(hb.bodyStart)) } ?? .packed(storage ?? HeaderStorage())
        return Message(messageId: messageId, subject: subject, from: from, to: to, cc: cc, date: date,
                       rawDate: rawDate, inReplyTo: inReplyTo, references: references, headerStore: store,
                       addressesInInput: lazy != nil, body: body, parts: walker.parts, defects: defects,
                       offset: place?.offset ?? base + range.lowerBound, length: place?.length ?? range.count)
    }

    /// Runs `body` on the UTF-8 of a field's text in `b`: its own bytes when they are ASCII,
    /// else the text read as UTF-8 (Latin-1 when invalid).
    static func withText<R>(_ h: RawHeader, _ b: Bytes, _ body: (Bytes) -> R) -> R {
        h.withValue(b) { v in
            for c in v where c >= 0x80 {
                var s = Text.utf8OrLatin1(v).0
                return s.withUTF8(body)
            }
            return body(v)
        }
    }

    /// Tabs and stray line breaks read as spaces (CRs dropped); runs of spaces are kept as sent.
    static func cleanSubject(_ subject: String) -> String {
        var copy = subject
        // `.some(nil)`: nothing to replace; nil: not ASCII, or a CR LF pair (characters needed).
        let fast = copy.withUTF8 { u -> String?? in
            var special = false
            for c in u where c == ASCII.tab || c == ASCII.cr || c == ASCII.lf { special = true; break }
            guard special else { return .some(nil) }
            var previous: UInt8 = 0
            for c in u {
                if c >= 0x80 || (c == ASCII.lf && previous == ASCII.cr) { return nil }
                previous = c
            }
            // ASCII without CR LF pairs: one byte per character, the same replacements on bytes.
            var out: [UInt8] = []
            out.reserveCapacity(u.count)
            for c in u where c != ASCII.cr { out.append(c == ASCII.tab || c == ASCII.lf ? ASCII.space : c) }
            return String(decoding: out, as: UTF8.self)
        }
        switch fast {
        case .some(.some(let cleaned)): return cleaned
        case .some(.none): return subject
        case .none:
            return subject.replacingOccurrences(of: "\t", with: " ")
                .replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: " ")
        }
    }

    private static func joinPieces(_ pieces: [String]) -> String {
        var out = ""
        for p in pieces {
            if !out.isEmpty && !out.hasSuffix("\n") { out += "\n" }
            out += p
        }
        return out
    }

    /// A stable identifier for an archive rendering, which has no Message-ID (same text, same id).
    static func synthesiseId(subject: String, from: Address, date: String, body: String) -> String {
        // The body takes part so that distinct messages sharing subject, author and date differ.
        let key = subject + "\u{1}" + from.name + "\u{1}" + from.email + "\u{1}" + date + "\u{1}" + body
        return "patchlab-\(Text.fnv1a(key))@synthesised.invalid"
    }

    /// Parses a list-archive text rendering: subject line, `From: Name`, `Date: ...`, body.
    static func parseWebArchive(_ b: Bytes, span: RawSpan) -> Message {
        let n = span.end
        var defects: [Defect] = []
        let (e1, l2) = Splitter.line(b, span.contentStart, n)
        let (e2, l3) = Splitter.line(b, l2, n)
        let (e3, bodyStart) = Splitter.line(b, l3, n)
        let subject = Text.collapseSpaces(Text.string(b, span.contentStart..<e1).0)
        let fromText = Text.trim(Text.string(b, (l2 + 5)..<e2).0)
        let rawDate = Text.trim(Text.string(b, (l3 + 5)..<e3).0)
        var from = AddressParser.parseFirst(fromText) ?? Address(name: fromText, email: "")
        if from.name.isEmpty && from.email.isEmpty { from.name = fromText }
        let date = DateParser.parse(rawDate)
        if date == nil {
            defects.append(Defect(kind: .invalidDate, offset: l3, detail: "unparseable Date \"\(rawDate)\""))
        }
        var (body, latin) = Text.string(b, bodyStart..<n)
        if latin {
            defects.append(Defect(kind: .invalidCharsetData, offset: bodyStart, detail: "text is not UTF-8; read as Latin-1"))
        }
        if body.utf8.contains(ASCII.cr) { body = body.replacingOccurrences(of: "\r\n", with: "\n") }
        let id = synthesiseId(subject: subject, from: from, date: rawDate, body: body)
        defects.append(Defect(kind: .missingMessageId, offset: span.start,
                              detail: "web-archive text has no Message-ID; synthesised \(id)"))
        let headers = [Header(name: "Subject", value: subject), Header(name: "From", value: fromText),
                       Header(name: "Date", value: rawDate)]
        return Message(messageId: id, subject: subject, from: from, date: date, rawDate: rawDate,
                       headers: headers, body: body,
                       parts: [BodyPart(contentType: "text/plain", charset: "utf-8", text: body, inBody: true)],
                       defects: defects, offset: span.start, length: span.end - span.start)
    }
}

/// Minimal HTML to text for HTML-only messages: drops tags, scripts and styles, decodes a few entities.
enum HTMLText {
    static func strip(_ html: String) -> String {
        var out = ""
        var inTag = false
        var tag = ""
        var skipping = false
        for ch in html {
            if inTag {
                if ch == ">" {
                    inTag = false
                    let t = tag.lowercased()
                    if t.hasPrefix("script") || t.hasPrefix("style") { skipping = true }
                    if t.hasPrefix("/script") || t.hasPrefix("/style") { skipping = false }
                    if t.hasPrefix("br") || t.hasPrefix("/p") || t.hasPrefix("/div") || t.hasPrefix("p") && t.count <= 2 {
                        out.append("\n")
                    }
                } else {
                    tag.append(ch)
                }
                continue
            }
            if ch == "<" {
                inTag = true
                tag = ""
                continue
            }
            if !skipping { out.append(ch) }
        }
        return decodeEntities(out)
    }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&nbsp;` and numeric `&#39;` / `&#x27;`, in one
    /// pass (so `&amp;lt;` stays `&lt;`); anything else is left as written.
    static func decodeEntities(_ s: String) -> String {
        guard s.utf8.contains(0x26) else { return s }
        var out = ""
        var rest = Substring(s)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            guard let semi = after.prefix(10).firstIndex(of: ";") else {
                out.append("&")
                rest = after
                continue
            }
            let name = after[..<semi]
            var decoded: String?
            switch name {
            case "lt": decoded = "<"
            case "gt": decoded = ">"
            case "amp": decoded = "&"
            case "quot": decoded = "\""
            case "apos": decoded = "'"
            case "nbsp": decoded = " "
            default:
                if name.hasPrefix("#x") || name.hasPrefix("#X"), let v = UInt32(name.dropFirst(2), radix: 16), let u = Unicode.Scalar(v) {
                    decoded = String(Character(u))
                } else if name.hasPrefix("#"), let v = UInt32(name.dropFirst()), let u = Unicode.Scalar(v) {
                    decoded = String(Character(u))
                }
            }
            if let decoded {
                out += decoded
                rest = after[after.index(after: semi)...]
            } else {
                out.append("&")
                rest = after
            }
        }
        out += rest
        return out
    }
}
