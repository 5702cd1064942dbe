import Foundation
import Testing
import TestSupport
@testable import MailCore

/// MIME structure, transfer encodings and charsets on real corpus mail and small built cases.
@Suite struct MimeTests {
    static func one(_ relative: String) throws -> Message {
        let box = try Fixture.box(relative)
        return try #require(box.messages.first)
    }

    static func parse(_ text: String) -> Message? {
        MailReader.parse(bytes: Array(text.utf8), source: "test").messages.first
    }

    @Test func quotedPrintableBody() throws {
        let m = try Self.one("corpus/public-inbox/plack-qp.eml")
        #expect(m.body.hasPrefix("hi = bye"))
    }

    @Test func htmlAlternativeIsNotInTheBody() throws {
        let m = try Self.one("corpus/patchwork/mail/0020-multipart-comment.mbox")
        #expect(!m.body.contains("<div"))
        #expect(!m.body.lowercased().contains("<html"))
        #expect(m.body.contains("Outlook's awful HTML editor"))
        #expect(m.parts.contains { $0.contentType == "text/html" && !$0.inBody })
    }

    @Test func invalidCharsetFallsBackWithDefect() throws {
        let m = try Self.one("corpus/patchwork/mail/0010-invalid-charset.mbox")
        #expect(m.defects.contains { $0.kind == .unknownCharset })
        #expect(m.body.contains("diff --git") || m.body.contains("pow"))
    }

    @Test func rawUTF8Headers() throws {
        let m = try Self.one("corpus/public-inbox/utf8.eml")
        #expect(m.subject.unicodeScalars.contains { $0.value > 0x7F })
        #expect(!m.defects.contains { $0.kind == .rawEightBitHeader })
    }

    @Test func iso2022jpBody() throws {
        let m = try Self.one("corpus/public-inbox/iso-2202-jp.eml")
        #expect(m.body.contains("今はフリー"))
        #expect(!m.body.contains("\u{1B}"))
    }

    @Test func nestedMultipart() throws {
        let m = try Self.one("corpus/public-inbox/msg_iter-nested.eml")
        #expect(m.parts.map(\.text) == ["a", "b", "sig"])
        #expect(m.body == "a\nb\nsig")
    }

    @Test func attachedPatchAppearsInBody() throws {
        let m = try Self.one("corpus/public-inbox/plack-attached-patch.eml")
        #expect(m.body.hasPrefix("hi, see attached"))
        #expect(m.body.contains("--- a/file\n+++ b/file"))
    }

    @Test func formatPatchAttachIsInBody() throws {
        let box = try Fixture.box("corpus/git/t/t4013/diff.format-patch_--attach_--stdout_initial..main")
        for m in box.messages {
            #expect(m.body.contains("diff --git"), "\(m.subject)")
            #expect(m.parts.contains { $0.contentType == "text/x-patch" && $0.inBody })
        }
    }

    @Test func embeddedMessageIsShownButNotBody() throws {
        let m = try Self.one("corpus/public-inbox/data/message_embed.eml")
        let embedded = try #require(m.parts.first { $0.contentType == "message/rfc822" })
        #expect(!embedded.inBody)
        #expect(!embedded.text.isEmpty)
        #expect(!m.body.contains("diff --git"))
        #expect(embedded.text.contains("diff --git") || embedded.text.contains("Subject:"))
    }

    @Test func base64BodyWithCRLF() throws {
        let m = try Self.one("corpus/git/t/t4258/mbox")
        #expect(!m.body.contains("\r"))
        #expect(m.body.contains("diff --git") || !m.body.isEmpty)
    }

    @Test func nulBytesAreKeptOutOfText() throws {
        let m = try Self.one("corpus/git/t/t5100/nul-plain")
        #expect(!m.body.unicodeScalars.contains("\u{0}"))
        #expect(m.defects.contains { $0.kind == .nulByte })
    }

    @Test func latin1QuotedPrintableFromNotmuch() throws {
        let box = try Fixture.box("corpus/notmuch-lkml")
        let m = try #require(box.messages.first { $0.sourcePath?.hasSuffix("1382298587.003118:2,") == true })
        #expect(!m.body.contains("=\n"))
        #expect(!m.body.contains("=20"))
    }

