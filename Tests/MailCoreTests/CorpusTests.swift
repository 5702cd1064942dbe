import Foundation
import Testing
import TestSupport
@testable import MailCore

/// Every shared input is read without crashing; mbox message counts agree with `git mailsplit`.
@Suite struct CorpusTests {
    static let files: [URL] = Repo.sharedFiles(under: "corpus") + Repo.sharedFiles(under: "threads")

    @Test func corpusIsPresent() {
        #expect(Self.files.count > 100)
    }

    @Test(arguments: files)
    func parsesOrRefusesCleanly(_ url: URL) throws {
        do {
            let box = try MailReader.read(path: url.path)
            #expect(!box.messages.isEmpty)
            for m in box.messages {
                #expect(!m.messageId.isEmpty)
                #expect(!m.messageId.contains("<"))
                for d in m.defects { #expect(d.offset >= 0) }
            }
            // Every message index in the thread forest is valid and appears exactly once.
            var seen = Set<Int>()
            func walk(_ n: ThreadNode) {
                if let i = n.messageIndex {
                    #expect(i < box.messages.count)
                    #expect(seen.insert(i).inserted)
                }
                n.children.forEach(walk)
            }
            box.threads.forEach(walk)
            #expect(seen.count == box.messages.count)
        } catch {
            // Only non-mail (plain diffs, notes, HTML) may be refused, and then with a clear reason.
            #expect(error.kind == .notMail, "\(url.lastPathComponent): \(error)")
            #expect(error.file == url.path)
        }
    }

    @Test(.enabled(if: Tool.available("git"), "git is not installed: no mailsplit oracle"), arguments: files)
    func messageCountMatchesGitMailsplit(_ url: URL) throws {
        guard let expected = try Fixture.gitMailsplitCount(url) else { return }  // git: not an mbox
        let box = try MailReader.read(path: url.path)
        let distinctDuplicates = box.defects.filter { $0.kind == .duplicateMessageId }.count
        #expect(box.messages.count + distinctDuplicates == expected, "\(url.lastPathComponent)")
        if url.lastPathComponent.hasSuffix("mboxrd"), let rd = try Fixture.gitMailsplitCount(url, mboxrd: true) {
            #expect(box.messages.count == rd)
            #expect(box.format == .mboxrd)
        }
    }

    /// t4013 files start with the `$ git format-patch ...` command line: git mailsplit refuses
    /// them ("corrupt mailbox"); we skip the preamble (with a defect) and count like git does on
    /// the rest of the file.
    @Test(arguments: Repo.sharedFiles(under: "corpus/git/t/t4013"))
    func preambleIsSkippedAndRestCountsLikeGit(_ url: URL) throws {
        let box = try MailReader.read(path: url.path)
        #expect(box.defects.contains { $0.kind == .other && $0.offset == 0 })
        guard Tool.available("git") else { return }  // the oracle half needs git
        let data = try Data(contentsOf: url)
        guard let nl = data.firstIndex(of: 0x0A) else { return }
        let dir = try ScratchDirectory("h1-t4013")
        defer { dir.remove() }
        let rest = dir.file("rest")
        try data[(nl + 1)...].write(to: rest)
        let expected = try Fixture.gitMailsplitCount(rest)
        #expect(expected == box.messages.count)
        #expect(box.messages.allSatisfy { $0.from.email.hasSuffix("@example.com") })
    }

    @Test func notmuchMaildirReadsAsADirectory() throws {
        let box = try Fixture.box("corpus/notmuch-lkml")
        #expect(box.format == .maildir)
        let files = Repo.sharedFiles(under: "corpus/notmuch-lkml/cur").count
        #expect(box.messages.count == files - 1)  // one duplicate copy collapsed
        #expect(box.messages.allSatisfy { $0.sourcePath != nil })
    }

    @Test func sampleMboxrdUnescapesQuotedFromLines() throws {
        let box = try Fixture.box("corpus/git/t/t5100/sample.mboxrd")
        #expect(box.format == .mboxrd)
        #expect(box.messages.count == 2)
        let bodies = box.messages.map(\.body).joined()
        // `>>From ` becomes `>From `, `>From ` becomes `From `.
        #expect(bodies.contains("\n>From "))
        #expect(bodies.contains("\nFrom "))
        #expect(!bodies.contains(">>From "))
    }

    @Test func unescapedFromInsideBodyDoesNotSplit() throws {
        let box = try Fixture.box("corpus/git/t/t5100/embed-from.in")
        #expect(box.messages.count == 1)
        #expect(box.messages[0].body.contains("From "))
    }

    @Test func b4SeparatorsSplit() throws {
        let box = try Fixture.box("corpus/patch-hub/lore_session/split_patchset/patchset_sample_complete.mbx")
        #expect(box.messages.count == 3)
    }
}
