import Foundation
import Testing
import TestSupport
@testable import MailCore

/// Header decoding: RFC 2047, addresses, dates, identifiers; checked live against `git mailinfo`.
@Suite struct HeaderTests {
    /// Strips RFC 5322 comments, which git keeps in the author name and we leave out.
    static func withoutComments(_ s: String) -> String {
        var out = ""
        var depth = 0
        for ch in s {
            if ch == "(" { depth += 1; continue }
            if ch == ")" { depth = max(0, depth - 1); continue }
            if depth == 0 { out.append(ch) }
        }
        return out.split(separator: " ").joined(separator: " ")
    }

    @Test(.enabled(if: Tool.available("git"), "git is not installed: no mailinfo oracle"),
          arguments: ["corpus/git/t/t5100/sample.mbox", "corpus/git/t/t5100/rfc2047-samples.mbox"])
    func authorAndSubjectMatchGitMailinfo(_ relative: String) throws {
        let url = Repo.sharedFile(relative)
        let expected = try Fixture.gitMailinfo(url)
        let box = try MailReader.read(path: url.path)
        try #require(expected.count == box.messages.count)
        for (m, g) in zip(box.messages, expected) {
            #expect(m.from.email == g.email, "\(m.subject)")
            #expect(m.from.name == Self.withoutComments(g.author), "\(m.subject)")
            #expect(m.subject == g.subject)
        }
    }

