import Linking
import Testing
import TestSupport
import Foundation
@testable import TUICore

/// TestStore-style: a start state, one action, the whole expected state and effects.
@Suite struct ReduceTests {
    func send(_ state: inout AppState, _ actions: Action...) -> [Effect] {
        var effects: [Effect] = []
        for a in actions { effects += reduce(&state, a) }
        return effects
    }

    @Test func startsOnTheFirstMessage() {
        let s = Fixture.state
        #expect(s.message == 0)
        #expect(s.tree.cursor == 1)
        #expect(s.document.count == 9)
        #expect(s.focus == .patch)
    }

    @Test func nextCommentMovesToTheCommentAndSaysWhyItIsLinked() {
        var state = Fixture.state
        var expected = state
        let effects = send(&state, .input(.key(.char("."))))
        expected.patch.cursor = 6
        expected.status = "comment by Lorenzo Stoakes — identifier `get_uffd_ops` → knob:ops_lookup: a per-VMA lookup handler"
        #expect(effects == [])
        #expect(state == expected)
    }

    @Test func previousCommentAtTheTopSaysThereIsNone() {
        var state = Fixture.state
        var expected = state
        _ = send(&state, .input(.key(.char(","))))
        expected.status = "no earlier comments"
        #expect(state == expected)
    }

    @Test func followingACommentWithTwoModelTargetsOffersBoth() {
        var state = Fixture.state
        _ = send(&state, .command(.nextComment))
        var expected = state
        _ = send(&state, .input(.key(.char("o"))))
        expected.overlay = .links(title: "Follow link", entries: [
            LinkEntry(label: "[knob:ops_lookup]  " + Fixture.linkOps.explanation, destination: .model(LinkTarget(kind: .knob, id: "ops_lookup"))),
            LinkEntry(label: "[S6]  " + Fixture.linkS6.explanation, destination: .model(LinkTarget(kind: .scenario, id: "S6"))),
        ], cursor: 0)
        #expect(state == expected)

        var afterEnter = state
        afterEnter.overlay = nil
        afterEnter.focus = .model
        afterEnter.modelPosition = ListPosition(cursor: 2, scroll: 0)
        _ = send(&state, .input(.key(.enter)))
        #expect(state == afterEnter)
    }

    @Test func togglingAKnobAsksForASimulationAndMarksUnsaved() {
        var state = Fixture.state
        state.focus = .model
        state.modelPosition.cursor = 2
        var expected = state
        let effects = send(&state, .input(.key(.char(" "))))
        expected.simulating = true
        expected.unsaved = true
        expected.status = "ops_lookup = get_uffd_ops: re-simulating…"
        #expect(effects == [.simulate(DesignChoice(preset: "P2", overrides: ["ops_lookup": "get_uffd_ops"]))])
        #expect(state == expected)
    }

    @Test func simulationResultMarksChangedOutcomes() {
        var state = Fixture.state
        state.simulating = true
        var expected = state
        let snap = Fixture.snapshot(overrides: ["ops_lookup": "get_uffd_ops"], s1: "-EINVAL")
        _ = send(&state, .simulated(snap))
        expected.snapshot = snap
        expected.changed = ["S1"]
        expected.simulating = false
        expected.status = "re-simulated 2 scenarios: 1 changed, 1 warnings"
        #expect(state == expected)
    }

    @Test func followingAKnobListsTheCommentsThatArgueIt() {
        var state = Fixture.state
        state.focus = .model
        state.modelPosition.cursor = 2
        var expected = state
        _ = send(&state, .command(.followLink))
        expected.overlay = .links(title: "Comments arguing knob:ops_lookup (1)", entries: [
            LinkEntry(label: "Lorenzo Stoakes: Use get_uffd_ops() instead.  (`get_uffd_ops`)", destination: .line(message: 0, line: 6)),
        ], cursor: 0)
        #expect(state == expected)

        _ = send(&state, .input(.key(.enter)))
        #expect(state.focus == .patch)
        #expect(state.message == 0)
        #expect(state.patch.cursor == 6)
        #expect(state.overlay == nil)
    }

