import Foundation
import MailCore
import Notes
import ReviewCore
import Testing
import TestSupport

@Suite struct ReviewBridgeTests {
    @Test func anchorsFromTheReviewModelMatchAnchorsFromTheMail() throws {
        let messages = try Fixture.v2Messages()
        let review = ReviewBuilder.build(messages)
        var compared = 0
        for patch in review.patches {
            let message = try #require(messages.first { $0.messageId == patch.messageId })
            let text = PatchText(message: message)
            for file in patch.files {
                for hunk in file.hunks {
                    #expect(HunkAnchor(patch: patch, file: file, hunk: hunk) == text.hunkAnchor(path: file.path, index: hunk.index))
                    for line in hunk.lines where line.kind != .noNewline {
                        let side = DiffSide(defaultFor: line)
                        let fromReview = LineAnchor(patch: patch, file: file, hunk: hunk, line: line)
                        let number = try #require(side == .new ? line.newLine : line.oldLine)
                        #expect(fromReview == text.lineAnchor(path: file.path, side: side, line: number),
                                "\(file.path):\(side.rawValue):\(number)")
                        compared += 1
                    }
                }
            }
        }
        #expect(compared > 300)
    }

    @Test func notesOnCommentedLinesReattachExactly() throws {
        let messages = try Fixture.v2Messages()
        let review = ReviewBuilder.build(messages)
        var s = Session(input: InputIdentity(source: Fixture.v2Path, messages: messages, review: review))
        #expect(s.input.coverMessageId == Fixture.coverId)
        for c in review.comments {
            s.addNote(NoteAnchor(c.anchor, in: review), text: "re: \(c.id)")
            s.addNote(.comment(CommentAnchor(comment: c)), text: "on \(c.id)")
        }
        let lineNotes = s.notes.filter { if case .line = $0.anchor { return true } else { return false } }
        #expect(!lineNotes.isEmpty)
        let (_, result) = s.reattached(to: messages, source: "again")
        for n in s.notes {
            #expect(result.status[n.id] == .exact, "\(n.text): \(String(describing: result.status[n.id]))")
        }
        // Each line note is drawn under exactly the line it was taken on.
        for n in lineNotes {
            guard case .line(let a) = n.anchor else { continue }
            let patch = try #require(review.patch(id: a.messageId))
            let file = try #require(patch.file(a.path))
            let hits = file.hunks.flatMap(\.lines).filter { s.notes(patch: a.messageId, path: a.path, line: $0).contains(n) }
            #expect(hits.count >= 1)
        }
    }
}
