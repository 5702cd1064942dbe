import Foundation

/// Where one message lies in the input.
struct RawSpan: Equatable {
    /// Start of the message (its `From ` separator line when there is one).
    var start: Int
    /// First byte of the message proper (after the separator line).
    var contentStart: Int
    /// One past the last byte.
    var end: Int
    /// Whether some line in it starts with `>From ` / `>>From ` (mboxrd unescaping candidates).
    var hasQuotedFrom: Bool
}

/// Finds message boundaries in a byte buffer: format detection and mbox splitting.
enum Splitter {
    struct Result {
        var format: InputFormat
        var spans: [RawSpan]
        var defects: [Defect]
        /// For `gitLog`: each commit's patch number and where the series starts.
        var commits: GitText.Plan?
        /// For `webArchiveThreadHTML`: the page's messages, read when it was split.
        var threadPage: HTMLThreadPage.Page?
    }

    /// Why the bytes are not mail at all.
    enum Rejection: Error, Equatable {
        case empty
        case notMail(offset: Int, detail: String)
    }

    /// git mailsplit's separator rule: `From ` then anything, and the line's last `:` must sit in
    /// a `d?dd:dd` time followed by a year above 90. `end` is one past the line's `\n` (if any).
    @inline(__always)
    static func isFromLine(_ b: Bytes, _ start: Int, _ end: Int) -> Bool {
        let len = end - start
        guard len >= 20, b[start] == 0x46, b.hasPrefix("From ", at: start, to: end) else { return false }
        var colon = start + len - 2
        let lower = start + 5
        while true {
            if colon < lower { return false }
            colon -= 1
            if b[colon] == ASCII.colon { break }
        }
        guard ASCII.isDigit(b[colon - 4]), ASCII.isDigit(b[colon - 2]), ASCII.isDigit(b[colon - 1]),
              ASCII.isDigit(b[colon + 1]), ASCII.isDigit(b[colon + 2]) else { return false }
        // strtol(colon + 3): leading white space, optional sign, digits.
        var p = colon + 3
        while p < end, ASCII.isSpace(b[p]) { p += 1 }
        var negative = false
        if p < end, b[p] == 0x2B || b[p] == ASCII.dash { negative = b[p] == ASCII.dash; p += 1 }
        var year = 0
        while p < end, ASCII.isDigit(b[p]), year < 100_000 { year = year * 10 + Int(b[p] - 0x30); p += 1 }
        return !negative && year > 90
    }

    /// Whether the line `start..<end` is `>From `, `>>From `, ... (an mboxrd-escaped line).
    @inline(__always)
    static func isQuotedFrom(_ b: Bytes, _ start: Int, _ end: Int) -> Bool {
        var p = start
        while p < end, b[p] == ASCII.greater { p += 1 }
        return p > start && b.hasPrefix("From ", at: p, to: end)
    }

    /// Line bounds: returns (contentEnd without CR/LF, next line start).
    @inline(__always)
    static func line(_ b: Bytes, _ start: Int, _ end: Int) -> (Int, Int) {
        let next = b.lineEnd(from: start, to: end)
        var e = next
        if e > start, b[e - 1] == ASCII.lf { e -= 1 }
        if e > start, b[e - 1] == ASCII.cr { e -= 1 }
        return (e, next)
    }