    @Test(arguments: [
        ("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", "ab"),
        ("=?ISO-8859-1?Q?a?=  \t =?ISO-8859-1?Q?b?=", "ab"),
        ("=?ISO-8859-1?Q?a?= b", "a b"),
        ("=?utf-8?B?0JjQt9C80LXQvdGR0L0=?= x", "Изменён x"),
        ("=?UTF-8?q?Rafa=C5=82?= =?UTF-8?q?_Mi=C5=82ecki?=", "Rafał Miłecki"),
        ("=?utf-8?b?w6k=?==?utf-8?b?w6k=?=", "éé"),
        // A multi-byte character split across two adjacent words.
        ("=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=", "é"),
        ("=?koi8-r?B?8NLJ18XU?=", "Привет"),
        ("=?iso-2022-jp?B?GyRCJCIkJBsoQg==?=", "あい"),
        ("=?windows-1252?Q?=80_5?=", "€ 5"),
        ("=?x-unknown?Q?abc?=", "abc"),
        ("no encoded words", "no encoded words"),
        ("=?utf-8?Q?broken", "=?utf-8?Q?broken"),
    ])
    func encodedWords(_ input: String, _ expected: String) {
        var defects: [Defect] = []
        let out = EncodedWords.decode(Array(input.utf8), offset: 0, defects: &defects)
        #expect(out == expected)
        if input.contains("x-unknown") { #expect(defects.contains { $0.kind == .unknownCharset }) }
    }

    /// Header values left in the input are only scanned for defects (`collectDefects`); the
    /// defects must be those of a full decode, including where undecoded ASCII Q words stand in
    /// for their bytes.
    @Test(arguments: [
        "=?us-ascii?Q?CK+pdm+WNpiV?=\n =?us-ascii?Q?sui2X1BS?=",
        "=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=",
        "=?UTF-8?Q?=C3?= =?UTF-8?Q?x?= =?UTF-8?Q?=A9?=",
        "=?UTF-8?Q?=C3?= =?UTF-8?Q??= =?UTF-8?Q?=A9?=",
        "=?us-ascii?Q?plain?= =?US-ASCII?Q?=FF?=",
        "=?utf-8?Q?ok?= =?iso-8859-1?Q?=E9?= =?x-unknown?Q?abc?=",
        "=?utf-8?b?w6k=?= =?utf-8?Q?a=ZZ?= tail",
        "=?koi8-r?Q?abc?= =?koi8-r?B?8NLJ18XU?=",
        "RAW-LATIN1",
        "no encoded words",
    ])
    func defectScanMatchesDecode(_ input: String) {
        var bytes = Array(input.utf8)
        if input == "RAW-LATIN1" { bytes = [0x4A, 0xF6, 0x72, 0x67, 0x20] + Array("=?utf-8?Q?x?=".utf8) }
        var decoded: [Defect] = []
        _ = EncodedWords.decode(bytes, offset: 3, defects: &decoded)
        var scanned: [Defect] = []
        bytes.withUnsafeBufferPointer { EncodedWords.collectDefects($0, offset: 3, defects: &scanned) }
        #expect(scanned == decoded, "\(input)")
    }

    @Test func rawLatin1HeaderFallsBackWithDefect() {
        var defects: [Defect] = []
        let out = EncodedWords.decode([0x4A, 0xF6, 0x72, 0x67], offset: 7, defects: &defects)
        #expect(out == "Jörg")
        #expect(defects == [Defect(kind: .rawEightBitHeader, offset: 7, detail: defects.first?.detail ?? "")])
    }

    @Test(arguments: [
        ("A U Thor <a@example.com>", "A U Thor", "a@example.com"),
        ("\"Thor, A U\" <a@example.com>", "Thor, A U", "a@example.com"),
        ("\"A \\\"Q\\\" Thor\" <a@example.com>", "A \"Q\" Thor", "a@example.com"),
        ("a@example.com (A U Thor)", "A U Thor", "a@example.com"),
        ("a@example.com", "", "a@example.com"),
        ("<a@example.com>", "", "a@example.com"),
        ("A (comment) Thor <a@example.com> (more)", "A Thor", "a@example.com"),
        ("friends: A <a@example.com>, b@example.com;", "A", "a@example.com"),
        ("=?utf-8?q?J=C3=B6rg?= <j@example.com>", "Jörg", "j@example.com"),
        ("Lorenzo Stoakes <lorenzo.stoakes@xxxxxxxxxx>", "Lorenzo Stoakes", "lorenzo.stoakes@xxxxxxxxxx"),
        ("<@route,@other:a@example.com>", "", "a@example.com"),
    ])
    func addresses(_ input: String, _ name: String, _ email: String) {
        let a = AddressParser.parseFirst(input)
        #expect(a == Address(name: name, email: email))
    }

    @Test func addressListWithGroupsAndCommas() {
        let list = AddressParser.parseList("\"Doe, J\" <j@x.org>, undisclosed: k@x.org, (c) l@x.org ;, m@x.org")
        #expect(list.map(\.email) == ["j@x.org", "k@x.org", "l@x.org", "m@x.org"])
        #expect(list[0].name == "Doe, J")
    }

    /// (text, expected UTC as yyyy-MM-dd HH:mm:ss)
    @Test(arguments: [
        ("Fri, 27 Jun 2025 11:46:51 -0400", "2025-06-27 15:46:51"),
        ("27 Jun 2025 11:46:51 -0400", "2025-06-27 15:46:51"),
        ("Mon Jun 30 2025 - 06:17:33 EST", "2025-06-30 11:17:33"),
        ("Thu, 21 Jul 2005 09:10:36 -0400 (EDT)", "2005-07-21 13:10:36"),
        ("Fri, 8 Aug 2008 13:08:37 +0200 (CEST)", "2008-08-08 11:08:37"),
        ("Thu, 1 Jan 70 00:00:00 GMT", "1970-01-01 00:00:00"),
        ("Tue, 5 Mar 02 10:00 PST", "2002-03-05 18:00:00"),
        ("Wed, 12 Nov 2008 17:54:41 +0300", "2008-11-12 14:54:41"),
        ("Thu Jan  1 00:00:00 1970", "1970-01-01 00:00:00"),
        ("Mon Sep 17 00:00:00 2001", "2001-09-17 00:00:00"),
        ("2025-06-30T06:17:33Z", "2025-06-30 06:17:33"),
        ("2025-06-30T06:17:33+02:00", "2025-06-30 04:17:33"),
        ("Sat, 13 Sep 2014 21:13:23 -0400", "2014-09-14 01:13:23"),
        ("1 Jan 099 12:00 UT", "1999-01-01 12:00:00"),
    ])
    func dates(_ text: String, _ expected: String) throws {
        let d = try #require(DateParser.parse(text))
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        #expect(f.string(from: d) == expected)
    }

    @Test(arguments: ["", "yesterday", "Fri, 45 Foo 2025", "32 Jan 2025 10:00 +0000", "1 Jan 2025 25:00 +0000"])
    func invalidDates(_ text: String) {
        #expect(DateParser.parse(text) == nil)
    }

    @Test func identifiersStripBracketsAndReportJunk() {
        #expect(MessageIDs.all(in: "<a@b> <c@d>").ids == ["a@b", "c@d"])
        #expect(MessageIDs.all(in: "<a@b> <c@d>").junk == false)
        let bare = MessageIDs.all(in: "a@b")
        #expect(bare.ids == ["a@b"] && bare.junk)
        let comment = MessageIDs.all(in: "<x@y> (Peter's message of Fri)")
        #expect(comment.ids == ["x@y"])
        #expect(!MessageIDs.isPlausible("yes"))
        #expect(MessageIDs.isPlausible("x@y"))
    }

    @Test func foldedHeadersUnfold() {
        let raw = "From: A <a@x.org>\nSubject: one\n two\n\tthree\nMessage-ID:\n <id@x.org>\n\nbody\n"
        let box = MailReader.parse(bytes: Array(raw.utf8), source: "t")
        let m = box.messages[0]
        #expect(m.subject == "one two three")
        #expect(m.messageId == "id@x.org")
        #expect(m.header("subject") == "one two\tthree")
    }

    @Test func unencodedUTF8HeadersAreKept() throws {
        let box = try Fixture.box("corpus/patchwork/mail/0014-with-unencoded-utf8-headers.mbox")
        #expect(box.messages[0].from.name == "Rafał Miłecki")
        #expect(box.messages[0].subject.hasSuffix("Rafał Miłecki"))
    }

    @Test func rfc2047NameInComment() throws {
        let box = try Fixture.box("corpus/git/t/t5100/rfc2047-samples.mbox")
        #expect(box.messages.map(\.from.name).contains("Patrik Fältström"))
        #expect(box.messages.map(\.from.name).contains("Olle Järnefors"))
    }

    @Test func missingMessageIdIsSynthesisedStably() {
        let raw = Array("From: a@x.org\nSubject: s\n\nbody\n".utf8)
        let a = MailReader.parse(bytes: raw, source: "a").messages[0]
        let b = MailReader.parse(bytes: raw, source: "b").messages[0]
        #expect(a.messageId == b.messageId)
        #expect(a.defects.contains { $0.kind == .missingMessageId })
    }
}
