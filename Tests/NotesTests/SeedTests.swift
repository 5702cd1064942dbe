import Foundation
import MailCore
import Notes
import ReviewCore
import Testing
import TestSupport

/// The seed is a web-archive reply whose patch is not in the input: the review model rebuilds the
/// quoted hunks into a partial patch, and notes on those lines must survive a reload.
@Suite struct SeedTests {
    static let seed = Repo.sharedFile("threads/seed-lkml-web.txt").path

    @Test func notesOnTheReconstructedPatchReattachAfterAReload() throws {
        let box = try MailReader.read(path: Self.seed)
        let review = ReviewBuilder.build(box.messages)
        try #require(review.patches.contains { $0.partial })
        var s = Session(input: InputIdentity(source: Self.seed, messages: box.messages, review: review))
        for c in review.comments {
            s.addNote(NoteAnchor(c.anchor, in: review), text: "about \(c.id)")
            s.addNote(.comment(CommentAnchor(comment: c)), text: "on \(c.id)")
        }
        let lineNotes = s.notes.filter { if case .line = $0.anchor { return true } else { return false } }
        #expect(lineNotes.count == 8, "1 comment in mm.h and 7 in userfaultfd_k.h")

        // A second read of the same file, as on the next start of patchlab.
        let again = try MailReader.read(path: Self.seed)
        let review2 = ReviewBuilder.build(again.messages)
        let (_, result) = s.reattached(to: again.messages, source: Self.seed, extraPatches: PatchText.reconstructed(in: review2))
        for n in s.notes {
            #expect(result.status[n.id] == .exact, "\(n.text) \(NoteText.location(n.anchor)): \(String(describing: result.status[n.id]))")
        }
        // Without the reconstructed patch the notes on it (its lines and its commit message) have
        // nowhere to go: reported, not lost.
        let partialIds = Set(review.patches.filter(\.partial).map(\.messageId))
        let onPartial = s.notes.filter { $0.anchor.messageId.map(partialIds.contains) ?? false }
        #expect(onPartial.count > lineNotes.count)
        let (kept, bare) = s.reattached(to: again.messages, source: Self.seed)
        #expect(Set(bare.orphans) == Set(onPartial.map(\.id)))
        #expect(kept.notes == s.notes)
    }

    @Test func commentNotesOnTheSeedBecomeAReplyToIt() throws {
        let box = try MailReader.read(path: Self.seed)
        let review = ReviewBuilder.build(box.messages)
        let seedMessage = try #require(box.messages.first)
        var s = Session(input: InputIdentity(source: Self.seed, messages: box.messages, review: review))
        let first = try #require(review.comments.first)
        s.addNote(.comment(CommentAnchor(comment: first)), text: "Agreed, the sentence is unclear.")
        let e = ReplyExporter.export(session: s, messages: box.messages, options: ReplyOptions(from: Fixture.reviewer, now: Fixture.now))
        let mail = try #require(e.mails.first)
        #expect(e.mails.count == 1)
        #expect(mail.inReplyTo == seedMessage.messageId)
        #expect(mail.headers.first { $0.name == "Subject" }?.value == "Re: [PATCH v2 1/4] mm: Introduce vm_uffd_ops API")
        #expect(mail.body.contains("> I'm not sure I understand this. One VMA 'especially when as a module'?\n"))
        #expect(mail.body.contains("\nAgreed, the sentence is unclear.\n"))
    }
}