    @Test func quitAsksOnlyWhenSomethingIsUnsaved() {
        var clean = Fixture.state
        var expectedClean = clean
        #expect(send(&clean, .input(.key(.char("q")))) == [.quit])
        expectedClean.running = false
        #expect(clean == expectedClean)

        var dirty = Fixture.state
        dirty.unsaved = true
        var expectedDirty = dirty
        #expect(send(&dirty, .input(.key(.char("q")))) == [])
        expectedDirty.overlay = .confirmQuit
        #expect(dirty == expectedDirty)
        #expect(send(&dirty, .input(.key(.char("y")))) == [.quit])
        #expect(dirty.running == false)
    }

    @Test func saveThenQuitFromTheConfirmation() {
        var state = Fixture.state
        state.unsaved = true
        _ = send(&state, .command(.quit))
        let effects = send(&state, .input(.key(.char("s"))))
        #expect(effects == [.saveSession(notes: [], links: [], choice: Fixture.snapshot().choice)])
        #expect(send(&state, .saved(ok: true, message: "saved")) == [.quit])
        #expect(state.running == false)
        #expect(state.unsaved == false)
    }

    @Test func searchFindsTextInMessagesAndCyclesWithN() {
        var state = Fixture.state
        _ = send(&state, .input(.key(.char("/"))))
        #expect(state.overlay == .searchPrompt(text: ""))
        for c in "get_uffd" { _ = send(&state, .input(.key(.char(c)))) }
        #expect(state.overlay == .searchPrompt(text: "get_uffd"))
        var expected = state
        _ = send(&state, .input(.key(.enter)))
        expected.overlay = nil
        expected.searchQuery = "get_uffd"
        expected.matches = [LineRef(message: 0, line: 7), LineRef(message: 1, line: 2)]
        expected.patch.cursor = 7
        expected.status = "/get_uffd: match 1 of 2"
        #expect(state == expected)

        _ = send(&state, .input(.key(.char("n"))))
        #expect(state.message == 1)
        #expect(state.patch.cursor == 2)
        #expect(state.tree.cursor == 2)
        #expect(state.status == "/get_uffd: match 2 of 2")
        _ = send(&state, .input(.key(.char("N"))))
        #expect(state.message == 0)
        #expect(state.patch.cursor == 7)
    }

    @Test func addingANoteInsertsItUnderTheLineAndMarksUnsaved() {
        var state = Fixture.state
        state.patch.cursor = 5
        _ = send(&state, .input(.key(.char("a"))))
        #expect(state.overlay == .noteEditor(anchor: LineRef(message: 0, line: 5), text: ""))
        for c in "why?" { _ = send(&state, .input(.key(.char(c)))) }
        _ = send(&state, .input(.key(.backspace)), .input(.key(.char("!"))), .input(.key(.enter)))
        #expect(state.notes == [NoteView(messageID: "p1@x", message: 0, line: 5, text: "why!")])
        #expect(state.unsaved)
        #expect(state.document.count == 11)
        #expect(state.document[6].kind == .noteHeader)
        #expect(state.document[7].kind == .note)
        #expect(state.patch.cursor == 7)
        #expect(state.overlay == nil)
    }

    @Test func editorNoteGoesThroughAnEffect() {
        var state = Fixture.state
        state.patch.cursor = 4
        #expect(send(&state, .command(.editNote)) == [.openEditor(LineRef(message: 0, line: 4), initial: "")])
        _ = send(&state, .editorFinished(LineRef(message: 0, line: 4), "  "))
        #expect(state.notes.isEmpty)
        _ = send(&state, .editorFinished(LineRef(message: 0, line: 4), "from the editor"))
        #expect(state.notes.count == 1)
    }

