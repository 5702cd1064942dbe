import Foundation

/// A list archive's HTML page of one message written by MHonArc (lkml.iu.edu, spinics.net,
/// mail-archive.com and many list servers) or by Hypermail: besides the page the reader sees,
/// the generator leaves the message's headers in HTML comments, and marks where the body starts
/// and ends.
///
///     MHonArc:   <!--X-Subject: ... -->  <!--X-From-R13: ... -->  <!--X-Date: ... -->
///                <!--X-Message-Id: ... -->  <!--X-Reference: ... -->  (one per reference)
///                <!--X-Body-of-Message--> ... <!--X-Body-of-Message-End-->
///     Hypermail: <!-- name="..." -->  <!-- email="..." -->  <!-- subject="..." -->
///                <!-- sent="..." -->  <!-- id="..." -->  <!-- inreplyto="..." -->
///                <!-- body="start" --> ... <!-- body="end" -->
///
/// Comment values are HTML-escaped; MHonArc's From is scrambled with its own rot13 (letters and
/// `@` rotated, which is its own inverse). The body is turned into text the way a browser shows
/// it: `<pre>` keeps its lines and spaces, elsewhere whitespace runs are one space and `<br>` or
/// a block ends the line.
enum CommentedArchivePage {
    private enum Generator { case mhonarc, hypermail }

    private static let markers: [(Generator, start: StaticString, end: StaticString)] = [
        (.mhonarc, "<!--X-Body-of-Message-->", "<!--X-Body-of-Message-End-->"),
        (.hypermail, "<!-- body=\"start\" -->", "<!-- body=\"end\" -->"),
    ]

    /// The page's span when the input, starting with markup at `p`, holds a body marker: from the
    /// page's start, its content being the body between the markers.
    static func span(_ b: Bytes, _ p: Int) -> RawSpan? {
        guard p < b.count, b[p] == ASCII.less else { return nil }
        for m in markers {
            guard let start = b.firstRange(of: m.start, from: p) else { continue }
            let end = b.firstRange(of: m.end, from: start.upperBound)?.lowerBound ?? b.count
            return RawSpan(start: p, contentStart: start.upperBound, end: end, hasQuotedFrom: false)
        }
        return nil
    }

