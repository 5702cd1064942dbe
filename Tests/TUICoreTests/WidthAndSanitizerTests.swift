import Testing
@testable import TUICore

struct WidthCase: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var width: Int
    var testDescription: String { name }
}

@Suite struct DisplayWidthTests {
    @Test(arguments: [
        WidthCase(name: "ascii", text: "vm_uffd_ops", width: 11),
        WidthCase(name: "CJK ideographs are wide", text: "世界", width: 4),
        WidthCase(name: "hiragana", text: "ひらがな", width: 8),
        WidthCase(name: "hangul syllables", text: "한국어", width: 6),
        WidthCase(name: "fullwidth latin", text: "ＡＢ", width: 4),
        WidthCase(name: "halfwidth katakana stays narrow", text: "ｶﾀ", width: 2),
        WidthCase(name: "combining acute", text: "e\u{301}te\u{301}", width: 3),
        WidthCase(name: "precomposed accent", text: "héllo", width: 5),
        WidthCase(name: "combining marks stacked", text: "a\u{300}\u{301}\u{302}", width: 1),
        WidthCase(name: "ZWJ emoji sequence is one wide glyph", text: "👩\u{200D}💻", width: 2),
        WidthCase(name: "emoji presentation", text: "👍", width: 2),
        WidthCase(name: "variation selector 16 widens", text: "\u{2764}\u{FE0F}", width: 2),
        WidthCase(name: "variation selector 15 text style", text: "\u{2764}\u{FE0E}", width: 1),
        WidthCase(name: "zero width joiner alone", text: "\u{200D}", width: 0),
        WidthCase(name: "arrow and CJK mix", text: "héllo → 世界", width: 12),
        WidthCase(name: "narrow no-break space from the seed thread", text: "3:16\u{202F}AM", width: 7),
    ])
    func widthMatchesTerminalColumns(_ c: WidthCase) {
        #expect(DisplayWidth.of(c.text) == c.width)
    }

    @Test func truncationEndsWithEllipsisAndNeverSplitsWideCharacters() {
        #expect(DisplayWidth.truncate("abcdef", to: 4) == "abc…")
        #expect(DisplayWidth.truncate("abc", to: 3) == "abc")
        #expect(DisplayWidth.truncate("世界世界", to: 5) == "世界…")
        #expect(DisplayWidth.truncate("世界世界", to: 4) == "世…")
        #expect(DisplayWidth.of(DisplayWidth.truncate("世界世界", to: 4)) <= 4)
        #expect(DisplayWidth.truncate("e\u{301}e\u{301}e\u{301}", to: 2) == "e\u{301}…")
        #expect(DisplayWidth.truncate("anything", to: 0) == "")
    }

    @Test func cellLineSplitsWideCharactersIntoTwoCells() {
        let line = CellLine("a世e\u{301}")
        #expect(line.width == 4)
        #expect(line.cells.map(\.text) == ["a", "世", "", "e\u{301}"])
        #expect(line.cells.map(\.width) == [1, 2, 0, 1])
    }

    /// A row is made into cells only as wide as its pane: the cells are the full line's first
    /// ones, one more than fit when the line is cut, and all of them when it fits.
    @Test(arguments: [
        [Span("   12   14 ", .plain), Span("+\tstatic const struct vm_uffd_ops shmem_uffd_ops = {", .fg(.green))],
        [Span("a世e\u{301}世界世界世界世界世界", .plain), Span(" [knob:ops_lookup]", .dim)],
        [Span("\u{1b}[31mred\u{7}\tand\u{200B}more text after it", .plain)],
        [Span("e\u{301}\u{302}\u{303}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}", .plain)],
        [Span("short", .plain)],
        [Span("", .plain), Span("", .plain)],
    ])
    func cellsForAPaneAreThePrefixOfTheWholeLine(_ spans: [Span]) {
        let whole = CellLine(spans)
        for width in [0, 1, 2, 5, 9, 17, 40, 200] {
            let cut = CellLine(spans, limit: width)
            #expect(Array(whole.cells.prefix(cut.cells.count)) == cut.cells, "width \(width)")
            #expect(cut.width >= min(whole.width, width + 1), "width \(width)")
            var a = Screen(size: Size(columns: 220, rows: 1)), b = a
            a.draw(whole, x: 0, y: 0, limit: width)
            b.draw(cut, x: 0, y: 0, limit: width)
            #expect(a == b, "width \(width)")
        }
    }

