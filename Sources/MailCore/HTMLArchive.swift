import Foundation

/// A list archive's HTML page of one message, as public-inbox (lore.kernel.org) serves it and a
/// browser saves it: the message is the first `<pre id=b>` block, its header lines (`From:`,
/// `Subject:`, `Date:`, `Message-ID:`, ...) then the body, marked up with links and spans.
/// The block is turned back into text (tags dropped, entities decoded, lore's `(raw)` and
/// `[thread overview]` link texts removed) and parsed as the message it shows.
enum HTMLArchive {
    /// The page's span when the input is such a page (it starts with markup and has a message
    /// block): from the page's start, its content being the block.
    static func span(_ b: Bytes, _ p: Int) -> RawSpan? {
        guard p < b.count, b[p] == 0x3C, let block = messageBlock(b, from: p) else { return nil }
        return RawSpan(start: p, contentStart: block.lowerBound, end: block.upperBound, hasQuotedFrom: false)
    }

    /// The bytes inside the first `<pre id=b>` element (public-inbox writes `<pre\nid=b>`; a
    /// browser that saves the page again writes `<pre id="b">`).
    static func messageBlock(_ b: Bytes, from p: Int) -> Range<Int>? {
        let n = b.count
        var from = p
        while case let start = b.find(ASCII.less, from: from, to: n), start < n {
            from = start + 1
            guard start + 4 < n, b[start + 1] | 0x20 == 0x70, b[start + 2] | 0x20 == 0x72, b[start + 3] | 0x20 == 0x65,
                  let (tag, contentStart) = HTMLLinkedText.tag(b, start, n), tag.name == "pre", !tag.closing,
                  tag.attributes["id"] == "b" else { continue }
            let end = b.firstRange(of: "</pre>", from: contentStart)?.lowerBound ?? n
            return contentStart..<end
        }
        return nil
    }

    /// The message the page shows (`span` as `span(_:_:)` gives it), parsed from its text
    /// (headers made eagerly: they are not bytes of the input).
    static func message(_ b: Bytes, span: RawSpan) -> Message {
        let block = span.contentStart..<span.end
        let html = Text.string(b, block).0
        var lines = HTMLText.strip(html).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Header lines end at the first blank line; lore appends link texts to two of them.
        var k = 0
        while k < lines.count, !lines[k].trimmingCharacters(in: .whitespaces).isEmpty {
            var l = lines[k]
            if l.hasSuffix(" (raw)") { l.removeLast(6) }
            if let overview = l.range(of: "[thread overview]") { l = String(l[..<overview.lowerBound]) }
            lines[k] = l.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            k += 1
        }
        let text = lines.joined(separator: "\n")
        let bytes = Array(text.utf8)
        var message = bytes.withUnsafeBufferPointer { t in
            MessageParser.parse(t, span: RawSpan(start: 0, contentStart: 0, end: t.count, hasQuotedFrom: false),
                                format: .singleMessage)
        }
        message.offset = span.start
        message.length = span.end - span.start
        var defects = message.defects.map { d -> Defect in
            var d = d
            d.offset = block.lowerBound  // offsets in the text are not offsets in the page
            return d
        }
        defects.insert(Defect(kind: .other, offset: block.lowerBound,
                              detail: "list archive HTML page: the message is read from its text rendering"), at: 0)
        message.defects = defects
        return message
    }
}