    /// The message the page shows.
    static func message(_ b: Bytes, span: RawSpan) -> Message {
        let head = span.start..<span.contentStart
        let fields = comments(b, head)
        let generator: Generator = fields.keys.contains { $0.hasPrefix("x-") } ? .mhonarc : .hypermail
        var defects = [Defect(kind: .other, offset: span.contentStart,
                              detail: "list archive HTML page: the headers are read from the generator's comments, the body from its rendering")]
        func first(_ name: String) -> String? { fields[name]?.first.map { Text.trim($0) } }

        var subject: String
        var fromText: String
        var rawDate: String
        var messageId: String?
        var references: [String]
        var inReplyTo: String?
        switch generator {
        case .mhonarc:
            subject = first("x-subject") ?? ""
            fromText = first("x-from-r13").map(mrot13) ?? first("x-from") ?? ""
            rawDate = first("x-date") ?? ""
            messageId = first("x-message-id")
            references = (fields["x-reference"] ?? []).map { Text.trim($0) }.filter { !$0.isEmpty }
            inReplyTo = references.last
        case .hypermail:
            subject = first("subject") ?? ""
            let name = first("name") ?? ""
            let email = first("email") ?? ""
            fromText = email.isEmpty ? name : name.isEmpty ? email : "\"\(name.replacingOccurrences(of: "\"", with: ""))\" <\(email)>"
            rawDate = first("sent") ?? ""
            messageId = first("id")
            inReplyTo = first("inreplyto").flatMap { $0.isEmpty ? nil : $0 }
            references = inReplyTo.map { [$0] } ?? []
        }
        messageId = messageId.map(bare).flatMap { $0.isEmpty ? nil : $0 }
        references = references.map(bare)
        inReplyTo = inReplyTo.map(bare)

        // A page whose generator left no header comments still shows the headers to the reader.
        if subject.isEmpty || fromText.isEmpty || rawDate.isEmpty {
            let shown = visibleHeaders(b, head)
            if subject.isEmpty { subject = shown["subject"] ?? shown["h1"] ?? shown["title"] ?? "" }
            if fromText.isEmpty { fromText = shown["from"] ?? "" }
            if rawDate.isEmpty { rawDate = shown["date"] ?? "" }
        }
        let from = AddressParser.parseFirst(fromText) ?? Address(name: fromText, email: "")
        let date = DateParser.parse(rawDate)
        if date == nil {
            defects.append(Defect(kind: .invalidDate, offset: span.start, detail: "unparseable date \"\(rawDate)\""))
        }
        let body = renderedText(b, span.contentStart..<span.end)
        let id: String
        if let messageId {
            id = messageId
        } else {
            id = MessageParser.synthesiseId(subject: subject, from: from, date: rawDate, body: body)
            defects.append(Defect(kind: .missingMessageId, offset: span.start,
                                  detail: "archive page without a Message-ID comment; synthesised \(id)"))
        }
        var headers = [Header(name: "Subject", value: subject), Header(name: "From", value: fromText),
                       Header(name: "Date", value: rawDate), Header(name: "Message-ID", value: "<\(id)>")]
        if let inReplyTo { headers.append(Header(name: "In-Reply-To", value: "<\(inReplyTo)>")) }
        if !references.isEmpty { headers.append(Header(name: "References", value: references.map { "<\($0)>" }.joined(separator: " "))) }
        return Message(messageId: id, subject: subject, from: from, date: date, rawDate: rawDate, inReplyTo: inReplyTo,
                       references: references, headers: headers, body: body,
                       parts: [BodyPart(contentType: "text/plain", charset: "utf-8", text: body, inBody: true)],
                       defects: defects, offset: span.start, length: span.end - span.start)
    }

    /// The generator's comments before the body: `X-Name: value` (MHonArc) or `name="value"`
    /// (Hypermail), names lower-cased, values entity-decoded, every value of a repeated name kept.
    private static func comments(_ b: Bytes, _ r: Range<Int>) -> [String: [String]] {
        var out: [String: [String]] = [:]
        var p = r.lowerBound
        while let open = b.firstRange(of: "<!--", from: p), open.lowerBound < r.upperBound {
            let close = b.firstRange(of: "-->", from: open.upperBound)
            let end = max(open.upperBound, min(close?.lowerBound ?? r.upperBound, r.upperBound))
            let inner = Text.trim(Text.string(b, open.upperBound..<end).0)
            p = close?.upperBound ?? r.upperBound
            if let colon = inner.firstIndex(of: ":"), inner.hasPrefix("X-") || inner.hasPrefix("x-") {
                let name = inner[..<colon].lowercased()
                out[name, default: []].append(HTMLText.decodeEntities(String(inner[inner.index(after: colon)...])))
            } else if let eq = inner.firstIndex(of: "="), inner[inner.index(after: eq)...].hasPrefix("\""),
                      inner.hasSuffix("\""), inner.distance(from: eq, to: inner.endIndex) >= 3 {
                // `name="value"`: the opening quote is not also the closing one.
                let name = Text.trim(String(inner[..<eq])).lowercased()
                let value = inner[inner.index(eq, offsetBy: 2)..<inner.index(before: inner.endIndex)]
                guard !name.isEmpty, !name.contains(" ") else { continue }
                out[name, default: []].append(HTMLText.decodeEntities(String(value)))
            }
        }
        return out
    }

    /// `Subject:`, `From:` and `Date:` as the page shows them above the body, its `<h1>` and `<title>`.
    private static func visibleHeaders(_ b: Bytes, _ r: Range<Int>) -> [String: String] {
        var out: [String: String] = [:]
        for line in renderedText(b, r).split(separator: "\n") {
            let l = Text.trim(String(line))
            for name in ["Subject", "From", "Date"] where out[name.lowercased()] == nil && l.hasPrefix(name + ":") {
                let value = Text.trim(String(l.dropFirst(name.count + 1)))
                if !value.isEmpty { out[name.lowercased()] = value }
            }
        }
        for (key, open, close) in [("title", "<title>", "</title>"), ("h1", "<h1>", "</h1>")] as [(String, StaticString, StaticString)] {
            guard let o = b.firstRange(of: open, from: r.lowerBound), o.upperBound < r.upperBound,
                  let c = b.firstRange(of: close, from: o.upperBound), c.lowerBound <= r.upperBound else { continue }
            let text = Text.trim(renderedText(b, o.upperBound..<c.lowerBound))
            if !text.isEmpty { out[key] = Text.collapseSpaces(text) }
        }
        return out
    }

    /// `<id>` or `id` as `id`.
    private static func bare(_ s: String) -> String {
        var t = Substring(Text.trim(s))
        if t.hasPrefix("<") { t = t.dropFirst() }
        if t.hasSuffix(">") { t = t.dropLast() }
        return String(t)
    }

    /// MHonArc's address scrambling: `@`, `A`–`Z`, `[` rotated by 14 among themselves, `a`–`z`
    /// by 13; applying it twice gives the text back.
    static func mrot13(_ s: String) -> String {
        String(decoding: s.utf8.map { c -> UInt8 in
            switch c {
            case 0x40...0x5B: return 0x40 + (c - 0x40 + 14) % 28
            case 0x61...0x7A: return 0x61 + (c - 0x61 + 13) % 26
            default: return c
            }
        }, as: UTF8.self)
    }

    /// The text a browser shows for `r` of the page (`HTMLLinkedText`), without blank lines at
    /// the end, ending in a line break.
    static func renderedText(_ b: Bytes, _ r: Range<Int>) -> String {
        var out = HTMLLinkedText(b, r).text[...]
        while let last = out.last, last == ASCII.space || last == ASCII.lf { out.removeLast() }
        return out.isEmpty ? "" : String(decoding: out, as: UTF8.self) + "\n"
    }
}
