import Foundation

/// Text of an HTML page as a browser shows it, with its links. `<pre>` content is kept as
/// written; elsewhere runs of whitespace are one space, `<br>` and blocks end the line (a blank
/// line before a paragraph) and spaces at the ends of such lines are dropped; tags, comments,
/// scripts and styles are removed, entities decoded, no-break spaces shown as spaces. For every
/// `<a>` element: where its text lies in the output, its `href` and `id`, and where its tag starts
/// in the input. Works on bytes; attribute values may be quoted or not, and whitespace (newlines
/// included, as public-inbox writes `<a\nhref=...>`) may separate them.
struct HTMLLinkedText {
    struct Link {
        var text: Range<Int>
        var href: String?
        var id: String?
        /// Offset of the `<a` in the input.
        var source: Int
    }

    private(set) var text: [UInt8] = []
    private(set) var links: [Link] = []

    init(_ b: Bytes, _ range: Range<Int>) {
        text.reserveCapacity(range.count / 2)
        var open: [Int] = []
        var pre = 0
        var space = false
        var i = range.lowerBound
        let n = range.upperBound
        while i < n {
            let c = b[i]
            if c == 0x3C, let (tag, next) = HTMLLinkedText.tag(b, i, n) {
                switch tag.name {
                case "a":
                    if tag.closing {
                        if let k = open.popLast() { links[k].text = links[k].text.lowerBound..<text.count }
                    } else {
                        links.append(Link(text: text.count..<text.count, href: tag.attributes["href"], id: tag.attributes["id"], source: i))
                        open.append(links.count - 1)
                    }
                case "br":
                    newline(&space)
                case "pre":
                    endLine(&space)
                    pre = max(0, pre + (tag.closing ? -1 : 1))
                case "p":
                    endLine(&space)
                    if !tag.closing, text.count >= 2, text[text.count - 2] != ASCII.lf { newline(&space) }
                case "hr", "div", "blockquote", "ul", "ol", "li", "form", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6":
                    endLine(&space)
                case "script", "style":
                    if !tag.closing { i = HTMLLinkedText.skipElement(b, next, n, name: tag.name); continue }
                default: break
                }
                i = next
                continue
            }
            var decoded: [UInt8]?
            var next = i + 1
            if c == 0x26, let (d, after) = HTMLLinkedText.entity(b, i, n) {
                (decoded, next) = (d, after)
            } else if c == 0xC2, i + 1 < n, b[i + 1] == 0xA0 {
                (decoded, next) = ([ASCII.space], i + 2)
            } else if c == ASCII.cr {
                i += 1
                continue
            } else if pre == 0, c == ASCII.space || c == ASCII.tab || c == ASCII.lf {
                space = true
                i += 1
                continue
            }
            if pre == 0, space, let last = text.last, last != ASCII.lf { text.append(ASCII.space) }
            space = false
            if let decoded {
                text.append(contentsOf: decoded == [0xC2, 0xA0] ? [ASCII.space] : decoded)
            } else {
                text.append(c)
            }
            i = next
        }
        for k in open { links[k].text = links[k].text.lowerBound..<text.count }
    }

    /// Ends the line, dropping the spaces before the break.
    private mutating func newline(_ space: inout Bool) {
        let before = text.count
        while text.last == ASCII.space { text.removeLast() }
        if text.count < before {
            // A link whose text ended in the dropped spaces ends at the break.
            for k in links.indices where links[k].text.upperBound > text.count {
                links[k].text = min(links[k].text.lowerBound, text.count)..<text.count
            }
        }
        text.append(ASCII.lf)
        space = false
    }

    /// Ends the line unless it is empty.
    private mutating func endLine(_ space: inout Bool) {
        if let last = text.last, last != ASCII.lf { newline(&space) }
    }

    func string(_ r: Range<Int>) -> String { String(decoding: text[r], as: UTF8.self) }

    struct Tag {
        var name: String
        var closing: Bool
        var attributes: [String: String]
    }

