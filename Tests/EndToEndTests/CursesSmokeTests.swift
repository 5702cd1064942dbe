import Foundation
import Testing
import TerminalAdapter
import TUICore

/// The one curses smoke test: a headless `newterm` on /dev/null, a known screen drawn through the
/// adapter, read back from curses' own memory.
@Suite struct CursesSmokeTests {
    @Test func adapterDrawsWhatTheCoreAsked() throws {
        setenv("LC_ALL", "C.UTF-8", 1)
        let term = try CursesTerminal(headlessTerm: "xterm-256color")
        defer { term.close() }
        #expect(term.size == Size(columns: 80, rows: 24))
        var screen = Screen(size: term.size)
        screen.write("héllo → 世界", x: 2, y: 0, limit: 40, style: Style(foreground: .green, attributes: .bold))
        screen.write("plain", x: 0, y: 1, limit: 10)
        screen.draw(CellLine("e\u{301}x"), x: 0, y: 2, limit: 10)
        term.present(screen)
        let row0 = term.readBack(row: 0, columns: 80)
        #expect(row0.hasPrefix("  héllo → 世界"))
        // CJK takes two cells: the row is 78 characters for 80 columns.
        #expect(row0.unicodeScalars.count == 78)
        #expect(term.readBack(row: 1, columns: 80).hasPrefix("plain "))
        #expect(term.readBack(row: 2, columns: 80).hasPrefix("e\u{301}x"))

        // Changing one row repaints it; the others stay.
        screen.write("again", x: 0, y: 1, limit: 10)
        term.present(screen)
        #expect(term.readBack(row: 1, columns: 80).hasPrefix("again"))
        #expect(term.readBack(row: 0, columns: 80).hasPrefix("  héllo"))
    }

    @Test func inputBytesDecodeToKeys() {
        #expect(CursesTerminal.key(forCharacter: 9) == .tab)
        #expect(CursesTerminal.key(forCharacter: 13) == .enter)
        #expect(CursesTerminal.key(forCharacter: 27) == .escape)
        #expect(CursesTerminal.key(forCharacter: 12) == .ctrl("l"))
        #expect(CursesTerminal.key(forCharacter: 0x4E16) == .char("世"))
        #expect(CursesTerminal.key(forCharacter: 127) == .backspace)
    }
}
