import Foundation
import Testing
import MailCore
import ReviewCore
import TestSupport

@Suite struct SeedCommentTests {
    /// Lorenzo Stoakes' review of `[PATCH v2 1/4] mm: Introduce vm_uffd_ops API`, in a list archive's
    /// text rendering: the patch itself is not in the input, so it is rebuilt from the quotes.
    @Test func seedYieldsFourteenCommentsAtTheirLines() throws {
        let r = try sharedReview("threads/seed-lkml-web.txt")
        let patch = try #require(r.patches.first)
        #expect(r.patches.count == 1)
        #expect(patch.partial)
        #expect(patch.parsedSubject.name == "mm: Introduce vm_uffd_ops API")
        #expect((patch.version, patch.index, patch.total) == (2, 1, 4))
        #expect(patch.author.name == "Peter Xu")
        #expect(patch.files.map(\.path) == ["include/linux/mm.h", "include/linux/userfaultfd_k.h"])
        #expect(patch.files.map { $0.hunks.map(\.header) } == [
            ["@@ -576,6 +576,8 @@ struct vm_fault {", "@@ -653,6 +655,13 @@ struct vm_operations_struct {"],
            ["@@ -92,6 +92,58 @@ enum mfill_atomic_mode {"],
        ])
        #expect(r.comments.count == 14)
        #expect(r.comments.allSatisfy { $0.author.name == "Lorenzo Stoakes" })
        #expect(r.comments.allSatisfy { $0.quotedAuthor == "Peter Xu" })
        let p = patch.messageId
        let mm = "include/linux/mm.h", uffd = "include/linux/userfaultfd_k.h"
        let expected: [(Anchor, String)] = [
            (.commitMessage(patch: p, paragraph: 0), "I'm not sure I understand this."),
            (.commitMessage(patch: p, paragraph: 1), "OK this sounds reasonable."),
            (.commitMessage(patch: p, paragraph: 2), "Yes this also sounds reasonable"),
            (.commitMessage(patch: p, paragraph: 3), "Right."),
            (.commitMessage(patch: p, paragraph: 4), "Sounds sensible."),
            (.commitMessage(patch: p, paragraph: 5), "A good approach."),
            // After `+	const struct vm_uffd_ops *userfaultfd_ops;` / `+#endif` / ` };`: the comment
            // follows the closing ` };` of struct vm_operations_struct, new line 665.
            (.line(patch: p, file: mm, side: .new, line: 665), "This shouldn't go in vm_ops like this."),
            (.line(patch: p, file: uffd, side: .new, line: 95), "Are we sure this should be operating at the VMA level?"),
            (.line(patch: p, file: uffd, side: .new, line: 96), "I'd comment on the naming"),
            (.line(patch: p, file: uffd, side: .new, line: 100), "I don't think the 'when the ops are defined' bit"),
            (.line(patch: p, file: uffd, side: .new, line: 115), "I'm not sure why we need this field?"),
            (.line(patch: p, file: uffd, side: .new, line: 128), "Not sure uufd_ prefix is needed"),
            (.line(patch: p, file: uffd, side: .new, line: 139), "Can you please ensure you put details as to VMA lock"),
            (.line(patch: p, file: uffd, side: .new, line: 143), "Do we not need a uffd_ctx parameter here?"),
        ]
        for (c, e) in zip(r.comments, expected) {
            #expect(c.anchor == e.0, "\(c.text.prefix(40))")
            #expect(c.text.hasPrefix(e.1))
        }
        // Each line anchor sits on the quoted line it follows.
        let lastQuoted: [Int: String] = [
            665: "};", 95: "+/* VMA userfaultfd operations */", 96: "+struct vm_uffd_ops {",
            100: "+\t * When the ops is defined, the driver must set non-zero features",
            115: "+\t * is optional.", 128: "+\t\t\t      struct folio **folio);", 139: "+\t * Return: zero if succeeded, negative for errors.",
            143: "+\t\t\t uffd_flags_t flags, struct folio **foliop);",
        ]
        for c in r.comments {
            guard case .line(_, let file, let side, let line) = c.anchor else { continue }
            let diffLine = try #require(patch.file(file)?.hunks.flatMap(\.lines).first {
                side == .new ? $0.newLine == line : $0.oldLine == line
            })
            #expect(c.quoted.last.map(String.init) == diffLine.diffText || c.quoted.last.map(String.init) == " " + diffLine.text)
            if let want = lastQuoted[line] { #expect(diffLine.diffText.hasSuffix(want)) }
        }
        // Several paragraphs stay one comment.
        #expect(r.comments[13].text.contains("This is concerning."))
        #expect(r.comments[13].text.contains("\n"))
    }
}