    /// The tag starting at `i` (`<`) and the offset after its `>`; nil when `<` does not open a
    /// tag (then it is text). Comments and declarations come back as a tag named `!`.
    static func tag(_ b: Bytes, _ i: Int, _ n: Int) -> (Tag, Int)? {
        var p = i + 1
        guard p < n else { return nil }
        if b[p] == 0x21 {  // <!-- ... --> or <!DOCTYPE ...>
            if p + 2 < n, b[p + 1] == ASCII.dash, b[p + 2] == ASCII.dash {
                var q = p + 3
                while q + 2 < n, !(b[q] == ASCII.dash && b[q + 1] == ASCII.dash && b[q + 2] == 0x3E) { q += 1 }
                return (Tag(name: "!", closing: false, attributes: [:]), min(n, q + 3))
            }
            var q = p
            while q < n, b[q] != 0x3E { q += 1 }
            return (Tag(name: "!", closing: false, attributes: [:]), min(n, q + 1))
        }
        // A tag is short: a `<` without a `>` in the next few kilobytes is text (which also keeps
        // a page of unclosed `<a`s from being scanned to its end once per `<`).
        let limit = min(n, i + 4096)
        var closing = false
        if b[p] == 0x2F { closing = true; p += 1 }
        let nameStart = p
        while p < limit, isNameByte(b[p]) { p += 1 }
        guard p > nameStart else { return nil }
        let name = String(decoding: UnsafeBufferPointer(rebasing: b[nameStart..<p]), as: UTF8.self).lowercased()
        var attributes: [String: String] = [:]
        while p < limit {
            while p < limit, ASCII.isSpace(b[p]) || b[p] == 0x2F { p += 1 }
            guard p < limit else { break }
            if b[p] == 0x3E { return (Tag(name: name, closing: closing, attributes: attributes), p + 1) }
            let a = p
            while p < limit, !ASCII.isSpace(b[p]), b[p] != 0x3D, b[p] != 0x3E, b[p] != 0x2F { p += 1 }
            let attr = String(decoding: UnsafeBufferPointer(rebasing: b[a..<p]), as: UTF8.self).lowercased()
            if p == a { p += 1; continue }
            while p < limit, ASCII.isSpace(b[p]) { p += 1 }
            guard p < limit, b[p] == 0x3D else { attributes[attr] = ""; continue }
            p += 1
            while p < limit, ASCII.isSpace(b[p]) { p += 1 }
            guard p < limit else { break }
            var v = p
            var end = p
            if b[p] == 0x22 || b[p] == 0x27 {
                let q = b[p]
                v = p + 1
                end = v
                while end < limit, b[end] != q { end += 1 }
                p = min(limit, end + 1)
            } else {
                while end < limit, !ASCII.isSpace(b[end]), b[end] != 0x3E { end += 1 }
                p = end
            }
            attributes[attr] = HTMLText.decodeEntities(String(decoding: UnsafeBufferPointer(rebasing: b[v..<end]), as: UTF8.self))
        }
        return nil
    }

    private static func isNameByte(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39)
    }

    /// Past the end tag of a `script` or `style` element opened before `i`.
    private static func skipElement(_ b: Bytes, _ i: Int, _ n: Int, name: String) -> Int {
        var p = i
        while p < n {
            if b[p] == 0x3C, p + 1 < n, b[p + 1] == 0x2F, let (t, next) = tag(b, p, n), t.closing, t.name == name { return next }
            p += 1
        }
        return n
    }

    /// The UTF-8 of the entity at `i` (`&`) and the offset after its `;`, for the entities
    /// `HTMLText.decodeEntities` knows; nil leaves the `&` as text.
    static func entity(_ b: Bytes, _ i: Int, _ n: Int) -> ([UInt8], Int)? {
        var p = i + 1
        let limit = min(n, i + 12)
        while p < limit, b[p] != 0x3B, b[p] != 0x26, !ASCII.isSpace(b[p]) { p += 1 }
        guard p < limit, b[p] == 0x3B else { return nil }
        let raw = String(decoding: UnsafeBufferPointer(rebasing: b[i...p]), as: UTF8.self)
        let decoded = HTMLText.decodeEntities(raw)
        guard decoded != raw else { return nil }
        return (Array(decoded.utf8), p + 1)
    }
}