    @Test func editingANoteInPlaceKeepsItAndAutosaves() {
        var state = Fixture.state
        state.focus = .patch
        state.patch.cursor = 5
        _ = send(&state, .input(.key(.char("a"))))
        for c in "first" { _ = send(&state, .input(.key(.char(c)))) }
        _ = send(&state, .input(.key(.enter)))
        #expect(state.document[state.patch.cursor].note == 0)
        let open = send(&state, .command(.editNote))
        #expect(open == [.openEditor(LineRef(message: 0, line: 5), initial: "first")])
        // An emptied edit keeps the note.
        _ = send(&state, .editorFinished(LineRef(message: 0, line: 5), ""))
        #expect(state.notes.map(\.text) == ["first"])
        _ = send(&state, .command(.editNote))
        let effects = send(&state, .editorFinished(LineRef(message: 0, line: 5), "second thoughts"))
        #expect(state.notes == [NoteView(messageID: "p1@x", message: 0, line: 5, text: "second thoughts")])
        #expect(effects.contains { if case .saveSession = $0 { return true } else { return false } },
                "an edit is autosaved")
    }

    @Test func deletingANoteNeedsTwoPresses() {
        var state = Fixture.state
        state.focus = .patch
        state.patch.cursor = 5
        _ = send(&state, .input(.key(.char("a"))))
        for c in "gone" { _ = send(&state, .input(.key(.char(c)))) }
        _ = send(&state, .input(.key(.enter)))
        _ = send(&state, .input(.key(.char("D"))))
        #expect(state.notes.count == 1, "one press only asks")
        // Any other key in between cancels the request.
        _ = send(&state, .input(.key(.char("j"))), .input(.key(.char("k"))), .input(.key(.char("D"))))
        #expect(state.notes.count == 1)
        let effects = send(&state, .input(.key(.char("D"))))
        #expect(state.notes.isEmpty)
        #expect(state.document.count == 9)
        #expect(effects.contains { if case .saveSession = $0 { return true } else { return false } },
                "a deletion is autosaved")
        _ = send(&state, .input(.key(.char("D"))))
        #expect(state.status == "no note under the cursor")
    }

    @Test func messageNavigationFollowsTheTree() {
        var state = Fixture.state
        _ = send(&state, .input(.key(.char("J"))))
        #expect(state.message == 1)
        #expect(state.tree.cursor == 2)
        _ = send(&state, .input(.key(.char("J"))))
        #expect(state.status == "no next")
        _ = send(&state, .input(.key(.char("["))))
        #expect(state.message == 0)
    }

    @Test func resizeAndPaneKeysChangeLayoutOnly() {
        var state = Fixture.state
        var expected = state
        _ = send(&state, .input(.resize(Size(columns: 160, rows: 48))), .input(.key(.char("+"))), .input(.key(.tab)))
        expected.size = Size(columns: 160, rows: 48)
        expected.weights = [22, 50, 32]
        expected.focus = .model
        #expect(state == expected)
    }

    @Test func cursorMovementIsClampedAndScrolls() {
        var state = Fixture.state
        state.size = Size(columns: 80, rows: 6)
        _ = send(&state, .input(.key(.char("G"))))
        #expect(state.patch.cursor == 8)
        #expect(state.patch.scroll == 5)
        _ = send(&state, .input(.key(.char("g"))))
        #expect(state.patch == ListPosition(cursor: 0, scroll: 0))
        _ = send(&state, .input(.wheel(delta: 1, x: 40, y: 2)))
        #expect(state.patch.cursor == 3)
    }

    @Test func helpIsGeneratedFromTheKeymap() {
        let lines = Keymap.standard.helpLines()
        for b in Keymap.standard.bindings { #expect(lines.contains { $0.contains(b.help) }) }
        var state = Fixture.state
        _ = send(&state, .input(.key(.char("?"))))
        #expect(state.overlay == .help(scroll: 0))
        _ = send(&state, .input(.key(.escape)))
        #expect(state.overlay == nil)
    }

    @Test func followingALineWithOneModelTargetJumpsStraightThere() {
        var state = Fixture.state
        state.review.messages[0].lines[5].links = [Fixture.linkOps]
        state.rebuildDocument()
        state.patch.cursor = 5
        var expected = state
        _ = send(&state, .command(.followLink))
        expected.focus = .model
        expected.modelPosition = ListPosition(cursor: 2, scroll: 0)
        expected.status = Fixture.linkOps.explanation
        #expect(state == expected)
    }

    @Test func redrawIsAnEffect() {
        var state = Fixture.state
        #expect(send(&state, .input(.key(.ctrl("l")))) == [.redraw])
    }

    @Test func everyKeyIsBoundOnce() {
        var seen = Set<Key>()
        for b in Keymap.standard.bindings { for k in b.keys { #expect(seen.insert(k).inserted, "\(k) bound twice") } }
        for c in Command.allCases { #expect(Keymap.standard.bindings.contains { $0.command == c }, "\(c) has no key") }
    }
}

/// README's key list is the help overlay's text: the keymap table is the single source.
@Test func readmeListsEveryKeyAsTheHelpOverlayDoes() throws {
    let readme = try String(contentsOf: Repo.root.appendingPathComponent("README.md"), encoding: .utf8)
    for line in Keymap.standard.helpLines() {
        #expect(readme.contains(line + "\n"), "README.md lacks the help line `\(line)`")
    }
}
