import Foundation
import Testing
import TestSupport
@testable import TUICore

/// Golden screens as text files under `__Snapshots__/`; `PATCHLAB_RECORD=1` rewrites them.
enum Golden {
    static var directory: URL { Repo.root.appendingPathComponent("Tests/TUICoreTests/__Snapshots__") }

    /// The screen as stored: one `|`-framed row per line so trailing blanks are visible.
    static func text(_ screen: Screen) -> String {
        screen.textLines().map { "|" + $0 + "|" }.joined(separator: "\n") + "\n"
    }

    static func check(_ name: String, _ screen: Screen, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent(name + ".txt")
        let actual = text(screen)
        if ProcessInfo.processInfo.environment["PATCHLAB_RECORD"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("missing golden \(name).txt (run with PATCHLAB_RECORD=1)", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let first = Array(zip(e, a)).firstIndex { $0.0 != $0.1 } ?? min(e.count, a.count)
            Issue.record("""
                golden \(name) differs at row \(first):
                expected: \(first < e.count ? String(e[first]) : "<none>")
                actual:   \(first < a.count ? String(a[first]) : "<none>")
                """, sourceLocation: sourceLocation)
        }
    }
}

@Suite struct FixtureRenderTests {
    @Test(arguments: [Size(columns: 80, rows: 24), Size(columns: 160, rows: 48)])
    func fixtureScreens(_ size: Size) throws {
        var state = Fixture.state
        _ = reduce(&state, .input(.resize(size)))
        _ = reduce(&state, .command(.nextComment))
        try Golden.check("fixture-patch-\(size.columns)x\(size.rows)", render(state, size: size))
        state.focus = .model
        _ = reduce(&state, .simulated(Fixture.snapshot(overrides: ["ops_lookup": "get_uffd_ops"], s1: "-EINVAL")))
        try Golden.check("fixture-model-\(size.columns)x\(size.rows)", render(state, size: size))
        _ = reduce(&state, .command(.help))
        try Golden.check("fixture-help-\(size.columns)x\(size.rows)", render(state, size: size))
    }

    @Test func changedScenarioIsMarkedWithStarAndColour() throws {
        var state = Fixture.state
        _ = reduce(&state, .simulated(Fixture.snapshot(s1: "-EINVAL")))
        let screen = render(state, size: state.size)
        let r = try #require(screen.textLines().firstIndex { $0.contains("*S1") })
        let x = screen.rows[r].firstIndex { $0.text == "*" } ?? 0
        #expect(screen.rows[r][x].style.foreground == .yellow)
        #expect(!screen.textLines().contains { $0.contains("*S6") })
    }

    @Test func monochromeHasNoColourButKeepsAttributes() {
        var state = Fixture.state
        state.colors = false
        let screen = render(state, size: state.size)
        for row in screen.rows { for c in row { #expect(c.style.foreground == nil && c.style.background == nil) } }
        #expect(screen.rows.contains { $0.contains { $0.style.attributes.contains(.reverse) } })
    }

    @Test func renderIsPureAndEverySizeWorks() {
        let state = Fixture.state
        #expect(render(state, size: state.size) == render(state, size: state.size))
        for (c, r) in [(0, 0), (1, 1), (10, 3), (20, 5), (300, 100)] {
            let s = render(state, size: Size(columns: c, rows: r))
            #expect(s.rows.count == r)
            #expect(s.rows.allSatisfy { $0.count == c })
        }
    }
}