/// A public-inbox (lore.kernel.org) thread page, `/T/` (flat) or `/t/` (nested), saved as HTML:
/// every message of the thread in turn, each as
///
///     * Subject                                  (the `*` links to the message's footer, id=m…)
///       <the thread around it: the parent first, then `@ date name` for this message, ...>
///     From: Names @ 2025-06-27 15:46 UTC (permalink / raw)
///       To: names; +Cc: names
///
///     body
///
///     ^ permalink raw reply  [flat|nested] 26+ messages in thread
///
/// The page shows names but no addresses, and times to the minute in UTC; the Message-ID is in
/// the permalink, the parent is the first line of the thread lines (a link to its entry on the
/// page, or the Message-ID of a message the archive does not have). A search result page lists
/// entries the same way without thread lines; there an `In-Reply-To:` line names the parent.
enum HTMLThreadPage {
    struct Entry {
        var span: RawSpan
        var subject: String
        var from: Address
        var to: [Address]
        var cc: [Address]
        var date: Date?
        var rawDate: String
        var messageId: String
        var parent: String?
        var body: String
        var defects: [Defect]
    }

    struct Page {
        var entries: [Entry]
        /// Ancestors of each entry, oldest first (what its References would hold).
        var references: [[String]]
    }

    /// The page's messages when `b` from `p` is such a page (markup, and at least one entry).
    static func read(_ b: Bytes, _ p: Int) -> Page? {
        guard p < b.count, b[p] == 0x3C else { return nil }
        // A cheap test before taking the page apart: entries start with a `*` link.
        guard b.firstRange(of: ">*</a>", from: p) != nil else { return nil }
        let page = HTMLLinkedText(b, p..<b.count)
        let starts = page.links.indices.filter { k in
            let l = page.links[k]
            guard let id = l.id, id.count > 1, id.hasPrefix("m"), l.text.count == 1, page.text[l.text.lowerBound] == 0x2A else { return false }
            // At the start of a line.
            return l.text.lowerBound == 0 || page.text[l.text.lowerBound - 1] == ASCII.lf
        }
        guard !starts.isEmpty else { return nil }
        var entries: [Entry] = []
        var anchors: [String: String] = [:]
        var parentAnchor: [String?] = []
        for (j, k) in starts.enumerated() {
            let startLink = page.links[k]
            let textEnd = j + 1 < starts.count ? page.links[starts[j + 1]].text.lowerBound : page.text.count
            let sourceEnd = j + 1 < starts.count ? page.links[starts[j + 1]].source : b.count
            let linkEnd = j + 1 < starts.count ? starts[j + 1] : page.links.count
            let (entry, parent) = entry(page, links: k..<linkEnd, text: startLink.text.lowerBound..<textEnd,
                                        span: RawSpan(start: startLink.source, contentStart: startLink.source, end: sourceEnd,
                                                      hasQuotedFrom: false))
            if let id = startLink.id { anchors[String(id.dropFirst())] = entry.messageId }
            entries.append(entry)
            parentAnchor.append(parent)
        }
        // Parents named by their anchor on the page become Message-IDs.
        for j in entries.indices {
            guard let a = parentAnchor[j] else { continue }
            if a.hasPrefix("#m") {
                entries[j].parent = anchors[String(a.dropFirst(2))]
            } else {
                entries[j].parent = a
            }
        }
        var byId: [String: Int] = [:]
        for (j, e) in entries.enumerated() where byId[e.messageId] == nil { byId[e.messageId] = j }
        let references = entries.map { e -> [String] in
            var chain: [String] = []
            var seen: Set<String> = [e.messageId]
            var next = e.parent
            while let id = next, seen.insert(id).inserted {
                chain.append(id)
                next = byId[id].flatMap { entries[$0].parent }
            }
            return chain.reversed()
        }
        return Page(entries: entries, references: references)
    }

