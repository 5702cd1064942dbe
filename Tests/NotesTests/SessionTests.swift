import Foundation
import MailCore
import Notes
import Testing
import TestSupport

@Suite struct SessionTests {
    @Test func notesAreAddedEditedAndDeletedByStableIds() {
        var s = Session(input: InputIdentity(source: "x", messageIds: ["b", "a"], seriesSubject: "[PATCH 0/2] foo", coverMessageId: "a"))
        let first = s.addNote(.series, text: "one")
        let second = s.addNote(.patch(messageId: "b"), text: "two")
        #expect(first == "n1" && second == "n2")
        let edited = s.editNote(id: "n1", text: "uno")
        let editedMissing = s.editNote(id: "n9", text: "nothing")
        #expect(edited && !editedMissing)
        #expect(s.notes.first?.text == "uno")
        let deleted = s.deleteNote(id: "n1")
        let deletedTwice = s.deleteNote(id: "n1")
        #expect(deleted && !deletedTwice)
        let third = s.addNote(.series, text: "three")
        #expect(third == "n3", "ids never repeat after a deletion")
        #expect(s.notes.map(\.text) == ["two", "three"])
        #expect(s.notes(onMessage: "b").map(\.id) == ["n2"])
        #expect(s.input.messageIds == ["a", "b"])
    }

    @Test func seriesSlugComesFromTheCleanedSubject() throws {
        let messages = try Fixture.v2Messages()
        let identity = InputIdentity(source: Fixture.v2Path, messages: messages)
        #expect(identity.coverMessageId == Fixture.coverId)
        #expect(SeriesInfo.slug(identity.seriesSubject) == "mm-userfaultfd-modulize-memory-types")
        let url = Session.defaultURL(seriesSubject: identity.seriesSubject, workingDirectory: URL(fileURLWithPath: "/w"))
        #expect(url.path == "/w/reviews/mm-userfaultfd-modulize-memory-types/session.json")
        #expect(SeriesInfo.slug("Re: [RFC PATCH net-next v3 0/4] Ünïcode: ok!!") == "n-code-ok")
        #expect(SeriesInfo.slug("[PATCH]") == "review")
    }

    @Test func jsonExportImportsBackToTheSameNotes() throws {
        let messages = try Fixture.v2Messages()
        let session = try Fixture.session(messages: messages)
        let data = try NotesJSON(session: session, messages: messages).encoded()
        let imported = try NotesJSON.importNotes(data)
        #expect(imported == session.notes)
        // The export carries the quoted code for readers of the JSON.
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let notes = try #require(object["notes"] as? [[String: Any]])
        let quoted = try #require(notes.first?["quoted"] as? [String])
        #expect(quoted.contains("+\tconst struct vm_uffd_ops *userfaultfd_ops;"))
        #expect(notes.first?["location"] as? String == "include/linux/mm.h:+663")
        // Importing into an empty session gives the same notes again (fresh ids in order).
        var fresh = Session(input: session.input)
        fresh.importNotes(imported)
        #expect(fresh.notes.map(\.anchor) == session.notes.map(\.anchor))
        #expect(fresh.notes.map(\.text) == session.notes.map(\.text))
        #expect(fresh.notes.map(\.evidence) == session.notes.map(\.evidence))
        // A second import adds nothing.
        let again = fresh.importNotes(imported)
        #expect(again.isEmpty)
    }

    @Test func importRefusesOtherFiles() {
        #expect(throws: NotesJSON.ImportError.self) { try NotesJSON.importNotes(Data("{}".utf8)) }
        #expect(throws: NotesJSON.ImportError.self) {
            try NotesJSON.importNotes(Data(#"{"format":"patchlab-notes","formatVersion":99,"input":{"source":"","messageIds":[],"seriesSubject":""},"links":[],"notes":[]}"#.utf8))
        }
    }

    @Test func markdownReportHasFencedCodeAndEvidenceTables() throws {
        let messages = try Fixture.v2Messages()
        let session = try Fixture.session(messages: messages)
        let md = MarkdownReport.render(session: session, messages: messages)
        #expect(md.hasPrefix("# Review notes: \\[PATCH v2 0/4\\] mm/userfaultfd: modulize memory types\n"))
        #expect(md.contains("## \\[PATCH v2 1/4\\] mm: Introduce vm\\_uffd\\_ops API"))
        #expect(md.contains("### `include/linux/mm.h:+663`\n\n```diff\n@@ -653,6 +655,13 @@ struct vm_operations_struct {\n"))
        #expect(md.contains("+\tconst struct vm_uffd_ops *userfaultfd_ops;\n"))
        #expect(md.contains("| S12 module hook takes mmap_lock | deadlock | circular_dependency: possible circular locking dependency detected |"))
        // Hunk and line notes follow the order of the patch.
        let hunkNote = try #require(md.range(of: "### `include/linux/mm.h hunk 1 (@@ -576 +576 @@)`"))
        let lineNote = try #require(md.range(of: "### `include/linux/mm.h:+663`"))
        #expect(hunkNote.lowerBound < lineNote.lowerBound)
        // Notes appear in patch order: the mm.h line note before the userfaultfd_k.h one.
        let a = try #require(md.range(of: "include/linux/mm.h:+663"))
        let b = try #require(md.range(of: "include/linux/userfaultfd_k.h:+117"))
        #expect(a.lowerBound < b.lowerBound)
        #expect(md.contains("> " + Fixture.firstUnquotedParagraph(try #require(messages.first { $0.messageId == Fixture.rpptReplyId }).body)
            .split(separator: "\n")[0]))
    }
}

@Suite struct SessionSyncTests {
    @Test func synchronisingWithAViewKeepsIdsEvidenceAndHiddenNotes() throws {
        let messages = try Fixture.v2Messages()
        let base = try Fixture.session(messages: messages)
        // The view cannot show comment notes (say, the reply is filtered out).
        let visible: (NoteAnchor) -> Bool = { if case .comment = $0 { return false } else { return true } }
        var shown = base.notes.filter { visible($0.anchor) }.map { (anchor: $0.anchor, text: $0.text) }
        shown[1].text = "edited in the view"
        shown.remove(at: 2) // the hunk note was deleted
        shown.append((anchor: .patch(messageId: Fixture.patch2Id), text: "a new note"))
        let synced = base.synchronised(with: shown, visible: visible, at: Fixture.now)
        #expect(synced.notes.map(\.id) == ["n1", "n2", "n4", "n5", "n6", "n7"])
        #expect(synced.notes[0] == base.notes[0], "unchanged notes keep evidence and dates")
        #expect(synced.notes[1].text == "edited in the view" && synced.notes[1].created == base.notes[1].created)
        #expect(synced.notes[4] == base.notes[5], "the hidden comment note is kept")
        #expect(synced.notes[5].anchor == .patch(messageId: Fixture.patch2Id))
        // Synchronising with what is already there changes nothing.
        let again = synced.synchronised(with: synced.notes.filter { visible($0.anchor) }.map { ($0.anchor, $0.text) },
                                        visible: visible, at: Fixture.now)
        #expect(again == synced)
    }
}
