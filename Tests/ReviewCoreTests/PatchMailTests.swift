import Foundation
import Testing
import MailCore
import ReviewCore
import TestSupport

@Suite struct PatchMailTests {
    /// The commit message is the body's own range when no line of it ends in a CR, a joined copy
    /// without the CRs otherwise; either way the same text, and patches compare by that text.
    @Test(arguments: ["\n", "\r\n"]) func commitMessageIsTheSameTextHoweverItIsKept(_ eol: String) {
        let lines = ["mm: add vm_uffd_ops", "", "Sé the hooks,", "  indented.", "",
                     "Signed-off-by: A <a@example.org>", "---", " mm/x.c | 1 +", "",
                     "diff --git a/mm/x.c b/mm/x.c", "--- a/mm/x.c", "+++ b/mm/x.c", "@@ -1 +1,2 @@", " a", "+b"]
        let body = lines.joined(separator: eol) + eol
        let pm = PatchMail(body: body)
        #expect(pm.message == "mm: add vm_uffd_ops\n\nSé the hooks,\n  indented.")
        #expect(pm.trailers.map(\.name) == ["Signed-off-by"])
        var copy = pm
        copy.message = String(pm.message)
        #expect(copy == pm)
        copy.message += " "
        #expect(copy != pm)
    }

    @Test func scissorsDropsTheTextAboveIt() {
        let body = """
        Thanks for the report; how about this?

        -- >8 --
        Subject: [PATCH] x: fix y

        Fix y properly.

        Signed-off-by: A <a@example.org>
        ---
        diff --git a/x b/x
        --- a/x
        +++ b/x
        @@ -1 +1 @@
        -y
        +z
        """
        let pm = PatchMail(body: body)
        #expect(pm.inBodySubject == "[PATCH] x: fix y")
        #expect(pm.message == "Fix y properly.")
        #expect(pm.trailers.map(\.line) == ["Signed-off-by: A <a@example.org>"])
        #expect(pm.files.map(\.path) == ["x"])
    }

    @Test func foldedInBodyHeadersSetAuthorAndSubject() {
        let pm = PatchMail(body: "From: Another Thor\n <a.thor@example.com>\nSubject: This one contains\n\ta tab\n and a space\n\na commit message\n")
        #expect(pm.inBodyFrom == Address(name: "Another Thor", email: "a.thor@example.com"))
        #expect(pm.inBodySubject == "This one contains a tab and a space")
        #expect(pm.message == "a commit message")
    }

    @Test func diffstatAndAppendix() throws {
        let r = try sharedReview("corpus/b4/trailers-followup-with-diffstat.mbox")
        let p = try #require(r.patches.first)
        #expect(p.diffstat == [DiffstatEntry(path: "b4/junk.py", changes: 1, graph: "1 +-")])
        #expect(p.diffstatSummary == "1 file changed, 1 insertion(+), 1 deletion(-)")
        // The reply quotes a sentence that is not in the patch: the comment is on the patch as a whole,
        // and the unplaced quote is recorded.
        #expect(r.comments.first?.anchor == .general(patch: p.messageId))
        #expect(r.defects.contains { $0.kind == .unmatchedQuote && $0.messageId == "fwup-message-1@example.com" })
    }

    @Test func crlfContentKeepsItsCarriageReturns() {
        let text = "diff --git a/w.bat b/w.bat\r\n--- a/w.bat\r\n+++ b/w.bat\r\n@@ -1,2 +1,2 @@\r\n echo\r\n-old\r\n+new\r\n"
        let f = DiffParser.parse(text).files
        #expect(f.first?.path == "w.bat")
        #expect(f.first?.hunks.first?.lines.map(\.text) == ["echo\r", "old\r", "new\r"])
    }

    @Test func trailersWithParenthesesOrBareAddressesAreCollected() throws {
        let parens = try #require(try sharedReview("corpus/b4/trailers-followup-name-parens.mbox").patches.first)
        #expect(parens.trailers.contains { $0.collected && $0.line == "Reviewed-by: Followup Reviewer1 (corporate) <followup-reviewer1@example.com>" })
        #expect(parens.trailers.contains { $0.collected && $0.line == "Tested-by: Tester2, Followup <followup-tester2@example.com>" })
        #expect(!parens.trailers.contains { $0.value.contains("mismatched") })
        let bare = try #require(try sharedReview("corpus/b4/trailers-followup-bare-address.mbox").patches.first)
        #expect(bare.trailers.filter(\.collected).map(\.name).sorted() == ["Reviewed-by", "Tested-by"])
    }

    @Test func commitMessageWithoutTrailersKeepsItsLastParagraph() {
        let pm = PatchMail(body: "First.\n\nNote: not a trailer block because prose follows\nmore prose here.\n---\n")
        #expect(pm.trailers.isEmpty)
        #expect(pm.message.hasSuffix("more prose here."))
    }
}
