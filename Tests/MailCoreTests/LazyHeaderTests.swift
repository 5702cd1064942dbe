import Foundation
import Testing
import TestSupport
@testable import MailCore

/// Headers are decoded on demand from the input (file or buffer); the results equal the eager
/// decoding, and a message whose file is gone or changed falls back to its kept fields (To and
/// Cc, also read from the input, are then empty).
@Suite struct LazyHeaderTests {
    static let files: [URL] = Repo.sharedFiles(under: "corpus") + Repo.sharedFiles(under: "threads")

    /// The same input parsed with every header decoded and kept (no input source).
    static func eager(_ bytes: [UInt8], source: String) -> Mailbox? {
        bytes.withUnsafeBufferPointer { b in try? MailReader.parseBuffer(b, source: source, input: nil) }
    }

    static func isLazy(_ m: Message) -> Bool {
        if case .lazy = m.headerStore { return true }
        return false
    }

    @Test(arguments: files)
    func fileAndBufferHeadersEqualEagerHeaders(_ url: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        guard let eager = Self.eager(bytes, source: url.path) else { return }  // not mail: refused alike
        let fromFile = try MailReader.read(path: url.path)
        let fromBytes = MailReader.parse(bytes: bytes, source: url.path)
        #expect(fromFile.messages.count == eager.messages.count)
        #expect(fromBytes.messages.count == eager.messages.count)
        for (k, e) in eager.messages.enumerated() where k < fromFile.messages.count && k < fromBytes.messages.count {
            let f = fromFile.messages[k], b = fromBytes.messages[k]
            #expect(!Self.isLazy(e))
            // Inputs whose headers are not bytes of the input (archive pages, git log output, bare
            // diffs) keep the ones they were given.
            let madeUp: Set<InputFormat> = [.webArchiveText, .webArchiveHTML, .gitLog, .bareDiff]
            #expect(Self.isLazy(f) == !madeUp.contains(eager.format), "\(url.lastPathComponent) #\(k)")
            #expect(Self.isLazy(b) == !madeUp.contains(eager.format))
            #expect(f.headers == e.headers, "\(url.lastPathComponent) #\(k)")
            #expect(b.headers == e.headers, "\(url.lastPathComponent) #\(k)")
            for name in Set(e.headers.map { $0.name.lowercased() }).union(["x-not-there"]) {
                #expect(f.header(name.uppercased()) == e.header(name), "\(url.lastPathComponent) #\(k) \(name)")
                #expect(b.header(name) == e.header(name))
            }
            #expect(f == e)
            #expect(b == f)
        }
        #expect(fromFile.defects == eager.defects)
    }

    static let sample = """
        From a@b Mon Jan  1 00:00:00 2024
        From: =?UTF-8?Q?J=C3=B6rg?= Example <jorg@example.org>
        To: c@example.org, Dee <d@example.org>
        Cc: "Last, First" <lf@example.org>
        Subject: [PATCH] mm: fold
         the subject
        Date: Mon, 1 Jan 2024 10:00:00 +0100
        Message-ID: <1@example.org>
        In-Reply-To: <0@example.org>
        References: <z@example.org>
         <0@example.org>
        X-Mailer: git-send-email 2.43.0
        DKIM-Signature: v=1; a=rsa-sha256;
        \tb=abcdef

        >>From the body, escaped twice
        text

        """

