import Foundation
import Testing
import MailCore
import ReviewCore
import TestSupport

@Suite struct InterdiffTests {
    static func v2v4() throws -> Review {
        try sharedReview(["threads/vm_uffd_ops/v2-thread.mbox", "threads/vm_uffd_ops/v3-thread.mbox",
                          "threads/vm_uffd_ops/v4-thread.mbox"])
    }

    @Test func hunkFatesFromV2ToV4() throws {
        let r = try Self.v2v4()
        // v3 is only a cover letter here, so v2 is compared with v4.
        let i = try #require(r.interdiffs.first)
        #expect(r.interdiffs.count == 1)
        #expect((i.fromVersion, i.toVersion) == (2, 4))
        #expect(i.patches.count == 4 && i.patches.allSatisfy { $0.from != nil && $0.to != nil })
        let first = i.patches[0].hunks
        // `struct vm_uffd_ops;` forward declaration: same text, moved (576 -> 620).
        #expect(first.contains(HunkDelta(file: "include/linux/mm.h", fromHunk: 0, toHunk: 0, fate: .unchanged)))
        // The vm_operations_struct hook: new context around it in v4.
        #expect(first.contains(HunkDelta(file: "include/linux/mm.h", fromHunk: 1, toHunk: 1, fate: .changed)))
        #expect(first.contains(HunkDelta(file: "include/linux/userfaultfd_k.h", fromHunk: 0, toHunk: 0, fate: .changed)))
        // v4 4/4 no longer touches include/linux/shmem_fs.h.
        #expect(i.patches[3].hunks.contains(HunkDelta(file: "include/linux/shmem_fs.h", fromHunk: 0, toHunk: nil, fate: .dropped)))
    }

    @Test func whichV2CommentsWereAddressedInV4() throws {
        let r = try Self.v2v4()
        let i = try #require(r.interdiffs.first)
        let lorenzo = r.comments.filter { $0.messageId == "aaaca9d4-b8df-45b8-a3a4-a431c99f26c7@lucifer.local" }
        func status(_ line: Int) -> CommentFate.Status? {
            let c = lorenzo.first { if case .line(_, _, _, let n) = $0.anchor { n == line } else { false } }
            return i.comments.first { $0.commentId == c?.id }?.status
        }
        #expect(status(665) == .unchanged)   // the nested userfaultfd_ops pointer is still there in v4
        let onLine = r.comments(onLine: 143, side: .new, file: "include/linux/userfaultfd_k.h",
                                patch: "20250627154655.2085903-2-peterx@redhat.com")
        // Lorenzo's comment, Suren's reply to it, Lorenzo's answer to Suren and Mike's.
        #expect(Set(onLine.map(\.author.name)) == ["Lorenzo Stoakes", "Suren Baghdasaryan", "Mike Rapoport"])
        #expect(onLine.count == 4)
        #expect(onLine.allSatisfy { r.fate(ofComment: $0.id) == .addressed })
        #expect(status(96) == .unchanged)    // `struct vm_uffd_ops {` kept its name
        #expect(status(128) == .addressed)   // uffd_get_folio became minor_get_folio
        #expect(status(139) == .addressed)   // the uffd_copy() kernel-doc went away
        #expect(status(143) == .addressed)   // uffd_copy() was removed
        // Commit-message comments are not line comments.
        #expect(i.comments.first { $0.commentId == lorenzo[0].id }?.status == .unknown)
    }

    static let base = """
    Msg.

    ---
    diff --git a/a.c b/a.c
    --- a/a.c
    +++ b/a.c
    @@ -1,4 +1,4 @@ int f(void)
     one
    -two
    +TWO
     three
     four
    @@ -20,3 +20,4 @@ int g(void)
     x
    +y
     z
    """

    @Test func movedHunkIsUnchangedAndEditedHunkIsChanged() {
        let v2 = Self.base.replacingOccurrences(of: "@@ -20,3 +20,4 @@", with: "@@ -30,3 +30,4 @@")
            .replacingOccurrences(of: "+TWO", with: "+Two")
        let a = PatchMail(body: Self.base).files, b = PatchMail(body: v2).files
        let fates = InterdiffBuilder.compareFiles(a, b)
        #expect(fates == [HunkDelta(file: "a.c", fromHunk: 1, toHunk: 1, fate: .unchanged),
                          HunkDelta(file: "a.c", fromHunk: 0, toHunk: 0, fate: .changed)])
    }

    @Test func commentOnADeletedLineIsAddressedWhenTheDeletionChanges() throws {
        let v2 = Self.base.replacingOccurrences(of: "-two\n+TWO", with: " two\n+TWO")
            .replacingOccurrences(of: "@@ -1,4 +1,4 @@", with: "@@ -1,4 +1,5 @@")
        func patch(_ id: String, _ v: Int, _ body: String) -> Message {
            mail(id, "[PATCH v\(v)] a: b", from: "Pat Cher <pat@example.org>", date: Double(v) * 100, body)
        }
        let reply = mail("r", "Re: [PATCH v1] a: b", inReplyTo: "p1", date: 150,
                         "On Mon, Pat Cher wrote:\n> -two\nKeep two.\n> +y\nWhy y?\n")
        let r = ReviewBuilder.build([patch("p1", 1, Self.base), reply, patch("p2", 2, v2)])
        #expect(r.comments.map(\.anchor) == [.line(patch: "p1", file: "a.c", side: .old, line: 2),
                                            .line(patch: "p1", file: "a.c", side: .new, line: 21)])
        let i = try #require(r.interdiffs.first)
        #expect(i.comments.map(\.status) == [.addressed, .unchanged])
    }
}
