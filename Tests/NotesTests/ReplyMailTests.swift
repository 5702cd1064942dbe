import Foundation
import MailCore
import Notes
import Testing
import TestSupport

@Suite struct ReplyMailTests {
    private func export() throws -> (messages: [Message], session: Session, export: ReplyExport, mbox: String) {
        let messages = try Fixture.v2Messages()
        let session = try Fixture.session(messages: messages)
        let e = ReplyExporter.export(session: session, messages: messages,
                                     options: ReplyOptions(from: Fixture.reviewer, now: Fixture.now))
        return (messages, session, e, e.mbox(now: Fixture.now))
    }

    @Test func oneReplyPerAnsweredMessageCoverFirst() throws {
        let (_, session, e, _) = try export()
        #expect(e.mails.map(\.inReplyTo) == [Fixture.coverId, Fixture.patch1Id, Fixture.rpptReplyId])
        #expect(e.mails.flatMap(\.noteIds).sorted() == session.notes.map(\.id).sorted())
        #expect(e.skipped.isEmpty)
    }

    @Test func replyHeadersAreReplyAll() throws {
        let (messages, _, e, _) = try export()
        let mail = try #require(e.mails.first { $0.inReplyTo == Fixture.patch1Id })
        let original = try #require(messages.first { $0.messageId == Fixture.patch1Id })
        func header(_ n: String) -> String? { mail.headers.first { $0.name == n }?.value }
        #expect(header("From") == "Ada Reviewer <ada@example.org>")
        #expect(header("To") == "Peter Xu <peterx@redhat.com>")
        #expect(header("Subject") == "Re: [PATCH v2 1/4] mm: Introduce vm_uffd_ops API")
        #expect(header("In-Reply-To") == "<\(Fixture.patch1Id)>")
        #expect(header("References") == "<\(Fixture.coverId)>\n\t<\(Fixture.patch1Id)>", "folded at 78 columns")
        #expect(header("Date") == "Tue, 25 Nov 2025 00:20:00 +0000")
        #expect(header("Content-Type") == "text/plain; charset=UTF-8")
        #expect(header("Content-Transfer-Encoding") == "8bit")
        #expect(header("MIME-Version") == "1.0")
        let cc = try #require(header("Cc"))
        for a in original.to + original.cc where a.email != "peterx@redhat.com" {
            #expect(cc.contains(a.email), "Cc lacks \(a.email)")
        }
        #expect(!cc.contains("peterx@redhat.com"), "the author is in To, not Cc")
        #expect(cc.contains("\"Liam R . Howlett\" <Liam.Howlett@oracle.com>"))
        #expect(mail.messageId.hasSuffix("@example.org") && mail.messageId != Fixture.patch1Id)
        #expect(mail.body.hasPrefix("On Fri, 27 Jun 2025 11:46:52 -0400, Peter Xu wrote:\n"))
    }