    /// Detects the format and splits. `base` is added to offsets in defects.
    /// `release` is called now and then with a range of bytes that are no longer needed.
    static func split(_ b: Bytes, release: ((Range<Int>) -> Void)? = nil) throws(Rejection) -> Result {
        let n = b.count
        var p = 0
        // A UTF-8 byte order mark (editors on Windows, some browsers' saved pages) is not text.
        if n >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { p = 3 }
        while p < n, ASCII.isSpace(b[p]) { p += 1 }
        guard p < n else { throw .empty }
        let (firstEnd, firstNext) = line(b, p, n)
        if isFromLine(b, p, firstNext) {
            return splitMbox(b, from: p, defects: [], release: release)
        }
        if isWebArchive(b, p) {
            return Result(format: .webArchiveText, spans: [RawSpan(start: p, contentStart: p, end: n, hasQuotedFrom: false)], defects: [])
        }
        if let page = CommentedArchivePage.span(b, p) {
            return Result(format: .webArchiveMHonArc, spans: [page], defects: [])
        }
        if let page = HTMLArchive.span(b, p) {
            return Result(format: .webArchiveHTML, spans: [page], defects: [])
        }
        if let page = HTMLThreadPage.read(b, p) {
            return Result(format: .webArchiveThreadHTML, spans: page.entries.map(\.span), defects: [], threadPage: page)
        }
        if GitText.isCommitLine(b, p, firstEnd) {
            return GitText.splitLog(b, from: p)
        }
        if GitText.isBareDiff(b, p) {
            return Result(format: .bareDiff, spans: [RawSpan(start: p, contentStart: p, end: n, hasQuotedFrom: false)], defects: [])
        }
        if HeaderBlock.isFieldLine(b, p, firstEnd) {
            return Result(format: .singleMessage,
                          spans: [RawSpan(start: p, contentStart: p, end: n, hasQuotedFrom: false)], defects: [])
        }
        // A preamble such as `$ git format-patch ...`: skip to the first separator line.
        var q = firstNext
        while q < n {
            let next = b.lineEnd(from: q, to: n)
            if b[q] == 0x46, isFromLine(b, q, next) {
                let d = Defect(kind: .other, offset: p,
                               detail: "\(q - p) bytes before the first message separator skipped")
                return splitMbox(b, from: q, defects: [d], release: release)
            }
            q = next
        }
        // Junk above a header block: a mangled envelope line (`From someone` without a date)
        // directly above any header, or a few lines of page text (a list archive page saved or
        // copied as text: `linux-mm.kvack.org archive mirror`, `search help / color / ...`) above
        // a `From:` header followed by another header. One message, the junk skipped.
        var r = firstNext
        for skipped in 1...12 {
            guard r < n else { break }
            let (e, next) = line(b, r, n)
            var junk: Defect?
            if skipped == 1, HeaderBlock.isFieldLine(b, r, e) {
                junk = Defect(kind: .malformedHeader, offset: p, detail: "first line is neither a message separator nor a header; skipped")
            } else if b.hasPrefix("From:", at: r, to: e), next < n, HeaderBlock.isFieldLine(b, next, line(b, next, n).0) {
                junk = Defect(kind: .other, offset: p, detail: "\(r - p) bytes of page text before the headers skipped")
            }
            if let junk {
                return Result(format: .singleMessage, spans: [RawSpan(start: p, contentStart: r, end: n, hasQuotedFrom: false)],
                              defects: [junk])
            }
            r = next
        }
        if b.firstRange(of: "\n^ permalink raw reply", from: p) != nil {
            throw .notMail(offset: p, detail: "not mail: a list archive's thread page saved as text, which shows no Message-IDs;"
                + " save the page as HTML (patchlab reads the whole thread from it) or download its mbox.gz")
        }
        let shown = String(decoding: UnsafeBufferPointer(rebasing: b[p..<min(firstEnd, p + 40)]), as: UTF8.self)
        throw .notMail(offset: p, detail: "not mail: no mbox separator or header at the start (\"\(MailboxRendering.sanitise(shown))\")")
    }

    /// `Subject line` / `From: Name` / `Date:  Mon Jun 30 2025 - 06:17:33 EST` archive rendering.
    static func isWebArchive(_ b: Bytes, _ p: Int) -> Bool {
        let n = b.count
        let (_, l2) = line(b, p, n)
        guard l2 < n else { return false }
        let (e2, l3) = line(b, l2, n)
        guard l3 < n, b.hasPrefix("From:", at: l2, to: e2) else { return false }
        let (e3, _) = line(b, l3, n)
        guard b.hasPrefix("Date:", at: l3, to: e3) else { return false }
        let dateText = String(decoding: UnsafeBufferPointer(rebasing: b[(l3 + 5)..<e3]), as: UTF8.self)
        return dateText.contains(" - ") && DateParser.parse(dateText) != nil
    }