    @Test func mboxrdHeadersAreReadFromTheFileUnescaped() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let url = dir.file("rd.mbox")
        let bytes = Array(Self.sample.replacingOccurrences(of: "Subject:", with: "X-Quoted: yes\nSubject:").utf8)
        try Data(bytes).write(to: url)
        let box = try MailReader.read(path: url.path)
        let eager = try #require(Self.eager(bytes, source: url.path))
        #expect(box.format == .mboxrd)
        #expect(box.messages.count == 1)
        let m = try #require(box.messages.first)
        guard case .lazy(let lazy) = m.headerStore else {
            Issue.record("headers were decoded eagerly")
            return
        }
        #expect(lazy.unescape)
        #expect(m.headers == eager.messages[0].headers)
        #expect(m.header("x-quoted") == "yes")
        #expect(m.body.hasPrefix(">From the body"))
    }

    static let sampleTo = [Address(name: "", email: "c@example.org"), Address(name: "Dee", email: "d@example.org")]
    static let sampleCc = [Address(name: "Last, First", email: "lf@example.org")]

    @Test func deletedFileFallsBackToKeptFields() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let url = dir.file("one.mbox")
        try Data(Self.sample.utf8).write(to: url)
        let box = try MailReader.read(path: url.path)
        let m = try #require(box.messages.first)
        #expect(m.headers.count == 10)
        #expect(m.header("subject") == "[PATCH] mm: fold the subject")
        #expect(m.header("from") == "Jörg Example <jorg@example.org>")
        #expect(m.header("dkim-signature") == "v=1; a=rsa-sha256;\tb=abcdef")
        #expect(m.to == Self.sampleTo)
        #expect(m.cc == Self.sampleCc)
        try FileManager.default.removeItem(at: url)
        // To and Cc were left in the file with the other headers: gone with it.
        #expect(m.to.isEmpty)
        #expect(m.cc.isEmpty)
        let kept = [
            Header(name: "Subject", value: "[PATCH] mm: fold the subject"),
            Header(name: "From", value: "Jörg Example <jorg@example.org>"),
            Header(name: "Date", value: "Mon, 1 Jan 2024 10:00:00 +0100"),
            Header(name: "Message-ID", value: "<1@example.org>"),
            Header(name: "In-Reply-To", value: "<0@example.org>"),
            Header(name: "References", value: "<z@example.org> <0@example.org>"),
        ]
        #expect(m.keptHeaders == kept)
        #expect(m.headers == kept)
        #expect(m.header("SUBJECT") == "[PATCH] mm: fold the subject")
        #expect(m.header("x-mailer") == nil)
        #expect(m.header("dkim-signature") == nil)
    }

    @Test func changedFileFallsBackToKeptFields() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let url = dir.file("one.mbox")
        try Data(Self.sample.utf8).write(to: url)
        let box = try MailReader.read(path: url.path)
        let m = try #require(box.messages.first)
        #expect(m.header("x-mailer") == "git-send-email 2.43.0")
        // Same length, other bytes: the file's identity (modification time) has changed.
        try Data(Self.sample.replacingOccurrences(of: "X-Mailer", with: "X-Mailed").utf8).write(to: url)
        #expect(m.header("x-mailer") == nil)
        #expect(m.headers == m.keptHeaders)
        #expect(m.to.isEmpty)
        #expect(m.cc.isEmpty)
        #expect(!m.keptHeaders.contains { $0.name == "To" || $0.name == "Cc" })
    }

    @Test func addressesAreParsedFromTheInputAndKeptOnceChanged() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let url = dir.file("one.mbox")
        try Data(Self.sample.utf8).write(to: url)
        let box = try MailReader.read(path: url.path)
        let read = try #require(box.messages.first)
        var changed = read
        changed.cc.append(Address(name: "New", email: "new@example.org"))
        var assigned = read
        assigned.headers = []
        let copy = read
        #expect(copy == read)
        #expect(changed != read)
        // Same-length rewrite: the file's identity changes, the kept copies do not.
        try Data(Self.sample.replacingOccurrences(of: "Dee", with: "Dan").utf8).write(to: url)
        #expect(read.to.isEmpty)
        #expect(copy == read)
        #expect(changed.to == Self.sampleTo)
        #expect(changed.cc == Self.sampleCc + [Address(name: "New", email: "new@example.org")])
        #expect(assigned.to == Self.sampleTo)
        #expect(assigned.cc == Self.sampleCc)
        #expect(assigned.keptHeaders.contains(Header(name: "To", value: "c@example.org, Dee <d@example.org>")))
    }

    @Test func bufferAddressesEqualEagerAddresses() throws {
        let bytes = Array(Self.sample.utf8)
        let lazy = MailReader.parse(bytes: bytes, source: "sample")
        let eager = try #require(Self.eager(bytes, source: "sample"))
        let m = try #require(lazy.messages.first)
        #expect(Self.isLazy(m))
        #expect(m.to == Self.sampleTo)
        #expect(m.cc == Self.sampleCc)
        #expect(eager.messages.first?.to == Self.sampleTo)
        #expect(eager.messages.first?.cc == Self.sampleCc)
        #expect(m == eager.messages.first)
    }

    @Test func assignedHeadersAreKeptAsSet() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let url = dir.file("one.mbox")
        try Data(Self.sample.utf8).write(to: url)
        var m = try #require(try MailReader.read(path: url.path).messages.first)
        m.headers.append(Header(name: "X-Added", value: "1"))
        #expect(!Self.isLazy(m))
        try FileManager.default.removeItem(at: url)
        #expect(m.headers.count == 11)
        #expect(m.header("x-added") == "1")
        #expect(m.header("x-mailer") == "git-send-email 2.43.0")
    }

    @Test func maildirMessagesReadTheirOwnFile() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let cur = dir.url.appendingPathComponent("cur")
        try FileManager.default.createDirectory(at: cur, withIntermediateDirectories: true)
        let one = cur.appendingPathComponent("1:2,S")
        let body = Self.sample.split(separator: "\n", maxSplits: 1)[1]  // no envelope line
        try Data(body.utf8).write(to: one)
        try Data(body.replacingOccurrences(of: "<1@example.org>", with: "<2@example.org>").utf8)
            .write(to: cur.appendingPathComponent("2:2,S"))
        let box = try MailReader.read(path: dir.url.path)
        #expect(box.messages.count == 2)
        #expect(box.messages.allSatisfy(Self.isLazy))
        #expect(box.messages.map { $0.header("message-id") } == ["<1@example.org>", "<2@example.org>"])
        try FileManager.default.removeItem(at: one)
        #expect(box.messages[0].headers == box.messages[0].keptHeaders)
        #expect(box.messages[1].header("x-mailer") == "git-send-email 2.43.0")
    }
}
