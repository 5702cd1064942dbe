import Foundation
import MailCore
import Notes
import TestSupport

/// Shared inputs: the real v2 `vm_uffd_ops` thread, its patch 1/4 and a few notes on it.
enum Fixture {
    static let v2Path = Repo.sharedFile("threads/vm_uffd_ops/v2-thread.mbox").path
    static let coverId = "20250627154655.2085903-1-peterx@redhat.com"
    static let patch1Id = "20250627154655.2085903-2-peterx@redhat.com"
    static let patch2Id = "20250627154655.2085903-3-peterx@redhat.com"
    /// Mike Rapoport's reply to 1/4.
    static let rpptReplyId = "aGD-QxroTEDUh1eX@kernel.org"
    static let reviewer = Address(name: "Ada Reviewer", email: "ada@example.org")
    static let now = Date(timeIntervalSince1970: 1_764_030_000)

    static func v2Messages() throws -> [Message] {
        try MailReader.read(path: v2Path).messages
    }

    /// The raw messages of an mbox whose separators are `From MAILER-DAEMON ...` lines (as in the
    /// shared thread files), each without its separator line and the blank line after it.
    static func rawMessages(mboxPath: String) throws -> [String] {
        let text = try String(contentsOfFile: mboxPath, encoding: .utf8)
        var out: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("From MAILER-DAEMON ") {
                if !current.isEmpty { out.append(current.joined(separator: "\n")) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { out.append(current.joined(separator: "\n")) }
        // Each message ends with its own newline plus the separating blank line.
        return out.map { m in
            var s = m
            while s.hasSuffix("\n\n") { s.removeLast() }
            if !s.hasSuffix("\n") { s += "\n" }
            return s
        }
    }

    static func evidence() -> Evidence {
        Evidence(design: "P2,ops_lookup=vm_ops", scenarios: [
            ScenarioEvidence(id: "S6", title: "CONTINUE on a private shmem mapping", outcome: "UFFDIO_CONTINUE -> -EINVAL",
                             warnings: []),
            ScenarioEvidence(id: "S12", title: "module hook takes mmap_lock", outcome: "deadlock",
                             warnings: ["circular_dependency: possible circular locking dependency detected"]),
        ])
    }

    /// A session on the v2 thread with one note of every kind.
    static func session(messages: [Message]) throws -> Session {
        let patch = try requireValue(PatchText(message: try requireValue(messages.first { $0.messageId == patch1Id })))
        var s = Session(input: InputIdentity(source: v2Path, messages: messages), design: "P2")
        let opsField = try requireValue(patch.lineAnchor(path: "include/linux/mm.h", side: .new, line: 663))
        s.addNote(.line(opsField), text: """
            Why a pointer nested in vm_operations_struct rather than a get_uffd_ops(vma) handler? A \
            handler lets a module decide per VMA, which guest_memfd will want.
            """, evidence: evidence(), at: now)
        let ioctls = try requireValue(patch.lineAnchor(path: "include/linux/userfaultfd_k.h", side: .new, line: 117))
        s.addNote(.line(ioctls), text: """
            If capabilities were implied by non-NULL handlers this mask could go:

                if (ops->uffd_copy) ioctls |= BIT(_UFFDIO_COPY);

            One less thing for a module to get wrong.
            """, at: now)
        let hunk = try requireValue(patch.hunkAnchor(path: "include/linux/mm.h", index: 0))
        s.addNote(.hunk(hunk), text: "The forward declaration is fine.", at: now)
        s.addNote(.patch(messageId: patch1Id), text: "Overall the API shape looks right to me, modulo the points above.", at: now)
        s.addNote(.series, text: "Thanks for splitting this up; the series reads well.", at: now)
        let rppt = try requireValue(messages.first { $0.messageId == rpptReplyId })
        let commentText = firstUnquotedParagraph(rppt.body)
        s.addNote(.comment(CommentAnchor(messageId: rpptReplyId, index: 0, text: commentText)),
                  text: "Agreed with Mike here.", at: now)
        return s
    }

    /// The first run of unquoted, non-attribution text of a reply body.
    static func firstUnquotedParagraph(_ body: String) -> String {
        var lines: [String] = []
        var seenQuote = false
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(">") { seenQuote = true; if !lines.isEmpty { break }; continue }
            if !seenQuote { continue }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { if !lines.isEmpty { break }; continue }
            lines.append(String(line))
        }
        return lines.joined(separator: "\n")
    }

    struct Missing: Error {}
    static func requireValue<T>(_ v: T?) throws -> T {
        guard let v else { throw Missing() }
        return v
    }
}
