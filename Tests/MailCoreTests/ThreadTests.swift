import Foundation
import Testing
import TestSupport
@testable import MailCore

/// JWZ threading on the real LKML Maildir and the vm_uffd_ops review threads.
@Suite struct ThreadTests {
    static let coverId = "1277220005-3322-1-git-send-email-sjayaraman@suse.de"

    @Test func cifsCoverIsRootAndDuplicateCollapses() throws {
        let box = try Fixture.box("corpus/notmuch-lkml")
        let roots = box.threads.map(\.messageId)
        #expect(roots.contains(Self.coverId))
        #expect(box.messages.filter { $0.messageId == Self.coverId }.count == 1)
        #expect(box.defects.contains { $0.kind == .duplicateMessageId && $0.detail.contains(Self.coverId) })
        // Every cifs patch 01..10 hangs below the cover.
        let cover = try #require(box.threads.first { $0.messageId == Self.coverId })
        var below = Set<String>()
        func walk(_ n: ThreadNode) { below.insert(n.messageId); n.children.forEach(walk) }
        walk(cover)
        let patches = box.messages.filter { $0.subject.hasPrefix("[RFC][PATCH ") && !$0.subject.hasPrefix("[RFC][PATCH 00/10]") }
        #expect(patches.count == 10)
        for p in patches { #expect(below.contains(p.messageId), "\(p.subject)") }
        // The bogus `<yes>` reference of the cover is reported, not threaded on.
        #expect(!Fixture.parents(box).keys.contains("yes"))
    }

    @Test func v2ThreadShape() throws {
        let box = try Fixture.box("threads/vm_uffd_ops/v2-thread.mbox")
        let parents = Fixture.parents(box)
        let cover = "20250627154655.2085903-1-peterx@redhat.com"
        let patch1 = "20250627154655.2085903-2-peterx@redhat.com"
        #expect(box.threads.map(\.messageId) == [cover])
        func id(_ prefix: String) -> String? { box.messages.first { $0.messageId.hasPrefix(prefix) }?.messageId }
        let m010 = try #require(id("92265a41"))
        let m011 = try #require(id("aGWYT4vF"))
        let m015 = try #require(id("20250630171514"))
        let m020 = try #require(id("aaaca9d4"))
        let m021 = try #require(id("aGD-QxroTEDUh1eX"))
        #expect(parents[m010] == .some(cover))
        #expect(parents[m015] == .some(m010) || parents[m015] == .some(cover))
        #expect(parents[m011] == .some(m010))
        #expect(parents[m020] == .some(patch1))
        #expect(parents[m021] == .some(patch1))
    }

    struct IndexRow: Sendable, CustomStringConvertible {
        var file: String
        var messageId: String
        var inReplyTo: String?
        var date: String
        var subject: String
        var description: String { file }
    }

    /// Rows of the INDEX.md table: file, Message-ID, In-Reply-To, Date, From, Subject, ...
    static let indexRows: [IndexRow] = {
        guard let text = try? String(contentsOf: Repo.sharedFile("threads/vm_uffd_ops/INDEX.md"), encoding: .utf8) else { return [] }
        var rows: [IndexRow] = []
        for line in text.split(separator: "\n") where line.hasPrefix("| ") && line.contains(".eml |") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > 6 else { continue }
            func strip(_ s: String) -> String? {
                let t = s.replacingOccurrences(of: "`", with: "")
                guard t.hasPrefix("<"), t.hasSuffix(">") else { return nil }
                return String(t.dropFirst().dropLast())
            }
            guard let id = strip(cells[2]) else { continue }
            rows.append(IndexRow(file: cells[1], messageId: id, inReplyTo: strip(cells[3]), date: cells[4], subject: cells[6]))
        }
        return rows
    }()