    /// Splits an mbox starting at a separator line at `from`.
    static func splitMbox(_ b: Bytes, from: Int, defects initial: [Defect], release: ((Range<Int>) -> Void)? = nil) -> Result {
        let n = b.count
        var spans: [RawSpan] = []
        var defects = initial
        var sawQuotedFrom = false
        var sawDoubleQuoted = false
        var usedContentLength = false
        var start = from
        var quoted = false
        var contentStart = b.lineEnd(from: from, to: n)
        var pos = contentStart
        // Content-Length of the current message, checked once its headers end.
        var checkedHeaders = false
        var lastRelease = 0
        while pos < n {
            if !checkedHeaders {
                checkedHeaders = true
                if let jump = contentLengthEnd(b, contentStart: contentStart, messageStart: start, defects: &defects) {
                    usedContentLength = true
                    pos = jump
                    if pos >= n { break }
                    // `jump` is a separator line start by construction.
                    spans.append(RawSpan(start: start, contentStart: contentStart, end: pos, hasQuotedFrom: quoted))
                    start = pos
                    quoted = false
                    contentStart = b.lineEnd(from: pos, to: n)
                    pos = contentStart
                    checkedHeaders = false
                    continue
                }
            }
            let next = b.lineEnd(from: pos, to: n)
            let c = b[pos]
            if c == 0x46 {
                if isFromLine(b, pos, next) {
                    spans.append(RawSpan(start: start, contentStart: contentStart, end: pos, hasQuotedFrom: quoted))
                    if let release, pos - lastRelease > MailReader.releaseStride {
                        release(lastRelease..<pos)
                        lastRelease = pos
                    }
                    start = pos
                    quoted = false
                    contentStart = next
                    checkedHeaders = false
                }
            } else if c == ASCII.greater, isQuotedFrom(b, pos, next) {
                quoted = true
                sawQuotedFrom = true
                if pos + 1 < next, b[pos + 1] == ASCII.greater { sawDoubleQuoted = true }
            }
            pos = next
        }
        spans.append(RawSpan(start: start, contentStart: contentStart, end: n, hasQuotedFrom: quoted))
        let format: InputFormat
        if usedContentLength {
            format = sawQuotedFrom ? .mboxcl : .mboxcl2
        } else {
            format = sawDoubleQuoted ? .mboxrd : .mboxo
        }
        return Result(format: format, spans: spans, defects: defects)
    }

    /// When the headers starting at `contentStart` carry a `Content-Length` that points exactly at
    /// the next separator (or the end), returns that position; a mismatch records a defect.
    private static func contentLengthEnd(_ b: Bytes, contentStart: Int, messageStart: Int, defects: inout [Defect]) -> Int? {
        let n = b.count
        var p = contentStart
        var length: Int?
        while p < n {
            let (e, next) = line(b, p, n)
            if e == p { p = next; break }
            if (b[p] == 0x43 || b[p] == 0x63), e - p > 15 {
                var match = true
                let name: StaticString = "content-length:"
                let count = name.utf8CodeUnitCount
                for k in 0..<count where ASCII.lower(b[p + k]) != name.utf8Start[k] { match = false; break }
                if match {
                    var q = p + count
                    while q < e, b[q] == ASCII.space || b[q] == ASCII.tab { q += 1 }
                    var v = 0
                    var digits = 0
                    while q < e, ASCII.isDigit(b[q]), digits < 15 { v = v * 10 + Int(b[q] - 0x30); q += 1; digits += 1 }
                    if digits > 0 { length = v }
                }
            }
            p = next
            if p - contentStart > 256 * 1024 { return nil }
        }
        guard let len = length else { return nil }
        let bodyEnd = p + len
        if bodyEnd == n { return n }
        if bodyEnd < n {
            var q = bodyEnd
            if b[q] == ASCII.lf { q += 1 } else if b[q] == ASCII.cr, q + 1 < n, b[q + 1] == ASCII.lf { q += 2 }
            if q == n { return n }
            if isFromLine(b, q, b.lineEnd(from: q, to: n)) { return q }
        }
        defects.append(Defect(kind: .contentLengthMismatch, offset: messageStart,
                              detail: "Content-Length \(len) does not end at a message separator; ignored"))
        return nil
    }
}
