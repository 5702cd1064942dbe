import Foundation
import MailCore
import Notes
import Testing
import TestSupport

@Suite struct SessionOpeningTests {
    @Test func openingStartsFreshLoadsAndReportsOrphans() throws {
        let messages = try Fixture.v2Messages()
        let identity = InputIdentity(source: Fixture.v2Path, messages: messages)
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var store = SessionStore(seriesSubject: identity.seriesSubject, workingDirectory: dir.url)
        let fresh = try store.open(messages: messages, identity: identity)
        #expect(!fresh.existed && fresh.session.notes.isEmpty && fresh.notices.isEmpty)
        #expect(fresh.session.input == identity)

        try store.save(try Fixture.session(messages: messages))
        let withoutPatch = messages.filter { $0.messageId != Fixture.patch1Id }
        var again = SessionStore(url: store.url)
        let opened = try again.open(messages: withoutPatch, identity: InputIdentity(source: "copy", messages: withoutPatch))
        #expect(opened.existed)
        #expect(opened.session.notes.count == 6)
        #expect(opened.notices == ["4 note(s) could not be placed in this input: n1, n2, n3, n4"])
        #expect(opened.session.input.messageIds.contains(Fixture.patch1Id), "the identity keeps every message seen")
    }

    @Test func openingMovesACorruptFileAsideAndStraysAreCleaned() throws {
        let messages = try Fixture.v2Messages()
        let identity = InputIdentity(source: Fixture.v2Path, messages: messages)
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var store = SessionStore(url: dir.file("session.json"))
        try Data("{not json".utf8).write(to: store.url)
        let stray = dir.file(store.tempPrefix + "123-456")
        try Data("partial".utf8).write(to: stray)
        try FileManager.default.setAttributes([.modificationDate: Fixture.now.addingTimeInterval(-3600)], ofItemAtPath: stray.path)
        let opened = try store.open(messages: messages, identity: identity, now: Fixture.now)
        #expect(!opened.existed)
        #expect(opened.notices.count == 2)
        #expect(opened.notices[0].hasPrefix("removed 1 temp file(s)"))
        #expect(opened.notices[1].contains("moved aside to \(store.url.path).corrupt-20251125T002000Z"))
        #expect(!FileManager.default.fileExists(atPath: stray.path))
    }
}
