import Foundation
import Testing
import TestSupport
@testable import MailCore

/// Formats, gzip, stdin-like bytes, the web-archive seed, and a table of hostile inputs.
@Suite struct InputTests {
    @Test(.enabled(if: Tool.available("git"), "git is not installed"),
          arguments: ["threads/vm_uffd_ops/v2-thread.mbox", "corpus/git/t/t5100/sample.mbox",
                      "corpus/b4/trailers-thread-with-followups.mbox", "corpus/patchwork/series/revision-basic.mbox"])
    func messageRangesSplitLikeGitMailsplit(_ file: String) throws {
        let url = Repo.sharedFile(file)
        let (format, ranges) = try MailReader.messageRanges(path: url.path)
        #expect(format != .singleMessage)
        let git = try #require(try Fixture.gitMailsplitCount(url))
        #expect(ranges.count == git)
        // Ranges tile the file in order, each starting at a separator line.
        let bytes = try Data(contentsOf: url)
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound <= b.lowerBound) }
        for r in ranges { #expect(bytes[r.lowerBound..<min(r.lowerBound + 5, bytes.count)] == Data("From ".utf8)) }
        // The first message starts at the file's first separator (text before it is a preamble).
        let firstFrom = try #require(bytes.range(of: Data("From ".utf8)))
        #expect(ranges.first?.lowerBound == firstFrom.lowerBound)
    }

    @Test func seedIsWebArchiveText() throws {
        let box = try Fixture.box("threads/seed-lkml-web.txt")
        #expect(box.format == .webArchiveText)
        let m = try #require(box.messages.first)
        #expect(m.subject == "Re: [PATCH v2 1/4] mm: Introduce vm_uffd_ops API")
        #expect(m.from.name == "Lorenzo Stoakes")
        #expect(m.date == DateParser.parse("Mon, 30 Jun 2025 11:17:33 +0000"))
        #expect(m.date?.timeIntervalSince1970 == 1_751_282_253)
        #expect(m.defects.contains { $0.kind == .missingMessageId })
        #expect(m.body.hasPrefix("On Fri, Jun 27, 2025 at 11:46:52AM -0400, Peter Xu wrote:"))
        let again = try Fixture.box("threads/seed-lkml-web.txt")
        #expect(again.messages.first?.messageId == m.messageId)
    }

    @Test(.enabled(if: Tool.available("gzip"), "gzip is not installed to build the input"))
    func gzipInputMatchesPlain() throws {
        let src = Repo.sharedFile("threads/vm_uffd_ops/v2-thread.mbox")
        let plain = try MailReader.read(path: src.path)
        let dir = try ScratchDirectory("h1-gz")
        defer { dir.remove() }
        for level in ["-1", "-9"] {
            let r = try Tool.run("gzip", [level, "-c", src.path])
            try #require(r.status == 0)
            let url = dir.file("thread\(level).gz")
            try r.stdout.write(to: url)
            let box = try MailReader.read(path: url.path)
            #expect(box.messages == plain.messages)
            #expect(box.threads == plain.threads)
            // Truncated: what was decoded is used and the truncation is reported.
            let cut = dir.file("cut\(level).gz")
            try r.stdout.prefix(r.stdout.count / 2).write(to: cut)
            let partial = try MailReader.read(path: cut.path)
            #expect(partial.defects.contains { $0.kind == .truncatedGzip })
            #expect(partial.messages.count >= 1 && partial.messages.count <= plain.messages.count)
        }
    }

    @Test(.enabled(if: Tool.available("gzip"), "gzip is not installed to build the input"))
    func inflateMatchesGzipAtEveryLevel() throws {
        // Short input (fixed Huffman blocks at -1) and longer repetitive input (dynamic blocks,
        // overlapping back-references).
        for text in [Array("short text\n".utf8), self.longText] {
            for level in ["-1", "-6", "-9"] {
                let r = try Tool.run("gzip", [level, "-c"], stdin: Data(text))
                let bytes = [UInt8](r.stdout)
                let (out, failure) = bytes.withUnsafeBufferPointer { Inflate.gunzip($0) }
                #expect(failure == nil)
                #expect(out.bytes == text)
            }
        }
    }

    private var longText: [UInt8] {
        Array(String(repeating: "abcabcabd", count: 5000).utf8) + (0..<2000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
    }

    @Test func inflateStoredBlockAndConcatenatedMembers() throws {
        // A stored block built by hand: BFINAL=1, BTYPE=00, LEN=3, NLEN=~3, "abc".
        let stored: [UInt8] = [0x01, 0x03, 0x00, 0xFC, 0xFF, 0x61, 0x62, 0x63]
        let (raw, f) = stored.withUnsafeBufferPointer { Inflate.inflateRaw($0) }
        #expect(f == nil)
        #expect(raw == Array("abc".utf8))
        // Two gzip members around it, as `cat a.gz b.gz` makes: both are decoded.
        let header: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0xFF]
        let trailer: [UInt8] = [0xC2, 0x41, 0x24, 0x35, 0x03, 0x00, 0x00, 0x00]  // CRC32("abc"), ISIZE 3
        let member = header + stored + trailer
        let (out, failure) = (member + member).withUnsafeBufferPointer { Inflate.gunzip($0) }
        #expect(failure == nil)
        #expect(out.bytes == Array("abcabc".utf8))
    }

    @Test func parseBytesIsLikeReadingAFile() throws {
        let url = Repo.sharedFile("corpus/b4/trailers-thread-with-followups.mbox")
        let data = try [UInt8](Data(contentsOf: url))
        let fromBytes = MailReader.parse(bytes: data, source: "-")
        let fromFile = try MailReader.read(path: url.path)
        #expect(fromBytes.messages == fromFile.messages)
        #expect(fromBytes.source == "-")
    }

    /// A pipe cannot be mapped or sized (`patchlab parse <(zcat thread.mbox.gz)`): it is read as a
    /// stream, plain or gzip, and gives what the file gives.
    @Test(.enabled(if: Tool.available("gzip"), "gzip is not installed to build the input"), arguments: [false, true])
    func aNamedPipeReadsLikeTheFile(gzipped: Bool) throws {
        let url = Repo.sharedFile("threads/vm_uffd_ops/v2-thread.mbox")
        let plain = try Data(contentsOf: url)
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let fifo = scratch.file("thread.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        var payload = plain
        if gzipped {
            payload = try Tool.run("gzip", ["-c", url.path]).stdout
            #expect(payload.prefix(2) == Data([0x1F, 0x8B]))
        }
        let bytes = [UInt8](payload)
        let writer = Thread {
            guard let h = FileHandle(forWritingAtPath: fifo) else { return }
            h.write(Data(bytes))
            try? h.close()
        }
        writer.start()
        let fromPipe = try MailReader.read(path: fifo)
        let fromFile = try MailReader.read(path: url.path)
        #expect(fromPipe.messages.count == 17)
        #expect(fromPipe.messages.map(\.messageId) == fromFile.messages.map(\.messageId))
        #expect(fromPipe.messages.map(\.body) == fromFile.messages.map(\.body))
    }

    @Test func streamingSeesEveryMessage() throws {
        let path = Repo.sharedFile("threads/vm_uffd_ops/v4-thread.mbox").path
        var subjects: [String] = []
        let format = try MailReader.forEachMessage(path: path) { subjects.append($0.subject) }
        #expect(format == .mboxo)
        #expect(subjects == (try MailReader.read(path: path)).messages.map(\.subject))
    }

    @Test func contentLengthLetsUnescapedFromLinesStay() {
        let body = "line\nFrom me Mon Sep 17 00:00:00 2001\nmore\n"
        let raw = "From a Mon Sep 17 00:00:00 2001\nMessage-ID: <1@x>\nContent-Length: \(body.utf8.count)\n\n\(body)"
            + "From b Mon Sep 17 00:00:00 2001\nMessage-ID: <2@x>\n\nsecond\n"
        let box = MailReader.parse(bytes: Array(raw.utf8), source: "t")
        #expect(box.format == .mboxcl2)
        #expect(box.messages.map(\.messageId) == ["1@x", "2@x"])
        #expect(box.messages[0].body.contains("From me"))
    }

    /// A UTF-8 byte order mark before a message or an mbox (Windows editors, some saved pages)
    /// is skipped: the first header stays a header, the first separator a separator.
    @Test func byteOrderMarkIsSkipped() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let single = MailReader.parse(bytes: bom + Array("Subject: first\nFrom: A <a@x>\nMessage-ID: <b@x>\n\nhi\n".utf8), source: "b.eml")
        #expect(single.format == .singleMessage)
        #expect(single.messages.first?.subject == "first")
        #expect(single.defects.isEmpty && single.messages.first?.defects.isEmpty == true)
        let mbox = MailReader.parse(bytes: bom + Array("From a@x Mon Jan  1 00:00:00 2024\nMessage-ID: <1@x>\n\none\n\nFrom a@x Mon Jan  1 00:00:00 2024\nMessage-ID: <2@x>\n\ntwo\n".utf8), source: "b.mbox")
        #expect(mbox.format == .mboxo)
        #expect(mbox.messages.map(\.messageId) == ["1@x", "2@x"])
    }

    // MARK: hostile inputs

    enum Expect: Sendable { case error(MailInputError.Kind), defect(Defect.Kind), messages(Int) }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var bytes: @Sendable () -> [UInt8]
        var expect: Expect
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty file", bytes: { [] }, expect: .error(.noMessages)),
        Case(name: "only blank lines", bytes: { Array("\n\n \n".utf8) }, expect: .error(.noMessages)),
        Case(name: "binary garbage", bytes: {
            var g = SystemRandomNumberGenerator()
            return [0x00, 0xFF, 0x13] + (0..<4096).map { _ in UInt8.random(in: 0...255, using: &g) }
        }, expect: .error(.notMail)),
        Case(name: "corrupt gzip", bytes: { [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF] }, expect: .error(.corruptGzip)),
        Case(name: "truncated multipart", bytes: {
            Array("From: a@x\nMessage-ID: <t@x>\nContent-Type: multipart/mixed; boundary=q\n\n--q\n\nhalf".utf8)
        }, expect: .defect(.truncatedMultipart)),
        Case(name: "multipart without boundary", bytes: {
            Array("From: a@x\nMessage-ID: <t@x>\nContent-Type: multipart/mixed\n\ntext".utf8)
        }, expect: .defect(.missingBoundary)),
        Case(name: "invalid base64", bytes: {
            Array("From: a@x\nMessage-ID: <t@x>\nContent-Transfer-Encoding: base64\n\n!!!!@@@@####\n".utf8)
        }, expect: .defect(.invalidBase64)),
        Case(name: "unknown transfer encoding", bytes: {
            Array("From: a@x\nMessage-ID: <t@x>\nContent-Transfer-Encoding: x-rot13\n\nhi\n".utf8)
        }, expect: .defect(.unknownTransferEncoding)),
        Case(name: "bad date", bytes: { Array("From: a@x\nMessage-ID: <t@x>\nDate: someday\n\nhi\n".utf8) },
             expect: .defect(.invalidDate)),
        Case(name: "20 MB single line", bytes: {
            Array("From: a@x\nMessage-ID: <t@x>\n\n".utf8) + [UInt8](repeating: 0x61, count: 20 << 20)
        }, expect: .messages(1)),
        Case(name: "20 MB single line of From", bytes: {
            Array("From ".utf8) + [UInt8](repeating: 0x3A, count: 20 << 20)
        }, expect: .defect(.invalidAddress)),
        Case(name: "MIME nested 1000 levels", bytes: {
            var s = "From: a@x\nMessage-ID: <deep@x>\nContent-Type: multipart/mixed; boundary=b0\n\n"
            for i in 1...1000 { s += "--b\(i - 1)\nContent-Type: multipart/mixed; boundary=b\(i)\n\n" }
            s += "--b1000\nContent-Type: text/plain\n\ndeep\n"
            for i in stride(from: 1000, through: 0, by: -1) { s += "--b\(i)--\n" }
            return Array(s.utf8)
        }, expect: .defect(.mimeTooDeep)),
        Case(name: "headers only, no body", bytes: { Array("From: a@x\nMessage-ID: <t@x>".utf8) }, expect: .messages(1)),
        Case(name: "NUL bytes in header and body", bytes: {
            Array("From: a@x\nSubject: a".utf8) + [0] + Array("b\nMessage-ID: <t@x>\n\nx".utf8) + [0, 0] + Array("y\n".utf8)
        }, expect: .defect(.nulByte)),
        Case(name: "separator then nothing", bytes: { Array("From x Mon Sep 17 00:00:00 2001\n".utf8) }, expect: .messages(1)),
    ]

    @Test(arguments: cases)
    func hostileInput(_ c: Case) throws {
        let (result, dir) = try Fixture.parseFile(c.bytes())
        defer { dir.remove() }
        switch (c.expect, result) {
        case (.error(let kind), .failure(let e)):
            #expect(e.kind == kind)
            #expect(e.file.hasSuffix("input"))
            #expect(!e.description.contains("\n"))
        case (.defect(let kind), .success(let box)):
            let all = box.defects + box.messages.flatMap(\.defects)
            #expect(all.contains { $0.kind == kind }, "\(all)")
        case (.messages(let n), .success(let box)):
            #expect(box.messages.count == n)
        default:
            switch result {
            case .success(let box): Issue.record("\(c.name): unexpectedly read \(box.messages.count) message(s)")
            case .failure(let e): Issue.record("\(c.name): unexpected error \(e.kind)")
            }
        }
    }

    @Test func directoryThatIsNotAMaildir() throws {
        let dir = try ScratchDirectory("h1-dir")
        defer { dir.remove() }
        #expect(throws: MailInputError.self) { try MailReader.read(path: dir.url.path) }
        do {
            _ = try MailReader.read(path: dir.url.path)
        } catch {
            #expect(error.kind == .notMaildir)
        }
    }

    @Test func directoryOfMailFilesReadsEveryFile() throws {
        // The shared thread folder: single .eml messages, mboxes holding the same messages again,
        // and an INDEX.md that is not mail.
        let dir = Repo.sharedFile("threads/vm_uffd_ops")
        let box = try MailReader.read(path: dir.path)
        #expect(box.format == .directory)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }.sorted()
        var expected = Set<String>()
        for name in names where name != "INDEX.md" {
            let one = try MailReader.read(path: dir.appendingPathComponent(name).path)
            expected.formUnion(one.messages.map(\.messageId))
        }
        #expect(Set(box.messages.map(\.messageId)) == expected)
        #expect(box.messages.count == expected.count)
        #expect(box.defects.contains { $0.detail.contains("INDEX.md") })
        // The .eml files and the mboxes hold the same mail: counted once, not flagged per message.
        #expect(!box.messages.contains { m in m.defects.contains { $0.kind == .duplicateMessageId } })
        #expect(box.defects.contains { $0.kind == .duplicateMessageId && $0.detail.contains("more than one file") })
        // Every message says which file it came from.
        #expect(box.messages.allSatisfy { $0.sourcePath.map { $0.hasPrefix(dir.path) } ?? false })
        // The v2, v3 and v4 cover letters and Mike's are all there.
        for subject in ["[PATCH v2 0/4]", "[PATCH v3 0/4]", "[PATCH v4 0/4]"] {
            #expect(box.messages.contains { $0.subject.hasPrefix(subject) }, "\(subject)")
        }
    }

    @Test func missingFile() {
        do {
            _ = try MailReader.read(path: "/nonexistent/h1/mail.mbox")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .fileNotFound)
            #expect(error.description.hasPrefix("/nonexistent/h1/mail.mbox: "))
        }
    }

    @Test(.enabled(if: getuid() != 0, "running as root: file permissions do not stop reading"))
    func unreadableFile() throws {
        let dir = try ScratchDirectory("h1-perm")
        defer { dir.remove() }
        let url = dir.file("secret.mbox")
        try Data("From: a@x\n\nhi\n".utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: url.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path) }
        try #require(!FileManager.default.isReadableFile(atPath: url.path))
        do {
            _ = try MailReader.read(path: url.path)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .unreadable)
        }
    }

    @Test func garbageBetweenMessagesIsNotFatal() {
        let raw = "From a Mon Sep 17 00:00:00 2001\nMessage-ID: <1@x>\n\nok\n"
            + "From b Mon Sep 17 00:00:00 2001\n\u{1}\u{2}junk without headers\n"
            + "From c Mon Sep 17 00:00:00 2001\nMessage-ID: <3@x>\n\nok\n"
        let box = MailReader.parse(bytes: Array(raw.utf8), source: "t")
        #expect(box.messages.count == 3)
        #expect(box.messages[1].defects.contains { $0.kind == .missingHeaderBodySeparator })
    }
}