@Suite struct ThreadCommentTests {
    static let threads = ["threads/vm_uffd_ops/v2-thread.mbox", "threads/vm_uffd_ops/v4-thread.mbox",
                          "threads/vm_uffd_ops/mike-v2-thread.mbox"]

    /// Every non-blank line the replier wrote ends up in exactly one comment, and every line anchor
    /// points to a real line of the real patch that the comment quotes (or that the quoted comment
    /// of an earlier reply was anchored to).
    @Test(arguments: threads)
    func everyCommentIsAnchored(_ file: String) throws {
        let box = try MailReader.read(path: Repo.sharedFile(file).path)
        let r = Review(mailbox: box)
        #expect(r.patches.allSatisfy { !$0.partial })
        #expect(r.defects.filter { $0.kind == .unmatchedQuote }.isEmpty, "\(r.defects)")
        let byMessage = Dictionary(grouping: r.comments, by: \.messageId)
        for reply in r.replies {
            let m = try #require(box.messages.first { $0.messageId == reply.messageId })
            let own = QuoteParser.classify(m.body).filter { $0.role == .text }
                .map { $0.text.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let texts = (byMessage[m.messageId] ?? []).map(\.text)
            for line in own where !QuoteParser.isSalutation(line) && !QuoteParser.isSignOff(line, author: m.from.name) {
                #expect(texts.count { $0.contains(line) } >= 1, "dropped in \(m.messageId): \(line)")
            }
            #expect(reply.target != nil, "\(m.messageId) has no patch or cover")
        }
        for c in r.comments {
            let target = try #require(c.anchor.patch, "\(c.id) anchored to nothing")
            #expect(r.patch(id: target) != nil || r.covers.contains { $0.messageId == target })
            guard case .line(let pid, let path, let side, let line) = c.anchor else { continue }
            let patch = try #require(r.patch(id: pid))
            let diffLine = try #require(patch.file(path)?.hunks.flatMap(\.lines).first {
                side == .new ? $0.newLine == line : $0.oldLine == line
            }, "\(c.id): \(path):\(line) is not in the patch")
            let quotedHere = c.quoted.contains { norm(String($0)) == norm(diffLine.diffText) }
            let inherited = r.comments.contains { $0.messageId != c.messageId && $0.anchor == c.anchor }
            #expect(quotedHere || inherited, "\(c.id) at \(path):\(line)")
        }
    }

    @Test func repliesToTheCoverLetterQuoteTheCover() throws {
        let r = try sharedReview("threads/vm_uffd_ops/v2-thread.mbox")
        let cover = try #require(r.covers.first)
        let onCover = r.comments.filter { $0.anchor.patch == cover.messageId }
        #expect(Set(onCover.map(\.messageId)).count == 6)
        #expect(onCover.contains { if case .commitMessage = $0.anchor { true } else { false } })
        // Andrew Morton replies to Lorenzo's reply: he answers what Lorenzo wrote.
        let akpm = try #require(r.comments.first { $0.author.name == "Andrew Morton" })
        #expect(akpm.quotedAuthor == "Lorenzo Stoakes")
    }

    @Test func v2ThreadCountsAndNestedAttribution() throws {
        let r = try sharedReview("threads/vm_uffd_ops/v2-thread.mbox")
        #expect(r.replies.count == 12)
        let lorenzo = r.comments.filter { $0.messageId == "aaaca9d4-b8df-45b8-a3a4-a431c99f26c7@lucifer.local" }
        #expect(lorenzo.count == 14)
        // Suren answers Lorenzo's comment on uffd_copy(): same line, Lorenzo's words are what he quotes.
        let suren = try #require(r.comments.first { $0.author.name == "Suren Baghdasaryan" })
        #expect(suren.quotedAuthor == "Lorenzo Stoakes")
        #expect(suren.anchor == lorenzo[13].anchor)
    }

    @Test func ackOnV4IsCollected() throws {
        let r = try sharedReview("threads/vm_uffd_ops/v4-thread.mbox")
        let p1 = try #require(r.patches.first { $0.index == 1 })
        #expect(p1.trailers.contains { $0.collected && $0.line == "Acked-by: David Hildenbrand <david@redhat.com>" })
    }

    func norm(_ s: String) -> String { s.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
}