    @Test func indexHasRows() { #expect(Self.indexRows.count >= 20) }

    /// Each .eml alone, and inside its thread mbox: ids, In-Reply-To, date and subject as indexed;
    /// the thread parent is the In-Reply-To message whenever that message is in the mbox.
    @Test(arguments: indexRows)
    func indexedMessage(_ row: IndexRow) throws {
        let single = try Fixture.box("threads/vm_uffd_ops/\(row.file)")
        let m = try #require(single.messages.first)
        #expect(m.messageId == row.messageId)
        #expect(m.inReplyTo == row.inReplyTo)
        #expect(m.subject == row.subject)
        #expect(m.date == DateParser.parse(row.date))
        #expect(m.date != nil)

        let mboxes = ["v2-thread.mbox", "v3-thread.mbox", "v4-thread.mbox", "mike-v2-thread.mbox"]
        var found = false
        for name in mboxes {
            let box = try Fixture.box("threads/vm_uffd_ops/\(name)")
            guard box.messages.contains(where: { $0.messageId == row.messageId }) else { continue }
            found = true
            let parents = Fixture.parents(box)
            if let irt = row.inReplyTo, box.messages.contains(where: { $0.messageId == irt }) {
                #expect(parents[row.messageId] == .some(irt), "\(name)")
            } else if row.inReplyTo == nil {
                #expect(parents[row.messageId] == .some(nil), "\(name)")
            }
        }
        #expect(found)
    }

    @Test func subjectFallbackOnlyWithoutHeaders() {
        let raw = """
            From nobody Mon Sep 17 00:00:00 2001
            From: a@x.org
            Message-ID: <root@x.org>
            Subject: [PATCH] thing

            body
            From nobody Mon Sep 17 00:00:00 2001
            From: b@x.org
            Message-ID: <reply@x.org>
            Subject: Re: [PATCH] thing

            no headers, joined by subject
            From nobody Mon Sep 17 00:00:00 2001
            From: c@x.org
            Message-ID: <other@x.org>
            In-Reply-To: <elsewhere@x.org>
            Subject: Re: [PATCH] thing

            has a header: stays under its own parent
            """
        let box = MailReader.parse(bytes: Array(raw.utf8), source: "t")
        let parents = Fixture.parents(box)
        #expect(parents["reply@x.org"] == .some("root@x.org"))
        #expect(parents["other@x.org"] == .some("elsewhere@x.org") || parents["other@x.org"] == .some(nil))
        #expect(parents["other@x.org"] != .some("root@x.org"))
    }

    @Test func referenceLoopsDoNotHang() {
        let raw = """
            From nobody Mon Sep 17 00:00:00 2001
            Message-ID: <a@x>
            References: <b@x>

            a
            From nobody Mon Sep 17 00:00:00 2001
            Message-ID: <b@x>
            References: <a@x>

            b
            """
        let box = MailReader.parse(bytes: Array(raw.utf8), source: "t")
        #expect(box.messages.count == 2)
        var count = 0
        func walk(_ n: ThreadNode) { if n.messageIndex != nil { count += 1 }; n.children.forEach(walk) }
        box.threads.forEach(walk)
        #expect(count == 2)
    }

    /// A reply chain far deeper than any thread (each message answering the previous one, with
    /// References only naming the parent, or naming every ancestor): it threads without
    /// recursing down the chain, every message appears once, the tree stops at `maxDepth` with
    /// the deeper replies flat and in order below the message there, a `threadTooDeep` defect
    /// says so, and both renderings finish.
    @Test(arguments: [false, true]) func deepReplyChain(_ fullReferences: Bool) {
        let n = fullReferences ? 1_500 : 30_000
        var raw = ""
        for i in 0..<n {
            raw += "From x Mon Sep 17 00:00:00 2001\nMessage-ID: <m\(i)@x>\n"
            if i > 0 {
                let refs = fullReferences ? (0..<i).map { "<m\($0)@x>" }.joined(separator: " ") : "<m\(i - 1)@x>"
                raw += "In-Reply-To: <m\(i - 1)@x>\nReferences: \(refs)\n"
            }
            raw += "Subject: Re: chain\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nbody \(i)\n"
        }
        let box = MailReader.parse(bytes: Array(raw.utf8), source: "chain")
        #expect(box.messages.count == n)
        #expect(box.threads.count == 1)
        var order: [Int] = []
        var maxDepth = 0
        var stack: [(ThreadNode, Int)] = box.threads.map { ($0, 0) }
        while let (node, depth) = stack.popLast() {
            if let i = node.messageIndex { order.append(i) }
            maxDepth = max(maxDepth, depth)
            stack += node.children.reversed().map { ($0, depth + 1) }
        }
        #expect(order == Array(0..<n))
        #expect(maxDepth == Threader.maxDepth + 1)
        #expect(box.defects.filter { $0.kind == .threadTooDeep }.count == 1)
        #expect(MailboxRendering.human(box).hasSuffix("\(n) messages, 1 thread, 1 defect, format mboxo\n"))
        #expect(MailboxRendering.json(box).count > n * 20)
    }
}