    @Test func softLineBreaksAndEncodedCR() throws {
        let m = try #require(Self.parse("""
            From: a@x.org
            Message-ID: <qp@x.org>
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: quoted-printable

            long=
             line=0D
            caf=C3=A9 =3D ok
            bad =ZZ
            """))
        #expect(m.body == "long line\ncafé = ok\nbad =ZZ")
        #expect(m.defects.contains { $0.kind == .invalidQuotedPrintable })
    }

    @Test func invalidBase64IsTolerated() throws {
        let m = try #require(Self.parse("""
            From: a@x.org
            Message-ID: <b64@x.org>
            Content-Transfer-Encoding: base64

            aGVsbG8g*d29y!bGQ=
            """))
        #expect(m.body == "hello world")
        #expect(m.defects.contains { $0.kind == .invalidBase64 })
    }

    @Test func formatFlowedWithDelSp() throws {
        let text = "From: a@x.org\nMessage-ID: <ff@x.org>\n"
            + "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n\n"
            + "This is a long para \ngraph that wraps.\n"
            + "> quoted and  \n> continued\n"
            + " >stuffed\n"
            + "-- \nsig\n"
        let m = try #require(Self.parse(text))
        #expect(m.body == "This is a long paragraph that wraps.\n> quoted and continued\n>stuffed\n-- \nsig\n")
    }

    @Test func formatFlowedWithoutDelSpKeepsTheSpace() throws {
        let m = try #require(Self.parse("""
            From: a@x.org
            Message-ID: <ff2@x.org>
            Content-Type: text/plain; format=flowed

            one 
            two
            """))
        #expect(m.body == "one two")
    }

    @Test func signedIsUnwrapped() throws {
        let m = try #require(Self.parse("""
            From: a@x.org
            Message-ID: <sig@x.org>
            Content-Type: multipart/signed; boundary=zz; protocol="application/pgp-signature"

            --zz
            Content-Type: text/plain

            signed text
            --zz
            Content-Type: application/pgp-signature

            -----BEGIN PGP SIGNATURE-----
            --zz--
            """))
        #expect(m.body == "signed text")
    }

    @Test(arguments: [
        ("iso-8859-2", [0xB1] as [UInt8], "ą"),
        ("ISO-8859-15", [0xA4], "€"),
        ("windows-1251", [0xC6], "Ж"),
        ("windows-1250", [0x9A], "š"),
        ("koi8-r", [0xE1], "А"),
        ("gb2312", [0xC4, 0xE3], "你"),
        ("GBK", [0xC4, 0xE3], "你"),
        ("big5", [0xA7, 0x41], "你"),
        ("shift_jis", [0x82, 0xA0], "あ"),
        ("euc-jp", [0xA4, 0xA2], "あ"),
        ("euc-kr", [0xB0, 0xA1], "가"),
        ("us-ascii", [0x41], "A"),
        ("utf-8", [0xC3, 0xA9], "é"),
    ])
    func charsets(_ name: String, _ bytes: [UInt8], _ expected: String) {
        let (s, problem) = Charset.decode(bytes, charset: name)
        #expect(s == expected)
        #expect(problem == nil)
    }

    @Test func unknownCharsetRecordsDefect() {
        let (s, problem) = Charset.decode(Array("abc".utf8), charset: "x-no-such")
        #expect(s == "abc")
        #expect(problem == .unknownCharset)
    }

    @Test func crlfMessage() throws {
        let m = try #require(Self.parse("From: a@x.org\r\nMessage-ID: <crlf@x.org>\r\nSubject: crlf\r\n\r\nline one\r\nline two\r\n"))
        #expect(m.subject == "crlf")
        #expect(m.body == "line one\nline two\n")
    }

    @Test func truncatedMultipartKeepsWhatArrived() throws {
        let m = try #require(Self.parse("""
            From: a@x.org
            Message-ID: <trunc@x.org>
            Content-Type: multipart/mixed; boundary=b

            --b
            Content-Type: text/plain

            first part
            --b
            Content-Type: text/x-patch

            diff --git a/x b/x
            """))
        #expect(m.body.contains("first part"))
        #expect(m.body.contains("diff --git"))
        #expect(m.defects.contains { $0.kind == .truncatedMultipart })
    }
}
