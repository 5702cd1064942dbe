import Foundation
import Notes
import Testing
import TestSupport

@Suite struct SessionStoreTests {
    private func sample() -> Session {
        var s = Session(input: InputIdentity(source: "t.mbox", messageIds: ["m1@x", "m2@x"],
                                             seriesSubject: "[PATCH 0/1] demo", coverMessageId: "m1@x"),
                        design: "P4")
        s.addNote(.series, text: "first", at: Fixture.now)
        return s
    }

    @Test func saveThenLoadGivesTheSameSession() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var store = SessionStore(url: dir.file("reviews/demo/session.json"))
        let first = try store.load()
        #expect(first == .missing)
        let s = sample()
        let wrote = try store.save(s)
        let wroteAgain = try store.save(s)
        #expect(wrote)
        #expect(!wroteAgain, "an unchanged session is not written again")
        var other = SessionStore(url: store.url)
        let loaded = try other.load()
        #expect(loaded == .loaded(s))
        #expect(store.strayTempFiles().isEmpty)
        let text = try String(contentsOf: store.url, encoding: .utf8)
        #expect(text.contains("\"formatVersion\" : 1"))
    }

    @Test func injectedFailureBeforeRenameKeepsThePreviousSession() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var store = SessionStore(url: dir.file("session.json"))
        let old = sample()
        try store.save(old)
        let before = try Data(contentsOf: store.url)
        var changed = old
        changed.addNote(.series, text: "second")
        store.injectFault = .beforeRename
        #expect(throws: SessionError.self) { try store.save(changed) }
        #expect(try Data(contentsOf: store.url) == before)
        #expect(store.strayTempFiles().isEmpty, "a failed save cleans its temp file")
        var reader = SessionStore(url: store.url)
        let stillOld = try reader.load()
        #expect(stillOld == .loaded(old))
        // The next save without the fault goes through.
        store.injectFault = nil
        let wrote = try store.save(changed)
        #expect(wrote)
        let now = try reader.load()
        #expect(now == .loaded(changed))
    }

    @Test func interruptedSaveLeavesATempFileAndTheOldSessionReadable() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var store = SessionStore(url: dir.file("session.json"))
        let old = sample()
        try store.save(old)
        var changed = old
        changed.addNote(.series, text: "lost keystrokes")
        store.injectFault = .beforeRename
        store.leaveTempOnFault = true
        #expect(throws: SessionError.self) { try store.save(changed) }
        let stray = store.strayTempFiles()
        #expect(stray.count == 1)
        // The leftover holds the complete new session; the real file the old one.
        let leftover = try Data(contentsOf: try #require(stray.first))
        #expect(SessionStore.decode(leftover) == .success(changed))
        var reader = SessionStore(url: store.url)
        let stillOld = try reader.load()
        #expect(stillOld == .loaded(old))
        #expect(reader.removeStrayTempFiles(olderThan: 0).count == 1)
        #expect(reader.strayTempFiles().isEmpty)
    }

    @Test func failedTempCreationKeepsThePreviousSession() throws {
        // A file name so long that the temp name beside it exceeds NAME_MAX: fails even as root.
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let name = String(repeating: "s", count: 240) + ".json"
        let store = SessionStore(url: dir.file(name))
        let old = sample()
        // The previous session got there some other way (the name itself is legal).
        try SessionStore.encode(old).write(to: store.url)
        let before = try Data(contentsOf: store.url)
        var changed = old
        changed.addNote(.series, text: "second")
        var newStore = SessionStore(url: store.url)
        _ = try newStore.load()
        #expect {
            try newStore.save(changed)
        } throws: { error in
            guard let e = error as? SessionError, case .io(let step, _) = e.kind else { return false }
            return step == "create temp file"
        }
        #expect(try Data(contentsOf: store.url) == before)
    }

    @Test(.enabled(if: getuid() != 0, "root ignores directory permissions; the NAME_MAX and injected cases cover root"))
    func unwritableDirectoryKeepsThePreviousSession() throws {
        let dir = try ScratchDirectory()
        defer {
            chmod(dir.url.path, 0o755)
            dir.remove()
        }
        var store = SessionStore(url: dir.file("session.json"))
        let old = sample()
        try store.save(old)
        chmod(dir.url.path, 0o555)
        var changed = old
        changed.addNote(.series, text: "second")
        #expect(throws: SessionError.self) { try store.save(changed) }
        var reader = SessionStore(url: store.url)
        let stillOld = try reader.load()
        #expect(stillOld == .loaded(old))
    }

    @Test func newerFormatIsRefusedAndLeftUntouched() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let url = dir.file("session.json")
        let future = Data(#"{"formatVersion": 7, "somethingNew": {"x": 1}}"#.utf8)
        try future.write(to: url)
        var store = SessionStore(url: url)
        #expect {
            try store.load()
        } throws: { error in
            guard let e = error as? SessionError, case .newerFormat(let found, let supported) = e.kind else { return false }
            return found == 7 && supported == Session.currentFormatVersion && e.description.contains("newer")
        }
        // A store that never loaded must not clobber it either.
        var blind = SessionStore(url: url)
        #expect(throws: SessionError.self) { try blind.save(sample()) }
        #expect(try Data(contentsOf: url) == future)
    }

    struct CorruptCase: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: String
        var testDescription: String { name }
    }

    static let corrupt: [CorruptCase] = [
        CorruptCase(name: "truncated JSON", bytes: #"{"formatVersion": 1, "notes": ["#),
        CorruptCase(name: "no version", bytes: #"{"notes": []}"#),
        CorruptCase(name: "wrong shape", bytes: #"{"formatVersion": 1, "notes": 3}"#),
        CorruptCase(name: "binary", bytes: "\u{0}\u{1}\u{2}garbage"),
    ]

    @Test(arguments: corrupt)
    func corruptFileIsMovedAsideAndReported(_ c: CorruptCase) throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let url = dir.file("session.json")
        try Data(c.bytes.utf8).write(to: url)
        var store = SessionStore(url: url)
        let result = try store.load(now: Fixture.now)
        guard case .movedAside(let movedTo, let reason) = result else {
            Issue.record("expected the file to be moved aside, got \(result)")
            return
        }
        #expect(movedTo.hasSuffix("session.json.corrupt-20251125T002000Z"))
        #expect(!reason.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: movedTo)) == Data(c.bytes.utf8))
        #expect(!FileManager.default.fileExists(atPath: url.path))
        // Saving afterwards writes a fresh session without touching the moved copy.
        try store.save(sample())
        #expect(FileManager.default.fileExists(atPath: movedTo))
    }
}