/// A patch and replies exercising one quoting habit.
struct QuirkCase: CustomTestStringConvertible, Sendable {
    var name: String
    /// Replies, each answering the previous one (the first answers the patch).
    var replies: [String]
    /// The anchors of the last reply's comments, in order (`P` is the patch's Message-ID).
    var anchors: [Anchor]
    var texts: [String]
    var quotedAuthor: String? = nil
    var testDescription: String { name }
}

@Suite struct QuotingQuirkTests {
    static let patchBody = """
    Make the thing safer.

    Second paragraph of the message.

    A third paragraph, long enough that a mail client wraps it when it quotes it back.

    Signed-off-by: Pat Cher <pat@example.org>
    ---
     fs/file.c | 4 +++-
     1 file changed, 3 insertions(+), 1 deletion(-)

    diff --git a/fs/file.c b/fs/file.c
    index 1111111..2222222 100644
    --- a/fs/file.c
    +++ b/fs/file.c
    @@ -10,6 +10,8 @@ int open_file(struct file *f)
     {
     \tint rc;
     
    -\trc = do_open(f);
    +\trc = do_open_checked(f, very_long_argument_name_one, very_long_argument_name_two, flags);
    +\tif (rc)
    +\t\treturn rc;
     \treturn 0;
     }
    -- 
    2.49.0
    """

    static let attribution = "On Mon, Jan 1, 2024 at 10:00:00AM +0000, Pat Cher wrote:\n"
    static let f = "fs/file.c"