    /// One entry: the message, and its parent as the page names it (`#m<anchor>` or a Message-ID).
    private static func entry(_ page: HTMLLinkedText, links: Range<Int>, text: Range<Int>, span: RawSpan) -> (Entry, String?) {
        // Lines of the entry as (start, end) in the page text.
        var lines: [Range<Int>] = []
        var s = text.lowerBound
        for i in text where page.text[i] == ASCII.lf {
            lines.append(s..<i)
            s = i + 1
        }
        if s < text.upperBound { lines.append(s..<text.upperBound) }
        func line(_ k: Int) -> String { page.string(lines[k]) }
        func linksIn(_ r: Range<Int>) -> [HTMLLinkedText.Link] {
            page.links[links].filter { r.contains($0.text.lowerBound) }
        }
        var defects = [Defect(kind: .other, offset: span.start,
                              detail: "list archive thread page: the message is read from its text rendering (names without addresses, time to the minute)")]
        let subject = lines.isEmpty ? "" : Text.collapseSpaces(String(line(0).dropFirst(2)))

        // The thread lines: the parent comes first when there is one, before this message's `@` line.
        var parent: String?
        if lines.count > 1 {
            let first = line(1)
            if !first.hasPrefix("@ "), !first.hasPrefix("From: ") {
                let found = linksIn(lines[1])
                // `#m<anchor>`, or the page's own URL then `#m<anchor>` when a browser made links absolute.
                if let href = found.lazy.compactMap({ $0.href.flatMap(pageAnchor) }).first {
                    parent = href
                } else if first.contains("[not found]"), let l = found.last {
                    let id = Text.trim(page.string(l.text)).trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
                    if !id.isEmpty { parent = id }
                }
            }
        }

        // The From line: names, `@ date UTC`, permalink.
        var k = 1
        while k < lines.count, !line(k).hasPrefix("From: ") { k += 1 }
        var names = ""
        var rawDate = ""
        var date: Date?
        var messageId: String?
        var to: [Address] = []
        var cc: [Address] = []
        var bodyStart = lines.count
        if k < lines.count {
            let from = line(k).dropFirst(6)
            if let at = from.range(of: " @ ", options: .backwards) {
                names = String(from[..<at.lowerBound])
                let rest = from[at.upperBound...]
                let stamp = rest.range(of: " UTC").map { rest[..<$0.upperBound] } ?? rest.prefix { $0 != "(" }
                rawDate = Text.trim(String(stamp))
                date = parseStamp(rawDate)
            } else {
                names = String(from.prefix { $0 != "(" })
            }
            if let permalink = linksIn(lines[k]).first(where: { page.string($0.text) == "permalink" }), let href = permalink.href {
                messageId = midFromHref(href)
            }
            // Recipient lines, folded with tabs, up to the blank line before the body.
            var kind = ""
            var j = k + 1
            while j < lines.count, !Text.trim(line(j)).isEmpty {
                let l = line(j)
                var value = Substring(l)
                if l.hasPrefix("  To: ") { kind = "to"; value = value.dropFirst(6) }
                else if l.hasPrefix("  Cc: ") { kind = "cc"; value = value.dropFirst(6) }
                else if l.hasPrefix("In-Reply-To: ") {
                    // Shown where the page has no thread lines (search results): the parent itself.
                    let id = Text.trim(String(l.dropFirst(13))).trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
                    if parent == nil, !id.isEmpty { parent = id }
                    kind = ""
                    value = ""
                }
                else if !(l.hasPrefix("\t") || l.hasPrefix(" ")) { break }
                var parts = value.components(separatedBy: "; +Cc: ")
                if parts.count == 2, kind == "to" {
                    to += nameList(parts[0])
                    cc += nameList(parts[1])
                    kind = "cc"
                    parts = []
                }
                if let v = parts.first {
                    if kind == "to" { to += nameList(v) } else if kind == "cc" { cc += nameList(v) }
                }
                j += 1
            }
            bodyStart = j + 1
        } else {
            defects.append(Defect(kind: .malformedHeader, offset: span.start, detail: "thread page entry without a From line"))
        }
        // The body ends at the footer (`^ permalink raw reply`), one blank line before it dropped.
        var bodyEnd = lines.count
        if let footer = lines.indices.last(where: { $0 >= bodyStart && line($0).hasPrefix("^ permalink") }) { bodyEnd = footer }
        var body = ""
        if bodyStart < bodyEnd {
            var end = bodyEnd
            if end > bodyStart, lines[end - 1].isEmpty { end -= 1 }
            if end > bodyStart { body = page.string(lines[bodyStart].lowerBound..<lines[end - 1].upperBound) + "\n" }
        }
        let from = Address(name: Text.collapseSpaces(names), email: "")
        if date == nil {
            defects.append(Defect(kind: .invalidDate, offset: span.start, detail: "unparseable date \"\(rawDate)\""))
        }
        let id: String
        if let messageId, !messageId.isEmpty {
            id = messageId
        } else {
            id = MessageParser.synthesiseId(subject: subject, from: from, date: rawDate, body: body)
            defects.append(Defect(kind: .missingMessageId, offset: span.start,
                                  detail: "thread page entry without a permalink; synthesised \(id)"))
        }
        return (Entry(span: span, subject: subject, from: from, to: to, cc: cc, date: date, rawDate: rawDate,
                      messageId: id, parent: nil, body: body, defects: defects), parent)
    }