/// Large inputs: mapped reading that hands pages back must see exactly what an in-memory parse sees.
@Suite struct LargeInputTests {
    @Test func mappedReadOfSeveralStridesMatchesInMemoryParse() throws {
        var text = ""
        let filler = String(repeating: "diff line of a patch body, nothing special here\n", count: 60)
        var i = 0
        while text.utf8.count < 3 * MailReader.releaseStride {
            text += "From nobody Mon Sep 17 00:00:00 2001\nFrom: A <a@x.org>\nMessage-ID: <m\(i)@x.org>\n"
            text += (i > 0 ? "In-Reply-To: <m\(i - 1)@x.org>\n" : "") + "Subject: part \(i)\n\n\(filler)\n"
            i += 1
        }
        let bytes = Array(text.utf8)
        let dir = try ScratchDirectory("h1-large")
        defer { dir.remove() }
        let url = dir.file("large.mbox")
        try Data(bytes).write(to: url)
        let mapped = try MailReader.read(path: url.path)
        let inMemory = MailReader.parse(bytes: bytes, source: url.path)
        #expect(mapped.messages.count == i)
        #expect(mapped.messages == inMemory.messages)
        var streamed = 0
        try MailReader.forEachMessage(path: url.path) { m in
            if m.messageId == "m\(streamed)@x.org" { streamed += 1 }
        }
        #expect(streamed == i)
    }

    @Test func headerStorageRoundTrip() {
        let fields = [Header(name: "Subject", value: "Ünïcode ✓"), Header(name: "X-Empty", value: ""),
                      Header(name: "", value: "odd"), Header(name: "To", value: "a@x, b@y")]
        let s = HeaderStorage(fields)
        #expect(s.headers == fields)
        var m = Message(messageId: "x", subject: "", from: Address(name: "", email: ""), date: nil, headers: fields, body: "")
        #expect(m.header("SUBJECT") == "Ünïcode ✓")
        #expect(m.header("x-empty") == "")
        #expect(m.header("cc") == nil)
        m.headers.append(Header(name: "Cc", value: "c@z"))
        #expect(m.header("cc") == "c@z")
        #expect(m.headers.count == 5)
    }
}
