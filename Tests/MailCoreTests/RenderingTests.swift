import Foundation
import Testing
import TestSupport
@testable import MailCore

/// The `parse` command's renderings: thread tree, totals, JSON, control-character escaping.
@Suite struct RenderingTests {
    @Test func humanTreeOfV2Thread() throws {
        let box = try Fixture.box("threads/vm_uffd_ops/v2-thread.mbox")
        let lines = MailboxRendering.human(box).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "2025-06-27 15:46  Peter Xu  [PATCH v2 0/4] mm/userfaultfd: modulize memory types")
        #expect(lines[1] == "  2025-06-27 15:46  Peter Xu  [PATCH v2 1/4] mm: Introduce vm_uffd_ops API")
        #expect(lines.contains("    2025-06-29 08:50  Mike Rapoport  Re: [PATCH v2 1/4] mm: Introduce vm_uffd_ops API"))
        #expect(lines.contains { $0.hasPrefix("17 messages, 1 thread, ") && $0.hasSuffix("format mboxo") })
    }

    @Test func jsonShape() throws {
        let box = try Fixture.box("threads/vm_uffd_ops/v2-thread.mbox")
        let data = Data(MailboxRendering.json(box).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["format"] as? String == "mboxo")
        let messages = try #require(object["messages"] as? [[String: Any]])
        #expect(messages.count == 17)
        let first = messages[0]
        #expect(first["messageId"] as? String == "20250627154655.2085903-1-peterx@redhat.com")
        #expect(first["date"] as? String == "2025-06-27T15:46:51Z")
        #expect((first["from"] as? [String: Any])?["email"] as? String == "peterx@redhat.com")
        #expect(first["inReplyTo"] is NSNull)
        #expect(first["references"] as? [String] == [])
        let threads = try #require(object["threads"] as? [[String: Any]])
        #expect(threads.count == 1)
        #expect((threads[0]["children"] as? [[String: Any]])?.count == 5)
    }

    @Test func jsonNullDateAndDefects() throws {
        let raw = "From: a@x.org\nDate: never\nSubject: s\n\nbody\n"
        let box = MailReader.parse(bytes: Array(raw.utf8), source: "t")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(MailboxRendering.json(box).utf8)) as? [String: Any])
        let m = try #require((object["messages"] as? [[String: Any]])?.first)
        #expect(m["date"] is NSNull)
        let kinds = (m["defects"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } ?? []
        #expect(kinds.contains("invalidDate"))
        #expect(kinds.contains("missingMessageId"))
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("\u{1B}[31mred", "\\x1b[31mred"),
        ("tab\there", "tab\\x09here"),
        ("bell\u{07}", "bell\\x07"),
        ("c1\u{9B}", "c1\\x9b"),
        ("ünïcode", "ünïcode"),
        ("bidi \u{202E}txt.exe", "bidi \\u202etxt.exe"),
        ("isolate \u{2066}x\u{2069}", "isolate \\u2066x\\u2069"),
        ("zwj 👩\u{200D}💻 kept", "zwj 👩\u{200D}💻 kept"),
    ])
    func sanitise(_ input: String, _ expected: String) {
        #expect(MailboxRendering.sanitise(input) == expected)
    }

    @Test func hostileSubjectIsEscapedInTree() {
        let raw = "From: Eve <e@x.org>\nMessage-ID: <e@x.org>\nSubject: =?utf-8?q?=1B]0;pwned=07?=\n\nx\n"
        let box = MailReader.parse(bytes: Array(raw.utf8), source: "t")
        let out = MailboxRendering.human(box)
        #expect(!out.unicodeScalars.contains("\u{1B}"))
        #expect(out.contains("\\x1b]0;pwned\\x07"))
    }

    @Test(arguments: [0.0, 951_782_400, 1_751_282_253, -86_400, 4_102_444_800])
    func civilMatchesFormatter(_ t: Double) throws {
        let d = Date(timeIntervalSince1970: t)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        #expect(MailboxRendering.iso(d) == f.string(from: d))
    }
}
