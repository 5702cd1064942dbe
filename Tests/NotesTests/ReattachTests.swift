import Foundation
import MailCore
import Notes
import Testing
import TestSupport

@Suite struct ReattachTests {
    /// A Maildir holding the thread's messages, built in a scratch directory.
    private func maildir(from raw: [String], in dir: ScratchDirectory) throws -> String {
        let root = dir.file("Maildir")
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        for (i, m) in raw.enumerated() {
            try Data(m.utf8).write(to: root.appendingPathComponent("cur/\(1_751_000_000 + i).\(i).patchlab:2,S"))
        }
        return root.path
    }

    private func expectAllExact(_ session: Session, onto messages: [Message], source: String) {
        let (moved, result) = session.reattached(to: messages, source: source)
        for n in session.notes {
            #expect(result.status[n.id] == .exact, "note \(n.id) \(NoteText.location(n.anchor)): \(String(describing: result.status[n.id]))")
        }
        #expect(moved.notes.map(\.anchor) == session.notes.map(\.anchor))
        #expect(moved.input.source == source)
        #expect(moved.input.messageIds == session.input.messageIds)
    }

    @Test func sessionFromTheMboxReattachesToAMaildirCopy() throws {
        let messages = try Fixture.v2Messages()
        let session = try Fixture.session(messages: messages)
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let raw = try Fixture.rawMessages(mboxPath: Fixture.v2Path)
        #expect(raw.count == messages.count)
        let path = try maildir(from: raw, in: dir)
        let copy = try MailReader.read(path: path)
        #expect(copy.format == .maildir)
        #expect(InputIdentity(source: path, messages: copy.messages).messageIds == session.input.messageIds)
        expectAllExact(session, onto: copy.messages, source: path)
    }

    @Test func sessionReattachesToAReorderedMbox() throws {
        let messages = try Fixture.v2Messages()
        let session = try Fixture.session(messages: messages)
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let raw = try Fixture.rawMessages(mboxPath: Fixture.v2Path)
        let reordered = raw.reversed().map { "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n" + $0 + "\n" }.joined()
        let url = dir.file("reordered.mbox")
        try Data(reordered.utf8).write(to: url)
        let copy = try MailReader.read(path: url.path).messages
        #expect(copy.first?.messageId != messages.first?.messageId)
        expectAllExact(session, onto: copy, source: url.path)
    }

    @Test func aLineThatMovedIsFoundByItsFingerprint() throws {
        let messages = try Fixture.v2Messages()
        let original = try #require(messages.first { $0.messageId == Fixture.patch1Id })
        let session = try Fixture.session(messages: messages)
        // Another copy of the patch in which 3 context lines were added before the hunk moved the
        // mm.h hunk down by 3 lines on both sides.
        var shifted = original
        shifted.body = original.body.replacingOccurrences(of: "@@ -653,6 +655,13 @@", with: "@@ -656,6 +658,13 @@")
        let copy = messages.map { $0.messageId == Fixture.patch1Id ? shifted : $0 }
        let (moved, result) = session.reattached(to: copy, source: "shifted")
        let note = try #require(moved.notes.first)
        guard case .line(let l) = note.anchor else {
            Issue.record("expected a line anchor")
            return
        }
        #expect(l.line == 666)
        #expect(result.status[note.id] == .moved(from: "<\(Fixture.patch1Id)> include/linux/mm.h:new:663",
                                               to: "<\(Fixture.patch1Id)> include/linux/mm.h:new:666"))
        // Notes elsewhere are untouched.
        #expect(result.status["n2"] == .exact)
    }

    @Test func aLineThatIsGoneIsReportedOrphanedAndKept() throws {
        let messages = try Fixture.v2Messages()
        let session = try Fixture.session(messages: messages)
        let withoutPatch = messages.filter { $0.messageId != Fixture.patch1Id }
        let (moved, result) = session.reattached(to: withoutPatch, source: "partial")
        #expect(Set(result.orphans) == ["n1", "n2", "n3", "n4"])
        #expect(moved.notes == session.notes, "orphans keep their anchors")
        #expect(result.status["n5"] == .exact)
        #expect(result.status["n6"] == .exact)
    }

    @Test func notesOnV2FollowUnchangedCodeIntoV4() throws {
        let messages = try Fixture.v2Messages()
        let session = try Fixture.session(messages: messages)
        let v4 = try MailReader.read(path: Repo.sharedFile("threads/vm_uffd_ops/v4-thread.mbox").path).messages
        let v4Patch1 = "20251014231501.2301398-2-peterx@redhat.com"
        try #require(v4.contains { $0.messageId == v4Patch1 })
        let (moved, result) = session.reattached(to: v4, source: "v4")
        // The userfaultfd_ops field: same text and context, now at +715 of v4's 1/4.
        guard case .line(let field) = moved.notes[0].anchor else {
            Issue.record("expected a line anchor")
            return
        }
        #expect(field.messageId == v4Patch1 && field.path == "include/linux/mm.h" && field.line == 715)
        #expect(result.status["n1"] == .moved(from: "<\(Fixture.patch1Id)> include/linux/mm.h:new:663",
                                              to: "<\(v4Patch1)> include/linux/mm.h:new:715"))
        // The forward-declaration hunk is identical in v4.
        guard case .hunk(let hunk) = moved.notes[2].anchor else {
            Issue.record("expected a hunk anchor")
            return
        }
        #expect(hunk.messageId == v4Patch1 && hunk.oldStart == 620)
        // uffd_ioctls is gone from v4: that note is orphaned, not misplaced.
        #expect(result.orphans.contains("n2"))
    }
}
