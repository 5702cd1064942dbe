import Foundation
import MailCore
import Testing
import TestSupport
@testable import ReviewCore

/// Byte lines are the lines `TextLines.split` gives, and the parsers read the same mail through
/// either entry point (a body, or lines given as substrings and joined).
@Suite struct ByteLinesTests {
    static let texts = [
        "", "\n", "a", "a\n", "a\nb", "a\r\nb\r\n", "\n\nx\n\n", "é\nü\n", "no final newline\r", "x\u{0}y\nz",
    ]

    @Test(arguments: texts) func linesAreThoseOfSplit(_ text: String) {
        let split = TextLines.split(text)
        ByteLines.of(text) { lines in
            #expect(lines.count == split.count)
            for i in 0..<lines.count {
                #expect(lines.substring(i) == split[i])
                #expect(Array(lines[i]) == Array(split[i].utf8))
                #expect(lines.first(i) == split[i].utf8.first)
                #expect(lines.isBlank(i) == split[i].isBlankLine)
                #expect(Array(lines.dropCR(i)) == Array(TextLines.dropCR(split[i]).utf8))
            }
        }
    }

    @Test func joiningKeepsEveryLineEvenAnEmptyLastOne() {
        let parts: [Substring] = ["a", "", "ü\r", ""]
        ByteLines.joining(parts) { lines in
            #expect(lines.count == 4)
            #expect((0..<4).map { lines.substring($0) } == parts)
            #expect(lines.substring(2, from: 2, to: 3) == "\r")
        }
        ByteLines.joining([Substring]()) { #expect($0.count == 0) }
    }

    /// Every patch-shaped message of the shared corpus: its body parsed as a body and as lines.
    @Test func patchMailIsTheSameFromABodyAndFromItsLines() throws {
        var compared = 0
        for url in Repo.sharedFiles(under: "corpus") + Repo.sharedFiles(under: "threads") {
            guard let box = try? MailReader.read(path: url.path) else { continue }
            for m in box.messages where m.body.contains("\n@@ -") {
                let fromBody = PatchMail(body: m.body, messageId: m.messageId)
                let fromLines = PatchMail(lines: TextLines.split(m.body), messageId: m.messageId)
                #expect(fromBody == fromLines, "\(url.lastPathComponent) <\(m.messageId)>")
                #expect(DiffParser.parse(m.body) == DiffParser.parse(lines: TextLines.split(m.body), from: 0))
                compared += 1
            }
        }
        #expect(compared > 100)
    }

    @Test func repliesClassifyTheSameFromABodyAndFromItsLines() throws {
        let box = try MailReader.read(path: Repo.sharedFile("threads/vm_uffd_ops/v2-thread.mbox").path)
        for m in box.messages {
            #expect(QuoteParser.classify(m.body) == QuoteParser.classify(lines: TextLines.split(m.body)))
        }
    }

    @Test func aNonASCIIDashLineIsReadByCharacters() {
        // `--- ` then a combining mark: the space and the mark are one character, so what follows
        // the dashes does not start with a space (git's rule, on characters): no patch break.
        let marked = PatchMail(body: "subject text\n\n--- \u{301}x\nmore\n")
        #expect(marked.breakLine == 4)
        let plain = PatchMail(body: "subject text\n\n--- x\nmore\n")
        #expect(plain.breakLine == 2)
    }
}
