import Foundation
@testable import MailCore
import ReviewCore
import Testing
import TestSupport

/// Message pages written by MHonArc (lkml.iu.edu, spinics.net, mail-archive.com) and Hypermail,
/// saved from the browser: headers in the generator's comments, the body between its markers.
@Suite struct MHonArcPageTests {
    static let reply = "threads/vm_uffd_ops/021-v2-re1-rppt-aGD-QxroTEDUh1eX.eml"

    enum Body { case pre, nonfixed }

    private static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// In comments MHonArc also escapes `-` (no `--` inside a comment) and `@`.
    private static func commentEscaped(_ s: String) -> String {
        escaped(s).replacingOccurrences(of: "-", with: "&#45;").replacingOccurrences(of: "@", with: "&#64;")
    }

    /// The page MHonArc writes for `m`, its text/plain body either in `<pre>` or, with the
    /// `nonfixed` filter option, as lines ending in `<br>` with leading spaces as `&nbsp;`.
    static func mhonarc(_ m: Message, body: Body) -> String {
        let from = CommentedArchivePage.mrot13("\(m.from.name) <\(m.from.email)>")
        var refs = m.references
        if refs.isEmpty, let p = m.inReplyTo { refs = [p] }
        let rendered: String
        switch body {
        case .pre:
            rendered = "<pre style=\"margin: 0em;\">\(escaped(m.body))</pre>"
        case .nonfixed:
            rendered = "<tt>" + m.body.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                let lead = line.prefix { $0 == " " || $0 == "\t" }
                let pad = lead.map { $0 == "\t" ? String(repeating: "&nbsp;", count: 8) : "&nbsp;" }.joined()
                return pad + escaped(String(line.dropFirst(lead.count))) + "<br>"
            }.joined(separator: "\n") + "</tt>"
        }
        return """
            <!-- MHonArc v2.6.19 -->
            <!--X-Subject: \(commentEscaped(m.subject)) -->
            <!--X-From-R13: \(commentEscaped(from)) -->
            <!--X-Date: \(commentEscaped(m.rawDate)) -->
            <!--X-Message-Id: \(commentEscaped(m.messageId)) -->
            <!--X-Content-Type: text/plain -->
            \(refs.map { "<!--X-Reference: \(commentEscaped($0)) -->" }.joined(separator: "\n"))
            <!--X-Head-End-->
            <!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
            <html><head><title>\(escaped(m.subject))</title></head><body>
            <!--X-Body-Begin-->
            <!--X-User-Header-->
            <h1>\(escaped(m.subject))</h1>
            <!--X-User-Header-End-->
            <!--X-TopPNI-->
            <hr><!--X-TopPNI-End-->
            <!--X-MsgBody-->
            <!--X-Subject-Header-Begin-->
            <strong>From: </strong>\(escaped(m.from.name))<br>
            <strong>Date: </strong>Mon Jun 30 2025 - 06:17:33 EST<br>
            <!--X-Subject-Header-End-->
            <!--X-Head-of-Message-->
            <!--X-Head-of-Message-End-->
            <!--X-Head-Body-Sep-Begin-->
            <hr>
            <!--X-Head-Body-Sep-End-->
            <!--X-Body-of-Message-->
            \(rendered)
            <!--X-Body-of-Message-End-->
            <!--X-MsgBody-End-->
            <!--X-Follow-Ups-->
            <hr><ul><li><a href="00123.html">Next message</a></li></ul>
            </body></html>
            """
    }

    /// The page Hypermail writes: headers in `name="value"` comments, the body as paragraphs of
    /// lines each followed by `<br>` (no `<pre>`: a browser collapses the spaces and tabs).
    static func hypermail(_ m: Message) -> String {
        let paragraphs = m.body.components(separatedBy: "\n\n").map { para in
            "<p>\n" + para.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.hasPrefix(">") ? "<span class=\"quotelev1\">\(escaped(String(line)))\n</span><br>" : escaped(String(line)) + "\n<br>"
            }.joined(separator: "\n")
        }.joined(separator: "\n")
        return """
            <!-- received="Mon Jun 30 2025 06:17:33 EST" -->
            <!-- sent="\(escaped(m.rawDate))" -->
            <!-- name="\(escaped(m.from.name))" -->
            <!-- email="\(escaped(m.from.email))" -->
            <!-- subject="\(escaped(m.subject))" -->
            <!-- id="\(escaped(m.messageId))" -->
            <!-- charset="utf-8" -->
            <!-- inreplyto="\(escaped(m.inReplyTo ?? ""))" -->
            <!-- expires="-1" -->
            <html><body><p class="headers"><strong>Subject:</strong> \(escaped(m.subject))<br>
            <strong>From:</strong> \(escaped(m.from.name))<br></p>
            <hr>
            <!-- body="start" -->
            \(paragraphs)
            <!-- body="end" -->
            <hr>
            </body></html>
            """
    }

    private static func words(_ s: String) -> [String] {
        s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
    }

    @Test(arguments: [Body.pre, .nonfixed])
    func anMHonArcPageReadsLikeTheMail(_ body: Body) throws {
        let raw = try MailReader.read(path: Repo.sharedFile(Self.reply).path).messages[0]
        let m = try messageOfPage(Self.mhonarc(raw, body: body), of: raw, format: .webArchiveMHonArc)
        if body == .pre {
            #expect(m.body.trimmingCharacters(in: .newlines) == raw.body.trimmingCharacters(in: .newlines))
        } else {
            #expect(Self.words(m.body) == Self.words(raw.body))
        }
        // With the patches it answers, the page gives the comments the mail gives.
        let (fromMail, fromPage) = try commentsBesideV2Patches(mail: raw, rendered: m)
        #expect(!fromMail.isEmpty)
        #expect(fromPage.map(\.anchor) == fromMail.map(\.anchor))
        #expect(fromPage.map { Self.words($0.text) } == fromMail.map { Self.words($0.text) })
    }

    /// Hypermail without `<pre>`: the browser's rendering loses indentation, so the quoted patch
    /// lines match their originals only after whitespace is normalised, which is how quotes are
    /// matched anyway.
    @Test func aHypermailPageReadsLikeTheMail() throws {
        let raw = try MailReader.read(path: Repo.sharedFile(Self.reply).path).messages[0]
        let m = try messageOfPage(Self.hypermail(raw), of: raw, format: .webArchiveMHonArc)
        #expect(Self.words(m.body) == Self.words(raw.body))
        #expect(m.body.contains("\n\n"), "paragraphs stay apart")
        let (fromMail, fromPage) = try commentsBesideV2Patches(mail: raw, rendered: m)
        #expect(fromPage.count == fromMail.count && fromPage.count > 3)
        #expect(fromPage.map(\.anchor) == fromMail.map(\.anchor))
    }

    /// A page whose generator kept no header comments: subject, author and date as the page
    /// shows them (the Message-ID is then made up, and said to be).
    @Test func headersShownOnThePageWhenTheCommentsAreMissing() throws {
        let html = """
            <html><head><title>LKML: Lorenzo Stoakes: Re: [PATCH v2 1/4] mm: Introduce vm_uffd_ops API</title></head><body>
            <h1>Re: [PATCH v2 1/4] mm: Introduce vm_uffd_ops API</h1>
            <strong>From: </strong>Lorenzo Stoakes<br>
            <strong>Date: </strong> Mon Jun 30 2025 - 06:17:33 EST<br>
            <!--X-Body-of-Message-->
            <pre>On Fri, Jun 27, 2025 at 11:46:52AM -0400, Peter Xu wrote:
            &gt; Introduce a generic userfaultfd API
            OK.</pre>
            <!--X-Body-of-Message-End-->
            </body></html>
            """
        let box = MailReader.parse(bytes: Array(html.utf8), source: "lkml.html")
        let m = try #require(box.messages.first)
        #expect(box.format == .webArchiveMHonArc)
        #expect(m.subject == "Re: [PATCH v2 1/4] mm: Introduce vm_uffd_ops API")
        #expect(m.from.name == "Lorenzo Stoakes")
        #expect(m.date != nil)
        #expect(m.body.hasSuffix("> Introduce a generic userfaultfd API\nOK.\n"))
        #expect(m.defects.contains { $0.kind == .missingMessageId })
    }

    @Test(arguments: [
        ("Peter Xu <peterx@redhat.com>", "Brgre Jh <crgrekNerqung.pbz>"),
        ("A-Z [x]", "O-L Mk]"),
    ])
    func mrot13(_ c: (String, String)) {
        #expect(CommentedArchivePage.mrot13(c.0) == c.1)
        #expect(CommentedArchivePage.mrot13(c.1) == c.0)
    }

    @Test(arguments: [
        ("<pre>a\n\tb  c\n</pre>", "a\n\tb  c\n"),
        ("a   b\n c<br>d&nbsp;&nbsp;e<br>\n<br>f", "a b c\nd  e\n\nf\n"),
        ("<p>one\ntwo<p>three</p><div>four</div>", "one two\n\nthree\nfour\n"),
        ("x<script>var a = '<b>';</script>y<style>p{}</style>z", "xyz\n"),
        ("&lt;tag&gt; &amp;amp; &#64;", "<tag> &amp; @\n"),
    ])
    func rendering(_ c: (String, String)) {
        let bytes = Array(c.0.utf8)
        let text = bytes.withUnsafeBufferPointer { CommentedArchivePage.renderedText($0, 0..<$0.count) }
        #expect(text == c.1)
    }
}