    static let cases: [QuirkCase] = [
        QuirkCase(name: "bare > stands for a blank context line",
                  replies: [attribution + ">  {\n> \tint rc;\n>\n> -\trc = do_open(f);\n> +\trc = do_open_checked(f, very_long_argument_name_one, very_long_argument_name_two, flags);\nWhy?\n"],
                  anchors: [.line(patch: "P", file: f, side: .new, line: 13)], texts: ["Why?"],
                  quotedAuthor: "Pat Cher"),
        QuirkCase(name: "a trailing bare > does not move the anchor off the code",
                  replies: [attribution + ">  {\n> \tint rc;\n>\nWhy int?\n"],
                  anchors: [.line(patch: "P", file: f, side: .new, line: 11)], texts: ["Why int?"]),
        QuirkCase(name: "a comment on a deletion is on the old side",
                  replies: [attribution + "> -\trc = do_open(f);\n\nWhy drop do_open()?\n"],
                  anchors: [.line(patch: "P", file: f, side: .old, line: 13)], texts: ["Why drop do_open()?"]),
        QuirkCase(name: "[...] trims the hunk",
                  replies: [attribution + "> @@ -10,6 +10,8 @@ int open_file(struct file *f)\n> [...]\n> +\tif (rc)\n> +\t\treturn rc;\n\nGood.\n"],
                  anchors: [.line(patch: "P", file: f, side: .new, line: 15)], texts: ["Good."]),
        QuirkCase(name: "<snip> between quotes is not a comment",
                  replies: [attribution + "> +\tif (rc)\n<snip>\n>  \treturn 0;\n\nReturn rc instead?\n"],
                  anchors: [.line(patch: "P", file: f, side: .new, line: 16)], texts: ["Return rc instead?"]),
        QuirkCase(name: "[ ... ] quoted trim",
                  replies: [attribution + "> Make the thing safer.\n> [ ... ]\n> +\t\treturn rc;\nOK\n"],
                  anchors: [.line(patch: "P", file: f, side: .new, line: 15)], texts: ["OK"]),
        QuirkCase(name: "attribution wrapped over two lines",
                  replies: ["On Mon, Jan 1, 2024 at 10:00:00AM +0000, Pat Cher\nwrote:\n> Second paragraph of the message.\n\nSay why.\n"],
                  anchors: [.commitMessage(patch: "P", paragraph: 1)], texts: ["Say why."], quotedAuthor: "Pat Cher"),
        QuirkCase(name: "a long quoted line wrapped by the mailer",
                  replies: [attribution + "> +\trc = do_open_checked(f, very_long_argument_name_one,\n> very_long_argument_name_two, flags);\n\nToo long.\n"],
                  anchors: [.line(patch: "P", file: f, side: .new, line: 13)], texts: ["Too long."]),
        QuirkCase(name: "a wrapped quote whose tail lost its > marker (Lotus Notes)",
                  replies: ["Pat Cher <pat@example.org> wrote on 01/01/2024 10:00:00 AM:\n\n> A third paragraph, long enough that a mail client wraps it when it\nquotes it back.\n>\n\nWhich client?\n"],
                  anchors: [.commitMessage(patch: "P", paragraph: 2)], texts: ["Which client?"], quotedAuthor: "Pat Cher"),
        QuirkCase(name: "a short reply between quoted code lines stays a comment",
                  replies: [attribution + "> +\trc = do_open_checked(f, very_long_argument_name_one, very_long_argument_name_two, flags);\nhmm\n> +\tif (rc)\nok\n"],
                  anchors: [.line(patch: "P", file: f, side: .new, line: 13), .line(patch: "P", file: f, side: .new, line: 14)],
                  texts: ["hmm", "ok"]),
        QuirkCase(name: "top-posting is a general comment",
                  replies: ["Looks fine to me.\n\n" + attribution + "> Make the thing safer.\n> \n> Second paragraph of the message.\n"],
                  anchors: [.general(patch: "P")], texts: ["Looks fine to me."]),
        QuirkCase(name: "nested > > quotes: the answer to a comment stays on its line",
                  replies: [attribution + "> +\tif (rc)\n\nWhy check here?\n",
                            "On Tue, Jan 2, 2024 at 09:00:00AM +0000, Rev Iewer wrote:\n> " + attribution + "> > +\tif (rc)\n>\n> Why check here?\n\nBecause do_open can fail.\n"],
                  anchors: [.line(patch: "P", file: f, side: .new, line: 14)], texts: ["Because do_open can fail."],
                  quotedAuthor: "Rev Iewer"),
        QuirkCase(name: "nested >> quotes",
                  replies: [attribution + "> +\t\treturn rc;\n\nLeaks f.\n",
                            "Rev Iewer wrote:\n>> +\t\treturn rc;\n> Leaks f.\n\nNo, the caller frees it.\n"],
                  anchors: [.line(patch: "P", file: f, side: .new, line: 15)], texts: ["No, the caller frees it."],
                  quotedAuthor: "Rev Iewer"),
        QuirkCase(name: "the signature is not a comment",
                  replies: [attribution + "> +\tif (rc)\nOK.\n-- \nRev Iewer, Example Corp\n> not a quote\n"],
                  anchors: [.line(patch: "P", file: f, side: .new, line: 14)], texts: ["OK."]),
        QuirkCase(name: "a sign-off after the last comment is not part of it",
                  replies: [attribution + "> +\tif (rc)\nOK.\n\nThanks,\nRev\n"],
                  anchors: [.line(patch: "P", file: f, side: .new, line: 14)], texts: ["OK."]),
        QuirkCase(name: "Outlook original-message block ends the reply",
                  replies: ["Fine by me.\n\n-----Original Message-----\nFrom: Pat Cher\n> +\tif (rc)\n"],
                  anchors: [.general(patch: "P")], texts: ["Fine by me."]),
        QuirkCase(name: "paragraphs stay one comment until the next quote",
                  replies: [attribution + "> +\t\treturn rc;\nPara one.\n\nPara two.\n>  \treturn 0;\nNext.\n"],
                  anchors: [.line(patch: "P", file: f, side: .new, line: 15), .line(patch: "P", file: f, side: .new, line: 16)],
                  texts: ["Para one.\n\nPara two.", "Next."]),
        QuirkCase(name: "a trailer in a reply after the commit message",
                  replies: [attribution + "> Make the thing safer.\n\nReviewed-by: Rev Iewer <rev@example.org>\n"],
                  anchors: [.commitMessage(patch: "P", paragraph: 0)], texts: ["Reviewed-by: Rev Iewer <rev@example.org>"]),
        QuirkCase(name: "whitespace-damaged quote (tabs became spaces)",
                  replies: [attribution + ">      if (rc)\n> +               return rc;\nHm.\n"],
                  anchors: [.line(patch: "P", file: f, side: .new, line: 15)], texts: ["Hm."]),
    ]

    static func review(_ c: QuirkCase) -> Review {
        var messages = [mail("P", "[PATCH] fs: fix", from: "Pat Cher <pat@example.org>", patchBody)]
        var parent = "P"
        for (k, body) in c.replies.enumerated() {
            let from = k % 2 == 0 ? "Rev Iewer <rev@example.org>" : "Pat Cher <pat@example.org>"
            var m = mail("R\(k)", "Re: [PATCH] fs: fix", from: from, inReplyTo: parent, date: Double(k + 1) * 60, body)
            m.references = ["P"] + (0..<k).map { "R\($0)" }
            messages.append(m)
            parent = "R\(k)"
        }
        return ReviewBuilder.build(messages)
    }

