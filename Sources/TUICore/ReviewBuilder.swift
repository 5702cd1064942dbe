import Foundation
import Linking
import MailCore
import ReviewCore

/// Builds the display model (`ReviewView`) from the mail and review layers: the series tree, one
/// view per message with comments inline under the lines they answer, and the comment index
/// with links. Runs once per input; scrolling never re-parses.
public enum ReviewViewBuilder {
    private static let dateFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f
    }()

    /// `2025-06-30 10:29` in UTC, or the raw text when the date was unparseable.
    static func format(_ date: Date?, raw: String = "") -> String {
        guard let date else { return Sanitizer.clean(raw) }
        return civilUTC(date) ?? dateFormatter.string(from: date)
    }

    /// `yyyy-MM-dd HH:mm` in UTC by integer arithmetic (proleptic Gregorian days from the
    /// epoch); nil outside 1970...9999, where the formatter's calendar rules are left to decide.
    static func civilUTC(_ date: Date) -> String? {
        let t = date.timeIntervalSince1970
        guard t >= 0, t < 253_402_300_799 else { return nil }
        let secs = Int((t * 1000).rounded()) / 1000  // nearest millisecond first, as the formatter does
        let days = secs / 86_400
        let minuteOfDay = (secs % 86_400) / 60
        // Days to civil date (era-based, March-first years).
        let z = days + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        func put(_ n: Int, _ width: Int) {
            var div = 1
            for _ in 1..<width { div *= 10 }
            while div > 0 { bytes.append(UInt8(0x30 + (n / div) % 10)); div /= 10 }
        }
        put(year, 4); bytes.append(0x2D); put(month, 2); bytes.append(0x2D); put(day, 2)
        bytes.append(0x20); put(minuteOfDay / 60, 2); bytes.append(0x3A); put(minuteOfDay % 60, 2)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func name(_ a: Address) -> String {
        Sanitizer.clean(a.name.isEmpty ? a.email : a.name)
    }

    static func badges(_ trailers: [Trailer]) -> [String] {
        var out: [String] = []
        for (full, short) in [("Reviewed-by", "R-b"), ("Acked-by", "A-b"), ("Tested-by", "T-b")] {
            let n = Set(trailers.filter { $0.name.caseInsensitiveCompare(full) == .orderedSame }.map(\.value)).count
            if n == 1 { out.append(short) } else if n > 1 { out.append("\(short)×\(n)") }
        }
        return out
    }

    /// Builds the view.
    /// - Parameters:
    ///   - mailbox: the messages as read.
    ///   - review: series, patches and anchored comments (may be empty: then messages only).
    ///   - linker: finds links in comment and diff text.
    ///   - manualLinks: reviewer-made links keyed by comment id (`messageId#ordinal`).
    ///   - title: shown in the status line at start.
    public static func build(mailbox: Mailbox, review: Review, linker: Linker = Linker(),
                             manualLinks: [String: [Link]] = [:], title: String) -> ReviewView {
        var b = Builder(mailbox: mailbox, review: review, linker: linker, manualLinks: manualLinks)
        b.run()
        var defects = mailbox.defects.map(\.description)
        for m in mailbox.messages where !m.defects.isEmpty { defects.append("<\(m.messageId)>: \(m.defects.count) defect(s)") }
        defects += review.defects.map(\.description)
        return ReviewView(title: title, entries: b.entries, messages: b.views, comments: b.comments, defects: defects)
    }

    /// Display lines of a plain message body: quotes, diff headers, hunks with line numbers,
    /// trailers and text, all sanitised.
    static func bodyLines(_ body: String) -> [ReviewLine] {
            var lines: [ReviewLine] = []
            var oldN = 0, newN = 0, inHunk = false
            for raw in Sanitizer.rawLines(body) {
                let text = Sanitizer.clean(raw)
                if raw.hasPrefix(">") {
                    lines.append(ReviewLine(.quote, text))
                } else if raw.hasPrefix("diff --git ") || raw.hasPrefix("--- a/") || raw.hasPrefix("+++ b/") || raw.hasPrefix("Index: ") {
                    inHunk = false
                    lines.append(ReviewLine(.fileHeader, text))
                } else if raw.hasPrefix("@@ ") {
                    let nums = Builder.hunkStarts(raw)
                    oldN = nums.0
                    newN = nums.1
                    inHunk = true
                    lines.append(ReviewLine(.hunkHeader, text))
                } else if inHunk && raw.hasPrefix("+") {
                    lines.append(ReviewLine(.added, text, new: newN))
                    newN += 1
                } else if inHunk && raw.hasPrefix("-") && raw != "-- " {
                    lines.append(ReviewLine(.removed, text, old: oldN))
                    oldN += 1
                } else if inHunk && raw.hasPrefix(" ") {
                    lines.append(ReviewLine(.context, text, old: oldN, new: newN))
                    oldN += 1
                    newN += 1
                } else {
                    inHunk = false
                    let t = raw.trimmingCharacters(in: .whitespaces)
                    let isTrailer = ["Reviewed-by:", "Acked-by:", "Tested-by:", "Signed-off-by:", "Fixes:", "Link:", "Cc:"]
                        .contains { t.hasPrefix($0) }
                    lines.append(ReviewLine(isTrailer ? .trailer : .text, text))
                }
            }
            return lines
    }


    /// The header rows of a message view.
    static func header(_ author: String, _ date: String, _ subject: String) -> [ReviewLine] {
        [ReviewLine(.header, "From: " + author), ReviewLine(.header, "Date: " + date),
         ReviewLine(.header, "Subject: " + subject), ReviewLine(.separator, "")]
    }

    /// The first non-blank line of `text`, trimmed and sanitised (a comment's one-line summary).
    static func summary(_ text: String) -> String {
        // Byte scan for the common case (LF lines, ASCII blanks at both ends of the chosen line);
        // anything else (CR, non-ASCII at a line's edge) takes Foundation's Unicode trim.
        if !text.utf8.contains(0x0D), let fast = text.utf8.withContiguousStorageIfAvailable({ buf -> String? in
            let n = buf.count
            var start = 0
            while start <= n {
                var end = start
                while end < n && buf[end] != 0x0A { end += 1 }
                var a = start, b = end
                while a < b && (buf[a] == 0x20 || buf[a] == 0x09) { a += 1 }
                while b > a && (buf[b - 1] == 0x20 || buf[b - 1] == 0x09) { b -= 1 }
                if a < b {
                    if buf[a] >= 0x80 || buf[b - 1] >= 0x80 { return nil }
                    if a == 0 && b == n { return Sanitizer.clean(text) }
                    return Sanitizer.clean(String(decoding: UnsafeBufferPointer(rebasing: buf[a..<b]), as: UTF8.self))
                }
                start = end + 1
            }
            return ""
        }), let s = fast {
            return s
        }
        let first = text.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
        return Sanitizer.clean(String(first.trimmingCharacters(in: .whitespaces)))
    }

    /// `line.trimmingCharacters(in: .whitespaces).isEmpty`, decided on bytes unless the line
    /// holds only blanks and non-ASCII (then Foundation decides).
    static func isBlank(_ line: String) -> Bool {
        var ascii = true
        for b in line.utf8 {
            if b == 0x20 || b == 0x09 { continue }
            if b < 0x80 { return false }
            ascii = false
        }
        return ascii || line.trimmingCharacters(in: .whitespaces).isEmpty
    }

    private struct Builder {
        let mailbox: Mailbox
        let review: Review
        let linker: Linker
        let manualLinks: [String: [Link]]
        var views: [MessageView] = []
        var entries: [TreeEntry] = []
        var comments: [CommentRef] = []
        var indexByID: [String: Int] = [:]
        var placed = Set<Int>()
        var commentsByPatch: [String: [Int]] = [:]
        var commentsByMessage: [String: [Int]] = [:]

        init(mailbox: Mailbox, review: Review, linker: Linker, manualLinks: [String: [Link]]) {
            self.mailbox = mailbox
            self.review = review
            self.linker = linker
            self.manualLinks = manualLinks
        }

        mutating func run() {
            var replaced = Set<String>()
            for s in review.series {
                for v in s.versions {
                    if let c = v.cover { replaced.insert(c.messageId) }
                    for p in v.patches { replaced.insert(p.messageId) }
                }
            }
            for (i, m) in mailbox.messages.enumerated() {
                indexByID[m.messageId] = i
                views.append(replaced.contains(m.messageId) ? MessageView(messageID: m.messageId, subject: Sanitizer.clean(m.subject),
                                                                         author: "", date: "", isPatch: true, lines: [])
                                                            : genericView(m))
            }
            for (ci, c) in review.comments.enumerated() {
                if let p = c.anchor.patch { commentsByPatch[p, default: []].append(ci) }
                commentsByMessage[c.messageId, default: []].append(ci)
            }
            // By comment index (an array: a thread can have hundreds of thousands of comments).
            var commentRefs = [CommentRef?](repeating: nil, count: review.comments.count)
            textLinks.reserveCapacity(review.comments.count)
            for s in review.series {
                for v in s.versions {
                    if let cover = v.cover { placeCover(cover, &commentRefs) }
                    for p in v.patches { placePatch(p, &commentRefs) }
                }
            }
            // Comments whose target is not shown as a patch point at their own reply message.
            for (ci, c) in review.comments.enumerated() where commentRefs[ci] == nil {
                let m = indexByID[c.messageId] ?? 0
                commentRefs[ci] = CommentRef(message: m, line: 0, author: ReviewViewBuilder.name(c.author),
                                             summary: summary(c.text), links: links(for: c))
            }
            comments = review.comments.indices.compactMap { commentRefs[$0] }
            buildTree()
        }

        func summary(_ text: String) -> String {
            ReviewViewBuilder.summary(text)
        }

        /// Links found in a comment's text and in its quoted text, by text: replies often repeat
        /// the same quote (and short texts such as "Thanks"), so each distinct text is linked once.
        var textLinks: [String: [Link]] = [:]
        var quoteLinks: [[Substring]: [Link]] = [:]

        mutating func links(for c: Comment) -> [Link] {
            var out: [Link]
            if let cached = textLinks[c.text] { out = cached } else {
                out = linker.links(in: c.text)
                textLinks[c.text] = out
            }
            var seen = Set(out.map(\.target))
            let inQuote: [Link]
            if let cached = quoteLinks[c.quoted] { inQuote = cached } else {
                inQuote = linker.links(in: c.quoted.joined(separator: "\n"), phrases: false)
                quoteLinks[c.quoted] = inQuote
            }
            for l in inQuote where seen.insert(l.target).inserted {
                var q = l
                q.reason = "in the quoted text: " + l.reason
                out.append(q)
            }
            for l in manualLinks[c.id] ?? [] where seen.insert(l.target).inserted { out.append(l) }
            return out
        }

        func header(_ author: String, _ date: String, _ subject: String) -> [ReviewLine] {
            ReviewViewBuilder.header(author, date, subject)
        }

        func genericView(_ m: Message) -> MessageView {
            let author = ReviewViewBuilder.name(m.from) + (m.from.email.isEmpty ? "" : " <" + Sanitizer.clean(m.from.email) + ">")
            var view = MessageView(messageID: m.messageId, subject: Sanitizer.clean(m.subject), author: ReviewViewBuilder.name(m.from),
                                   date: ReviewViewBuilder.format(m.date, raw: m.rawDate), isPatch: false,
                                   lines: header(author, ReviewViewBuilder.format(m.date, raw: m.rawDate), Sanitizer.clean(m.subject)))
            // The body is split into display lines only when the message is first shown.
            view.deferredBody = m.body
            return view
        }

        static func hunkStarts(_ header: String) -> (Int, Int) {
            // @@ -a,b +c,d @@
            var old = 0, new = 0
            for part in header.split(separator: " ") {
                if part.hasPrefix("-"), let n = Int(part.dropFirst().split(separator: ",").first ?? "") { old = n }
                if part.hasPrefix("+"), let n = Int(part.dropFirst().split(separator: ",").first ?? "") { new = n }
            }
            return (old, new)
        }

        /// Comment `ci` as a layout places it (its links found now: the comment index needs them).
        mutating func placedComment(_ ci: Int) -> PlacedComment {
            let c = review.comments[ci]
            return PlacedComment(index: ci, anchor: c.anchor,
                                 heading: ReviewViewBuilder.name(c.author) + ", " + ReviewViewBuilder.format(c.date),
                                 text: c.text, links: links(for: c))
        }

        /// Records where a layout put its comments (`line` -1: in a patch not laid out yet).
        mutating func record(_ placed: [PlacedComment], message: Int, rows: [Int: Int], _ refs: inout [CommentRef?]) {
            for c in placed {
                refs[c.index] = CommentRef(message: message, line: rows[c.index] ?? -1,
                                           author: ReviewViewBuilder.name(review.comments[c.index].author),
                                           summary: summary(c.text), links: c.links)
            }
        }

        /// The message index for a patch or cover: its own mail, or a new synthetic view.
        mutating func slot(_ id: String) -> Int {
            if let i = indexByID[id] { return i }
            views.append(MessageView(messageID: id, subject: "", author: "", date: "", isPatch: true, lines: []))
            indexByID[id] = views.count - 1
            return views.count - 1
        }

        mutating func placeCover(_ cover: CoverLetter, _ refs: inout [CommentRef?]) {
            let idx = slot(cover.messageId)
            placed.insert(idx)
            var mine: [PlacedComment] = []
            for ci in commentsByPatch[cover.messageId] ?? [] where refs[ci] == nil { mine.append(placedComment(ci)) }
            var layout = MessageLayout(linker: linker, header: header(ReviewViewBuilder.name(cover.author),
                                                                       ReviewViewBuilder.format(cover.date), Sanitizer.clean(cover.subject)))
            layout.appendParagraphs(cover.text, comments: mine)
            for c in mine where layout.placed[c.index] == nil { layout.append(c) }
            record(mine, message: idx, rows: layout.placed, &refs)
            views[idx] = MessageView(messageID: cover.messageId, subject: Sanitizer.clean(cover.subject),
                                     author: ReviewViewBuilder.name(cover.author), date: ReviewViewBuilder.format(cover.date),
                                     isPatch: false, lines: layout.lines)
        }

        /// A patch is laid out when first shown: its view keeps what the layout needs, and its
        /// comments point at it with their rows still unknown.
        mutating func placePatch(_ p: Patch, _ refs: inout [CommentRef?]) {
            let idx = slot(p.messageId)
            placed.insert(idx)
            var mine: [PlacedComment] = []
            for ci in commentsByPatch[p.messageId] ?? [] where refs[ci] == nil { mine.append(placedComment(ci)) }
            record(mine, message: idx, rows: [:], &refs)
            let subject = views[idx].subject.isEmpty ? Sanitizer.clean(p.subject) : views[idx].subject
            let author = ReviewViewBuilder.name(p.author), date = ReviewViewBuilder.format(p.date)
            var view = MessageView(messageID: p.messageId, subject: subject, author: author, date: date, isPatch: true, lines: [])
            view.deferredPatch = DeferredPatch(content: DeferredPatch.Content(patch: p, author: author, date: date,
                                                                              comments: mine, linker: linker))
            views[idx] = view
        }

        mutating func buildTree() {
            var repliesTo: [String: [Int]] = [:]
            for r in review.replies {
                if let t = r.target, let i = indexByID[r.messageId] { repliesTo[t, default: []].append(i) }
            }
            func commentCount(_ id: String) -> Int { commentsByPatch[id]?.count ?? 0 }
            for s in review.series {
                let total = s.versions.reduce(0) { acc, v in
                    acc + (v.cover.map { commentCount($0.messageId) } ?? 0) + v.patches.reduce(0) { $0 + commentCount($1.messageId) }
                }
                entries.append(TreeEntry(kind: .series, depth: 0, label: Sanitizer.clean(s.name), commentCount: total))
                for v in s.versions {
                    var label = "v\(v.version)"
                    if let t = v.total { label += " (\(v.patches.count)/\(t) patches)" }
                    if !v.missing.isEmpty { label += " missing " + v.missing.map(String.init).joined(separator: ",") }
                    entries.append(TreeEntry(kind: .version, depth: 1, label: label))
                    if let c = v.cover, let i = indexByID[c.messageId] {
                        entries.append(TreeEntry(kind: .cover, depth: 2, label: "0/\(v.total ?? 0) " + Sanitizer.clean(c.parsedSubject.name),
                                                 badges: ReviewViewBuilder.badges(c.trailers), commentCount: commentCount(c.messageId), message: i))
                        addReplies(c.messageId, depth: 3, repliesTo)
                    }
                    for p in v.patches {
                        guard let i = indexByID[p.messageId] else { continue }
                        let n = p.index.map { "\($0)/\(p.total ?? v.total ?? 0) " } ?? ""
                        entries.append(TreeEntry(kind: .patch, depth: 2, label: n + Sanitizer.clean(p.parsedSubject.name),
                                                 badges: ReviewViewBuilder.badges(p.trailers), commentCount: commentCount(p.messageId), message: i))
                        addReplies(p.messageId, depth: 3, repliesTo)
                    }
                }
            }
            // Everything not placed yet, in thread order.
            var rest: [(Int, Int)] = []
            func walk(_ n: ThreadNode, _ depth: Int) {
                if let i = n.messageIndex, !placed.contains(i) { rest.append((i, depth)) }
                for c in n.children { walk(c, depth + (n.messageIndex.map { placed.contains($0) } ?? true ? 0 : 1)) }
            }
            for t in mailbox.threads { walk(t, 0) }
            if !rest.isEmpty {
                if !review.series.isEmpty { entries.append(TreeEntry(kind: .series, depth: 0, label: "Other messages")) }
                let base = review.series.isEmpty ? 0 : 1
                for (i, d) in rest {
                    placed.insert(i)
                    let m = mailbox.messages[i]
                    let label = ReviewViewBuilder.name(m.from) + ": " + Sanitizer.clean(m.subject)
                    entries.append(TreeEntry(kind: .message, depth: base + d, label: label, commentCount: ownComments(i), message: i))
                }
            }
        }

        func ownComments(_ mi: Int) -> Int {
            let id = mailbox.messages.indices.contains(mi) ? mailbox.messages[mi].messageId : ""
            return commentsByMessage[id]?.count ?? 0
        }

        mutating func addReplies(_ id: String, depth: Int, _ repliesTo: [String: [Int]]) {
            for i in repliesTo[id] ?? [] where !placed.contains(i) {
                placed.insert(i)
                let m = mailbox.messages[i]
                let label = "Re: " + ReviewViewBuilder.name(m.from) + " " + ReviewViewBuilder.format(m.date, raw: m.rawDate)
                let trailers = (commentsByMessage[m.messageId] ?? []).flatMap { review.comments[$0].trailers }
                entries.append(TreeEntry(kind: .reply, depth: depth, label: label, badges: ReviewViewBuilder.badges(trailers),
                                         commentCount: ownComments(i), message: i))
            }
        }
    }
}
