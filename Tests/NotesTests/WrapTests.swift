import Notes
import Testing

@Suite struct WrapTests {
    @Test func proseIsWrappedAt72Columns() {
        let text = String(repeating: "word ", count: 60)
        let lines = ProseWrapper.wrap(text)
        #expect(lines.count > 3)
        #expect(lines.allSatisfy { $0.count <= 72 })
        #expect(lines.joined(separator: " ").split(separator: " ").count == 60)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var input: String
        var width: Int
        var expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "paragraphs re-flow", input: "one two\nthree four five\n\nsix", width: 10,
             expected: ["one two", "three four", "five", "", "six"]),
        Case(name: "indented code kept", input: "see:\n\tif (x)   y();\n    z(); // a very long line that is longer than ten\ndone",
             width: 10, expected: ["see:", "\tif (x)   y();", "    z(); // a very long line that is longer than ten", "done"]),
        Case(name: "long word alone", input: "go https://lore.kernel.org/all/aGD-QxroTEDUh1eX@kernel.org/ now", width: 20,
             expected: ["go", "https://lore.kernel.org/all/aGD-QxroTEDUh1eX@kernel.org/", "now"]),
        Case(name: "list items hang", input: "- anonymous memory and shmem\n- hugetlb", width: 16,
             expected: ["- anonymous", "  memory and", "  shmem", "- hugetlb"]),
        Case(name: "quotes kept", input: "> quoted text that is long\nreply", width: 8,
             expected: ["> quoted text that is long", "reply"]),
        Case(name: "wide characters count twice", input: "日本語 日本語 日本語", width: 13,
             expected: ["日本語 日本語", "日本語"]),
    ]

    @Test(arguments: cases)
    func wrapping(_ c: Case) {
        #expect(ProseWrapper.wrap(c.input, width: c.width) == c.expected)
    }
}
