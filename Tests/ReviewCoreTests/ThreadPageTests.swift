import Foundation
@testable import MailCore
import ReviewCore
import Testing
import TestSupport

/// A public-inbox (lore.kernel.org) thread page saved as HTML: `/T/` (flat, every message in
/// turn) and `/t/` (nested lists). The pages here are rendered from real threads the way
/// public-inbox lays them out (its `eml_entry`: `*` subject, the thread lines around the
/// message, `From: names @ date UTC (permalink / raw)`, recipients, body, `^ permalink` footer),
/// then read back and compared with the mail they came from.
@Suite struct ThreadPageTests {
    /// `resaved`: attributes quoted and on one line, as a browser writes the page back;
    /// `absolute`: links made absolute (the page's own URL before each `#m` anchor).
    /// `search`: entries as a search result lists them, without thread lines but with an
    /// `In-Reply-To:` line.
    enum Style { case flat, nested, resaved, absolute, search }

    private static func escaped(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out += u.isASCII ? String(u) : "&#\(u.value);"
            }
        }
        return out
    }

    /// public-inbox's `fmt_ts`: `%Y-%m-%d %k:%M` in UTC (the hour space-padded).
    static func stamp(_ d: Date?) -> String {
        guard let d else { return "1970-01-01  0:00" }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: d)
        return String(format: "%04d-%02d-%02d %2d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }

    /// `mid_href`: the Message-ID with the characters a URL path cannot hold percent-escaped.
    static func midHref(_ mid: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~!$&'()*+,;=:@")
        return mid.addingPercentEncoding(withAllowedCharacters: allowed) ?? mid
    }

    static func anchor(_ mid: String) -> String {
        // public-inbox uses the SHA-1 of the Message-ID; any stable hex name does for the page.
        var h: UInt64 = 0xcbf29ce484222325
        for b in mid.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return String(h, radix: 16)
    }

    static func name(_ a: Address) -> String { a.name.isEmpty ? String(a.email.prefix { $0 != "@" }) : a.name }

    /// The body as `add_text_body` marks it up: quotes in spans, diff lines coloured, URLs linked.
    static func bodyHTML(_ body: String) -> String {
        body.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var l = escaped(String(line))
            if let r = l.range(of: "https://") {
                let url = l[r.lowerBound...].prefix { $0 != " " }
                l = l.replacingOccurrences(of: url, with: "<a\nhref=\"\(url)\">\(url)</a>")
            }
            if line.hasPrefix(">") { return "<span\nclass=\"q\">\(l)</span>" }
            if line.hasPrefix("+") && !line.hasPrefix("+++") { return "<span\nclass=\"add\">\(l)</span>" }
            if line.hasPrefix("-") && !line.hasPrefix("---") { return "<span\nclass=\"del\">\(l)</span>" }
            if line.hasPrefix("@@ ") { return "<span\nclass=\"hunk\">\(l)</span>" }
            if line.hasPrefix("diff --git ") { return "<span\nclass=\"head\">\(l)</span>" }
            return l
        }.joined(separator: "\n")
    }

    /// The thread page of `box` (messages in thread order, depth first).
    static func page(_ box: Mailbox, style: Style = .flat) -> String {
        var order: [(Int, Int)] = []  // (message index, depth)
        func walk(_ n: ThreadNode, _ depth: Int) {
            if let i = n.messageIndex { order.append((i, depth)) }
            for c in n.children { walk(c, depth + 1) }
        }
        for t in box.threads { walk(t, 0) }
        let m = box.messages
        let index = Dictionary(m.enumerated().map { ($0.element.messageId, $0.offset) }, uniquingKeysWith: { a, _ in a })
        func a(_ tag: String) -> String {
            style == .resaved ? tag.replacingOccurrences(of: "\n", with: " ") : tag
        }
        func skel(_ i: Int) -> String {
            "\(stamp(m[i].date)) " + a("<a\nhref=\"\(style == .absolute ? "https://lore.kernel.org/linux-mm/x%40y/T/" : "")#m\(anchor(m[i].messageId))\">") + "\(escaped(m[i].subject))</a> \(escaped(name(m[i].from)))\n"
        }
        var children: [String: [Int]] = [:]
        for (i, _) in order { if let p = m[i].inReplyTo { children[p, default: []].append(i) } }
        let total = order.count
        var html = "<html><head><title>\(escaped(m[order[0].0].subject))</title></head><body>"
            + "<form\naction=\"../../\"><pre><a\nhref=\"../../?t=20250630\"><b>linux-mm.kvack.org archive mirror</b></a>\n"
            + " <a\nhref=\"../../_/text/help/\">help</a> / <a\nhref=\"../../_/text/color/\">color</a></pre></form>"
        if style != .nested { html += "<pre>" }
        for (k, (i, depth)) in order.enumerated() {
            let msg = m[i]
            let id = anchor(msg.messageId)
            let href = (style == .absolute ? "https://lore.kernel.org/linux-mm/" : "../../") + "\(midHref(msg.messageId))/"
            if style == .nested { html += String(repeating: "<ul><li>", count: depth == 0 ? 0 : 1) + "<pre>" }
            var e = a("<a\nhref=#e\(id)\nid=m\(id)>") + "*</a> <b>\(escaped(msg.subject))</b>\n"
            if style == .search {
                // No thread lines.
            } else if let p = msg.inReplyTo {
                if let pi = index[p] {
                    e += "  " + skel(pi)
                } else {
                    e += "  " + "     [not found] &lt;" + a("<a\nhref=#r\(anchor(p))>") + "\(escaped(p))</a>&gt;\n"
                }
            }
            if style != .search {
                e += "<b>@ \(stamp(msg.date)) \(depth > 0 ? "` " : "")\(escaped(name(msg.from)))</b>\n"
                let kids = children[msg.messageId] ?? []
                if let c = kids.first { e += "  " + skel(c) }
                e += "  " + a("<a\nhref=#r\(id)>") + "0 siblings, \(kids.count) replies; \(total)+ messages in thread</a>\n"
            }
            e += "From: \(escaped(msg.from.name.isEmpty ? name(msg.from) : msg.from.name)) @ \(stamp(msg.date)) UTC ("
                + a("<a\nhref=\"\(href)\">") + "permalink</a> / " + a("<a\nhref=\"\(href)raw\">") + "raw</a>)\n"
            let to = msg.to.map(name).joined(separator: ", ")
            let cc = msg.cc.map(name).joined(separator: ", ")
            if to.count + cc.count > 72 {
                if !to.isEmpty { e += "  To: \(escaped(to))\n" }
                if !cc.isEmpty { e += "  Cc: \(escaped(cc))\n" }
            } else if !to.isEmpty {
                e += "  To: \(escaped(to))" + (cc.isEmpty ? "" : "; <b>+Cc:</b> \(escaped(cc))") + "\n"
            }
            if style == .search, let p = msg.inReplyTo {
                e += "In-Reply-To: &lt;" + a("<a\nhref=\"../../\(midHref(p))/\">") + "\(escaped(p))</a>&gt;\n"
            }
            e += "\n" + bodyHTML(msg.body)
            e += "\n" + a("<a\nhref=#m\(id)\nid=e\(id)>") + "^</a> " + a("<a\nhref=\"\(href)\">") + "permalink</a> "
                + a("<a\nhref=\"\(href)raw\">") + "raw</a> " + a("<a\nhref=\"\(href)#R\">") + "reply</a>\t["
                + a("<a\nhref=\"\(href)T/#u\">") + "<b>flat</b></a>|" + a("<a\nhref=\"\(href)t/#u\">") + "nested</a>] "
                + a("<a\nhref=#r\(id)>") + "\(total)+ messages in thread</a>"
            html += e
            if style == .nested {
                html += "</pre>" + String(repeating: "</li></ul>", count: depth == 0 ? 0 : 1)
            } else {
                html += k + 1 < order.count ? "</pre><hr><pre>" : "</pre>"
            }
        }
        html += "<hr><pre>end of thread, other threads:[<a\nhref=\"../../?t=20250630\">~2025-06-30 17:15 UTC</a> | <a\nhref=\"../../\">newest</a>]\n\n"
            + "<b\nid=t>Thread overview:</b> \(total)+ messages (download: <a\nhref=\"../t.mbox.gz\">mbox.gz</a>)\n"
            + "-- links below jump to the message on this page --\n"
        for (i, depth) in order {
            html += stamp(m[i].date) + " " + String(repeating: "  ", count: max(0, depth - 1)) + (depth > 0 ? "` " : "")
                + a("<a\nhref=\"#m\(anchor(m[i].messageId))\"\nid=r\(anchor(m[i].messageId))>") + "\(escaped(m[i].subject))</a> \(escaped(name(m[i].from)))\n"
        }
        return html + "</pre></body></html>"
    }

    static func minute(_ d: Date?) -> Date? {
        d.map { Date(timeIntervalSince1970: ($0.timeIntervalSince1970 / 60).rounded(.down) * 60) }
    }

    @Test(arguments: [Style.flat, .nested, .resaved, .absolute, .search])
    func aThreadPageReadsLikeTheThread(_ style: Style) throws {
        let box = try MailReader.read(path: Repo.sharedFile("threads/vm_uffd_ops/v2-thread.mbox").path)
        let page = Self.page(box, style: style)
        let read = MailReader.parse(bytes: Array(page.utf8), source: "T.html")
        #expect(read.format == .webArchiveThreadHTML)
        let originals = Dictionary(box.messages.map { ($0.messageId, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(read.messages.count == box.messages.count)
        #expect(Set(read.messages.map(\.messageId)) == Set(originals.keys))
        for m in read.messages {
            let o = try #require(originals[m.messageId])
            #expect(m.subject == o.subject)
            #expect(m.from.name == (o.from.name.isEmpty ? Self.name(o.from) : o.from.name))
            #expect(m.from.email == "")
            #expect(m.date == Self.minute(o.date))
            #expect(m.inReplyTo == o.inReplyTo, "\(m.messageId)")
            #expect(m.body.trimmingCharacters(in: .newlines) == o.body.trimmingCharacters(in: .newlines), "\(m.messageId)")
            #expect(m.to.map(\.name) == o.to.map(Self.name))
            #expect(m.defects.contains { $0.detail.contains("thread page") })
        }
        // Threads as the mail threads them.
        func shape(_ n: ThreadNode) -> String { n.messageId + "(" + n.children.map(shape).joined(separator: ",") + ")" }
        #expect(read.threads.map(shape).sorted() == box.threads.map(shape).sorted())

        // The review of the page: the same patches, hunks and anchored comments as the mail's.
        let fromMail = ReviewBuilder.build(box.messages)
        let fromPage = ReviewBuilder.build(read.messages)
        #expect(fromPage.patches.map(\.messageId).sorted() == fromMail.patches.map(\.messageId).sorted())
        let filesFromPage = fromPage.patches.reduce(0) { $0 + $1.files.count }
        let filesFromMail = fromMail.patches.reduce(0) { $0 + $1.files.count }
        #expect(filesFromPage == filesFromMail)
        #expect(!fromMail.comments.isEmpty)
        let key: (ReviewCore.Comment) -> String = { "\($0.messageId) \($0.anchor) \($0.text)" }
        let pageKeys = fromPage.comments.map(key).sorted()
        let mailKeys = fromMail.comments.map(key).sorted()
        #expect(pageKeys == mailKeys)
    }

    /// A reply whose parent the archive does not have: the thread line names it (`[not found]`).
    @Test func aParentMissingFromTheArchiveIsKeptByItsMessageId() throws {
        let box = try MailReader.read(path: Repo.sharedFile("threads/vm_uffd_ops/v2-thread.mbox").path)
        let reply = try #require(box.messages.first { $0.inReplyTo != nil && $0.subject.hasPrefix("Re:") })
        let alone = Mailbox(source: "x", format: .mboxo, messages: [reply],
                            threads: [ThreadNode(messageId: reply.messageId, messageIndex: 0)], defects: [])
        let read = MailReader.parse(bytes: Array(Self.page(alone).utf8), source: "T.html")
        let m = try #require(read.messages.first)
        #expect(read.messages.count == 1)
        #expect(m.inReplyTo == reply.inReplyTo)
        #expect(m.references == [reply.inReplyTo!])
    }

    /// The thread page saved as text has names and times but no Message-IDs: it is refused with
    /// advice, not read as one long message.
    @Test func aThreadPageSavedAsTextIsRefusedWithAdvice() throws {
        let text = "[PATCH v2 0/4] mm/userfaultfd: modulize memory types\nlinux-mm.kvack.org archive mirror\n"
            + "* [PATCH v2 0/4] mm/userfaultfd: modulize memory types\n@ 2025-06-27 15:46 Peter Xu\n"
            + "From: Peter Xu @ 2025-06-27 15:46 UTC (permalink / raw)\n\nbody\n\n"
            + "^ permalink raw reply\t[flat|nested] 17+ messages in thread\n"
        do {
            _ = try MailReader.parseChecked(bytes: Array(text.utf8), source: "T.txt")
            Issue.record("a text thread page was read as mail")
        } catch {
            #expect(error.kind == .notMail)
            #expect(error.detail.contains("thread page saved as text"))
        }
    }

    /// Markup that never closes its tags is text: the entry after it is still read.
    @Test func unclosedTagsAreText() throws {
        let junk = String(repeating: "<a href=x ", count: 1000)
        let entry = "<pre><a href=#e1 id=m1>*</a> <b>[PATCH] x</b>\nFrom: A @ 2025-06-27 15:46 UTC (<a href=\"../../1@x/\">permalink</a> / raw)\n\nbody &lt;ok&gt;\n\n<a href=#m1 id=e1>^</a> permalink raw reply</pre>"
        let gap = String(repeating: "text ", count: 1000)
        let read = MailReader.parse(bytes: Array(("<html>" + junk + gap + entry).utf8), source: "T.html")
        #expect(read.format == .webArchiveThreadHTML)
        #expect(read.messages.map(\.messageId) == ["1@x"])
        #expect(read.messages.first?.body == "body <ok>\n")
    }

    @Test(arguments: [
        ("../../20250627154655.2085903-2-peterx@redhat.com/", "20250627154655.2085903-2-peterx@redhat.com"),
        ("https://lore.kernel.org/linux-mm/abc%2Fdef%25@x.org/", "abc/def%@x.org"),
        ("../../a@b/#R", "a@b"),
        ("../../", nil),
    ] as [(String, String?)])
    func permalinks(_ c: (String, String?)) {
        #expect(HTMLThreadPage.midFromHref(c.0) == c.1)
    }

    @Test(arguments: [
        ("2025-06-29  8:50 UTC", 1_751_187_000.0),
        ("2025-06-27 15:46 UTC", 1_751_039_160.0),
        ("2025-06-27 15:46", 1_751_039_160.0),
        ("2025-02-30 10:00 UTC", nil),
        ("2025-06-27 25:00 UTC", nil),
        ("27 Jun 2025 15:46", nil),
    ] as [(String, Double?)])
    func stamps(_ c: (String, Double?)) {
        #expect(HTMLThreadPage.parseStamp(c.0)?.timeIntervalSince1970 == c.1)
    }

    /// public-inbox writes its message page's block as `<pre\nid=b>`; a browser saving the page
    /// again writes `<pre id="b">`. Both are the message page, not a thread page.
    @Test(arguments: ["<pre\nid=b>", "<pre id=\"b\">", "<PRE ID=b>"])
    func messagePageBlockSpellings(_ open: String) {
        let html = "<html><body><pre>banner</pre>\(open)From: A &lt;a@x&gt;\nSubject: s\nMessage-ID: &lt;1@x&gt; (<a\nhref=\"raw\">raw</a>)\n\nbody</pre></body></html>"
        let box = MailReader.parse(bytes: Array(html.utf8), source: "m.html")
        #expect(box.format == .webArchiveHTML)
        #expect(box.messages.first?.messageId == "1@x")
        #expect(box.messages.first?.body.hasPrefix("body") == true)
    }
}