    @Test func aMegabyteLineIsCutBeforeItIsMadeIntoCells() {
        let line = String(repeating: "x\t世", count: 400_000)
        let cut = CellLine([Span(line, .plain)], limit: 80)
        #expect(cut.width >= 81 && cut.width < 200)
        #expect(CellLine([Span(line, .plain)]).cells.prefix(cut.width).elementsEqual(cut.cells))
    }

    @Test func wideCharacterCutAtTheRightEdgeBecomesBlank() {
        var s = Screen(size: Size(columns: 4, rows: 1))
        s.draw(CellLine("ab世"), x: 0, y: 0, limit: 3)
        #expect(s.text(row: 0) == "ab")
        #expect(s.rows[0][2].text == " ")
        s.draw(CellLine("世界"), x: 0, y: 0, limit: 4, skip: 1)
        #expect(s.text(row: 0) == " 界")
    }
}

struct HostileCase: Sendable, CustomTestStringConvertible {
    var name: String
    var input: String
    var shown: String
    var testDescription: String { name }
}

@Suite struct SanitizerTests {
    @Test(arguments: [
        HostileCase(name: "CSI colour sequence", input: "\u{1B}[31mred\u{1B}[0m", shown: "\\x1b[31mred\\x1b[0m"),
        HostileCase(name: "OSC title change with BEL", input: "\u{1B}]0;pwned\u{07}", shown: "\\x1b]0;pwned\\x07"),
        HostileCase(name: "C1 CSI", input: "a\u{9B}2Jb", shown: "a\\x9b2Jb"),
        HostileCase(name: "DEL", input: "x\u{7F}y", shown: "x\\x7fy"),
        HostileCase(name: "carriage return overwrite", input: "good\rbad", shown: "good\\x0dbad"),
        HostileCase(name: "right-to-left override", input: "file\u{202E}txt.exe", shown: "file\\u202etxt.exe"),
        HostileCase(name: "isolates", input: "\u{2066}x\u{2069}", shown: "\\u2066x\\u2069"),
        HostileCase(name: "left-to-right embedding", input: "\u{202A}a", shown: "\\u202aa"),
        HostileCase(name: "tab expands to 8", input: "a\tb", shown: "a       b"),
        HostileCase(name: "diff line with tabs", input: "+\tint (*get)(struct inode *inode,\t\tx", shown: "+       int (*get)(struct inode *inode," + String(repeating: " ", count: 9) + "x"),
        HostileCase(name: "tab then escape is still escaped", input: "\t\u{1b}[2J", shown: "        \\x1b[2J"),
        HostileCase(name: "tab after wide char counts columns", input: "世\tb", shown: "世      b"),
        HostileCase(name: "plain text unchanged", input: "Reviewed-by: Mike", shown: "Reviewed-by: Mike"),
        HostileCase(name: "CJK and combining unchanged", input: "世界 e\u{301}", shown: "世界 e\u{301}"),
        HostileCase(name: "NUL", input: "a\u{0}b", shown: "a\\x00b"),
    ])
    func hostileTextIsShownEscaped(_ c: HostileCase) {
        #expect(Sanitizer.clean(c.input) == c.shown)
    }

    @Test func splitsLinesAndStripsCR() {
        #expect(Sanitizer.lines("a\r\nb\n") == ["a", "b"])
    }
}
