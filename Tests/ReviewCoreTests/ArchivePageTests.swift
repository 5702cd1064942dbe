import Foundation
import MailCore
import ReviewCore
import Testing
import TestSupport

/// List archive pages (public-inbox / lore.kernel.org) saved from a browser, as HTML or as text.
@Suite struct ArchivePageTests {
    static let reply = "threads/vm_uffd_ops/021-v2-re1-rppt-aGD-QxroTEDUh1eX.eml"

    private static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "'", with: "&#39;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A message page the way public-inbox renders one: a banner, then the message in
    /// `<pre id=b>` with linked headers, quotes in spans, `(raw)` and `[thread overview]` links,
    /// then the thread navigation.
    static func page(of m: Message) -> String {
        let from = escaped("\(m.from.name) <\(m.from.email)>")
        let quoted = m.body.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let l = escaped(String(line))
            return line.hasPrefix(">") ? "<span\nclass=\"q\">\(l)</span>" : l
        }.joined(separator: "\n")
        return """
            <html><head><title>\(escaped(m.subject))</title><style>pre{white-space:pre-wrap}</style></head><body>
            <form action="../"><pre><a href="../?t=1"><b>linux-mm.kvack.org archive mirror</b></a>
            <input name=q type=text /><input type=submit value=search /> <a href="../_/text/help/">help</a></pre></form>
            <pre id=b>From: \(from)
            To: \(escaped(m.to.map { "\($0.name) <\($0.email)>" }.joined(separator: ", ")))
            Subject: <a href="#r" id=t>\(escaped(m.subject))</a>
            Date: \(m.rawDate)\t<a href="#r">[thread overview]</a>
            Message-ID: \(escaped("<\(m.messageId)>")) (<a href="raw">raw</a>)
            In-Reply-To: \(escaped("<\(m.inReplyTo ?? "")>"))

            \(quoted)
            </pre><hr><pre><a href="#R">reply</a> other threads:[<a href="../?t=2">~2025-06-29 8:50 UTC</a>]</pre>
            <pre>Thread overview: 3+ messages</pre></body></html>
            """
    }

    @Test func aLorePageReadsLikeTheMailItShows() throws {
        let raw = try MailReader.read(path: Repo.sharedFile(Self.reply).path).messages[0]
        let m = try messageOfPage(Self.page(of: raw), of: raw, format: .webArchiveHTML)
        #expect(m.body.trimmingCharacters(in: .newlines) == raw.body.trimmingCharacters(in: .newlines))

        // With the patches it answers, the page gives the comments the mail gives.
        let (fromMail, fromPage) = try commentsBesideV2Patches(mail: raw, rendered: m)
        #expect(!fromMail.isEmpty)
        #expect(fromPage.map(\.text) == fromMail.map(\.text))
        #expect(fromPage.map(\.anchor) == fromMail.map(\.anchor))
    }

    /// The same page saved as text: the banner lines above the headers are skipped, and the
    /// `(raw)` / `[thread overview]` link texts do not spoil the Message-ID or the date.
    @Test func theSamePageSavedAsText() throws {
        let raw = try MailReader.read(path: Repo.sharedFile(Self.reply).path).messages[0]
        let text = "linux-mm.kvack.org archive mirror\n search help / color / mirror / Atom feed\n"
            + "From: \(raw.from.name) <\(raw.from.email)>\nSubject: \(raw.subject)\n"
            + "Date: \(raw.rawDate)\t[thread overview]\nMessage-ID: <\(raw.messageId)> (raw)\n"
            + "In-Reply-To: <\(raw.inReplyTo ?? "")>\n\n" + raw.body
        let box = MailReader.parse(bytes: Array(text.utf8), source: "page.txt")
        let m = try #require(box.messages.first)
        #expect(m.messageId == raw.messageId)
        #expect(m.date == raw.date)
        #expect(m.from == raw.from)
        #expect(box.defects.contains { $0.detail.contains("page text before the headers skipped") })
    }

    @Test(arguments: [
        ("a &lt;b&gt; &amp;amp; c", "a <b> &amp; c"),
        ("it&#39;s &#x27;q&#X27; &quot;x&quot; &apos;", "it's 'q' \"x\" '"),
        ("&#64;example &nbsp;", "@example  "),
        ("& alone, &unknown; &#xZZ; &#99999999;", "& alone, &unknown; &#xZZ; &#99999999;"),
        ("&lt", "&lt"),
    ])
    func entities(_ c: (String, String)) {
        let box = MailReader.parse(bytes: Array("<html><pre id=b>From: A &lt;a@x&gt;\nSubject: \(c.0)\n\nbody</pre>".utf8), source: "e")
        #expect(box.messages.first?.subject == c.1.trimmingCharacters(in: .whitespaces))
    }
}