    @Test func bodyQuotesOnlyNotedHunksWithContextAndTrims() throws {
        let (messages, _, e, _) = try export()
        let mail = try #require(e.mails.first { $0.inReplyTo == Fixture.patch1Id })
        let lines = mail.body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Headers of the file and hunk are quoted, the code line intact (tab kept), followed by the note.
        let expectedStart = [
            "> diff --git a/include/linux/mm.h b/include/linux/mm.h",
            "> index ef40f68c1183..6a5447bd43fd 100644",
            "> --- a/include/linux/mm.h",
            "> +++ b/include/linux/mm.h",
            "> @@ -576,6 +576,8 @@ struct vm_fault {",
        ]
        let start = try #require(lines.firstIndex(of: expectedStart[0]))
        #expect(Array(lines[start..<start + expectedStart.count]) == expectedStart)
        let field = try #require(lines.firstIndex(of: "> +\tconst struct vm_uffd_ops *userfaultfd_ops;"))
        #expect(lines[field - 3] == "> +\t * Userfaultfd related ops.  Modules need to define this to support")
        #expect(lines[field + 1] == "")
        #expect(lines[field + 2].hasPrefix("Why a pointer nested in vm_operations_struct"))
        #expect(lines.contains("> @@ -653,6 +655,13 @@ struct vm_operations_struct {"))
        #expect(lines.contains("> [...]"))
        // The second file's hunk is long: the start of it is trimmed.
        let ioctls = try #require(lines.firstIndex(of: "> +\tunsigned long uffd_ioctls;"))
        #expect(lines[..<ioctls].contains("> @@ -92,6 +92,58 @@ enum mfill_atomic_mode {"))
        // Patches without notes are not quoted at all.
        #expect(!mail.body.contains("mm/shmem.c"))
        // Prose is wrapped at 72 columns; quoted code and the indented code in a note stay intact.
        for line in lines where !line.hasPrefix(">") && !line.hasPrefix("\t") && !line.hasPrefix(" ") {
            #expect(ProseWrapper.columns(line) <= 72, "too wide: \(line)")
        }
        #expect(lines.contains("    if (ops->uffd_copy) ioctls |= BIT(_UFFDIO_COPY);"))
        let patch = PatchText(message: try #require(messages.first { $0.messageId == Fixture.patch1Id }))
        let original = Set(patch.files.flatMap { $0.headerLines + $0.hunks.flatMap { [$0.header] + $0.rawLines } })
        for line in lines where line.hasPrefix("> ") && line != "> [...]" {
            #expect(original.contains(String(line.dropFirst(2))), "quoted line not in the patch: \(line)")
        }
        // Evidence block.
        #expect(mail.body.contains("Evidence (patchlab model, design P2,ops_lookup=vm_ops):"))
        #expect(mail.body.contains("  S6 CONTINUE on a private shmem mapping: UFFDIO_CONTINUE -> -EINVAL"))
        #expect(mail.body.contains("      warning: circular_dependency: possible circular locking\n        dependency detected"))
        // General patch notes come after the quotes.
        let overall = try #require(lines.firstIndex { $0.hasPrefix("Overall the API shape") })
        #expect(overall > ioctls)
    }

    @Test func mboxSplitsAndParsesWithGitMailinfo() throws {
        guard Tool.available("git") else {
            Issue.record("git is not installed")
            return
        }
        let (_, _, e, mbox) = try export()
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let file = dir.file("reply.mbox")
        try Data(mbox.utf8).write(to: file)
        #expect(mbox.hasPrefix("From ada@example.org Tue Nov 25 00:20:00 2025\n"))
        let split = try Tool.run("git", ["mailsplit", "--mboxrd", "-o\(dir.url.path)", file.path])
        #expect(split.status == 0)
        #expect(split.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "\(e.mails.count)")
        for (i, mail) in e.mails.enumerated() {
            let one = dir.file(String(format: "%04d", i + 1))
            let info = try Tool.run("git", ["mailinfo", "-k", "-u", dir.file("msg\(i)").path, dir.file("patch\(i)").path],
                                    stdin: try Data(contentsOf: one))
            #expect(info.status == 0, "mailinfo: \(info.stderrText)")
            let subject = mail.headers.first { $0.name == "Subject" }?.value ?? ""
            #expect(info.stdoutText.contains("Author: Ada Reviewer\n"))
            #expect(info.stdoutText.contains("Email: ada@example.org\n"))
            #expect(info.stdoutText.contains("Subject: \(subject)\n"))
            let msg = try String(contentsOf: dir.file("msg\(i)"), encoding: .utf8)
            #expect(msg.contains("wrote:"))
        }
    }

    @Test func mboxParsesWithPythonEmail() throws {
        guard Tool.available("python3") else {
            Issue.record("python3 is not installed")
            return
        }
        let (_, _, e, mbox) = try export()
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        // Split on the separators ourselves (mailbox.mboxrd would unescape), then parse each message
        // with email.message_from_binary_file and policy.default, as a mail client would.
        var files: [String] = []
        for (i, mail) in e.mails.enumerated() {
            let url = dir.file("m\(i).eml")
            try Data(mail.text.utf8).write(to: url)
            files.append(url.path)
        }
        let script = """
            import email, json, sys
            from email import policy
            out = []
            for path in sys.argv[1:]:
                with open(path, 'rb') as f:
                    m = email.message_from_binary_file(f, policy=policy.default)
                out.append({
                    'defects': [str(d) for d in m.defects],
                    'from': str(m['From']), 'to': str(m['To']), 'cc': str(m['Cc'] or ''),
                    'subject': str(m['Subject']), 'inReplyTo': str(m['In-Reply-To']),
                    'references': str(m['References']), 'messageId': str(m['Message-ID']),
                    'contentType': m.get_content_type(), 'charset': m.get_content_charset(),
                    'body': m.get_content(),
                })
            json.dump(out, sys.stdout)
            """
        let r = try Tool.run("python3", ["-c", script] + files)
        try #require(r.status == 0, "python: \(r.stderrText)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [[String: Any]])
        #expect(parsed.count == e.mails.count)
        for (p, mail) in zip(parsed, e.mails) {
            #expect((p["defects"] as? [String]) == [])
            #expect(p["from"] as? String == "Ada Reviewer <ada@example.org>")
            #expect(p["inReplyTo"] as? String == "<\(mail.inReplyTo)>")
            #expect(p["messageId"] as? String == "<\(mail.messageId)>")
            #expect((p["references"] as? String)?.hasSuffix("<\(mail.inReplyTo)>") == true)
            #expect(p["contentType"] as? String == "text/plain")
            #expect(p["charset"] as? String == "utf-8")
            #expect(p["body"] as? String == mail.body)
        }
        // The mbox as a whole also splits into the same number of messages with Python's mailbox.
        let file = dir.file("reply.mbox")
        try Data(mbox.utf8).write(to: file)
        let count = try Tool.run("python3", ["-c", "import mailbox,sys; print(len(mailbox.mbox(sys.argv[1])))", file.path])
        #expect(count.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "\(e.mails.count)")
    }

    @Test func repliesThreadUnderTheMessagesTheyAnswer() throws {
        let (messages, _, e, mbox) = try export()
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Fixture.v2Path)))
        bytes += Array(mbox.utf8)
        let box = MailReader.parse(bytes: bytes, source: "thread+replies")
        #expect(box.messages.count == messages.count + e.mails.count)
        func parent(of id: String, in nodes: [ThreadNode], under: String?) -> String?? {
            for n in nodes {
                if n.messageId == id { return .some(under) }
                if let found = parent(of: id, in: n.children, under: n.messageId) { return found }
            }
            return nil
        }
        for mail in e.mails {
            let p = parent(of: mail.messageId, in: box.threads, under: nil)
            #expect(p == .some(mail.inReplyTo), "reply \(mail.messageId) threaded under \(String(describing: p))")
        }
        let ours = try #require(box.messages.first { $0.messageId == e.mails[1].messageId })
        #expect(ours.subject == "Re: [PATCH v2 1/4] mm: Introduce vm_uffd_ops API")
        #expect(ours.from == Fixture.reviewer)
        #expect(ours.body.contains("> +\tconst struct vm_uffd_ops *userfaultfd_ops;"))
    }

    @Test func nonAsciiNamesAndFromLinesAreEncoded() throws {
        let original = Message(messageId: "orig@x", subject: "[PATCH] fix ünïcode", from: Address(name: "Jörg Ü", email: "j@x"),
                               to: [Address(name: "List", email: "list@x")], date: Fixture.now, rawDate: "Tue, 25 Nov 2025 00:20:00 +0000",
                               body: "Fix it.\n\nFrom the top: more text.\n")
        var s = Session(input: InputIdentity(source: "x", messageIds: ["orig@x"], seriesSubject: original.subject, coverMessageId: "orig@x"))
        s.addNote(.patch(messageId: "orig@x"), text: "From what I can see this is fine.")
        let e = ReplyExporter.export(session: s, messages: [original], options: ReplyOptions(from: Address(name: "Zoë", email: "z@x"), now: Fixture.now))
        let mail = try #require(e.mails.first)
        let headers = Dictionary(uniqueKeysWithValues: mail.headers.map { ($0.name, $0.value) })
        #expect(headers["From"] == "=?UTF-8?B?Wm/Dqw==?= <z@x>")
        #expect(headers["Subject"]?.hasPrefix("=?UTF-8?B?") == true)
        #expect(headers["Cc"] == "List <list@x>")
        let mbox = e.mbox(now: Fixture.now)
        #expect(mbox.contains("\n>From what I can see this is fine.\n"))
        let back = MailReader.parse(bytes: Array(mbox.utf8), source: "x").messages
        #expect(back.count == 1)
        #expect(back.first?.subject == "Re: [PATCH] fix ünïcode")
        #expect(back.first?.from.name == "Zoë")
        // mboxo readers keep the escape, mboxrd readers remove it; either way the line survives.
        let body = back.first?.body ?? ""
        #expect(body.contains("\nFrom what I can see this is fine.\n") || body.contains("\n>From what I can see this is fine.\n"))
    }

    /// A thread page of a list archive shows names without addresses: the reply to such a message
    /// has no `To:` (a bare name is not an address) and says whom it was for.
    @Test func anAuthorWithoutAnAddressGetsNoToHeader() throws {
        let original = Message(messageId: "p@x", subject: "[PATCH] x", from: Address(name: "Peter Xu", email: ""),
                               to: [Address(name: "linux-mm", email: "")], date: Fixture.now, body: "Fix it.\n")
        var s = Session(input: InputIdentity(source: "x", messageIds: ["p@x"], seriesSubject: original.subject, coverMessageId: "p@x"))
        s.addNote(.patch(messageId: "p@x"), text: "Looks fine.")
        let e = ReplyExporter.export(session: s, messages: [original], options: ReplyOptions(from: Fixture.reviewer, now: Fixture.now))
        let mail = try #require(e.mails.first)
        #expect(!mail.headers.contains { $0.name == "To" || $0.name == "Cc" })
        #expect(mail.unaddressed == "Peter Xu")
        #expect(mail.headers.contains { $0.name == "In-Reply-To" && $0.value == "<p@x>" })
        let addressed = ReplyExporter.reply(to: Message(messageId: "q@x", subject: "s", from: Address(name: "A", email: "a@x"), date: nil, body: ""),
                                            notes: [], options: ReplyOptions(from: Fixture.reviewer, now: Fixture.now), sequence: 0)
        #expect(addressed.unaddressed == nil)
        #expect(addressed.headers.contains { $0.name == "To" && $0.value == "A <a@x>" })
    }
}