    /// `#m<anchor>` of a link to an entry on the same page, nil for any other link.
    static func pageAnchor(_ href: String) -> String? {
        guard let hash = href.lastIndex(of: "#") else { return nil }
        let fragment = href[hash...]
        return fragment.hasPrefix("#m") && fragment.count > 2 ? String(fragment) : nil
    }

    /// The page entry as a message.
    static func message(_ page: Page, index: Int) -> Message {
        let e = page.entries[index]
        let refs = page.references[index]
        var headers = [Header(name: "Subject", value: e.subject), Header(name: "From", value: e.from.name),
                       Header(name: "Date", value: e.rawDate), Header(name: "Message-ID", value: "<\(e.messageId)>")]
        if let p = e.parent {
            headers.append(Header(name: "In-Reply-To", value: "<\(p)>"))
            headers.append(Header(name: "References", value: refs.map { "<\($0)>" }.joined(separator: " ")))
        }
        return Message(messageId: e.messageId, subject: e.subject, from: e.from, to: e.to, cc: e.cc, date: e.date,
                       rawDate: e.rawDate, inReplyTo: e.parent, references: refs, headers: headers, body: e.body,
                       parts: [BodyPart(contentType: "text/plain", charset: "utf-8", text: e.body, inBody: true)],
                       defects: e.defects, offset: e.span.start, length: e.span.end - e.span.start)
    }

    /// `a, b, c` as name-only addresses.
    private static func nameList(_ s: String) -> [Address] {
        s.components(separatedBy: ", ").map { Text.collapseSpaces($0) }.filter { !$0.isEmpty }
            .map { Address(name: $0, email: "") }
    }

    /// `2025-06-27 15:46 UTC`, the hour space-padded below ten (`2025-06-29  8:50`), as
    /// public-inbox's `fmt_ts` writes it; the zone is always UTC.
    static func parseStamp(_ s: String) -> Date? {
        let fields = s.split(whereSeparator: { $0 == " " || $0 == "-" || $0 == ":" })
        guard fields.count >= 5, fields.count <= 6, fields.count == 5 || fields[5] == "UTC",
              fields[0].count == 4, let y = Int(fields[0]), let mo = Int(fields[1]), let d = Int(fields[2]),
              let h = Int(fields[3]), let mi = Int(fields[4]), fields[4].count == 2,
              (1...12).contains(mo), (1...31).contains(d), (0..<24).contains(h), (0..<60).contains(mi) else { return nil }
        var c = DateComponents()
        (c.year, c.month, c.day, c.hour, c.minute) = (y, mo, d, h, mi)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        guard let date = cal.date(from: c), cal.component(.day, from: date) == d else { return nil }
        return date
    }

    /// The Message-ID in a permalink (`../../<mid>/`, or an absolute URL ending so), percent-decoded.
    static func midFromHref(_ href: String) -> String? {
        var h = Substring(href)
        if let hash = h.firstIndex(of: "#") { h = h[..<hash] }
        while h.hasSuffix("/") { h = h.dropLast() }
        guard let last = h.split(separator: "/", omittingEmptySubsequences: false).last, !last.isEmpty, last != ".." else { return nil }
        return String(last).removingPercentEncoding ?? String(last)
    }
}