    @Test(arguments: cases)
    func quirk(_ c: QuirkCase) throws {
        let r = Self.review(c)
        let last = "R\(c.replies.count - 1)"
        let mine = r.comments.filter { $0.messageId == last }
        #expect(mine.map(\.anchor) == c.anchors)
        #expect(mine.map(\.text) == c.texts)
        if let a = c.quotedAuthor { #expect(mine.first?.quotedAuthor == a) }
    }

    @Test func trailerInReplyIsCollected() throws {
        let r = Self.review(Self.cases.first { $0.name.hasPrefix("a trailer") }!)
        let patch = try #require(r.patches.first)
        #expect(patch.trailers.map(\.line) == ["Signed-off-by: Pat Cher <pat@example.org>", "Reviewed-by: Rev Iewer <rev@example.org>"])
        #expect(r.comments.first?.trailers.first?.name == "Reviewed-by")
    }

    @Test func quoteDepthMarkers() {
        let lines = QuoteParser.classify("> > a\n>> b\n>  c\n>\nd")
        #expect(lines.map(\.depth) == [2, 2, 1, 1, 0])
        #expect(lines.map(\.text) == ["a", "b", " c", "", "d"])
    }
}

@Suite struct PartialPatchTests {
    @Test func repliesToTheSameMissingPatchBuildOnePartialPatch() throws {
        let head = "On Mon, Jan 1, 2024 at 10:00:00AM +0000, Pat Cher wrote:\n> diff --git a/fs/file.c b/fs/file.c\n> --- a/fs/file.c\n> +++ b/fs/file.c\n"
        let first = head + "> @@ -10,3 +10,4 @@ int open_file(struct file *f)\n>  {\n> +\tint rc;\n>  \tfoo();\n>  }\n\nWhy rc?\n"
        let second = head + "> @@ -40,2 +41,3 @@ int close_file(struct file *f)\n>  {\n> -\tbar();\n> +\tbaz();\n> +\tqux();\n\nqux twice?\n"
        var a = mail("a", "Re: [PATCH 2/3] fs: files", inReplyTo: "missing", date: 10, first)
        a.references = ["cover", "missing"]
        var b = mail("b", "Re: [PATCH 2/3] fs: files", from: "Other <o@example.org>", inReplyTo: "missing", date: 20, second)
        b.references = ["cover", "missing"]
        let r = ReviewBuilder.build([a, b])
        let p = try #require(r.patches.first)
        #expect(r.patches.count == 1 && p.partial && p.messageId == "missing")
        #expect(p.files.map(\.path) == ["fs/file.c"])
        #expect(p.files.first?.hunks.map(\.header) == ["@@ -10,3 +10,4 @@ int open_file(struct file *f)",
                                                       "@@ -40,2 +41,3 @@ int close_file(struct file *f)"])
        #expect(r.comments.map(\.anchor) == [.line(patch: "missing", file: "fs/file.c", side: .new, line: 13),
                                            .line(patch: "missing", file: "fs/file.c", side: .new, line: 43)])
        #expect(r.comments.map(\.hunk) == [0, 1])
    }
}

@Suite struct SingleMessageTests {
    /// The raw form of the seed, read alone: the patch is rebuilt from its quotes under the real
    /// parent Message-ID, and the comments land on the same lines as with the patch present.
    @Test func rawSeedAloneMatchesTheSeedAndTheRealPatch() throws {
        let alone = try sharedReview("threads/vm_uffd_ops/020-v2-re1-lorenzo-aaaca9d4.eml")
        let seed = try sharedReview("threads/seed-lkml-web.txt")
        let withPatch = try sharedReview(["threads/vm_uffd_ops/002-v2-1of4-introduce-vm_uffd_ops.eml",
                                          "threads/vm_uffd_ops/020-v2-re1-lorenzo-aaaca9d4.eml"])
        let partial = try #require(alone.patches.first)
        #expect(partial.partial && partial.messageId == "20250627154655.2085903-2-peterx@redhat.com")
        #expect(withPatch.patches.first?.partial == false)
        func places(_ r: Review) -> [String] {
            r.comments.map { c in
                switch c.anchor {
                case .line(_, let f, let s, let n): "\(f):\(s.rawValue):\(n)"
                case .commitMessage(_, let p): "msg:\(p)"
                case .general: "general"
                }
            }
        }
        #expect(alone.comments.count == 14)
        #expect(places(alone) == places(seed))
        #expect(places(withPatch) == places(seed))
    }
}
